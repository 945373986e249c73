//! `steady validate` (not implemented yet).

use std::process::ExitCode;

/// Arguments of `steady validate`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `steady validate`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`steady validate` is not implemented yet")
}
