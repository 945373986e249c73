//! Session store: one SQLite database (`<data-dir>/steady.db`, WAL) holding patients,
//! sessions, raw samples in compact chunks, events and metrics.
//!
//! - [`Store`]: open (migrating and recovering interrupted sessions), write and read.
//! - [`schema`]: the migration list and `PRAGMA user_version` handling.
//! - [`chunk`]: the compact little-endian sample-chunk blob format.
//! - [`StoreError`]: every failure, typed.

pub mod chunk;
pub mod schema;

use rusqlite::{params, Connection, OptionalExtension};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use steady_core::{Gap, ImuSample, Metric, Micros, Placement, Side};

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "steady.db";

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The data directory cannot be created or written (read-only, permissions, full disk).
    #[error("data directory {path} is not writable: {source}")]
    NotWritable {
        /// The directory or file at fault.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
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
    /// A stored value could not be decoded (corrupt database).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// A session to store is invalid (e.g. an empty patient id).
    #[error("invalid session: {0}")]
    Invalid(String),
    /// An SQLite error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// Result alias of the store.
pub type Result<T> = std::result::Result<T, StoreError>;

/// Life cycle of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

    fn parse(s: &str) -> Result<SessionStatus> {
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

/// A session as listed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
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
}

/// One stored event (gait contact, balance touch-down, …).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
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

/// A complete session to store at once (e.g. an import).
#[derive(Debug, Clone, PartialEq)]
pub struct NewSession {
    /// Pseudonymous patient id (created if new).
    pub patient: String,
    /// Test name.
    pub test: String,
    /// Start, Unix time in milliseconds.
    pub started_unix_ms: i64,
    /// End, Unix time in milliseconds.
    pub ended_unix_ms: Option<i64>,
    /// Where it came from.
    pub source: Option<String>,
    /// Free-text notes.
    pub notes: Option<String>,
    /// Original metadata JSON, if any.
    pub meta_json: Option<String>,
    /// Samples per sensor.
    pub sensors: Vec<SensorSamples>,
    /// Events.
    pub events: Vec<EventRecord>,
    /// Metrics.
    pub metrics: Vec<Metric>,
}

/// The open store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    recovered: usize,
}

fn not_writable(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::NotWritable {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(not_writable(path))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> Result<()> {
    Ok(())
}

/// Creates the database file owner-only (0600) if absent, so it never exists world-readable.
fn create_owner_only(path: &Path) -> Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path).map_err(not_writable(path))?;
    set_mode(path, 0o600)
}

/// Maps SQLite "cannot write" failures to [`StoreError::NotWritable`].
fn map_write_err(path: &Path, e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode as C;
    match e.sqlite_error_code() {
        Some(C::ReadOnly | C::CannotOpen | C::PermissionDenied | C::DiskFull) => {
            StoreError::NotWritable {
                path: path.to_path_buf(),
                source: std::io::Error::other(e.to_string()),
            }
        }
        _ => StoreError::Sqlite(e),
    }
}

fn now_unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn parse_side(s: Option<String>) -> Result<Option<Side>> {
    s.map(|s| Side::from_str(&s).map_err(|e| StoreError::Corrupt(e.to_string())))
        .transpose()
}

impl Store {
    /// Opens (creating and migrating) `<data_dir>/steady.db`. The directory is made 0700 and
    /// the files 0600. Sessions left `recording` by a crash become `interrupted`.
    pub fn open(data_dir: &Path) -> Result<Store> {
        match std::fs::metadata(data_dir) {
            Ok(m) if !m.is_dir() => return Err(StoreError::NotADirectory(data_dir.to_path_buf())),
            Ok(_) => {}
            Err(_) => std::fs::create_dir_all(data_dir).map_err(not_writable(data_dir))?,
        }
        set_mode(data_dir, 0o700)?;
        // Probe writability of the directory itself: SQLite needs it for the WAL files.
        let probe = data_dir.join(".steady-write-probe");
        std::fs::write(&probe, b"").map_err(not_writable(data_dir))?;
        let _ = std::fs::remove_file(&probe);
        let path = data_dir.join(DB_FILE);
        create_owner_only(&path)?;
        let conn = Connection::open(&path).map_err(|e| map_write_err(&path, e))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(|e| map_write_err(&path, e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Corrupt(format!(
                "cannot enable WAL (journal mode {mode})"
            )));
        }
        conn.execute_batch("PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;")?;
        schema::migrate(&conn).map_err(|e| match e {
            StoreError::Sqlite(e) => map_write_err(&path, e),
            other => other,
        })?;
        for suffix in ["-wal", "-shm"] {
            let side = data_dir.join(format!("{DB_FILE}{suffix}"));
            if side.exists() {
                set_mode(&side, 0o600)?;
            }
        }
        let recovered = conn.execute(
            "UPDATE sessions SET status = 'interrupted' WHERE status = 'recording'",
            [],
        )?;
        Ok(Store {
            conn,
            path,
            recovered,
        })
    }

