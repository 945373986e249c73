//! The connection manager over the real btleplug path (steady_sensors' `BluezCentral` →
//! btleplug → bluez-async → libdbus → the fake BlueZ on a private `dbus-daemon`) for the
//! families `btleplug_e2e.rs` exercises only at transport level: MetaWear, Polar Verity Sense,
//! Thingy:52 and steady's own sensor.
//!
//! Each test: the device is recognised from its advertisement by `scan`, registered from the
//! scan result, connected and configured by the manager with the driver's own command
//! sequence (the fake firmware checks the bytes and streams only after a correct start), and
//! its decoded SI samples are compared with the simulator's ground truth sample by sample.
//! Expected command bytes are written out here from `shared/research/sensors.md`, not taken
//! from the code under test. steady's sensor also loses its link mid-stream; the gap the
//! manager reports must equal the samples the fake never sent.
//!
//! One process, one private bus, one fake (libdbus reads the bus address once per process);
//! tests run one at a time. No wall-clock assertions: waits only bound how long a test may
//! hang.

mod common;

use common::{central, env, policy, run};
use std::sync::{Arc, Mutex};

use steady_core::{ImuSample, Placement};
use steady_fake_bluez::firmware::thingy::ACC_FULL_SCALE_MPS2;
use steady_fake_bluez::firmware::Motion;
use steady_fake_bluez::{FakeBluez, Family, SimSensor};
use steady_protocol::{Command, CommandFrame, SampleRate};
use steady_sensors::ble::bluez::BluezCentral;
use steady_sensors::ble::manager::{Manager, SensorData, SensorStatus};
use steady_sensors::ble::registry::RegisteredDevice;
use steady_sensors::ble::scan::{scan, ScanResult};
use steady_sensors::ble::transport::Address;
use steady_sensors::ble::{SensorState, Vendor};
use tokio::sync::watch;
use tokio::time::{timeout, Duration};

// The simulated devices; the last argument of `SimSensor::new` picks the body sensor.
const META: [u8; 6] = [0xF1, 0x3A, 0x00, 0x00, 0x10, 0x01];
const POLAR: [u8; 6] = [0xA0, 0x9E, 0x1A, 0xB5, 0x10, 0x02];
const THINGY: [u8; 6] = [0xE9, 0x7B, 0x00, 0x00, 0x10, 0x03];
const STEADY: [u8; 6] = [0xC5, 0x7E, 0xAD, 0x00, 0x10, 0x04];
const LOSS_STEADY: [u8; 6] = [0xC5, 0x7E, 0xAD, 0x00, 0x10, 0x05];
const LOSS_POLAR: [u8; 6] = [0xA0, 0x9E, 0x1A, 0xB5, 0x10, 0x07];
/// Another patient's Thingy in the waiting room: recognised, never registered.
const OTHER_THINGY: [u8; 6] = [0xE9, 0x7B, 0x00, 0x00, 0x10, 0x06];

fn devices() -> Vec<SimSensor> {
    vec![
        SimSensor::new(Family::MetaWear, META, 1),
        SimSensor::new(Family::PolarVeritySense, POLAR, 0),
        SimSensor::new(Family::Thingy52, THINGY, 1),
        SimSensor::new(Family::Steady, STEADY, 0),
        SimSensor::new(Family::Steady, LOSS_STEADY, 2),
        SimSensor::new(Family::Thingy52, OTHER_THINGY, 2),
        SimSensor::new(Family::PolarVeritySense, LOSS_POLAR, 1),
    ]
}

/// `steady sensors scan`'s function: the device as recognised from its advertisement.
async fn recognised(c: &BluezCentral, address: [u8; 6]) -> ScanResult {
    let found = scan(c, Duration::from_millis(300), false)
        .await
        .expect("scan");
    found
        .into_iter()
        .find(|r| r.address == Address(address))
        .unwrap_or_else(|| panic!("{address:02X?} not recognised"))
}

/// A started manager plus everything it delivered so far.
struct Running {
    manager: Option<Manager>,
    states: watch::Receiver<Vec<SensorStatus>>,
    data: Arc<Mutex<Vec<SensorData>>>,
    seen: Arc<Mutex<Vec<SensorState>>>,
}

