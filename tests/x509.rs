//! The X.509 service key (API reference §1.2) end to end: a token endpoint on
//! `https://localhost:PORT` that requires a client certificate signed by a CA made at test
//! time, and the client fetching a token from it with the certificate and key taken from a
//! service key JSON (PEMs with literal `\n` escapes, as SAP hands them out).

// clippy.toml's allow-*-in-tests covers #[test] functions only; this harness's helpers
// (fixtures, servers, waits) fail the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use sapcode::aicore::{Client, ClientOptions, Error, RetryPolicy, ServiceKey};
use sapcode::sim::{SimOptions, SimServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

const CLIENT_ID: &str = "sb-x509-test!b1|aicore!b540";

struct Pki {
    ca_pem: String,
    ca_der: CertificateDer<'static>,
    server_cert: CertificateDer<'static>,
    server_key: PrivateKeyDer<'static>,
}

fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

/// A client certificate signed by `issuer`: `(certificate PEM, key PEM, certificate DER)`.
fn client_cert(issuer: &CertifiedIssuer<'static, KeyPair>) -> (String, String, Vec<u8>) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, CLIENT_ID);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let cert = params.signed_by(&key, issuer).unwrap();
    (cert.pem(), key.serialize_pem(), cert.der().to_vec())
}

fn pki(ca: &CertifiedIssuer<'static, KeyPair>) -> Pki {
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&server_key, ca)
        .unwrap();
    Pki {
        ca_pem: ca.pem(),
        ca_der: ca.der().clone(),
        server_cert: server.der().clone(),
        server_key: PrivateKeyDer::Pkcs8(server_key.serialize_der().into()),
    }
}

/// What the token endpoint saw of one request that got through the handshake.
#[derive(Debug, Clone)]
struct Seen {
    client_cert: Option<Vec<u8>>,
    request_line: String,
    form: Vec<(String, String)>,
}

/// An mTLS token endpoint: the handshake fails unless the client presents a certificate
/// signed by the CA; `POST /oauth/token` answers a token JSON, anything else 404.
/// `connections` counts every TCP connection accepted, handshake refused or not.
async fn token_endpoint(
    pki: &Pki,
    seen: Arc<Mutex<Vec<Seen>>>,
    connections: Arc<AtomicUsize>,
) -> SocketAddr {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pki.ca_der.clone()).unwrap();
    let verifier =
        rustls::server::WebPkiClientVerifier::builder_with_provider(roots.into(), provider.clone())
            .build()
            .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![pki.server_cert.clone()], pki.server_key.clone_key())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            connections.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            let seen = seen.clone();
            tokio::spawn(async move {
                // A client without an acceptable certificate fails here: nothing to record.
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                let client_cert = tls
                    .get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|certs| certs.first())
                    .map(|cert| cert.to_vec());
                let Some((head, body)) = read_request(&mut tls).await else {
                    return;
                };
                let request_line = head.lines().next().unwrap_or("").to_string();
                let form: Vec<(String, String)> = url_decode_form(&body);
                seen.lock().unwrap().push(Seen {
                    client_cert,
                    request_line: request_line.clone(),
                    form,
                });
                let (status, body) = if request_line.starts_with("POST /oauth/token ") {
                    (
                        "200 OK",
                        r#"{"access_token":"x509-token","token_type":"bearer","expires_in":3599,"jti":"j1"}"#,
                    )
                } else {
                    ("404 Not Found", r#"{"error":"not_found"}"#)
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    addr
}

/// Head and body of one HTTP/1.1 request with a `Content-Length`.
async fn read_request<S: AsyncReadExt + Unpin>(stream: &mut S) -> Option<(String, String)> {
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&bytes[..end]).into_owned();
            let length: usize = head
                .lines()
                .filter_map(|line| line.split_once(':'))
                .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, value)| value.trim().parse().ok())
                .unwrap_or(0);
            while bytes.len() < end + 4 + length {
                let n = stream.read(&mut buf).await.ok()?;
                if n == 0 {
                    return None;
                }
                bytes.extend_from_slice(&buf[..n]);
            }
            let body = String::from_utf8_lossy(&bytes[end + 4..end + 4 + length]).into_owned();
            return Some((head, body));
        }
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        bytes.extend_from_slice(&buf[..n]);
    }
}

fn url_decode_form(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// A service key as SAP hands out for `credential-type: x509`: PEMs on one line with `\n`.
fn service_key(cert_pem: &str, key_pem: &str, certurl: &str, api: &str) -> String {
    let escaped = |pem: &str| pem.replace("\r\n", "\n").replace('\n', "\\n");
    let text = format!(
        r#"{{"clientid": "{CLIENT_ID}", "certificate": "{}", "key": "{}", "certurl": "{certurl}",
            "credential-type": "x509", "identityzone": "sub", "url": "https://sub.authentication.eu10.hana.ondemand.com",
            "serviceurls": {{"AI_API_URL": "{api}"}}}}"#,
        escaped(cert_pem),
        escaped(key_pem)
    );
    assert!(text.contains("-----BEGIN CERTIFICATE-----\\n"));
    text
}

