//! FHIR R4 export: every Bundle `steady export --format fhir` writes is validated by an
//! independent R4 validator (Python `fhir.resources` 5.1.x in `.ci/venv`, installed by
//! `.ci/install-deps`), and checked here for codes, UCUM units and references.

use serde_json::Value;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("steady-export-fhir-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn steady(data_dir: &Path, args: &[&str]) -> String {
    let o: Output = Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(args)
        .env("STEADY_DATA_DIR", data_dir)
        .output()
        .expect("run steady");
    assert!(
        o.status.success(),
        "steady {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

const VALIDATE_PY: &str = r#"
import json, sys
from fhir.resources.bundle import Bundle
for path in sys.argv[1:]:
    with open(path) as f:
        data = json.load(f)
    bundle = Bundle(data)  # raises FHIRValidationError on any R4 structure error
    print(path, bundle.type, len(bundle.entry or []))
"#;

/// The validator's Python, installing it on first use with the repo's own script so that
/// `cargo test` alone works on a fresh machine (needs `python3` and PyPI).
fn validator_python() -> PathBuf {
    static INSTALL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join(".ci/venv/bin/python");
    let ready = |p: &Path| {
        Command::new(p)
            .args(["-c", "import fhir.resources"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !ready(&python) {
        let out = Command::new("bash")
            .arg(root.join(".ci/install-deps"))
            .output()
            .expect("run .ci/install-deps");
        assert!(
            out.status.success() && ready(&python),
            "FHIR validator missing and `bash .ci/install-deps` could not install it \
             (.ci/venv with fhir.resources 5.1.x): {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    python
}

/// Runs the independent validator on the files; panics with its message on failure.
fn validate_with_fhir_resources(files: &[PathBuf]) {
    let python = validator_python();
    let out = Command::new(&python)
        .arg("-c")
        .arg(VALIDATE_PY)
        .args(files)
        .output()
        .expect("run the validator");
    assert!(
        out.status.success(),
        "fhir.resources rejected the export:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(report.lines().count(), files.len(), "{report}");
    assert!(
        report.lines().all(|l| l.contains(" transaction ")),
        "{report}"
    );
}

fn resources<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == kind)
        .collect()
}

const UCUM: &[&str] = &["s", "m", "m/s", "/min", "%", "deg", "1", "{#}/(30.s)"];
const STEADY_SYSTEM: &str = "https://steady-gait.org/fhir/CodeSystem/metrics";

/// Every reference points at an entry of the Bundle; every entry has a POST request.
fn check_references(bundle: &Value) {
    let entries = bundle["entry"].as_array().unwrap();
    let urls: HashSet<&str> = entries
        .iter()
        .map(|e| e["fullUrl"].as_str().unwrap())
        .collect();
    assert_eq!(urls.len(), entries.len(), "duplicate fullUrl");
    for e in entries {
        assert!(e["fullUrl"].as_str().unwrap().starts_with("urn:uuid:"));
        assert_eq!(e["request"]["method"], "POST");
        assert_eq!(e["request"]["url"], e["resource"]["resourceType"]);
    }
    fn walk<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(o) => {
                if let Some(Value::String(r)) = o.get("reference") {
                    out.push(r);
                }
                o.values().for_each(|x| walk(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut refs = Vec::new();
    walk(bundle, &mut refs);
    assert!(!refs.is_empty());
    for r in refs {
        assert!(urls.contains(r), "dangling reference {r}");
    }
}

fn check_quantity(q: &Value) {
    assert_eq!(q["system"], "http://unitsofmeasure.org");
    let code = q["code"].as_str().unwrap();
    assert!(
        UCUM.contains(&code),
        "unit {code} not in the UCUM allow-list"
    );
    assert!(q["value"].is_number());
    assert!(!q["unit"].as_str().unwrap().trim().is_empty());
}

/// Codes, units and the required Observation elements (clinical.md §5.6).
fn check_observations(bundle: &Value) {
    let patient = resources(bundle, "Patient").len();
    assert_eq!(patient, 1);
    for o in resources(bundle, "Observation") {
        assert_eq!(o["status"], "final");
        assert!(o["subject"]["reference"].is_string());
        assert!(o["effectiveDateTime"].is_string());
        assert!(o["device"]["reference"].is_string());
        assert!(o["method"]["coding"][0]["code"].is_string());
        assert_eq!(o["category"][0]["coding"][0]["code"], "exam");
        let coding = o["code"]["coding"].as_array().unwrap();
        let steady = coding.iter().find(|c| c["system"] == STEADY_SYSTEM);
        assert!(steady.is_some(), "no steady coding in {}", o["code"]);
        let key = steady.unwrap()["code"].as_str().unwrap();
        // LOINC where one exists (clinical.md §5.3), and first.
        let loinc = match key {
            "tug.time_s" => Some("89423-8"),
            "chair_stand.count_30s" => Some("66247-8"),
            "balance.sls_hold_s" => Some("66569-5"),
            _ => None,
        };
        match loinc {
            Some(code) => {
                assert_eq!(coding[0]["system"], "http://loinc.org");
                assert_eq!(coding[0]["code"], code);
            }
            None => assert!(coding.iter().all(|c| c["system"] != "http://loinc.org")),
        }
        match (o.get("valueQuantity"), o.get("component")) {
            (Some(q), None) => check_quantity(q),
            (None, Some(c)) => {
                let c = c.as_array().unwrap();
                assert!(!c.is_empty() && c.len() <= 2);
                for comp in c {
                    let code = comp["code"]["coding"][0]["code"].as_str().unwrap();
                    assert!(
                        code == format!("{key}.left") || code == format!("{key}.right"),
                        "{code}"
                    );
                    check_quantity(&comp["valueQuantity"]);
                }
            }
            other => panic!("observation {key} has value and component: {other:?}"),
        }
    }
}

#[test]
fn fhir_bundles_validate_and_carry_codes_units_and_references() {
    let root = temp_dir("bundle");
    let data = root.join("data");
    let rec = root.join("rec");
    std::fs::create_dir_all(&rec).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("crates/analysis/tests/fixtures/ha001_test5_trial1_imu.csv"),
        rec.join("imu.csv"),
    )
    .unwrap();
    std::fs::write(rec.join("meta.json"), r#"{"sampling_rate_hz": 100}"#).unwrap();
    steady(
        &data,
        &[
            "patient",
            "add",
            "P-FHIR-1",
            "--birth-year",
            "1951",
            "--sex",
            "female",
        ],
    );
    let rec_s = rec.to_str().unwrap();
    let s1 = steady(
        &data,
        &[
            "import",
            rec_s,
            "--patient",
            "P-FHIR-1",
            "--metric",
            "tug_s=13.4",
            "--metric",
            "single_leg_stance_s=4.0:left",
            "--metric",
            "single_leg_stance_s=9.5:right",
            "--metric",
            "chair_stand_30s=9",
        ],
    );
    let s2 = steady(
        &data,
        &[
            "import",
            rec_s,
            "--patient",
            "P-FHIR-1",
            "--metric",
            "tug_s=11.0",
        ],
    );
    steady(
        &data,
        &[
            "goal",
            "add",
            "P-FHIR-1",
            "single_leg_stance_s >= 10 each side",
            "--due",
            "2027-03-01",
        ],
    );
    steady(&data, &["goal", "add", "P-FHIR-1", "tug_s < 12"]);

    let mut files = Vec::new();
    for (name, args) in [
        ("session.json", vec!["export", s1.as_str()]),
        ("patient.json", vec!["export", "patient:P-FHIR-1"]),
        ("anon.json", vec!["export", "P-FHIR-1", "--deidentify"]),
    ] {
        let path = root.join(name);
        let mut a = args.clone();
        a.extend(["--format", "fhir", "--out", path.to_str().unwrap()]);
        steady(&data, &a);
        files.push(path);
    }
    validate_with_fhir_resources(&files);

    let load = |p: &PathBuf| -> Value {
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    let session = load(&files[0]);
    let patient = load(&files[1]);
    let anon = load(&files[2]);
    for b in [&session, &patient, &anon] {
        assert_eq!(b["resourceType"], "Bundle");
        assert_eq!(b["type"], "transaction");
        check_references(b);
        check_observations(b);
    }

    // One session: one report; its results are exactly the Observations.
    let reports = resources(&session, "DiagnosticReport");
    assert_eq!(reports.len(), 1);
    let obs = resources(&session, "Observation");
    assert_eq!(reports[0]["result"].as_array().unwrap().len(), obs.len());
    // TUG 13.4 s ≥ 12 s and left SLS 4 s < 5 s are in the conclusion.
    let conclusion = reports[0]["conclusion"].as_str().unwrap();
    assert!(conclusion.contains("TUG 13.4 s ≥ 12 s"), "{conclusion}");
    assert!(
        conclusion.contains("left leg held 4.0 s < 5 s"),
        "{conclusion}"
    );
    let sls = obs
        .iter()
        .find(|o| o["code"]["coding"][0]["code"] == "66569-5")
        .expect("SLS observation");
    assert_eq!(sls["component"][0]["valueQuantity"]["value"], 4.0);
    assert_eq!(sls["component"][1]["valueQuantity"]["value"], 9.5);
    let sts = obs
        .iter()
        .find(|o| o["code"]["coding"][0]["code"] == "66247-8")
        .unwrap();
    assert_eq!(sts["valueQuantity"]["code"], "{#}/(30.s)");
    let speed = obs
        .iter()
        .find(|o| o["code"]["coding"][0]["code"] == "gait.speed_mps");
    if let Some(speed) = speed {
        assert_eq!(speed["valueQuantity"]["code"], "m/s");
    }

    // Patient export: both sessions, goals and a care plan linking them.
    assert_eq!(resources(&patient, "DiagnosticReport").len(), 2);
    let goals = resources(&patient, "Goal");
    assert_eq!(goals.len(), 2);
    let sls_goal = &goals[0];
    assert_eq!(sls_goal["lifecycleStatus"], "active");
    assert_eq!(
        sls_goal["target"][0]["measure"]["coding"][0]["code"],
        "66569-5"
    );
    assert_eq!(sls_goal["target"][0]["detailQuantity"]["comparator"], ">=");
    assert_eq!(sls_goal["target"][0]["dueDate"], "2027-03-01");
    // The latest session (s2) has TUG 11.0 s < 12 s: the TUG goal is achieved there.
    assert_eq!(
        goals[1]["achievementStatus"]["coding"][0]["code"],
        "achieved"
    );
    assert_eq!(
        goals[1]["outcomeReference"].as_array().unwrap().len(),
        2,
        "TUG observations of both sessions"
    );
    let plans = resources(&patient, "CarePlan");
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0]["intent"], "plan");
    assert_eq!(plans[0]["goal"].as_array().unwrap().len(), 2);
    let plan_url = patient["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["resource"]["resourceType"] == "CarePlan")
        .unwrap()["fullUrl"]
        .clone();
    for o in resources(&patient, "Observation") {
        assert_eq!(o["basedOn"][0]["reference"], plan_url);
    }
    let p = &resources(&patient, "Patient")[0];
    assert_eq!(p["identifier"][0]["value"], "P-FHIR-1");
    assert_eq!(p["birthDate"], "1951");
    assert_eq!(p["gender"], "female");
    assert!(p.get("name").is_none(), "a pseudonymous export has no name");
    assert!(s2.parse::<i64>().is_ok());

    // De-identified: no pseudonym, birth date or exact dates anywhere.
    let text = std::fs::read_to_string(&files[2]).unwrap();
    assert!(!text.contains("P-FHIR-1"));
    let p = &resources(&anon, "Patient")[0];
    assert!(p.get("identifier").is_none() && p.get("birthDate").is_none());
    for o in resources(&anon, "Observation") {
        assert_eq!(
            o["effectiveDateTime"].as_str().unwrap().len(),
            4,
            "year only"
        );
    }
    for r in resources(&anon, "DiagnosticReport") {
        assert!(r.get("issued").is_none());
    }
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn the_validator_rejects_a_broken_bundle() {
    // The gate is only worth something if it can fail: a misspelled element and a missing
    // required `status` must both be caught.
    let root = temp_dir("broken");
    let path = root.join("broken.json");
    std::fs::write(
        &path,
        r#"{"resourceType": "Bundle", "type": "transaction", "entry": [{"fullUrl": "urn:uuid:0",
           "resource": {"resourceType": "Observation", "code": {"text": "x"}, "valueQuantiy": {"value": 1}},
           "request": {"method": "POST", "url": "Observation"}}]}"#,
    )
    .unwrap();
    let python = validator_python();
    let out = Command::new(&python)
        .arg("-c")
        .arg(VALIDATE_PY)
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("valueQuantiy"), "{err}");
    let _ = std::fs::remove_dir_all(&root);
}
