//! Decode + clock sync + gap accounting per notification, 8 simulated sensors at 200 Hz
//! (4 samples per notification, 1 % loss, 7.5–50 ms delay, drifting clocks). The receive
//! path is synchronous, so the time per notification is also the latency from a
//! notification arriving to its samples being available to the analysis.
//!
//! - `receive/8_sensors_200hz_10s`: the simulated steady path (`SensorPipeline`).
//! - `vendor/<family>`: the BLE receive path (`Receiver`: driver decode → index → clock sync
//!   → gaps) per family, 8 sensors × 10 s at the family's rate (200 Hz where the sensor can;
//!   DOT 60, Polar 52, MetaWear 100), one element = one notification.
//! - `latency/manager_notification_to_sample`: end to end through the tokio connection
//!   manager on the in-memory transport: a notification handed to the transport → its decoded
//!   samples received from the manager's channel.

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use steady_core::Placement;
use steady_sensors::ble::manager::{Manager, ManagerConfig};
use steady_sensors::ble::mock::MockCentral;
use steady_sensors::ble::transport::{Address, Advert, CharInfo};
use steady_sensors::ble::vendor::{Vendor, STEADY_CONTROL, STEADY_DATA, STEADY_SERVICE};
use steady_sensors::ble::RegisteredDevice;
use steady_sensors::clock::ClockConfig;
use steady_sensors::receive::{ReceiveConfig, Receiver};
use steady_sensors::simulated::SensorPipeline;
use steady_sensors::vendor_sim::{polar_start_response, VendorEncoder};
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

/// Notifications `(sensor, characteristic, bytes, arrival µs)` of 8 sensors × 10 s of walking
/// for one family, delivered every notification period plus 7.5–40 ms of jitter.
fn vendor_notes(vendor: Vendor) -> Vec<(usize, u128, Vec<u8>, u64)> {
    let enc = VendorEncoder::new(vendor, 200);
    let mut sensors = SensorConfig::new(&[Placement::LowerBack; 8]);
    sensors.rate_hz = enc.rate_hz();
    let sim = steady_sim::simulate(
        &Scenario::new().walk(WalkParams::default(), 10.0),
        &sensors,
        1,
    );
    let per = enc.samples_per_notification();
    let mut notes = Vec::new();
    let mut x: u64 = 0x1234_5678;
    for (i, (_, src)) in sim.streams.iter().enumerate() {
        for b in 0..src.len() / per {
            let k = b * per;
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let t =
                ((k + per - 1) as f64 * 1e6 / enc.rate_hz()) as u64 + 7_500 + (x >> 40) % 32_500;
            for (u, v) in enc.encode(k as u64, &src[k..k + per]) {
                notes.push((i, u, v, t));
            }
        }
    }
    notes.sort_by_key(|n| n.3);
    notes
}

fn bench_vendors(c: &mut Criterion) {
    let mut g = c.benchmark_group("vendor");
    for vendor in Vendor::ALL {
        let notes = vendor_notes(vendor);
        g.throughput(Throughput::Elements(notes.len() as u64));
        g.bench_function(vendor.as_str(), |b| {
            b.iter(|| {
                let mut rx: Vec<Receiver> = (0..8)
                    .map(|_| {
                        let mut r = Receiver::new(
                            Placement::LowerBack,
                            vendor,
                            200,
                            ReceiveConfig::default(),
                        );
                        // The answers a real sensor gives during configuration.
                        let none = &mut Vec::new();
                        let d = r.driver_mut();
                        d.on_notification(
                            steady_protocol::vendors::metawear::NOTIFY_UUID,
                            &[0x03, 0x80, 0x01, 0x00],
                            none,
                        );
                        for s in [
                            steady_protocol::vendors::polar::Stream::Acc,
                            steady_protocol::vendors::polar::Stream::Gyro,
                        ] {
                            d.on_notification(
                                steady_protocol::vendors::polar::PMD_CONTROL_POINT_UUID,
                                &polar_start_response(s),
                                none,
                            );
                        }
                        r
                    })
                    .collect();
                let mut n = 0usize;
                for (i, u, v, t) in &notes {
                    n += rx[*i].push(*u, black_box(v), *t).samples.len();
                }
                black_box(n)
            })
        });
    }
    g.finish();
}

fn bench_latency(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let central = MockCentral::new();
    let address = Address([0xBE, 0, 0, 0, 0, 1]);
    let dev = central.add_device(
        Advert {
            address: Some(address),
            services: vec![STEADY_SERVICE],
            ..Advert::default()
        },
        vec![
            CharInfo {
                service: STEADY_SERVICE,
                uuid: STEADY_DATA,
                notify: true,
                write: false,
                read: false,
            },
            CharInfo {
                service: STEADY_SERVICE,
                uuid: STEADY_CONTROL,
                notify: false,
                write: true,
                read: false,
            },
        ],
    );
    let enc = VendorEncoder::new(Vendor::Steady, 200);
    let sim = steady_sim::simulate(
        &Scenario::new().walk(WalkParams::default(), 20.0),
        &SensorConfig::new(&[Placement::LowerBack]),
        1,
    );
    let src = sim.streams[0].1.clone();
    let (manager, mut rx) = rt.block_on(async {
        let started = Manager::start(
            Arc::new(central.clone()),
            vec![RegisteredDevice {
                address,
                vendor: Vendor::Steady,
                placement: Placement::LowerBack,
                name: None,
            }],
            ManagerConfig {
                rate_hz: 200,
                ..ManagerConfig::default()
            },
        )
        .await
        .expect("manager");
        while !dev.subscribed(STEADY_DATA) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        started
    });
    let mut k = 0usize;
    c.bench_function("latency/manager_notification_to_sample", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    // Device time keeps increasing; the signal repeats.
                    let j = k % (src.len() - 4);
                    let notes = enc.encode(k as u64, &src[j..j + 4]);
                    k += 4;
                    let t0 = Instant::now();
                    for (u, v) in &notes {
                        dev.notify(*u, v);
                    }
                    let d = rx.recv().await.expect("data");
                    total += t0.elapsed();
                    black_box(d.samples.len());
                }
                total
            })
        })
    });
    rt.block_on(manager.shutdown());
}

criterion_group!(benches, bench, bench_vendors, bench_latency);
criterion_main!(benches);
