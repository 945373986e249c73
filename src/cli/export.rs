//! `steady export <session-or-patient> --format csv|json|fhir|report --out <path>
//! [--deidentify]`: a session id, a patient pseudonym (all their sessions), or
//! `session:<id>` / `patient:<pseudonym>` to be explicit. CSV writes a folder (the raw
//! samples per sensor as a re-importable recording, plus metrics, events and gaps tables);
//! JSON, FHIR and report write one file (`-` for stdout).

use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use steady_store::export::{self, ExportInput};
use steady_store::{Store, StoreError};

use crate::cli::common::DataDirArg;

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A folder: imu_<placement>.csv per sensor, meta.json, metrics.csv, events.csv, gaps.csv.
    Csv,
    /// The full data as one JSON document.
    Json,
    /// A FHIR R4 transaction Bundle (JSON).
    Fhir,
    /// A printable HTML report with charts.
    Report,
}

/// Arguments of `steady export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Session id, patient pseudonym, `session:<id>` or `patient:<pseudonym>`.
    pub target: String,
    /// Output format.
    #[arg(long, value_enum)]
    pub format: Format,
    /// Output file (a folder for csv; `-` for stdout with json, fhir and report).
    #[arg(long)]
    pub out: PathBuf,
    /// Drop identifying fields (pseudonym, birth year, notes, clinician, device ids, source
    /// paths, exact dates: only the year is kept).
    #[arg(long)]
    pub deidentify: bool,
    #[command(flatten)]
    pub data: DataDirArg,
}

/// Resolves the export target to the loaded data.
pub fn load(store: &Store, target: &str, deidentify: bool) -> anyhow::Result<ExportInput> {
    if let Some(id) = target.strip_prefix("session:") {
        let id: i64 = id
            .parse()
            .with_context(|| format!("`{id}` is not a session id"))?;
        return Ok(ExportInput::for_session(store, id, deidentify)?);
    }
    if let Some(p) = target.strip_prefix("patient:") {
        return Ok(ExportInput::for_patient(store, p, deidentify)?);
    }
    if let Ok(id) = target.parse::<i64>() {
        match ExportInput::for_session(store, id, deidentify) {
            Ok(x) => return Ok(x),
            Err(StoreError::UnknownSession(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    match ExportInput::for_patient(store, target, deidentify) {
        Ok(x) => Ok(x),
        Err(StoreError::UnknownPatient(_)) => {
            anyhow::bail!("no session or patient `{target}` (see `steady sessions list`, `steady patient list`)")
        }
        Err(e) => Err(e.into()),
    }
}

fn write_file(out: &Path, text: &str) -> anyhow::Result<()> {
    if out.as_os_str() == "-" {
        print!("{text}");
        return Ok(());
    }
    std::fs::write(out, text).with_context(|| format!("cannot write {}", out.display()))
}

/// Runs `steady export`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let store = Store::open(&args.data.resolve()?)?;
    let input = load(&store, &args.target, args.deidentify)?;
    match args.format {
        Format::Csv => {
            anyhow::ensure!(
                args.out.as_os_str() != "-",
                "csv export writes a folder: give --out <dir>"
            );
            std::fs::create_dir_all(&args.out)
                .with_context(|| format!("cannot create {}", args.out.display()))?;
            for (name, text) in export::csv::files(&input) {
                let path = args.out.join(&name);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)
                        .with_context(|| format!("cannot create {}", parent.display()))?;
                }
                write_file(&path, &text)?;
            }
        }
        Format::Json => write_file(
            &args.out,
            &serde_json::to_string_pretty(&export::json::document(&input))?,
        )?,
        Format::Fhir => write_file(
            &args.out,
            &serde_json::to_string_pretty(&export::fhir::bundle(&input))?,
        )?,
        Format::Report => write_file(&args.out, &export::report::html(&input))?,
    }
    Ok(ExitCode::SUCCESS)
}
