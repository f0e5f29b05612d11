//! The `db` command line, mounted in the application's own binary (so its models are linked
//! and registered), as Flask-Migrate's `flask db`:
//!
//! ```no_run
//! // src/bin/db.rs of the application
//! fn main() -> std::process::ExitCode {
//!     // Link the crate that declares the models (any use of it will do).
//!     model_core::cli::main()
//! }
//! ```
//!
//! `db create-all`, `db drop-all`, `db migrate -m "..."`, `db upgrade`, `db downgrade`,
//! `db stamp`, `db current`, `db history`, `db check`, `db sql`, `db diagram`; `db --help` says more. The
//! databases come from the environment's section of `model-core.toml` (`--env`, or
//! `MODEL_CORE_ENV`, else `development`) under `DATABASE_URL` and `DATABASE_BINDS`.
//!
//! Exit codes: 0 done, 1 failed (or, for `check`, the databases differ from the models or a
//! migration is pending), 2 the command line was wrong.

mod args;
mod commands;
mod diagram;
mod profile;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

pub use profile::{DEFAULT_ENV, DEFAULT_FILE, ENV_VAR};

/// Runs the command line of this process's arguments, on a Tokio runtime of its own, and
/// returns the exit code. For a `fn main` with nothing else to do.
pub fn main() -> ExitCode {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(run()),
        Err(error) => {
            eprintln!("error: starting the Tokio runtime: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the command line of this process's arguments; for an `async fn main` (or a binary
/// that runs the command line under a subcommand of its own).
pub async fn run() -> ExitCode {
    ExitCode::from(run_from(std::env::args_os()).await)
}

/// Runs the command line `args` (the program's name first) and returns the exit code: 0 done,
/// 1 failed or (for `check`) differences found, 2 the arguments were wrong.
pub async fn run_from<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args = match args::Args::try_parse_from(args) {
        Ok(args) => args,
        Err(error) => {
            let code = if error.use_stderr() { 2 } else { 0 };
            let _ = error.print();
            return code;
        }
    };
    match commands::run(args).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            1
        }
    }
}
