//! `-v` logging: a tracing log file in the platform state dir (`sapcode.log`), written by a
//! background thread (non-blocking), never to stdout. Every line passes through
//! `redact::scrub` before it is written, so a token or secret that slipped into a message
//! still never reaches the file; the Authorization header is never logged in the first place
//! (`transport` logs method, URL, status and timings only). Events with the target
//! `sapcode::notice` (a corrupt cache file) also go to stderr with `-v`.

use std::io::Write;
use std::path::{Path, PathBuf};

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::{Layer, filter};

pub const LOG_FILE: &str = "sapcode.log";
/// Events with this target also go to stderr under `-v` (say them as `sapcode: …`).
pub const NOTICE: &str = "sapcode::notice";

/// Keeps the background writer alive; drop it last (it flushes what is queued).
pub struct Guard {
    _worker: tracing_appender::non_blocking::WorkerGuard,
    pub file: PathBuf,
}

/// The directory for logs and crash reports: the platform state dir (Linux
/// `$XDG_STATE_HOME/sapcode`, else `~/.local/state/sapcode`), or the data dir elsewhere.
/// Logging sits below everything that logs (`aicore`, `config`), so it finds the directory
/// itself and `config::Paths` takes it from here.
pub fn state_dir() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "sapcode")?;
    Some(
        dirs.state_dir()
            .unwrap_or_else(|| dirs.data_local_dir())
            .to_owned(),
    )
}

/// With `verbose`, starts logging to `state_dir()/sapcode.log` and returns its guard. Without
/// it, or if the file cannot be opened (said once on stderr), nothing is logged.
pub fn init(verbose: bool) -> Option<Guard> {
    if !verbose {
        return None;
    }
    let dir = state_dir()?;
    match init_in(&dir) {
        Ok(guard) => Some(guard),
        Err(err) => {
            eprintln!(
                "sapcode: cannot open the log file in {}: {err}; continuing without a log",
                dir.display()
            );
            None
        }
    }
}

/// Logging into `dir` (created 0700 if missing; the file is created 0600).
pub fn init_in(dir: &Path) -> std::io::Result<Guard> {
    create_private_dir(dir)?;
    let file = dir.join(LOG_FILE);
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let handle = options.open(&file)?;
    let (writer, worker) = tracing_appender::non_blocking(handle);
    let ours = filter::filter_fn(|meta| {
        meta.target().starts_with("sapcode") || *meta.level() <= tracing::Level::WARN
    });
    let to_file = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_writer(Scrubbing(writer))
        .with_filter(ours);
    let to_stderr = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .with_level(false)
        .with_writer(Scrubbing(std::io::stderr))
        .with_filter(filter::filter_fn(|meta| meta.target() == NOTICE));
    let subscriber = tracing_subscriber::registry().with(to_file).with(to_stderr);
    // A second init (tests) keeps the first subscriber.
    let _ = tracing::subscriber::set_global_default(subscriber);
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "sapcode started");
    Ok(Guard {
        _worker: worker,
        file,
    })
}

pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)
}

/// A writer factory whose writers scrub each formatted line (one `write_all` per event).
#[derive(Clone)]
struct Scrubbing<M>(M);

struct ScrubWriter<W>(W);

impl<W: Write> Write for ScrubWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(crate::redact::scrub(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Scrubbing<M> {
    type Writer = ScrubWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        ScrubWriter(self.0.make_writer())
    }
}

/// A URL fit for a log line: no user info, no query values that could carry a secret.
pub fn loggable_url(url: &reqwest::Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    crate::redact::scrub(url.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubbing_writer_masks_before_writing() {
        let mut out = Vec::new();
        ScrubWriter(&mut out)
            .write_all(b"sent Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.sig\n")
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains("eyJ"), "{text}");
        assert!(text.contains("[redacted]"), "{text}");
    }

    #[test]
    fn urls_lose_user_info() {
        let url = reqwest::Url::parse("https://user:pw@host/v2/lm/x?$top=1").unwrap();
        assert_eq!(loggable_url(&url), "https://host/v2/lm/x?$top=1");
    }
}
