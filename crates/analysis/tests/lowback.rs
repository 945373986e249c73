//! Lower-back pipeline tests on a real recording (fixture from Mobilise-D / mobgap, see
//! `tests/fixtures/README.md`) and, when present, on `../shared/data`.

use nalgebra::{Rotation3, Vector3};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use steady_analysis::gait::types::EventKind;
use steady_analysis::gait::{analyze, GaitAnalyzer, GaitReport};
use steady_analysis::{SensorInput, Subject};
use steady_core::{ImuSample, Placement, Side};

const FIXTURE_CSV: &str = include_str!("fixtures/ha001_test5_trial1_imu.csv");
const FIXTURE_REF: &str = include_str!("fixtures/ha001_test5_trial1_reference.json");

fn fixture() -> Vec<ImuSample> {
    steady_recording::parse_imu_csv(FIXTURE_CSV).expect("fixture parses")
}

fn subject() -> Subject {
    Subject {
        height_m: Some(1.59),
        sensor_height_m: Some(0.964),
        ..Subject::default()
    }
}

fn run(samples: &[ImuSample]) -> GaitReport {
    analyze(
        &[SensorInput {
            placement: Placement::LowerBack,
            samples,
            sampling_rate_hz: 100.0,
        }],
        &subject(),
    )
}

fn ics(r: &GaitReport) -> Vec<(f64, Option<Side>)> {
    r.events
        .iter()
        .filter(|e| e.kind == EventKind::InitialContact)
        .map(|e| (e.t_s, e.side))
        .collect()
}

fn shared_recording(name: &str) -> Option<Vec<ImuSample>> {
    let dir = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/mobilised"
    ))
    .join(name);
    match steady_recording::read_recording(&dir) {
        Ok(rec) => Some(rec.sensors[0].samples.clone()),
        Err(_) => {
            eprintln!("note: {} missing, skipping", dir.display());
            None
        }
    }
}

#[test]
fn fixture_initial_contacts_match_the_indip_reference() {
    let reference: serde_json::Value = serde_json::from_str(FIXTURE_REF).unwrap();
    let report = run(&fixture());
    let det = ics(&report);
    for r in reference["initial_contacts"].as_array().unwrap() {
        let t = r["t_s"].as_f64().unwrap();
        let side: Side = r["side"].as_str().unwrap().parse().unwrap();
        let best = det
            .iter()
            .min_by(|a, b| (a.0 - t).abs().total_cmp(&(b.0 - t).abs()))
            .expect("some IC detected");
        // 100 ms: McCamley et al. report 20 ± 20 ms; INDIP itself is not exact.
        assert!(
            (best.0 - t).abs() <= 0.1,
            "reference IC {t}: nearest detection {}",
            best.0
        );
        assert_eq!(best.1, Some(side), "side of IC at {t}");
    }
    // No spurious steps inside the bout (extended by 0.5 s).
    let (b0, b1) = (
        reference["bout"][0].as_f64().unwrap(),
        reference["bout"][1].as_f64().unwrap(),
    );
    let inside = det
        .iter()
        .filter(|d| d.0 >= b0 - 0.5 && d.0 <= b1 + 0.5)
        .count();
    assert_eq!(
        inside,
        reference["initial_contacts"].as_array().unwrap().len()
    );
    // Cadence over the reference bout from the detected ICs inside it.
    let inside_ics: Vec<f64> = det
        .iter()
        .map(|d| d.0)
        .filter(|&t| t >= b0 - 0.1 && t <= b1 + 0.1)
        .collect();
    let cadence =
        60.0 * (inside_ics.len() - 1) as f64 / (inside_ics[inside_ics.len() - 1] - inside_ics[0]);
    let ref_cadence = reference["cadence_spm"].as_f64().unwrap();
    assert!(
        (cadence - ref_cadence).abs() / ref_cadence < 0.05,
        "cadence {cadence} vs {ref_cadence}"
    );
}

