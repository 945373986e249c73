//! [`Store`]: the SQLite database behind every command.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use steady_core::{Gap, ImuSample, Metric, Micros, Placement, Side};

use crate::goals::{GoalOp, GoalSides, GoalSpec};
use crate::model::*;
use crate::{chunk, schema, Result, StoreError};

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "steady.db";

/// State of a care-plan goal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GoalStatus {
    /// Being worked on.
    Active,
    /// Reached (set by the clinician).
    Achieved,
    /// Dropped.
    Cancelled,
}

impl GoalStatus {
    /// Stored name (also the FHIR `Goal.lifecycleStatus` code).
    pub fn as_str(self) -> &'static str {
        match self {
            GoalStatus::Active => "active",
            GoalStatus::Achieved => "achieved",
            GoalStatus::Cancelled => "cancelled",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<GoalStatus> {
        [
            GoalStatus::Active,
            GoalStatus::Achieved,
            GoalStatus::Cancelled,
        ]
        .into_iter()
        .find(|g| g.as_str() == s)
    }
}

/// A stored care-plan goal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Goal {
    /// Goal id.
    pub id: i64,
    /// Pseudonymous patient id.
    pub patient: String,
    /// What is to be reached.
    pub spec: GoalSpec,
    /// Life-cycle status.
    pub status: GoalStatus,
    /// When it was set, Unix ms.
    pub created_unix_ms: i64,
}

/// The open store.
#[derive(Debug)]
pub struct Store {
    pub(crate) conn: Connection,
    path: PathBuf,
    recovered: Vec<i64>,
    lock_path: PathBuf,
    /// Held from the first [`Store::start_session`] until the store is dropped.
    recording_lock: Option<RecordingLock>,
}

/// File whose `flock` marks "a live process is recording into this data directory".
pub const RECORDING_LOCK_FILE: &str = "recording.lock";

