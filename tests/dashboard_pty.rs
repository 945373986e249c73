//! End to end: `steady dashboard` attached to `steady daemon --simulate` in a pseudo-terminal.
//! The dashboard shows live values from the daemon, starts a session through the daemon, and
//! quitting it leaves the daemon running and its recording intact (the daemon owns it). A
//! second dashboard shows the stored session's summary and says clearly when the daemon goes
//! away. `r` twice on the Sensors screen sends `sensor_remove` (refused while recording,
//! done after). The pseudo-terminal harness (util-linux `script`, skipped with a message when missing,
//! and a tiny screen emulator) is `common/mod.rs`, shared with `demo_pty.rs`.

mod common;

use common::{have_script, number_after, Session};
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn steady(data: &Path, args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(args)
        .env("STEADY_DATA_DIR", data)
        .output()
        .expect("run steady");
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn status(data: &Path) -> Value {
    let mut s = UnixStream::connect(data.join("steady.sock")).expect("daemon socket");
    writeln!(s, r#"{{"cmd":"status"}}"#).unwrap();
    let mut out = String::new();
    BufReader::new(&s).read_line(&mut out).unwrap();
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["ok"], true, "{v}");
    v["status"].clone()
}

fn spawn_daemon(data: &Path) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(["daemon", "--simulate", "--speed", "3"])
        .env("STEADY_DATA_DIR", data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn daemon");
    let deadline = Instant::now() + Duration::from_secs(20);
    while UnixStream::connect(data.join("steady.sock")).is_err() {
        assert!(Instant::now() < deadline, "daemon did not open its socket");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

fn spawn_dashboard(data: &Path) -> Session {
    Session::spawn(
        "dashboard --patient P1",
        &[("STEADY_DATA_DIR", data.as_os_str().to_owned())],
    )
}

fn wait_exit(s: &mut Session) -> String {
    let status = s.wait_exit(10.0);
    let raw = s.raw_text();
    assert!(
        status.success(),
        "exit {status:?}: {}",
        &raw[raw.len().saturating_sub(400)..]
    );
    assert!(raw.contains("\x1b[?1049l"), "terminal restored");
    raw
}

/// Guard: the daemon is killed if the test fails half-way.
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn dashboard_attaches_to_the_daemon_and_quitting_keeps_the_recording() {
    if !have_script() {
        eprintln!("skipped: util-linux `script` not found (needed for a pseudo-terminal)");
        return;
    }
    // Short: a Unix socket path must stay under ~100 bytes.
    let data = std::path::PathBuf::from(format!("/tmp/steady-dash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    steady(
        &data,
        &[
            "patient",
            "add",
            "P1",
            "--height-m",
            "1.70",
            "--birth-year",
            "1950",
        ],
    );
    let mut daemon = Daemon(spawn_daemon(&data));

    // Live values from the daemon: the chart of the lower back, cadence from its strides.
    let mut s = spawn_dashboard(&data);
    let live = s.wait_for("live walking values", 40.0, |t| {
        number_after(t, "cadence  ").is_some_and(|v| v > 40.0) && t.contains("lower back")
    });
    assert!(live.contains("stopped"), "no session yet\n{live}");
    assert!(live.contains("LEFT") && live.contains("RIGHT"), "{live}");

    // Start a session from the dashboard: the daemon records it.
    s.key("s");
    let rec = s.wait_for("recording", 15.0, |t| {
        number_after(t, "RECORDING ").is_some_and(|v| v >= 2.0)
    });
    assert!(rec.contains("recording session"), "{rec}");
    let id = status(&data)["session"]["id"]
        .as_i64()
        .expect("daemon records");

    // The sensors screen: state, rate, loss and clock offset per sensor.
    s.key("1");
    let sensors = s.wait_for("sensor table", 5.0, |t| t.contains("STREAMING"));
    assert!(
        sensors.contains("lower back") && sensors.contains("R shank"),
        "{sensors}"
    );
    assert!(sensors.contains("Hz"), "{sensors}");
    // `r` asks first; the second `r` sends sensor_remove, which the daemon refuses for a
    // sensor of the recording, and the answer is in the status line.
    s.key("r");
    s.wait_for("remove asks to confirm", 5.0, |t| t.contains("r again"));
    s.key("r");
    s.wait_for("remove refused while recording", 10.0, |t| {
        t.contains("cannot remove") && t.contains("is part of session")
    });
    assert_eq!(status(&data)["sensors"].as_array().unwrap().len(), 3);

    // Quit: the dashboard detaches; the daemon and its recording go on.
    s.key("q");
    let raw = wait_exit(&mut s);
    assert!(
        raw.contains(&format!("the daemon keeps recording session {id}")),
        "{}",
        &raw[raw.len().saturating_sub(400)..]
    );
    assert!(
        daemon.0.try_wait().unwrap().is_none(),
        "daemon still running"
    );
    let st = status(&data);
    assert_eq!(st["session"]["id"].as_i64(), Some(id), "{st}");
    let c1 = st["session"]["committed_samples"].as_u64().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let c = status(&data)["session"]["committed_samples"]
            .as_u64()
            .unwrap();
        if c > c1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "recording stopped growing after quit"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let stop: Value = serde_json::from_str(&steady(&data, &["session", "stop", "--json"])).unwrap();
    assert_eq!(stop["session"].as_i64(), Some(id), "{stop}");
    assert!(stop["samples"].as_u64().unwrap() > c1, "{stop}");

    // A second dashboard: the stored session in the summary, then the daemon goes away.
    let mut s = spawn_dashboard(&data);
    s.wait_for("live values again", 40.0, |t| t.contains("lower back"));
    // No recording now: `r` `r` on the Sensors screen removes the selected sensor (in the
    // simulated daemon: unassigned, nearby again).
    s.key("1");
    s.key("r");
    s.key("r");
    s.wait_for("removed", 10.0, |t| t.contains("removed from"));
    let st = status(&data);
    assert_eq!(st["sensors"].as_array().unwrap().len(), 2, "{st}");
    assert_eq!(st["nearby"].as_array().unwrap().len(), 2, "{st}");
    s.key("5");
    let sum = s.wait_for("stored session summary", 15.0, |t| {
        t.contains(&format!("session {id} · walk · finished"))
    });
    assert!(sum.contains("History & goals"), "{sum}");
    assert!(sum.contains("Fall-risk findings"), "{sum}");
    // The measured gait speed is in the summary (as a finding or a metric row, as space allows).
    assert!(sum.contains("Gait speed"), "{sum}");
    // The export action writes the store's report of that session.
    s.key("e");
    s.wait_for("export", 15.0, |t| t.contains("report written to"));
    let report = data.join("exports").join(format!("session-{id}.html"));
    let html = std::fs::read_to_string(&report).expect("report file");
    assert!(
        html.contains("<svg") && html.contains("Fall-risk"),
        "{}",
        report.display()
    );
    // SAFETY: signalling our own child process.
    assert_eq!(
        unsafe { libc::kill(daemon.0.id() as i32, libc::SIGTERM) },
        0
    );
    let gone = s.wait_for("daemon gone", 20.0, |t| t.contains("DAEMON GONE"));
    assert!(
        gone.contains("Session summary"),
        "screen still usable\n{gone}"
    );
    assert!(daemon.0.wait().unwrap().success());
    s.key("q");
    wait_exit(&mut s);
    let _ = std::fs::remove_dir_all(&data);
}
