//! `steady daemon --simulate` end to end: the socket protocol, owner-only permissions, the
//! single-instance lock, session start/stop, the subscription stream, clean SIGTERM
//! shutdown, and a real `kill -9` during a recording.

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn temp_dir(name: &str) -> PathBuf {
    // Short: a Unix socket path must stay under ~100 bytes.
    let dir = PathBuf::from(format!("/tmp/steady-d-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn steady(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(args)
        .env("STEADY_DATA_DIR", data)
        .output()
        .expect("run steady")
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn spawn_daemon(data: &Path) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(["daemon", "--simulate", "--speed", "20"])
        .env("STEADY_DATA_DIR", data)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn daemon");
    let sock = data.join("steady.sock");
    let deadline = Instant::now() + Duration::from_secs(20);
    while UnixStream::connect(&sock).is_err() {
        assert!(Instant::now() < deadline, "daemon did not open its socket");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

/// One raw request/response on a fresh connection.
fn raw(data: &Path, line: &str) -> Value {
    let mut s = UnixStream::connect(data.join("steady.sock")).unwrap();
    writeln!(s, "{line}").unwrap();
    let mut out = String::new();
    BufReader::new(&s).read_line(&mut out).unwrap();
    serde_json::from_str(&out).unwrap()
}

fn status(data: &Path) -> Value {
    let v = raw(data, r#"{"cmd":"status"}"#);
    assert_eq!(v["ok"], true, "{v}");
    v["status"].clone()
}

/// Waits (polling) until the recording has committed at least `n` samples.
fn wait_committed(data: &Path, n: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let s = status(data);
        if s["session"]["committed_samples"].as_u64().unwrap_or(0) >= n {
            return s;
        }
        assert!(Instant::now() < deadline, "recording did not progress: {s}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn signal(child: &Child, sig: i32) {
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as i32, sig) }, 0);
}

#[test]
fn daemon_records_sessions_over_the_socket() {
    let data = temp_dir("a");
    ok(steady(
        &data,
        &["patient", "add", "P1", "--height-m", "1.75"],
    ));
    let mut daemon = spawn_daemon(&data);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data.join("steady.sock")), 0o600);
    assert_eq!(mode(&data), 0o700);

    // A second daemon on the same data refuses with a clear message.
    let second = steady(&data, &["daemon", "--simulate"]);
    assert!(!second.status.success());
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains("another steady daemon is already running"),
        "{err}"
    );
    assert!(
        err.contains(&daemon.id().to_string()),
        "names the pid: {err}"
    );

    // Protocol errors.
    let v = raw(&data, "this is not json");
    assert_eq!(v["ok"], false);
    assert!(v["error"].as_str().unwrap().starts_with("bad request"));
    let v = raw(&data, r#"{"cmd":"launch_rockets"}"#);
    assert!(
        v["error"].as_str().unwrap().contains("unknown variant"),
        "{v}"
    );
    let v = raw(&data, r#"{"cmd":"session_start","patient":"NOBODY"}"#);
    assert!(
        v["error"].as_str().unwrap().contains("no patient `NOBODY`"),
        "{v}"
    );
    let v = raw(
        &data,
        r#"{"cmd":"session_start","patient":"P1","test":"juggling"}"#,
    );
    assert!(v["error"].as_str().unwrap().contains("unknown test"), "{v}");
    let v = raw(&data, r#"{"cmd":"session_stop"}"#);
    assert!(v["error"].as_str().unwrap().contains("no session"), "{v}");

    // Status: three simulated sensors streaming.
    let s = status(&data);
    assert_eq!(s["source"], "simulated");
    assert_eq!(s["sensors"].as_array().unwrap().len(), 3);
    assert_eq!(s["session"], Value::Null);

    // A session through the CLI.
    let id: i64 = ok(steady(
        &data,
        &["session", "start", "--patient", "P1", "--pain", "2"],
    ))
    .parse()
    .expect("session start prints the id");
    let v = raw(&data, r#"{"cmd":"session_start","patient":"P1"}"#);
    assert!(
        v["error"].as_str().unwrap().contains("stop it first"),
        "{v}"
    );

    // The subscription streams ticks that know about the session.
    let mut sub = UnixStream::connect(data.join("steady.sock")).unwrap();
    writeln!(sub, r#"{{"cmd":"subscribe"}}"#).unwrap();
    let mut lines = BufReader::new(sub.try_clone().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(first["ok"], true);
    let tick: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(tick["type"], "tick");
    assert_eq!(tick["status"]["session"]["id"], id);
    assert_eq!(tick["samples"].as_array().unwrap().len(), 3);
    assert_eq!(
        tick["samples"][0]["samples"][0].as_array().unwrap().len(),
        7
    );
    drop(lines);
    drop(sub);

    // ~20 s of a 100 Hz × 3 recording (the walk of the demo scenario).
    wait_committed(&data, 6000);
    // Browsing the store next to the recording daemon leaves the session recording.
    let list: Value =
        serde_json::from_str(&ok(steady(&data, &["sessions", "list", "--json"]))).unwrap();
    assert_eq!(list[0]["status"], "recording", "{list}");
    let out = ok(steady(&data, &["session", "stop", "--json"]));
    let stop: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(stop["session"], id);
    assert!(stop["metrics"].as_u64().unwrap() > 0, "{stop}");
    let show: Value = serde_json::from_str(&ok(steady(
        &data,
        &["sessions", "show", &id.to_string(), "--json"],
    )))
    .unwrap();
    assert_eq!(show["session"]["status"], "finished");
    assert_eq!(show["session"]["pain_score"], 2);
    assert_eq!(show["session"]["source"], "simulated");
    assert_eq!(show["samples"].as_array().unwrap().len(), 3);
    for s in show["samples"].as_array().unwrap() {
        assert!(s["samples"].as_u64().unwrap() >= 1800, "{s}");
    }
    let metrics = show["metrics"].as_array().unwrap();
    let cadence = metrics
        .iter()
        .find(|m| m["key"] == "gait.cadence_spm")
        .expect("the recorded walk was analysed");
    assert!(
        (70.0..150.0).contains(&cadence["value"].as_f64().unwrap()),
        "{cadence}"
    );

    // SIGTERM during a recording: the session is finished, the socket removed, exit 0.
    let id2: i64 = ok(steady(&data, &["session", "start", "--patient", "P1"]))
        .parse()
        .unwrap();
    wait_committed(&data, 300);
    signal(&daemon, libc::SIGTERM);
    let status = daemon.wait().unwrap();
    assert!(status.success(), "daemon exit {status:?}");
    assert!(!data.join("steady.sock").exists());
    let list: Value =
        serde_json::from_str(&ok(steady(&data, &["sessions", "list", "--json"]))).unwrap();
    let s2 = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id2)
        .unwrap();
    assert_eq!(s2["status"], "finished");
    // Without a daemon, clients say so.
    let out = steady(&data, &["status"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no steady daemon is running"));
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn kill_9_of_the_daemon_keeps_the_recording() {
    let data = temp_dir("k");
    ok(steady(&data, &["patient", "add", "P2"]));
    let mut daemon = spawn_daemon(&data);
    let id: i64 = ok(steady(&data, &["session", "start", "--patient", "P2"]))
        .parse()
        .unwrap();
    let before = wait_committed(&data, 3000);
    let committed = before["session"]["committed_samples"].as_u64().unwrap();
    signal(&daemon, libc::SIGKILL);
    daemon.wait().unwrap();

    // A new daemon starts (the kernel released the lock; the stale socket is replaced) and
    // reports the interrupted session.
    let mut daemon = spawn_daemon(&data);
    let s = status(&data);
    assert_eq!(s["session"], Value::Null);
    let v = raw(&data, r#"{"cmd":"shutdown"}"#);
    assert_eq!(v["ok"], true);
    let mut err = String::new();
    std::io::Read::read_to_string(daemon.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert!(daemon.wait().unwrap().success());
    assert!(
        err.contains(&format!("session {id} was interrupted")),
        "{err}"
    );

    let show: Value = serde_json::from_str(&ok(steady(
        &data,
        &["sessions", "show", &id.to_string(), "--json"],
    )))
    .unwrap();
    assert_eq!(show["session"]["status"], "interrupted");
    let stored: u64 = show["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["samples"].as_u64().unwrap())
        .sum();
    // Everything committed before the kill is there.
    assert!(
        stored >= committed,
        "stored {stored} < committed {committed}"
    );
    // ... and exportable.
    let out = data.join("x.json");
    ok(steady(
        &data,
        &[
            "export",
            &id.to_string(),
            "--format",
            "json",
            "--out",
            out.to_str().unwrap(),
        ],
    ));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(doc["sessions"][0]["session"]["status"], "interrupted");
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn simulated_daemon_offers_a_nearby_sensor_to_assign_and_never_pretends_to_blink() {
    let data = temp_dir("assign");
    let mut daemon = spawn_daemon(&data);
    let s = status(&data);
    let nearby = s["nearby"].as_array().unwrap().clone();
    assert_eq!(nearby.len(), 1, "{s}");
    let spare = nearby[0]["address"].as_str().unwrap().to_string();
    assert_eq!(nearby[0]["vendor"], "simulated");
    let back = s["sensors"][0]["address"].as_str().unwrap().to_string();

    // Identify: simulated sensors have nothing to blink, and the answer says so.
    let v = raw(
        &data,
        &format!(r#"{{"cmd":"sensor_identify","address":"{back}"}}"#),
    );
    assert_eq!(v["ok"], false);
    assert!(v["error"].as_str().unwrap().contains("no LED"), "{v}");
    // A taken placement is refused; a free one adds the sensor to the simulation.
    let v = raw(
        &data,
        &format!(r#"{{"cmd":"sensor_assign","address":"{spare}","placement":"left_shank"}}"#),
    );
    assert!(
        v["error"].as_str().unwrap().contains("already taken"),
        "{v}"
    );
    let v = raw(
        &data,
        &format!(r#"{{"cmd":"sensor_assign","address":"{spare}","placement":"left-foot"}}"#),
    );
    assert_eq!(v["ok"], true, "{v}");
    assert!(v["note"].as_str().unwrap().contains("simulated"), "{v}");
    let deadline = Instant::now() + Duration::from_secs(20);
    let s = loop {
        let s = status(&data);
        let foot = s["sensors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["address"] == spare.as_str())
            .cloned();
        if foot.is_some_and(|f| f["state"] == "streaming" && f["placement"] == "left_foot") {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "assigned sensor not streaming: {s}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(s["sensors"].as_array().unwrap().len(), 4, "{s}");
    assert_eq!(s["nearby"], Value::Array(vec![]), "{s}");
    // Simulated assignments never touch the registry of real devices.
    assert!(!data.join("sensors.json").exists());
    // A session now lists the four sensors.
    ok(steady(&data, &["patient", "add", "P9"]));
    let id: i64 = ok(steady(&data, &["session", "start", "--patient", "P9"]))
        .parse()
        .unwrap();
    wait_committed(&data, 400);
    ok(steady(&data, &["session", "stop"]));
    let show: Value = serde_json::from_str(&ok(steady(
        &data,
        &["sessions", "show", &id.to_string(), "--json"],
    )))
    .unwrap();
    let placements: Vec<&str> = show["samples"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["placement"].as_str())
        .collect();
    assert!(placements.contains(&"left_foot"), "{show}");
    signal(&daemon, libc::SIGTERM);
    assert!(daemon.wait().unwrap().success());
    let _ = std::fs::remove_dir_all(&data);
}

/// Polls the status until `ok` holds (at most 20 s).
fn until(data: &Path, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let s = status(data);
        if ok(&s) {
            return s;
        }
        assert!(Instant::now() < deadline, "{what}: last status {s}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn listed(s: &Value, key: &str, address: &str) -> bool {
    s[key]
        .as_array()
        .is_some_and(|v| v.iter().any(|x| x["address"] == address))
}

#[test]
fn simulated_daemon_removes_sensors_but_never_from_a_recording() {
    let data = temp_dir("remove");
    let mut daemon = spawn_daemon(&data);
    ok(steady(&data, &["patient", "add", "P8"]));
    let s = status(&data);
    let addresses: Vec<String> = s["sensors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["address"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(addresses.len(), 3, "{s}");
    let remove = |a: &str| {
        raw(
            &data,
            &format!(r#"{{"cmd":"sensor_remove","address":"{a}"}}"#),
        )
    };

    // A sensor of the session being recorded stays: refused, the recording goes on.
    let id: i64 = ok(steady(&data, &["session", "start", "--patient", "P8"]))
        .parse()
        .unwrap();
    let v = remove(&addresses[0]);
    assert_eq!(v["ok"], false, "{v}");
    assert!(
        v["error"].as_str().unwrap().contains("being recorded"),
        "{v}"
    );
    let s = wait_committed(&data, 300);
    assert_eq!(s["sensors"].as_array().unwrap().len(), 3, "{s}");
    ok(steady(&data, &["session", "stop"]));
    let show: Value = serde_json::from_str(&ok(steady(
        &data,
        &["sessions", "show", &id.to_string(), "--json"],
    )))
    .unwrap();
    assert_eq!(show["samples"].as_array().unwrap().len(), 3, "{show}");

    // After the session: removed, nearby again, the others stream on.
    let v = remove(&addresses[0]);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["placement"], "lower_back", "{v}");
    assert!(v["note"].as_str().unwrap().contains("simulated"), "{v}");
    let s = until(&data, "removed sensor gone, the others streaming", |s| {
        let sensors = s["sensors"].as_array().unwrap();
        sensors.len() == 2 && sensors.iter().all(|x| x["state"] == "streaming")
    });
    assert!(listed(&s, "nearby", &addresses[0]), "{s}");
    assert!(!listed(&s, "sensors", &addresses[0]), "{s}");
    let v = remove(&addresses[0]);
    assert!(v["error"].as_str().unwrap().contains("not assigned"), "{v}");
    assert!(!data.join("sensors.json").exists(), "no registry touched");

    // With none left the daemon idles, says so, and refuses sessions; assigning resumes.
    for a in &addresses[1..] {
        assert_eq!(remove(a)["ok"], true);
    }
    let s = until(&data, "idle notice", |s| {
        s["notice"]
            .as_str()
            .is_some_and(|n| n.contains("no simulated sensor is assigned"))
    });
    assert_eq!(s["sensors"], Value::Array(vec![]), "{s}");
    assert_eq!(s["nearby"].as_array().unwrap().len(), 4, "{s}");
    let v = raw(&data, r#"{"cmd":"session_start","patient":"P8"}"#);
    assert_eq!(v["ok"], false, "{v}");
    let a = &addresses[1];
    let v = raw(
        &data,
        &format!(r#"{{"cmd":"sensor_assign","address":"{a}","placement":"lower_back"}}"#),
    );
    assert_eq!(v["ok"], true, "{v}");
    let s = until(&data, "assigned again and streaming", |s| {
        s["sensors"]
            .as_array()
            .is_some_and(|v| v.len() == 1 && v[0]["state"] == "streaming")
    });
    assert!(s["notice"].is_null(), "{s}");
    signal(&daemon, libc::SIGTERM);
    assert!(daemon.wait().unwrap().success());
    let _ = std::fs::remove_dir_all(&data);
}
