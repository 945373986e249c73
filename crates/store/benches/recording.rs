//! Sustained live recording into the store: 8 sensors × 200 Hz, pushed in 10-sample
//! notifications, committed once per second of data by the [`RecordingWriter`]. One
//! iteration = one second of recording, so the time per iteration divided by 1 s is the
//! share of one core the store needs (target < 5 %).

use criterion::{criterion_group, criterion_main, Criterion};
use steady_core::{ImuSample, Micros, Placement};
use steady_recording::TestKind;
use steady_store::{NewPatient, SessionSpec, Store};

const SENSORS: [Placement; 8] = [
    Placement::LowerBack,
    Placement::LeftFoot,
    Placement::RightFoot,
    Placement::LeftShank,
    Placement::RightShank,
    Placement::LeftThigh,
    Placement::RightThigh,
    Placement::LowerBack, // an eighth stream on a repeated placement still writes its own rows
];
const RATE_HZ: i64 = 200;
const BATCH: i64 = 10;

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("steady-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut store = Store::open(&dir).unwrap();
    store
        .add_patient(&NewPatient {
            pseudonym: "BENCH".into(),
            ..Default::default()
        })
        .unwrap();
    let id = store
        .start_session(&SessionSpec::new("BENCH", TestKind::Walk))
        .unwrap();
    let mut w = store.recorder(id).unwrap();
    let mut second: i64 = 0;
    let dt_us = 1_000_000 / RATE_HZ;
    c.bench_function("record 1 s of 8 sensors x 200 Hz", |b| {
        b.iter(|| {
            let t0 = second * 1_000_000;
            for k in (0..RATE_HZ).step_by(BATCH as usize) {
                for (i, p) in SENSORS.iter().enumerate() {
                    let batch: Vec<ImuSample> = (k..k + BATCH)
                        .map(|j| ImuSample {
                            t: Micros(t0 + j * dt_us + i as i64),
                            acc_mps2: [0.1 * j as f64, 9.81, -0.2],
                            gyr_dps: [1.0, -2.0, 0.5 * i as f64],
                        })
                        .collect();
                    w.push_samples(*p, &batch).unwrap();
                }
            }
            second += 1;
        })
    });
    w.commit().unwrap();
    drop(w);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(4));
    targets = bench
}
criterion_main!(benches);
