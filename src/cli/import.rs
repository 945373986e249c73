//! `steady import <recording> [--patient P]`: reads a recording folder, runs the gait
//! analysis and stores session, samples, events and metrics in one transaction. Prints the
//! new session id on stdout.

use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;
use steady_store::{EventRecord, NewSession, SensorSamples, Store};

use crate::cli::common::DataDirArg;

/// Arguments of `steady import`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Recording folder (meta.json + imu.csv or imu_<placement>.csv).
    pub folder: PathBuf,
    /// Pseudonymous patient id (default: `participant.id` in meta.json).
    #[arg(long)]
    pub patient: Option<String>,
    /// Free-text notes for the session.
    #[arg(long)]
    pub notes: Option<String>,
    #[command(flatten)]
    pub data: DataDirArg,
}

/// Runs `steady import`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    // Read and analyse everything before touching the store: a corrupt folder stores nothing.
    let rec = steady_recording::read_recording(&args.folder)
        .map_err(|e| anyhow::anyhow!("cannot import: {e}"))?;
    let patient = args
        .patient
        .clone()
        .or_else(|| rec.meta.participant.id.clone())
        .filter(|p| !p.trim().is_empty())
        .context("no patient: pass --patient P (meta.json has no participant.id)")?;
    let report = crate::cli::analyze::analyze_recording(&rec)?;
    let events = report
        .events
        .iter()
        .map(|e| {
            let kind = serde_json::to_value(e.kind)?
                .as_str()
                .unwrap_or("event")
                .to_string();
            Ok(EventRecord {
                kind,
                side: e.side,
                t_s: e.t_s,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let source = std::fs::canonicalize(&args.folder).unwrap_or_else(|_| args.folder.clone());
    let session = NewSession {
        patient,
        test: rec.meta.test.kind.as_str().to_string(),
        started_unix_ms: now_ms,
        ended_unix_ms: Some(now_ms),
        source: Some(format!("import:{}", source.display())),
        notes: args.notes.clone(),
        meta_json: Some(serde_json::to_string(&rec.meta.to_json())?),
        sensors: rec
            .sensors
            .iter()
            .map(|s| SensorSamples {
                placement: s.placement,
                samples: s.samples.clone(),
                gaps: s.gaps.clone(),
            })
            .collect(),
        events,
        metrics: report.metrics(),
    };
    let mut store = Store::open(&args.data.resolve()?)?;
    let id = store.insert_session(&session)?;
    println!("{id}");
    Ok(ExitCode::SUCCESS)
}
