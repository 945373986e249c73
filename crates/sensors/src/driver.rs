//! Per-vendor drivers: one notification's bytes → IMU samples in SI units with the device's
//! time when it sends one. Pure state machine (no I/O, no clock): the connection manager
//! hands in notifications and gets back samples, configuration writes triggered by answers
//! (MetaWear's chip, Polar's start response) and battery levels.
//!
//! - A notification may hold several frames (WitMotion batches 20-byte frames when the MTU is
//!   larger; MetaWear packs 3 samples; Polar and steady frames hold many samples).
//! - Vendors that stream acc and gyro separately (MetaWear, Polar) are paired here into one
//!   6-axis sample: Polar by device time (within half a sample interval), MetaWear in arrival
//!   order (it sends no time; see [`Driver`]).
//! - A malformed notification is counted ([`DriverStats::malformed`]) and its valid frames are
//!   kept; a notification on an unexpected characteristic or a reply the driver does not know
//!   is counted as unknown. Nothing here panics on bad bytes.
//!
//! Time ([`DriverSample::device_us`]) is the device clock unwrapped to µs (steady and Movella
//! DOT: 32-bit µs counter; Polar: ns since 2000 / 1000); `None` for sensors without a clock
//! (WitMotion, Thingy:52, MetaWear), which [`crate::receive`] times by sample counting.

use std::collections::VecDeque;

use steady_protocol::vendors::{dot, metawear, polar, thingy, witmotion, DeviceTime, VendorSample};
use steady_protocol::{DataFrame, Status, StatusFrame};

use crate::ble::transport::Uuid128;
use crate::ble::vendor::{self, Command, Vendor, BATTERY_LEVEL, STEADY_DATA, STEADY_STATUS};
use crate::clock::Unwrapper;

/// One decoded 6-axis sample before clock sync.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DriverSample {
    /// Device time, µs (unwrapped), when the sensor sends one.
    pub device_us: Option<u64>,
    /// Specific force, m/s², sensor axes.
    pub acc_mps2: [f64; 3],
    /// Angular rate, deg/s, sensor axes.
    pub gyr_dps: [f64; 3],
}

/// Counters of one driver.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DriverStats {
    /// Notifications handled.
    pub notifications: u64,
    /// Notifications with at least one malformed frame.
    pub malformed: u64,
    /// Notifications on a characteristic or of a type the driver does not know.
    pub unknown: u64,
    /// Acc or gyro half-samples dropped because their partner never came (MetaWear, Polar).
    pub unpaired: u64,
}

/// What one notification was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteKind {
    /// IMU data (samples appended, possibly none while a pair is pending).
    Data,
    /// A reply or status (battery, acknowledgement, control-point response).
    Control,
    /// Malformed (counted; any valid frames were kept).
    Malformed,
    /// Unknown characteristic or frame type (counted).
    Unknown,
}

/// Most half-samples kept waiting for a partner before the oldest is dropped.
const PAIR_QUEUE_MAX: usize = 64;
/// Most samples one notification can hold (Polar delta frames at MTU 512 hold ~100).
const MAX_SAMPLES: usize = 256;

#[derive(Debug, Clone)]
enum Kind {
    Steady {
        unwrap: Unwrapper,
    },
    WitMotion,
    Dot {
        unwrap: Unwrapper,
    },
    MetaWear {
        decoder: Option<metawear::Decoder>,
    },
    Polar {
        acc: polar::Decoder,
        gyr: polar::Decoder,
    },
    Thingy,
}

/// The decoder state of one sensor (survives reconnects; [`Driver::on_link_up`] resets what a
/// new link invalidates).
#[derive(Debug, Clone)]
pub struct Driver {
    vendor: Vendor,
    nominal_rate_hz: f64,
    kind: Kind,
    stats: DriverStats,
    writes: Vec<Command>,
    battery_pct: Option<u8>,
    last_error: Option<String>,
    acc_q: VecDeque<(Option<u64>, [f64; 3])>,
    gyr_q: VecDeque<(Option<u64>, [f64; 3])>,
    buf: Vec<VendorSample>,
}

fn f64x3(v: [f32; 3]) -> [f64; 3] {
    v.map(f64::from)
}

