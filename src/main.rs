//! `track-models`: parse arguments, run, map the outcome to an exit code
//! (0 ok, 1 drift under `--check`, 2 error).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use track_models::cli::Cli;
use track_models::run::{run, RunStatus};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut out = stdout.lock();
    let mut err = stderr.lock();
    let code = match run(&cli, &mut out, &mut err) {
        Ok(RunStatus::Clean) => 0,
        Ok(RunStatus::Drift) => 1,
        Ok(RunStatus::PartialFailure) => 2,
        Err(error) => {
            let _ = writeln!(err, "error: {error:#}");
            2
        }
    };
    let _ = out.flush();
    ExitCode::from(code)
}
