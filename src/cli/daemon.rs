//! `steady daemon` (not implemented yet).

use std::process::ExitCode;

/// Arguments of `steady daemon`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `steady daemon`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`steady daemon` is not implemented yet")
}
