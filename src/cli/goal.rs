//! `steady goal` (not implemented yet).

use std::process::ExitCode;

/// Arguments of `steady goal`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `steady goal`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`steady goal` is not implemented yet")
}