async fn start(
    c: Arc<BluezCentral>,
    found: &ScanResult,
    placement: Placement,
    rate_hz: u32,
) -> Running {
    let device = RegisteredDevice {
        address: found.address,
        vendor: found.vendor,
        placement,
        name: found.name.clone(),
    };
    let (manager, mut rx) = Manager::start(c, vec![device], policy(rate_hz))
        .await
        .expect("manager starts");
    let data = Arc::new(Mutex::new(Vec::new()));
    let sink = data.clone();
    tokio::spawn(async move {
        while let Some(n) = rx.recv().await {
            sink.lock().unwrap().push(n);
        }
    });
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (log, mut w) = (seen.clone(), manager.states());
    tokio::spawn(async move {
        while w.changed().await.is_ok() {
            let s = w.borrow_and_update()[0].state;
            let mut l = log.lock().unwrap();
            if l.last() != Some(&s) {
                l.push(s);
            }
        }
    });
    let states = manager.states();
    Running {
        manager: Some(manager),
        states,
        data,
        seen,
    }
}

impl Running {
    /// Waits until `ok` holds for the sensor's status (≤ 10 s), returning it.
    async fn until(&mut self, what: &str, ok: impl Fn(&SensorStatus) -> bool) -> SensorStatus {
        let r = timeout(Duration::from_secs(10), async {
            loop {
                let now = self.states.borrow_and_update()[0].clone();
                if ok(&now) || self.states.changed().await.is_err() {
                    return now;
                }
            }
        })
        .await;
        match r {
            Ok(s) if ok(&s) => s,
            _ => panic!("{what}: last status {:?}", self.states.borrow()[0]),
        }
    }

    /// Stops the manager (disconnecting the sensor); returns the last status.
    async fn shutdown(&mut self) -> SensorStatus {
        let last = self.states.borrow()[0].clone();
        if let Some(m) = self.manager.take() {
            m.shutdown().await;
        }
        last
    }

    fn data(&self) -> Vec<SensorData> {
        self.data.lock().unwrap().clone()
    }

    fn samples(&self) -> Vec<ImuSample> {
        self.data().into_iter().flat_map(|d| d.samples).collect()
    }
}

/// Writes the fake received, as (bytes, with response).
fn writes(fake: &FakeBluez, address: [u8; 6]) -> Vec<(Vec<u8>, bool)> {
    fake.log(address)
        .unwrap()
        .writes
        .into_iter()
        .map(|w| (w.value, w.with_response))
        .collect()
}

/// What a sample should read: the simulator's value at device sample `k_acc` / `k_gyr` of
/// a `rate_hz` stream, through the sensor's full scale.
struct Truth {
    motion: Motion,
    rate_hz: f64,
    acc_limit_mps2: f32,
    gyr_limit_dps: f32,
    acc_tol_mps2: f64,
    gyr_tol_dps: f64,
}

impl Truth {
    fn check(&self, s: &ImuSample, k_acc: u64, k_gyr: u64, what: &str) {
        let (a, _) = self.motion.at(k_acc as f64 / self.rate_hz);
        let (_, g) = self.motion.at(k_gyr as f64 / self.rate_hz);
        for i in 0..3 {
            let a = f64::from(a[i].clamp(-self.acc_limit_mps2, self.acc_limit_mps2));
            let g = f64::from(g[i].clamp(-self.gyr_limit_dps, self.gyr_limit_dps));
            assert!(
                (s.acc_mps2[i] - a).abs() <= self.acc_tol_mps2,
                "{what}: acc[{i}] {} vs {a} (sample {k_acc})",
                s.acc_mps2[i]
            );
            assert!(
                (s.gyr_dps[i] - g).abs() <= self.gyr_tol_dps,
                "{what}: gyr[{i}] {} vs {g} (sample {k_gyr})",
                s.gyr_dps[i]
            );
        }
    }
}

/// Mean sample interval on the session timeline, µs.
fn mean_interval_us(s: &[ImuSample]) -> f64 {
    (s[s.len() - 1].t.0 - s[0].t.0) as f64 / (s.len() - 1) as f64
}

const G: f64 = 9.80665;

