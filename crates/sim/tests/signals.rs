//! Invariants of the signal models against the scripted truth.

use steady_core::{Placement, Side, STANDARD_GRAVITY_MPS2};
use steady_sim::truth::{EventKind, TrialEnd};
use steady_sim::{
    simulate, ChairStandParams, RoutePiece, Scenario, SensorConfig, Simulator, SlsOutcome,
    SlsParams, TugParams, WalkParams,
};

fn walk_sim(wp: WalkParams, cfg: &SensorConfig, seed: u64) -> Simulator {
    Simulator::new(
        &Scenario::new().stand(1.0).walk_strides(wp, 12).stand(1.0),
        cfg,
        seed,
    )
}

/// Trapezoid integral of gyro axis `axis` of sensor `i` over `[a, b]` (exact signal, 1 ms).
fn integrate(sim: &Simulator, i: usize, axis: usize, a: f64, b: f64) -> f64 {
    let n = ((b - a) / 0.001).ceil() as usize;
    let h = (b - a) / n as f64;
    let mut s = 0.0;
    for k in 0..=n {
        let w = if k == 0 || k == n { 0.5 } else { 1.0 };
        s += w * sim.exact(i, a + k as f64 * h).1[axis];
    }
    s * h
}

#[test]
fn gravity_reads_9_81_at_rest_in_every_sensor_whatever_the_mounting() {
    let mut cfg = SensorConfig::all().noiseless().mirrored();
    for (i, s) in cfg.sensors.iter_mut().enumerate() {
        let k = i as f64;
        s.misalignment_deg = [17.0 * k - 40.0, 23.0 - 9.0 * k, 31.0 * k];
    }
    let sim = simulate(&Scenario::new().stand(3.0), &cfg, 3);
    for (p, s) in &sim.streams {
        // First second: before the postural sway window has ramped up.
        for x in s.iter().filter(|x| x.t_s() < 0.3) {
            assert!(
                (x.acc_norm_mps2() - STANDARD_GRAVITY_MPS2).abs() < 1e-3,
                "{p}: |acc| = {}",
                x.acc_norm_mps2()
            );
            assert!(
                x.gyr_dps.iter().all(|g| g.abs() < 0.5),
                "{p}: gyro {:?}",
                x.gyr_dps
            );
        }
        let mean = s.iter().map(|x| x.acc_norm_mps2()).sum::<f64>() / s.len() as f64;
        assert!((mean - 9.81).abs() < 0.01, "{p}: mean |acc| {mean}");
    }
    // Nominal mounting: gravity on +x (up) everywhere.
    let sim = simulate(
        &Scenario::new().stand(1.0),
        &SensorConfig::all().noiseless(),
        3,
    );
    for (p, s) in &sim.streams {
        assert!(
            (s[10].acc_mps2[0] - STANDARD_GRAVITY_MPS2).abs() < 1e-3,
            "{p}"
        );
    }
}

#[test]
fn sagittal_gyro_integral_over_a_stride_returns_to_start() {
    let cfg = SensorConfig::new(&[
        Placement::LeftShank,
        Placement::RightShank,
        Placement::LeftFoot,
        Placement::RightFoot,
    ])
    .noiseless();
    let sim = walk_sim(WalkParams::default(), &cfg, 7);
    let strides: Vec<_> = sim
        .truth()
        .strides
        .iter()
        .filter(|s| s.steady)
        .copied()
        .collect();
    assert!(strides.len() >= 16, "{} steady strides", strides.len());
    for st in &strides {
        for (i, spec) in cfg.sensors.iter().enumerate() {
            if spec.placement.side() != Some(st.side) {
                continue;
            }
            let whole = integrate(&sim, i, 2, st.start_s, st.end_s);
            let swing = integrate(&sim, i, 2, st.fc_s, st.end_s);
            assert!(
                whole.abs() < 1.0,
                "{}: stride integral {whole}°",
                spec.placement
            );
            assert!(swing < -40.0, "{}: swing rotation {swing}°", spec.placement);
        }
    }
}