    /// Path of the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many sessions were found `recording` at open and marked `interrupted`.
    pub fn recovered_sessions(&self) -> usize {
        self.recovered
    }

    /// Current schema version (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i64> {
        schema::version(&self.conn)
    }

    fn patient_id(tx: &Connection, pseudonym: &str) -> Result<i64> {
        if pseudonym.trim().is_empty() {
            return Err(StoreError::Invalid("empty patient id".into()));
        }
        tx.execute(
            "INSERT OR IGNORE INTO patients (pseudonym) VALUES (?1)",
            [pseudonym],
        )?;
        Ok(tx.query_row(
            "SELECT id FROM patients WHERE pseudonym = ?1",
            [pseudonym],
            |r| r.get(0),
        )?)
    }

    /// Starts a live session (status `recording`) and returns its id.
    pub fn start_session(&mut self, patient: &str, test: &str) -> Result<i64> {
        let tx = self.conn.transaction()?;
        let pid = Self::patient_id(&tx, patient)?;
        tx.execute(
            "INSERT INTO sessions (patient_id, test, status, started_unix_ms, source)
             VALUES (?1, ?2, 'recording', ?3, 'live')",
            params![pid, test, now_unix_ms()],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(id)
    }

    /// Marks a session `finished` with the end time now.
    pub fn finish_session(&mut self, id: i64) -> Result<()> {
        let n = self.conn.execute(
            "UPDATE sessions SET status = 'finished', ended_unix_ms = ?2 WHERE id = ?1",
            params![id, now_unix_ms()],
        )?;
        if n == 0 {
            return Err(StoreError::UnknownSession(id));
        }
        Ok(())
    }

    /// Appends samples of one sensor to a session (chunked; one transaction).
    pub fn append_samples(
        &mut self,
        id: i64,
        placement: Placement,
        samples: &[ImuSample],
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        insert_samples(&tx, id, placement, samples)?;
        tx.commit()?;
        Ok(())
    }

    /// Stores a complete session (patient, samples, gaps, events, metrics) in one
    /// transaction and returns its id; on any error nothing is stored.
    pub fn insert_session(&mut self, s: &NewSession) -> Result<i64> {
        let tx = self.conn.transaction()?;
        let pid = Self::patient_id(&tx, &s.patient)?;
        tx.execute(
            "INSERT INTO sessions (patient_id, test, status, started_unix_ms, ended_unix_ms,
                                   source, notes, meta_json)
             VALUES (?1, ?2, 'finished', ?3, ?4, ?5, ?6, ?7)",
            params![
                pid,
                s.test,
                s.started_unix_ms,
                s.ended_unix_ms,
                s.source,
                s.notes,
                s.meta_json
            ],
        )?;
        let id = tx.last_insert_rowid();
        for sensor in &s.sensors {
            insert_samples(&tx, id, sensor.placement, &sensor.samples)?;
            for g in &sensor.gaps {
                tx.execute(
                    "INSERT INTO gaps (session_id, placement, start_us, end_us, lost_samples)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        id,
                        sensor.placement.as_str(),
                        g.start.0,
                        g.end.0,
                        g.lost_samples as i64
                    ],
                )?;
            }
        }
        {
            let mut ev = tx.prepare(
                "INSERT INTO events (session_id, kind, side, t_s) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for e in &s.events {
                ev.execute(params![id, e.kind, e.side.map(Side::as_str), e.t_s])?;
            }
            let mut me = tx.prepare(
                "INSERT INTO metrics (session_id, key, value, unit, side, source, n)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for m in &s.metrics {
                me.execute(params![
                    id,
                    m.key,
                    m.value,
                    m.unit,
                    m.side.map(Side::as_str),
                    m.source,
                    m.n
                ])?;
            }
        }
        tx.commit()?;
        Ok(id)
    }

    fn session_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(SessionInfo, String)> {
        Ok((
            SessionInfo {
                id: r.get(0)?,
                patient: r.get(1)?,
                test: r.get(2)?,
                status: SessionStatus::Recording,
                started_unix_ms: r.get(4)?,
                ended_unix_ms: r.get(5)?,
                source: r.get(6)?,
                notes: r.get(7)?,
            },
            r.get(3)?,
        ))
    }

    const SESSION_SELECT: &'static str =
        "SELECT s.id, p.pseudonym, s.test, s.status, s.started_unix_ms, s.ended_unix_ms,
                s.source, s.notes
         FROM sessions s JOIN patients p ON p.id = s.patient_id";

    /// All sessions, oldest first.
    pub fn sessions(&self) -> Result<Vec<SessionInfo>> {
        let mut st = self
            .conn
            .prepare(&format!("{} ORDER BY s.id", Self::SESSION_SELECT))?;
        let rows = st.query_map([], Self::session_from_row)?;
        rows.map(|r| {
            let (mut info, status) = r?;
            info.status = SessionStatus::parse(&status)?;
            Ok(info)
        })
        .collect()
    }

    /// One session.
    pub fn session(&self, id: i64) -> Result<SessionInfo> {
        let row = self
            .conn
            .query_row(
                &format!("{} WHERE s.id = ?1", Self::SESSION_SELECT),
                [id],
                Self::session_from_row,
            )
            .optional()?
            .ok_or(StoreError::UnknownSession(id))?;
        let (mut info, status) = row;
        info.status = SessionStatus::parse(&status)?;
        Ok(info)
    }

    /// The stored `meta.json` of an imported session, if any.
    pub fn meta_json(&self, id: i64) -> Result<Option<String>> {
        self.session(id)?;
        Ok(self
            .conn
            .query_row("SELECT meta_json FROM sessions WHERE id = ?1", [id], |r| {
                r.get(0)
            })?)
    }

    /// Samples and gaps per sensor, in [`Placement::ALL`] order.
    pub fn samples(&self, id: i64) -> Result<Vec<SensorSamples>> {
        self.session(id)?;
        let mut out: Vec<SensorSamples> = Vec::new();
        let mut st = self.conn.prepare(
            "SELECT placement, t0_us, n, data FROM sample_chunks
             WHERE session_id = ?1 ORDER BY placement, t0_us, id",
        )?;
        let mut rows = st.query([id])?;
        while let Some(r) = rows.next()? {
            let name: String = r.get(0)?;
            let placement =
                Placement::from_str(&name).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let t0: i64 = r.get(1)?;
            let n: i64 = r.get(2)?;
            let data: Vec<u8> = r.get(3)?;
            let samples = chunk::decode(Micros(t0), &data)?;
            if samples.len() as i64 != n {
                return Err(StoreError::Corrupt(format!(
                    "chunk holds {} samples, header says {n}",
                    samples.len()
                )));
            }
            match out.iter_mut().find(|s| s.placement == placement) {
                Some(s) => s.samples.extend(samples),
                None => out.push(SensorSamples {
                    placement,
                    samples,
                    gaps: Vec::new(),
                }),
            }
        }
        let mut st = self.conn.prepare(
            "SELECT placement, start_us, end_us, lost_samples FROM gaps
             WHERE session_id = ?1 ORDER BY start_us",
        )?;
        let mut rows = st.query([id])?;
        while let Some(r) = rows.next()? {
            let name: String = r.get(0)?;
            let placement =
                Placement::from_str(&name).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let gap = Gap {
                start: Micros(r.get(1)?),
                end: Micros(r.get(2)?),
                lost_samples: r.get::<_, i64>(3)?.max(0) as u64,
            };
            match out.iter_mut().find(|s| s.placement == placement) {
                Some(s) => s.gaps.push(gap),
                None => out.push(SensorSamples {
                    placement,
                    samples: Vec::new(),
                    gaps: vec![gap],
                }),
            }
        }
        out.sort_by_key(|s| Placement::ALL.iter().position(|p| *p == s.placement));
        Ok(out)
    }

    /// Events in time order.
    pub fn events(&self, id: i64) -> Result<Vec<EventRecord>> {
        self.session(id)?;
        let mut st = self
            .conn
            .prepare("SELECT kind, side, t_s FROM events WHERE session_id = ?1 ORDER BY t_s, id")?;
        let rows = st.query_map([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, f64>(2)?,
            ))
        })?;
        rows.map(|r| {
            let (kind, side, t_s) = r?;
            Ok(EventRecord {
                kind,
                side: parse_side(side)?,
                t_s,
            })
        })
        .collect()
    }

    /// Metrics in insertion order.
    pub fn metrics(&self, id: i64) -> Result<Vec<Metric>> {
        self.session(id)?;
        let mut st = self.conn.prepare(
            "SELECT key, value, unit, side, source, n FROM metrics WHERE session_id = ?1 ORDER BY id",
        )?;
        let rows = st.query_map([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, f64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<u32>>(5)?,
            ))
        })?;
        rows.map(|r| {
            let (key, value, unit, side, source, n) = r?;
            Ok(Metric {
                key,
                side: parse_side(side)?,
                value,
                unit,
                source,
                n,
            })
        })
        .collect()
    }
}

fn insert_samples(
    tx: &Connection,
    id: i64,
    placement: Placement,
    samples: &[ImuSample],
) -> Result<()> {
    let mut st = tx.prepare_cached(
        "INSERT INTO sample_chunks (session_id, placement, t0_us, n, data) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for part in chunk::split(samples) {
        let t0 = part[0].t;
        st.execute(params![
            id,
            placement.as_str(),
            t0.0,
            part.len() as i64,
            chunk::encode(t0, part)
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
