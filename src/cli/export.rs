//! `steady export <session-id> --format json|csv --out <path>`: JSON is the full session
//! (info, metrics, events, samples per sensor); CSV is the metrics table.

use anyhow::Context;
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;
use steady_store::Store;

use crate::cli::common::DataDirArg;

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The full session as one JSON document.
    Json,
    /// The metrics table (`key,side,value,unit,source,n`).
    Csv,
}

/// Arguments of `steady export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Session id (as printed by `steady import` / `steady sessions list`).
    pub session: i64,
    /// Output format.
    #[arg(long, value_enum)]
    pub format: Format,
    /// Output file (`-` for stdout).
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub data: DataDirArg,
}

/// Quotes a CSV field when needed (RFC 4180).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The metrics table as CSV text.
pub fn metrics_csv(metrics: &[steady_core::Metric]) -> String {
    let mut out = String::from("key,side,value,unit,source,n\n");
    for m in metrics {
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            csv_field(&m.key),
            m.side.map_or("", |s| s.as_str()),
            m.value,
            csv_field(&m.unit),
            csv_field(&m.source),
            m.n.map_or(String::new(), |n| n.to_string())
        ));
    }
    out
}

/// The full session as JSON.
pub fn session_json(store: &Store, id: i64) -> anyhow::Result<serde_json::Value> {
    let info = store.session(id)?;
    let meta: Option<serde_json::Value> = store
        .meta_json(id)?
        .map(|m| serde_json::from_str(&m))
        .transpose()
        .context("stored meta.json is not valid JSON")?;
    let sensors: Vec<_> = store
        .samples(id)?
        .into_iter()
        .map(|s| {
            let rows: Vec<[f64; 7]> = s
                .samples
                .iter()
                .map(|x| {
                    [
                        x.t_s(),
                        x.acc_mps2[0],
                        x.acc_mps2[1],
                        x.acc_mps2[2],
                        x.gyr_dps[0],
                        x.gyr_dps[1],
                        x.gyr_dps[2],
                    ]
                })
                .collect();
            let gaps: Vec<_> = s
                .gaps
                .iter()
                .map(|g| {
                    json!({"start_s": g.start.as_secs_f64(), "end_s": g.end.as_secs_f64(),
                           "lost_samples": g.lost_samples})
                })
                .collect();
            json!({
                "placement": s.placement.as_str(),
                "columns": ["t_s", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"],
                "samples": rows,
                "gaps": gaps,
            })
        })
        .collect();
    Ok(json!({
        "format": "steady-session",
        "version": 1,
        "session": info,
        "meta": meta,
        "metrics": store.metrics(id)?,
        "events": store.events(id)?,
        "sensors": sensors,
    }))
}

/// Runs `steady export`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let store = Store::open(&args.data.resolve()?)?;
    let text = match args.format {
        Format::Json => serde_json::to_string_pretty(&session_json(&store, args.session)?)?,
        Format::Csv => metrics_csv(&store.metrics(args.session)?),
    };
    if args.out.as_os_str() == "-" {
        print!("{text}");
    } else {
        std::fs::write(&args.out, text)
            .with_context(|| format!("cannot write {}", args.out.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}
