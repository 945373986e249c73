//! Runs the benchmarked pipelines once each, for instruction counting on a noisy machine:
//! `valgrind --tool=callgrind --toggle-collect='*gait::analyze*' target/release/examples/profile_pipelines`
//! counts only the analysis (not CSV parsing). `--dump` prints both reports (Debug form) so
//! two builds can be compared for exactly equal results. `--repeat N lowback|feet` runs one
//! pipeline N times and prints its CPU time per sensor-minute (process CPU time, which
//! other jobs on a loaded machine do not inflate as much as wall time). Needs `../shared/data`.

use steady_analysis::gait::{analyze, analyze_with_clock};
use steady_analysis::{SensorInput, Subject};
use steady_core::Placement;

fn main() {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");
    let read = |path: &str| {
        let text = std::fs::read_to_string(format!("{data}/{path}")).ok()?;
        steady_recording::parse_imu_csv(&text).ok()
    };
    let args: Vec<String> = std::env::args().collect();
    let dump = args.iter().any(|a| a == "--dump");
    let repeat = args.iter().position(|a| a == "--repeat").and_then(|i| {
        Some((
            args.get(i + 1)?.parse::<u32>().ok()?,
            args.get(i + 2)?.clone(),
        ))
    });
    let Some(back) = read("mobilised/HA_002/Test11_Trial1/imu.csv") else {
        eprintln!("note: {data} missing, nothing to profile");
        return;
    };
    let subject = Subject {
        sensor_height_m: Some(0.95),
        ..Subject::default()
    };
    if let Some((n, "lowback")) = repeat.as_ref().map(|(n, w)| (*n, w.as_str())) {
        let input = [SensorInput {
            placement: Placement::LowerBack,
            samples: &back,
            sampling_rate_hz: 100.0,
        }];
        let sensor_min = back.len() as f64 / 100.0 / 60.0;
        per_sensor_minute(n, sensor_min, || drop(analyze(&input, &subject)));
        return;
    }
    if let Some((n, "mahony")) = repeat.as_ref().map(|(n, w)| (*n, w.as_str())) {
        // The per-sample attitude filter alone, for its share of the lower-back time.
        let sensor_min = back.len() as f64 / 100.0 / 60.0;
        per_sensor_minute(n, sensor_min, || {
            let mut f = steady_analysis::orientation::Mahony::new(Default::default());
            let mut up_sum = 0.0;
            for s in &back {
                f.update(s.acc_mps2, s.gyr_dps, 0.01);
                up_sum += f.up_in_sensor().z;
            }
            std::hint::black_box(up_sum);
        });
        return;
    }
    let report = analyze(
        &[SensorInput {
            placement: Placement::LowerBack,
            samples: &back,
            sampling_rate_hz: 100.0,
        }],
        &subject,
    );
    if dump {
        println!("{report:?}");
    }
    let (Some(l), Some(r)) = (
        read("gaitmap-example/ms_walk/imu_left_foot.csv"),
        read("gaitmap-example/ms_walk/imu_right_foot.csv"),
    ) else {
        return;
    };
    let input = [
        SensorInput {
            placement: Placement::LeftFoot,
            samples: &l,
            sampling_rate_hz: 102.4,
        },
        SensorInput {
            placement: Placement::RightFoot,
            samples: &r,
            sampling_rate_hz: 102.4,
        },
    ];
    if let Some((n, "feet")) = repeat.as_ref().map(|(n, w)| (*n, w.as_str())) {
        let sensor_min = (l.len() + r.len()) as f64 / 102.4 / 60.0;
        per_sensor_minute(n, sensor_min, || {
            drop(analyze_with_clock(&input, &Subject::default(), false))
        });
        return;
    }
    let feet = analyze_with_clock(&input, &Subject::default(), false);
    if dump {
        println!("{feet:?}");
    }
}

/// Runs `f` `n` times and prints the process CPU time (from /proc, Linux) and wall time per
/// sensor-minute.
fn per_sensor_minute(n: u32, sensor_min: f64, mut f: impl FnMut()) {
    let cpu_s = || -> Option<f64> {
        // utime and stime (fields 14 and 15 of /proc/self/stat), in clock ticks of 1/100 s.
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        let rest = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks: f64 =
            fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
        Some(ticks / 100.0)
    };
    let (cpu0, wall0) = (cpu_s(), std::time::Instant::now());
    for _ in 0..n {
        f();
    }
    let wall = wall0.elapsed().as_secs_f64();
    let per = |s: f64| s * 1e3 / n as f64 / sensor_min;
    match (cpu0, cpu_s()) {
        (Some(a), Some(b)) => println!(
            "{:.3} ms CPU, {:.3} ms wall per sensor-minute ({n} runs)",
            per(b - a),
            per(wall)
        ),
        _ => println!("{:.3} ms wall per sensor-minute ({n} runs)", per(wall)),
    }
}