fn assert_streaming_equals_one_shot(samples: &[ImuSample], seed: u64) {
    let one_shot = run(samples);
    assert!(!one_shot.events.is_empty());
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for _ in 0..3 {
        let mut a = GaitAnalyzer::new(&[(Placement::LowerBack, 100.0)], subject());
        let mut i = 0;
        let mut live = Vec::new();
        let mut max_bytes = 0;
        while i < samples.len() {
            let n = rng.gen_range(1..=400).min(samples.len() - i);
            live.extend(a.push(Placement::LowerBack, &samples[i..i + n]).unwrap());
            max_bytes = max_bytes.max(a.buffered_bytes());
            i += n;
        }
        // Streaming state stays bounded (≤ 1 MB per sensor).
        assert!(max_bytes <= 1_000_000, "buffer {max_bytes} B");
        let report = a.finish();
        assert_eq!(report, one_shot, "chunked result differs");
        // What push() returned live is a prefix-consistent subset of the final report.
        let live_strides = live
            .iter()
            .filter(|o| matches!(o, steady_analysis::gait::GaitOutput::Stride(_)))
            .count();
        assert!(live_strides <= report.strides.len());
    }
}

#[test]
fn streaming_in_random_chunks_equals_one_shot_on_fixture() {
    assert_streaming_equals_one_shot(&fixture(), 7);
}

#[test]
fn streaming_in_random_chunks_equals_one_shot_on_long_recording() {
    let Some(samples) = shared_recording("HA_001/Test11_Trial1") else {
        return;
    };
    assert_streaming_equals_one_shot(&samples, 11);
}

fn rotate(samples: &[ImuSample], r: &Rotation3<f64>) -> Vec<ImuSample> {
    samples
        .iter()
        .map(|s| {
            let a = r * Vector3::from(s.acc_mps2);
            let g = r * Vector3::from(s.gyr_dps);
            ImuSample {
                t: s.t,
                acc_mps2: [a.x, a.y, a.z],
                gyr_dps: [g.x, g.y, g.z],
            }
        })
        .collect()
}

fn assert_rotation_invariant(samples: &[ImuSample], seed: u64) {
    let base = ics(&run(samples));
    assert!(base.len() >= 8);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for _ in 0..4 {
        let axis = Vector3::new(
            rng.gen_range(-1.0..1.0),
            rng.gen_range(-1.0..1.0),
            rng.gen_range(-1.0..1.0),
        );
        let angle = rng.gen_range(0.5..3.1);
        let r = Rotation3::from_axis_angle(&nalgebra::Unit::new_normalize(axis), angle);
        let rotated = ics(&run(&rotate(samples, &r)));
        let mut same = 0;
        for b in &base {
            if rotated
                .iter()
                .any(|x| (x.0 - b.0).abs() <= 0.02 && x.1 == b.1)
            {
                same += 1;
            }
        }
        let frac = same as f64 / base.len() as f64;
        assert!(
            frac >= 0.95 && rotated.len() as f64 <= base.len() as f64 * 1.05,
            "rotation {angle:.2} rad about {axis:?}: {same}/{} ICs kept, {} detected",
            base.len(),
            rotated.len()
        );
    }
}

#[test]
fn mounting_rotation_does_not_change_events_on_fixture() {
    assert_rotation_invariant(&fixture(), 3);
}

#[test]
fn mounting_rotation_does_not_change_events_on_long_recording() {
    let Some(samples) = shared_recording("HA_001/Test11_Trial1") else {
        return;
    };
    assert_rotation_invariant(&samples, 5);
}

#[test]
fn standing_still_gives_no_steps() {
    let samples: Vec<ImuSample> = (0..3000)
        .map(|i| {
            let t = i as f64 / 100.0;
            // Quiet standing: gravity on a tilted axis, 0.3 Hz sway of ±0.05 m/s².
            let sway = 0.05 * (2.0 * std::f64::consts::PI * 0.3 * t).sin();
            ImuSample {
                t: steady_core::Micros::from_secs_f64(t),
                acc_mps2: [9.5 + sway, 1.0, 2.0 - sway],
                gyr_dps: [0.3, -0.2, 0.1],
            }
        })
        .collect();
    let r = run(&samples);
    assert!(r.events.is_empty() && r.strides.is_empty() && r.bouts.is_empty());
    assert!(!r.summary.quality.ok);
}

