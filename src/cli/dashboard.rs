//! `steady dashboard` (not implemented yet).

use std::process::ExitCode;

/// Arguments of `steady dashboard`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `steady dashboard`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`steady dashboard` is not implemented yet")
}
