//! `steady patient add|list|show`: pseudonymous patients; `show` prints their sessions,
//! goals with progress and metric trends with the minimal detectable change.

use serde_json::json;
use std::process::ExitCode;
use steady_core::Side;
use steady_store::trends::{self, Verdict};
use steady_store::{catalog, NewPatient, Sex, Store};

use crate::cli::common::DataDirArg;

/// Arguments of `steady patient`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub data: DataDirArg,
}

/// Subcommands of `steady patient`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Register a patient; prints the pseudonym (the id other commands take).
    Add {
        /// Pseudonymous id chosen by the clinic (never a name).
        pseudonym: String,
        /// Year of birth.
        #[arg(long)]
        birth_year: Option<i32>,
        /// female, male, other or unknown.
        #[arg(long, value_parser = |s: &str| s.parse::<Sex>().map_err(|e| e.to_string()))]
        sex: Option<Sex>,
        /// Body height in metres.
        #[arg(long)]
        height_m: Option<f64>,
        /// Affected side (left or right).
        #[arg(long, value_parser = |s: &str| s.parse::<Side>().map_err(|e| e.to_string()))]
        affected_side: Option<Side>,
        /// Notes (no identifying details).
        #[arg(long)]
        notes: Option<String>,
    },
    /// List patients.
    List {
        /// One JSON array on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Show a patient with sessions, goals and trends.
    Show {
        /// Pseudonym.
        pseudonym: String,
        /// One JSON document on stdout.
        #[arg(long)]
        json: bool,
    },
}

fn verdict_text(v: Verdict) -> &'static str {
    match v {
        Verdict::TooFewSessions => "one session",
        Verdict::NoMdc => "no MDC on file",
        Verdict::WithinMdc => "within MDC (may be measurement error)",
        Verdict::Improved => "IMPROVED beyond MDC",
        Verdict::Worsened => "WORSENED beyond MDC",
        Verdict::Changed => "changed beyond MDC",
    }
}

/// Runs `steady patient`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut store = Store::open(&args.data.resolve()?)?;
    match args.command {
        Command::Add {
            pseudonym,
            birth_year,
            sex,
            height_m,
            affected_side,
            notes,
        } => {
            store.add_patient(&NewPatient {
                pseudonym: pseudonym.clone(),
                birth_year,
                sex,
                height_m,
                affected_side,
                notes,
            })?;
            println!("{}", pseudonym.trim());
        }
        Command::List { json } => {
            let patients = store.patients()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&patients)?);
            } else if patients.is_empty() {
                println!("no patients");
            } else {
                println!(
                    "{:<14} {:>10} {:<8} {:>8} {:<8}",
                    "patient", "born", "sex", "height", "affected"
                );
                for p in patients {
                    println!(
                        "{:<14} {:>10} {:<8} {:>8} {:<8}",
                        p.pseudonym,
                        p.birth_year.map_or("—".into(), |y| y.to_string()),
                        p.sex.map_or("—", |s| s.as_str()),
                        p.height_m.map_or("—".into(), |h| format!("{h:.2} m")),
                        p.affected_side.map_or("—", |s| s.as_str()),
                    );
                }
            }
        }
        Command::Show { pseudonym, json } => {
            let patient = store.patient(&pseudonym)?;
            let sessions = store.sessions_of(&pseudonym)?;
            let goals = store.goals(&pseudonym)?;
            let history: Vec<_> = sessions
                .iter()
                .map(|s| Ok((s.id, s.started_unix_ms, store.metrics(s.id)?)))
                .collect::<anyhow::Result<_>>()?;
            let trends = trends::trends(&history);
            let progress: Vec<_> = goals
                .iter()
                .map(|g| {
                    let per: Vec<_> = history
                        .iter()
                        .map(|(id, _, ms)| (id, steady_store::goals::check(&g.spec, ms)))
                        .collect();
                    (g, per)
                })
                .collect();
            if json {
                let doc = json!({
                    "patient": patient,
                    "sessions": sessions,
                    "goals": progress.iter().map(|(g, per)| json!({
                        "goal": g,
                        "progress": per.iter().map(|(id, c)| json!({"session": id, "met": c.met, "values": c.values})).collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                    "trends": trends,
                });
                println!("{}", serde_json::to_string_pretty(&doc)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "Patient {} (born {}, {}, height {}, affected side {})",
                patient.pseudonym,
                patient.birth_year.map_or("—".into(), |y| y.to_string()),
                patient.sex.map_or("—", |s| s.as_str()),
                patient.height_m.map_or("—".into(), |h| format!("{h:.2} m")),
                patient.affected_side.map_or("—", |s| s.as_str())
            );
            println!("Sessions: {}", sessions.len());
            for s in &sessions {
                println!("  {:>5}  {:<18} {}", s.id, s.test, s.status.as_str());
            }
            println!("Goals:");
            for (g, per) in &progress {
                let marks: Vec<String> = per
                    .iter()
                    .map(|(id, c)| {
                        format!(
                            "#{id}:{}",
                            match c.met {
                                Some(true) => "met",
                                Some(false) => "not met",
                                None => "—",
                            }
                        )
                    })
                    .collect();
                println!(
                    "  [{}] {}  ({})  {}",
                    g.id,
                    g.spec,
                    g.status.as_str(),
                    marks.join(" ")
                );
            }
            println!("Trends (first → last session):");
            for t in &trends {
                let vals: Vec<String> =
                    t.points.iter().map(|p| format!("{:.2}", p.value)).collect();
                println!(
                    "  {:<28} {:<6} {} {}  {}{}",
                    catalog::display(&t.key),
                    t.side.map_or("", |s| s.as_str()),
                    vals.join(" → "),
                    catalog::unit_display(&t.unit),
                    verdict_text(t.verdict),
                    t.mdc.map_or(String::new(), |m| format!(
                        " (MDC {} {}, {})",
                        m.value,
                        catalog::unit_display(&t.unit),
                        m.source
                    ))
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
