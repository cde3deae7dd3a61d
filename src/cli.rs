//! Command-line surface of `shared/design/cli-contract.md`: global options, subcommands
//! and their flags. Parsing only; `commands/` does the work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::aicore::Mode;
use crate::connect::Overrides;

#[derive(Debug, Parser)]
#[command(
    name = "sapcode",
    version = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("SAPCODE_COMMIT"), ")"),
    about = "A fast terminal coding assistant for SAP AI Core",
    long_about = "A fast terminal coding assistant for SAP AI Core.\n\n\
        Without a subcommand sapcode opens the terminal UI (`sapcode \"PROMPT\"` sends PROMPT in it; \
        `sapcode -p PROMPT` answers without it). Try it with no account: `sapcode --demo`.",
    after_help = "Credentials: AICORE_SERVICE_KEY, or AICORE_CLIENT_ID/AICORE_CLIENT_SECRET/AICORE_AUTH_URL/AICORE_BASE_URL, \
        or a profile saved by `sapcode login` (secret in the OS keyring)."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    /// Open the TUI on the last conversation of this workspace
    #[arg(long = "continue", conflicts_with = "resume")]
    pub continue_last: bool,

    /// Open the TUI on a saved conversation: the one with this ID (as `sapcode sessions`
    /// prints it), or without an ID pick one of this workspace's
    #[arg(long, value_name = "ID", num_args = 0..=1, default_missing_value = "")]
    pub resume: Option<String>,

    /// Print the answer to PROMPT and exit, as `sapcode run PROMPT` does (no PROMPT: stdin)
    #[arg(short = 'p', long = "print")]
    pub print: bool,

    /// Open the TUI and send PROMPT once a model is chosen. A single word that names a
    /// subcommand is that subcommand
    #[arg(value_name = "PROMPT")]
    pub prompt: Vec<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every command takes.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Use the built-in SAP AI Core simulator: no account, no credentials, no network
    #[arg(long, global = true)]
    pub demo: bool,

    /// Profile in the config file
    #[arg(long, global = true, env = "SAPCODE_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,

    /// AI-Resource-Group for every call [default: from config, else `default`]
    #[arg(long, global = true, value_name = "NAME")]
    pub resource_group: Option<String>,

    /// Config file [default: the platform config dir's sapcode/config.toml]
    #[arg(long, global = true, env = "SAPCODE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// How chat requests reach the model
    #[arg(long, global = true, value_enum)]
    pub mode: Option<ModeArg>,

    /// Model name as in the catalog (e.g. gpt-4o)
    #[arg(long, global = true, value_name = "NAME")]
    pub model: Option<String>,

    /// Deployment id to talk to (foundation mode)
    #[arg(long, global = true, value_name = "ID")]
    pub deployment: Option<String>,

    /// Print usage and timing, and the cause chain of errors, on stderr
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Workspace directory (tools, AGENTS.md, sessions) [default: the current directory]
    #[arg(long, global = true, value_name = "DIR")]
    pub cwd: Option<PathBuf>,

    /// Mark no prompt-cache breakpoints (Claude's cachePoint and cache_control); `[agent]
    /// prompt_cache = false` in the config does the same
    #[arg(long, global = true)]
    pub no_prompt_cache: bool,
}

