//! Instrumented TUG against simulated truth across walking speeds, turn durations, noise and
//! sensor misalignment.

use steady_analysis::{SensorInput, Subject};
use steady_balance::tug;
use steady_core::Placement;
use steady_sim::{simulate, Scenario, SensorConfig, TugParams, WalkParams};

#[test]
fn tug_total_and_phases_match_truth_over_a_range() {
    let mut worst = [0.0_f64; 6];
    let mut n = 0;
    let mut steps_seen = 0;
    for (i, (cadence, speed)) in [(80.0, 0.5), (95.0, 0.8), (105.0, 1.05), (120.0, 1.4)]
        .into_iter()
        .enumerate()
    {
        for (j, (turn_s, noise, mis)) in [(1.2, 0.0, 0.0), (1.8, 0.02, 6.0), (2.6, 0.05, 12.0)]
            .into_iter()
            .enumerate()
        {
            let walk = WalkParams {
                cadence_spm: cadence,
                ..WalkParams::default()
            }
            .with_speed(speed);
            let sc = Scenario::new().stand(2.0).tug(TugParams {
                walk,
                distance_m: 3.0,
                turn_s,
            });
            let mut cfg = SensorConfig::new(&[Placement::LowerBack]);
            cfg.acc_noise_mps2 = noise;
            cfg.gyr_noise_dps = 10.0 * noise;
            cfg.sensors[0].misalignment_deg = [0.5 * mis, mis, -0.6 * mis];
            let sim = simulate(&sc, &cfg, 100 + 10 * i as u64 + j as u64);
            let t = sim.truth.tugs[0];
            let inputs = [SensorInput {
                placement: Placement::LowerBack,
                samples: sim.stream(Placement::LowerBack).unwrap(),
                sampling_rate_hz: sim.rate_hz,
            }];
            let r = tug::analyze(&inputs, &Subject::default(), None).unwrap();
            let errs = [
                r.total_s - (t.end_s - t.start_s),
                r.start_s - t.start_s,
                r.stand_end_s - t.stand_end_s,
                r.turn1.start_s - t.turn1_start_s,
                r.turn1.end_s - t.turn1_end_s,
                r.turn2.start_s - t.turn2_start_s,
            ];
            println!(
                "cad {cadence} v {speed} turn {turn_s} s noise {noise} mis {mis}: total {:.2} (truth {:.2}) errs total/start/stand/t1s/t1e/t2s = {:?}; gait {:?}",
                r.total_s,
                t.end_s - t.start_s,
                errs.map(|e| (e * 1000.0).round() / 1000.0),
                r.gait
            );
            for (w, e) in worst.iter_mut().zip(errs) {
                *w = w.max(e.abs());
            }
            assert!(
                (r.turn1.angle_deg.abs() - 180.0).abs() < 45.0,
                "{:?}",
                r.turn1
            );
            assert_eq!(r.at_risk, r.total_s >= 12.0);
            steps_seen += r.gait.map_or(0, |g| g.steps);
            n += 1;
        }
    }
    println!(
        "TUG over {n} trials: worst |error| total {:.3} s, start {:.3} s, standing {:.3} s, turn1 start {:.3} s, turn1 end {:.3} s, turn2 start {:.3} s",
        worst[0], worst[1], worst[2], worst[3], worst[4], worst[5]
    );
    assert!(worst[0] < 0.2, "total time within 0.2 s");
    assert!(
        worst[1] < 0.3 && worst[2] < 0.4,
        "sit-to-stand within 0.3/0.4 s"
    );
    assert!(
        worst[3..].iter().all(|&w| w < 0.5),
        "turn boundaries within 0.5 s"
    );
    let _ = steps_seen;
}

/// The phase the simulated patient is in at `t` (None before "Go").
fn truth_phase(t: &steady_sim::truth::TugTruth, at_s: f64) -> Option<tug::TugPhase> {
    use tug::TugPhase::*;
    let bounds = [
        (t.start_s, SitToStand),
        (t.stand_end_s, WalkOut),
        (t.turn1_start_s, Turn),
        (t.turn1_end_s, WalkBack),
        (t.turn2_start_s, TurnToSit),
        (t.end_s, Seated),
    ];
    bounds
        .iter()
        .rev()
        .find(|(s, _)| at_s >= *s)
        .map(|(_, p)| *p)
}

#[test]
fn tug_progress_follows_the_phases_as_they_happen_at_100_and_25_hz() {
    use tug::TugPhase;
    let sc = Scenario::new()
        .stand(3.0)
        .tug(TugParams::default())
        .stand(3.0);
    let sim = simulate(&sc, &SensorConfig::default(), 61);
    let truth = sim.truth.tugs[0];
    let full = sim.stream(Placement::LowerBack).unwrap();
    // The daemon's display stream: block means of 4.
    let decimated = steady_analysis::dsp::block_mean(full, 4);
    for (x, fs) in [(full.to_vec(), sim.rate_hz), (decimated, sim.rate_hz / 4.0)] {
        let mut seen = Vec::new();
        // As the guide buffers: from the countdown, 3 s before "Go" (the simulated patient
        // stands, sits down, waits 1.5 s seated).
        let from = truth.start_s - 3.0;
        let mut t = from + 2.0;
        while t < truth.end_s + 1.0 {
            let so_far: Vec<_> = x
                .iter()
                .filter(|s| s.t_s() >= from && s.t_s() <= t)
                .copied()
                .collect();
            let p = tug::progress(&so_far, fs);
            let now = truth_phase(&truth, t);
            // Found up to 1.5 s late, never ahead of the patient.
            let late = truth_phase(&truth, t - 1.5);
            if let Some(p) = p {
                assert!(
                    Some(p.phase) <= now && (late.is_none() || Some(p.phase) >= late),
                    "{fs} Hz at {t:.1} s: {:?}, truth {now:?} (1.5 s ago {late:?})",
                    p.phase
                );
                if seen.last() != Some(&p.phase) {
                    println!(
                        "{fs} Hz at {t:.1} s: {:?} since {:.2} s",
                        p.phase, p.since_s
                    );
                    seen.push(p.phase);
                }
            } else {
                assert!(
                    late.is_none(),
                    "{fs} Hz at {t:.1} s: nothing, truth {now:?}"
                );
            }
            t += 0.5;
        }
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
        for want in [
            TugPhase::WalkOut,
            TugPhase::Turn,
            TugPhase::WalkBack,
            TugPhase::TurnToSit,
            TugPhase::Seated,
        ] {
            assert!(
                seen.contains(&want),
                "{fs} Hz: {want:?} not shown: {seen:?}"
            );
        }
    }
}
