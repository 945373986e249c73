//! A real `kill -9` during a recording: the test re-runs its own binary as the writer
//! (`crash_writer_child`, active only with `STEADY_CRASH_CHILD` set), kills it with SIGKILL
//! after several commits, reopens the store and checks that the session is `interrupted`,
//! that at most the last second of samples is missing, and that the rest analyses.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use steady_analysis::{gait, SensorInput, Subject};
use steady_core::{ImuSample, Micros, Placement};
use steady_recording::TestKind;
use steady_store::{NewPatient, SessionSpec, SessionStatus, Store};

const CHILD_ENV: &str = "STEADY_CRASH_CHILD";

fn fixture() -> Vec<ImuSample> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../analysis/tests/fixtures/ha001_test5_trial1_imu.csv");
    let text = std::fs::read_to_string(&path).expect("fixture walk");
    steady_recording::parse_imu_csv(&text).expect("fixture parses")
}

/// The writer: records the fixture walk (100 Hz) over and over, 10 samples per push, and
/// prints the time of the last pushed sample after every push. Runs until killed.
#[test]
fn crash_writer_child() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return; // not the child: nothing to do
    };
    let walk = fixture();
    let period_us = walk.last().unwrap().t.0 + 10_000;
    let mut store = Store::open(Path::new(&dir)).unwrap();
    store
        .add_patient(&NewPatient {
            pseudonym: "CRASH".into(),
            ..Default::default()
        })
        .unwrap();
    let id = store
        .start_session(&SessionSpec::new("CRASH", TestKind::Walk))
        .unwrap();
    println!("session {id}");
    let mut w = store.recorder(id).unwrap();
    for lap in 0i64.. {
        for batch in walk.chunks(10) {
            let shifted: Vec<ImuSample> = batch
                .iter()
                .map(|s| ImuSample {
                    t: Micros(s.t.0 + lap * period_us),
                    ..*s
                })
                .collect();
            w.push_samples(Placement::LowerBack, &shifted).unwrap();
            println!("pushed {}", shifted.last().unwrap().t.0);
            // ~100× real time: quick, but long enough to be killed mid-recording.
            std::thread::sleep(std::time::Duration::from_micros(800));
        }
    }
}

/// The text after `tag` in a line (the test harness may print its own text before it).
fn after<'a>(line: &'a str, tag: &str) -> Option<&'a str> {
    line.find(tag).map(|i| line[i + tag.len()..].trim())
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("steady-crash-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn kill_9_loses_at_most_the_last_second() {
    let dir = temp_dir("kill9");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crash_writer_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the writer");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut session = None;
    let mut last_pushed_us = 0i64;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(id) = after(&line, "session ") {
            session = Some(id.parse::<i64>().unwrap());
        } else if let Some(t) = after(&line, "pushed ") {
            last_pushed_us = t.parse().unwrap();
            // Into the second lap of the walk: many commits done, one in progress.
            if last_pushed_us > 20_000_000 {
                break;
            }
        }
    }
    // SIGKILL: no destructor, no final commit.
    child.kill().unwrap();
    // Whatever the child printed before it died is the true last push.
    for line in lines {
        match line {
            Ok(l) => {
                if let Some(t) = after(&l, "pushed ") {
                    last_pushed_us = t.parse().unwrap();
                }
            }
            Err(_) => break,
        }
    }
    child.wait().unwrap();
    let session = session.expect("the child started a session");

    let store = Store::open(&dir).unwrap();
    assert_eq!(store.recovered_sessions(), [session]);
    let info = store.session(session).unwrap();
    assert_eq!(info.status, SessionStatus::Interrupted);
    let sensors = store.samples(session).unwrap();
    let samples = &sensors[0].samples;
    let last_stored_us = samples.last().unwrap().t.0;
    // At most the last second (plus the one 10-sample push in flight) is lost.
    assert!(
        last_pushed_us - last_stored_us <= 1_000_000 + 100_000,
        "pushed up to {last_pushed_us} µs, stored up to {last_stored_us} µs"
    );
    assert!(
        last_stored_us >= 19_000_000,
        "stored up to {last_stored_us} µs"
    );
    // Everything before is there, in order, without holes.
    assert_eq!(samples[0].t, Micros(0));
    assert!(samples.windows(2).all(|w| w[1].t - w[0].t == 10_000));
    // And analysable: the recovered walk yields strides of both feet.
    let report = gait::analyze(
        &[SensorInput {
            placement: Placement::LowerBack,
            samples,
            sampling_rate_hz: 100.0,
        }],
        &Subject::default(),
    );
    assert!(
        report.summary.n_strides >= 10,
        "{} strides",
        report.summary.n_strides
    );
    assert!(report.summary.left.n_strides > 0 && report.summary.right.n_strides > 0);
    let _ = std::fs::remove_dir_all(&dir);
}