#[test]
fn shank_mid_swing_peak_lies_between_fc_and_next_ic_and_foot_is_still_mid_stance() {
    let cfg = SensorConfig::new(&[
        Placement::LeftShank,
        Placement::RightShank,
        Placement::LeftFoot,
        Placement::RightFoot,
    ]);
    let sim = walk_sim(WalkParams::default(), &cfg, 11).run();
    let rate = sim.rate_hz;
    for st in sim.truth.strides.iter().filter(|s| s.steady) {
        let shank = sim
            .stream(Placement::of(steady_core::Segment::Shank, st.side))
            .unwrap();
        // Most negative sagittal rate within the stride = mid-swing peak.
        let a = (st.start_s * rate).ceil() as usize;
        let b = (st.end_s * rate).floor() as usize;
        let k = (a..=b)
            .min_by(|&i, &j| shank[i].gyr_dps[2].total_cmp(&shank[j].gyr_dps[2]))
            .unwrap();
        let t = shank[k].t_s();
        assert!(
            t > st.fc_s && t < st.end_s,
            "peak {t} not in swing {}..{}",
            st.fc_s,
            st.end_s
        );
        assert!(shank[k].gyr_dps[2] < -200.0, "peak {}", shank[k].gyr_dps[2]);
        let foot = sim
            .stream(Placement::of(steady_core::Segment::Foot, st.side))
            .unwrap();
        let m = ((st.start_s + 0.35 * st.stance_s) * rate).round() as usize;
        let g = foot[m].gyr_dps;
        let norm = (g[0] * g[0] + g[1] * g[1] + g[2] * g[2]).sqrt();
        assert!(
            norm < 3.0,
            "foot rate {norm} deg/s at mid-stance (noise + bias only)"
        );
        let swing_rate = foot[((st.fc_s + 0.45 * st.swing_s) * rate).round() as usize].gyr_dps[2];
        assert!(swing_rate < -150.0, "foot mid-swing {swing_rate}");
    }
}

