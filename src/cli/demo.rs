//! `steady demo`: the whole pipeline on built-in simulated sensors.

use std::process::ExitCode;

/// Arguments of `steady demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Run without the terminal UI (progress on stderr).
    #[arg(long)]
    pub headless: bool,
    /// How long to simulate, e.g. 30s or 2m.
    #[arg(long, default_value = "30s", value_parser = super::common::parse_duration_s)]
    pub duration: f64,
    /// Print a JSON summary (metrics next to the simulator's ground truth) on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Runs `steady demo`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if !args.headless {
        return super::demo_tui::run(&args);
    }
    anyhow::bail!("`steady demo` is not implemented yet")
}
