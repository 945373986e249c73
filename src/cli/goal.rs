//! `steady goal add|list|set-status`: care-plan goals such as
//! `"single_leg_stance_s >= 10 each side"`, with progress per session.

use serde_json::json;
use std::process::ExitCode;
use steady_store::{goals, parse_goal, GoalStatus, Store};

use crate::cli::common::DataDirArg;

/// Arguments of `steady goal`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub data: DataDirArg,
}

/// Subcommands of `steady goal`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Set a goal; prints its id. E.g. `steady goal add P-007 "gait_speed_mps >= 1.0"`.
    Add {
        /// Patient pseudonym.
        patient: String,
        /// `<metric> <op> <value> [unit] [each side|left|right]`.
        goal: String,
        /// Due date, YYYY-MM-DD.
        #[arg(long)]
        due: Option<String>,
    },
    /// A patient's goals with progress per session.
    List {
        /// Patient pseudonym.
        patient: String,
        /// One JSON array on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Mark a goal active, achieved or cancelled.
    SetStatus {
        /// Goal id.
        id: i64,
        /// active, achieved or cancelled.
        #[arg(value_parser = |s: &str| GoalStatus::parse(s).ok_or_else(|| format!("`{s}`: expected active, achieved or cancelled")))]
        status: GoalStatus,
    },
}

/// Runs `steady goal`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut store = Store::open(&args.data.resolve()?)?;
    match args.command {
        Command::Add { patient, goal, due } => {
            let mut spec = parse_goal(&goal)?;
            spec.due_date = due;
            let id = store.add_goal(&patient, &spec)?;
            println!("{id}");
        }
        Command::List { patient, json } => {
            let sessions = store.sessions_of(&patient)?;
            let mut out = Vec::new();
            for g in store.goals(&patient)? {
                let mut progress = Vec::new();
                for s in &sessions {
                    let c = goals::check(&g.spec, &store.metrics(s.id)?);
                    progress.push((s.id, c));
                }
                out.push((g, progress));
            }
            if json {
                let doc: Vec<_> = out
                    .iter()
                    .map(|(g, p)| json!({
                        "goal": g,
                        "progress": p.iter().map(|(id, c)| json!({"session": id, "met": c.met, "values": c.values})).collect::<Vec<_>>(),
                    }))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&doc)?);
            } else if out.is_empty() {
                println!("no goals");
            } else {
                for (g, p) in out {
                    println!(
                        "[{}] {} ({}{})",
                        g.id,
                        g.spec,
                        g.status.as_str(),
                        g.spec
                            .due_date
                            .as_ref()
                            .map_or(String::new(), |d| format!(", due {d}"))
                    );
                    for (id, c) in p {
                        let vals: Vec<String> = c
                            .values
                            .iter()
                            .map(|(side, v)| {
                                let v = v.map_or("—".into(), |v| format!("{v:.2}"));
                                match side {
                                    Some(s) => format!("{s} {v}"),
                                    None => v,
                                }
                            })
                            .collect();
                        println!(
                            "    session {id:>5}: {:<8} {}",
                            match c.met {
                                Some(true) => "met",
                                Some(false) => "not met",
                                None => "no data",
                            },
                            vals.join(", ")
                        );
                    }
                }
            }
        }
        Command::SetStatus { id, status } => store.set_goal_status(id, status)?,
    }
    Ok(ExitCode::SUCCESS)
}
