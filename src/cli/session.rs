//! `steady session start|stop`: record a session on the running daemon. `start` prints the
//! new session id.

use serde_json::json;
use std::process::ExitCode;

use crate::cli::common::DataDirArg;
use crate::daemon::client;

/// Arguments of `steady session`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub data: DataDirArg,
}

/// Subcommands of `steady session`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Start recording; prints the session id.
    Start {
        /// Pseudonymous id of a registered patient.
        #[arg(long)]
        patient: String,
        /// walk, single_leg_stance, four_stage_balance, tug or chair_stand_30s.
        #[arg(long, default_value = "walk")]
        test: String,
        /// Clinician.
        #[arg(long)]
        clinician: Option<String>,
        /// Test conditions.
        #[arg(long)]
        conditions: Option<String>,
        /// Pain reported by the patient, 0–10.
        #[arg(long, value_parser = clap::value_parser!(u8).range(0..=10))]
        pain: Option<u8>,
        /// Notes.
        #[arg(long)]
        notes: Option<String>,
        /// Print the daemon's JSON response.
        #[arg(long)]
        json: bool,
    },
    /// Stop recording (the daemon analyses and stores the session); prints the session id.
    Stop {
        /// Print the daemon's JSON response.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `steady session`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let dir = args.data.resolve()?;
    let (req, json_out) = match args.command {
        Command::Start {
            patient,
            test,
            clinician,
            conditions,
            pain,
            notes,
            json,
        } => (
            json!({"cmd": "session_start", "patient": patient, "test": test, "clinician": clinician,
                   "conditions": conditions, "pain_score": pain, "notes": notes}),
            json,
        ),
        Command::Stop { json } => (json!({"cmd": "session_stop"}), json),
    };
    let v = client::request(&dir, &req)?;
    if json_out {
        println!("{v}");
    } else {
        println!("{}", v["session"]);
        if let (Some(n), Some(m)) = (v["samples"].as_u64(), v["metrics"].as_u64()) {
            eprintln!("stored {n} samples and {m} metrics");
        }
    }
    Ok(ExitCode::SUCCESS)
}
