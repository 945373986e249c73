use super::*;

/// A fresh temporary directory (not created) unique to this test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("steady-store-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn sample(t_us: i64, v: f64) -> ImuSample {
    ImuSample {
        t: Micros(t_us),
        acc_mps2: [v, 0.25, -9.81],
        gyr_dps: [1.5, -2.0, v * 10.0],
    }
}

fn new_session(patient: &str, n: usize) -> NewSession {
    NewSession {
        patient: patient.into(),
        test: "walk".into(),
        started_unix_ms: 1_700_000_000_000,
        ended_unix_ms: Some(1_700_000_012_000),
        source: Some("test".into()),
        notes: Some("n".into()),
        meta_json: None,
        sensors: vec![SensorSamples {
            placement: Placement::LowerBack,
            samples: (0..n)
                .map(|i| sample(i as i64 * 10_000, i as f64 * 0.5))
                .collect(),
            gaps: vec![Gap {
                start: Micros(5_000_000),
                end: Micros(5_100_000),
                lost_samples: 10,
            }],
        }],
        events: vec![EventRecord {
            kind: "initial_contact".into(),
            side: Some(Side::Left),
            t_s: 1.25,
        }],
        metrics: vec![
            Metric::new("gait.cadence_spm", 110.5, "/min", "test"),
            Metric::new("gait.stance_s", 0.61, "s", "test")
                .with_side(Side::Right)
                .with_n(7),
        ],
    }
}

#[test]
fn new_database_migrates_and_reopen_is_idempotent() {
    let dir = temp_dir("migrate");
    let store = Store::open(&dir).unwrap();
    assert_eq!(store.schema_version().unwrap(), schema::latest());
    assert!(schema::latest() >= 1);
    drop(store);
    let store = Store::open(&dir).unwrap();
    assert_eq!(store.schema_version().unwrap(), schema::latest());
    assert!(store.sessions().unwrap().is_empty());
    let mode: String = store
        .conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode.to_ascii_lowercase(), "wal");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn newer_schema_is_refused() {
    let dir = temp_dir("toonew");
    drop(Store::open(&dir).unwrap());
    let conn = Connection::open(dir.join(DB_FILE)).unwrap();
    conn.execute_batch("PRAGMA user_version = 99").unwrap();
    drop(conn);
    assert!(matches!(
        Store::open(&dir),
        Err(StoreError::TooNew { found: 99, .. })
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("perm");
    let store = Store::open(&dir).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(store.path()), 0o600);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn recording_sessions_become_interrupted_on_open() {
    let dir = temp_dir("interrupt");
    let mut store = Store::open(&dir).unwrap();
    let live = store.start_session("P01", "walk").unwrap();
    store
        .append_samples(
            live,
            Placement::LowerBack,
            &[sample(0, 1.0), sample(10_000, 2.0)],
        )
        .unwrap();
    let done = store.start_session("P01", "tug").unwrap();
    store.finish_session(done).unwrap();
    assert_eq!(
        store.session(live).unwrap().status,
        SessionStatus::Recording
    );
    drop(store); // as if the daemon died
    let store = Store::open(&dir).unwrap();
    assert_eq!(store.recovered_sessions(), 1);
    assert_eq!(
        store.session(live).unwrap().status,
        SessionStatus::Interrupted
    );
    assert_eq!(store.session(done).unwrap().status, SessionStatus::Finished);
    // What was recorded before the crash is still readable.
    assert_eq!(store.samples(live).unwrap()[0].samples.len(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn session_round_trips() {
    let dir = temp_dir("roundtrip");
    let mut store = Store::open(&dir).unwrap();
    let s = new_session("P02", 2500);
    let id = store.insert_session(&s).unwrap();
    let info = store.session(id).unwrap();
    assert_eq!((info.patient.as_str(), info.test.as_str()), ("P02", "walk"));
    assert_eq!(info.status, SessionStatus::Finished);
    let back = store.samples(id).unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].samples.len(), 2500);
    assert_eq!(back[0].gaps, s.sensors[0].gaps);
    for (a, b) in back[0].samples.iter().zip(&s.sensors[0].samples) {
        assert_eq!(a.t, b.t);
        for k in 0..3 {
            assert!((a.acc_mps2[k] - b.acc_mps2[k]).abs() <= 1e-6 * b.acc_mps2[k].abs().max(1.0));
            assert!((a.gyr_dps[k] - b.gyr_dps[k]).abs() <= 1e-6 * b.gyr_dps[k].abs().max(1.0));
        }
    }
    assert_eq!(store.events(id).unwrap(), s.events);
    assert_eq!(store.metrics(id).unwrap(), s.metrics);
    assert!(matches!(
        store.session(id + 1),
        Err(StoreError::UnknownSession(_))
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn failed_insert_stores_nothing() {
    let dir = temp_dir("atomic");
    let mut store = Store::open(&dir).unwrap();
    let mut s = new_session("P03", 10);
    // NaN violates NOT NULL (SQLite stores NaN as NULL): the last row fails.
    s.metrics
        .push(Metric::new("gait.bad", f64::NAN, "s", "test"));
    assert!(store.insert_session(&s).is_err());
    assert!(store.sessions().unwrap().is_empty());
    let chunks: i64 = store
        .conn
        .query_row("SELECT COUNT(*) FROM sample_chunks", [], |r| r.get(0))
        .unwrap();
    assert_eq!(chunks, 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn data_dir_that_is_a_file_is_a_clear_error() {
    let dir = temp_dir("file");
    std::fs::write(&dir, b"x").unwrap();
    let err = Store::open(&dir).unwrap_err();
    assert!(matches!(err, StoreError::NotADirectory(_)), "{err}");
    let _ = std::fs::remove_file(&dir);
}

#[cfg(unix)]
#[test]
fn read_only_data_dir_is_a_clear_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("readonly");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o500)).unwrap();
    // Root ignores permission bits: then the situation cannot be produced this way.
    let writable = std::fs::write(dir.join("probe"), b"").is_ok();
    if !writable {
        let err = Store::open(&dir).unwrap_err();
        assert!(matches!(err, StoreError::NotWritable { .. }), "{err}");
        assert!(err.to_string().contains("not writable"), "{err}");
    } else {
        eprintln!("running as root: read-only directory cannot be simulated with chmod");
    }
    let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn chunks_split_and_decode() {
    let samples: Vec<ImuSample> = (0..2345).map(|i| sample(i * 5_000, i as f64)).collect();
    let parts = chunk::split(&samples);
    assert_eq!(parts.len(), 3);
    assert!(parts.iter().all(|p| p.len() <= chunk::MAX_CHUNK_SAMPLES));
    // A jump longer than i32 µs opens a new chunk.
    let far = [sample(0, 1.0), sample(3_000_000_000, 2.0)];
    assert_eq!(chunk::split(&far).len(), 2);
    assert!(chunk::decode(Micros(0), &[0u8; 27]).is_err());
}
