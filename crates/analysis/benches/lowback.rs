//! Full lower-back pipeline (filters, orientation, events, strides, summary) on the longest
//! reference recording (HA_002/Test11, 160 s at 100 Hz), or a synthetic walk when
//! `../shared/data` is missing. Time per sensor-minute = reported time × 60 / duration.

use criterion::{criterion_group, criterion_main, Criterion};
use steady_analysis::gait::analyze;
use steady_analysis::{SensorInput, Subject};
use steady_core::{ImuSample, Micros, Placement};

fn samples() -> (Vec<ImuSample>, &'static str) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/mobilised/HA_002/Test11_Trial1/imu.csv"
    );
    if let Ok(text) = std::fs::read_to_string(path) {
        if let Ok(s) = steady_recording::parse_imu_csv(&text) {
            return (s, "HA_002/Test11_Trial1");
        }
    }
    // Synthetic 160 s walk: 1.8 Hz steps on the vertical axis, 0.9 Hz sway.
    let s = (0..16_000)
        .map(|i| {
            let t = i as f64 / 100.0;
            let w = 2.0 * std::f64::consts::PI * 1.8 * t;
            ImuSample {
                t: Micros::from_secs_f64(t),
                acc_mps2: [9.81 + 2.0 * w.cos(), 0.8 * (w / 2.0).sin(), 1.0 * w.sin()],
                gyr_dps: [5.0 * (w / 2.0).cos(), 3.0 * w.sin(), 2.0 * (w / 2.0).sin()],
            }
        })
        .collect();
    (s, "synthetic")
}

fn bench(c: &mut Criterion) {
    let (samples, name) = samples();
    let minutes = samples.len() as f64 / 100.0 / 60.0;
    let subject = Subject {
        sensor_height_m: Some(0.95),
        ..Subject::default()
    };
    let label = format!("lowback_pipeline/{name}/{minutes:.2}_sensor_min");
    c.bench_function(&label, |b| {
        b.iter(|| {
            analyze(
                &[SensorInput {
                    placement: Placement::LowerBack,
                    samples: &samples,
                    sampling_rate_hz: 100.0,
                }],
                &subject,
            )
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