#[test]
fn a_sensor_that_moves_between_walks_is_flagged() {
    let walk = fixture();
    let dur = walk.last().unwrap().t.0 + 10_000;
    let r = Rotation3::from_axis_angle(&Vector3::y_axis(), 1.0);
    let mut both = walk.clone();
    for mut s in rotate(&walk, &r) {
        s.t = steady_core::Micros(s.t.0 + dur);
        both.push(s);
    }
    let twice = run(&[walk.clone(), {
        let mut w = walk.clone();
        for s in w.iter_mut() {
            s.t = steady_core::Micros(s.t.0 + dur);
        }
        w
    }]
    .concat());
    assert!(
        !twice
            .summary
            .quality
            .reasons
            .iter()
            .any(|r| r.contains("moved")),
        "{:?}",
        twice.summary.quality.reasons
    );
    let moved = run(&both);
    assert!(
        moved
            .summary
            .quality
            .reasons
            .iter()
            .any(|r| r.contains("moved")),
        "{:?}",
        moved.summary.quality.reasons
    );
}

#[test]
fn other_sampling_rates_give_the_same_contacts() {
    let reference: serde_json::Value = serde_json::from_str(FIXTURE_REF).unwrap();
    let walk = fixture();
    let t: Vec<f64> = walk.iter().map(|s| s.t_s()).collect();
    for fs in [50.0, 128.0] {
        let ch = |f: &dyn Fn(&ImuSample) -> f64| {
            let x: Vec<f64> = walk.iter().map(f).collect();
            steady_analysis::dsp::resample_linear(&t, &x, fs)
        };
        let cols: Vec<Vec<f64>> = vec![
            ch(&|s| s.acc_mps2[0]),
            ch(&|s| s.acc_mps2[1]),
            ch(&|s| s.acc_mps2[2]),
            ch(&|s| s.gyr_dps[0]),
            ch(&|s| s.gyr_dps[1]),
            ch(&|s| s.gyr_dps[2]),
        ];
        let samples: Vec<ImuSample> = (0..cols[0].len())
            .map(|i| ImuSample {
                t: steady_core::Micros::from_secs_f64(i as f64 / fs),
                acc_mps2: [cols[0][i], cols[1][i], cols[2][i]],
                gyr_dps: [cols[3][i], cols[4][i], cols[5][i]],
            })
            .collect();
        let report = analyze(
            &[SensorInput {
                placement: Placement::LowerBack,
                samples: &samples,
                sampling_rate_hz: fs,
            }],
            &subject(),
        );
        let det = ics(&report);
        for r in reference["initial_contacts"].as_array().unwrap() {
            let t = r["t_s"].as_f64().unwrap();
            let side: Side = r["side"].as_str().unwrap().parse().unwrap();
            assert!(
                det.iter()
                    .any(|d| (d.0 - t).abs() <= 0.1 && d.1 == Some(side)),
                "{fs} Hz: no {side} IC near {t}"
            );
        }
    }
}

#[test]
fn streaming_state_stays_bounded_on_a_long_walk() {
    // Twenty copies of the fixture walk back to back (≈ 4 min of data, 20 bouts).
    let walk = fixture();
    let dur = walk.last().unwrap().t.0 + 10_000;
    let mut a = GaitAnalyzer::new(&[(Placement::LowerBack, 100.0)], subject());
    let mut max_bytes = 0;
    for rep in 0..20 {
        let shifted: Vec<ImuSample> = walk
            .iter()
            .map(|s| ImuSample {
                t: steady_core::Micros(s.t.0 + rep * dur),
                ..*s
            })
            .collect();
        a.push(Placement::LowerBack, &shifted).unwrap();
        max_bytes = max_bytes.max(a.buffered_bytes());
    }
    assert!(max_bytes <= 1_000_000, "{max_bytes} B");
    let r = a.finish();
    assert!(r.events.len() >= 150, "{} events", r.events.len());
}