/// An exclusive `flock` on [`RECORDING_LOCK_FILE`].
#[derive(Debug)]
struct RecordingLock(#[allow(dead_code)] std::fs::File);

impl RecordingLock {
    /// The lock, or `None` when another open file (any process) holds it.
    fn try_acquire(path: &Path) -> Result<Option<RecordingLock>> {
        let mut opts = std::fs::OpenOptions::new();
        opts.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let file = opts.open(path).map_err(not_writable(path))?;
        #[cfg(unix)]
        {
            use std::os::unix::io::AsRawFd;
            // SAFETY: flock on a descriptor we own; released when the file is closed.
            let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if rc != 0 {
                let err = std::io::Error::last_os_error();
                return match err.raw_os_error() {
                    Some(libc::EWOULDBLOCK) => Ok(None),
                    _ => Err(StoreError::NotWritable {
                        path: path.to_path_buf(),
                        source: err,
                    }),
                };
            }
        }
        Ok(Some(RecordingLock(file)))
    }
}

pub(crate) fn not_writable(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
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

/// Maps SQLite "cannot write" failures to [`StoreError::NotWritable`] / [`StoreError::Full`].
pub(crate) fn map_write_err(path: &Path, e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode as C;
    match e.sqlite_error_code() {
        Some(C::DiskFull) => StoreError::Full {
            path: path.to_path_buf(),
        },
        Some(C::ReadOnly | C::CannotOpen | C::PermissionDenied) => StoreError::NotWritable {
            path: path.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        },
        _ => StoreError::Sqlite(e),
    }
}

pub(crate) fn now_unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn parse_side(s: Option<String>) -> Result<Option<Side>> {
    s.map(|s| Side::from_str(&s).map_err(corrupt)).transpose()
}

fn parse_placement(s: &str) -> Result<Placement> {
    Placement::from_str(s).map_err(corrupt)
}

fn check_spec(spec: &SessionSpec) -> Result<()> {
    if let Some(p) = spec.pain_score {
        if p > 10 {
            return Err(StoreError::Invalid(format!(
                "pain score {p} is outside 0–10"
            )));
        }
    }
    Ok(())
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
        // synchronous=NORMAL in WAL mode: a process crash (kill -9) loses nothing committed;
        // only a power loss may lose the last transactions.
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
        // A session still `recording` is interrupted only if no live process records: the
        // recorder holds the recording lock (released by the kernel when it dies, even by
        // `kill -9`), so opening the store next to a running daemon changes nothing.
        let lock_path = data_dir.join(RECORDING_LOCK_FILE);
        let probe = RecordingLock::try_acquire(&lock_path)?;
        let recovered: Vec<i64> = if probe.is_some() {
            let ids: Vec<i64> = {
                let mut st = conn.prepare("SELECT id FROM sessions WHERE status = 'recording'")?;
                let ids = st.query_map([], |r| r.get(0))?;
                ids.collect::<rusqlite::Result<_>>()?
            };
            if !ids.is_empty() {
                conn.execute(
                    "UPDATE sessions SET status = 'interrupted' WHERE status = 'recording'",
                    [],
                )
                .map_err(|e| map_write_err(&path, e))?;
            }
            ids
        } else {
            Vec::new()
        };
        drop(probe);
        Ok(Store {
            conn,
            path,
            recovered,
            lock_path,
            recording_lock: None,
        })
    }

    /// Path of the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sessions found `recording` at open (left by a crash) and now marked `interrupted`.
    pub fn recovered_sessions(&self) -> &[i64] {
        &self.recovered
    }

    /// Current schema version (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i64> {
        schema::version(&self.conn)
    }

    /// Caps the database size (a quota; tests use it to simulate a full disk).
    pub fn set_max_size_bytes(&self, bytes: u64) -> Result<()> {
        let page: i64 = self.conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        let pages = (bytes / page.max(1) as u64).max(1);
        let _: i64 = self
            .conn
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
                r.get(0)
            })?;
        Ok(())
    }

    pub(crate) fn map_err(&self, e: rusqlite::Error) -> StoreError {
        map_write_err(&self.path, e)
    }

    // ----- patients and clinicians -----

    /// Registers a patient; returns the database id.
    pub fn add_patient(&mut self, p: &NewPatient) -> Result<i64> {
        let pseudonym = p.pseudonym.trim();
        if pseudonym.is_empty() {
            return Err(StoreError::Invalid("empty patient id".into()));
        }
        if let Some(h) = p.height_m {
            if !(h.is_finite() && (0.3..=2.8).contains(&h)) {
                return Err(StoreError::Invalid(format!(
                    "height {h} m is not plausible (expected metres, 0.3–2.8)"
                )));
            }
        }
        if let Some(y) = p.birth_year {
            if !(1880..=2200).contains(&y) {
                return Err(StoreError::Invalid(format!(
                    "birth year {y} is not plausible"
                )));
            }
        }
        if self.find_patient_id(pseudonym)?.is_some() {
            return Err(StoreError::DuplicatePatient(pseudonym.to_string()));
        }
        self.conn
            .execute(
                "INSERT INTO patients (pseudonym, birth_year, sex, height_m, affected_side, notes,
                                       created_unix_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    pseudonym,
                    p.birth_year,
                    p.sex.map(Sex::as_str),
                    p.height_m,
                    p.affected_side.map(Side::as_str),
                    p.notes,
                    now_unix_ms()
                ],
            )
            .map_err(|e| self.map_err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    fn find_patient_id(&self, pseudonym: &str) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id FROM patients WHERE pseudonym = ?1",
                [pseudonym],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn patient_id(&self, pseudonym: &str) -> Result<i64> {
        self.find_patient_id(pseudonym.trim())?
            .ok_or_else(|| StoreError::UnknownPatient(pseudonym.to_string()))
    }

    fn patient_from_row(
        r: &rusqlite::Row<'_>,
    ) -> rusqlite::Result<(Patient, Option<String>, Option<String>)> {
        Ok((
            Patient {
                id: r.get(0)?,
                pseudonym: r.get(1)?,
                birth_year: r.get(2)?,
                sex: None,
                height_m: r.get(4)?,
                affected_side: None,
                notes: r.get(6)?,
            },
            r.get(3)?,
            r.get(5)?,
        ))
    }

    fn finish_patient(row: (Patient, Option<String>, Option<String>)) -> Result<Patient> {
        let (mut p, sex, side) = row;
        p.sex = sex
            .map(|s| Sex::from_str(&s))
            .transpose()
            .map_err(corrupt)?;
        p.affected_side = parse_side(side)?;
        Ok(p)
    }

    const PATIENT_SELECT: &'static str =
        "SELECT id, pseudonym, birth_year, sex, height_m, affected_side, notes FROM patients";

    /// Every patient, by pseudonym.
    pub fn patients(&self) -> Result<Vec<Patient>> {
        let mut st = self
            .conn
            .prepare(&format!("{} ORDER BY pseudonym", Self::PATIENT_SELECT))?;
        let rows = st.query_map([], Self::patient_from_row)?;
        rows.map(|r| Self::finish_patient(r?)).collect()
    }

    /// One patient by pseudonym.
    pub fn patient(&self, pseudonym: &str) -> Result<Patient> {
        let row = self
            .conn
            .query_row(
                &format!("{} WHERE pseudonym = ?1", Self::PATIENT_SELECT),
                [pseudonym.trim()],
                Self::patient_from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::UnknownPatient(pseudonym.to_string()))?;
        Self::finish_patient(row)
    }

    fn clinician_id(conn: &Connection, name: Option<&str>) -> Result<Option<i64>> {
        let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) else {
            return Ok(None);
        };
        conn.execute(
            "INSERT OR IGNORE INTO clinicians (name) VALUES (?1)",
            [name],
        )?;
        Ok(Some(conn.query_row(
            "SELECT id FROM clinicians WHERE name = ?1",
            [name],
            |r| r.get(0),
        )?))
    }

    /// Every clinician name, sorted.
    pub fn clinicians(&self) -> Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare("SELECT name FROM clinicians ORDER BY name")?;
        let rows = st.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    // ----- sessions -----

    fn insert_session_row(
        tx: &Connection,
        pid: i64,
        spec: &SessionSpec,
        status: SessionStatus,
        started_unix_ms: i64,
        ended_unix_ms: Option<i64>,
        meta_json: Option<&str>,
    ) -> Result<i64> {
        let cid = Self::clinician_id(tx, spec.clinician.as_deref())?;
        tx.execute(
            "INSERT INTO sessions (patient_id, test, status, started_unix_ms, ended_unix_ms,
                                   source, notes, meta_json, clinician_id, conditions, pain_score)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                pid,
                spec.test.as_str(),
                status.as_str(),
                started_unix_ms,
                ended_unix_ms,
                spec.source,
                spec.notes,
                meta_json,
                cid,
                spec.conditions,
                spec.pain_score
            ],
        )?;
        let id = tx.last_insert_rowid();
        for s in &spec.sensors {
            tx.execute(
                "INSERT OR REPLACE INTO session_sensors (session_id, placement, device, sampling_rate_hz)
                 VALUES (?1, ?2, ?3, ?4)",
                params![id, s.placement.as_str(), s.device, s.sampling_rate_hz],
            )?;
        }
        Ok(id)
    }

    /// Starts a live session (status `recording`) for a registered patient; returns its id.
    pub fn start_session(&mut self, spec: &SessionSpec) -> Result<i64> {
        check_spec(spec)?;
        let pid = self.patient_id(&spec.patient)?;
        if self.recording_lock.is_none() {
            self.recording_lock =
                Some(RecordingLock::try_acquire(&self.lock_path)?.ok_or(StoreError::Busy)?);
        }
        let path = self.path.clone();
        let tx = self.conn.transaction()?;
        let id = Self::insert_session_row(
            &tx,
            pid,
            spec,
            SessionStatus::Recording,
            now_unix_ms(),
            None,
            None,
        )
        .map_err(|e| match e {
            StoreError::Sqlite(e) => map_write_err(&path, e),
            e => e,
        })?;
        tx.commit().map_err(|e| map_write_err(&path, e))?;
        Ok(id)
    }

    /// A writer for a session that is `recording` (commits at least once per second).
    pub fn recorder(&mut self, session: i64) -> Result<crate::RecordingWriter<&mut Store>> {
        if self.session(session)?.status != SessionStatus::Recording {
            return Err(StoreError::NotRecording(session));
        }
        Ok(crate::RecordingWriter::new(self, session))
    }

    /// Like [`Store::recorder`], owning the store (get it back with `into_store`).
    pub fn into_recorder(
        self,
        session: i64,
    ) -> std::result::Result<crate::RecordingWriter<Store>, Box<(Store, StoreError)>> {
        match self.session(session) {
            Ok(s) if s.status == SessionStatus::Recording => {
                Ok(crate::RecordingWriter::new(self, session))
            }
            Ok(_) => Err(Box::new((self, StoreError::NotRecording(session)))),
            Err(e) => Err(Box::new((self, e))),
        }
    }

    /// Marks a session `finished` with the end time now.
    pub fn finish_session(&mut self, id: i64) -> Result<()> {
        let n = self
            .conn
            .execute(
                "UPDATE sessions SET status = 'finished', ended_unix_ms = ?2 WHERE id = ?1",
                params![id, now_unix_ms()],
            )
            .map_err(|e| self.map_err(e))?;
        if n == 0 {
            return Err(StoreError::UnknownSession(id));
        }
        Ok(())
    }

    /// Sets pain score, conditions and notes of a stored session (`None` leaves a field).
    pub fn annotate_session(
        &mut self,
        id: i64,
        pain_score: Option<u8>,
        conditions: Option<&str>,
        notes: Option<&str>,
    ) -> Result<()> {
        let mut spec = SessionSpec::new("", steady_recording::TestKind::Walk);
        spec.pain_score = pain_score;
        check_spec(&spec)?;
        self.session(id)?;
        self.conn
            .execute(
                "UPDATE sessions SET pain_score = COALESCE(?2, pain_score),
                        conditions = COALESCE(?3, conditions), notes = COALESCE(?4, notes)
                 WHERE id = ?1",
                params![id, pain_score, conditions, notes],
            )
            .map_err(|e| self.map_err(e))?;
        Ok(())
    }

    /// Appends metrics to a session (e.g. a stopwatch TUG time entered by the clinician).
    pub fn add_metrics(&mut self, id: i64, metrics: &[Metric]) -> Result<()> {
        self.session(id)?;
        let path = self.path.clone();
        let tx = self.conn.transaction()?;
        insert_metrics(&tx, id, metrics).map_err(|e| map_write_err(&path, e))?;
        tx.commit().map_err(|e| map_write_err(&path, e))?;
        Ok(())
    }

    /// Stores a complete session (samples, gaps, events, metrics) in one transaction and
    /// returns its id; on any error nothing is stored. The patient must be registered.
    pub fn insert_session(&mut self, s: &NewSession) -> Result<i64> {
        check_spec(&s.spec)?;
        if let Some(m) = s.metrics.iter().find(|m| !m.value.is_finite()) {
            return Err(StoreError::Invalid(format!(
                "metric {} is not finite",
                m.key
            )));
        }
        let pid = self.patient_id(&s.spec.patient)?;
        let path = self.path.clone();
        let tx = self.conn.transaction()?;
        let result = (|| -> Result<i64> {
            let id = Self::insert_session_row(
                &tx,
                pid,
                &s.spec,
                SessionStatus::Finished,
                s.started_unix_ms,
                s.ended_unix_ms,
                s.meta_json.as_deref(),
            )?;
            for sensor in &s.samples {
                insert_samples(&tx, id, sensor.placement, &sensor.samples)?;
                for g in &sensor.gaps {
                    insert_gap(&tx, id, sensor.placement, g)?;
                }
            }
            insert_events(&tx, id, &s.events)?;
            insert_metrics(&tx, id, &s.metrics)?;
            Ok(id)
        })();
        let id = result.map_err(|e| match e {
            StoreError::Sqlite(e) => map_write_err(&path, e),
            e => e,
        })?;
        tx.commit().map_err(|e| map_write_err(&path, e))?;
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
                clinician: r.get(8)?,
                conditions: r.get(9)?,
                pain_score: r.get(10)?,
                sensors: Vec::new(),
            },
            r.get(3)?,
        ))
    }

    const SESSION_SELECT: &'static str =
        "SELECT s.id, p.pseudonym, s.test, s.status, s.started_unix_ms, s.ended_unix_ms,
                s.source, s.notes, c.name, s.conditions, s.pain_score
         FROM sessions s JOIN patients p ON p.id = s.patient_id
         LEFT JOIN clinicians c ON c.id = s.clinician_id";

    fn finish_session_row(&self, row: (SessionInfo, String)) -> Result<SessionInfo> {
        let (mut info, status) = row;
        info.status = SessionStatus::parse(&status)?;
        let mut st = self.conn.prepare_cached(
            "SELECT placement, device, sampling_rate_hz FROM session_sensors WHERE session_id = ?1",
        )?;
        let rows = st.query_map([info.id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<f64>>(2)?,
            ))
        })?;
        for row in rows {
            let (p, device, sampling_rate_hz) = row?;
            info.sensors.push(SessionSensor {
                placement: parse_placement(&p)?,
                device,
                sampling_rate_hz,
            });
        }
        info.sensors
            .sort_by_key(|s| Placement::ALL.iter().position(|p| *p == s.placement));
        Ok(info)
    }

    /// All sessions, oldest first.
    pub fn sessions(&self) -> Result<Vec<SessionInfo>> {
        let mut st = self.conn.prepare(&format!(
            "{} ORDER BY s.started_unix_ms, s.id",
            Self::SESSION_SELECT
        ))?;
        let rows: Vec<_> = st
            .query_map([], Self::session_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter()
            .map(|r| self.finish_session_row(r))
            .collect()
    }

    /// The sessions of one patient, oldest first.
    pub fn sessions_of(&self, patient: &str) -> Result<Vec<SessionInfo>> {
        let pid = self.patient_id(patient)?;
        let mut st = self.conn.prepare(&format!(
            "{} WHERE s.patient_id = ?1 ORDER BY s.started_unix_ms, s.id",
            Self::SESSION_SELECT
        ))?;
        let rows: Vec<_> = st
            .query_map([pid], Self::session_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter()
            .map(|r| self.finish_session_row(r))
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
        self.finish_session_row(row)
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
        fn entry(out: &mut Vec<SensorSamples>, placement: Placement) -> &mut SensorSamples {
            if let Some(i) = out.iter().position(|s| s.placement == placement) {
                return &mut out[i];
            }
            out.push(SensorSamples {
                placement,
                samples: Vec::new(),
                gaps: Vec::new(),
            });
            out.last_mut().expect("just pushed")
        }
        let mut st = self.conn.prepare(
            "SELECT placement, t0_us, n, codec, data FROM sample_chunks
             WHERE session_id = ?1 ORDER BY placement, t0_us, id",
        )?;
        let mut rows = st.query([id])?;
        while let Some(r) = rows.next()? {
            let placement = parse_placement(&r.get::<_, String>(0)?)?;
            let t0: i64 = r.get(1)?;
            let n: i64 = r.get(2)?;
            let codec: i64 = r.get(3)?;
            if codec != chunk::CODEC_F32 {
                return Err(StoreError::Corrupt(format!("unknown sample codec {codec}")));
            }
            let data: Vec<u8> = r.get(4)?;
            let samples = chunk::decode(Micros(t0), &data)?;
            if samples.len() as i64 != n {
                return Err(StoreError::Corrupt(format!(
                    "chunk holds {} samples, header says {n}",
                    samples.len()
                )));
            }
            entry(&mut out, placement).samples.extend(samples);
        }
        let mut st = self.conn.prepare(
            "SELECT placement, start_us, end_us, lost_samples FROM gaps
             WHERE session_id = ?1 ORDER BY start_us, id",
        )?;
        let mut rows = st.query([id])?;
        while let Some(r) = rows.next()? {
            let placement = parse_placement(&r.get::<_, String>(0)?)?;
            let gap = Gap {
                start: Micros(r.get(1)?),
                end: Micros(r.get(2)?),
                lost_samples: r.get::<_, i64>(3)?.max(0) as u64,
            };
            entry(&mut out, placement).gaps.push(gap);
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

    /// Everything about one session.
    pub fn session_data(&self, id: i64) -> Result<SessionData> {
        Ok(SessionData {
            info: self.session(id)?,
            meta_json: self.meta_json(id)?,
            samples: self.samples(id)?,
            events: self.events(id)?,
            metrics: self.metrics(id)?,
        })
    }

    // ----- goals -----

    /// Sets a goal for a registered patient; returns its id.
    pub fn add_goal(&mut self, patient: &str, goal: &GoalSpec) -> Result<i64> {
        let pid = self.patient_id(patient)?;
        if let Some(d) = &goal.due_date {
            if !valid_date(d) {
                return Err(StoreError::Invalid(format!(
                    "due date `{d}` is not YYYY-MM-DD"
                )));
            }
        }
        self.conn
            .execute(
                "INSERT INTO goals (patient_id, metric, op, target, unit, sides, text, due_date,
                                    created_unix_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    pid,
                    goal.metric,
                    goal.op.as_str(),
                    goal.target,
                    goal.unit,
                    goal.sides.as_str(),
                    goal.text,
                    goal.due_date,
                    now_unix_ms()
                ],
            )
            .map_err(|e| self.map_err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Changes a goal's status.
    pub fn set_goal_status(&mut self, id: i64, status: GoalStatus) -> Result<()> {
        let n = self
            .conn
            .execute(
                "UPDATE goals SET status = ?2 WHERE id = ?1",
                params![id, status.as_str()],
            )
            .map_err(|e| self.map_err(e))?;
        if n == 0 {
            return Err(StoreError::UnknownGoal(id));
        }
        Ok(())
    }

    /// The goals of a patient, oldest first.
    pub fn goals(&self, patient: &str) -> Result<Vec<Goal>> {
        let pid = self.patient_id(patient)?;
        let mut st = self.conn.prepare(
            "SELECT g.id, p.pseudonym, g.metric, g.op, g.target, g.unit, g.sides, g.text,
                    g.due_date, g.status, g.created_unix_ms
             FROM goals g JOIN patients p ON p.id = g.patient_id
             WHERE g.patient_id = ?1 ORDER BY g.id",
        )?;
        let rows = st.query_map([pid], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, f64>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, Option<String>>(8)?,
                r.get::<_, String>(9)?,
                r.get::<_, i64>(10)?,
            ))
        })?;
        rows.map(|r| {
            let (id, patient, metric, op, target, unit, sides, text, due_date, status, created) =
                r?;
            Ok(Goal {
                id,
                patient,
                spec: GoalSpec {
                    metric,
                    op: GoalOp::parse(&op).ok_or_else(|| corrupt(format!("goal op {op}")))?,
                    target,
                    unit,
                    sides: GoalSides::parse(&sides)
                        .ok_or_else(|| corrupt(format!("goal sides {sides}")))?,
                    text,
                    due_date,
                },
                status: GoalStatus::parse(&status)
                    .ok_or_else(|| corrupt(format!("goal status {status}")))?,
                created_unix_ms: created,
            })
        })
        .collect()
    }
}

/// `YYYY-MM-DD` with a plausible month and day.
fn valid_date(d: &str) -> bool {
    let parts: Vec<&str> = d.split('-').collect();
    if parts.len() != 3 || parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
        return false;
    }
    let n: Vec<u32> = parts.iter().filter_map(|p| p.parse().ok()).collect();
    n.len() == 3 && (1..=12).contains(&n[1]) && (1..=31).contains(&n[2])
}

