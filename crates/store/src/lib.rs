//! Session store and exports: one SQLite database (`<data-dir>/steady.db`, WAL) holding
//! patients, clinicians, sessions, raw samples in compact chunks, events, metrics and
//! care-plan goals; exports to CSV, JSON, FHIR R4 and a printable HTML report.
//!
//! - [`Store`] (`store`): open (creating, migrating, recovering interrupted sessions),
//!   write and read.
//! - [`RecordingWriter`] (`writer`): a live recording that commits at least once per second.
//! - [`schema`]: the migration list and `PRAGMA user_version` handling.
//! - [`chunk`]: the compact little-endian sample-chunk blob format.
//! - [`model`]: the plain data types (patients, sessions, sensors, events).
//! - [`goals`]: goal parsing (`"single_leg_stance_s >= 10 each side"`) and checking (pure).
//! - [`catalog`]: metric names, UCUM units, LOINC codes, MDC values with sources.
//! - [`clinical`]: the cited fall-risk cut-offs and norms the report uses.
//! - [`trends`]: per-patient metric series and whether a change exceeds the MDC (pure).
//! - [`export`]: CSV, JSON, FHIR R4 transaction Bundle, HTML report (pure: data in, text out).
//! - [`StoreError`]: every failure, typed.

pub mod catalog;
pub mod chunk;
pub mod clinical;
pub mod export;
pub mod goals;
pub mod model;
pub mod schema;
mod store;
pub mod trends;
mod writer;

pub use goals::{parse_goal, GoalCheck, GoalOp, GoalSides, GoalSpec};
pub use model::*;
pub use store::{Goal, GoalStatus, Store, DB_FILE, RECORDING_LOCK_FILE};
pub use writer::RecordingWriter;

use std::path::PathBuf;

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The data directory cannot be created or written (read-only, permissions).
    #[error("data directory {path} is not writable: {source}")]
    NotWritable {
        /// The directory or file at fault.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The disk (or the database size limit) is full; data committed before is kept.
    #[error("{path}: disk full, nothing more can be written (data recorded so far is kept)")]
    Full {
        /// The database file.
        path: PathBuf,
    },
    /// The data directory path exists but is not a directory.
    #[error("data directory {0} exists but is not a directory")]
    NotADirectory(PathBuf),
    /// The database was written by a newer steady.
    #[error("database schema version {found} is newer than this steady supports ({supported})")]
    TooNew {
        /// Version in the file.
        found: i64,
        /// Newest version this build knows.
        supported: i64,
    },
    /// No session with this id.
    #[error("no session with id {0}")]
    UnknownSession(i64),
    /// No patient with this pseudonym.
    #[error("no patient `{0}` (register it with `steady patient add {0}`)")]
    UnknownPatient(String),
    /// A patient with this pseudonym exists already.
    #[error("patient `{0}` exists already")]
    DuplicatePatient(String),
    /// No goal with this id.
    #[error("no goal with id {0}")]
    UnknownGoal(i64),
    /// Another process is recording into this data directory.
    #[error("another steady process (the daemon?) is recording into this data directory")]
    Busy,
    /// The session is not being recorded (finished or interrupted).
    #[error("session {0} is not recording")]
    NotRecording(i64),
    /// A stored value could not be decoded (corrupt database).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// A value to store is invalid (empty patient id, pain score above 10, …).
    #[error("invalid input: {0}")]
    Invalid(String),
    /// Another SQLite error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// Result alias of the store.
pub type Result<T> = std::result::Result<T, StoreError>;

#[cfg(test)]
mod tests;
