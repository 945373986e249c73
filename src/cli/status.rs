//! `steady status` (not implemented yet).

use std::process::ExitCode;

/// Arguments of `steady status`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `steady status`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`steady status` is not implemented yet")
}
