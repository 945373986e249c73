//! End-to-end: `steady import`, `steady sessions list`, `steady export` on a temporary data
//! directory, with the Mobilise-D fixture walk (lower-back sensor, 100 Hz) as the recording.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("steady-store-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn steady(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(args)
        .env("STEADY_DATA_DIR", data_dir)
        .output()
        .expect("run steady")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A recording folder made from the fixture CSV (the fixture folder itself has no `imu.csv`).
fn fixture_recording(root: &Path) -> PathBuf {
    let rec = root.join("rec");
    std::fs::create_dir_all(&rec).unwrap();
    let csv = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/analysis/tests/fixtures/ha001_test5_trial1_imu.csv");
    std::fs::copy(csv, rec.join("imu.csv")).unwrap();
    std::fs::write(
        rec.join("meta.json"),
        r#"{"sampling_rate_hz": 100, "participant": {"id": "HA001"}}"#,
    )
    .unwrap();
    rec
}

#[test]
fn import_list_and_export_a_recording() {
    let root = temp_dir("e2e");
    let data = root.join("data");
    let rec = fixture_recording(&root);
    let rec_s = rec.to_str().unwrap();

    let out = steady(&data, &["import", rec_s, "--patient", "P-007"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id: i64 = stdout(&out)
        .trim()
        .parse()
        .expect("import prints the session id");
    assert!(id >= 1);

    // Without --patient, meta.json's participant.id is used.
    let out = steady(&data, &["import", rec_s]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id2: i64 = stdout(&out).trim().parse().unwrap();
    assert_ne!(id, id2);

    let out = steady(&data, &["sessions", "list", "--json"]);
    assert!(out.status.success());
    let list: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["id"], id);
    assert_eq!(list[0]["patient"], "P-007");
    assert_eq!(list[1]["patient"], "HA001");
    assert_eq!(list[0]["test"], "walk");
    assert_eq!(list[0]["status"], "finished");

    // JSON export: the full session, every fixture sample back.
    let json_path = root.join("s.json");
    let out = steady(
        &data,
        &[
            "export",
            &id.to_string(),
            "--format",
            "json",
            "--out",
            json_path.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    let csv_rows = std::fs::read_to_string(rec.join("imu.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    let sensors = doc["sensors"].as_array().unwrap();
    assert_eq!(sensors.len(), 1);
    assert_eq!(sensors[0]["placement"], "lower_back");
    let samples = sensors[0]["samples"].as_array().unwrap();
    assert_eq!(samples.len(), csv_rows);
    // Second CSV row: 0.010,9.384443,... (f32 storage keeps ~7 digits).
    assert!((samples[1][0].as_f64().unwrap() - 0.01).abs() < 1e-9);
    assert!((samples[1][1].as_f64().unwrap() - 9.384443).abs() < 1e-5);
    assert_eq!(doc["session"]["patient"], "P-007");
    // The walk has contacts of both feet and a plausible cadence.
    let events = doc["events"].as_array().unwrap();
    assert!(events
        .iter()
        .any(|e| e["kind"] == "initial_contact" && e["side"] == "left"));
    assert!(events
        .iter()
        .any(|e| e["kind"] == "final_contact" && e["side"] == "right"));
    let metrics = doc["metrics"].as_array().unwrap();
    let cadence = metrics
        .iter()
        .find(|m| m["key"] == "gait.cadence_spm")
        .expect("cadence stored");
    let spm = cadence["value"].as_f64().unwrap();
    assert!((60.0..150.0).contains(&spm), "cadence {spm}");
    assert_eq!(cadence["unit"], "/min");

    // CSV export: the metrics table, one row per stored metric.
    let csv_path = root.join("m.csv");
    let out = steady(
        &data,
        &[
            "export",
            &id.to_string(),
            "--format",
            "csv",
            "--out",
            csv_path.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("key,side,value,unit,source,n"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), metrics.len());
    assert!(rows.iter().any(|r| r.starts_with("gait.stance_s,left,")));
    assert!(rows.iter().any(|r| r.starts_with("gait.cadence_spm,,")));

    // Unknown session: clear error, non-zero exit.
    let out = steady(&data, &["export", "999", "--format", "csv", "--out", "-"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no session with id 999"));
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn corrupt_recording_stores_nothing() {
    let root = temp_dir("corrupt");
    let data = root.join("data");
    let rec = root.join("bad");
    std::fs::create_dir_all(&rec).unwrap();
    std::fs::write(
        rec.join("imu.csv"),
        "t_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n0.0,1,2,3,4,5,6\n0.01,1,2,oops,4,5,6\n",
    )
    .unwrap();
    let out = steady(&data, &["import", rec.to_str().unwrap(), "--patient", "P1"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("imu.csv:3"), "{err}");
    assert!(stdout(&out).trim().is_empty());
    let out = steady(&data, &["sessions", "list", "--json"]);
    assert!(out.status.success());
    let list: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 0);
    let _ = std::fs::remove_dir_all(&root);
}
