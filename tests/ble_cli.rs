//! The `steady` binary's BLE commands end to end against the simulated BlueZ
//! (`steady-fake-bluez`): `steady sensors scan` (text and `--json`), `sensors add` / `list`,
//! `steady record` from the registered sensors, then `steady analyze` of that folder.
//!
//! Which bus the binary uses: btleplug reaches BlueZ through libdbus's *system* bus, whose
//! address libdbus takes from `DBUS_SYSTEM_BUS_ADDRESS` (shared/research/ble-testing.md §1).
//! Every test starts its own private `dbus-daemon` and fake, and runs the binary with that
//! variable pointing at it, so the real system bus (and a real bluetoothd) is never touched.
//! This test process itself only talks to its private buses by address. Without
//! `dbus-daemon` the tests fail saying so (CI installs it in `.ci/install-deps`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use steady_core::Placement;
use steady_fake_bluez::{FakeBluez, Family, PrivateBus, SimSensor, SYSTEM_BUS_ENV};

/// A private bus with the fake BlueZ on it, serving `devices`.
struct World {
    bus: PrivateBus,
    fake: FakeBluez,
}

fn world(devices: Vec<SimSensor>) -> World {
    let bus = PrivateBus::start().unwrap_or_else(|e| panic!("cannot run BLE tests: {e}"));
    let fake = FakeBluez::start(bus.address()).expect("fake BlueZ owns org.bluez");
    for d in devices {
        fake.add(d);
    }
    World { bus, fake }
}

