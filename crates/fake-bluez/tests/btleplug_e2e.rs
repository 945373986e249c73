//! The real btleplug path (steady_sensors' `BluezCentral` → btleplug 0.11 → bluez-async →
//! libdbus) against the fake BlueZ on a private `dbus-daemon`, never the system bus.
//!
//! libdbus reads `DBUS_SYSTEM_BUS_ADDRESS` once per process, so this whole file is one
//! process with one bus and one fake (set up before anything touches D-Bus); every test uses
//! its own simulated devices and the tests run one at a time (a process-wide lock), so no
//! test sees another's traffic. Without `dbus-daemon` every test fails with a message that
//! says so (CI installs it in `.ci/install-deps`).
//!
//! No wall-clock assertions: rates are checked on the device timestamps inside the bytes,
//! waits only bound how long a test may hang.

use std::collections::BTreeSet;
mod common;

use common::{central, env, policy, run};
use std::sync::{Arc, Mutex};

use steady_core::{Micros, Placement};
use steady_fake_bluez::firmware::{polar as fake_polar, Motion};
use steady_fake_bluez::{Family, SimSensor};
use steady_protocol::vendors::{self, dot, metawear, polar, thingy, witmotion, DeviceTime};
use steady_protocol::{gatt, Command, CommandFrame, DataFrame, StatusFrame};
use steady_sensors::ble::bluez::{BluezCentral, BluezPeripheral};
// The manager hands out each notification with its decoded samples; these tests look at the
// bytes and the address, as the fake sent them.
use steady_sensors::ble::manager::{Manager, SensorData as RawNotification, SensorStatus};
use steady_sensors::ble::registry::{RegisteredDevice, Registry};
use steady_sensors::ble::scan::scan;
use steady_sensors::ble::transport::{Address, BleCentral, BleError, BlePeripheral, Notification};
use steady_sensors::ble::{SensorState, Vendor};
use steady_sensors::gaps::GapTracker;
use tokio::sync::{mpsc, watch};
use tokio::time::{sleep, timeout, Duration, Instant};

// ---- the simulated devices (index = which body sensor drives it) ----

const STEADY: [u8; 6] = [0xC5, 0x7E, 0xAD, 0x00, 0x00, 0x01];
const WIT: [u8; 6] = [0xE1, 0x0A, 0x00, 0x00, 0x00, 0x02];
const DOT: [u8; 6] = [0xD4, 0x22, 0xCD, 0x00, 0x00, 0x03];
const META: [u8; 6] = [0xF1, 0x3A, 0x00, 0x00, 0x00, 0x04];
const POLAR: [u8; 6] = [0xA0, 0x9E, 0x1A, 0xB5, 0xA0, 0x05];
const THINGY: [u8; 6] = [0xE9, 0x7B, 0x00, 0x00, 0x00, 0x06];
const STRANGER: [u8; 6] = [0x5C, 0x00, 0x00, 0x00, 0x00, 0x07];
/// Manager scenarios, one device each.
const M_WIT: [u8; 6] = [0xE1, 0x0A, 0x00, 0x00, 0x01, 0x01];
const M_DOT: [u8; 6] = [0xD4, 0x22, 0xCD, 0x00, 0x01, 0x02];
const LOSS_DOT: [u8; 6] = [0xD4, 0x22, 0xCD, 0x00, 0x02, 0x01];
const GONE_DOT: [u8; 6] = [0xD4, 0x22, 0xCD, 0x00, 0x03, 0x01];
const BAD_WIT: [u8; 6] = [0xE1, 0x0A, 0x00, 0x00, 0x04, 0x01];
const MUTE_DOT: [u8; 6] = [0xD4, 0x22, 0xCD, 0x00, 0x05, 0x01];

fn devices() -> Vec<SimSensor> {
    vec![
        SimSensor::new(Family::Steady, STEADY, 0),
        SimSensor::new(Family::WitMotion, WIT, 1),
        SimSensor::new(Family::MovellaDot, DOT, 2),
        SimSensor::new(Family::MetaWear, META, 0),
        SimSensor::new(Family::PolarVeritySense, POLAR, 1),
        SimSensor::new(Family::Thingy52, THINGY, 2),
        SimSensor::stranger(STRANGER, "Galaxy Buds"),
        SimSensor::new(Family::WitMotion, M_WIT, 1),
        SimSensor::new(Family::MovellaDot, M_DOT, 0),
        SimSensor::new(Family::MovellaDot, LOSS_DOT, 0),
        SimSensor::new(Family::MovellaDot, GONE_DOT, 0),
        SimSensor::new(Family::WitMotion, BAD_WIT, 2),
        SimSensor::new(Family::MovellaDot, MUTE_DOT, 0).silent(),
    ]
}

