//! Subcommands. Each module owns its clap `Args` and its `run` function.

pub mod analyze;
pub mod common;
pub mod daemon;
pub mod dash_feed;
pub mod dashboard;
pub mod demo;
pub mod demo_tui;
pub mod export;
pub mod goal;
pub mod guided;
pub mod history_view;
pub mod import;
pub mod patient;
pub mod record;
pub mod sensors;
pub mod session;
pub mod sessions;
pub mod status;
pub mod validate;
pub mod validate_feet;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// steady — wearable-sensor gait and balance analysis for physical therapy.
#[derive(Debug, Parser)]
#[command(name = "steady", version, about)]
pub struct Cli {
    /// More log output on stderr (-v info, -vv debug).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

/// What steady should do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Live gait and balance on built-in simulated sensors (no hardware needed).
    Demo(demo::Args),
    /// Analyse a recording folder (meta.json + imu*.csv).
    Analyze(analyze::Args),
    /// Score the analysis against the reference recordings (accuracy table).
    Validate(validate::Args),
    /// Scan, register, list, remove and identify BLE sensors.
    Sensors(sensors::Args),
    /// Record raw data from the registered sensors into a recording folder.
    Record(record::Args),
    /// Run the long-lived service that owns sensors and records sessions.
    Daemon(daemon::Args),
    /// Start or stop a session on the running daemon.
    Session(session::Args),
    /// List and show stored sessions.
    Sessions(sessions::Args),
    /// Show the daemon's state.
    Status(status::Args),
    /// Store a recording folder as a session.
    Import(import::Args),
    /// Export a session or patient (csv, json, fhir, report).
    Export(export::Args),
    /// Manage patients.
    Patient(patient::Args),
    /// Manage care-plan goals.
    Goal(goal::Args),
    /// The terminal dashboard attached to a running daemon.
    Dashboard(dashboard::Args),
}

/// Sets up stderr logging.
pub fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("STEADY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Demo(a) => demo::run(a),
        Command::Analyze(a) => analyze::run(a),
        Command::Validate(a) => validate::run(a),
        Command::Sensors(a) => sensors::run(a),
        Command::Record(a) => record::run(a),
        Command::Daemon(a) => daemon::run(a),
        Command::Session(a) => session::run(a),
        Command::Sessions(a) => sessions::run(a),
        Command::Status(a) => status::run(a),
        Command::Import(a) => import::run(a),
        Command::Export(a) => export::run(a),
        Command::Patient(a) => patient::run(a),
        Command::Goal(a) => goal::run(a),
        Command::Dashboard(a) => dashboard::run(a),
    }
}
