//! The per-sensor receive path of a real (BLE) sensor of any supported family:
//! driver decode → sample index → clock sync → gap accounting → samples on the session
//! timeline. Pure state machine: arrival times come in with the notifications.
//!
//! Sample index (the sequence number gap accounting needs):
//! - sensors with a device clock (steady, Movella DOT, Polar): from device time at the nominal
//!   rate, counted from the previous sample (`k = k_prev + round(Δt / interval)`), so clock
//!   drift never accumulates into a false gap and a gap of any length is counted exactly;
//! - sensors without one (WitMotion, Thingy:52, MetaWear): samples are counted; the device
//!   time is the count at the nominal rate, and the clock estimator fits that virtual clock's
//!   offset and rate against arrivals. A notification arriving more than
//!   [`ReceiveConfig::counterless_gap_us`] later than the fitted clock predicts means samples
//!   were lost (a dropped link, a device that vanished): their number is the excess lateness
//!   over the sample interval. BLE retransmits within a connection, so shorter delays are
//!   treated as late delivery, not loss.

use steady_core::{Gap, ImuSample, Micros, Placement};

use crate::ble::transport::Uuid128;
use crate::ble::vendor::Vendor;
use crate::clock::{ClockConfig, ClockSync};
use crate::driver::{Driver, DriverSample, DriverStats, NoteKind};
use crate::gaps::{Completeness, GapTracker, SeqOutcome};

/// Tuning of the receive path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReceiveConfig {
    /// Clock estimator settings (session origin included).
    pub clock: ClockConfig,
    /// Lateness beyond the fitted clock after which a counter-less stream is taken to have
    /// lost samples, µs. 250 ms: well above the 7.5–50 ms delivery jitter of a healthy link,
    /// below the stall threshold of the connection manager.
    pub counterless_gap_us: u64,
}

impl Default for ReceiveConfig {
    fn default() -> Self {
        ReceiveConfig {
            clock: ClockConfig::default(),
            counterless_gap_us: 250_000,
        }
    }
}

/// What one notification gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    /// What the notification was.
    pub kind: NoteKind,
    /// Its samples on the session timeline (none for a control reply or malformed bytes).
    pub samples: Vec<ImuSample>,
    /// Gaps it revealed (lost samples just before these samples).
    pub gaps: Vec<Gap>,
}

/// The receive path of one sensor.
#[derive(Debug, Clone)]
pub struct Receiver {
    /// Where it is worn.
    pub placement: Placement,
    driver: Driver,
    cfg: ReceiveConfig,
    clock: ClockSync,
    gaps: GapTracker,
    /// Index and device time (µs, fractional for counter-less) of the newest sample.
    last: Option<(u64, f64)>,
    last_t: Option<Micros>,
    scratch: Vec<DriverSample>,
}

impl Receiver {
    /// A receive path for a `vendor` sensor at `placement`, configured at about `rate_hz`.
    pub fn new(placement: Placement, vendor: Vendor, rate_hz: u32, cfg: ReceiveConfig) -> Self {
        Receiver {
            placement,
            driver: Driver::new(vendor, rate_hz),
            cfg,
            clock: ClockSync::new(cfg.clock),
            gaps: GapTracker::new(),
            last: None,
            last_t: None,
            scratch: Vec::new(),
        }
    }

    /// The driver (configuration writes, battery, counters).
    pub fn driver(&self) -> &Driver {
        &self.driver
    }

    /// The driver, mutably (to take writes or parse a battery read).
    pub fn driver_mut(&mut self) -> &mut Driver {
        &mut self.driver
    }

    /// Nominal sample rate, Hz.
    pub fn nominal_rate_hz(&self) -> f64 {
        self.driver.nominal_rate_hz()
    }

    /// Driver counters (notifications, malformed, unknown, unpaired).
    pub fn stats(&self) -> DriverStats {
        self.driver.stats()
    }

    /// Lost-sample accounting so far.
    pub fn gaps(&self) -> &GapTracker {
        &self.gaps
    }

    /// The clock estimator.
    pub fn clock(&self) -> &ClockSync {
        &self.clock
    }

    /// Received / lost / gaps summary.
    pub fn completeness(&self) -> Completeness {
        self.gaps.summary()
    }

    /// Handles one notification of characteristic `uuid` that arrived at `arrival_us` (host
    /// clock, same epoch as the session origin).
    pub fn push(&mut self, uuid: Uuid128, bytes: &[u8], arrival_us: u64) -> Received {
        let mut frames = std::mem::take(&mut self.scratch);
        frames.clear();
        let kind = self.driver.on_notification(uuid, bytes, &mut frames);
        let mut out = Received {
            kind,
            samples: Vec::with_capacity(frames.len()),
            gaps: Vec::new(),
        };
        if !frames.is_empty() {
            self.place(&frames, arrival_us, &mut out);
        }
        self.scratch = frames;
        out
    }