/// A synthetic hemiparetic-like walk: alternating step times (0.5 s / 0.7 s) and very
/// different vertical impacts per side (2.0 vs 0.6 m/s²), lateral sway at the stride
/// frequency and forward acceleration from the inverted-pendulum relation.
fn asymmetric_walk(fs: f64) -> (Vec<ImuSample>, Vec<(f64, Side)>) {
    let mut ics = Vec::new();
    let mut t = 2.0;
    let mut left = true;
    while t < 28.0 {
        ics.push((t, if left { Side::Left } else { Side::Right }));
        t += if left { 0.5 } else { 0.7 };
        left = !left;
    }
    let n = (30.0 * fs) as usize;
    let walking = |ts: f64| ts > 1.8 && ts < 28.3;
    // Vertical: an impact pulse per step, stronger on the left.
    let av: Vec<f64> = (0..n)
        .map(|i| {
            let ts = i as f64 / fs;
            if !walking(ts) {
                return 0.0;
            }
            let mut a = -0.5;
            for &(tk, side) in &ics {
                let amp = if side == Side::Left { 2.0 } else { 0.6 };
                let x = (ts - tk - 0.08) / 0.07;
                a += amp * (-x * x).exp();
            }
            a
        })
        .collect();
    // Forward acceleration ∝ −vertical velocity (inverted pendulum energy exchange).
    let mut vz = 0.0;
    let mean = av.iter().sum::<f64>() / n as f64;
    let ap: Vec<f64> = av
        .iter()
        .map(|a| {
            vz += (a - mean) / fs;
            -2.0 * vz
        })
        .collect();
    let ap_mean = ap.iter().sum::<f64>() / n as f64;
    let samples = (0..n)
        .map(|i| {
            let ts = i as f64 / fs;
            // Lateral velocity towards the landing foot at each IC, reversing once per step:
            // v = dir_k·V·cos(π(t − t_k)/Δ_k), so a = −dir_k·V·π/Δ_k·sin(…).
            let mut a_left = 0.0;
            let mut roll_dps = 0.0;
            if walking(ts) {
                if let Some(k) = ics.iter().rposition(|&(tk, _)| tk <= ts) {
                    let (tk, side) = ics[k];
                    let next = ics.get(k + 1).map_or(tk + 0.6, |n| n.0);
                    let d = next - tk;
                    let dir = if side == Side::Left { 1.0 } else { -1.0 };
                    let ph = std::f64::consts::PI * (ts - tk) / d;
                    a_left = -dir * 0.1 * std::f64::consts::PI / d * ph.sin();
                    // Pelvic tilt over the step, 6° standing on the left, 2° on the right.
                    let tilt = if side == Side::Left { 6.0 } else { 2.0 };
                    roll_dps = tilt * std::f64::consts::PI / d * ph.cos();
                }
            }
            // Sensor axes: x up, z forward, so left = x × z = −y.
            ImuSample {
                t: steady_core::Micros::from_secs_f64(ts),
                acc_mps2: [9.81 + av[i], -a_left, ap[i] - ap_mean],
                gyr_dps: [0.0, 0.0, roll_dps],
            }
        })
        .collect();
    (samples, ics)
}

#[test]
fn asymmetric_gait_keeps_every_step() {
    let (samples, truth) = asymmetric_walk(100.0);
    let r = run(&samples);
    let det = ics(&r);
    let inner: Vec<_> = truth
        .iter()
        .filter(|(t, _)| *t > 3.0 && *t < 27.0)
        .collect();
    let found = inner
        .iter()
        .filter(|(t, _)| det.iter().any(|d| (d.0 - t).abs() <= 0.1))
        .count();
    assert_eq!(
        found,
        inner.len(),
        "detected {:?}",
        det.iter().map(|d| d.0).collect::<Vec<_>>()
    );
    let sided = inner
        .iter()
        .filter(|(t, side)| {
            det.iter()
                .any(|d| (d.0 - t).abs() <= 0.1 && d.1 == Some(*side))
        })
        .count();
    assert!(
        sided as f64 >= 0.9 * inner.len() as f64,
        "{sided}/{} sides",
        inner.len()
    );
    // Step times alternate 0.5 / 0.7 s: the asymmetry shows in the summary.
    let a = r.summary.asymmetry.step_time.gait_asymmetry_pct.unwrap();
    assert!(
        (a - 100.0 * (0.7f64 / 0.5).ln()).abs() < 5.0,
        "step-time asymmetry {a}"
    );
}