#[test]
fn metawear_through_the_manager_packed_acc_and_gyro_at_100_hz() {
    let (fake, _serial) = env(devices);
    run(async {
        let c = central().await;
        let found = recognised(&c, META).await;
        assert_eq!(found.vendor, Vendor::MetaWear);
        let mut m = start(c, &found, Placement::LeftShank, 100).await;
        m.until("streaming", |s| {
            s.state == SensorState::Streaming && s.received >= 120 && s.battery_pct.is_some()
        })
        .await;
        let s = m.shutdown().await;
        assert_eq!((s.lost, s.malformed, s.links_lost), (0, 0, 0));
        // `11 8C 63 34 10` = 99 % (sensors.md §4.4 / vector 17).
        assert_eq!(s.battery_pct, Some(99));

        // The board was asked for its IMU chip, then configured for it (sensors.md §4.1–4.3,
        // vector 16): acc 100 Hz ±16 g, gyro 100 Hz ±2000 °/s, packed routes, enable, start;
        // all as write without response (§4.1). The battery read `11 CC` may come anywhere.
        let w = writes(fake, META);
        assert!(w.iter().all(|(_, resp)| !resp), "{w:?}");
        assert!(w.iter().any(|(b, _)| b[..] == [0x11, 0xCC]));
        let config: Vec<Vec<u8>> = w
            .into_iter()
            .map(|(b, _)| b)
            .filter(|b| b[..] != [0x11, 0xCC])
            .collect();
        let want: [&[u8]; 9] = [
            &[0x03, 0x80],
            &[0x03, 0x03, 0x28, 0x0C],
            &[0x13, 0x03, 0x28, 0x00],
            &[0x03, 0x1C, 0x01],
            &[0x13, 0x07, 0x01],
            &[0x03, 0x02, 0x01, 0x00],
            &[0x13, 0x02, 0x01, 0x00],
            &[0x13, 0x01, 0x01],
            &[0x03, 0x01, 0x01],
        ];
        assert_eq!(config, want.map(<[u8]>::to_vec));

        // One streaming run per sensor at 100 Hz, three samples per notification.
        let fw = fake.firmware(META).unwrap();
        assert_eq!(fw.rate_hz, 100.0);
        assert_eq!((fw.runs.len(), fw.gyr_runs.len()), (1, 1), "{fw:?}");
        let data = m.data();
        assert!(data
            .iter()
            .filter(|d| d.bytes[..2] == [0x03, 0x1C] || d.bytes[..2] == [0x13, 0x07])
            .all(|d| d.bytes.len() == 20));

        // Every host sample is acc sample j and gyro sample j of the board's runs (MetaWear
        // sends no time: paired in arrival order), in m/s² and °/s within one LSB.
        let samples = m.samples();
        assert!(samples.len() >= 120);
        assert_eq!(samples.len() as u64, s.received);
        let truth = Truth {
            motion: Motion::new(1),
            rate_hz: 100.0,
            acc_limit_mps2: (16.0 * G) as f32,
            gyr_limit_dps: 2000.0,
            acc_tol_mps2: G / 2048.0,
            gyr_tol_dps: 1.0 / 16.4,
        };
        let (a0, g0) = (fw.runs[0].first_sample, fw.gyr_runs[0].first_sample);
        for (j, smp) in samples.iter().enumerate() {
            truth.check(smp, a0 + j as u64, g0 + j as u64, "MetaWear");
        }
        // The timeline counts samples at the configured 100 Hz (the clock fit against
        // arrivals may stretch it by its drift estimate).
        let dt = mean_interval_us(&samples);
        assert!((dt - 10_000.0).abs() < 100.0, "{dt} µs");
        assert!(!fake.is_connected(META).unwrap());
    });
}