    fn place(&mut self, frames: &[DriverSample], arrival_us: u64, out: &mut Received) {
        let interval = 1e6 / self.driver.nominal_rate_hz();
        let n = frames.len();
        // Index and device time of every sample.
        let mut idx: Vec<(u64, f64)> = Vec::with_capacity(n);
        if frames[0].device_us.is_some() {
            let mut last = self.last;
            for f in frames {
                let t = f.device_us.unwrap_or(0) as f64;
                let k = match last {
                    None => 0,
                    Some((k, tl)) => {
                        let steps = ((t - tl) / interval).round() as i64;
                        if steps < -(1 << 20) {
                            // The device clock went far back (a reboot): start a new count
                            // after the last one; the clock estimate follows.
                            self.clock = ClockSync::new(self.cfg.clock);
                            k + 1
                        } else {
                            (k as i64 + steps).max(0) as u64
                        }
                    }
                };
                if last.is_none_or(|(kl, _)| k > kl) {
                    last = Some((k, t));
                }
                idx.push((k, t));
            }
            self.clock.observe(idx[n - 1].1.max(0.0) as u64, arrival_us);
            self.last = last;
        } else {
            let mut k0 = self.last.map_or(0, |(k, _)| k + 1);
            let dev_last = (k0 + n as u64 - 1) as f64 * interval;
            if self.clock.is_ready() {
                let predicted = dev_last + self.clock.offset_us(dev_last as u64);
                let late = arrival_us as f64 - predicted;
                if late > self.cfg.counterless_gap_us as f64 {
                    k0 += (late / interval).round() as u64;
                }
            }
            for j in 0..n as u64 {
                let k = k0 + j;
                idx.push((k, k as f64 * interval));
            }
            let (k, t) = idx[n - 1];
            self.clock.observe(t as u64, arrival_us);
            self.last = Some((k, t));
        }
        let lost_before = self.gaps.gaps().len();
        for (f, &(k, t_dev)) in frames.iter().zip(&idx) {
            let t = self.clock.to_session(t_dev.max(0.0) as u64);
            let t = match self.last_t {
                Some(last) if t <= last => last + 1,
                _ => t,
            };
            if self.gaps.push(k, t) == SeqOutcome::Stale {
                continue;
            }
            self.last_t = Some(t);
            out.samples.push(ImuSample {
                t,
                acc_mps2: f.acc_mps2,
                gyr_dps: f.gyr_dps,
            });
        }
        out.gaps.extend_from_slice(&self.gaps.gaps()[lost_before..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use steady_protocol::vendors::{dot, witmotion};

    #[test]
    fn timestamped_stream_counts_a_gap_exactly() {
        let mut r = Receiver::new(
            Placement::LowerBack,
            Vendor::MovellaDot,
            60,
            ReceiveConfig::default(),
        );
        let interval = 1e6 / 60.0;
        let mut buf = [0u8; 40];
        let mut got = 0;
        let mut gaps = Vec::new();
        for k in (0..600u64).filter(|k| !(200..260).contains(k)) {
            let dev = 7_000_000 + (k as f64 * interval * (1.0 + 40e-6)).round() as u64;
            dot::encode(dev as u32, [0.0, 0.0, 9.8], [1.0, 2.0, 3.0], &mut buf).unwrap();
            let arrival = (k as f64 * interval) as u64 + 20_000 + (k * 7919 % 30_000);
            let rx = r.push(dot::MEDIUM_PAYLOAD_UUID, &buf, arrival);
            got += rx.samples.len();
            gaps.extend(rx.gaps);
        }
        assert_eq!(got, 540);
        assert_eq!(gaps.len(), 1);
        assert_eq!(gaps[0].lost_samples, 60);
        assert_eq!(r.gaps().lost(), 60);
    }

    #[test]
    fn counterless_stream_reports_a_long_silence_as_lost_samples() {
        let mut r = Receiver::new(
            Placement::LeftShank,
            Vendor::WitMotion,
            100,
            ReceiveConfig::default(),
        );
        let mut frame = [0u8; 20];
        witmotion::encode_data_frame([0.0, 0.0, 9.8], [0.0; 3], [0.0; 3], &mut frame).unwrap();
        // 4 frames per notification at 100 Hz (every 40 ms), 1 % slow clock, jittery delivery.
        let note = frame.repeat(4);
        let mut lost_truth = 0;
        let mut got = 0;
        let mut k = 0u64;
        while k < 3_000 {
            let true_t = (k + 3) as f64 * 10_000.0 * 1.01;
            let arrival = true_t as u64 + 7_500 + (k * 7919 % 40_000);
            if (1_000..1_200).contains(&k) {
                lost_truth += 4; // 2 s outage
            } else {
                got += r.push(witmotion::NOTIFY_UUID, &note, arrival).samples.len();
            }
            k += 4;
        }
        assert_eq!(got, 3_000 - 200);
        let lost = r.gaps().lost() as i64;
        assert_eq!(r.gaps().gaps().len(), 1, "{:?}", r.gaps().gaps());
        // The count of a counter-less gap is an estimate: within 5 % of the truth.
        assert!(
            (lost - lost_truth).abs() <= lost_truth / 20,
            "lost {lost} vs {lost_truth}"
        );
    }

    #[test]
    fn malformed_is_counted_and_gives_nothing() {
        let mut r = Receiver::new(
            Placement::LeftFoot,
            Vendor::Thingy52,
            100,
            ReceiveConfig::default(),
        );
        let rx = r.push(
            steady_protocol::vendors::thingy::RAW_DATA_UUID,
            &[1, 2, 3],
            5,
        );
        assert_eq!(rx.kind, NoteKind::Malformed);
        assert!(rx.samples.is_empty());
        assert_eq!(r.stats().malformed, 1);
        assert_eq!(r.gaps().received(), 0);
    }
}
