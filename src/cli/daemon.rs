//! `steady daemon [--simulate]`: the long-running service (see `src/daemon/`). Without
//! `--simulate` it records the BLE sensors registered in the data directory.

use std::process::ExitCode;

use crate::cli::common::DataDirArg;

/// Arguments of `steady daemon`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Use simulated sensors (lower back and both shanks) instead of BLE.
    #[arg(long)]
    pub simulate: bool,
    /// Simulation speed, × real time (for demos and tests).
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Seed of the simulation.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Sample rate asked of BLE sensors, Hz (each family uses its nearest supported rate).
    #[arg(long, default_value_t = 100)]
    pub rate_hz: u32,
    #[command(flatten)]
    pub data: DataDirArg,
}

/// Runs `steady daemon`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    crate::daemon::run(crate::daemon::Options {
        data_dir: args.data.resolve()?,
        simulate: args.simulate,
        speed: args.speed,
        seed: args.seed,
        rate_hz: args.rate_hz,
    })?;
    Ok(ExitCode::SUCCESS)
}
