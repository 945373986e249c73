//! `steady export` (not implemented yet).

use std::process::ExitCode;

/// Arguments of `steady export`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `steady export`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`steady export` is not implemented yet")
}
