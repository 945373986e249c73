//! `steady sessions list|show|annotate|add-metric`: browse stored sessions, set the reported
//! pain, conditions and notes, and add clinician-measured values (stopwatch TUG, …).

use serde_json::json;
use std::process::ExitCode;
use steady_core::Metric;
use steady_store::{catalog, export, SessionInfo, Store};

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
    /// List stored sessions, oldest first.
    List {
        /// Only this patient's sessions.
        #[arg(long)]
        patient: Option<String>,
        /// One JSON array on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Show one session: details, sensors, metrics.
    Show {
        /// Session id.
        id: i64,
        /// One JSON document on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Set pain score, conditions or notes of a session.
    Annotate {
        /// Session id.
        id: i64,
        /// Pain reported by the patient, 0–10.
        #[arg(long, value_parser = clap::value_parser!(u8).range(0..=10))]
        pain: Option<u8>,
        /// Test conditions.
        #[arg(long)]
        conditions: Option<String>,
        /// Notes.
        #[arg(long)]
        notes: Option<String>,
    },
    /// Add measured values (`tug_s=11.2`, `single_leg_stance_s=8.5:left`, …).
    AddMetric {
        /// Session id.
        id: i64,
        /// `key=value` or `key=value:side`.
        #[arg(required = true, value_parser = crate::cli::import::parse_metric)]
        metrics: Vec<Metric>,
    },
}

fn when(ms: i64) -> String {
    export::iso_time(ms, false)
        .replace('T', " ")
        .trim_end_matches('Z')
        .to_string()
}

fn print_table(sessions: &[SessionInfo]) {
    if sessions.is_empty() {
        println!("no sessions");
        return;
    }
    println!(
        "{:>5}  {:<12} {:<20} {:<12} {:<20} {:>4}",
        "id", "patient", "test", "status", "started (UTC)", "pain"
    );
    for s in sessions {
        println!(
            "{:>5}  {:<12} {:<20} {:<12} {:<20} {:>4}",
            s.id,
            s.patient,
            s.test,
            s.status.as_str(),
            when(s.started_unix_ms),
            s.pain_score.map_or("—".into(), |p| p.to_string())
        );
    }
}

/// Prints a metrics table.
pub fn print_metrics(metrics: &[Metric]) {
    for m in metrics {
        println!(
            "  {:<36} {:<6} {:>10.3} {:<10} {}",
            catalog::display(&m.key),
            m.side.map_or("", |s| s.as_str()),
            m.value,
            catalog::unit_display(&m.unit),
            m.n.map_or(String::new(), |n| format!("n={n}"))
        );
    }
}

/// Runs `steady sessions`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut store = Store::open(&args.data.resolve()?)?;
    match args.command {
        Command::List { patient, json } => {
            let sessions = match patient {
                Some(p) => store.sessions_of(&p)?,
                None => store.sessions()?,
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&sessions)?);
            } else {
                print_table(&sessions);
            }
        }
        Command::Show { id, json } => {
            let info = store.session(id)?;
            let metrics = store.metrics(id)?;
            let samples = store.samples(id)?;
            let counts: Vec<_> = samples
                .iter()
                .map(|s| json!({"placement": s.placement, "samples": s.samples.len(), "gaps": s.gaps.len()}))
                .collect();
            if json {
                let doc = json!({
                    "session": info,
                    "metrics": metrics,
                    "events": store.events(id)?.len(),
                    "samples": counts,
                });
                println!("{}", serde_json::to_string_pretty(&doc)?);
            } else {
                println!(
                    "Session {} — patient {}, test {}, {}",
                    info.id,
                    info.patient,
                    info.test,
                    info.status.as_str()
                );
                println!("  started {} UTC", when(info.started_unix_ms));
                for (label, v) in [
                    ("clinician", info.clinician.clone()),
                    ("conditions", info.conditions.clone()),
                    ("pain (0–10)", info.pain_score.map(|p| p.to_string())),
                    ("notes", info.notes.clone()),
                    ("source", info.source.clone()),
                ] {
                    if let Some(v) = v {
                        println!("  {label:<12} {v}");
                    }
                }
                for s in &samples {
                    println!(
                        "  sensor {:<12} {} samples, {} gaps",
                        s.placement.as_str(),
                        s.samples.len(),
                        s.gaps.len()
                    );
                }
                println!("Metrics:");
                print_metrics(&metrics);
            }
        }
        Command::Annotate {
            id,
            pain,
            conditions,
            notes,
        } => {
            store.annotate_session(id, pain, conditions.as_deref(), notes.as_deref())?;
        }
        Command::AddMetric { id, metrics } => {
            store.add_metrics(id, &metrics)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
