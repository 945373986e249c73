//! Every supported family against the in-memory BLE mock, in paused tokio time
//! (deterministic): recognised from its advertisement, configured with the right command
//! bytes, streaming simulated walking data at its rate, a silent link loss mid-stream with the
//! reconnect and the gap reported, a malformed notification counted, battery read, and a
//! sensor that never starts streaming reported stalled.

use std::sync::Arc;

use steady_core::Placement;
use steady_protocol::vendors::{dot, metawear, polar, thingy, witmotion};
use steady_sensors::ble::manager::{Manager, ManagerConfig, SensorData, SensorStatus};
use steady_sensors::ble::mock::{MockCentral, MockDevice};
use steady_sensors::ble::scan::scan;
use steady_sensors::ble::transport::{Address, Advert, CharInfo, Uuid128};
use steady_sensors::ble::vendor::{
    Vendor, BATTERY_LEVEL, BATTERY_SERVICE, STEADY_CONTROL, STEADY_DATA, STEADY_SERVICE,
};
use steady_sensors::ble::{LinkPolicy, RegisteredDevice, SensorState};
use steady_sensors::vendor_sim::{polar_start_response, VendorEncoder};
use steady_sim::{Scenario, SensorConfig, WalkParams};
use tokio::sync::{mpsc, watch};
use tokio::time::{sleep, timeout, Duration};

/// One family's test setup: what it advertises and offers, what the manager must write.
struct Spec {
    vendor: Vendor,
    /// Rate asked of the manager, Hz.
    rate_hz: u32,
    name: &'static str,
    service: Uuid128,
    /// (characteristic, notify, write, read).
    chars: Vec<(Uuid128, bool, bool, bool)>,
    /// Data characteristic.
    data: Uuid128,
    /// The configuration writes (battery polls excluded), hand-written from sensors.md §10
    /// and the vendor tables; `None` entries are checked by decoding instead.
    writes: Vec<Vec<u8>>,
    /// The write after which the sensor streams (None: streams once subscribed).
    start: Option<Vec<u8>>,
    /// Battery percent the device reports, and how.
    battery_pct: u8,
    /// Bytes the family's decoder must reject.
    malformed: Vec<u8>,
    /// Whether the family sends a device clock (gaps then exact).
    timestamped: bool,
}

