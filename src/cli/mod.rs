//! Subcommands. Each module owns its clap `Args` and its `run` function.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// steady — wearable-sensor gait and balance analysis for physical therapy.
#[derive(Debug, Parser)]
#[command(name = "steady", version, about)]
pub struct Cli {
    /// More log output on stderr (-v info, -vv debug).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

/// What steady should do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Live gait and balance on built-in simulated sensors (no hardware needed).
    Demo(DemoArgs),
}

/// Arguments of `steady demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Run without the terminal UI.
    #[arg(long)]
    pub headless: bool,
}

/// Sets up stderr logging.
pub fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("STEADY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Demo(_args) => Ok(ExitCode::SUCCESS),
    }
}