/// WitMotion battery percent from the cell voltage: the vendor's lookup table
/// (sensors.md §1.3, WitSDK `GetBatteryPercent`), step at each listed voltage.
pub fn witmotion_battery_pct(volts: f32) -> u8 {
    const TABLE: [(f32, u8); 11] = [
        (3.96, 100),
        (3.93, 90),
        (3.87, 75),
        (3.82, 60),
        (3.79, 50),
        (3.77, 40),
        (3.73, 30),
        (3.70, 20),
        (3.68, 15),
        (3.50, 10),
        (3.40, 5),
    ];
    TABLE
        .iter()
        .find(|(v, _)| volts >= *v)
        .map_or(0, |(_, p)| *p)
}

/// The FACTOR setting (type 5, f32) in a PMD start response's parameters, if present
/// (sensors.md §5.2: settings are `<type> <count> <value…>`).
pub fn polar_factor(params: &[u8]) -> Option<f32> {
    let mut p = 0;
    while p + 2 <= params.len() {
        let (ty, count) = (params[p], usize::from(params[p + 1]));
        let size = match ty {
            0..=2 => 2,
            3 | 5 => 4,
            4 => 1,
            6 => 16,
            _ => return None,
        };
        let start = p + 2;
        let end = start + size * count;
        let v = params.get(start..end)?;
        if ty == 5 && count >= 1 {
            let f = f32::from_le_bytes([v[0], v[1], v[2], v[3]]);
            return (f.is_finite() && f > 0.0).then_some(f);
        }
        p = end;
    }
    None
}

impl Driver {
    /// A driver for `vendor` configured at about `rate_hz`.
    pub fn new(vendor: Vendor, rate_hz: u32) -> Driver {
        let nominal_rate_hz = vendor.nominal_rate_hz(rate_hz);
        let kind = match vendor {
            Vendor::Steady => Kind::Steady {
                unwrap: Unwrapper::new(1 << 32),
            },
            Vendor::WitMotion => Kind::WitMotion,
            Vendor::MovellaDot => Kind::Dot {
                unwrap: Unwrapper::new(1 << 32),
            },
            Vendor::MetaWear => Kind::MetaWear { decoder: None },
            Vendor::PolarVeritySense => {
                let d = |stream| polar::Decoder {
                    stream,
                    sample_rate_hz: vendor::POLAR_RATE_HZ,
                    factor: 1.0,
                };
                Kind::Polar {
                    acc: d(polar::Stream::Acc),
                    gyr: d(polar::Stream::Gyro),
                }
            }
            Vendor::Thingy52 => Kind::Thingy,
        };
        Driver {
            vendor,
            nominal_rate_hz,
            kind,
            stats: DriverStats::default(),
            writes: Vec::new(),
            battery_pct: None,
            last_error: None,
            acc_q: VecDeque::new(),
            gyr_q: VecDeque::new(),
            buf: vec![VendorSample::EMPTY; MAX_SAMPLES],
        }
    }

    /// Sensor family.
    pub fn vendor(&self) -> Vendor {
        self.vendor
    }

    /// Nominal sample rate, Hz.
    pub fn nominal_rate_hz(&self) -> f64 {
        self.nominal_rate_hz
    }

    /// Counters.
    pub fn stats(&self) -> DriverStats {
        self.stats
    }

    /// Last battery level seen, percent.
    pub fn battery_pct(&self) -> Option<u8> {
        self.battery_pct
    }

    /// Last error the sensor reported (e.g. a refused start), if any.
    pub fn last_error(&self) -> Option<&str> {
        self.last_error.as_deref()
    }

    /// Writes the driver wants sent now (answers to replies), in order.
    pub fn take_writes(&mut self) -> Vec<Command> {
        std::mem::take(&mut self.writes)
    }

    /// A new link came up: pending half-samples and per-link answers are stale.
    pub fn on_link_up(&mut self) {
        self.acc_q.clear();
        self.gyr_q.clear();
        self.writes.clear();
        if let Kind::MetaWear { decoder } = &mut self.kind {
            // The chip is asked again on every link (the plan's first write).
            *decoder = None;
        }
    }

