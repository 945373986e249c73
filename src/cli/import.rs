//! `steady import` (not implemented yet).

use std::process::ExitCode;

/// Arguments of `steady import`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `steady import`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`steady import` is not implemented yet")
}
