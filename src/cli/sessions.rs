//! `steady sessions list [--json]`: the stored sessions.

use std::process::ExitCode;
use steady_store::Store;

use crate::cli::common::DataDirArg;

/// Arguments of `steady sessions`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub data: DataDirArg,
}

/// Subcommands of `steady sessions`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// List every stored session, oldest first.
    List {
        /// One JSON array on stdout.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `steady sessions`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let store = Store::open(&args.data.resolve()?)?;
    match args.command {
        Command::List { json } => {
            let sessions = store.sessions()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&sessions)?);
            } else if sessions.is_empty() {
                println!("no sessions");
            } else {
                println!(
                    "{:>5}  {:<12} {:<20} {:<12} {:>15}",
                    "id", "patient", "test", "status", "started (unix s)"
                );
                for s in sessions {
                    println!(
                        "{:>5}  {:<12} {:<20} {:<12} {:>15}",
                        s.id,
                        s.patient,
                        s.test,
                        s.status.as_str(),
                        s.started_unix_ms / 1000
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