/// Scans until the stack knows `address` (≤ 5 s).
async fn peripheral(central: &BluezCentral, address: [u8; 6]) -> BluezPeripheral {
    central.start_scan().await.expect("start scan");
    let t0 = Instant::now();
    loop {
        match central.peripheral(Address(address)).await {
            Ok(p) => return p,
            Err(_) if t0.elapsed() < Duration::from_secs(5) => {
                sleep(Duration::from_millis(20)).await
            }
            Err(e) => panic!("{:02X?} never discovered: {e}", address),
        }
    }
}

/// Receives notifications until `enough` says so (≤ 10 s).
async fn collect(
    rx: &mut mpsc::Receiver<Notification>,
    mut enough: impl FnMut(&[Notification]) -> bool,
) -> Vec<Notification> {
    let mut got = Vec::new();
    let r = timeout(Duration::from_secs(10), async {
        while !enough(&got) {
            match rx.recv().await {
                Some(n) => got.push(n),
                None => break,
            }
        }
    })
    .await;
    assert!(r.is_ok(), "timed out with {} notifications", got.len());
    got
}

fn count(got: &[Notification], uuid: u128) -> usize {
    got.iter().filter(|n| n.uuid == uuid).count()
}

// ---- scan and registration ----

#[test]
fn scan_recognises_every_vendor_and_registers_the_imus() {
    let (fake, _serial) = env(devices);
    run(async {
        let c = central().await;
        let found = scan(&*c, Duration::from_millis(300), false)
            .await
            .expect("scan");
        let adverts = c.adverts().await.expect("adverts");
        let advert = |a: [u8; 6]| {
            adverts
                .iter()
                .find(|ad| ad.address == Some(Address(a)))
                .unwrap_or_else(|| panic!("{a:02X?} not seen"))
                .clone()
        };
        // Every off-the-shelf family is recognised from what btleplug reports (services,
        // company id, name), by the protocol crate's recogniser.
        let want = [
            (WIT, vendors::Vendor::WitMotion),
            (DOT, vendors::Vendor::MovellaDot),
            (META, vendors::Vendor::MetaWear),
            (POLAR, vendors::Vendor::PolarVeritySense),
            (THINGY, vendors::Vendor::Thingy52),
        ];
        for (a, v) in want {
            let ad = advert(a);
            let ids: Vec<u16> = ad.manufacturer_data.iter().map(|(id, _)| *id).collect();
            let got = vendors::recognise(&vendors::Advertisement {
                local_name: ad.name.as_deref(),
                service_uuids: &ad.services,
                manufacturer_ids: &ids,
            });
            assert_eq!(got, Some(v), "{ad:?}");
            assert_eq!(ad.rssi_dbm, Some(-58));
        }
        assert!(advert(STEADY).services.contains(&gatt::SERVICE_UUID));
        assert_eq!(
            advert(DOT).manufacturer_data,
            vec![(dot::COMPANY_ID, vec![1, 2])]
        );
        assert_eq!(
            vendors::recognise(&vendors::Advertisement {
                local_name: advert(STRANGER).name.as_deref(),
                service_uuids: &advert(STRANGER).services,
                manufacturer_ids: &[0x0075],
            }),
            None
        );

        // `steady sensors scan`'s function: the families steady_sensors knows, no strangers.
        let by_addr = |a: [u8; 6]| found.iter().find(|r| r.address == Address(a));
        assert_eq!(by_addr(WIT).map(|r| r.vendor), Some(Vendor::WitMotion));
        assert_eq!(by_addr(DOT).map(|r| r.vendor), Some(Vendor::MovellaDot));
        assert_eq!(
            by_addr(DOT).and_then(|r| r.name.clone()).as_deref(),
            Some("Movella DOT")
        );
        assert_eq!(by_addr(WIT).and_then(|r| r.rssi_dbm), Some(-58));
        assert!(
            by_addr(STRANGER).is_none(),
            "a stranger's device is never listed"
        );
        for r in &found {
            assert!(
                fake.is_present(r.address.0).unwrap(),
                "listed but not on the bus"
            );
        }

        // Register two of them where they are worn; the registry persists and reloads.
        let dir = std::env::temp_dir().join(format!("steady-e2e-registry-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut reg = Registry::load(&dir).expect("empty registry");
        for (a, placement) in [(WIT, Placement::LeftShank), (DOT, Placement::LowerBack)] {
            let r = by_addr(a).expect("found");
            reg.add(RegisteredDevice {
                address: r.address,
                vendor: r.vendor,
                placement,
                name: r.name.clone(),
            })
            .expect("register");
        }
        reg.save().expect("save");
        let again = Registry::load(&dir).expect("reload");
        assert_eq!(again.devices(), reg.devices());
        assert_eq!(again.devices().len(), 2);
        let _ = std::fs::remove_dir_all(&dir);
        // Scanning connects to nothing.
        for a in [WIT, DOT, STRANGER] {
            assert_eq!(fake.log(a).unwrap().connects, 0);
        }
        drop(c);
    });
}

// ---- each vendor's own protocol through the btleplug transport ----

#[test]
fn steady_sensor_configures_and_streams_frames_at_200_hz() {
    let (fake, _serial) = env(devices);
    run(async {
        let c = central().await;
        let p = peripheral(&c, STEADY).await;
        let mut notes = p.notifications().await.unwrap();
        p.connect().await.expect("connect");
        let chars = p.discover().await.expect("discover");
        for u in [
            gatt::DATA_CHAR_UUID,
            gatt::COMMAND_CHAR_UUID,
            gatt::STATUS_CHAR_UUID,
        ] {
            assert!(chars
                .iter()
                .any(|ch| ch.uuid == u && ch.service == gatt::SERVICE_UUID));
        }
        p.subscribe(gatt::STATUS_CHAR_UUID).await.unwrap();
        p.subscribe(gatt::DATA_CHAR_UUID).await.unwrap();
        let config = steady_protocol::StreamConfig {
            rate: steady_protocol::SampleRate::from_hz(200.0).unwrap(),
            acc_range: steady_protocol::AccRange::G8,
            gyr_range: steady_protocol::GyrRange::Dps2000,
        };
        let mut sent = Vec::new();
        for (id, command) in [
            (1, Command::SetConfig(config)),
            (
                2,
                Command::StartStreaming {
                    samples_per_frame: 0,
                },
            ),
        ] {
            let mut buf = [0u8; steady_protocol::command::MAX_COMMAND_LEN];
            let n = CommandFrame {
                request_id: id,
                command,
            }
            .encode(&mut buf)
            .unwrap();
            p.write(gatt::COMMAND_CHAR_UUID, &buf[..n], true)
                .await
                .unwrap();
            sent.push(buf[..n].to_vec());
        }
        let got = collect(&mut notes, |g| count(g, gatt::DATA_CHAR_UUID) >= 400).await;

        // Both commands acknowledged on the status characteristic, with their request ids.
        let acks: Vec<u8> = got
            .iter()
            .filter(|n| n.uuid == gatt::STATUS_CHAR_UUID)
            .map(|n| {
                StatusFrame::decode(&n.value)
                    .expect("status frame")
                    .request_id
            })
            .collect();
        assert_eq!(acks, [1, 2]);
        let log = fake.log(STEADY).unwrap();
        let writes: Vec<Vec<u8>> = log.writes.iter().map(|w| w.value.clone()).collect();
        assert_eq!(writes, sent);
        assert!(log.writes.iter().all(|w| w.with_response));

        // Every frame decodes; sequence and device time advance by one 200 Hz sample; the
        // values are the simulator's, to within one LSB.
        let motion = Motion::new(0);
        let frames: Vec<DataFrame> = got
            .iter()
            .filter(|n| n.uuid == gatt::DATA_CHAR_UUID)
            .map(|n| DataFrame::decode(&n.value).expect("data frame"))
            .collect();
        for w in frames.windows(2) {
            assert_eq!(w[1].seq, w[0].seq.wrapping_add(1));
            assert_eq!(w[1].t_us.wrapping_sub(w[0].t_us), 5_000);
        }
        for f in &frames {
            assert_eq!(f.config, config);
            assert_eq!(f.samples().len(), 1, "MTU 23 fits one sample");
            let (acc, gyr) = steady_protocol::scale::sample_to_si(&f.samples()[0], f.config);
            let (want_acc, want_gyr) = motion.at(f64::from(f.t_us) / 1e6);
            for k in 0..3 {
                assert!((acc[k] - f64::from(want_acc[k])).abs() <= 8.0 * 9.81 / 32768.0 + 1e-3);
                assert!((gyr[k] - f64::from(want_gyr[k])).abs() <= 2000.0 / 32768.0 + 1e-3);
            }
        }
        assert_eq!(fake.firmware(STEADY).unwrap().rate_hz, 200.0);
        p.disconnect().await.unwrap();
        assert!(!fake.is_connected(STEADY).unwrap());
    });
}

#[test]
fn metawear_streams_acc_and_gyro_after_its_command_sequence() {
    let (fake, _serial) = env(devices);
    run(async {
        let c = central().await;
        let p = peripheral(&c, META).await;
        let mut notes = p.notifications().await.unwrap();
        p.connect().await.unwrap();
        p.discover().await.unwrap();
        p.subscribe(metawear::NOTIFY_UUID).await.unwrap();
        let chip = metawear::Chip::Bmi160;
        let (acc_range, gyr_range) = (metawear::AccRange::G8, metawear::GyrRange::Dps2000);
        type Build = Box<dyn Fn(&mut [u8]) -> Result<usize, vendors::DecodeError>>;
        let steps: Vec<Build> = vec![
            Box::new(metawear::read_acc_module_info),
            Box::new(metawear::read_battery),
            Box::new(move |b| metawear::acc_config(chip, metawear::Odr::Hz200, acc_range, b)),
            Box::new(move |b| metawear::gyr_config(chip, metawear::Odr::Hz200, gyr_range, b)),
            Box::new(move |b| metawear::acc_subscribe(chip, false, b)),
            Box::new(move |b| metawear::gyr_subscribe(chip, false, b)),
            Box::new(metawear::acc_enable),
            Box::new(metawear::gyr_enable),
            Box::new(metawear::acc_start),
            Box::new(metawear::gyr_start),
        ];
        for build in &steps {
            let mut buf = [0u8; 20];
            let n = build(&mut buf).unwrap();
            // MetaWear commands go as write without response (sensors.md §4.1).
            p.write(metawear::COMMAND_UUID, &buf[..n], false)
                .await
                .unwrap();
        }
        let dec = metawear::Decoder {
            chip,
            acc_range,
            gyr_range,
            accounter_acc_id: None,
            accounter_gyr_id: None,
        };
        let (mut acc, mut gyr, mut chip_seen, mut battery) = (0, 0, None, None);
        let _ = collect(&mut notes, |g| {
            let Some(n) = g.last() else {
                return false;
            };
            let mut out = [vendors::VendorSample::EMPTY; 4];
            match dec.decode(&n.value, &mut out) {
                Ok(k) => {
                    for s in &out[..k] {
                        acc += usize::from(s.acc_mps2.is_some());
                        gyr += usize::from(s.gyr_dps.is_some());
                    }
                }
                Err(vendors::DecodeError::NotData) if n.value[0] == metawear::MODULE_SETTINGS => {
                    battery = Some(metawear::decode_battery(&n.value).expect("battery"))
                }
                Err(_) => chip_seen = Some(metawear::decode_chip(&n.value).expect("module info")),
            }
            acc >= 200 && gyr >= 200
        })
        .await;
        assert_eq!(chip_seen, Some(metawear::Chip::Bmi160));
        assert_eq!(battery.map(|b| b.percent), Some(99));
        let log = fake.log(META).unwrap();
        assert_eq!(log.writes.len(), steps.len());
        assert!(log.writes.iter().all(|w| !w.with_response));
        assert_eq!(
            log.writes[2].value,
            [0x03, 0x03, 0x29, 0x08],
            "acc 200 Hz ±8 g"
        );
        assert_eq!(fake.firmware(META).unwrap().rate_hz, 200.0);
        p.disconnect().await.unwrap();
    });
}

#[test]
fn polar_pmd_streams_compressed_acc_and_gyro_at_208_hz() {
    let (fake, _serial) = env(devices);
    run(async {
        let c = central().await;
        let p = peripheral(&c, POLAR).await;
        let mut notes = p.notifications().await.unwrap();
        p.connect().await.unwrap();
        p.discover().await.unwrap();
        let features = p.read(polar::PMD_CONTROL_POINT_UUID).await.unwrap();
        assert_eq!(features[1] & 0x24, 0x24, "ACC and GYRO offered");
        assert_eq!(
            p.read(steady_sensors::ble::vendor::BATTERY_LEVEL)
                .await
                .unwrap(),
            [91]
        );
        p.subscribe(polar::PMD_CONTROL_POINT_UUID).await.unwrap();
        p.subscribe(polar::PMD_DATA_UUID).await.unwrap();
        for (stream, range) in [(polar::Stream::Acc, 8), (polar::Stream::Gyro, 2000)] {
            let settings = polar::StartSettings {
                sample_rate_hz: 208,
                resolution_bits: 16,
                range,
                channels: Some(3),
            };
            let mut buf = [0u8; 32];
            let n = polar::start(stream, &settings, &mut buf).unwrap();
            p.write(polar::PMD_CONTROL_POINT_UUID, &buf[..n], true)
                .await
                .unwrap();
        }
        let got = collect(&mut notes, |g| count(g, polar::PMD_DATA_UUID) >= 60).await;
        let mut factors = Vec::new();
        for n in got
            .iter()
            .filter(|n| n.uuid == polar::PMD_CONTROL_POINT_UUID)
        {
            let r = polar::decode_cp_response(&n.value).expect("cp response");
            assert_eq!((r.op, r.status), (0x02, 0), "start accepted");
            assert_eq!(&r.params[..2], [0x05, 0x01], "factor setting");
            let f = f32::from_le_bytes([r.params[2], r.params[3], r.params[4], r.params[5]]);
            factors.push((r.measurement_type, f));
        }
        assert_eq!(
            factors,
            [(2, fake_polar::ACC_FACTOR), (5, fake_polar::GYR_FACTOR)]
        );
        let decoder = |stream, factor| polar::Decoder {
            stream,
            sample_rate_hz: 208,
            factor,
        };
        let acc = decoder(polar::Stream::Acc, factors[0].1);
        let gyr = decoder(polar::Stream::Gyro, factors[1].1);
        let mut times: [Vec<u64>; 2] = [Vec::new(), Vec::new()];
        for n in got.iter().filter(|n| n.uuid == polar::PMD_DATA_UUID) {
            let (which, dec) = if n.value[0] == 2 {
                (0, &acc)
            } else {
                (1, &gyr)
            };
            let mut out = [vendors::VendorSample::EMPTY; 32];
            let k = dec.decode(&n.value, &mut out).expect("PMD frame decodes");
            assert_eq!(k, 8, "208 Hz / 26 per frame");
            for s in &out[..k] {
                let DeviceTime::PolarNs(t) = s.device_time else {
                    panic!("polar time")
                };
                times[which].push(t);
            }
        }
        for t in &times {
            assert!(t.len() >= 200);
            for w in t.windows(2) {
                let d = w[1] as f64 - w[0] as f64;
                assert!((d - 1e9 / 208.0).abs() < 1_000.0, "sample spacing {d} ns");
            }
        }
        assert_eq!(fake.firmware(POLAR).unwrap().rate_hz, 208.0);
        p.disconnect().await.unwrap();
    });
}

#[test]
fn thingy_raw_motion_follows_its_configured_rate() {
    let (fake, _serial) = env(devices);
    run(async {
        let c = central().await;
        let p = peripheral(&c, THINGY).await;
        let mut notes = p.notifications().await.unwrap();
        p.connect().await.unwrap();
        p.discover().await.unwrap();
        let cfg = thingy::MotionConfig {
            pedo_interval_ms: 1000,
            temp_interval_ms: 500,
            compass_interval_ms: 500,
            motion_freq_hz: 100,
            wake_on_motion: true,
        };
        let mut buf = [0u8; 9];
        let n = thingy::motion_config(&cfg, &mut buf).unwrap();
        p.write(thingy::MOTION_CONFIG_UUID, &buf[..n], true)
            .await
            .unwrap();
        assert_eq!(p.read(thingy::MOTION_CONFIG_UUID).await.unwrap(), buf[..n]);
        assert_eq!(
            p.read(steady_sensors::ble::vendor::BATTERY_LEVEL)
                .await
                .unwrap(),
            [64]
        );
        p.subscribe(thingy::RAW_DATA_UUID).await.unwrap();
        let got = collect(&mut notes, |g| count(g, thingy::RAW_DATA_UUID) >= 100).await;
        for n in &got {
            let mut out = [vendors::VendorSample::EMPTY; 1];
            assert_eq!(thingy::decode(&n.value, &mut out), Ok(1));
            assert_eq!(thingy::decode_compass_ut(&n.value), Ok([20.0, 0.0, -10.0]));
        }
        let fw = fake.firmware(THINGY).unwrap();
        assert_eq!(fw.rate_hz, 100.0);
        assert_eq!(fw.runs.last().map(|r| r.rate_hz), Some(100));
        p.disconnect().await.unwrap();
    });
}

// ---- the connection manager over btleplug ----

fn registered(address: [u8; 6], vendor: Vendor, placement: Placement) -> RegisteredDevice {
    RegisteredDevice {
        address: Address(address),
        vendor,
        placement,
        name: None,
    }
}

/// A started manager plus everything it delivered so far.
struct Running {
    manager: Option<Manager>,
    states: watch::Receiver<Vec<SensorStatus>>,
    raw: Arc<Mutex<Vec<RawNotification>>>,
    seen: Arc<Mutex<Vec<SensorState>>>,
}

async fn start(central: Arc<BluezCentral>, devices: Vec<RegisteredDevice>) -> Running {
    let (manager, mut rx) = Manager::start(central, devices, policy(200))
        .await
        .expect("manager starts");
    let raw = Arc::new(Mutex::new(Vec::new()));
    let sink = raw.clone();
    tokio::spawn(async move {
        while let Some(n) = rx.recv().await {
            sink.lock().unwrap().push(n);
        }
    });
    // Every state any sensor passes through, in order (watch keeps only the latest).
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (log, mut w) = (seen.clone(), manager.states());
    tokio::spawn(async move {
        while w.changed().await.is_ok() {
            let states: Vec<SensorState> = w.borrow_and_update().iter().map(|s| s.state).collect();
            let mut l = log.lock().unwrap();
            for s in states {
                if l.last() != Some(&s) {
                    l.push(s);
                }
            }
        }
    });
    let states = manager.states();
    Running {
        manager: Some(manager),
        states,
        raw,
        seen,
    }
}

impl Running {
    /// Stops the manager (disconnecting every sensor); what it delivered stays readable.
    async fn shutdown(&mut self) {
        if let Some(m) = self.manager.take() {
            m.shutdown().await;
        }
    }

    /// Waits until `ok` holds for the status list (≤ 10 s), returning it.
    async fn until(
        &mut self,
        what: &str,
        ok: impl Fn(&[SensorStatus]) -> bool,
    ) -> Vec<SensorStatus> {
        let r = timeout(Duration::from_secs(10), async {
            loop {
                let now = self.states.borrow_and_update().clone();
                if ok(&now) {
                    return now;
                }
                if self.states.changed().await.is_err() {
                    return now;
                }
            }
        })
        .await;
        match r {
            Ok(s) if ok(&s) => s,
            _ => panic!("{what}: last states {:?}", self.states.borrow().clone()),
        }
    }

    fn raw_of(&self, address: [u8; 6]) -> Vec<RawNotification> {
        self.raw
            .lock()
            .unwrap()
            .iter()
            .filter(|n| n.address == Address(address))
            .cloned()
            .collect()
    }
}

fn dot_seq(n: &RawNotification, rate_hz: f64) -> u64 {
    let mut out = [vendors::VendorSample::EMPTY; 1];
    dot::decode(&n.bytes, &mut out).expect("DOT payload decodes");
    let DeviceTime::Micros32(ts) = out[0].device_time else {
        panic!("DOT time");
    };
    (f64::from(ts) * rate_hz / 1e6).round() as u64
}

#[test]
fn manager_configures_witmotion_at_200_hz_and_dot_and_streams_both() {
    let (fake, _serial) = env(devices);
    run(async {
        let c = central().await;
        let devices = vec![
            registered(M_WIT, Vendor::WitMotion, Placement::LeftShank),
            registered(M_DOT, Vendor::MovellaDot, Placement::LowerBack),
        ];
        let mut m = start(c, devices).await;
        let s = m
            .until("both stream", |s| {
                s.iter().all(|x| x.state == SensorState::Streaming)
                    && s[0].notifications >= 400
                    && s[1].notifications >= 120
            })
            .await;
        assert!(s.iter().all(|x| x.malformed == 0 && x.links_lost == 0));

        // The configuration bytes the sensors received (sensors.md §1.4, §2.2 / vector 4, 5).
        let wit: Vec<(Vec<u8>, bool)> = fake
            .log(M_WIT)
            .unwrap()
            .writes
            .into_iter()
            .map(|w| (w.value, w.with_response))
            .collect();
        assert_eq!(
            wit,
            [
                (vec![0xFF, 0xAA, 0x69, 0x88, 0xB5], false),
                (vec![0xFF, 0xAA, 0x03, 0x0B, 0x00], false),
                // Battery: read register 0x64 (sensors.md §1.4); the rate is not saved to flash.
                (vec![0xFF, 0xAA, 0x27, 0x64, 0x00], false),
            ]
        );
        // DOT: the output-rate control write, then start measurement `01 01 15` (§2.2).
        let dot_writes = fake.log(M_DOT).unwrap().writes;
        assert_eq!(dot_writes.len(), 2, "{dot_writes:?}");
        let start = dot_writes.last().unwrap();
        assert_eq!(start.value, [0x01, 0x01, 0x15]);
        assert!(start.with_response);
        assert_eq!(fake.firmware(M_WIT).unwrap().rate_hz, 200.0);

        // WitMotion: every notification is one valid 20-byte frame; the fake's last run is at
        // 200 Hz and all of it reached the manager in order.
        // (Data notifications only: the battery register's reply arrives on the same
        // characteristic and carries no samples.)
        let wit_raw: Vec<RawNotification> = m
            .raw_of(M_WIT)
            .into_iter()
            .filter(|n| !n.samples.is_empty())
            .collect();
        assert!(!wit_raw.is_empty());
        for n in &wit_raw {
            let mut out = [vendors::VendorSample::EMPTY; 4];
            assert_eq!(witmotion::decode(&n.bytes, &mut out), Ok(1));
            assert_eq!(n.placement, Placement::LeftShank);
        }
        // DOT: rate quantities at its real-time maximum of 60 Hz (sensors.md §2.4), device
        // timestamps one sample apart, values equal to the simulator's (f32 on the wire).
        let dot_raw: Vec<RawNotification> = m
            .raw_of(M_DOT)
            .into_iter()
            .filter(|n| !n.samples.is_empty())
            .collect();
        let seqs: Vec<u64> = dot_raw.iter().map(|n| dot_seq(n, 60.0)).collect();
        assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "contiguous");
        let motion = Motion::new(0);
        for n in dot_raw.iter().take(20) {
            let mut out = [vendors::VendorSample::EMPTY; 1];
            dot::decode(&n.bytes, &mut out).unwrap();
            let DeviceTime::Micros32(ts) = out[0].device_time else {
                unreachable!()
            };
            let (a, g) = motion.at(f64::from(ts) / 1e6);
            let (ga, gg) = (out[0].acc_mps2.unwrap(), out[0].gyr_dps.unwrap());
            for k in 0..3 {
                assert!((ga[k] - a[k]).abs() < 1e-3 && (gg[k] - g[k]).abs() < 1e-2);
            }
        }
        // Arrival times are on the manager's clock and never go backwards.
        for raw in [&wit_raw, &dot_raw] {
            assert!(raw.windows(2).all(|w| w[1].arrival_us >= w[0].arrival_us));
        }
        m.shutdown().await;
        assert!(!fake.is_connected(M_WIT).unwrap());
        assert!(!fake.is_connected(M_DOT).unwrap());
        assert_eq!(fake.log(M_WIT).unwrap().host_disconnects, 1);
    });
}

#[test]
fn link_loss_mid_stream_reconnects_and_the_gap_is_counted_exactly() {
    let (fake, _serial) = env(devices);
    run(async {
        let c = central().await;
        let mut m = start(
            c,
            vec![registered(
                LOSS_DOT,
                Vendor::MovellaDot,
                Placement::RightShank,
            )],
        )
        .await;
        m.until("streaming", |s| {
            s[0].state == SensorState::Streaming && s[0].notifications >= 60
        })
        .await;
        // The sensor walks out of range for 0.6 s.
        fake.drop_link(LOSS_DOT, Duration::from_millis(600))
            .unwrap();
        m.until("link loss seen", |s| s[0].links_lost == 1).await;
        let before = m.raw_of(LOSS_DOT).len() as u64;
        let s = m
            .until("streaming again", |s| {
                s[0].state == SensorState::Streaming && s[0].notifications >= before + 60
            })
            .await;
        assert_eq!(s[0].links_lost, 1);
        assert_eq!(s[0].malformed, 0);
        let seen = m.seen.lock().unwrap().clone();
        let i = seen
            .iter()
            .position(|x| matches!(x, SensorState::Reconnecting { .. }));
        assert!(i.is_some(), "reconnecting was reported: {seen:?}");
        assert!(seen[i.unwrap()..].contains(&SensorState::Streaming));
        m.shutdown().await;

        // Ground truth from the fake: two streaming runs; the samples between them were never sent.
        let fw = fake.firmware(LOSS_DOT).unwrap();
        assert_eq!(fw.runs.len(), 2, "{:?}", fw.runs);
        let lost_truth = fw.runs[1].first_sample - (fw.runs[0].first_sample + fw.runs[0].samples);
        let log = fake.log(LOSS_DOT).unwrap();
        assert_eq!(log.link_drops, 1);
        assert_eq!(log.connects, 2);
        assert!(
            log.refused_connects >= 1,
            "reconnect attempts while out of range"
        );

        // The host side: DOT timestamps → sample numbers → gap accounting.
        let mut gaps = GapTracker::new();
        for n in m.raw_of(LOSS_DOT) {
            gaps.push(dot_seq(&n, 60.0), Micros(n.arrival_us as i64));
        }
        assert_eq!(gaps.gaps().len(), 1, "one explicit gap");
        assert_eq!(gaps.lost(), lost_truth);
        assert!(lost_truth >= 36, "at least the 0.6 s outage at 60 Hz");
        assert_eq!(
            gaps.received(),
            log.notifications_on(dot::MEDIUM_PAYLOAD_UUID)
        );
    });
}

#[test]
fn removed_device_is_rediscovered_and_streams_again() {
    let (fake, _serial) = env(devices);
    run(async {
        let c = central().await;
        let mut m = start(
            c.clone(),
            vec![registered(
                GONE_DOT,
                Vendor::MovellaDot,
                Placement::LeftFoot,
            )],
        )
        .await;
        m.until("streaming", |s| {
            s[0].state == SensorState::Streaming && s[0].notifications >= 30
        })
        .await;
        fake.remove(GONE_DOT).unwrap();
        m.until("not streaming", |s| s[0].state != SensorState::Streaming)
            .await;
        // BlueZ forgot it: btleplug no longer lists it.
        let t0 = Instant::now();
        while c.peripheral(Address(GONE_DOT)).await.is_ok() {
            assert!(t0.elapsed() < Duration::from_secs(5), "still listed");
            sleep(Duration::from_millis(20)).await;
        }
        assert!(matches!(
            c.peripheral(Address(GONE_DOT)).await,
            Err(BleError::NotFound(_))
        ));
        sleep(Duration::from_millis(300)).await;
        let during = m.raw_of(GONE_DOT).len() as u64;
        fake.advertise(GONE_DOT).unwrap();
        let s = m
            .until("streaming again", |s| {
                s[0].state == SensorState::Streaming && s[0].notifications >= during + 30
            })
            .await;
        assert!(s[0].links_lost >= 1);
        assert!(fake.is_present(GONE_DOT).unwrap());
        assert_eq!(fake.log(GONE_DOT).unwrap().connects, 2);
        m.shutdown().await;
        // The gap across the absence is explicit too.
        let mut gaps = GapTracker::new();
        for n in m.raw_of(GONE_DOT) {
            gaps.push(dot_seq(&n, 60.0), Micros(n.arrival_us as i64));
        }
        assert_eq!(gaps.gaps().len(), 1);
        assert!(gaps.lost() >= 18, "absent ≥ 0.3 s at 60 Hz");
    });
}

#[test]
fn malformed_notifications_are_counted_and_streaming_goes_on() {
    let (fake, _serial) = env(devices);
    run(async {
        let c = central().await;
        let mut m = start(
            c,
            vec![registered(BAD_WIT, Vendor::WitMotion, Placement::RightFoot)],
        )
        .await;
        m.until("streaming", |s| {
            s[0].state == SensorState::Streaming && s[0].notifications >= 40
        })
        .await;
        let bad: [&[u8]; 2] = [&[0x55, 0x62, 1, 2, 3], &[0x55, 0x61, 0, 0, 0, 0, 0, 0, 0]];
        for b in bad {
            assert!(
                fake.inject(BAD_WIT, witmotion::NOTIFY_UUID, b).unwrap(),
                "delivered"
            );
            let mut out = [vendors::VendorSample::EMPTY; 4];
            assert!(
                witmotion::decode(b, &mut out).is_err(),
                "typed decode error, no panic"
            );
        }
        let at = m.until("counted", |s| s[0].malformed == 2).await[0].notifications;
        let s = m
            .until("still streaming", |s| {
                s[0].state == SensorState::Streaming && s[0].notifications >= at + 40
            })
            .await;
        assert_eq!(s[0].malformed, 2);
        assert_eq!(s[0].links_lost, 0);
        let raw = m.raw_of(BAD_WIT);
        let bad_seen: BTreeSet<Vec<u8>> = raw
            .iter()
            .filter(|n| n.bytes.len() != witmotion::FRAME_LEN)
            .map(|n| n.bytes.clone())
            .collect();
        assert_eq!(bad_seen.len(), 2, "both reached the host unchanged");
        m.shutdown().await;
    });
}

#[test]
fn sensor_that_never_streams_is_reported_stalled_not_reconnected() {
    let (fake, _serial) = env(devices);
    run(async {
        let c = central().await;
        let mut m = start(
            c,
            vec![registered(
                MUTE_DOT,
                Vendor::MovellaDot,
                Placement::RightThigh,
            )],
        )
        .await;
        m.until("stalled", |s| s[0].state == SensorState::Stalled)
            .await;
        // Well past the link-loss silence threshold: still stalled, never torn down.
        sleep(Duration::from_micros(
            policy(200).policy.link_lost_after_us + 500_000,
        ))
        .await;
        let s = m.states.borrow().clone();
        assert_eq!(s[0].state, SensorState::Stalled);
        assert_eq!(s[0].notifications, 0);
        assert_eq!(s[0].links_lost, 0);
        let log = fake.log(MUTE_DOT).unwrap();
        assert_eq!(log.connects, 1);
        // Configured (rate, then start), and never again: a stalled sensor is not reconnected.
        assert_eq!(log.writes.len(), 2, "configured: {:?}", log.writes);
        assert_eq!(log.writes[1].value, [0x01, 0x01, 0x15]);
        assert!(
            log.suppressed > 0,
            "the firmware produced data that never left it"
        );
        assert!(fake.is_connected(MUTE_DOT).unwrap());
        m.shutdown().await;
    });
}