fn specs() -> Vec<Spec> {
    let bas = (BATTERY_LEVEL, false, false, true);
    vec![
        Spec {
            vendor: Vendor::Steady,
            rate_hz: 200,
            name: "steady-1",
            service: STEADY_SERVICE,
            chars: vec![
                (STEADY_DATA, true, false, false),
                (STEADY_CONTROL, false, true, false),
                bas,
            ],
            data: STEADY_DATA,
            writes: Vec::new(), // checked by decoding the command frames
            start: None,
            battery_pct: 77,
            malformed: vec![0x10, 0x5F, 0x00],
            timestamped: true,
        },
        Spec {
            vendor: Vendor::WitMotion,
            rate_hz: 200,
            name: "WT901BLE68",
            service: witmotion::SERVICE_UUID,
            chars: vec![
                (witmotion::NOTIFY_UUID, true, false, false),
                (witmotion::WRITE_UUID, false, true, false),
            ],
            data: witmotion::NOTIFY_UUID,
            // Unlock, 200 Hz (sensors.md §10 vector 4).
            writes: vec![
                vec![0xFF, 0xAA, 0x69, 0x88, 0xB5],
                vec![0xFF, 0xAA, 0x03, 0x0B, 0x00],
            ],
            start: None,
            battery_pct: 90, // 3.95 V in the vendor table
            malformed: {
                let mut b = vec![0u8; 20];
                b[0] = 0x55;
                b[1] = 0x62;
                b
            },
            timestamped: false,
        },
        Spec {
            vendor: Vendor::MovellaDot,
            rate_hz: 100,
            name: "Movella DOT",
            service: dot::MEASUREMENT_SERVICE_UUID,
            chars: vec![
                (dot::MEDIUM_PAYLOAD_UUID, true, false, false),
                (dot::CONTROL_UUID, false, true, true),
                (dot::DEVICE_CONTROL_UUID, false, true, true),
                (dot::BATTERY_UUID, true, false, true),
            ],
            data: dot::MEDIUM_PAYLOAD_UUID,
            // 60 Hz (the DOT's highest real-time rate) then start Rate quantities (vector 5).
            writes: vec![
                {
                    let mut b = vec![0u8; 32];
                    b[0] = 0x10;
                    b[24] = 60;
                    b
                },
                vec![0x01, 0x01, 0x15],
            ],
            start: Some(vec![0x01, 0x01, 0x15]),
            battery_pct: 85,
            malformed: vec![0x40, 0x42, 0x0F, 0x00, 0x00],
            timestamped: true,
        },
        Spec {
            vendor: Vendor::MetaWear,
            rate_hz: 100,
            name: "MetaWear",
            service: metawear::SERVICE_UUID,
            chars: vec![
                (metawear::NOTIFY_UUID, true, false, false),
                (metawear::COMMAND_UUID, false, true, false),
            ],
            data: metawear::NOTIFY_UUID,
            // Chip query, then BMI160 acc 100 Hz ±16 g (vector 16), gyro 100 Hz ±2000 °/s,
            // packed subscriptions, enable, start.
            writes: vec![
                vec![0x03, 0x80],
                vec![0x03, 0x03, 0x28, 0x0C],
                vec![0x13, 0x03, 0x28, 0x00],
                vec![0x03, 0x1C, 0x01],
                vec![0x13, 0x07, 0x01],
                vec![0x03, 0x02, 0x01, 0x00],
                vec![0x13, 0x02, 0x01, 0x00],
                vec![0x13, 0x01, 0x01],
                vec![0x03, 0x01, 0x01],
            ],
            start: Some(vec![0x03, 0x01, 0x01]),
            battery_pct: 99,
            malformed: vec![0x03, 0x1C, 0x01, 0x02],
            timestamped: false,
        },
        Spec {
            vendor: Vendor::PolarVeritySense,
            rate_hz: 100,
            name: "Polar Sense B5A0E123",
            service: polar::PMD_SERVICE_UUID,
            chars: vec![
                (polar::PMD_CONTROL_POINT_UUID, true, true, true),
                (polar::PMD_DATA_UUID, true, false, false),
                bas,
            ],
            data: polar::PMD_DATA_UUID,
            // ACC 52 Hz / 16 bit / ±8 g; GYRO 52 Hz / 16 bit / 2000 °/s (sensors.md §5.2, §10).
            writes: vec![
                vec![
                    0x02, 0x02, 0x00, 0x01, 0x34, 0x00, 0x01, 0x01, 0x10, 0x00, 0x02, 0x01, 0x08,
                    0x00,
                ],
                vec![
                    0x02, 0x05, 0x00, 0x01, 0x34, 0x00, 0x01, 0x01, 0x10, 0x00, 0x02, 0x01, 0xD0,
                    0x07,
                ],
            ],
            start: Some(vec![
                0x02, 0x05, 0x00, 0x01, 0x34, 0x00, 0x01, 0x01, 0x10, 0x00, 0x02, 0x01, 0xD0, 0x07,
            ]),
            battery_pct: 77,
            malformed: vec![0x02, 0x00, 0x01],
            timestamped: true,
        },
        Spec {
            vendor: Vendor::Thingy52,
            rate_hz: 100,
            name: "Thingy",
            service: thingy::MOTION_SERVICE_UUID,
            chars: vec![
                (thingy::RAW_DATA_UUID, true, false, false),
                (thingy::MOTION_CONFIG_UUID, false, true, true),
                bas,
            ],
            data: thingy::RAW_DATA_UUID,
            // Vector 11 with wake-on-motion off: 100 Hz.
            writes: vec![vec![0xE8, 0x03, 0xF4, 0x01, 0xF4, 0x01, 0x64, 0x00, 0x00]],
            start: None,
            battery_pct: 77,
            malformed: vec![0x00, 0x04, 0x40],
            timestamped: false,
        },
    ]
}

fn address(last: u8) -> Address {
    Address([0xC0, 0xDE, 0, 0, 0, last])
}