#[test]
fn polar_through_the_manager_delta_frames_scaled_by_the_start_response_factor() {
    let (fake, _serial) = env(devices);
    run(async {
        let c = central().await;
        let found = recognised(&c, POLAR).await;
        assert_eq!(found.vendor, Vendor::PolarVeritySense);
        let mut m = start(c, &found, Placement::LowerBack, 100).await;
        m.until("streaming", |s| {
            s.state == SensorState::Streaming && s.received >= 60 && s.battery_pct.is_some()
        })
        .await;
        let s = m.shutdown().await;
        assert_eq!((s.lost, s.malformed, s.links_lost), (0, 0, 0));
        assert_eq!(s.battery_pct, Some(91), "Battery Service 0x2A19");
        assert_eq!(s.nominal_rate_hz, 52.0);

        // ACC then GYRO started at 52 Hz, 16 bit, ±8 g / ±2000 °/s (sensors.md §5.2, §5.4:
        // the public Verity gyro bytes), as write requests on the control point.
        let w = writes(fake, POLAR);
        let acc: &[u8] = &[
            0x02, 0x02, 0x00, 0x01, 0x34, 0x00, 0x01, 0x01, 0x10, 0x00, 0x02, 0x01, 0x08, 0x00,
        ];
        let gyr: &[u8] = &[
            0x02, 0x05, 0x00, 0x01, 0x34, 0x00, 0x01, 0x01, 0x10, 0x00, 0x02, 0x01, 0xD0, 0x07,
        ];
        assert_eq!(w, [(acc.to_vec(), true), (gyr.to_vec(), true)]);
        let fw = fake.firmware(POLAR).unwrap();
        assert_eq!(fw.rate_hz, 52.0);
        assert_eq!((fw.runs.len(), fw.gyr_runs.len()), (1, 1), "{fw:?}");
        // Both start responses reached the driver (control point, not data).
        let cp = m
            .data()
            .iter()
            .filter(|d| d.uuid == steady_protocol::vendors::polar::PMD_CONTROL_POINT_UUID)
            .count();
        assert_eq!(cp, 2);

        // Acc and gyro halves are paired by device time: host sample j is device sample
        // (first sample both streams have) + j. The fake's factors (1/4096 g, 2000/32768 °/s)
        // exist only in its start responses: a driver ignoring them would be off 4096-fold.
        let samples = m.samples();
        assert!(samples.len() >= 60);
        let k0 = fw.runs[0].first_sample.max(fw.gyr_runs[0].first_sample);
        let truth = Truth {
            motion: Motion::new(0),
            rate_hz: 52.0,
            acc_limit_mps2: (16.0 * G) as f32,
            gyr_limit_dps: 2000.0,
            acc_tol_mps2: G / 4096.0,
            gyr_tol_dps: 2000.0 / 32768.0,
        };
        for (j, smp) in samples.iter().enumerate() {
            truth.check(smp, k0 + j as u64, k0 + j as u64, "Polar");
        }
        // Session time follows the device timestamps at 52 Hz (clock sync, not counting).
        let dt = mean_interval_us(&samples);
        assert!((dt - 1e6 / 52.0).abs() < 1e6 / 52.0 * 0.01, "{dt} µs");
    });
}

#[test]
fn thingy_through_the_manager_rate_set_before_notifications_and_2_g_saturation() {
    let (fake, _serial) = env(devices);
    run(async {
        let c = central().await;
        let found = recognised(&c, THINGY).await;
        assert_eq!(found.vendor, Vendor::Thingy52);
        // Another Thingy is nearby and recognised too, but it is not registered.
        assert_eq!(recognised(&c, OTHER_THINGY).await.vendor, Vendor::Thingy52);
        let mut m = start(c, &found, Placement::RightShank, 100).await;
        m.until("streaming", |s| {
            s.state == SensorState::Streaming && s.received >= 120 && s.battery_pct.is_some()
        })
        .await;
        let s = m.shutdown().await;
        assert_eq!((s.lost, s.malformed, s.links_lost), (0, 0, 0));
        assert_eq!(s.battery_pct, Some(64));

        // Motion config 100 Hz = sensors.md vector 11 with wake-on-motion off, as a write
        // request, before raw notifications were enabled: the fake's only run is at 100 Hz
        // (the stream starts with the notifications, at the rate configured then, §3.3).
        assert_eq!(
            writes(fake, THINGY),
            [(
                vec![0xE8, 0x03, 0xF4, 0x01, 0xF4, 0x01, 0x64, 0x00, 0x00],
                true
            )]
        );
        let fw = fake.firmware(THINGY).unwrap();
        assert_eq!(fw.runs.len(), 1, "{:?}", fw.runs);
        assert_eq!(fw.runs[0].rate_hz, 100);

        // Q6.10 g and Q11.5 °/s to SI; the accelerometer saturates at ±2 g (§3.2).
        let samples = m.samples();
        assert!(samples.len() >= 120);
        let truth = Truth {
            motion: Motion::new(1),
            rate_hz: 100.0,
            acc_limit_mps2: ACC_FULL_SCALE_MPS2,
            gyr_limit_dps: 32767.0 / 32.0,
            acc_tol_mps2: G / 1024.0,
            gyr_tol_dps: 1.0 / 32.0,
        };
        let k0 = fw.runs[0].first_sample;
        for (j, smp) in samples.iter().enumerate() {
            truth.check(smp, k0 + j as u64, k0 + j as u64, "Thingy");
        }
        assert!(samples
            .iter()
            .all(|x| x.acc_mps2.iter().all(|a| a.abs() <= 2.0 * G + 0.01)));
        // The stranger's sensor was never connected.
        assert_eq!(fake.log(OTHER_THINGY).unwrap().connects, 0);
    });
}

