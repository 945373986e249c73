//! End-to-end: a simulated single-leg stance recording folder → `steady analyze --json` →
//! the `"test"` object, checked against the simulator's truth.

use std::process::Command;

use steady_core::{Placement, Side};
use steady_recording::{write_recording, Meta, Recording, SensorStream, TestKind, TestSpec};
use steady_sim::{simulate, Scenario, SensorConfig, SlsOutcome, SlsParams};

fn write_sls(
    dir: &std::path::Path,
    stance: Side,
    outcome: SlsOutcome,
    placements: &[Placement],
) -> steady_sim::truth::BalanceTrialTruth {
    let scenario = Scenario::new()
        .stand(2.0)
        .single_leg_stance(SlsParams {
            stance,
            time_limit_s: 30.0,
            outcome,
            ..SlsParams::default()
        })
        .stand(1.0);
    let sim = simulate(&scenario, &SensorConfig::new(placements), 5);
    let mut meta = Meta {
        sampling_rate_hz: Some(sim.rate_hz),
        test: TestSpec {
            kind: TestKind::SingleLegStance,
            stance_leg: Some(stance),
            max_hold_s: Some(30.0),
            ..TestSpec::default()
        },
        ..Meta::default()
    };
    meta.participant.age_years = Some(72.0);
    meta.participant.sensor_height_m = Some(1.0);
    let rec = Recording {
        meta,
        sensors: sim
            .streams
            .iter()
            .map(|(p, s)| SensorStream {
                placement: *p,
                samples: s.clone(),
                gaps: vec![],
            })
            .collect(),
    };
    write_recording(dir, &rec).expect("write recording");
    sim.truth.balance_trials[0]
}

fn analyze(dir: &std::path::Path) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(["analyze", dir.to_str().unwrap(), "--json"])
        .output()
        .expect("run steady");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn analyze_reports_single_leg_stance_against_truth() {
    let base = std::env::temp_dir().join(format!("steady-sls-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let all = [
        Placement::LowerBack,
        Placement::LeftShank,
        Placement::RightShank,
    ];
    let cases = [
        (
            Side::Right,
            SlsOutcome::TouchDown { after_s: 7.5 },
            &all[..],
            "touch_down",
        ),
        (
            Side::Left,
            SlsOutcome::Hop { after_s: 4.0 },
            &all[..],
            "hop",
        ),
        (Side::Left, SlsOutcome::TimeLimit, &all[1..], "time_limit"),
    ];
    for (i, (stance, outcome, placements, ended_by)) in cases.into_iter().enumerate() {
        let dir = base.join(format!("trial{i}"));
        let truth = write_sls(&dir, stance, outcome, placements);
        let v = analyze(&dir);
        let t = &v["test"];
        assert_eq!(t["name"], "single_leg_stance", "{t}");
        assert_eq!(t["stance_leg"], stance.as_str());
        assert_eq!(t["ended_by"], ended_by, "{t}");
        let hold = t["hold_s"].as_f64().unwrap();
        assert!(
            (hold - truth.held_s).abs() <= 0.2,
            "hold {hold} vs {truth:?}"
        );
        let lift = t["lift_off_s"].as_f64().unwrap();
        assert!(
            (lift - truth.lift_off_s).abs() <= 0.1,
            "lift-off {lift} vs {truth:?}"
        );
        if ended_by == "touch_down" {
            let td = t["touch_down_s"].as_f64().unwrap();
            assert!(
                (td - truth.touch_down_s).abs() <= 0.1,
                "touch-down {td} vs {truth:?}"
            );
        } else {
            assert!(t["touch_down_s"].is_null());
        }
        let has_back = placements.contains(&Placement::LowerBack);
        assert_eq!(t["sway"].is_object(), has_back, "{t}");
        if has_back {
            assert!(t["sway"]["rms_ml_mps2"].as_f64().unwrap() > 0.0);
        }
        // 70–79 y, eyes open: norm 21.5 s; a 4 s hold is impaired (< 5 s, Vellas 1997).
        assert_eq!(t["norm"]["value_s"], 21.5);
        assert_eq!(t["impaired"], hold < 5.0);
        let m = &t["metrics"][0];
        assert_eq!(m["key"], "balance.sls_hold_s");
        assert_eq!(m["side"], stance.as_str());
        println!(
            "{ended_by}: hold {hold:.3} s (truth {:.3}), lift-off {lift:.3} (truth {:.3})",
            truth.held_s, truth.lift_off_s
        );
    }
    let _ = std::fs::remove_dir_all(&base);
}
