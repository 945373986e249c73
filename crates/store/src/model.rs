//! Plain data the store reads and writes: patients, sessions, sensors, events, goals.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use steady_core::{Gap, ImuSample, Metric, Placement, Side};
use steady_recording::TestKind;

use crate::StoreError;

/// Administrative sex as FHIR R4 `AdministrativeGender` spells it (norms depend on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
    /// Other.
    Other,
    /// Not known or not recorded.
    Unknown,
}

impl Sex {
    /// The stored and FHIR code (`female`, `male`, `other`, `unknown`).
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Other => "other",
            Sex::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Sex {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Sex, StoreError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "f" | "female" | "w" | "woman" => Ok(Sex::Female),
            "m" | "male" | "man" => Ok(Sex::Male),
            "other" | "x" | "diverse" => Ok(Sex::Other),
            "unknown" | "u" | "" => Ok(Sex::Unknown),
            other => Err(StoreError::Invalid(format!(
                "unknown sex `{other}` (expected female, male, other or unknown)"
            ))),
        }
    }
}

/// A patient to register. The pseudonym is the only identifier steady keeps.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewPatient {
    /// Pseudonymous id chosen by the clinic (e.g. `P-007`); never a name.
    pub pseudonym: String,
    /// Year of birth (age for norms without a full birth date).
    pub birth_year: Option<i32>,
    /// Administrative sex (for sex-specific norms).
    pub sex: Option<Sex>,
    /// Body height in metres.
    pub height_m: Option<f64>,
    /// The side affected by the condition being treated, if any.
    pub affected_side: Option<Side>,
    /// Free-text notes (identifying details must not go here; dropped by `--deidentify`).
    pub notes: Option<String>,
}

/// A stored patient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Patient {
    /// Database id.
    pub id: i64,
    /// Pseudonymous id.
    pub pseudonym: String,
    /// Year of birth.
    pub birth_year: Option<i32>,
    /// Administrative sex.
    pub sex: Option<Sex>,
    /// Body height in metres.
    pub height_m: Option<f64>,
    /// Affected side.
    pub affected_side: Option<Side>,
    /// Free-text notes.
    pub notes: Option<String>,
}

impl Patient {
    /// Age in whole years at a calendar year (None without a birth year).
    pub fn age_years_in(&self, year: i32) -> Option<f64> {
        self.birth_year.map(|b| f64::from(year - b))
    }
}

/// Life cycle of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// Being recorded now.
    Recording,
    /// Stopped normally (or imported).
    Finished,
    /// Was recording when steady stopped unexpectedly; data up to the crash is kept.
    Interrupted,
}

impl SessionStatus {
    /// Name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Recording => "recording",
            SessionStatus::Finished => "finished",
            SessionStatus::Interrupted => "interrupted",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<SessionStatus, StoreError> {
        match s {
            "recording" => Ok(SessionStatus::Recording),
            "finished" => Ok(SessionStatus::Finished),
            "interrupted" => Ok(SessionStatus::Interrupted),
            other => Err(StoreError::Corrupt(format!(
                "unknown session status `{other}`"
            ))),
        }
    }
}

/// One sensor worn in a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionSensor {
    /// Where it sat.
    pub placement: Placement,
    /// Device identity (address, serial or `simulated`), if known.
    pub device: Option<String>,
    /// Nominal sampling rate in Hz, if known.
    pub sampling_rate_hz: Option<f64>,
}

/// What a session is, before any data: given when it starts (live) or is imported.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionSpec {
    /// Pseudonymous id of a registered patient.
    pub patient: String,
    /// Which test.
    pub test: TestKind,
    /// Clinician running the session (registered on first use).
    pub clinician: Option<String>,
    /// Test conditions in words (e.g. `eyes closed, foam`, `walking aid: cane`).
    pub conditions: Option<String>,
    /// Pain reported by the patient, 0–10 numeric rating scale.
    pub pain_score: Option<u8>,
    /// Free-text notes.
    pub notes: Option<String>,
    /// Where the data came from (`live`, `simulated`, `import:<path>`).
    pub source: Option<String>,
    /// Sensors worn.
    pub sensors: Vec<SessionSensor>,
}

impl SessionSpec {
    /// A spec with only patient and test set.
    pub fn new(patient: impl Into<String>, test: TestKind) -> SessionSpec {
        SessionSpec {
            patient: patient.into(),
            test,
            clinician: None,
            conditions: None,
            pain_score: None,
            notes: None,
            source: None,
            sensors: Vec::new(),
        }
    }
}

/// A session as listed and shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionInfo {
    /// Session id.
    pub id: i64,
    /// Pseudonymous patient id.
    pub patient: String,
    /// Test name (`walk`, `tug`, …).
    pub test: String,
    /// Life-cycle status.
    pub status: SessionStatus,
    /// Start, Unix time in milliseconds.
    pub started_unix_ms: i64,
    /// End, Unix time in milliseconds, when ended.
    pub ended_unix_ms: Option<i64>,
    /// Where it came from (`import:<path>`, `live`), if known.
    pub source: Option<String>,
    /// Free-text notes.
    pub notes: Option<String>,
    /// Clinician who ran it.
    pub clinician: Option<String>,
    /// Test conditions.
    pub conditions: Option<String>,
    /// Reported pain 0–10.
    pub pain_score: Option<u8>,
    /// Sensors worn.
    pub sensors: Vec<SessionSensor>,
}

impl SessionInfo {
    /// The test as a [`TestKind`] (`None` for a name this build does not know).
    pub fn test_kind(&self) -> Option<TestKind> {
        TestKind::parse(&self.test)
    }
}

/// One stored event (gait contact, balance touch-down, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    /// Kind in snake case (`initial_contact`, `final_contact`, …).
    pub kind: String,
    /// Body side, when known.
    pub side: Option<Side>,
    /// Time on the session timeline, s.
    pub t_s: f64,
}

/// The samples (and gaps) of one sensor in a session.
#[derive(Debug, Clone, PartialEq)]
pub struct SensorSamples {
    /// Where the sensor sat.
    pub placement: Placement,
    /// Samples in time order (stored as f32: ~7 significant digits).
    pub samples: Vec<ImuSample>,
    /// Lost spans.
    pub gaps: Vec<Gap>,
}

/// A complete session to store at once (an import).
#[derive(Debug, Clone, PartialEq)]
pub struct NewSession {
    /// Patient, test, conditions, sensors.
    pub spec: SessionSpec,
    /// Start, Unix time in milliseconds.
    pub started_unix_ms: i64,
    /// End, Unix time in milliseconds.
    pub ended_unix_ms: Option<i64>,
    /// Original metadata JSON, if any.
    pub meta_json: Option<String>,
    /// Samples per sensor.
    pub samples: Vec<SensorSamples>,
    /// Events.
    pub events: Vec<EventRecord>,
    /// Metrics.
    pub metrics: Vec<Metric>,
}

/// Everything stored about one session, loaded at once (for export and reports).
#[derive(Debug, Clone, PartialEq)]
pub struct SessionData {
    /// The session row.
    pub info: SessionInfo,
    /// Stored `meta.json` of an import.
    pub meta_json: Option<String>,
    /// Samples and gaps per sensor.
    pub samples: Vec<SensorSamples>,
    /// Events in time order.
    pub events: Vec<EventRecord>,
    /// Metrics.
    pub metrics: Vec<Metric>,
}
