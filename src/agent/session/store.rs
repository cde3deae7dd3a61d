//! Session files on disk: create, append, list, load. Appends are one `write` of a whole
//! line to a file opened with `O_APPEND`, so concurrent sapcodes never interleave half lines;
//! readers skip a cut last line instead of failing.

use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::entry::{Entry, Header, PlacedView, VERSION, stamp};
use super::tool_view::ToolView;
use super::{LoadedSession, SessionSummary};
use crate::aicore::{Message, Mode, Role};

/// Which sessions `list` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    Workspace(&'a Path),
    All,
}

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("this system has no data directory (set HOME or XDG_DATA_HOME)")]
    NoDataDir,
    #[error("no session {0}; `sapcode sessions --all` lists them")]
    NotFound(String),
    #[error("session file {path} is not a sapcode session (no header line)")]
    NoHeader { path: PathBuf },
    #[error("session file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The `sessions` folder of the data dir.
#[derive(Debug, Clone)]
pub struct SessionStore {
    root: PathBuf,
}

/// An open session to append to.
#[derive(Debug, Clone)]
pub struct SessionFile {
    id: String,
    path: PathBuf,
}

impl SessionStore {
    pub fn new(data_dir: &Path) -> SessionStore {
        SessionStore {
            root: data_dir.join("sessions"),
        }
    }

    /// Starts a session in `workspace` (an absolute path) and writes its header.
    // The header's fields, each written once: a struct for them would only rename them.
    #[allow(clippy::too_many_arguments)]
    pub fn create(
        &self,
        workspace: &Path,
        mode: Mode,
        model: Option<&str>,
        deployment: Option<&str>,
        system: Option<&str>,
        at: SystemTime,
        one_shot: bool,
    ) -> Result<SessionFile, SessionError> {
        let created = stamp(at);
        let id = format!(
            "{}-{:04x}",
            created.trim_end_matches('Z').replace([':', '-'], ""),
            fastrand::u16(..)
        );
        let path = self.workspace_dir(workspace).join(format!("{id}.jsonl"));
        let header = Header {
            version: VERSION,
            id: id.clone(),
            workspace: workspace.to_owned(),
            created,
            mode,
            model: model.map(str::to_owned),
            deployment: deployment.map(str::to_owned),
            system: system.map(str::to_owned),
            one_shot,
        };
        let file = SessionFile { id, path };
        file.append(&Entry::Header(header))?;
        Ok(file)
    }

    /// Sessions newest first (by their last saved event).
    pub fn list(&self, scope: Scope<'_>) -> Result<Vec<SessionSummary>, SessionError> {
        let mut sessions: Vec<SessionSummary> = self
            .files(scope)?
            .iter()
            // A file that cannot be read is left out of the list rather than hiding the rest.
            .filter_map(|path| read(path).ok())
            .filter(|session| match scope {
                Scope::Workspace(workspace) => session.header.workspace == workspace,
                Scope::All => true,
            })
            .map(|session| session.summary())
            .collect();
        sessions.sort_by(|a, b| b.updated.cmp(&a.updated).then(b.id.cmp(&a.id)));
        Ok(sessions)
    }

    /// Reads the session `id` (from any workspace).
    pub fn load(&self, id: &str) -> Result<LoadedSession, SessionError> {
        let is_id = !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !is_id {
            return Err(SessionError::NotFound(id.to_owned()));
        }
        let name = format!("{id}.jsonl");
        self.files(Scope::All)?
            .into_iter()
            .find(|path| path.file_name().is_some_and(|n| n == name.as_str()))
            .ok_or_else(|| SessionError::NotFound(id.to_owned()))
            .and_then(|path| read(&path))
    }

    /// The newest session of `workspace`, if any.
    pub fn last_for(&self, workspace: &Path) -> Result<Option<LoadedSession>, SessionError> {
        match self.list(Scope::Workspace(workspace))?.first() {
            Some(summary) => self.load(&summary.id).map(Some),
            None => Ok(None),
        }
    }

    /// Appends to a session read back with `load`.
    pub fn reopen(&self, session: &LoadedSession) -> SessionFile {
        SessionFile {
            id: session.header.id.clone(),
            path: self
                .workspace_dir(&session.header.workspace)
                .join(format!("{}.jsonl", session.header.id)),
        }
    }

    fn workspace_dir(&self, workspace: &Path) -> PathBuf {
        self.root.join(workspace_folder(workspace))
    }

    fn files(&self, scope: Scope<'_>) -> Result<Vec<PathBuf>, SessionError> {
        let dirs = match scope {
            Scope::Workspace(workspace) => vec![self.workspace_dir(workspace)],
            Scope::All => match std::fs::read_dir(&self.root) {
                Ok(entries) => entries.flatten().map(|entry| entry.path()).collect(),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => Vec::new(),
                Err(source) => {
                    return Err(SessionError::Io {
                        path: self.root.clone(),
                        source,
                    });
                }
            },
        };
        let mut files = Vec::new();
        for dir in dirs {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            files.extend(
                entries
                    .flatten()
                    .map(|entry| entry.path())
                    .filter(|path| path.extension().is_some_and(|ext| ext == "jsonl")),
            );
        }
        Ok(files)
    }
}

