//! End-to-end: `steady patient`, `import`, `sessions`, `goal`, `export csv|json` on a
//! temporary data directory, with the Mobilise-D fixture walk (lower-back sensor, 100 Hz).

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

fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "steady failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(o: Output) -> serde_json::Value {
    serde_json::from_str(&ok(o)).expect("JSON on stdout")
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
        r#"{"sampling_rate_hz": 100, "participant": {"id": "HA001", "sex": "female", "height_m": 1.7}}"#,
    )
    .unwrap();
    rec
}

#[test]
fn patient_import_list_goal_and_export() {
    let root = temp_dir("e2e");
    let data = root.join("data");
    let rec = fixture_recording(&root);
    let rec_s = rec.to_str().unwrap();

    // Unknown patient: clear error, nothing stored.
    let out = steady(&data, &["import", rec_s, "--patient", "P-007"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no patient `P-007`"));

    let id = ok(steady(
        &data,
        &[
            "patient",
            "add",
            "P-007",
            "--birth-year",
            "1948",
            "--sex",
            "female",
            "--affected-side",
            "left",
        ],
    ));
    assert_eq!(id.trim(), "P-007");
    let out = steady(&data, &["patient", "add", "P-007"]);
    assert!(!out.status.success(), "duplicate patient accepted");

    let id: i64 = ok(steady(
        &data,
        &[
            "import",
            rec_s,
            "--patient",
            "P-007",
            "--pain",
            "4",
            "--clinician",
            "PT A",
            "--metric",
            "tug_s=13.1",
        ],
    ))
    .trim()
    .parse()
    .expect("import prints the session id");
    // Without --patient, meta.json's participant.id is used; --add-patient registers it.
    let id2: i64 = ok(steady(&data, &["import", rec_s, "--add-patient"]))
        .trim()
        .parse()
        .unwrap();
    assert_ne!(id, id2);
    let p = json(steady(&data, &["patient", "list", "--json"]));
    assert_eq!(p[0]["pseudonym"], "HA001");
    assert_eq!(p[0]["sex"], "female");

    let list = json(steady(&data, &["sessions", "list", "--json"]));
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["id"], id);
    assert_eq!(list[0]["patient"], "P-007");
    assert_eq!(list[0]["test"], "walk");
    assert_eq!(list[0]["status"], "finished");
    assert_eq!(list[0]["pain_score"], 4);
    assert_eq!(list[0]["clinician"], "PT A");
    assert_eq!(list[0]["sensors"][0]["placement"], "lower_back");
    assert_eq!(list[0]["sensors"][0]["sampling_rate_hz"], 100.0);
    let only = json(steady(
        &data,
        &["sessions", "list", "--patient", "HA001", "--json"],
    ));
    assert_eq!(only.as_array().unwrap().len(), 1);

    let show = json(steady(
        &data,
        &["sessions", "show", &id.to_string(), "--json"],
    ));
    let tug = show["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["key"] == "tug.time_s")
        .unwrap()
        .clone();
    assert_eq!(tug["value"], 13.1);
    assert_eq!(tug["unit"], "s");
    assert_eq!(show["samples"][0]["samples"], 1246);

    // Goals: progress per session.
    let gid: i64 = ok(steady(
        &data,
        &["goal", "add", "P-007", "tug_s <= 12", "--due", "2027-01-31"],
    ))
    .trim()
    .parse()
    .unwrap();
    let goals = json(steady(&data, &["goal", "list", "P-007", "--json"]));
    assert_eq!(goals[0]["goal"]["id"], gid);
    assert_eq!(goals[0]["progress"][0]["met"], false); // 13.1 s > 12 s
    ok(steady(
        &data,
        &[
            "sessions",
            "add-metric",
            &id.to_string(),
            "gait_speed_mps=1.3",
        ],
    ));
    let out = steady(&data, &["goal", "add", "P-007", "shoe_size >= 42"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown metric"));

    // JSON export: the full session, every fixture sample back.
    let json_path = root.join("s.json");
    ok(steady(
        &data,
        &[
            "export",
            &id.to_string(),
            "--format",
            "json",
            "--out",
            json_path.to_str().unwrap(),
        ],
    ));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    let csv_rows = std::fs::read_to_string(rec.join("imu.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    let s0 = &doc["sessions"][0];
    let sensors = s0["sensors"].as_array().unwrap();
    assert_eq!(sensors.len(), 1);
    assert_eq!(sensors[0]["placement"], "lower_back");
    let samples = sensors[0]["samples"].as_array().unwrap();
    assert_eq!(samples.len(), csv_rows);
    // Second CSV row: 0.010,9.384443,... (f32 storage keeps ~7 digits).
    assert!((samples[1][0].as_f64().unwrap() - 0.01).abs() < 1e-9);
    assert!((samples[1][1].as_f64().unwrap() - 9.384443).abs() < 1e-5);
    assert_eq!(s0["session"]["patient"], "P-007");
    assert_eq!(doc["patient"]["birth_year"], 1948);
    assert_eq!(doc["goals"][0]["progress"][0]["met"], false);
    let events = s0["events"].as_array().unwrap();
    assert!(events
        .iter()
        .any(|e| e["kind"] == "initial_contact" && e["side"] == "left"));
    assert!(events
        .iter()
        .any(|e| e["kind"] == "final_contact" && e["side"] == "right"));
    let metrics = s0["metrics"].as_array().unwrap();
    let cadence = metrics
        .iter()
        .find(|m| m["key"] == "gait.cadence_spm")
        .expect("cadence stored");
    let spm = cadence["value"].as_f64().unwrap();
    assert!((60.0..150.0).contains(&spm), "cadence {spm}");
    assert_eq!(cadence["unit"], "/min");

    // De-identified JSON: no pseudonym, birth year, clinician, source or exact time.
    let anon = root.join("anon.json");
    ok(steady(
        &data,
        &[
            "export",
            "P-007",
            "--format",
            "json",
            "--deidentify",
            "--out",
            anon.to_str().unwrap(),
        ],
    ));
    let text = std::fs::read_to_string(&anon).unwrap();
    let anon_doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(anon_doc["patient"].get("birth_year").is_none());
    assert_eq!(
        anon_doc["sessions"][0]["session"]["started_unix_ms"],
        serde_json::Value::Null
    );
    for secret in ["P-007", "PT A", rec_s] {
        assert!(
            !text.contains(secret),
            "de-identified export contains {secret}"
        );
    }

    // CSV export: a folder that is itself a recording, plus the tables.
    let csv_dir = root.join("csv");
    ok(steady(
        &data,
        &[
            "export",
            &format!("session:{id}"),
            "--format",
            "csv",
            "--out",
            csv_dir.to_str().unwrap(),
        ],
    ));
    let table = std::fs::read_to_string(csv_dir.join("metrics.csv")).unwrap();
    let mut lines = table.lines();
    assert_eq!(lines.next(), Some("session,key,side,value,unit,source,n"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), metrics.len());
    assert!(rows
        .iter()
        .any(|r| r.starts_with(&format!("{id},gait.stance_s,left,"))));
    assert!(rows
        .iter()
        .any(|r| r.starts_with(&format!("{id},tug.time_s,,13.1,s,"))));
    let raw = std::fs::read_to_string(csv_dir.join("imu_lower_back.csv")).unwrap();
    assert_eq!(raw.lines().count() - 1, csv_rows);
    assert!(raw.starts_with("t_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z"));
    // ... which imports again to the same analysis.
    let id3: i64 = ok(steady(
        &data,
        &["import", csv_dir.to_str().unwrap(), "--patient", "P-007"],
    ))
    .trim()
    .parse()
    .unwrap();
    let m1 = json(steady(
        &data,
        &["sessions", "show", &id2.to_string(), "--json"],
    ))["metrics"]
        .clone();
    let m3 = json(steady(
        &data,
        &["sessions", "show", &id3.to_string(), "--json"],
    ))["metrics"]
        .clone();
    let get = |m: &serde_json::Value, k: &str| {
        m.as_array()
            .unwrap()
            .iter()
            .find(|x| x["key"] == k && x["side"].is_null())
            .unwrap()["value"]
            .as_f64()
            .unwrap()
    };
    assert!((get(&m1, "gait.cadence_spm") - get(&m3, "gait.cadence_spm")).abs() < 0.01);

    // Patient view: trends and goals.
    let p = json(steady(&data, &["patient", "show", "P-007", "--json"]));
    assert_eq!(p["sessions"].as_array().unwrap().len(), 2);
    assert!(p["trends"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["key"] == "gait.cadence_spm"));

    // Unknown session or patient: clear error, non-zero exit.
    let out = steady(&data, &["export", "999", "--format", "json", "--out", "-"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no session or patient `999`"));
    let out = steady(&data, &["sessions", "show", "999"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no session with id 999"));
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn corrupt_recording_stores_nothing() {
    let root = temp_dir("corrupt");
    let data = root.join("data");
    ok(steady(&data, &["patient", "add", "P1"]));
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
    assert!(out.stdout.is_empty());
    let list = json(steady(&data, &["sessions", "list", "--json"]));
    assert_eq!(list.as_array().unwrap().len(), 0);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn data_dir_flag_and_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let root = temp_dir("flag");
    let data = root.join("via-flag");
    let out = Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(["patient", "add", "P9", "--data-dir", data.to_str().unwrap()])
        .env_remove("STEADY_DATA_DIR")
        .output()
        .unwrap();
    ok(out);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("steady.db")), 0o600);
    let _ = std::fs::remove_dir_all(&root);
}
