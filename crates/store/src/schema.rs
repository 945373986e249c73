//! Schema migrations. `MIGRATIONS[i]` takes the database from version `i` to `i + 1`;
//! the version is kept in `PRAGMA user_version`. Never edit a released migration: append.

use crate::{Result, StoreError};
use rusqlite::Connection;

/// The migration list, oldest first.
pub const MIGRATIONS: &[&str] = &[
    // v1: patients, sessions, samples, gaps, events, metrics.
    "CREATE TABLE patients (
        id INTEGER PRIMARY KEY,
        pseudonym TEXT NOT NULL UNIQUE,
        birth_year INTEGER,
        sex TEXT,
        height_m REAL,
        affected_side TEXT CHECK (affected_side IN ('left', 'right')),
        notes TEXT
    );
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        patient_id INTEGER NOT NULL REFERENCES patients(id),
        test TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('recording', 'finished', 'interrupted')),
        started_unix_ms INTEGER NOT NULL,
        ended_unix_ms INTEGER,
        source TEXT,
        notes TEXT,
        meta_json TEXT
    );
    CREATE INDEX sessions_patient ON sessions(patient_id);
    CREATE TABLE sample_chunks (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        placement TEXT NOT NULL,
        t0_us INTEGER NOT NULL,
        n INTEGER NOT NULL,
        data BLOB NOT NULL
    );
    CREATE INDEX sample_chunks_session ON sample_chunks(session_id, placement, t0_us);
    CREATE TABLE gaps (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        placement TEXT NOT NULL,
        start_us INTEGER NOT NULL,
        end_us INTEGER NOT NULL,
        lost_samples INTEGER NOT NULL
    );
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        side TEXT CHECK (side IN ('left', 'right')),
        t_s REAL NOT NULL
    );
    CREATE INDEX events_session ON events(session_id);
    CREATE TABLE metrics (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value REAL NOT NULL,
        unit TEXT NOT NULL,
        side TEXT CHECK (side IN ('left', 'right')),
        source TEXT NOT NULL,
        n INTEGER
    );
    CREATE INDEX metrics_session ON metrics(session_id);",
    // v2: clinicians, session details (clinician, conditions, pain, sensors), care-plan goals,
    // patient creation time, sample-chunk codec.
    "CREATE TABLE clinicians (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        role TEXT
    );
    ALTER TABLE patients ADD COLUMN created_unix_ms INTEGER;
    ALTER TABLE sessions ADD COLUMN clinician_id INTEGER REFERENCES clinicians(id);
    ALTER TABLE sessions ADD COLUMN conditions TEXT;
    ALTER TABLE sessions ADD COLUMN pain_score INTEGER CHECK (pain_score BETWEEN 0 AND 10);
    ALTER TABLE sample_chunks ADD COLUMN codec INTEGER NOT NULL DEFAULT 1;
    CREATE TABLE session_sensors (
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        placement TEXT NOT NULL,
        device TEXT,
        sampling_rate_hz REAL,
        PRIMARY KEY (session_id, placement)
    );
    CREATE TABLE goals (
        id INTEGER PRIMARY KEY,
        patient_id INTEGER NOT NULL REFERENCES patients(id),
        metric TEXT NOT NULL,
        op TEXT NOT NULL CHECK (op IN ('>=', '<=', '>', '<')),
        target REAL NOT NULL,
        unit TEXT NOT NULL,
        sides TEXT NOT NULL CHECK (sides IN ('any', 'left', 'right', 'each')),
        text TEXT NOT NULL,
        due_date TEXT,
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'achieved', 'cancelled')),
        created_unix_ms INTEGER NOT NULL
    );
    CREATE INDEX goals_patient ON goals(patient_id);",
];

/// The newest schema version this build knows.
pub fn latest() -> i64 {
    MIGRATIONS.len() as i64
}

/// The database's schema version.
pub fn version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Applies every pending migration, each in its own transaction with its version bump.
pub fn migrate(conn: &Connection) -> Result<()> {
    let mut current = version(conn)?;
    if current > latest() {
        return Err(StoreError::TooNew {
            found: current,
            supported: latest(),
        });
    }
    while current < latest() {
        let sql = MIGRATIONS[current as usize];
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE; {sql}; PRAGMA user_version = {}; COMMIT;",
            current + 1
        ))
        .inspect_err(|_| {
            let _ = conn.execute_batch("ROLLBACK");
        })?;
        current += 1;
    }
    Ok(())
}
