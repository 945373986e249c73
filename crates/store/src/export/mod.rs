//! Exports of stored data (pure: loaded data in, text out; the CLI writes the files).
//!
//! - [`csv`]: raw samples per sensor (the recording CSV layout), metrics, events, gaps.
//! - [`json`]: the full session as one JSON document.
//! - [`fhir`]: an R4 transaction Bundle (Patient, Device, Observation, DiagnosticReport,
//!   Goal, CarePlan).
//! - [`report`]: a printable HTML report with inline SVG charts.

pub mod csv;
pub mod fhir;
pub mod json;
pub mod report;

use crate::model::{Patient, SessionData};
use crate::store::Goal;
use crate::{Result, Store};

impl ExportInput {
    /// Loads one session, its patient's goals and history.
    pub fn for_session(store: &Store, id: i64, deidentify: bool) -> Result<ExportInput> {
        let data = store.session_data(id)?;
        let patient = data.info.patient.clone();
        Self::load(store, &patient, vec![data], deidentify)
    }

    /// Loads every session of a patient, with goals.
    pub fn for_patient(store: &Store, pseudonym: &str, deidentify: bool) -> Result<ExportInput> {
        let sessions = store
            .sessions_of(pseudonym)?
            .iter()
            .map(|s| store.session_data(s.id))
            .collect::<Result<Vec<_>>>()?;
        Self::load(store, pseudonym, sessions, deidentify)
    }

    fn load(
        store: &Store,
        pseudonym: &str,
        sessions: Vec<SessionData>,
        deidentify: bool,
    ) -> Result<ExportInput> {
        let history = store
            .sessions_of(pseudonym)?
            .iter()
            .map(|s| Ok((s.id, s.started_unix_ms, store.metrics(s.id)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(ExportInput {
            patient: store.patient(pseudonym)?,
            sessions,
            goals: store.goals(pseudonym)?,
            history,
            deidentify,
        })
    }
}

/// What an export covers: one patient, one or more of their sessions, their goals.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportInput {
    /// The patient.
    pub patient: Patient,
    /// Sessions in time order.
    pub sessions: Vec<SessionData>,
    /// The patient's care-plan goals.
    pub goals: Vec<Goal>,
    /// Every session of the patient as `(session id, start Unix ms, metrics)`, for trends.
    pub history: Vec<(i64, i64, Vec<steady_core::Metric>)>,
    /// Drop identifying fields (pseudonym, birth year, notes, clinician, source paths, exact dates).
    pub deidentify: bool,
}

/// Formats Unix ms as an ISO 8601 UTC date-time (`2026-12-02T14:03:00Z`), or only the year
/// when de-identifying.
pub fn iso_time(unix_ms: i64, year_only: bool) -> String {
    let secs = unix_ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    if year_only {
        return format!("{y:04}");
    }
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// The calendar year of Unix ms (UTC).
pub fn year_of(unix_ms: i64) -> i32 {
    civil_from_days(unix_ms.div_euclid(1000).div_euclid(86_400)).0 as i32
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_times() {
        assert_eq!(iso_time(0, false), "1970-01-01T00:00:00Z");
        // 2026-12-02T21:30:00Z = 1796247000 s.
        assert_eq!(iso_time(1_796_247_000_000, false), "2026-12-02T21:30:00Z");
        assert_eq!(iso_time(951_782_400_000, false), "2000-02-29T00:00:00Z");
        assert_eq!(iso_time(1_796_247_000_000, true), "2026");
        assert_eq!(year_of(1_796_247_000_000), 2026);
    }
}