impl SessionFile {
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `entry` as one line. Private (0600) and in a 0700 folder: the conversation
    /// may quote the user's code.
    pub fn append(&self, entry: &Entry) -> Result<(), SessionError> {
        let io = |source| SessionError::Io {
            path: self.path.clone(),
            source,
        };
        let mut line = serde_json::to_string(entry).map_err(|err| io(err.into()))?;
        line.push('\n');
        if let Some(dir) = self.path.parent() {
            create_private_dir(dir).map_err(io)?;
            // The images first: a line never names a copy that is not there.
            let messages = match entry {
                Entry::Message { message, .. } => std::slice::from_ref(message),
                Entry::Compacted { messages, .. } => messages.as_slice(),
                Entry::Header(_) | Entry::Target { .. } | Entry::Usage { .. } => &[],
            };
            super::image_store::save(dir, messages).map_err(io)?;
        }
        let mut options = OpenOptions::new();
        options.read(true).append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&self.path).map_err(io)?;
        // A line cut by a killed process must not swallow the next one.
        if !ends_with_newline(&mut file).map_err(io)? {
            line.insert(0, '\n');
        }
        file.write_all(line.as_bytes()).map_err(io)
    }
}

/// True for an empty file too: there is nothing to finish.
fn ends_with_newline(file: &mut File) -> std::io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    if file.metadata()?.len() == 0 {
        return Ok(true);
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

pub(super) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// `myproject-1a2b3c4d5e6f7a8b`: readable, and unique per absolute path.
fn workspace_folder(workspace: &Path) -> String {
    let name: String = workspace
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(32)
        .collect();
    let name = name.trim_start_matches('.');
    let hash = fnv1a(workspace.as_os_str().as_encoded_bytes());
    if name.is_empty() {
        format!("{hash:016x}")
    } else {
        format!("{name}-{hash:016x}")
    }
}

/// FNV-1a: stable across Rust releases, unlike `DefaultHasher`, so folders keep their names.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Reads a session file. Lines that do not parse are skipped (a cut last line after a kill,
/// or a line from a newer sapcode); only the header is required.
fn read(path: &Path) -> Result<LoadedSession, SessionError> {
    let io = |source| SessionError::Io {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let mut header: Option<Header> = None;
    let mut entries = Vec::new();
    let mut was_truncated = false;
    for line in BufReader::new(file).split(b'\n') {
        let line = line.map_err(io)?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Entry>(&line) {
            Ok(Entry::Header(found)) if header.is_none() => header = Some(found),
            Ok(entry) => entries.push(entry),
            Err(_) => was_truncated = true,
        }
    }
    let header = header.ok_or_else(|| SessionError::NoHeader {
        path: path.to_owned(),
    })?;
    let mut session = LoadedSession {
        mode: header.mode,
        model: header.model.clone(),
        deployment: header.deployment.clone(),
        messages: Vec::new(),
        tool_views: Vec::new(),
        first_question: None,
        last_usage: None,
        cost_usd: None,
        updated: header.created.clone(),
        was_truncated,
        header,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut turn_costs = Vec::new();
    for mut entry in entries {
        match &mut entry {
            Entry::Message { message, .. } => super::image_store::load(dir, message),
            Entry::Compacted { messages, .. } => {
                for message in messages.iter_mut() {
                    super::image_store::load(dir, message);
                }
            }
            Entry::Header(_) | Entry::Target { .. } | Entry::Usage { .. } => {}
        }
        if entry.at() > session.updated.as_str() {
            session.updated = entry.at().to_owned();
        }
        match entry {
            Entry::Header(_) => {}
            Entry::Message { message, tool, .. } => {
                if session.first_question.is_none() && message.role == Role::User {
                    session.first_question = Some(message.clone());
                }
                session.messages.push(message);
                session.tool_views.push(tool.map(|view| *view));
            }
            Entry::Target {
                mode,
                model,
                deployment,
                ..
            } => {
                session.mode = mode;
                session.model = model;
                session.deployment = deployment;
            }
            Entry::Usage {
                usage, cost_usd, ..
            } => {
                turn_costs.push(cost_usd);
                session.last_usage = Some(usage);
            }
            Entry::Compacted {
                messages, tools, ..
            } => {
                session.tool_views = carried_views(&session, &messages, tools);
                session.messages = messages;
                session.last_usage = None;
            }
        }
    }
    // Every turn, compacted ones too, was paid for; one without a price leaves it unknown.
    if !turn_costs.is_empty() {
        session.cost_usd = turn_costs.into_iter().sum();
    }
    Ok(session)
}

/// Characters a shortened tool output keeps of its start (far fewer than the context's
/// shortening keeps), enough to tell results apart.
const SAME_HEAD_CHARS: usize = 200;

/// The views of `messages` after a rewrite: those the entry names by position, and for the
/// calls kept from before, the views they were written with (the same result message).
fn carried_views(
    before: &LoadedSession,
    messages: &[Message],
    placed: Vec<PlacedView>,
) -> Vec<Option<ToolView>> {
    let mut named: BTreeMap<usize, ToolView> = placed
        .into_iter()
        .map(|placed| (placed.message, placed.view))
        .collect();
    let mut known: HashMap<&str, Vec<(&Message, &ToolView)>> = HashMap::new();
    for (message, view) in before.messages.iter().zip(&before.tool_views) {
        if let (Some(id), Some(view)) = (message.tool_call_id.as_deref(), view) {
            known.entry(id).or_default().push((message, view));
        }
    }
    // The same result, or one shortened to fit the context (its head kept).
    let kept = |message: &Message| {
        let same = known.get(message.tool_call_id.as_deref()?)?;
        let head: String = message.content.chars().take(SAME_HEAD_CHARS).collect();
        let (_, view) = same
            .iter()
            .rev()
            .find(|(old, _)| *old == message)
            .or_else(|| {
                same.iter()
                    .rev()
                    .find(|(old, _)| old.content.starts_with(&head))
            })?;
        Some((*view).clone())
    };
    messages
        .iter()
        .enumerate()
        .map(|(index, message)| named.remove(&index).or_else(|| kept(message)))
        .collect()
}