#[test]
fn a_hole_in_the_data_costs_only_the_steps_inside_it() {
    let reference: serde_json::Value = serde_json::from_str(FIXTURE_REF).unwrap();
    let mut walk = fixture();
    // Lose 0.25 s in the middle of the walk (samples 700..725, 7.00–7.24 s).
    walk.drain(700..725);
    let report = run(&walk);
    let det = ics(&report);
    for r in reference["initial_contacts"].as_array().unwrap() {
        let t = r["t_s"].as_f64().unwrap();
        if (6.8..7.5).contains(&t) {
            continue;
        }
        let side: Side = r["side"].as_str().unwrap().parse().unwrap();
        assert!(
            det.iter()
                .any(|d| (d.0 - t).abs() <= 0.1 && d.1 == Some(side)),
            "no {side} IC near {t}: {det:?}"
        );
    }
    assert_streaming_equals_one_shot(&walk, 23);
}

#[test]
fn metrics_expose_the_summary_with_units_and_sides() {
    let r = run(&fixture());
    let m = r.metrics();
    let get = |key: &str, side: Option<Side>| {
        m.iter()
            .find(|x| x.key == key && x.side == side)
            .unwrap_or_else(|| panic!("metric {key} {side:?} missing"))
    };
    let cadence = get("gait.cadence_spm", None);
    assert_eq!(cadence.unit, "/min");
    assert_eq!(Some(cadence.value), r.summary.cadence_spm);
    for side in Side::BOTH {
        let stance = get("gait.stance_s", Some(side));
        assert_eq!(stance.unit, "s");
        assert!(stance.value > 0.3 && stance.value < 1.5, "{stance:?}");
    }
    assert!(get("gait.asymmetry.stance_pct", None).value >= 0.0);
    assert!(m.iter().all(|x| x.value.is_finite()));
}

#[test]
fn a_noisier_sensor_with_gyro_bias_gives_the_same_contacts() {
    // A consumer-grade IMU: 0.1 m/s² and 1 deg/s white noise, 3 deg/s gyro bias per axis.
    let mut rng = ChaCha8Rng::seed_from_u64(99);
    let noisy: Vec<ImuSample> = fixture()
        .iter()
        .map(|s| {
            let mut n = *s;
            for a in n.acc_mps2.iter_mut() {
                *a += rng.gen_range(-0.17..0.17); // uniform with SD ≈ 0.1
            }
            for (g, b) in n.gyr_dps.iter_mut().zip([3.0, -3.0, 3.0]) {
                *g += b + rng.gen_range(-1.7..1.7);
            }
            n
        })
        .collect();
    let base = ics(&run(&fixture()));
    let got = ics(&run(&noisy));
    let same = base
        .iter()
        .filter(|b| got.iter().any(|g| (g.0 - b.0).abs() <= 0.03 && g.1 == b.1))
        .count();
    assert!(
        same + 1 >= base.len(),
        "{same}/{} ICs kept: {got:?}",
        base.len()
    );
}

#[test]
fn tiny_or_odd_inputs_do_not_panic() {
    let walk = fixture();
    for n in [0, 1, 2, 5, 50, 150] {
        let r = run(&walk[..n]);
        assert!(r.strides.is_empty(), "{n} samples");
    }
    // Duplicate and backwards timestamps, zero vectors, non-finite values.
    let mut odd = walk[..600].to_vec();
    odd[100].t = odd[99].t;
    odd[200].t = steady_core::Micros(odd[150].t.0);
    odd[300].acc_mps2 = [0.0; 3];
    odd[301].acc_mps2 = [f64::NAN, 1.0, 1.0];
    odd[302].gyr_dps = [f64::INFINITY, 0.0, 0.0];
    let r = run(&odd);
    assert!(r.events.iter().all(|e| e.t_s.is_finite()));
    assert!(r.metrics().iter().all(|m| m.value.is_finite()));
}
