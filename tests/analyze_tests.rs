//! End-to-end: a simulated TUG and a simulated 30 s chair stand written as recording folders
//! (RECORDINGS.md format, `meta.json` naming the test) → `steady analyze --json` → the
//! `"test"` object is checked against the simulator's truth.

use std::path::{Path, PathBuf};
use std::process::Command;

use steady_core::Placement;
use steady_recording::{Meta, Recording, SensorStream, TestKind, TestSpec};
use steady_sim::{simulate, ChairStandParams, Scenario, SensorConfig, Simulation, TugParams};

fn write(dir: &Path, sim: &Simulation, test: TestSpec) {
    let mut meta = Meta {
        sampling_rate_hz: Some(sim.rate_hz),
        test,
        ..Meta::default()
    };
    meta.participant.age_years = Some(72.0);
    meta.participant.sex = Some("female".into());
    let rec = Recording {
        meta,
        sensors: sim
            .streams
            .iter()
            .map(|(p, s)| SensorStream {
                placement: *p,
                samples: s.clone(),
                gaps: Vec::new(),
            })
            .collect(),
    };
    steady_recording::write_recording(dir, &rec).unwrap();
}

fn analyze_json(dir: &Path) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(["analyze", "--json", dir.to_str().unwrap()])
        .output()
        .expect("run steady");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("steady-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn analyze_reports_a_simulated_tug() {
    let sim = simulate(
        &Scenario::new().stand(2.0).tug(TugParams::default()),
        &SensorConfig::new(&[Placement::LowerBack]),
        5,
    );
    let dir = temp("tug");
    write(
        &dir,
        &sim,
        TestSpec {
            kind: TestKind::Tug,
            ..TestSpec::default()
        },
    );
    let v = analyze_json(&dir);
    let t = &v["test"];
    assert_eq!(t["name"], "tug", "{t}");
    let truth = sim.truth.tugs[0];
    let total = t["total_s"].as_f64().unwrap();
    assert!(
        (total - (truth.end_s - truth.start_s)).abs() < 0.2,
        "TUG {total} s vs truth {}",
        truth.end_s - truth.start_s
    );
    assert!((t["turn1"]["start_s"].as_f64().unwrap() - truth.turn1_start_s).abs() < 0.5);
    assert_eq!(t["at_risk"].as_bool(), Some(total >= 12.0));
    for k in [
        "sit_to_stand_s",
        "walk_out_s",
        "turn_s",
        "walk_back_s",
        "turn_and_sit_s",
    ] {
        assert!(t["phases"][k].as_f64().unwrap() > 0.0, "phase {k}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn analyze_reports_a_simulated_chair_stand() {
    let sim = simulate(
        &Scenario::new()
            .stand(2.0)
            .chair_stand_30s(ChairStandParams {
                failed_rise_before: Some(4),
                ..ChairStandParams::default()
            }),
        &SensorConfig::new(&[Placement::LowerBack, Placement::LeftShank]),
        6,
    );
    let dir = temp("chair");
    write(
        &dir,
        &sim,
        TestSpec {
            kind: TestKind::ChairStand30s,
            duration_limit_s: Some(30.0),
            ..TestSpec::default()
        },
    );
    let v = analyze_json(&dir);
    let t = &v["test"];
    assert_eq!(t["name"], "chair_stand_30s", "{t}");
    let truth = &sim.truth.chair_stands[0];
    assert_eq!(
        t["repetitions"].as_u64(),
        Some(u64::from(truth.completed)),
        "{t}"
    );
    // Women 70–74: below average if < 10 (CDC STEADI).
    assert_eq!(
        t["below_average"].as_bool(),
        Some(truth.completed < 10),
        "{t}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
