//! Prints shape statistics of simulated walking next to real recordings from `../shared/data`
//! (Mobilise-D lower back, gaitmap foot), so the signal models can be checked by eye:
//! `cargo run -p steady-sim --release --example compare_real`.

use steady_core::{ImuSample, Placement};
use steady_sim::{simulate, Scenario, SensorConfig, SensorSpec, WalkParams};

fn load(path: &str, t0: f64, t1: f64) -> Option<(Vec<[f64; 6]>, f64)> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut rows = Vec::new();
    let mut ts = Vec::new();
    for line in text.lines().skip(1) {
        let v: Vec<f64> = line.split(',').filter_map(|x| x.parse().ok()).collect();
        if v.len() == 7 && v[0] >= t0 && v[0] < t1 {
            ts.push(v[0]);
            rows.push([v[1], v[2], v[3], v[4], v[5], v[6]]);
        }
    }
    let fs = (ts.len() - 1) as f64 / (ts[ts.len() - 1] - ts[0]);
    Some((rows, fs))
}

fn dominant_hz(x: &[f64], fs: f64) -> f64 {
    let n = x.len();
    let m = x.iter().sum::<f64>() / n as f64;
    let mut best = (0.0, 0.0);
    let mut f = 0.3;
    while f < 4.0 {
        let (mut re, mut im) = (0.0, 0.0);
        for (j, v) in x.iter().enumerate() {
            let a = std::f64::consts::TAU * f * j as f64 / fs;
            re += (v - m) * a.cos();
            im += (v - m) * a.sin();
        }
        let p = re * re + im * im;
        if p > best.0 {
            best = (p, f);
        }
        f += 0.01;
    }
    best.1
}

fn stats(name: &str, rows: &[[f64; 6]], fs: f64) {
    println!("{name}");
    for (i, ax) in ["acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]
        .iter()
        .enumerate()
    {
        let x: Vec<f64> = rows.iter().map(|r| r[i]).collect();
        let n = x.len() as f64;
        let m = x.iter().sum::<f64>() / n;
        let sd = (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n).sqrt();
        let mut s = x.clone();
        s.sort_by(f64::total_cmp);
        let p = |q: f64| s[((s.len() - 1) as f64 * q) as usize];
        println!(
            "  {ax}: mean {m:8.2} sd {sd:7.2} p5 {:8.2} p95 {:8.2} min {:8.2} max {:8.2} dominant {:.2} Hz",
            p(0.05),
            p(0.95),
            s[0],
            s[s.len() - 1],
            dominant_hz(&x, fs)
        );
    }
}

fn rows(s: &[ImuSample], t0: f64, t1: f64) -> Vec<[f64; 6]> {
    s.iter()
        .filter(|x| x.t_s() >= t0 && x.t_s() < t1)
        .map(|x| {
            let (a, g) = (x.acc_mps2, x.gyr_dps);
            [a[0], a[1], a[2], g[0], g[1], g[2]]
        })
        .collect()
}

fn main() {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");
    // Mobilise-D HA_001 Test5_Trial1: reference cadence 100.5 steps/min, 1.06 m/s, stance ≈ 0.6.
    let wp = WalkParams {
        cadence_spm: 100.5,
        ..WalkParams::default()
    }
    .with_speed(1.06);
    let mut cfg = SensorConfig::new(&[Placement::LowerBack, Placement::LeftFoot]);
    cfg.sensors[1] = SensorSpec::new(Placement::LeftFoot);
    let sim = simulate(&Scenario::new().stand(1.0).walk_strides(wp, 10), &cfg, 1);
    let b = &sim.truth.bouts[0];
    let (t0, t1) = (b.start_s + 1.5, b.start_s + 1.5 + 4.8);
    if let Some((r, fs)) = load(
        &format!("{data}/mobilised/HA_001/Test5_Trial1/imu.csv"),
        5.0,
        9.8,
    ) {
        stats(
            "REAL lower back (Mobilise-D HA_001 T5 5.0-9.8 s; x up, y right, z fwd)",
            &r,
            fs,
        );
    }
    stats(
        "SIM  lower back (100.5 steps/min, 1.06 m/s, 4.8 s of steady walking)",
        &rows(sim.stream(Placement::LowerBack).unwrap_or(&[]), t0, t1),
        100.0,
    );
    // gaitmap healthy_walk: stride ≈ 1.09 s (110 steps/min), stride length ≈ 1.35 m.
    let wp = WalkParams {
        cadence_spm: 110.0,
        step_length_m: 0.67,
        stance_fraction: [0.67, 0.67],
        ..WalkParams::default()
    };
    let sim = simulate(&Scenario::new().stand(1.0).walk_strides(wp, 10), &cfg, 1);
    let b = &sim.truth.bouts[0];
    let (t0, t1) = (b.start_s + 1.5, b.start_s + 8.5);
    if let Some((r, fs)) = load(
        &format!("{data}/gaitmap-example/healthy_walk/imu_left_foot.csv"),
        5.0,
        12.0,
    ) {
        stats(
            "REAL left foot (gaitmap healthy_walk 5-12 s; x up, y fwd, z left)",
            &r,
            fs,
        );
    }
    stats(
        "SIM  left foot (110 steps/min, 1.23 m/s, 7 s of steady walking)",
        &rows(sim.stream(Placement::LeftFoot).unwrap_or(&[]), t0, t1),
        100.0,
    );
}