    /// Parses the value of a battery read ([`vendor::BatteryRead::Gatt`]).
    pub fn on_battery_read(&mut self, uuid: Uuid128, value: &[u8]) -> Option<u8> {
        let pct = if uuid == dot::BATTERY_UUID {
            dot::decode_battery(value).ok().map(|b| b.percent)
        } else if uuid == BATTERY_LEVEL {
            value.first().copied().filter(|p| *p <= 100)
        } else {
            None
        };
        if pct.is_some() {
            self.battery_pct = pct;
        }
        pct
    }

    /// Handles one notification of characteristic `uuid`; appends its samples to `out`.
    pub fn on_notification(
        &mut self,
        uuid: Uuid128,
        bytes: &[u8],
        out: &mut Vec<DriverSample>,
    ) -> NoteKind {
        self.stats.notifications += 1;
        let kind = self.dispatch(uuid, bytes, out);
        match kind {
            NoteKind::Malformed => self.stats.malformed += 1,
            NoteKind::Unknown => self.stats.unknown += 1,
            _ => {}
        }
        kind
    }

    fn dispatch(&mut self, uuid: Uuid128, b: &[u8], out: &mut Vec<DriverSample>) -> NoteKind {
        let interval_us = 1e6 / self.nominal_rate_hz;
        match &mut self.kind {
            Kind::Steady { unwrap } => {
                if uuid == STEADY_STATUS {
                    return match StatusFrame::decode(b) {
                        Ok(StatusFrame {
                            status: Status::Battery(bat),
                            ..
                        }) if bat.percent <= 100 => {
                            self.battery_pct = Some(bat.percent);
                            NoteKind::Control
                        }
                        Ok(_) => NoteKind::Control,
                        Err(_) => NoteKind::Malformed,
                    };
                }
                if uuid != STEADY_DATA {
                    return NoteKind::Unknown;
                }
                let Ok(f) = DataFrame::decode(b) else {
                    return NoteKind::Malformed;
                };
                let first = unwrap.unwrap(u64::from(f.t_us));
                let step = f.config.rate.interval_us();
                for (j, s) in f.samples().iter().enumerate() {
                    let (acc, gyr) = steady_protocol::scale::sample_to_si(s, f.config);
                    out.push(DriverSample {
                        device_us: Some(first + (j as f64 * step).round() as u64),
                        acc_mps2: acc,
                        gyr_dps: gyr,
                    });
                }
                NoteKind::Data
            }
            Kind::WitMotion => {
                let mut bad = false;
                let mut data = false;
                for f in witmotion::frames(b) {
                    match f {
                        Ok(witmotion::Frame::Data {
                            acc_mps2, gyr_dps, ..
                        }) => {
                            data = true;
                            out.push(DriverSample {
                                device_us: None,
                                acc_mps2: f64x3(acc_mps2),
                                gyr_dps: f64x3(gyr_dps),
                            });
                        }
                        Ok(reg) => {
                            if let Some(v) = reg.battery_v() {
                                self.battery_pct = Some(witmotion_battery_pct(v));
                            }
                        }
                        Err(_) => bad = true,
                    }
                }
                match (bad, data) {
                    (true, _) => NoteKind::Malformed,
                    (false, true) => NoteKind::Data,
                    (false, false) if b.is_empty() => NoteKind::Malformed,
                    (false, false) => NoteKind::Control,
                }
            }
            Kind::Dot { unwrap } => {
                if uuid != dot::MEDIUM_PAYLOAD_UUID {
                    return NoteKind::Unknown;
                }
                match dot::decode(b, &mut self.buf) {
                    Ok(n) => {
                        for s in &self.buf[..n] {
                            let DeviceTime::Micros32(ts) = s.device_time else {
                                continue;
                            };
                            out.push(DriverSample {
                                device_us: Some(unwrap.unwrap(u64::from(ts))),
                                acc_mps2: f64x3(s.acc_mps2.unwrap_or_default()),
                                gyr_dps: f64x3(s.gyr_dps.unwrap_or_default()),
                            });
                        }
                        NoteKind::Data
                    }
                    Err(_) => NoteKind::Malformed,
                }
            }
            Kind::Thingy => {
                if uuid != thingy::RAW_DATA_UUID {
                    return NoteKind::Unknown;
                }
                match thingy::decode(b, &mut self.buf) {
                    Ok(n) => {
                        for s in &self.buf[..n] {
                            out.push(DriverSample {
                                device_us: None,
                                acc_mps2: f64x3(s.acc_mps2.unwrap_or_default()),
                                gyr_dps: f64x3(s.gyr_dps.unwrap_or_default()),
                            });
                        }
                        NoteKind::Data
                    }
                    Err(_) => NoteKind::Malformed,
                }
            }
            Kind::MetaWear { decoder } => {
                if uuid != metawear::NOTIFY_UUID {
                    return NoteKind::Unknown;
                }
                if let Ok(bat) = metawear::decode_battery(b) {
                    self.battery_pct = Some(bat.percent.min(100));
                    return NoteKind::Control;
                }
                if b.len() >= 2 && b[0] == metawear::MODULE_ACC && b[1] == 0x80 {
                    return match metawear::decode_chip(b) {
                        Ok(chip) => {
                            *decoder = Some(metawear::Decoder {
                                chip,
                                acc_range: metawear::AccRange::G16,
                                gyr_range: metawear::GyrRange::Dps2000,
                                accounter_acc_id: None,
                                accounter_gyr_id: None,
                            });
                            self.writes.extend(vendor::metawear_start(chip));
                            NoteKind::Control
                        }
                        Err(e) => {
                            self.last_error = Some(format!("MetaWear chip: {e}"));
                            NoteKind::Unknown
                        }
                    };
                }
                let Some(d) = decoder else {
                    // Data before the chip is known cannot be scaled.
                    return NoteKind::Unknown;
                };
                match d.decode(b, &mut self.buf) {
                    Ok(n) => {
                        for s in &self.buf[..n] {
                            if let Some(a) = s.acc_mps2 {
                                self.acc_q.push_back((None, f64x3(a)));
                            }
                            if let Some(g) = s.gyr_dps {
                                self.gyr_q.push_back((None, f64x3(g)));
                            }
                        }
                        self.pair(interval_us, out);
                        NoteKind::Data
                    }
                    Err(steady_protocol::vendors::DecodeError::NotData) => NoteKind::Control,
                    Err(steady_protocol::vendors::DecodeError::UnknownHeader { .. }) => {
                        NoteKind::Unknown
                    }
                    Err(_) => NoteKind::Malformed,
                }
            }
            Kind::Polar { acc, gyr } => {
                if uuid == polar::PMD_CONTROL_POINT_UUID {
                    return match polar::decode_cp_response(b) {
                        Ok(r) => {
                            if r.op == 0x02 && r.status != 0 {
                                self.last_error = Some(format!(
                                    "PMD start of type {} refused (status {})",
                                    r.measurement_type, r.status
                                ));
                            } else if r.op == 0x02 {
                                if let Some(f) = polar_factor(r.params) {
                                    if r.measurement_type == polar::Stream::Acc.type_byte() {
                                        acc.factor = f;
                                    } else if r.measurement_type == polar::Stream::Gyro.type_byte()
                                    {
                                        gyr.factor = f;
                                    }
                                }
                            }
                            NoteKind::Control
                        }
                        Err(_) => NoteKind::Malformed,
                    };
                }
                if uuid != polar::PMD_DATA_UUID {
                    return NoteKind::Unknown;
                }
                let Some(&ty) = b.first() else {
                    return NoteKind::Malformed;
                };
                let (d, is_acc) = if ty == polar::Stream::Acc.type_byte() {
                    (*acc, true)
                } else if ty == polar::Stream::Gyro.type_byte() {
                    (*gyr, false)
                } else {
                    return NoteKind::Unknown;
                };
                match d.decode(b, &mut self.buf) {
                    Ok(n) => {
                        for s in &self.buf[..n] {
                            let t = match s.device_time {
                                DeviceTime::PolarNs(ns) => Some(ns / 1000),
                                _ => None,
                            };
                            if is_acc {
                                if let Some(a) = s.acc_mps2 {
                                    self.acc_q.push_back((t, f64x3(a)));
                                }
                            } else if let Some(g) = s.gyr_dps {
                                self.gyr_q.push_back((t, f64x3(g)));
                            }
                        }
                        self.pair(interval_us, out);
                        NoteKind::Data
                    }
                    Err(_) => NoteKind::Malformed,
                }
            }
        }
    }