fn add(central: &MockCentral, spec: &Spec, last: u8) -> MockDevice {
    let chars = spec
        .chars
        .iter()
        .map(|&(uuid, notify, write, read)| CharInfo {
            service: if uuid == BATTERY_LEVEL {
                BATTERY_SERVICE
            } else {
                spec.service
            },
            uuid,
            notify,
            write,
            read,
        })
        .collect();
    let d = central.add_device(
        Advert {
            address: Some(address(last)),
            name: Some(spec.name.to_string()),
            rssi_dbm: Some(-58),
            services: vec![spec.service],
            manufacturer_data: vec![],
        },
        chars,
    );
    d.set_read(BATTERY_LEVEL, &[77]);
    d.set_read(dot::BATTERY_UUID, &[0x55, 0x00]);
    let vendor = spec.vendor;
    d.set_responder(move |uuid, value| match vendor {
        Vendor::MetaWear if value == [0x03, 0x80] => {
            vec![(metawear::NOTIFY_UUID, vec![0x03, 0x80, 0x01, 0x00])]
        }
        Vendor::MetaWear if value == [0x11, 0xCC] => {
            vec![(metawear::NOTIFY_UUID, vec![0x11, 0x8C, 0x63, 0x34, 0x10])]
        }
        Vendor::WitMotion if value == [0xFF, 0xAA, 0x27, 0x64, 0x00] => {
            let mut f = [0u8; 20];
            witmotion::encode_register_frame(0x64, [395, 0, 0, 0, 0, 0, 0, 0], &mut f).unwrap();
            vec![(witmotion::NOTIFY_UUID, f.to_vec())]
        }
        Vendor::PolarVeritySense if uuid == polar::PMD_CONTROL_POINT_UUID => {
            let stream = if value[1] == 2 {
                polar::Stream::Acc
            } else {
                polar::Stream::Gyro
            };
            vec![(polar::PMD_CONTROL_POINT_UUID, polar_start_response(stream))]
        }
        _ => Vec::new(),
    });
    d
}

fn config(rate_hz: u32) -> ManagerConfig {
    ManagerConfig {
        policy: LinkPolicy {
            stall_after_us: 300_000,
            link_lost_after_us: 1_000_000,
            backoff_initial_us: 100_000,
            backoff_max_us: 1_000_000,
            lost_after_attempts: 4,
            battery_period_us: 1_000_000,
        },
        rate_hz,
        ..ManagerConfig::default()
    }
}

async fn wait_state(
    rx: &mut watch::Receiver<Vec<SensorStatus>>,
    pred: impl Fn(&SensorStatus) -> bool,
) -> SensorStatus {
    timeout(Duration::from_secs(60), rx.wait_for(|s| pred(&s[0])))
        .await
        .expect("state never reached (in paused time)")
        .unwrap()[0]
        .clone()
}

/// Whether the device would stream now: subscribed, and started on this link.
fn streaming(dev: &MockDevice, spec: &Spec) -> bool {
    if !dev.subscribed(spec.data) {
        return false;
    }
    match &spec.start {
        None => true,
        Some(start) => {
            let starts = dev.writes().iter().filter(|(_, v)| v == start).count() as u32;
            starts >= dev.connects()
        }
    }
}

fn drain(rx: &mut mpsc::Receiver<SensorData>) -> Vec<SensorData> {
    let mut v = Vec::new();
    while let Ok(n) = rx.try_recv() {
        v.push(n);
    }
    v
}

