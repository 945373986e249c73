//! `steady sessions` (not implemented yet).

use std::process::ExitCode;

/// Arguments of `steady sessions`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `steady sessions`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`steady sessions` is not implemented yet")
}