    /// Pairs queued acc and gyro half-samples: by device time within half an interval when
    /// both carry one (the older unmatched one is dropped), else in order.
    fn pair(&mut self, interval_us: f64, out: &mut Vec<DriverSample>) {
        while let (Some(&(ta, a)), Some(&(tg, g))) = (self.acc_q.front(), self.gyr_q.front()) {
            if let (Some(ta), Some(tg)) = (ta, tg) {
                let d = ta as f64 - tg as f64;
                if d.abs() > interval_us / 2.0 {
                    if d < 0.0 {
                        self.acc_q.pop_front();
                    } else {
                        self.gyr_q.pop_front();
                    }
                    self.stats.unpaired += 1;
                    continue;
                }
            }
            self.acc_q.pop_front();
            self.gyr_q.pop_front();
            out.push(DriverSample {
                device_us: ta,
                acc_mps2: a,
                gyr_dps: g,
            });
        }
        for q in [&mut self.acc_q, &mut self.gyr_q] {
            while q.len() > PAIR_QUEUE_MAX {
                q.pop_front();
                self.stats.unpaired += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use steady_protocol::vendors::STANDARD_GRAVITY_MPS2 as G;

    fn hex(s: &str) -> Vec<u8> {
        let digits: Vec<u8> = s
            .bytes()
            .filter(|c| c.is_ascii_hexdigit())
            .map(|c| (c as char).to_digit(16).unwrap() as u8)
            .collect();
        digits.chunks(2).map(|p| p[0] << 4 | p[1]).collect()
    }

    fn close(a: [f64; 3], b: [f64; 3], tol: f64) -> bool {
        a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol)
    }

    #[test]
    fn witmotion_batched_notification_gives_four_samples() {
        // sensors.md §10 vector 2 (80 bytes = 4 frames).
        let b = hex(
            "5561fcffefff110800000000000098ff0d00f831 5561fdffecff0e0800000000000098ff0d00f831
             5561fdffecff0e0800000000000098ff0d00f831 5561feffe9ff0f0800000000000098ff0d00f831",
        );
        let mut d = Driver::new(Vendor::WitMotion, 100);
        let mut out = Vec::new();
        assert_eq!(
            d.on_notification(witmotion::NOTIFY_UUID, &b, &mut out),
            NoteKind::Data
        );
        assert_eq!(out.len(), 4);
        assert!(close(
            out[0].acc_mps2,
            [
                -0.001953 * G as f64,
                -0.008301 * G as f64,
                1.008301 * G as f64
            ],
            1e-2
        ));
        assert_eq!(out[0].device_us, None);
        // One bad slot: counted malformed, the good frames kept.
        let mut bad = b.clone();
        bad[41] = 0x62;
        out.clear();
        assert_eq!(
            d.on_notification(witmotion::NOTIFY_UUID, &bad, &mut out),
            NoteKind::Malformed
        );
        assert_eq!(out.len(), 3);
        assert_eq!(d.stats().malformed, 1);
    }

    #[test]
    fn witmotion_battery_register_reply() {
        let mut d = Driver::new(Vendor::WitMotion, 100);
        let mut b = [0u8; 20];
        witmotion::encode_register_frame(0x64, [385, 0, 0, 0, 0, 0, 0, 0], &mut b).unwrap();
        let mut out = Vec::new();
        assert_eq!(
            d.on_notification(witmotion::NOTIFY_UUID, &b, &mut out),
            NoteKind::Control
        );
        // 3.85 V: between 3.82 V (60 %) and 3.87 V (75 %) in the vendor table.
        assert_eq!(d.battery_pct(), Some(60));
        assert_eq!(witmotion_battery_pct(4.1), 100);
        assert_eq!(witmotion_battery_pct(3.3), 0);
    }

    #[test]
    fn dot_vector_and_wrap() {
        // sensors.md §10 vector 6, padded to the 40-byte medium payload.
        let mut b = hex(
            "40 42 0F 00 00 00 00 00 00 00 00 00 C3 F5 1C 41 00 00 20 41 00 00 A0 C0 00 00 00 3F",
        );
        b.resize(40, 0);
        let mut d = Driver::new(Vendor::MovellaDot, 60);
        let mut out = Vec::new();
        d.on_notification(dot::MEDIUM_PAYLOAD_UUID, &b, &mut out);
        assert_eq!(out[0].device_us, Some(1_000_000));
        assert!(close(out[0].acc_mps2, [0.0, 0.0, 9.81], 1e-3));
        assert!(close(out[0].gyr_dps, [10.0, -5.0, 0.5], 1e-3));
        // The 32-bit µs clock wraps: unwrapped time keeps increasing.
        let mut e = [0u8; 40];
        dot::encode(u32::MAX - 5, [0.0; 3], [0.0; 3], &mut e).unwrap();
        d.on_notification(dot::MEDIUM_PAYLOAD_UUID, &e, &mut out);
        dot::encode(10, [0.0; 3], [0.0; 3], &mut e).unwrap();
        d.on_notification(dot::MEDIUM_PAYLOAD_UUID, &e, &mut out);
        assert_eq!(out[2].device_us, Some((1u64 << 32) + 10));
        assert_eq!(
            d.on_notification(dot::MEDIUM_PAYLOAD_UUID, &e[..20], &mut out),
            NoteKind::Malformed
        );
        assert_eq!(
            d.on_battery_read(dot::BATTERY_UUID, &[0x55, 0x00]),
            Some(85)
        );
    }

    #[test]
    fn thingy_vector() {
        let b = hex("00 00 00 00 00 04 40 01 00 00 00 00 40 01 00 00 60 FF");
        let mut d = Driver::new(Vendor::Thingy52, 100);
        let mut out = Vec::new();
        d.on_notification(thingy::RAW_DATA_UUID, &b, &mut out);
        assert!(close(out[0].acc_mps2, [0.0, 0.0, G as f64], 1e-4));
        assert!(close(out[0].gyr_dps, [10.0, 0.0, 0.0], 1e-6));
        assert_eq!(
            d.on_notification(thingy::CONFIGURATION_SERVICE_UUID, &b, &mut out),
            NoteKind::Unknown
        );
        assert_eq!(d.stats().unknown, 1);
    }

    #[test]
    fn metawear_asks_chip_then_configures_and_pairs_packed_streams() {
        let mut d = Driver::new(Vendor::MetaWear, 100);
        let mut out = Vec::new();
        // Data before the chip reply cannot be scaled: unknown, no samples.
        let acc = hex("03 1C 62 B7 53 0D E9 FD 16 D0 4D 0E 57 02 8A FF A1 05 0A 01");
        assert_eq!(
            d.on_notification(metawear::NOTIFY_UUID, &acc, &mut out),
            NoteKind::Unknown
        );
        assert_eq!(
            d.on_notification(metawear::NOTIFY_UUID, &[0x03, 0x80, 0x01, 0x00], &mut out),
            NoteKind::Control
        );
        let w = d.take_writes();
        assert_eq!(w[0].value, [0x03, 0x03, 0x28, 0x0C]);
        assert!(w.iter().any(|c| c.value == [0x03, 0x1C, 0x01]));
        assert!(w.iter().any(|c| c.value == [0x13, 0x07, 0x01]));
        // Vector 13's bytes at ±16 g (the range the driver configures): 3 acc half-samples.
        assert_eq!(
            d.on_notification(metawear::NOTIFY_UUID, &acc, &mut out),
            NoteKind::Data
        );
        assert!(out.is_empty(), "acc alone waits for gyro");
        let gyr = hex("13 07 09 15 AD 26 08 DE 8A 1A 0D 26 65 E4 8D 20 AC 27 73 EC");
        d.on_notification(metawear::NOTIFY_UUID, &gyr, &mut out);
        assert_eq!(out.len(), 3);
        // Vector 13 at ±8 g is −4.539 g; at ±16 g the same LSBs are twice that.
        assert!(close(
            out[0].acc_mps2,
            [
                -4.539 * 2.0 * G as f64,
                0.833 * 2.0 * G as f64,
                -0.131 * 2.0 * G as f64
            ],
            0.02
        ));
        // Vector 15 at ±1000 °/s is 164.177 °/s; at ±2000 °/s twice that.
        assert!(close(
            out[0].gyr_dps,
            [164.177 * 2.0, 301.860 * 2.0, -265.122 * 2.0],
            0.01
        ));
        // Battery reply (vector 17).
        d.on_notification(metawear::NOTIFY_UUID, &hex("11 8C 63 34 10"), &mut out);
        assert_eq!(d.battery_pct(), Some(99));
    }

    #[test]
    fn polar_factor_from_start_response_and_pairing_by_time() {
        let mut d = Driver::new(Vendor::PolarVeritySense, 52);
        let mut out = Vec::new();
        // Start response for ACC with FACTOR 2.0 (setting type 5, one f32).
        let mut r = vec![0xF0, 0x02, 0x02, 0x00, 0x00, 0x05, 0x01];
        r.extend_from_slice(&2.0f32.to_le_bytes());
        assert_eq!(
            d.on_notification(polar::PMD_CONTROL_POINT_UUID, &r, &mut out),
            NoteKind::Control
        );
        // Vector 21 (GYRO compressed type 0, factor 1): two gyro samples, last at ts.
        let g = hex("05 00 CA 9A 3B 00 00 00 00 80 EA FF 08 00 0D 00 03 01 DF 00");
        d.on_notification(polar::PMD_DATA_UUID, &g, &mut out);
        assert!(out.is_empty());
        // Matching ACC frame at the same timestamp (1e9 ns), raw type 1 (mG, vector 19 body).
        let a = hex("02 00 CA 9A 3B 00 00 00 00 01 F7 FF FF FF E7 03 F8 FF FE FF E5 03");
        d.on_notification(polar::PMD_DATA_UUID, &a, &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].device_us, Some(1_000_000));
        assert!(close(out[0].gyr_dps, [-22.0, 8.0, 13.0], 1e-3));
        assert!(close(out[1].gyr_dps, [-23.0, 11.0, 16.0], 1e-3));
        assert!(close(
            out[1].acc_mps2,
            [-0.008 * G as f64, -0.002 * G as f64, 0.997 * G as f64],
            1e-3
        ));
        // A refused start is surfaced.
        d.on_notification(
            polar::PMD_CONTROL_POINT_UUID,
            &[0xF0, 0x02, 0x05, 0x08, 0x00],
            &mut out,
        );
        assert!(d.last_error().unwrap().contains("status 8"));
        assert_eq!(polar_factor(&[0x00, 0x01, 0x34, 0x00]), None);
    }

    #[test]
    fn steady_frames_and_status_battery() {
        use steady_protocol::status::Battery;
        use steady_protocol::{DataFlags, RawSample, StreamConfig};
        let s = RawSample {
            acc: [0, 0, 2048],
            gyr: [16, -16, 0],
        };
        let f = DataFrame::new(
            DataFlags::default(),
            StreamConfig::default(),
            7,
            5_000,
            &[s, s, s],
        )
        .unwrap();
        let mut buf = [0u8; steady_protocol::data::MAX_FRAME_LEN];
        let n = f.encode(&mut buf).unwrap();
        let mut d = Driver::new(Vendor::Steady, 100);
        let mut out = Vec::new();
        d.on_notification(STEADY_DATA, &buf[..n], &mut out);
        let t: Vec<_> = out.iter().map(|s| s.device_us.unwrap()).collect();
        assert_eq!(t, [5_000, 15_000, 25_000]);
        assert!((out[0].acc_mps2[2] - 9.80665).abs() < 1e-9);
        let st = StatusFrame {
            request_id: 3,
            status: Status::Battery(Battery {
                percent: 64,
                millivolts: 3800,
                charging: false,
            }),
        };
        let n = st.encode(&mut buf).unwrap();
        d.on_notification(STEADY_STATUS, &buf[..n], &mut out);
        assert_eq!(d.battery_pct(), Some(64));
    }

    #[test]
    fn random_bytes_never_panic_on_any_vendor() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut out = Vec::new();
        for v in Vendor::ALL {
            let mut d = Driver::new(v, 100);
            let uuids = [v.data_char(), polar::PMD_CONTROL_POINT_UUID, STEADY_STATUS];
            for i in 0..20_000u32 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let len = (x % 90) as usize;
                let bytes: Vec<u8> = (0..len).map(|k| (x >> (k % 56)) as u8 ^ k as u8).collect();
                d.on_notification(uuids[(i % 3) as usize], &bytes, &mut out);
                out.clear();
            }
            assert_eq!(d.stats().notifications, 20_000);
        }
    }
}