async fn run_family(spec: Spec) {
    let vendor = spec.vendor;
    let central = MockCentral::new();
    let dev = add(&central, &spec, 1);
    let _stranger = central.add_device(
        Advert {
            address: Some(address(9)),
            name: Some("Galaxy Buds".into()),
            ..Advert::default()
        },
        vec![],
    );

    // Recognised from the advertisement, by scan too (strangers left out).
    let found = scan(&central, Duration::from_millis(100), false)
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "{vendor:?}: {found:?}");
    assert_eq!(found[0].vendor, vendor);

    let (manager, mut rx) = Manager::start(
        Arc::new(central.clone()),
        vec![RegisteredDevice {
            address: address(1),
            vendor,
            placement: Placement::LowerBack,
            name: Some(spec.name.into()),
        }],
        config(spec.rate_hz),
    )
    .await
    .unwrap();
    let mut states = manager.states();
    while !streaming(&dev, &spec) {
        sleep(Duration::from_millis(1)).await;
    }

    // Configuration bytes (battery polls left out).
    let battery_cmd: &[&[u8]] = &[&[0x11, 0xCC], &[0xFF, 0xAA, 0x27, 0x64, 0x00]];
    let writes: Vec<Vec<u8>> = dev
        .writes()
        .into_iter()
        .map(|(_, v)| v)
        .filter(|v| !battery_cmd.contains(&v.as_slice()))
        .collect();
    if vendor == Vendor::Steady {
        let cmds: Vec<_> = writes
            .iter()
            .map(|w| steady_protocol::CommandFrame::decode(w).unwrap().command)
            .collect();
        // 200 Hz, ±16 g, ±2000 °/s, then start with as many samples as fit.
        assert_eq!(
            cmds,
            [
                steady_protocol::Command::SetConfig(
                    steady_protocol::StreamConfig::from_byte(0x5F).unwrap()
                ),
                steady_protocol::Command::StartStreaming {
                    samples_per_frame: 0
                }
            ]
        );
    } else {
        assert_eq!(writes, spec.writes, "{vendor:?} configuration bytes");
    }

    // Stream simulated walking at the sensor's rate; the link dies silently after 3 s.
    let enc = VendorEncoder::new(vendor, spec.rate_hz);
    let rate = enc.rate_hz();
    let mut sensors = SensorConfig::new(&[Placement::LowerBack]);
    sensors.rate_hz = rate;
    let sim = steady_sim::simulate(
        &Scenario::new().walk(WalkParams::default(), 9.0),
        &sensors,
        3,
    );
    let source = &sim.streams[0].1;
    let per = enc.samples_per_notification();
    let blocks = source.len() / per;
    let t0 = tokio::time::Instant::now();
    let mut delivered = 0usize;
    let mut first_lost: Option<usize> = None;
    let mut last_delivered = 0;
    let mut dropped = false;
    for b in 0..blocks {
        let k = b * per;
        let due = Duration::from_secs_f64((k + per - 1) as f64 / rate);
        tokio::time::sleep_until(t0 + due).await;
        if !dropped && due.as_secs_f64() >= 3.0 {
            dev.drop_link(false);
            dropped = true;
        }
        let notes = enc.encode(k as u64, &source[k..k + per]);
        let ok = streaming(&dev, &spec) && notes.iter().all(|(u, v)| dev.notify(*u, v));
        if ok {
            delivered += per;
            last_delivered = k + per;
        } else if delivered > 0 && first_lost.is_none() {
            first_lost = Some(k);
        }
    }
    let lost_truth = last_delivered - delivered;
    assert!(lost_truth > 0, "{vendor:?}: the outage must lose samples");
    let s = wait_state(&mut states, |s| s.received == delivered as u64).await;
    assert_eq!(s.state, SensorState::Streaming, "{vendor:?}");
    assert_eq!(s.links_lost, 1, "{vendor:?}");
    assert_eq!(dev.connects(), 2, "{vendor:?}");
    assert_eq!(s.nominal_rate_hz, rate);
    eprintln!(
        "{vendor:?}: {rate} Hz, delivered {delivered}, lost {} (truth {lost_truth}), rate {:.1} Hz",
        s.lost, s.rate_hz
    );
    if spec.timestamped {
        assert_eq!(
            s.lost, lost_truth as u64,
            "{vendor:?}: exact from the device clock"
        );
    } else {
        let err = (s.lost as i64 - lost_truth as i64).abs();
        assert!(
            err <= 2 * per as i64,
            "{vendor:?}: lost {} vs truth {lost_truth}",
            s.lost
        );
    }
    assert!(s.completeness < 1.0 && s.completeness > 0.5, "{vendor:?}");
    assert!(
        (s.rate_hz - rate).abs() < 0.1 * rate,
        "{vendor:?} rate {}",
        s.rate_hz
    );
    let s = wait_state(&mut states, |s| s.battery_pct.is_some()).await;
    assert_eq!(s.battery_pct, Some(spec.battery_pct), "{vendor:?}");

    let got = drain(&mut rx);
    let samples: Vec<_> = got.iter().flat_map(|d| d.samples.iter()).collect();
    assert_eq!(samples.len(), delivered);
    assert!(samples.windows(2).all(|w| w[1].t > w[0].t), "{vendor:?}");
    // One explicit gap, where the outage was, as long as the lost samples.
    let gaps: Vec<_> = got.iter().flat_map(|d| d.gaps.iter()).collect();
    assert_eq!(gaps.len(), 1, "{vendor:?}: {gaps:?}");
    let g = gaps[0];
    assert_eq!(g.lost_samples, s.lost);
    let first_lost_s = first_lost.unwrap() as f64 / rate;
    assert!(
        (g.start.as_secs_f64() - first_lost_s).abs() < 0.1,
        "{vendor:?}: gap at {} s, outage at {first_lost_s} s",
        g.start.as_secs_f64()
    );
    let span_s = (g.end - g.start) as f64 * 1e-6;
    assert!(
        (span_s - (g.lost_samples + 1) as f64 / rate).abs() < 0.1,
        "{vendor:?}: gap spans {span_s} s for {} samples",
        g.lost_samples
    );
    // Values arrive in SI units (quantisation of each format aside).
    for (got, want) in samples.iter().zip(source.iter()).take(50) {
        let near =
            |a: [f64; 3], b: [f64; 3], tol: f64| a.iter().zip(b).all(|(x, y)| (x - y).abs() < tol);
        assert!(
            near(got.acc_mps2, want.acc_mps2, 0.02),
            "{vendor:?} acc {got:?} vs {want:?}"
        );
        assert!(
            near(got.gyr_dps, want.gyr_dps, 0.1),
            "{vendor:?} gyr {got:?} vs {want:?}"
        );
    }

    // A malformed notification is counted, not fatal.
    let before = states.borrow()[0].malformed;
    assert!(dev.notify(spec.data, &spec.malformed));
    let s = wait_state(&mut states, |s| s.malformed == before + 1).await;
    assert_eq!(s.links_lost, 1);
    manager.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn steady_sensor_end_to_end() {
    run_family(specs().remove(0)).await;
}

