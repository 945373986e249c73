//! Full lower-back pipeline (filters, orientation, events, strides, summary) on the longest
//! reference recording (HA_002/Test11, 160 s at 100 Hz), or a synthetic walk when
//! `../shared/data` is missing. Time per sensor-minute = reported time ÷ the sensor minutes in
//! the benchmark's name. Before timing, the recording is streamed once in 1 s chunks through
//! [`GaitAnalyzer`] and the largest streaming state seen is printed (target ≤ 1 MB per sensor).

use criterion::{criterion_group, criterion_main, Criterion};
use steady_analysis::gait::{analyze, GaitAnalyzer};
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
    // Streaming state: sample block buffer + assembler chain, largest value over the stream,
    // plus the fixed size of the analyzer itself.
    let mut live = GaitAnalyzer::new(&[(Placement::LowerBack, 100.0)], subject);
    let mut max_state = 0usize;
    for chunk in samples.chunks(100) {
        let _ = live.push(Placement::LowerBack, chunk);
        max_state = max_state.max(live.buffered_bytes());
    }
    let fixed = std::mem::size_of::<GaitAnalyzer>();
    eprintln!(
        "lowback streaming state: max {} bytes buffered + {} bytes analyzer = {:.3} MB (target ≤ 1 MB)",
        max_state,
        fixed,
        (max_state + fixed) as f64 / 1e6
    );
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
