//! `steady record` (not implemented yet).

use std::process::ExitCode;

/// Arguments of `steady record`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `steady record`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`steady record` is not implemented yet")
}
