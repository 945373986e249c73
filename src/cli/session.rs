//! `steady session` (not implemented yet).

use std::process::ExitCode;

/// Arguments of `steady session`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `steady session`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`steady session` is not implemented yet")
}
