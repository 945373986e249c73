use super::*;
use crate::store::GoalStatus;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use steady_core::{Gap, ImuSample, Metric, Micros, Placement, Side};
use steady_recording::TestKind;

/// A fresh temporary directory (not created) unique to this test.
pub(crate) fn temp_dir(name: &str) -> PathBuf {
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

fn patient(pseudonym: &str) -> NewPatient {
    NewPatient {
        pseudonym: pseudonym.into(),
        birth_year: Some(1950),
        sex: Some(Sex::Female),
        height_m: Some(1.62),
        affected_side: Some(Side::Left),
        notes: Some("hip replacement left 2026-10".into()),
    }
}

fn new_session(patient: &str, n: usize) -> NewSession {
    let mut spec = SessionSpec::new(patient, TestKind::Walk);
    spec.clinician = Some("PT Example".into());
    spec.conditions = Some("usual shoes".into());
    spec.pain_score = Some(3);
    spec.notes = Some("n".into());
    spec.source = Some("test".into());
    spec.sensors = vec![SessionSensor {
        placement: Placement::LowerBack,
        device: Some("AA:BB:CC:DD:EE:FF".into()),
        sampling_rate_hz: Some(100.0),
    }];
    NewSession {
        spec,
        started_unix_ms: 1_700_000_000_000,
        ended_unix_ms: Some(1_700_000_012_000),
        meta_json: None,
        samples: vec![SensorSamples {
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

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn new_database_migrates_and_reopen_is_idempotent() {
    let dir = temp_dir("migrate");
    let store = Store::open(&dir).unwrap();
    assert_eq!(store.schema_version().unwrap(), 2);
    assert_eq!(schema::latest(), 2);
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
fn version_1_database_migrates_and_keeps_its_data() {
    let dir = temp_dir("v1");
    std::fs::create_dir_all(&dir).unwrap();
    // A database exactly as the first release wrote it, with one session and one chunk.
    let conn = Connection::open(dir.join(DB_FILE)).unwrap();
    conn.execute_batch(schema::MIGRATIONS[0]).unwrap();
    conn.execute_batch(
        "PRAGMA user_version = 1;
         INSERT INTO patients (id, pseudonym, sex) VALUES (1, 'OLD-1', 'male');
         INSERT INTO sessions (id, patient_id, test, status, started_unix_ms, source)
             VALUES (1, 1, 'walk', 'finished', 1600000000000, 'import:/x');
         INSERT INTO metrics (session_id, key, value, unit, side, source, n)
             VALUES (1, 'gait.speed_mps', 1.1, 'm/s', NULL, 'v1', 12);",
    )
    .unwrap();
    let blob = chunk::encode(Micros(0), &[sample(0, 1.0), sample(10_000, 2.0)]);
    conn.execute(
        "INSERT INTO sample_chunks (session_id, placement, t0_us, n, data) VALUES (1, 'lower_back', 0, 2, ?1)",
        [blob],
    )
    .unwrap();
    drop(conn);
    let mut store = Store::open(&dir).unwrap();
    assert_eq!(store.schema_version().unwrap(), 2);
    let s = store.session(1).unwrap();
    assert_eq!(
        (s.patient.as_str(), s.pain_score, s.clinician.clone()),
        ("OLD-1", None, None)
    );
    assert_eq!(store.samples(1).unwrap()[0].samples.len(), 2);
    assert_eq!(store.metrics(1).unwrap()[0].value, 1.1);
    assert_eq!(store.patient("OLD-1").unwrap().sex, Some(Sex::Male));
    // The new tables work on the migrated file.
    let g = parse_goal("gait_speed_mps >= 1.2").unwrap();
    let gid = store.add_goal("OLD-1", &g).unwrap();
    assert_eq!(store.goals("OLD-1").unwrap()[0].id, gid);
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

#[test]
fn files_are_owner_only() {
    let dir = temp_dir("perm");
    let mut store = Store::open(&dir).unwrap();
    store.add_patient(&patient("P1")).unwrap();
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(store.path()), 0o600);
    for suffix in ["-wal", "-shm"] {
        let f = dir.join(format!("{DB_FILE}{suffix}"));
        if f.exists() {
            assert_eq!(mode(&f) & 0o077, 0, "{}", f.display());
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn patients_register_once_and_unknown_ones_are_refused() {
    let dir = temp_dir("patients");
    let mut store = Store::open(&dir).unwrap();
    store.add_patient(&patient("P-002")).unwrap();
    store
        .add_patient(&NewPatient {
            pseudonym: "P-001".into(),
            ..Default::default()
        })
        .unwrap();
    assert!(matches!(
        store.add_patient(&patient("P-002")),
        Err(StoreError::DuplicatePatient(_))
    ));
    assert!(matches!(
        store.add_patient(&NewPatient {
            pseudonym: " ".into(),
            ..Default::default()
        }),
        Err(StoreError::Invalid(_))
    ));
    let mut tall = patient("P-003");
    tall.height_m = Some(170.0); // centimetres by mistake
    assert!(matches!(
        store.add_patient(&tall),
        Err(StoreError::Invalid(_))
    ));
    let list = store.patients().unwrap();
    assert_eq!(
        list.iter()
            .map(|p| p.pseudonym.as_str())
            .collect::<Vec<_>>(),
        ["P-001", "P-002"]
    );
    assert_eq!(
        store.patient("P-002").unwrap(),
        Patient {
            id: list[1].id,
            pseudonym: "P-002".into(),
            birth_year: Some(1950),
            sex: Some(Sex::Female),
            height_m: Some(1.62),
            affected_side: Some(Side::Left),
            notes: Some("hip replacement left 2026-10".into())
        }
    );
    let err = store.insert_session(&new_session("NOBODY", 3)).unwrap_err();
    assert!(err.to_string().contains("no patient `NOBODY`"), "{err}");
    assert!(store
        .start_session(&SessionSpec::new("NOBODY", TestKind::Walk))
        .is_err());
    assert!(store.sessions().unwrap().is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn recording_sessions_become_interrupted_on_open() {
    let dir = temp_dir("interrupt");
    let mut store = Store::open(&dir).unwrap();
    store.add_patient(&patient("P01")).unwrap();
    let live = store
        .start_session(&SessionSpec::new("P01", TestKind::Walk))
        .unwrap();
    {
        let mut w = store.recorder(live).unwrap();
        w.push_samples(Placement::LowerBack, &[sample(0, 1.0), sample(10_000, 2.0)])
            .unwrap();
        w.commit().unwrap();
    }
    let done = store
        .start_session(&SessionSpec::new("P01", TestKind::Tug))
        .unwrap();
    store.recorder(done).unwrap().finish(&[]).unwrap();
    assert_eq!(
        store.session(live).unwrap().status,
        SessionStatus::Recording
    );
    drop(store); // as if the daemon died
    let mut store = Store::open(&dir).unwrap();
    assert_eq!(store.recovered_sessions(), [live]);
    assert_eq!(
        store.session(live).unwrap().status,
        SessionStatus::Interrupted
    );
    assert_eq!(store.session(done).unwrap().status, SessionStatus::Finished);
    assert_eq!(store.samples(live).unwrap()[0].samples.len(), 2);
    assert!(matches!(
        store.recorder(live),
        Err(StoreError::NotRecording(_))
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_live_recording_is_not_interrupted_by_another_open() {
    let dir = temp_dir("live-open");
    let mut a = Store::open(&dir).unwrap();
    a.add_patient(&patient("P01")).unwrap();
    let id = a
        .start_session(&SessionSpec::new("P01", TestKind::Walk))
        .unwrap();
    // A second opener (e.g. `steady sessions list` next to the daemon) leaves it recording.
    let mut b = Store::open(&dir).unwrap();
    assert!(b.recovered_sessions().is_empty());
    assert_eq!(b.session(id).unwrap().status, SessionStatus::Recording);
    // ... and cannot record at the same time.
    assert!(matches!(
        b.start_session(&SessionSpec::new("P01", TestKind::Walk)),
        Err(StoreError::Busy)
    ));
    drop(b);
    drop(a); // the recorder goes away without finishing
    let c = Store::open(&dir).unwrap();
    assert_eq!(c.recovered_sessions(), [id]);
    assert_eq!(c.session(id).unwrap().status, SessionStatus::Interrupted);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn writer_commits_each_second_of_samples_by_itself() {
    let dir = temp_dir("writer");
    let mut store = Store::open(&dir).unwrap();
    store.add_patient(&patient("P01")).unwrap();
    let id = store
        .start_session(&SessionSpec::new("P01", TestKind::Walk))
        .unwrap();
    let mut w = store.recorder(id).unwrap();
    // 200 Hz: 5 ms apart. 200 samples span 0.995 s: not due yet by sample time.
    for k in 0..200 {
        w.push_samples(Placement::LeftShank, &[sample(k * 5_000, 0.0)])
            .unwrap();
    }
    assert!(w.pending_samples() <= 200);
    // The 201st sample completes one second: committed without an explicit call.
    w.push_samples(Placement::LeftShank, &[sample(200 * 5_000, 0.0)])
        .unwrap();
    assert_eq!(w.pending_samples(), 0);
    assert_eq!(w.committed_samples(), 201);
    w.push_gap(
        Placement::LeftShank,
        Gap {
            start: Micros(1_000_000),
            end: Micros(1_100_000),
            lost_samples: 19,
        },
    )
    .unwrap();
    w.push_event(EventRecord {
        kind: "initial_contact".into(),
        side: Some(Side::Left),
        t_s: 0.5,
    })
    .unwrap();
    w.finish(&[Metric::new("gait.cadence_spm", 100.0, "/min", "t")])
        .unwrap();
    let s = store.session(id).unwrap();
    assert_eq!(s.status, SessionStatus::Finished);
    assert!(s.ended_unix_ms.is_some());
    let samples = store.samples(id).unwrap();
    assert_eq!(samples[0].samples.len(), 201);
    assert_eq!(samples[0].gaps.len(), 1);
    assert_eq!(store.events(id).unwrap().len(), 1);
    assert_eq!(store.metrics(id).unwrap().len(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn full_disk_is_a_clear_error_and_keeps_what_was_recorded() {
    let dir = temp_dir("full");
    let mut store = Store::open(&dir).unwrap();
    store.add_patient(&patient("P01")).unwrap();
    let id = store
        .start_session(&SessionSpec::new("P01", TestKind::Walk))
        .unwrap();
    let size = std::fs::metadata(store.path()).unwrap().len()
        + std::fs::metadata(dir.join(format!("{DB_FILE}-wal"))).map_or(0, |m| m.len());
    // Room for a few seconds of data only: the database "disk" fills up mid-recording.
    store.set_max_size_bytes(size + 64 * 1024).unwrap();
    let mut w = store.recorder(id).unwrap();
    let mut k = 0i64;
    let err = loop {
        let batch: Vec<ImuSample> = (0..100)
            .map(|i| sample((k + i) * 5_000, (k + i) as f64))
            .collect();
        k += 100;
        if let Err(e) = w.push_samples(Placement::LowerBack, &batch) {
            break e;
        }
        assert!(k < 2_000_000, "the size limit never hit");
    };
    assert!(matches!(err, StoreError::Full { .. }), "{err}");
    assert!(err.to_string().contains("disk full"), "{err}");
    let committed = w.committed_samples();
    assert!(committed >= 200, "committed {committed}");
    // Buffered data is kept for a retry; the store stays usable for reading.
    assert!(w.pending_samples() > 0);
    drop(w);
    drop(store);
    let store = Store::open(&dir).unwrap();
    assert_eq!(
        store.session(id).unwrap().status,
        SessionStatus::Interrupted
    );
    let back = &store.samples(id).unwrap()[0].samples;
    assert_eq!(back.len() as u64, committed);
    // Contiguous from the start: nothing before the failure is missing.
    assert!(back.windows(2).all(|w| w[1].t - w[0].t == 5_000));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn session_round_trips() {
    let dir = temp_dir("roundtrip");
    let mut store = Store::open(&dir).unwrap();
    store.add_patient(&patient("P02")).unwrap();
    let s = new_session("P02", 2500);
    let id = store.insert_session(&s).unwrap();
    let info = store.session(id).unwrap();
    assert_eq!((info.patient.as_str(), info.test.as_str()), ("P02", "walk"));
    assert_eq!(info.status, SessionStatus::Finished);
    assert_eq!(info.clinician.as_deref(), Some("PT Example"));
    assert_eq!(info.pain_score, Some(3));
    assert_eq!(info.conditions.as_deref(), Some("usual shoes"));
    assert_eq!(info.sensors, s.spec.sensors);
    assert_eq!(store.clinicians().unwrap(), ["PT Example"]);
    let back = store.samples(id).unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].samples.len(), 2500);
    assert_eq!(back[0].gaps, s.samples[0].gaps);
    for (a, b) in back[0].samples.iter().zip(&s.samples[0].samples) {
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
    store
        .annotate_session(id, Some(7), None, Some("better"))
        .unwrap();
    let info = store.session(id).unwrap();
    assert_eq!(
        (
            info.pain_score,
            info.notes.as_deref(),
            info.conditions.as_deref()
        ),
        (Some(7), Some("better"), Some("usual shoes"))
    );
    assert!(store.annotate_session(id, Some(11), None, None).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn failed_insert_stores_nothing() {
    let dir = temp_dir("atomic");
    let mut store = Store::open(&dir).unwrap();
    store.add_patient(&patient("P03")).unwrap();
    let mut s = new_session("P03", 10);
    s.spec.pain_score = Some(12);
    assert!(matches!(
        store.insert_session(&s),
        Err(StoreError::Invalid(_))
    ));
    // A failure in the middle of the transaction (after samples were inserted): an event
    // with a side the schema rejects.
    let mut s = new_session("P03", 10);
    s.events.push(EventRecord {
        kind: "x".into(),
        side: None,
        t_s: f64::NAN,
    });
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
fn goals_store_and_change_status() {
    let dir = temp_dir("goals");
    let mut store = Store::open(&dir).unwrap();
    store.add_patient(&patient("P04")).unwrap();
    let mut g = parse_goal("single_leg_stance_s >= 10 each side").unwrap();
    g.due_date = Some("2027-01-31".into());
    let id = store.add_goal("P04", &g).unwrap();
    let goals = store.goals("P04").unwrap();
    assert_eq!(goals.len(), 1);
    assert_eq!(goals[0].spec, g);
    assert_eq!(goals[0].status, GoalStatus::Active);
    store.set_goal_status(id, GoalStatus::Achieved).unwrap();
    assert_eq!(store.goals("P04").unwrap()[0].status, GoalStatus::Achieved);
    assert!(matches!(
        store.set_goal_status(999, GoalStatus::Active),
        Err(StoreError::UnknownGoal(999))
    ));
    assert!(matches!(
        store.add_goal("NOBODY", &g),
        Err(StoreError::UnknownPatient(_))
    ));
    g.due_date = Some("31.01.2027".into());
    assert!(matches!(
        store.add_goal("P04", &g),
        Err(StoreError::Invalid(_))
    ));
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

#[test]
fn read_only_database_is_a_clear_error_and_keeps_the_data() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("readonly");
    let mut store = Store::open(&dir).unwrap();
    store.add_patient(&patient("P05")).unwrap();
    let id = store.insert_session(&new_session("P05", 50)).unwrap();
    drop(store);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o500)).unwrap();
    // Root ignores permission bits; then only the SQLite-level read-only path is checked.
    let root = std::fs::write(dir.join("probe"), b"").is_ok();
    let _ = std::fs::remove_file(dir.join("probe"));
    if !root {
        let err = Store::open(&dir).unwrap_err();
        assert!(matches!(err, StoreError::NotWritable { .. }), "{err}");
        assert!(err.to_string().contains("not writable"), "{err}");
    }
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    // A database opened read-only by SQLite (the same failure a read-only mount gives).
    let mut store = Store::open(&dir).unwrap();
    store.conn.execute_batch("PRAGMA query_only = ON").unwrap();
    let err = store.add_patient(&patient("P06")).unwrap_err();
    assert!(matches!(err, StoreError::NotWritable { .. }), "{err}");
    assert_eq!(store.samples(id).unwrap()[0].samples.len(), 50);
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
