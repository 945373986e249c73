//! Decode + clock sync + gap accounting per notification, 8 simulated sensors at 200 Hz
//! (4 samples per notification, 1 % loss, 7.5–50 ms delay, drifting clocks). The receive
//! path is synchronous, so the time per notification is also the latency from a
//! notification arriving to its samples being available to the analysis.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use steady_core::Placement;
use steady_sensors::clock::ClockConfig;
use steady_sensors::simulated::SensorPipeline;
use steady_sim::transport::{encode_with, TransportConfig};
use steady_sim::SteadyFrameEncoder;
use steady_sim::{Scenario, SensorConfig, WalkParams};

fn bench(c: &mut Criterion) {
    let placements = [
        Placement::LowerBack,
        Placement::LeftShank,
        Placement::RightShank,
        Placement::LeftFoot,
        Placement::RightFoot,
        Placement::LeftThigh,
        Placement::RightThigh,
        Placement::LowerBack,
    ];
    let mut sensors = SensorConfig::new(&placements);
    sensors.rate_hz = 200.0;
    let sim = steady_sim::simulate(
        &Scenario::new().walk(WalkParams::default(), 10.0),
        &sensors,
        1,
    );
    let encoder = SteadyFrameEncoder::with_config(steady_protocol::StreamConfig {
        rate: steady_protocol::SampleRate::from_hz(200.0).expect("200 Hz is a protocol rate"),
        ..steady_protocol::StreamConfig::default()
    });
    let notes = encode_with(&sim, &TransportConfig::default(), 2, encoder);
    let mut g = c.benchmark_group("receive");
    g.throughput(Throughput::Elements(notes.len() as u64));
    g.bench_function("8_sensors_200hz_10s", |b| {
        b.iter(|| {
            let mut rx: Vec<SensorPipeline> = placements
                .iter()
                .map(|&p| SensorPipeline::new(p, 200.0, ClockConfig::default()))
                .collect();
            let mut n = 0usize;
            for note in &notes {
                n += rx[note.sensor_index]
                    .push(black_box(&note.bytes), note.arrival_host_us)
                    .len();
            }
            black_box(n)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