impl World {
    /// Runs `steady args…` on this world's bus; asserts success.
    fn steady(&self, args: &[&str]) -> Output {
        let out = Command::new(env!("CARGO_BIN_EXE_steady"))
            .args(args)
            .env(SYSTEM_BUS_ENV, self.bus.address())
            .env_remove("STEADY_DATA_DIR")
            .output()
            .expect("run steady");
        assert!(
            out.status.success(),
            "steady {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }
}

impl World {
    /// Runs `steady args…` on this world's bus; asserts failure and returns stderr.
    fn steady_fails(&self, args: &[&str]) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_steady"))
            .args(args)
            .env(SYSTEM_BUS_ENV, self.bus.address())
            .env_remove("STEADY_DATA_DIR")
            .output()
            .expect("run steady");
        assert!(!out.status.success(), "steady {args:?} succeeded");
        text(&out.stderr)
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("steady-ble-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `AA:BB:…` as steady prints addresses.
fn addr(a: [u8; 6]) -> String {
    a.map(|b| format!("{b:02X}")).join(":")
}

#[test]
fn sensors_scan_lists_nearby_imus_with_vendor_rssi_and_battery() {
    let steady = [0xC5, 0x7E, 0xAD, 0x00, 0x20, 0x01];
    let wit = [0xE1, 0x0A, 0x00, 0x00, 0x20, 0x02];
    let dot = [0xD4, 0x22, 0xCD, 0x00, 0x20, 0x03];
    let meta = [0xF1, 0x3A, 0x00, 0x00, 0x20, 0x04];
    let polar = [0xA0, 0x9E, 0x1A, 0xB5, 0x20, 0x05];
    let thingy = [0xE9, 0x7B, 0x00, 0x00, 0x20, 0x06];
    let buds = [0x5C, 0x00, 0x00, 0x00, 0x20, 0x07];
    let w = world(vec![
        SimSensor::new(Family::Steady, steady, 0),
        SimSensor::new(Family::WitMotion, wit, 1),
        SimSensor::new(Family::MovellaDot, dot, 2),
        SimSensor::new(Family::MetaWear, meta, 0),
        SimSensor::new(Family::PolarVeritySense, polar, 1),
        SimSensor::new(Family::Thingy52, thingy, 2),
        SimSensor::stranger(buds, "Galaxy Buds"),
    ]);
    let data = temp_dir("scan");
    let d = data.to_str().unwrap();

    // --json: one object per recognised device. Battery where one read gives it: Battery
    // Service (Polar 91 %, Thingy 64 %) or DOT's own battery characteristic (`55 00` = 85 %,
    // sensors.md §2.4); the others answer only a command, which a scan does not send.
    let out = w.steady(&[
        "sensors",
        "--data-dir",
        d,
        "scan",
        "--timeout",
        "1s",
        "--json",
    ]);
    let rows: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let want = [
        (steady, "steady", None),
        (wit, "witmotion", None),
        (dot, "movella_dot", Some(85)),
        (meta, "metawear", None),
        (polar, "polar_verity_sense", Some(91)),
        (thingy, "thingy52", Some(64)),
    ];
    assert_eq!(rows.len(), want.len(), "{rows:?}");
    for (a, vendor, battery) in want {
        let r = rows
            .iter()
            .find(|r| r["address"] == addr(a))
            .unwrap_or_else(|| panic!("{} missing: {rows:?}", addr(a)));
        assert_eq!(r["vendor"], vendor, "{r}");
        assert_eq!(r["rssi_dbm"], -58, "{r}");
        assert_eq!(r["battery_pct"].as_u64(), battery, "{r}");
        assert!(r["name"].is_string(), "{r}");
    }
    let by = |a: [u8; 6]| rows.iter().find(|r| r["address"] == addr(a)).unwrap();
    assert_eq!(by(dot)["name"], "Movella DOT");
    assert_eq!(by(steady)["name"], "steady-2001");
    assert!(
        !text(&out.stdout).contains(&addr(buds)),
        "a stranger is never listed"
    );

    // The readable table: one line per device with the same facts.
    let out = w.steady(&[
        "sensors",
        "--data-dir",
        d,
        "scan",
        "--timeout",
        "1s",
        "--no-battery",
    ]);
    let table = text(&out.stdout);
    assert_eq!(table.lines().count(), 6, "{table}");
    let line = table
        .lines()
        .find(|l| l.contains(&addr(thingy)))
        .expect("thingy line");
    assert!(
        line.contains("thingy52") && line.contains("Thingy"),
        "{line}"
    );
    assert!(
        line.contains("rssi  -58") && line.contains("battery ?"),
        "{line}"
    );

    // Scanning (with battery reads) connected only to IMUs, each once, and never to the buds.
    assert_eq!(w.fake.log(buds).unwrap().connects, 0);
    assert_eq!(w.fake.log(polar).unwrap().connects, 1);
    assert!(
        w.fake.log(thingy).unwrap().writes.is_empty(),
        "a scan configures nothing"
    );
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn record_takes_only_registered_sensors_and_analyze_reads_the_folder() {
    let back = [0xC5, 0x7E, 0xAD, 0x00, 0x30, 0x01];
    let shank = [0xE1, 0x0A, 0x00, 0x00, 0x30, 0x02];
    // Another patient's sensor in the waiting room: a supported IMU, streaming if asked.
    let other = [0xE9, 0x7B, 0x00, 0x00, 0x30, 0x03];
    let w = world(vec![
        SimSensor::new(Family::Steady, back, 0),
        SimSensor::new(Family::WitMotion, shank, 1),
        SimSensor::new(Family::Thingy52, other, 2),
    ]);
    let data = temp_dir("record-data");
    let rec = temp_dir("record-out");
    let (d, r) = (data.to_str().unwrap(), rec.to_str().unwrap());

    // Register two of the three, recognised by a scan (no --vendor).
    for (a, placement, vendor) in [
        (back, "lower-back", "steady"),
        (shank, "left-shank", "witmotion"),
    ] {
        let out = w.steady(&[
            "sensors",
            "--data-dir",
            d,
            "add",
            &addr(a),
            "--placement",
            placement,
            "--timeout",
            "1s",
        ]);
        assert!(text(&out.stdout).contains(vendor), "{}", text(&out.stdout));
    }
    let list = text(
        &w.steady(&["sensors", "--data-dir", d, "list", "--json"])
            .stdout,
    );
    assert_eq!(list.lines().count(), 2, "{list}");

    let out = w.steady(&[
        "record",
        "--data-dir",
        d,
        "--duration",
        "4s",
        "--out",
        r,
        "--find-timeout",
        "3s",
    ]);
    let err = text(&out.stderr);

    // The live per-sensor line (once a second): state, rate, loss, battery. steady's battery
    // is answered on its status characteristic (77 %), WitMotion's register 0x64 reads
    // 3.90 V = 75 % on the vendor table (sensors.md §1.3).
    let live: Vec<&str> = err.lines().filter(|l| l.starts_with("t=")).collect();
    assert!(live.len() >= 3, "{err}");
    let last = live[live.len() - 1];
    for part in [
        "lower_back streaming",
        "left_shank streaming",
        "battery 77%",
        "battery 75%",
        "loss 0.0%",
    ] {
        assert!(last.contains(part), "`{part}` not in `{last}`");
    }
    // Rates: "<measured>/<nominal> Hz", both sensors at about 100 Hz by the end.
    for seg in last.split(" | ").skip(1) {
        let rate = seg
            .split_whitespace()
            .find(|x| x.ends_with("/100"))
            .unwrap_or_else(|| panic!("no rate in `{seg}`"));
        let hz: f64 = rate.trim_end_matches("/100").parse().unwrap();
        assert!((90.0..=110.0).contains(&hz), "{seg}");
    }

    // The folder: the two registered sensors only; the stranger was never connected.
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(rec.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["complete"], true);
    let placements: Vec<&String> = meta["sensors"].as_object().unwrap().keys().collect();
    assert_eq!(placements, ["left_shank", "lower_back"]);
    assert_eq!(meta["sensors"]["lower_back"]["vendor"], "steady");
    assert_eq!(meta["sensors"]["left_shank"]["address"], addr(shank));
    assert!(!meta.to_string().contains(&addr(other)));
    let mut files: Vec<String> = std::fs::read_dir(&rec)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csv"))
        .collect();
    files.sort();
    assert_eq!(files, ["imu_left_shank.csv", "imu_lower_back.csv"]);
    assert_eq!(w.fake.log(other).unwrap().connects, 0);
    assert!(
        !w.fake.is_connected(back).unwrap(),
        "disconnected at the end"
    );

    let recording = steady_recording::read_recording(Path::new(&rec)).expect("readable");
    for p in [Placement::LowerBack, Placement::LeftShank] {
        let s = recording.sensor(p).expect("sensor file");
        // 4 s at 100 Hz less the connection set-up.
        assert!(s.samples.len() >= 250, "{p}: {}", s.samples.len());
        assert_eq!(
            meta["completeness"][p.as_str()]["received"].as_u64(),
            Some(s.samples.len() as u64)
        );
        assert_eq!(meta["completeness"][p.as_str()]["lost"].as_u64(), Some(0));
        assert!(s.samples.windows(2).all(|w| w[1].t > w[0].t));
        // The simulated walk: specific force around gravity on average, in m/s².
        let mean: f64 = s
            .samples
            .iter()
            .map(|x| x.acc_mps2.iter().map(|a| a * a).sum::<f64>().sqrt())
            .sum::<f64>()
            / s.samples.len() as f64;
        assert!((7.0..14.0).contains(&mean), "{p}: mean |acc| {mean}");
    }

    // `steady analyze` reads the folder.
    let out = w.steady(&["analyze", r, "--json"]);
    let a: serde_json::Value = serde_json::from_slice(&out.stdout).expect("analyze JSON");
    assert!(a["summary"].is_object(), "{a}");
    assert!(a["events"].is_array(), "{a}");
    let _ = std::fs::remove_dir_all(&data);
    let _ = std::fs::remove_dir_all(&rec);
}

#[test]
fn sensors_identify_sends_the_family_command_or_says_there_is_none() {
    let steady = [0xC5, 0x7E, 0xAD, 0x00, 0x50, 0x01];
    let dot = [0xD4, 0x22, 0xCD, 0x00, 0x50, 0x02];
    let wit = [0xE1, 0x0A, 0x00, 0x00, 0x50, 0x03];
    let w = world(vec![
        SimSensor::new(Family::Steady, steady, 0),
        SimSensor::new(Family::MovellaDot, dot, 1),
        SimSensor::new(Family::WitMotion, wit, 2),
    ]);
    let data = temp_dir("identify");
    let d = data.to_str().unwrap();
    w.steady(&[
        "sensors",
        "--data-dir",
        d,
        "add",
        &addr(steady),
        "--placement",
        "lower-back",
        "--vendor",
        "steady",
    ]);

    // steady: its identify command (0x05, 5 s) on a link made for it, then released.
    let out = w.steady(&["sensors", "--data-dir", d, "identify", &addr(steady)]);
    let line = text(&out.stdout);
    assert!(
        line.contains("lower_back") && line.contains("5 s"),
        "{line}"
    );
    let log = w.fake.log(steady).unwrap();
    let frames: Vec<_> = log
        .writes
        .iter()
        .filter_map(|wr| steady_protocol::CommandFrame::decode(&wr.value).ok())
        .collect();
    assert_eq!(frames.len(), 1, "{:?}", log.writes);
    assert_eq!(
        frames[0].command,
        steady_protocol::Command::Identify { duration_s: 5 }
    );
    assert_eq!(log.connects, 1);
    assert!(!w.fake.is_connected(steady).unwrap(), "released afterwards");

    // A nearby (unregistered) Movella DOT, recognised by its advertisement: device control
    // 15171002 with visit bit 0 and identifying = 0x01, nothing else (spec XD0506P table 7).
    let out = w.steady(&["sensors", "--data-dir", d, "identify", &addr(dot)]);
    assert!(text(&out.stdout).contains("10 s"), "{}", text(&out.stdout));
    let log = w.fake.log(dot).unwrap();
    assert_eq!(log.writes.len(), 1, "{:?}", log.writes);
    let wr = &log.writes[0];
    assert_eq!(wr.uuid, steady_protocol::vendors::dot::DEVICE_CONTROL_UUID);
    let mut want = vec![0u8; 32];
    want[0] = 0x01;
    want[1] = 0x01;
    assert_eq!(wr.value, want);
    assert!(wr.with_response);
    assert!(!w.fake.is_connected(dot).unwrap());

    // WitMotion: no identify command; said without connecting.
    let err = w.steady_fails(&["sensors", "--data-dir", d, "identify", &addr(wit)]);
    assert!(
        err.contains("witmotion") && err.contains("no identify"),
        "{err}"
    );
    assert_eq!(w.fake.log(wit).unwrap().connects, 0);
    // Neither registered nor in range.
    let err = w.steady_fails(&[
        "sensors",
        "--data-dir",
        d,
        "identify",
        "C5:7E:AD:00:50:99",
        "--timeout",
        "1s",
    ]);
    assert!(err.contains("not seen"), "{err}");
    let _ = std::fs::remove_dir_all(&data);
}
