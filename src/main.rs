//! `track-models`: parse arguments, run, map the outcome to an exit code
//! (0 ok, 1 drift under `--check`, 2 error).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use track_models::api::cli::Cli;
use track_models::api::console::{install_subscriber, render_error, CommandGuard};
use track_models::api::run::{run, RunStatus};

fn main() -> ExitCode {
    let cli = Cli::parse();
    install_subscriber(cli.verbose);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // Everything on stderr may echo input: no line of it may pass for a workflow command.
    // Not locked for the whole run: the progress of a long phase is written from a second
    // thread.
    let mut err = CommandGuard::new(std::io::stderr());
    let code = match run(&cli, &mut out, &mut err) {
        Ok(RunStatus::Clean) => 0,
        Ok(RunStatus::Drift) => 1,
        Ok(RunStatus::PartialFailure) => 2,
        Err(error) => {
            let _ = writeln!(err, "{}", render_error(&error));
            2
        }
    };
    let _ = out.flush();
    let _ = err.flush();
    ExitCode::from(code)
}