impl GlobalArgs {
    /// What the command line asks of `connect`, in its own words (no clap types).
    pub fn overrides(&self) -> Overrides {
        Overrides {
            profile: self.profile.clone(),
            resource_group: self.resource_group.clone(),
            config_file: self.config.clone(),
            mode: self.mode.map(Mode::from),
            model: self.model.clone(),
            deployment: self.deployment.clone(),
            verbose: self.verbose,
            no_prompt_cache: self.no_prompt_cache,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    Foundation,
    Orchestration,
}

impl From<Mode> for ModeArg {
    fn from(mode: Mode) -> ModeArg {
        match mode {
            Mode::Foundation => ModeArg::Foundation,
            Mode::Orchestration => ModeArg::Orchestration,
        }
    }
}

impl From<ModeArg> for Mode {
    fn from(arg: ModeArg) -> Mode {
        match arg {
            ModeArg::Foundation => Mode::Foundation,
            ModeArg::Orchestration => Mode::Orchestration,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// One chat turn without the TUI; the answer streams to stdout
    Run(RunArgs),
    /// Models that pass the filter, with deployment counts
    Models(ListArgs),
    /// Deployments of the resource group; non-RUNNING ones are marked
    Deployments(DeploymentsArgs),
    /// Store credentials: secret in the OS keyring, the rest in the config file
    Login(LoginArgs),
    /// Remove the profile's secret from the OS keyring
    Logout,
    /// Run the SAP AI Core simulator as an HTTP server on 127.0.0.1
    Simulate(SimulateArgs),
    /// Check config, keyring, token, deployments, catalog and one tiny completion
    Doctor,
    /// Saved conversations of this workspace, newest first
    Sessions(SessionsArgs),
    /// SAP AI Core as a local OpenAI- and Anthropic-compatible endpoint (Claude Code, Codex, SDKs)
    Serve(ServeArgs),
    /// Print shell completions
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Default, Args)]
pub struct RunArgs {
    /// The prompt; `-` or none reads it from stdin. Several words are joined with spaces,
    /// so `run fix the failing test` needs no quotes
    #[arg(value_name = "PROMPT")]
    pub prompt: Vec<String>,

    /// Print one JSON object per event (delta, usage, done, error; with tools also
    /// tool_call, tool_result and approval), one per line
    #[arg(long)]
    pub json: bool,

    /// System prompt
    #[arg(long, value_name = "TEXT")]
    pub system: Option<String>,

    /// Attach a file's contents to the prompt (repeatable)
    #[arg(long = "file", value_name = "PATH")]
    pub files: Vec<PathBuf>,

    /// Upper bound for answer tokens
    #[arg(long, value_name = "N")]
    pub max_tokens: Option<u32>,

    /// Tools the model may use in the current directory: off; read (read_file, list_files,
    /// search); edit (adds edit_file, write_file); all (adds run_command). Default: `tools`
    /// in the config's [agent] table, else read; a bare --tools means read. Edits and
    /// commands are asked on the terminal, approved by --yes, or refused without a terminal
    #[arg(long, value_name = "LEVEL", num_args = 0..=1, default_missing_value = "read")]
    pub tools: Option<ToolsLevel>,

    /// Approve every edit and command without asking
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Let the model's commands use the network (off by default; `[agent] network = true`
    /// in the config does the same)
    #[arg(long)]
    pub network: bool,

    /// Add this turn to the last saved conversation of this workspace
    #[arg(long = "continue")]
    pub continue_last: bool,

    /// Add this turn to the saved conversation with this ID (as `sapcode sessions` prints it)
    #[arg(long, value_name = "ID", conflicts_with = "continue_last")]
    pub resume: Option<String>,

    /// How hard a reasoning model thinks (o-series, gpt-5, Claude, Gemini 2.5+); default:
    /// `reasoning` in the config's [agent] table, else the model's own default
    #[arg(long, value_name = "EFFORT")]
    pub reasoning: Option<crate::aicore::Effort>,
}

/// `run --tools LEVEL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ToolsLevel {
    Off,
    Read,
    Edit,
    All,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print one JSON array
    #[arg(long)]
    pub json: bool,

    /// Lift the filter (models: streaming, text generation, context ≥ 32k)
    #[arg(long)]
    pub all: bool,

    /// Bypass the caches (catalog 15 min, deployments 5 min)
    #[arg(long)]
    pub refresh: bool,
}

#[derive(Debug, Args)]
pub struct DeploymentsArgs {
    /// Print one JSON array
    #[arg(long)]
    pub json: bool,

    /// Include non-RUNNING deployments (the default already lists them, marked "not
    /// selectable"; kept for scripts written against the contract)
    #[arg(long)]
    pub all: bool,

    /// Bypass the caches (catalog 15 min, deployments 5 min)
    #[arg(long)]
    pub refresh: bool,
}

#[derive(Debug, Args)]
pub struct SessionsArgs {
    /// Print one JSON array
    #[arg(long)]
    pub json: bool,

    /// Every workspace's sessions, not only this one's
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Service key JSON file from SAP BTP, or `-` for stdin; without it, asks interactively
    #[arg(long, value_name = "FILE")]
    pub service_key: Option<PathBuf>,

    /// Save without fetching a token first
    #[arg(long)]
    pub no_verify: bool,

    /// Where the client secret goes: the OS keyring, or a file only you can read in the
    /// config dir (for machines without a keyring); remembered in the profile
    #[arg(long, value_name = "STORE")]
    pub store: Option<CredentialStoreArg>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CredentialStoreArg {
    Keyring,
    File,
}

impl From<CredentialStoreArg> for crate::secrets::StoreKind {
    fn from(arg: CredentialStoreArg) -> Self {
        match arg {
            CredentialStoreArg::Keyring => crate::secrets::StoreKind::Keyring,
            CredentialStoreArg::File => crate::secrets::StoreKind::File,
        }
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port to listen on; 0 picks a free one
    #[arg(long, default_value_t = 8439)]
    pub port: u16,

    /// Address to listen on. Anything but loopback lets other machines use your SAP AI Core
    /// credentials (with the local key): only on a network you trust
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Port on 127.0.0.1; 0 picks a free one
    #[arg(long, default_value_t = 0)]
    pub port: u16,

    /// Write the service key JSON here once the simulator listens
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,

    /// Misbehave for tests, e.g. `429=2,retry-after=1` or `cut-after=3` (see README)
    #[arg(long, value_name = "SPEC", env = "SAPCODE_SIM_FAULTS")]
    pub fault: Option<String>,

    /// Answer every chat request with this recorded SSE body, verbatim
    #[arg(long, value_name = "FILE")]
    pub replay: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn global_flags_work_after_the_subcommand() {
        let cli = Cli::try_parse_from([
            "sapcode",
            "run",
            "hi",
            "--demo",
            "--mode",
            "orchestration",
            "--model",
            "gpt-4o",
        ])
        .unwrap();
        assert!(cli.global.demo);
        assert_eq!(cli.global.mode, Some(ModeArg::Orchestration));
        assert_eq!(cli.global.model.as_deref(), Some("gpt-4o"));
    }
}
