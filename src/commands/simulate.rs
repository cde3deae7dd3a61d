//! `sapcode simulate`: the simulator as an HTTP server for other clients (SAP's SDKs, curl).

use anyhow::Context as _;

use crate::aicore::Error;
use crate::cli::SimulateArgs;
use crate::fsutil::write_atomic;
use crate::sim::{Faults, SimOptions, SimServer};

pub async fn run(args: SimulateArgs) -> anyhow::Result<()> {
    let faults = match args.fault.as_deref() {
        Some(spec) => {
            Faults::parse(spec).map_err(|err| Error::Config(format!("--fault: {err}")))?
        }
        None => Faults::default(),
    };
    let replay = match &args.replay {
        Some(path) => Some(std::fs::read(path).map_err(|err| {
            Error::Config(format!(
                "cannot read --replay file {}: {err}",
                path.display()
            ))
        })?),
        None => None,
    };
    let server = SimServer::start(SimOptions {
        port: args.port,
        faults,
        replay,
        ..SimOptions::default()
    })
    .await
    .with_context(|| format!("cannot listen on 127.0.0.1:{}", args.port))?;

    let key = serde_json::to_string_pretty(&server.service_key())?;
    if let Some(path) = &args.key_file {
        write_atomic(path, key.as_bytes(), /*private*/ true)
            .with_context(|| format!("cannot write the key file {}", path.display()))?;
    }
    // A reader that closed stdout (`| head -1` for the URL) still gets a running simulator.
    if let Err(err) = crate::stdout::print(&format!("{}\n{key}\n", server.base_url()))
        && err.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(err.into());
    }
    eprintln!(
        "sapcode: simulator listening on {}; use it with AICORE_SERVICE_KEY=<the key above>. Ctrl-C stops it.",
        server.base_url()
    );
    tokio::signal::ctrl_c().await.ok();
    server.shutdown().await;
    Ok(())
}
