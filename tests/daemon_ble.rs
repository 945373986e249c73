//! `steady daemon` without `--simulate`, end to end over the simulated BlueZ
//! (`steady-fake-bluez` on a private `dbus-daemon`, reached through `DBUS_SYSTEM_BUS_ADDRESS`
//! as in `tests/ble_cli.rs`; the real system bus is never touched): the registered sensor
//! streams at its nominal rate, a session records rate × duration samples, a stranger's sensor
//! nearby is listed but never connected until `sensor_assign`, identify sends steady's
//! identify command (and says why a Thingy:52 cannot), a dropped link reconnects; the daemon
//! follows `sensors.json` (added, removed, malformed, changed while recording), and
//! `sensor_remove` unregisters and disconnects (never a sensor of the recording).

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use steady_core::Placement;
use steady_fake_bluez::{FakeBluez, Family, PrivateBus, SimSensor, SYSTEM_BUS_ENV};
use steady_protocol::{Command as SteadyCommand, CommandFrame};

struct World {
    bus: PrivateBus,
    fake: FakeBluez,
    data: PathBuf,
}

fn world(name: &str, devices: Vec<SimSensor>) -> World {
    let bus = PrivateBus::start().unwrap_or_else(|e| panic!("cannot run BLE tests: {e}"));
    let fake = FakeBluez::start(bus.address()).expect("fake BlueZ owns org.bluez");
    for d in devices {
        fake.add(d);
    }
    // Short: a Unix socket path must stay under ~100 bytes.
    let data = PathBuf::from(format!("/tmp/steady-db-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    World { bus, fake, data }
}

impl World {
    fn steady(&self, args: &[&str]) -> Output {
        let out = Command::new(env!("CARGO_BIN_EXE_steady"))
            .args(args)
            .env(SYSTEM_BUS_ENV, self.bus.address())
            .env("STEADY_DATA_DIR", &self.data)
            .output()
            .expect("run steady");
        assert!(
            out.status.success(),
            "steady {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// `steady sensors add <a> --placement <placement> --vendor steady`.
    fn register(&self, a: [u8; 6], placement: &str) -> Output {
        self.steady(&[
            "sensors",
            "add",
            &addr(a),
            "--placement",
            placement,
            "--vendor",
            "steady",
        ])
    }

    fn spawn_daemon(&self) -> Child {
        std::fs::create_dir_all(&self.data).unwrap();
        let log = std::fs::File::create(self.data.join("daemon.log")).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_steady"))
            .args(["daemon"])
            .env(SYSTEM_BUS_ENV, self.bus.address())
            .env("STEADY_DATA_DIR", &self.data)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn daemon");
        let deadline = Instant::now() + Duration::from_secs(20);
        while UnixStream::connect(self.data.join("steady.sock")).is_err() {
            assert!(
                Instant::now() < deadline,
                "daemon did not open its socket: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        child
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.data.join("daemon.log")).unwrap_or_default()
    }

    fn request(&self, req: Value) -> Value {
        let mut s = UnixStream::connect(self.data.join("steady.sock")).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        writeln!(s, "{req}").unwrap();
        let mut out = String::new();
        BufReader::new(&s).read_line(&mut out).unwrap();
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
    }

    fn status(&self) -> Value {
        let v = self.request(json!({"cmd": "status"}));
        assert_eq!(v["ok"], true, "{v}");
        v["status"].clone()
    }

    /// Polls the status until `ok` holds (at most `timeout_s`).
    fn until(&self, what: &str, timeout_s: u64, ok: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(timeout_s);
        loop {
            let s = self.status();
            if ok(&s) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: not within {timeout_s} s; last status {s}\ndaemon log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn addr(a: [u8; 6]) -> String {
    a.map(|b| format!("{b:02X}")).join(":")
}

fn sensor(status: &Value, a: [u8; 6]) -> Option<&Value> {
    status["sensors"]
        .as_array()?
        .iter()
        .find(|s| s["address"] == addr(a))
}

fn nearby(status: &Value, a: [u8; 6]) -> Option<&Value> {
    status["nearby"]
        .as_array()?
        .iter()
        .find(|s| s["address"] == addr(a))
}

fn streaming_near(s: Option<&Value>, nominal: f64) -> bool {
    s.is_some_and(|s| {
        s["state"] == "streaming"
            && s["rate_hz"]
                .as_f64()
                .is_some_and(|r| (r - nominal).abs() <= 0.1 * nominal)
    })
}

fn stop(w: &World, mut daemon: Child) {
    let v = w.request(json!({"cmd": "shutdown"}));
    assert_eq!(v["ok"], true, "{v}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(st) = daemon.try_wait().unwrap() {
            assert!(st.success(), "daemon exit {st:?}: {}", w.log());
            break;
        }
        assert!(Instant::now() < deadline, "daemon did not exit");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn daemon_streams_records_and_assigns_ble_sensors() {
    let back = [0xC5, 0x7E, 0xAD, 0x00, 0x40, 0x01];
    // Nearby but not registered: another steady sensor, and a Thingy:52.
    let spare = [0xC5, 0x7E, 0xAD, 0x00, 0x40, 0x02];
    let thingy = [0xE9, 0x7B, 0x00, 0x00, 0x40, 0x03];
    let w = world(
        "main",
        vec![
            SimSensor::new(Family::Steady, back, 0),
            SimSensor::new(Family::Steady, spare, 1),
            SimSensor::new(Family::Thingy52, thingy, 2),
        ],
    );
    w.steady(&["patient", "add", "P1", "--height-m", "1.70"]);
    w.register(back, "lower-back");
    let daemon = w.spawn_daemon();
    let t0 = Instant::now();

    // The registered sensor streams at about its nominal 100 Hz, with its facts listed.
    let s = w.until("registered sensor streaming near 100 Hz", 20, |s| {
        streaming_near(sensor(s, back), 100.0)
    });
    eprintln!("streaming after {:.1} s", t0.elapsed().as_secs_f64());
    assert_eq!(s["source"], "ble");
    let b = sensor(&s, back).unwrap();
    assert_eq!(b["placement"], "lower_back");
    assert_eq!(b["vendor"], "steady");
    assert_eq!(b["nominal_rate_hz"], 100.0);
    assert_eq!(s["sensors"].as_array().unwrap().len(), 1, "{s}");

    // Nearby: the two unregistered IMUs, never connected.
    let s = w.until("nearby sensors listed", 10, |s| {
        nearby(s, spare).is_some() && nearby(s, thingy).is_some()
    });
    assert_eq!(nearby(&s, spare).unwrap()["vendor"], "steady");
    assert_eq!(nearby(&s, thingy).unwrap()["vendor"], "thingy52");
    assert!(nearby(&s, back).is_none(), "registered is not nearby: {s}");
    assert_eq!(w.fake.log(spare).unwrap().connects, 0);
    assert_eq!(w.fake.log(thingy).unwrap().connects, 0);
    // Clock sync and battery (steady answers 77 % on its status characteristic).
    let s = w.until("clock offset and battery", 10, |s| {
        sensor(s, back).is_some_and(|b| b["clock_offset_ms"].is_number() && b["battery_pct"] == 77)
    });
    let clock = sensor(&s, back).unwrap()["clock_offset_ms"]
        .as_f64()
        .unwrap();
    assert!(clock.is_finite(), "{clock}");

    // A session: the stored samples match the rate × the recorded time.
    let v = w.request(json!({"cmd": "session_start", "patient": "P1"}));
    assert_eq!(v["ok"], true, "{v}");
    let id = v["session"].as_i64().unwrap();
    let started = Instant::now();
    std::thread::sleep(Duration::from_secs(3));
    let v = w.request(json!({"cmd": "session_stop"}));
    let dur_s = started.elapsed().as_secs_f64();
    assert_eq!(v["ok"], true, "{v}");
    let store = steady_store::Store::open(&w.data).unwrap();
    let info = store.session(id).unwrap();
    assert_eq!(info.sensors.len(), 1, "{:?}", info.sensors);
    assert_eq!(info.sensors[0].placement, Placement::LowerBack);
    assert!(
        info.sensors[0]
            .device
            .as_deref()
            .is_some_and(|d| d.contains(&addr(back))),
        "{:?}",
        info.sensors[0]
    );
    let data = store.samples(id).unwrap();
    assert_eq!(data.len(), 1);
    let n = data[0].samples.len() as f64;
    eprintln!("session {id}: {n} samples in {dur_s:.2} s");
    assert_eq!(v["samples"].as_f64(), Some(n));
    assert!(
        n >= 0.85 * 100.0 * dur_s && n <= 1.02 * 100.0 * dur_s,
        "{n} samples in {dur_s:.2} s"
    );
    assert!(data[0].samples.windows(2).all(|p| p[1].t > p[0].t));
    assert!(data[0].samples[0].t.0 >= 0);
    drop(store);

    // Identify: steady's identify command reaches the sensor; a Thingy says it cannot.
    let v = w.request(json!({"cmd": "sensor_identify", "address": addr(back)}));
    assert_eq!(v["ok"], true, "{v}");
    let identify = w.fake.log(back).unwrap().writes.iter().any(|wr| {
        CommandFrame::decode(&wr.value)
            .is_ok_and(|f| f.command == SteadyCommand::Identify { duration_s: 5 })
    });
    assert!(identify, "no identify command written");
    let v = w.request(json!({"cmd": "sensor_identify", "address": addr(thingy)}));
    assert_eq!(v["ok"], false);
    assert!(v["error"].as_str().unwrap().contains("no identify"), "{v}");
    assert_eq!(w.fake.log(thingy).unwrap().connects, 0);

    // Assign: a placement held by the registered sensor is refused; a free one registers
    // the spare and connects it.
    let v = w.request(
        json!({"cmd": "sensor_assign", "address": addr(spare), "placement": "lower_back"}),
    );
    assert_eq!(v["ok"], false);
    assert!(
        v["error"].as_str().unwrap().contains("already taken"),
        "{v}"
    );
    assert_eq!(w.fake.log(spare).unwrap().connects, 0);
    let v = w.request(
        json!({"cmd": "sensor_assign", "address": addr(spare), "placement": "left-shank"}),
    );
    assert_eq!(v["ok"], true, "{v}");
    let s = w.until("assigned sensor streaming", 20, |s| {
        streaming_near(sensor(s, spare), 100.0)
    });
    assert_eq!(sensor(&s, spare).unwrap()["placement"], "left_shank");
    assert!(nearby(&s, spare).is_none(), "{s}");
    assert!(w.fake.log(spare).unwrap().connects >= 1);
    let registry = std::fs::read_to_string(w.data.join("sensors.json")).unwrap();
    assert!(
        registry.contains(&addr(spare)) && registry.contains("left_shank"),
        "{registry}"
    );
    // Still never the Thingy.
    assert_eq!(w.fake.log(thingy).unwrap().connects, 0);

    // Reassigning changes the placement.
    let v = w.request(
        json!({"cmd": "sensor_assign", "address": addr(spare), "placement": "right_shank"}),
    );
    assert_eq!(v["ok"], true, "{v}");
    let s = w.until("reassigned sensor streaming", 20, |s| {
        sensor(s, spare).is_some_and(|x| x["placement"] == "right_shank")
            && streaming_near(sensor(s, spare), 100.0)
    });
    assert_eq!(s["sensors"].as_array().unwrap().len(), 2, "{s}");

    // Link loss during a session: the manager notices, reconnects, and streams again; the
    // session keeps the outage as a gap. No assigning while a session records.
    let v = w.request(json!({"cmd": "session_start", "patient": "P1"}));
    assert_eq!(v["ok"], true, "{v}");
    let id2 = v["session"].as_i64().unwrap();
    let v = w
        .request(json!({"cmd": "sensor_assign", "address": addr(spare), "placement": "left_foot"}));
    assert!(
        v["error"].as_str().unwrap().contains("being recorded"),
        "{v}"
    );
    std::thread::sleep(Duration::from_millis(500));
    w.fake.drop_link(back, Duration::from_secs(1)).unwrap();
    w.until("link loss noticed", 15, |s| {
        sensor(s, back).is_some_and(|b| b["state"] != "streaming")
    });
    let s = w.until("streaming again after the link loss", 30, |s| {
        sensor(s, back)
            .is_some_and(|b| b["state"] == "streaming" && b["links_lost"].as_u64() >= Some(1))
    });
    let b = sensor(&s, back).unwrap();
    eprintln!("reconnected: {b}");
    // The outage is an explicit gap with its lost samples counted.
    let gaps = b["gaps"].as_array().unwrap();
    assert!(
        gaps.iter().any(|g| g["lost_samples"].as_u64() > Some(10)),
        "{b}"
    );

    std::thread::sleep(Duration::from_millis(500));
    let v = w.request(json!({"cmd": "session_stop"}));
    assert_eq!(v["ok"], true, "{v}");
    let store = steady_store::Store::open(&w.data).unwrap();
    let data = store.samples(id2).unwrap();
    let back_data = data
        .iter()
        .find(|d| d.placement == Placement::LowerBack)
        .expect("lower back recorded");
    assert!(
        back_data.gaps.iter().any(|g| g.lost_samples > 10),
        "{:?}",
        back_data.gaps
    );
    assert!(data.iter().any(|d| d.placement == Placement::RightShank));
    drop(store);

    stop(&w, daemon);
    assert!(
        !w.fake.is_connected(back).unwrap(),
        "disconnected at the end"
    );
    assert!(
        !w.fake.is_connected(spare).unwrap(),
        "disconnected at the end"
    );
    let _ = std::fs::remove_dir_all(&w.data);
}

#[test]
fn daemon_without_registered_sensors_runs_and_says_so() {
    let spare = [0xC5, 0x7E, 0xAD, 0x00, 0x41, 0x01];
    let w = world("empty", vec![SimSensor::new(Family::Steady, spare, 0)]);
    w.steady(&["patient", "add", "P2"]);
    let daemon = w.spawn_daemon();
    let s = w.status();
    assert!(
        s["notice"]
            .as_str()
            .is_some_and(|n| n.contains("no sensors registered")),
        "{s}"
    );
    assert_eq!(s["sensors"], json!([]));
    let v = w.request(json!({"cmd": "session_start", "patient": "P2"}));
    assert_eq!(v["ok"], false);
    assert!(v["error"].as_str().unwrap().contains("assign one"), "{v}");
    // The sensor nearby can be found and assigned from here.
    w.until("nearby listed", 10, |s| nearby(s, spare).is_some());
    let v = w.request(json!({"cmd": "sensors_nearby"}));
    assert_eq!(v["nearby"][0]["address"], addr(spare), "{v}");
    assert_eq!(w.fake.log(spare).unwrap().connects, 0);
    let v = w.request(
        json!({"cmd": "sensor_assign", "address": addr(spare), "placement": "lower_back"}),
    );
    assert_eq!(v["ok"], true, "{v}");
    let s = w.until("assigned sensor streaming", 20, |s| {
        streaming_near(sensor(s, spare), 100.0)
    });
    assert!(s["notice"].is_null(), "{s}");
    stop(&w, daemon);
    let _ = std::fs::remove_dir_all(&w.data);
}

/// Whether `log` holds a write of DOT's identify (device control 15171002, visit bit 0 and
/// the identifying field set: spec XD0506P rev C table 7, sensors.md §2.4).
fn dot_identify_written(log: &steady_fake_bluez::DeviceLog) -> bool {
    log.writes.iter().any(|wr| {
        wr.uuid == steady_protocol::vendors::dot::DEVICE_CONTROL_UUID
            && wr.value.len() == 32
            && wr.value[..2] == [0x01, 0x01]
            && wr.value[2..].iter().all(|b| *b == 0)
    })
}

fn steady_identify_written(log: &steady_fake_bluez::DeviceLog) -> usize {
    log.writes
        .iter()
        .filter(|wr| {
            CommandFrame::decode(&wr.value)
                .is_ok_and(|f| f.command == SteadyCommand::Identify { duration_s: 5 })
        })
        .count()
}

#[test]
fn daemon_follows_sensors_json_while_it_runs() {
    let back = [0xC5, 0x7E, 0xAD, 0x00, 0x42, 0x01];
    let shank = [0xC5, 0x7E, 0xAD, 0x00, 0x42, 0x02];
    let w = world(
        "follow",
        vec![
            SimSensor::new(Family::Steady, back, 0),
            SimSensor::new(Family::Steady, shank, 1),
        ],
    );
    w.steady(&["patient", "add", "P3"]);
    w.register(back, "lower-back");
    let daemon = w.spawn_daemon();
    w.until("registered sensor streaming", 20, |s| {
        streaming_near(sensor(s, back), 100.0)
    });

    // `steady sensors add` while the daemon runs: the daemon picks the file up and connects.
    let t0 = Instant::now();
    w.register(shank, "left-shank");
    let s = w.until("sensor added to sensors.json streaming", 20, |s| {
        streaming_near(sensor(s, shank), 100.0)
    });
    eprintln!(
        "added sensor streaming {:.1} s after `sensors add`",
        t0.elapsed().as_secs_f64()
    );
    assert_eq!(sensor(&s, shank).unwrap()["placement"], "left_shank");
    assert!(nearby(&s, shank).is_none(), "{s}");

    // A malformed registry keeps the current sensors and says why; fixing it clears that.
    let good = std::fs::read(w.data.join("sensors.json")).unwrap();
    std::fs::write(w.data.join("sensors.json"), b"{ \"devices\": [ oops").unwrap();
    let s = w.until("notice about the corrupt registry", 10, |s| {
        s["notice"].as_str().is_some_and(|n| n.contains("corrupt"))
    });
    assert!(
        s["notice"].as_str().unwrap().contains("keeping the 2"),
        "{s}"
    );
    assert_eq!(s["sensors"].as_array().unwrap().len(), 2, "{s}");
    let tmp = w.data.join("sensors.json.fix");
    std::fs::write(&tmp, &good).unwrap();
    std::fs::rename(&tmp, w.data.join("sensors.json")).unwrap();
    w.until("notice cleared after the fix", 10, |s| {
        s["notice"].is_null()
    });

    // While a session records, a registry change (the CLI) waits until the session stops:
    // the recording keeps both sensors to its end.
    let v = w.request(json!({"cmd": "session_start", "patient": "P3"}));
    assert_eq!(v["ok"], true, "{v}");
    let id = v["session"].as_i64().unwrap();
    let out = w.steady(&["sensors", "remove", &addr(shank)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("applies this when session {id} stops")),
        "the CLI says what the daemon does: {err}"
    );
    let s = w.until("the change waits for the session", 10, |s| {
        s["notice"]
            .as_str()
            .is_some_and(|n| n.contains(&format!("when session {id} stops")))
    });
    assert!(streaming_near(sensor(&s, shank), 100.0), "{s}");
    std::thread::sleep(Duration::from_millis(500));
    let v = w.request(json!({"cmd": "session_stop"}));
    assert_eq!(v["ok"], true, "{v}");
    let store = steady_store::Store::open(&w.data).unwrap();
    let data = store.samples(id).unwrap();
    let shank_data = data
        .iter()
        .find(|d| d.placement == Placement::LeftShank)
        .expect("recorded");
    let last_s = shank_data.samples.last().unwrap().t.0 as f64 * 1e-6;
    let back_last_s = data
        .iter()
        .find(|d| d.placement == Placement::LowerBack)
        .and_then(|d| d.samples.last())
        .unwrap()
        .t
        .0 as f64
        * 1e-6;
    assert!(
        back_last_s - last_s < 0.5,
        "the shank recorded to the end: {last_s} s vs {back_last_s} s"
    );
    drop(store);
    // After the stop the deferred removal applies: disconnected, nearby again.
    let s = w.until("deferred removal applied", 10, |s| {
        sensor(s, shank).is_none() && nearby(s, shank).is_some() && s["notice"].is_null()
    });
    assert_eq!(s["sensors"].as_array().unwrap().len(), 1, "{s}");
    assert!(!w.fake.is_connected(shank).unwrap());

    stop(&w, daemon);
    let _ = std::fs::remove_dir_all(&w.data);
}

#[test]
fn daemon_removes_a_sensor_on_request_and_identifies_a_dot() {
    let back = [0xC5, 0x7E, 0xAD, 0x00, 0x43, 0x01];
    let dot = [0xD4, 0x22, 0xCD, 0x00, 0x43, 0x02];
    let w = world(
        "remove",
        vec![
            SimSensor::new(Family::Steady, back, 0),
            SimSensor::new(Family::MovellaDot, dot, 1),
        ],
    );
    w.steady(&["patient", "add", "P4"]);
    w.register(back, "lower-back");
    let daemon = w.spawn_daemon();
    w.until("registered sensor streaming", 20, |s| {
        streaming_near(sensor(s, back), 100.0)
    });

    // `steady sensors identify` on a sensor the daemon streams: the command goes on the
    // daemon's link, which stays up.
    let before = steady_identify_written(&w.fake.log(back).unwrap());
    let connects = w.fake.log(back).unwrap().connects;
    let out = w.steady(&["sensors", "identify", &addr(back)]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("existing connection"), "{text}");
    assert_eq!(
        steady_identify_written(&w.fake.log(back).unwrap()),
        before + 1
    );
    assert_eq!(w.fake.log(back).unwrap().connects, connects, "no new link");
    assert!(w.fake.is_connected(back).unwrap());

    // Removing a sensor of the session being recorded is refused.
    let v = w.request(json!({"cmd": "session_start", "patient": "P4"}));
    assert_eq!(v["ok"], true, "{v}");
    let id = v["session"].as_i64().unwrap();
    let v = w.request(json!({"cmd": "sensor_remove", "address": addr(back)}));
    assert_eq!(v["ok"], false, "{v}");
    let e = v["error"].as_str().unwrap();
    assert!(
        e.contains("being recorded") && e.contains(&format!("session {id}")),
        "{v}"
    );
    assert!(streaming_near(sensor(&w.status(), back), 100.0));
    let v = w.request(json!({"cmd": "session_stop"}));
    assert_eq!(v["ok"], true, "{v}");

    // sensor_remove: unregistered (the file), disconnected, nearby again; twice is an error.
    let v = w.request(json!({"cmd": "sensor_remove", "address": addr(back)}));
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["placement"], "lower_back", "{v}");
    let s = w.status();
    assert!(sensor(&s, back).is_none(), "{s}");
    assert!(nearby(&s, back).is_some(), "{s}");
    assert!(!w.fake.is_connected(back).unwrap());
    let registry = std::fs::read_to_string(w.data.join("sensors.json")).unwrap();
    assert!(!registry.contains(&addr(back)), "{registry}");
    let v = w.request(json!({"cmd": "sensor_remove", "address": addr(back)}));
    assert!(
        v["error"].as_str().unwrap().contains("not registered"),
        "{v}"
    );
    let v = w.request(json!({"cmd": "sensor_remove", "address": "nope"}));
    assert!(v["error"].as_str().unwrap().contains("bad address"), "{v}");

    // A nearby Movella DOT identifies by its device control characteristic, connected for
    // the command only.
    w.until("DOT nearby", 10, |s| nearby(s, dot).is_some());
    let v = w.request(json!({"cmd": "sensor_identify", "address": addr(dot)}));
    assert_eq!(v["ok"], true, "{v}");
    assert!(v["note"].as_str().unwrap().contains("10 s"), "{v}");
    let log = w.fake.log(dot).unwrap();
    assert!(dot_identify_written(&log), "{:?}", log.writes);
    assert_eq!(log.connects, 1);
    assert!(!w.fake.is_connected(dot).unwrap());

    // It stays unregistered: no new link after a registry check and more scans.
    let connects = w.fake.log(back).unwrap().connects;
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(w.fake.log(back).unwrap().connects, connects);
    assert!(sensor(&w.status(), back).is_none());

    stop(&w, daemon);
    let _ = std::fs::remove_dir_all(&w.data);
}

#[test]
fn daemon_starts_on_a_malformed_registry_and_follows_its_fix() {
    let back = [0xC5, 0x7E, 0xAD, 0x00, 0x44, 0x01];
    let w = world("corrupt", vec![SimSensor::new(Family::Steady, back, 0)]);
    std::fs::create_dir_all(&w.data).unwrap();
    std::fs::write(w.data.join("sensors.json"), b"not json").unwrap();
    let daemon = w.spawn_daemon();
    let s = w.status();
    assert!(
        s["notice"]
            .as_str()
            .is_some_and(|n| n.contains("corrupt") && n.contains("until the file is fixed")),
        "{s}"
    );
    assert_eq!(s["sensors"], json!([]));
    // Fixed by the CLI (which replaces the file atomically): the sensor connects.
    std::fs::remove_file(w.data.join("sensors.json")).unwrap();
    let out = w.register(back, "lower-back");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("within a few seconds"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = w.until("streaming after the fix", 20, |s| {
        streaming_near(sensor(s, back), 100.0)
    });
    assert!(s["notice"].is_null(), "{s}");
    stop(&w, daemon);
    let _ = std::fs::remove_dir_all(&w.data);
}

/// One tick's gait events, as `(kind, side, t_s)`.
fn tick_events(tick: &Value) -> Vec<(String, String, f64)> {
    tick["recent_events"]
        .as_array()
        .map(|es| {
            es.iter()
                .filter_map(|e| {
                    Some((
                        e["kind"].as_str()?.to_string(),
                        e["side"].as_str()?.to_string(),
                        e["t_s"].as_f64()?,
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    (!v.is_empty()).then(|| v[v.len() / 2])
}

#[test]
fn daemon_reports_live_gait_metrics_of_the_simulated_walk() {
    // Indices 0, 1, 2 drive the fake firmware with the simulator's lower-back, left-shank
    // and right-shank sensors (SensorConfig::default's order), walking WalkParams::default()
    // (crates/fake-bluez/src/firmware/mod.rs): that walk is the ground truth here.
    let back = [0xC5, 0x7E, 0xAD, 0x00, 0x45, 0x01];
    let left = [0xC5, 0x7E, 0xAD, 0x00, 0x45, 0x02];
    let right = [0xC5, 0x7E, 0xAD, 0x00, 0x45, 0x03];
    let truth = steady_sim::WalkParams::default();
    let stride_s = truth.stride_time_s();
    let stance_s = [
        truth.stance_fraction[0] * stride_s,
        truth.stance_fraction[1] * stride_s,
    ];
    let w = world(
        "gait",
        vec![
            SimSensor::new(Family::Steady, back, 0),
            SimSensor::new(Family::Steady, left, 1),
            SimSensor::new(Family::Steady, right, 2),
        ],
    );
    w.steady(&["patient", "add", "P5"]);
    for (a, placement) in [
        (back, "lower-back"),
        (left, "left-shank"),
        (right, "right-shank"),
    ] {
        w.register(a, placement);
    }
    let daemon = w.spawn_daemon();
    let t0 = Instant::now();
    w.until("all three sensors streaming", 20, |s| {
        [back, left, right]
            .iter()
            .all(|&a| streaming_near(sensor(s, a), 100.0))
    });
    eprintln!("all streaming after {:.1} s", t0.elapsed().as_secs_f64());

    // Follow the ticks (once a second) until enough strides of both legs are reported,
    // collecting the events they carry (each tick holds the most recent ones).
    let mut sub = UnixStream::connect(w.data.join("steady.sock")).unwrap();
    sub.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    writeln!(sub, r#"{{"cmd":"subscribe"}}"#).unwrap();
    let mut lines = BufReader::new(sub.try_clone().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(first["ok"], true, "{first}");
    let mut events: Vec<(String, String, f64)> = Vec::new();
    let contacts = |events: &[(String, String, f64)], side: &str| -> Vec<f64> {
        events
            .iter()
            .filter(|e| e.0 == "initial_contact" && e.1 == side)
            .map(|e| e.2)
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let metrics = loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("subscription closed: {}", w.log()))
            .unwrap_or_else(|e| panic!("no tick: {e}\n{}", w.log()));
        let tick: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(tick["type"], "tick", "{tick}");
        for e in tick_events(&tick) {
            if !events
                .iter()
                .any(|x| x.0 == e.0 && x.1 == e.1 && (x.2 - e.2).abs() < 1e-6)
            {
                events.push(e);
            }
        }
        let m = tick["status"]["metrics"].clone();
        let enough = m["n_strides"].as_u64() >= Some(10)
            && m["cadence_spm"].is_number()
            && m["stance_s"][0].is_number()
            && m["stance_s"][1].is_number()
            && contacts(&events, "left").len() >= 5
            && contacts(&events, "right").len() >= 5;
        if enough {
            break m;
        }
        assert!(
            Instant::now() < deadline,
            "live metrics not within 30 s of streaming: {m}\nevents {events:?}\ndaemon log:\n{}",
            w.log()
        );
    };
    drop(lines);
    drop(sub);
    eprintln!(
        "metrics after {:.1} s: {metrics}",
        t0.elapsed().as_secs_f64()
    );

    // Cadence from the strides: within ±10 % of the walk's (a missed or doubled event moves
    // a stride by half or double, far outside).
    let cadence = metrics["cadence_spm"].as_f64().unwrap();
    eprintln!("cadence {cadence:.1} spm vs truth {:.1}", truth.cadence_spm);
    assert!(
        (cadence - truth.cadence_spm).abs() <= 0.1 * truth.cadence_spm,
        "cadence {cadence} vs {}",
        truth.cadence_spm
    );

    // Per leg: stride time from consecutive initial contacts of that side, and stance.
    for (i, side) in ["left", "right"].into_iter().enumerate() {
        let ic = contacts(&events, side);
        let strides: Vec<f64> = ic
            .windows(2)
            .map(|p| p[1] - p[0])
            .filter(|d| *d > 0.0)
            .collect();
        let stride = median(strides.clone()).unwrap();
        eprintln!("{side}: stride {stride:.3} s vs truth {stride_s:.3} s ({strides:.3?})");
        assert!(
            (stride - stride_s).abs() <= 0.1 * stride_s,
            "{side} stride {stride} vs {stride_s}: {strides:?}"
        );
        // No missed or doubled contacts among the collected ones.
        assert!(
            strides
                .iter()
                .all(|d| (d - stride_s).abs() <= 0.25 * stride_s),
            "{side}: {strides:?}"
        );
        // Stance within ±15 %: shank-detected contacts sit some tens of ms off the true ones
        // (a missed or doubled event would move it by far more than that).
        let stance = metrics["stance_s"][i].as_f64().unwrap();
        eprintln!("{side}: stance {stance:.3} s vs truth {:.3} s", stance_s[i]);
        assert!(
            (stance - stance_s[i]).abs() <= 0.15 * stance_s[i],
            "{side} stance {stance} vs {}",
            stance_s[i]
        );
    }

    // The legs alternate: a right contact falls about half a stride after a left one (the
    // three sensors show one body on the daemon's clock-synced timeline). The walk is
    // symmetric, so a left/right swap is not visible here.
    let l = contacts(&events, "left");
    let r = contacts(&events, "right");
    let phases: Vec<f64> = l
        .iter()
        .filter_map(|&t| r.iter().find(|&&x| x > t).map(|x| (x - t) / stride_s))
        .collect();
    let phase = median(phases.clone()).unwrap();
    eprintln!("right contact {phase:.2} strides after left (truth 0.5): {phases:.2?}");
    assert!((phase - 0.5).abs() <= 0.1, "{phases:?}");

    stop(&w, daemon);
    let _ = std::fs::remove_dir_all(&w.data);
}
