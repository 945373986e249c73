//! `steady sensors` (not implemented yet).

use std::process::ExitCode;

/// Arguments of `steady sensors`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `steady sensors`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`steady sensors` is not implemented yet")
}
