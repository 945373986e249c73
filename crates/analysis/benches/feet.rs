//! Full two-foot pipeline (per-foot events, strides, ZUPT stride length, cross-leg phases,
//! summary) on the longest foot recording (gaitmap-example/ms_walk, 2 × 68.4 s at 102.4 Hz),
//! or the in-repo healthy_walk cut when `../shared/data` is missing.
//! Time per sensor-minute = reported time × 60 / (2 × duration).

use criterion::{criterion_group, criterion_main, Criterion};
use steady_analysis::gait::analyze_with_clock;
use steady_analysis::{SensorInput, Subject};
use steady_core::{ImuSample, Placement};

fn load() -> (Vec<ImuSample>, Vec<ImuSample>, f64, &'static str) {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/gaitmap-example/ms_walk"
    );
    let read = |side: &str| {
        let text = std::fs::read_to_string(format!("{dir}/imu_{side}_foot.csv")).ok()?;
        steady_recording::parse_imu_csv(&text).ok()
    };
    if let (Some(l), Some(r)) = (read("left"), read("right")) {
        return (l, r, 102.4, "ms_walk");
    }
    let parse = |t: &str| steady_recording::parse_imu_csv(t).expect("fixture parses");
    (
        parse(include_str!(
            "../tests/fixtures/gaitmap_healthy_walk_3-11s_left_foot.csv"
        )),
        parse(include_str!(
            "../tests/fixtures/gaitmap_healthy_walk_3-11s_right_foot.csv"
        )),
        204.8,
        "healthy_walk_cut",
    )
}

fn bench(c: &mut Criterion) {
    let (l, r, fs, name) = load();
    let sensor_min = (l.len() + r.len()) as f64 / fs / 60.0;
    let label = format!("two_feet_pipeline/{name}/{sensor_min:.2}_sensor_min");
    c.bench_function(&label, |b| {
        b.iter(|| {
            analyze_with_clock(
                &[
                    SensorInput {
                        placement: Placement::LeftFoot,
                        samples: &l,
                        sampling_rate_hz: fs,
                    },
                    SensorInput {
                        placement: Placement::RightFoot,
                        samples: &r,
                        sampling_rate_hz: fs,
                    },
                ],
                &Subject::default(),
                // ms_walk's two sensors are not synchronised.
                false,
            )
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