/// The commands steady's sensor received, decoded.
fn steady_commands(fake: &FakeBluez, address: [u8; 6]) -> Vec<Command> {
    fake.log(address)
        .unwrap()
        .writes
        .iter()
        .map(|w| {
            assert!(w.with_response);
            CommandFrame::decode(&w.value)
                .expect("a valid command frame")
                .command
        })
        .collect()
}

fn steady_truth(index: usize) -> Truth {
    let d = steady_protocol::StreamConfig::default();
    Truth {
        motion: Motion::new(index),
        rate_hz: 200.0,
        acc_limit_mps2: (f64::from(d.acc_range.full_scale_g()) * G) as f32,
        gyr_limit_dps: d.gyr_range.full_scale_dps() as f32,
        // One LSB = full scale / 32768 (firmware-protocol/PROTOCOL.md).
        acc_tol_mps2: f64::from(d.acc_range.full_scale_g()) * G / 32768.0 + 1e-4,
        gyr_tol_dps: f64::from(d.gyr_range.full_scale_dps()) / 32768.0 + 1e-4,
    }
}

#[test]
fn steady_sensor_through_the_manager_at_200_hz_with_battery_query() {
    let (fake, _serial) = env(devices);
    run(async {
        let c = central().await;
        let found = recognised(&c, STEADY).await;
        assert_eq!(found.vendor, Vendor::Steady);
        let mut m = start(c, &found, Placement::LowerBack, 200).await;
        m.until("streaming", |s| {
            s.state == SensorState::Streaming && s.received >= 200 && s.battery_pct.is_some()
        })
        .await;
        let s = m.shutdown().await;
        assert_eq!((s.lost, s.malformed, s.links_lost), (0, 0, 0));
        assert_eq!(
            s.battery_pct,
            Some(77),
            "QueryBattery answered on the status char"
        );

        // SetConfig (200 Hz), StartStreaming (as many samples as fit), then the battery query.
        let cmds = steady_commands(fake, STEADY);
        match cmds[0] {
            Command::SetConfig(c) => assert_eq!(c.rate, SampleRate::Hz200),
            ref other => panic!("first command {other:?}"),
        }
        assert_eq!(
            cmds[1],
            Command::StartStreaming {
                samples_per_frame: 0
            }
        );
        assert!(cmds[2..].iter().all(|c| *c == Command::QueryBattery));
        let fw = fake.firmware(STEADY).unwrap();
        assert_eq!(fw.rate_hz, 200.0);
        assert_eq!(fw.runs.len(), 1);

        let samples = m.samples();
        let truth = steady_truth(0);
        let k0 = fw.runs[0].first_sample;
        for (j, smp) in samples.iter().enumerate() {
            truth.check(smp, k0 + j as u64, k0 + j as u64, "steady");
        }
        let dt = mean_interval_us(&samples);
        assert!((dt - 5_000.0).abs() < 50.0, "{dt} µs");
    });
}