#[tokio::test(start_paused = true)]
async fn witmotion_end_to_end() {
    run_family(specs().remove(1)).await;
}

#[tokio::test(start_paused = true)]
async fn movella_dot_end_to_end() {
    run_family(specs().remove(2)).await;
}

#[tokio::test(start_paused = true)]
async fn metawear_end_to_end() {
    run_family(specs().remove(3)).await;
}

#[tokio::test(start_paused = true)]
async fn polar_verity_sense_end_to_end() {
    run_family(specs().remove(4)).await;
}

#[tokio::test(start_paused = true)]
async fn thingy52_end_to_end() {
    run_family(specs().remove(5)).await;
}

#[tokio::test(start_paused = true)]
async fn a_sensor_that_never_streams_is_stalled_for_every_family() {
    for spec in specs() {
        let central = MockCentral::new();
        let dev = add(&central, &spec, 2);
        let (manager, _rx) = Manager::start(
            Arc::new(central.clone()),
            vec![RegisteredDevice {
                address: address(2),
                vendor: spec.vendor,
                placement: Placement::RightShank,
                name: None,
            }],
            config(spec.rate_hz),
        )
        .await
        .unwrap();
        let mut states = manager.states();
        let s = wait_state(&mut states, |s| s.state == SensorState::Stalled).await;
        assert_eq!(s.received, 0);
        sleep(Duration::from_secs(5)).await;
        let s = states.borrow()[0].clone();
        assert_eq!(s.state, SensorState::Stalled, "{:?}", spec.vendor);
        assert_eq!(s.links_lost, 0, "{:?}: not reconnect-looping", spec.vendor);
        assert_eq!(dev.connects(), 1);
        assert_eq!(s.rate_hz, 0.0);
        manager.shutdown().await;
    }
}
