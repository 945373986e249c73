//! `steady import <recording> [--patient P]`: reads a recording folder (the layouts
//! `steady analyze` reads), runs the gait analysis and stores session, samples, gaps, events
//! and metrics in one transaction (a corrupt folder stores nothing). Prints the new session
//! id on stdout.

use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;
use steady_core::{Metric, Side};
use steady_store::{
    catalog, EventRecord, NewPatient, NewSession, SensorSamples, SessionSensor, SessionSpec, Sex,
    Store, StoreError,
};

use crate::cli::common::DataDirArg;

/// Arguments of `steady import`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Recording folder (meta.json + imu.csv or imu_<placement>.csv).
    pub folder: PathBuf,
    /// Pseudonymous patient id (default: `participant.id` in meta.json).
    #[arg(long)]
    pub patient: Option<String>,
    /// Register the patient (from meta.json's participant) if not registered yet.
    #[arg(long)]
    pub add_patient: bool,
    /// Clinician running the session.
    #[arg(long)]
    pub clinician: Option<String>,
    /// Test conditions in words (e.g. "eyes closed, foam").
    #[arg(long)]
    pub conditions: Option<String>,
    /// Pain reported by the patient, 0–10.
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=10))]
    pub pain: Option<u8>,
    /// Free-text notes for the session.
    #[arg(long)]
    pub notes: Option<String>,
    /// An extra measured value, `key=value` or `key=value:left` (e.g. a stopwatch
    /// `tug_s=11.2`, `chair_stand_30s=12`, `single_leg_stance_s=8.5:left`). Repeatable.
    #[arg(long = "metric", value_parser = parse_metric)]
    pub metrics: Vec<Metric>,
    #[command(flatten)]
    pub data: DataDirArg,
}

/// Parses `key=value[:side]` into a metric (key and unit from the catalog).
pub fn parse_metric(text: &str) -> Result<Metric, String> {
    let (name, rest) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}`: expected key=value or key=value:side"))?;
    let info = catalog::lookup(name).ok_or_else(|| format!("unknown metric `{name}`"))?;
    let (value, side) = match rest.split_once(':') {
        Some((v, s)) => (v, Some(s.parse::<Side>().map_err(|e| e.to_string())?)),
        None => (rest, None),
    };
    let value: f64 = value
        .trim()
        .parse()
        .map_err(|_| format!("`{value}` is not a number"))?;
    if !value.is_finite() {
        return Err(format!("`{value}` is not finite"));
    }
    if info.per_side != side.is_some() {
        return Err(if info.per_side {
            format!(
                "{} is per side: write {name}={value}:left or :right",
                info.key
            )
        } else {
            format!("{} has no side", info.key)
        });
    }
    let mut m = Metric::new(info.key, value, info.unit, "clinician/manual");
    m.side = side;
    Ok(m)
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
    let mut spec = SessionSpec::new(patient.clone(), rec.meta.test.kind);
    spec.clinician = args.clinician.clone();
    spec.conditions = args.conditions.clone().or_else(|| {
        rec.meta.test.eyes_closed.map(|c| {
            if c {
                "eyes closed".to_string()
            } else {
                "eyes open".to_string()
            }
        })
    });
    spec.pain_score = args.pain;
    spec.notes = args.notes.clone();
    spec.source = Some(format!("import:{}", source.display()));
    spec.sensors = rec
        .sensors
        .iter()
        .map(|s| SessionSensor {
            placement: s.placement,
            device: None,
            sampling_rate_hz: s.sampling_rate_hz(rec.meta.sampling_rate_hz),
        })
        .collect();
    let mut metrics = report.metrics();
    metrics.extend(args.metrics.iter().cloned());
    let session = NewSession {
        spec,
        started_unix_ms: now_ms,
        ended_unix_ms: Some(now_ms + (rec.duration_s() * 1000.0) as i64),
        meta_json: Some(serde_json::to_string(&rec.meta.to_json())?),
        samples: rec
            .sensors
            .iter()
            .map(|s| SensorSamples {
                placement: s.placement,
                samples: s.samples.clone(),
                gaps: s.gaps.clone(),
            })
            .collect(),
        events,
        metrics,
    };
    let mut store = Store::open(&args.data.resolve()?)?;
    if args.add_patient {
        let p = &rec.meta.participant;
        let new = NewPatient {
            pseudonym: patient.clone(),
            birth_year: None,
            sex: p.sex.as_deref().and_then(|s| s.parse::<Sex>().ok()),
            height_m: p.height_m,
            affected_side: None,
            notes: None,
        };
        match store.add_patient(&new) {
            Ok(_) | Err(StoreError::DuplicatePatient(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let id = store.insert_session(&session)?;
    println!("{id}");
    Ok(ExitCode::SUCCESS)
}
