//! Parses the command line, runs one command, and turns its error into one stderr line and
//! the contract's exit code.

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use sapcode::cli::{Cli, Command};
use sapcode::commands;
use sapcode::connect::{Backend, Context};
use sapcode::credentials::Environment;
use sapcode::report;

fn main() -> ExitCode {
    // Chains to any hook installed before or after it (see `crash`).
    sapcode::crash::install_hook();
    let cli = Cli::parse();
    // `-v`: tracing log file in the state dir; the guard flushes it when main returns.
    let _log = sapcode::logging::init(cli.global.verbose);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("sapcode: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that went away (`| head -1`) is not a failure: end quietly.
        Err(err) if sapcode::stdout::is_closed(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let (class, _) = report::classify(&err);
            if class != sapcode::aicore::error::ExitClass::Interrupted {
                eprintln!("{}", report::line(&err));
            }
            ExitCode::from(class as u8)
        }
    }
}

async fn dispatch(cli: Cli) -> anyhow::Result<()> {
    let Cli {
        global,
        command,
        continue_last,
        resume,
        print,
        prompt,
    } = cli;
    // `sapcode -p PROMPT` is `sapcode run PROMPT`, with run's defaults.
    let (command, prompt) = match command {
        None if print => {
            let run = sapcode::cli::RunArgs {
                prompt,
                ..Default::default()
            };
            (Some(Command::Run(run)), None)
        }
        command => (command, (!prompt.is_empty()).then(|| prompt.join(" "))),
    };
    match command {
        Some(Command::Simulate(args)) => commands::simulate::run(args).await,
        Some(Command::Completions { shell }) => {
            // Into memory first: clap_complete panics when its writer fails.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "sapcode", &mut script);
            sapcode::stdout::print(&String::from_utf8_lossy(&script))?;
            Ok(())
        }
        Some(_) if continue_last || resume.is_some() => Err(sapcode::report::UsageError::new(
            "--continue and --resume open the terminal UI and take no subcommand",
            "for a headless turn use `sapcode run --continue PROMPT`",
        )
        .into()),
        command => {
            if let Some(dir) = &global.cwd {
                std::env::set_current_dir(dir).map_err(|err| {
                    sapcode::report::UsageError::new(
                        format!("--cwd {}: {err}", dir.display()),
                        "pass a directory that exists",
                    )
                })?;
            }
            let backend = if global.demo {
                Backend::Simulator
            } else {
                Backend::SapAiCore
            };
            let overrides = global.overrides();
            let ctx = Context::load(backend, overrides, Environment::from_process())?;
            match command {
                Some(Command::Run(args)) => commands::run::run(&ctx, args).await,
                Some(Command::Models(args)) => commands::models::run(&ctx, args).await,
                Some(Command::Deployments(args)) => commands::deployments::run(&ctx, args).await,
                Some(Command::Login(args)) => commands::login::login(&ctx, args).await,
                Some(Command::Logout) => commands::login::logout(&ctx).await,
                Some(Command::Doctor) => commands::doctor::run(&ctx).await,
                Some(Command::Sessions(args)) => commands::sessions::run(&ctx, args),
                Some(Command::Serve(args)) => {
                    let address = std::net::SocketAddr::new(args.bind, args.port);
                    sapcode::serve::run(&ctx, address).await
                }
                Some(Command::Simulate(_)) | Some(Command::Completions { .. }) => Ok(()),
                None => {
                    let opening =
                        commands::sessions::opening(&ctx, continue_last, resume.as_deref())?;
                    sapcode::tui::run(ctx, opening, prompt).await
                }
            }
        }
    }
}
