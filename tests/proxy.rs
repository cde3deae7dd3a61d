//! The whole network stack of the binary through a corporate-style setup, all started by
//! the test: a TLS terminator on `https://localhost:PORT` (certificate from a CA made at test
//! time) in front of the simulator, and a CONNECT proxy that counts what it tunnels.
//! `sapcode models` runs with `HTTPS_PROXY` and `SSL_CERT_FILE`: the proxy must see the
//! CONNECT for the terminator, and the extra CA must be what makes TLS verify.

// clippy.toml's allow-*-in-tests covers #[test] functions only; this harness's helpers
// (fixtures, servers, waits) fail the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use common::{Home, TestSim, stderr_of, stdout_of};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls;

struct Tls {
    ca_pem: String,
    cert: rustls::pki_types::CertificateDer<'static>,
    key: rustls::pki_types::PrivateKeyDer<'static>,
}

/// A CA and a `localhost` server certificate signed by it.
fn make_certs() -> Tls {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "sapcode test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&server_key, &ca)
        .unwrap();
    Tls {
        ca_pem: ca.pem(),
        cert: server.der().clone(),
        key: rustls::pki_types::PrivateKeyDer::Pkcs8(server_key.serialize_der().into()),
    }
}

/// Terminates TLS and forwards the plain bytes to `backend`.
async fn tls_terminator(tls: &Tls, backend: SocketAddr) -> SocketAddr {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![tls.cert.clone()], tls.key.clone_key())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that rejects the certificate ends the handshake: nothing to do.
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                if let Ok(mut plain) = TcpStream::connect(backend).await {
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                }
            });
        }
    });
    addr
}

/// A CONNECT-only proxy; records each `CONNECT host:port` it tunnels.
async fn connect_proxy(seen: Arc<Mutex<Vec<String>>>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
                    if client.read_exact(&mut byte).await.is_err() {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let mut words = head.split_whitespace();
                let (Some("CONNECT"), Some(target)) = (words.next(), words.next()) else {
                    let _ = client
                        .write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
                        .await;
                    return;
                };
                seen.lock().unwrap().push(target.to_string());
                // Tunnel "localhost:PORT" to the loopback address.
                let Ok(mut upstream) = TcpStream::connect(target).await else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                    return;
                };
                if client
                    .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                    .await
                    .is_ok()
                {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                }
            });
        }
    });
    addr
}

#[test]
fn https_proxy_and_extra_ca_carry_the_listing_calls() {
    let sim = TestSim::start("");
    let home = Home::new();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let tls = make_certs();
    let backend: SocketAddr = format!("127.0.0.1:{}", sim.server().port())
        .parse()
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (tls_addr, proxy_addr) = runtime.block_on(async {
        (
            tls_terminator(&tls, backend).await,
            connect_proxy(seen.clone()).await,
        )
    });
    let ca_file = home.path().join("corporate-ca.pem");
    std::fs::write(&ca_file, &tls.ca_pem).unwrap();
    let https = format!("https://localhost:{}", tls_addr.port());
    let key = sim.key_with(|key| {
        key["url"] = https.clone().into();
        key["serviceurls"]["AI_API_URL"] = https.clone().into();
    });
    let proxy = format!("http://{proxy_addr}");

    // Proxy + extra CA: works, through the proxy.
    let output = home
        .sapcode()
        .env("AICORE_SERVICE_KEY", &key)
        .env("HTTPS_PROXY", &proxy)
        .env("SSL_CERT_FILE", &ca_file)
        .args(["models", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(
        stdout_of(&output).contains("gpt-4o"),
        "{}",
        stdout_of(&output)
    );
    let tunnels = seen.lock().unwrap().clone();
    let target = format!("localhost:{}", tls_addr.port());
    assert!(!tunnels.is_empty(), "the proxy saw no CONNECT");
    assert!(tunnels.iter().all(|t| *t == target), "{tunnels:?}");
    assert!(sim.count_requests("/oauth/token") >= 1);
    assert!(sim.count_requests("/v2/lm/deployments") >= 1);

    // The same with `ca_file` in the config file instead of SSL_CERT_FILE.
    std::fs::create_dir_all(home.config_file().parent().unwrap()).unwrap();
    std::fs::write(
        home.config_file(),
        format!("ca_file = {:?}\n", ca_file.display().to_string()),
    )
    .unwrap();
    let before = seen.lock().unwrap().len();
    home.sapcode()
        .env("AICORE_SERVICE_KEY", &key)
        .env("HTTPS_PROXY", &proxy)
        .args(["models", "--refresh"])
        .assert()
        .success();
    assert!(seen.lock().unwrap().len() > before);
    std::fs::remove_file(home.config_file()).unwrap();

    // NO_PROXY bypasses the proxy; the CA is still needed and enough.
    let before = seen.lock().unwrap().len();
    home.sapcode()
        .env("AICORE_SERVICE_KEY", &key)
        .env("HTTPS_PROXY", &proxy)
        .env("NO_PROXY", "localhost")
        .env("SSL_CERT_FILE", &ca_file)
        .args(["models", "--refresh"])
        .assert()
        .success();
    assert_eq!(seen.lock().unwrap().len(), before, "NO_PROXY was ignored");

    // Without the extra CA the certificate is refused at once: a network error naming the fix.
    let before = seen.lock().unwrap().len();
    let output = home
        .sapcode()
        .env("AICORE_SERVICE_KEY", &key)
        .env("HTTPS_PROXY", &proxy)
        .args(["models", "--refresh"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(5), "{}", stderr_of(&output));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("TLS certificate not trusted"), "{stderr}");
    assert!(stderr.contains("SSL_CERT_FILE"), "{stderr}");
    // Not retried: one CONNECT for the one token request.
    assert_eq!(
        seen.lock().unwrap().len(),
        before + 1,
        "a refused certificate was retried"
    );
    drop(runtime);
}