#[test]
fn truth_events_follow_the_configured_timing_and_antalgic_side_has_shorter_stance() {
    let wp = WalkParams {
        stance_fraction: [0.57, 0.66],
        step_time_cv: 0.0,
        ..WalkParams::default()
    };
    let sim = walk_sim(wp.clone(), &SensorConfig::default(), 5);
    let t = sim.truth();
    let mean = |side: Side, f: fn(&steady_sim::truth::StrideTruth) -> f64| {
        let v: Vec<f64> = t
            .strides
            .iter()
            .filter(|s| s.steady && s.side == side)
            .map(f)
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    let stride = wp.stride_time_s();
    let sl = mean(Side::Left, |s| s.stance_s);
    let sr = mean(Side::Right, |s| s.stance_s);
    assert!((sl - 0.57 * stride).abs() < 1e-6, "left stance {sl}");
    assert!((sr - 0.66 * stride).abs() < 1e-6, "right stance {sr}");
    assert!(sl < sr);
    let len = mean(Side::Left, |s| s.length_m);
    assert!(
        (len - 2.0 * wp.step_length_m).abs() < 0.08,
        "stride length {len}"
    );
    // Events alternate per foot: IC, FC, IC, ...
    for side in Side::BOTH {
        let ev: Vec<_> = t
            .events
            .iter()
            .filter(|e| e.side == side && e.t_s > t.bouts[0].start_s - 1.0)
            .collect();
        for w in ev.windows(2) {
            assert_ne!(w[0].kind, w[1].kind, "{side}: two {:?} in a row", w[0].kind);
            assert!(w[1].t_s > w[0].t_s);
        }
    }
    // Double support equals stance minus the other foot's swing.
    for s in t.strides.iter().filter(|s| s.steady) {
        let other_swing = stride * (1.0 - wp.stance_fraction[1 - (s.side as usize)]);
        assert!((s.single_support_s - other_swing).abs() < 1e-6);
    }
}

/// Power of `x` (mean removed) at frequency `f` (Hz).
fn power(x: &[f64], fs: f64, f: f64) -> f64 {
    let m = x.iter().sum::<f64>() / x.len() as f64;
    let (mut re, mut im) = (0.0, 0.0);
    for (j, v) in x.iter().enumerate() {
        let a = std::f64::consts::TAU * f * j as f64 / fs;
        re += (v - m) * a.cos();
        im += (v - m) * a.sin();
    }
    re * re + im * im
}

#[test]
fn lower_back_vertical_acceleration_peaks_at_step_frequency() {
    for cadence in [90.0, 115.0] {
        let wp = WalkParams {
            cadence_spm: cadence,
            ..WalkParams::default()
        };
        let sim = walk_sim(wp, &SensorConfig::default(), 2).run();
        let b = sim.truth.bouts[0];
        let x: Vec<f64> = sim.streams[0]
            .1
            .iter()
            .filter(|s| s.t_s() > b.start_s + 1.5 && s.t_s() < b.end_s - 1.5)
            .map(|s| s.acc_mps2[0])
            .collect();
        let mut best = (0.0, 0.0);
        let mut f = 0.4;
        while f < 4.0 {
            let p = power(&x, 100.0, f);
            if p > best.0 {
                best = (p, f);
            }
            f += 0.01;
        }
        assert!(
            (best.1 - cadence / 60.0).abs() < 0.06,
            "dominant {} Hz at cadence {cadence}",
            best.1
        );
        // ML acceleration is dominated by the stride frequency instead.
        let y: Vec<f64> = sim.streams[0]
            .1
            .iter()
            .filter(|s| s.t_s() > b.start_s + 1.5 && s.t_s() < b.end_s - 1.5)
            .map(|s| s.acc_mps2[1])
            .collect();
        assert!(power(&y, 100.0, cadence / 120.0) > power(&y, 100.0, cadence / 60.0));
    }
}

#[test]
fn pelvic_drop_follows_the_configured_side() {
    let wp = WalkParams {
        pelvic_drop_deg: [10.0, 3.0],
        ..WalkParams::default()
    };
    let cfg = SensorConfig::new(&[Placement::LowerBack]).noiseless();
    let sim = walk_sim(wp, &cfg, 9);
    let t = sim.truth().clone();
    // Roll angle (about the forward axis = sensor z) integrated from rest.
    let mut roll_at = Vec::new();
    for st in t.strides.iter().filter(|s| s.steady) {
        // Mid single support of this foot: halfway through the other foot's swing.
        let other = t
            .strides
            .iter()
            .find(|o| o.side != st.side && o.fc_s > st.start_s && o.fc_s < st.fc_s);
        if let Some(o) = other {
            let mid = 0.5 * (o.fc_s + o.end_s);
            roll_at.push((st.side, integrate(&sim, 0, 2, 0.5, mid)));
        }
    }
    let m = |side: Side| {
        let v: Vec<f64> = roll_at
            .iter()
            .filter(|r| r.0 == side)
            .map(|r| r.1)
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!(
        m(Side::Left) > 8.0 && m(Side::Left) < 11.0,
        "left stance roll {}",
        m(Side::Left)
    );
    assert!(
        m(Side::Right) < -2.0 && m(Side::Right) > -4.0,
        "right stance roll {}",
        m(Side::Right)
    );
}

#[test]
fn turns_show_as_yaw_on_back_and_legs() {
    let route = vec![
        RoutePiece::Straight { duration_s: 3.0 },
        RoutePiece::Turn {
            angle_deg: 90.0,
            duration_s: 2.0,
            speed_factor: 0.6,
        },
        RoutePiece::Straight { duration_s: 3.0 },
    ];
    let cfg = SensorConfig::new(&[Placement::LowerBack, Placement::LeftShank]).noiseless();
    let sim = Simulator::new(
        &Scenario::new()
            .stand(1.0)
            .walk_route(WalkParams::default(), route),
        &cfg,
        4,
    );
    let d = sim.truth().duration_s;
    let yaw_back = integrate(&sim, 0, 0, 0.0, d);
    assert!((yaw_back - 90.0).abs() < 1.0, "lower back yaw {yaw_back}");
    // Shank yaw shows on its long axis x; while the shank is pitched part of it lands on y, so
    // the x integral is a little below the heading change.
    let yaw_shank = integrate(&sim, 1, 0, 0.0, d);
    assert!(
        yaw_shank > 75.0 && yaw_shank < 92.0,
        "shank yaw {yaw_shank}"
    );
    let straight = integrate(&sim, 1, 0, 0.0, 4.0);
    assert!(straight.abs() < 2.0, "shank yaw before the turn {straight}");
}

#[test]
fn mirrored_mounting_flips_sagittal_sign() {
    let plain = SensorConfig::new(&[Placement::RightShank]).noiseless();
    let mirr = plain.clone().mirrored();
    let a = walk_sim(WalkParams::default(), &plain, 1).run();
    let b = walk_sim(WalkParams::default(), &mirr, 1).run();
    let (sa, sb) = (&a.streams[0].1, &b.streams[0].1);
    let mut biggest: f64 = 0.0;
    for (x, y) in sa.iter().zip(sb) {
        assert!((x.gyr_dps[2] + y.gyr_dps[2]).abs() < 1e-9);
        assert!((x.acc_mps2[1] + y.acc_mps2[1]).abs() < 1e-9);
        assert!((x.acc_mps2[0] - y.acc_mps2[0]).abs() < 1e-9);
        biggest = biggest.max(x.gyr_dps[2].abs());
    }
    assert!(biggest > 200.0);
}

#[test]
fn same_seed_is_identical_and_other_seeds_differ() {
    let sc = Scenario::new()
        .stand(1.0)
        .walk_strides(WalkParams::default(), 4);
    let cfg = SensorConfig::default();
    let a = simulate(&sc, &cfg, 100);
    let b = simulate(&sc, &cfg, 100);
    let c = simulate(&sc, &cfg, 101);
    assert_eq!(a, b);
    assert_ne!(a.streams, c.streams);
    assert_ne!(a.truth.events, c.truth.events);
    // Random access equals the batch output.
    let s = Simulator::new(&sc, &cfg, 100);
    assert_eq!(s.sample(1, 250), a.streams[1].1[250]);
}

#[test]
fn single_leg_stance_lift_off_touch_down_and_hop_are_visible() {
    let cfg = SensorConfig::new(&[
        Placement::LowerBack,
        Placement::LeftShank,
        Placement::RightShank,
    ])
    .noiseless();
    for outcome in [
        SlsOutcome::TouchDown { after_s: 4.0 },
        SlsOutcome::Hop { after_s: 4.0 },
    ] {
        let p = SlsParams {
            stance: Side::Left,
            outcome,
            ..SlsParams::default()
        };
        let sim = simulate(&Scenario::new().stand(1.0).single_leg_stance(p), &cfg, 8);
        let tr = sim.truth.balance_trials[0];
        assert!((tr.held_s - 4.0).abs() < 1e-9);
        let back = &sim.streams[0].1;
        let free = &sim.streams[2].1;
        let stance = &sim.streams[1].1;
        let peak = |s: &[steady_core::ImuSample],
                    a: f64,
                    b: f64,
                    f: &dyn Fn(&steady_core::ImuSample) -> f64| {
            s.iter()
                .filter(|x| x.t_s() >= a && x.t_s() <= b)
                .map(f)
                .fold(0.0, f64::max)
        };
        let gz = |x: &steady_core::ImuSample| x.gyr_dps[2].abs();
        // Free shank rotates at lift-off and touch-down, not while held.
        assert!(peak(free, tr.lift_off_s - 0.2, tr.lift_off_s + 0.6, &gz) > 60.0);
        assert!(peak(free, tr.touch_down_s - 0.6, tr.touch_down_s + 0.1, &gz) > 60.0);
        assert!(peak(free, tr.lift_off_s + 1.0, tr.lift_off_s + 3.5, &gz) < 5.0);
        let dev = |x: &steady_core::ImuSample| (x.acc_norm_mps2() - 9.81).abs();
        let burst = peak(back, tr.lift_off_s + tr.held_s, tr.touch_down_s + 0.3, &dev);
        let calm = peak(back, tr.lift_off_s + 1.0, tr.lift_off_s + 3.5, &dev);
        let stance_move = peak(
            stance,
            tr.lift_off_s + tr.held_s,
            tr.touch_down_s + 0.3,
            &gz,
        );
        match tr.end {
            TrialEnd::Hop => {
                assert!(
                    burst > 3.0 && burst > 10.0 * calm,
                    "hop burst {burst} vs {calm}"
                );
                assert!(stance_move > 50.0, "stance leg {stance_move}");
                assert!(sim
                    .truth
                    .events
                    .iter()
                    .any(|e| e.side == Side::Left && e.kind == EventKind::FinalContact));
            }
            _ => {
                assert_eq!(tr.end, TrialEnd::TouchDown);
                assert!(stance_move < 10.0, "stance leg {stance_move}");
            }
        }
    }
}

#[test]
fn chair_stand_counts_full_rises_only() {
    let p = ChairStandParams {
        failed_rise_before: Some(2),
        ..ChairStandParams::default()
    };
    let cfg = SensorConfig::new(&[Placement::LeftThigh]).noiseless();
    let sim = Simulator::new(&Scenario::new().stand(1.0).chair_stand_30s(p), &cfg, 1);
    let ct = sim.truth().chair_stands[0].clone();
    // Only the scripted half-rise fails to count (the last rise ends before the 30 s).
    assert_eq!(
        ct.reps.iter().filter(|r| !r.counted).count(),
        1,
        "{:?}",
        ct.reps
    );
    // Thigh angle from the gyro: count rises reaching standing (> −15°) within the test.
    let mut angle = -85.0;
    let mut standing = false;
    let mut count = 0;
    let (mut t, h) = (ct.start_s - 0.5, 0.002);
    // Start seated: thigh at −85°.
    while t < ct.end_s {
        angle += sim.exact(0, t).1[2] * h;
        if !standing && angle > -15.0 {
            standing = true;
            count += 1;
        } else if standing && angle < -60.0 {
            standing = false;
        }
        t += h;
    }
    assert_eq!(count, ct.completed);
    assert!(ct.completed >= 9 && ct.completed <= 12, "{}", ct.completed);
}

#[test]
fn tug_phases_are_ordered_and_turns_are_half_turns() {
    let cfg = SensorConfig::new(&[Placement::LowerBack]).noiseless();
    let sim = Simulator::new(
        &Scenario::new().stand(1.0).tug(TugParams::default()),
        &cfg,
        2,
    );
    let tt = sim.truth().tugs[0];
    let seq = [
        tt.start_s,
        tt.stand_end_s,
        tt.turn1_start_s,
        tt.turn1_end_s,
        tt.turn2_start_s,
        tt.sit_start_s,
        tt.end_s,
    ];
    assert!(seq.windows(2).all(|w| w[0] < w[1]), "{seq:?}");
    let total = tt.end_s - tt.start_s;
    assert!(total > 7.0 && total < 16.0, "TUG {total} s");
    let yaw1 = integrate(&sim, 0, 0, tt.turn1_start_s - 0.5, tt.turn1_end_s + 0.5);
    assert!((yaw1 - 180.0).abs() < 15.0, "turn 1: {yaw1}");
}

#[test]
fn four_stage_test_records_stages_and_a_step_out() {
    use steady_sim::{BalanceStage, FourStageParams};
    let cfg = SensorConfig::new(&[Placement::LowerBack, Placement::RightFoot]).noiseless();
    let full = simulate(
        &Scenario::new()
            .stand(1.0)
            .four_stage(FourStageParams::default()),
        &cfg,
        3,
    );
    let st = &full.truth.stages;
    assert_eq!(st.len(), 4);
    assert!(st
        .iter()
        .all(|s| s.passed && (s.end_s - s.start_s - 10.0).abs() < 1e-9));
    assert_eq!(st[3].stage, BalanceStage::SingleLeg);
    assert_eq!(full.truth.balance_trials.len(), 1);
    assert_eq!(full.truth.balance_trials[0].end, TrialEnd::TimeLimit);
    assert!(st.windows(2).all(|w| w[0].end_s < w[1].start_s));
    // The moving (right) foot is still while each stage is held.
    let foot = full.stream(Placement::RightFoot).unwrap();
    for s in &st[..3] {
        let moving = foot
            .iter()
            .filter(|x| x.t_s() > s.start_s + 0.5 && x.t_s() < s.end_s)
            .any(|x| x.gyr_dps.iter().any(|g| g.abs() > 1.0));
        assert!(!moving, "{:?}: foot moves while held", s.stage);
    }

    let p = FourStageParams {
        fail: Some((BalanceStage::Tandem, 4.0)),
        ..FourStageParams::default()
    };
    let failed = simulate(&Scenario::new().stand(1.0).four_stage(p), &cfg, 3);
    let st = &failed.truth.stages;
    assert_eq!(st.len(), 3);
    assert!(st[0].passed && st[1].passed && !st[2].passed);
    assert!((st[2].end_s - st[2].start_s - 4.0).abs() < 1e-9);
    // Step out: a recorded lift-off of the right foot at the stage end and a foot burst.
    assert!(failed.truth.events.iter().any(|e| e.side == Side::Right
        && e.kind == EventKind::FinalContact
        && (e.t_s - st[2].end_s).abs() < 1e-9));
    let burst = failed
        .stream(Placement::RightFoot)
        .unwrap()
        .iter()
        .filter(|x| x.t_s() >= st[2].end_s && x.t_s() < st[2].end_s + 0.5)
        .map(|x| (x.acc_norm_mps2() - STANDARD_GRAVITY_MPS2).abs())
        .fold(0.0, f64::max);
    assert!(burst > 5.0, "step-out burst {burst}");
}

#[test]
fn step_time_variability_follows_the_configured_cv() {
    for cv in [0.0, 0.04] {
        let wp = WalkParams {
            step_time_cv: cv,
            ..WalkParams::default()
        };
        let sim = Simulator::new(
            &Scenario::new().walk_strides(wp.clone(), 60),
            &SensorConfig::default(),
            21,
        );
        let t = sim.truth();
        let b = t.bouts[0];
        let ics: Vec<f64> = t
            .events
            .iter()
            .filter(|e| {
                e.kind == EventKind::InitialContact
                    && e.t_s > b.start_s + 1.0
                    && e.t_s < b.end_s - 2.0
            })
            .map(|e| e.t_s)
            .collect();
        let steps: Vec<f64> = ics.windows(2).map(|w| w[1] - w[0]).collect();
        let m = steps.iter().sum::<f64>() / steps.len() as f64;
        let sd = (steps.iter().map(|s| (s - m).powi(2)).sum::<f64>() / steps.len() as f64).sqrt();
        assert!((m - 0.5 * wp.stride_time_s()).abs() < 0.01, "mean step {m}");
        assert!((sd / m - cv).abs() < 0.012, "step cv {} vs {cv}", sd / m);
    }
}

#[test]
fn demo_truth_serialises_to_json_with_snake_case_kinds() {
    let sim = Simulator::new(&Scenario::demo(), &SensorConfig::default(), 1);
    let t = sim.truth();
    assert_eq!(t.bouts.len(), 2, "walk + TUG walk");
    assert_eq!(t.balance_trials.len(), 2);
    assert_eq!(t.balance_trials[1].end, TrialEnd::TouchDown);
    assert_eq!(t.tugs.len(), 1);
    let c = &t.chair_stands[0];
    assert_eq!(c.completed as usize, c.reps.len() - 1);
    let v = serde_json::to_value(t).unwrap();
    assert_eq!(v["events"][0]["kind"], "final_contact");
    assert_eq!(v["balance_trials"][0]["end"], "time_limit");
    assert!(v["duration_s"].as_f64().unwrap() > 120.0);
}

#[test]
fn nonsense_parameters_give_a_finite_simulation() {
    let wp = WalkParams {
        cadence_spm: 0.0,
        step_length_m: f64::NAN,
        stance_fraction: [2.0, -1.0],
        ..WalkParams::default()
    };
    let sc = Scenario::new()
        .stand(-3.0)
        .walk(wp, f64::INFINITY)
        .single_leg_stance(SlsParams {
            time_limit_s: 0.1,
            outcome: SlsOutcome::Hop { after_s: f64::NAN },
            ..SlsParams::default()
        })
        .chair_stand_30s(ChairStandParams {
            rep_s: 0.0,
            duration_s: 5.0,
            failed_rise_before: Some(0),
        });
    let cfg = SensorConfig {
        rate_hz: -5.0,
        ..SensorConfig::default()
    };
    let sim = simulate(&sc, &cfg, 1);
    assert_eq!(sim.rate_hz, 100.0);
    for (_, s) in &sim.streams {
        assert!(s
            .iter()
            .all(|x| x.acc_mps2.iter().chain(&x.gyr_dps).all(|v| v.is_finite())));
    }
    assert!(sim.truth.duration_s.is_finite());
}