pub(crate) fn insert_samples(
    tx: &Connection,
    id: i64,
    placement: Placement,
    samples: &[ImuSample],
) -> rusqlite::Result<()> {
    let mut st = tx.prepare_cached(
        "INSERT INTO sample_chunks (session_id, placement, t0_us, n, codec, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for part in chunk::split(samples) {
        let t0 = part[0].t;
        st.execute(params![
            id,
            placement.as_str(),
            t0.0,
            part.len() as i64,
            chunk::CODEC_F32,
            chunk::encode(t0, part)
        ])?;
    }
    Ok(())
}

pub(crate) fn insert_gap(
    tx: &Connection,
    id: i64,
    placement: Placement,
    g: &Gap,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO gaps (session_id, placement, start_us, end_us, lost_samples)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        id,
        placement.as_str(),
        g.start.0,
        g.end.0,
        g.lost_samples as i64
    ])?;
    Ok(())
}

pub(crate) fn insert_events(
    tx: &Connection,
    id: i64,
    events: &[EventRecord],
) -> rusqlite::Result<()> {
    let mut ev = tx.prepare_cached(
        "INSERT INTO events (session_id, kind, side, t_s) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for e in events {
        ev.execute(params![id, e.kind, e.side.map(Side::as_str), e.t_s])?;
    }
    Ok(())
}

pub(crate) fn insert_metrics(tx: &Connection, id: i64, metrics: &[Metric]) -> rusqlite::Result<()> {
    let mut me = tx.prepare_cached(
        "INSERT INTO metrics (session_id, key, value, unit, side, source, n)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for m in metrics {
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
    Ok(())
}
