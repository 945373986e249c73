//! `steady analyze` (not implemented yet).

use std::process::ExitCode;

/// Arguments of `steady analyze`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `steady analyze`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`steady analyze` is not implemented yet")
}