struct Setup {
    _dir: tempfile::TempDir,
    ca_file: std::path::PathBuf,
    certurl: String,
    api: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// TCP connections the token endpoint accepted (one per handshake attempt).
    connections: Arc<AtomicUsize>,
    _sim: SimServer,
}

async fn setup(ca: &CertifiedIssuer<'static, KeyPair>) -> Setup {
    let pki = pki(ca);
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &pki.ca_pem).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let connections = Arc::new(AtomicUsize::new(0));
    let addr = token_endpoint(&pki, seen.clone(), connections.clone()).await;
    let sim = SimServer::start(SimOptions::default()).await.unwrap();
    Setup {
        _dir: dir,
        ca_file,
        certurl: format!("https://localhost:{}", addr.port()),
        api: sim.base_url().clone(),
        seen,
        connections,
        _sim: sim,
    }
}

fn client(setup: &Setup, cert_pem: &str, key_pem: &str) -> Client {
    let json = service_key(cert_pem, key_pem, &setup.certurl, &setup.api);
    let key = ServiceKey::from_json(&json).unwrap();
    Client::new(
        key,
        ClientOptions {
            extra_ca_file: Some(setup.ca_file.clone()),
            retry: RetryPolicy {
                max_attempts: 1,
                ..RetryPolicy::default()
            },
            ..ClientOptions::default()
        },
    )
    .unwrap()
}

#[tokio::test]
async fn certificate_key_fetches_a_token_over_mutual_tls() {
    let ca = ca("sapcode x509 test CA");
    let setup = setup(&ca).await;
    let (cert_pem, key_pem, cert_der) = client_cert(&ca);
    let client = client(&setup, &cert_pem, &key_pem);
    client.fetch_token().await.unwrap();
    assert_eq!(client.token_requests(), 1);

    let seen = setup.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let request = &seen[0];
    assert_eq!(request.request_line, "POST /oauth/token HTTP/1.1");
    assert_eq!(
        request.client_cert.as_deref(),
        Some(cert_der.as_slice()),
        "the endpoint saw the key's certificate"
    );
    let field = |name: &str| {
        request
            .form
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(field("grant_type"), Some("client_credentials"));
    assert_eq!(field("client_id"), Some(CLIENT_ID));
    assert_eq!(field("client_secret"), None, "{:?}", request.form);

    // The token is cached: no second handshake.
    client.fetch_token().await.unwrap();
    assert_eq!(setup.seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn certificate_from_another_ca_fails_with_a_clear_error() {
    let ca = ca("sapcode x509 test CA");
    let setup = setup(&ca).await;
    let stranger = self::ca("some other CA");
    let (cert_pem, key_pem, _) = client_cert(&stranger);
    let client = client(&setup, &cert_pem, &key_pem);
    let err = client.fetch_token().await.unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, Error::CertificateRejected { ref detail } if detail.contains("UnknownCA")),
        "{err:?}"
    );
    assert!(
        text.contains("refused the service key's client certificate"),
        "{text}"
    );
    assert!(err.hint().contains("new service key"));
    assert_eq!(err.exit_class(), sapcode::aicore::error::ExitClass::Auth);
    assert!(!text.contains("PRIVATE KEY"), "{text}");
    assert!(setup.seen.lock().unwrap().is_empty());
    // A refused certificate is not retried: one handshake, even with the default policy.
    let json = service_key(&cert_pem, &key_pem, &setup.certurl, &setup.api);
    let patient = Client::new(
        ServiceKey::from_json(&json).unwrap(),
        ClientOptions {
            extra_ca_file: Some(setup.ca_file.clone()),
            ..ClientOptions::default()
        },
    )
    .unwrap();
    let before = setup.connections.load(Ordering::SeqCst);
    assert!(matches!(
        patient.fetch_token().await,
        Err(Error::CertificateRejected { .. })
    ));
    assert_eq!(setup.connections.load(Ordering::SeqCst) - before, 1);
}

#[tokio::test]
async fn a_key_that_is_not_pem_is_a_service_key_error() {
    let ca = ca("sapcode x509 test CA");
    let setup = setup(&ca).await;
    let json = service_key(
        "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        &setup.certurl,
        &setup.api,
    );
    let key = ServiceKey::from_json(&json).unwrap();
    let err = Client::new(key, ClientOptions::default()).unwrap_err();
    assert!(
        matches!(err, Error::ServiceKey { ref field, .. } if field == "certificate/key"),
        "{err:?}"
    );
}