#[test]
fn steady_sensor_link_loss_reconnects_and_reports_the_exact_gap() {
    let (fake, _serial) = env(devices);
    run(async {
        let c = central().await;
        let found = recognised(&c, LOSS_STEADY).await;
        let mut m = start(c, &found, Placement::LeftFoot, 200).await;
        m.until("streaming", |s| {
            s.state == SensorState::Streaming && s.received >= 100
        })
        .await;
        // The patient walks out of range for 0.6 s.
        fake.drop_link(LOSS_STEADY, Duration::from_millis(600))
            .unwrap();
        let lost_at = m.until("link loss seen", |s| s.links_lost == 1).await;
        let s = m
            .until("streaming again", |s| {
                s.state == SensorState::Streaming && s.received >= lost_at.received + 100
            })
            .await;
        let s = {
            let last = m.shutdown().await;
            assert!(last.received >= s.received);
            last
        };
        assert_eq!((s.links_lost, s.malformed), (1, 0));
        let seen = m.seen.lock().unwrap().clone();
        assert!(
            seen.iter()
                .any(|x| matches!(x, SensorState::Reconnecting { .. })),
            "{seen:?}"
        );

        // Ground truth: two runs; the samples between them were never sent.
        let fw = fake.firmware(LOSS_STEADY).unwrap();
        assert_eq!(fw.runs.len(), 2, "{:?}", fw.runs);
        let (r0, r1) = (fw.runs[0], fw.runs[1]);
        let lost_truth = r1.first_sample - (r0.first_sample + r0.samples);
        assert!(lost_truth >= 120, "at least the 0.6 s outage at 200 Hz");
        let log = fake.log(LOSS_STEADY).unwrap();
        assert_eq!((log.link_drops, log.connects), (1, 2));
        // Configured and started again on the new link.
        let starts = steady_commands(fake, LOSS_STEADY)
            .into_iter()
            .filter(|c| matches!(c, Command::StartStreaming { .. }))
            .count();
        assert_eq!(starts, 2);

        // The host: exactly one explicit gap of exactly the missing samples, and every sample
        // sent before the loss was kept.
        let data = m.data();
        let gaps: Vec<_> = data.iter().flat_map(|d| d.gaps.clone()).collect();
        assert_eq!(gaps.len(), 1, "{gaps:?}");
        assert_eq!(gaps[0].lost_samples, lost_truth);
        assert_eq!(s.lost, lost_truth);
        let before: usize = data
            .iter()
            .take_while(|d| d.gaps.is_empty())
            .map(|d| d.samples.len())
            .sum();
        assert_eq!(
            before as u64, r0.samples,
            "nothing sent before the loss was dropped"
        );
        // The hole spans the missing samples on the timeline (never interpolated).
        let span_us = (gaps[0].end.0 - gaps[0].start.0) as f64;
        let want_us = (lost_truth + 1) as f64 * 5_000.0;
        assert!(
            (span_us - want_us).abs() < 0.02 * want_us,
            "{span_us} vs {want_us}"
        );
        // Values on both sides of the gap are the device's samples of its two runs.
        let samples = m.samples();
        let truth = steady_truth(2);
        for (j, smp) in samples.iter().enumerate() {
            let j = j as u64;
            let k = if j < r0.samples {
                r0.first_sample + j
            } else {
                r1.first_sample + (j - r0.samples)
            };
            truth.check(smp, k, k, "steady after reconnect");
        }
    });
}

#[test]
fn polar_link_loss_restarts_both_streams_and_reports_the_exact_gap() {
    let (fake, _serial) = env(devices);
    run(async {
        let c = central().await;
        let found = recognised(&c, LOSS_POLAR).await;
        let mut m = start(c, &found, Placement::RightShank, 100).await;
        m.until("streaming", |s| {
            s.state == SensorState::Streaming && s.received >= 40
        })
        .await;
        fake.drop_link(LOSS_POLAR, Duration::from_millis(600))
            .unwrap();
        let lost_at = m.until("link loss seen", |s| s.links_lost == 1).await;
        m.until("streaming again", |s| {
            s.state == SensorState::Streaming && s.received >= lost_at.received + 40
        })
        .await;
        let s = m.shutdown().await;
        assert_eq!((s.links_lost, s.malformed), (1, 0));
        // Online streams end with the link: both were started again on the new link.
        let w = writes(fake, LOSS_POLAR);
        assert_eq!(w.len(), 4, "{w:?}");
        assert_eq!(w[2].0[..2], [0x02, 0x02]);
        assert_eq!(w[3].0[..2], [0x02, 0x05]);

        // Ground truth: a 6-axis sample exists where both streams have one; the gap is from
        // the last common sample of the first runs to the first common one of the second.
        let fw = fake.firmware(LOSS_POLAR).unwrap();
        assert_eq!((fw.runs.len(), fw.gyr_runs.len()), (2, 2), "{fw:?}");
        let end = |r: steady_fake_bluez::SampleRun| r.first_sample + r.samples;
        let end0 = end(fw.runs[0]).min(end(fw.gyr_runs[0]));
        let start1 = fw.runs[1].first_sample.max(fw.gyr_runs[1].first_sample);
        let lost_truth = start1 - end0;
        assert!(lost_truth >= 31, "at least the 0.6 s outage at 52 Hz");
        let gaps: Vec<_> = m.data().iter().flat_map(|d| d.gaps.clone()).collect();
        assert_eq!(gaps.len(), 1, "{gaps:?}");
        assert_eq!(gaps[0].lost_samples, lost_truth);
        assert_eq!(s.lost, lost_truth);
        // Every common sample of the first runs reached the host.
        let k0 = fw.runs[0].first_sample.max(fw.gyr_runs[0].first_sample);
        let before: usize = m
            .data()
            .iter()
            .take_while(|d| d.gaps.is_empty())
            .map(|d| d.samples.len())
            .sum();
        assert_eq!(before as u64, end0 - k0);
    });
}
