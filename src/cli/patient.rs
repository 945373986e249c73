//! `steady patient` (not implemented yet).

use std::process::ExitCode;

/// Arguments of `steady patient`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `steady patient`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`steady patient` is not implemented yet")
}
