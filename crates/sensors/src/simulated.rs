//! A simulated sensor source: `steady-sim` scenario → transport notifications (encoded bytes)
//! → decode → clock sync → gap accounting → samples per placement on the session timeline.
//!
//! Notifications are steady-protocol data frames ([`decode_steady`]; the simulator encodes
//! them with `steady_sim::SteadyFrameEncoder`). [`SensorPipeline`] is the per-sensor receive
//! path shared by every source.

use steady_core::{ImuSample, Micros, Placement};

use crate::clock::{ClockConfig, ClockSync, Unwrapper};
use crate::gaps::{GapTracker, SeqOutcome};

/// A decoded notification (device clock, before clock sync).
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedFrame {
    /// Frame sequence number, mod 256.
    pub seq: u8,
    /// Device time of the first sample, µs (raw, wraps at 2³²).
    pub device_time_raw_us: u32,
    /// Sample interval on the device clock (nominal rate), µs.
    pub interval_us: f64,
    /// Samples (acc m/s², gyr deg/s).
    pub samples: Vec<([f64; 3], [f64; 3])>,
}

/// Decodes one steady-protocol data notification (the seam for other vendors' decoders).
pub fn decode_steady(bytes: &[u8]) -> Result<DecodedFrame, steady_protocol::DecodeError> {
    let f = steady_protocol::DataFrame::decode(bytes)?;
    Ok(DecodedFrame {
        seq: f.seq,
        device_time_raw_us: f.t_us,
        interval_us: f.config.rate.interval_us(),
        samples: f
            .samples()
            .iter()
            .map(|r| steady_protocol::scale::sample_to_si(r, f.config))
            .collect(),
    })
}

/// Per-sensor receive path: decode → unwrap → clock sync → gap accounting.
#[derive(Debug, Clone)]
pub struct SensorPipeline {
    /// Where the sensor sits.
    pub placement: Placement,
    /// Nominal sampling rate, Hz.
    pub rate_hz: f64,
    /// Clock estimator.
    pub clock: ClockSync,
    /// Lost-sample accounting.
    pub gaps: GapTracker,
    time_unwrap: Unwrapper,
    /// Per-sample index of the next expected sample and its device time (µs).
    expected: Option<(u64, f64)>,
    /// Notifications that failed to decode.
    pub malformed: u64,
    /// Notifications accepted.
    pub notifications: u64,
    /// Last sample time on the session timeline.
    pub last_t: Option<Micros>,
}

impl SensorPipeline {
    /// A receive path for a sensor at `placement` sampling at `rate_hz`.
    pub fn new(placement: Placement, rate_hz: f64, clock: ClockConfig) -> SensorPipeline {
        SensorPipeline {
            placement,
            rate_hz,
            clock: ClockSync::new(clock),
            gaps: GapTracker::new(),
            time_unwrap: Unwrapper::new(1 << 32),
            expected: None,
            malformed: 0,
            notifications: 0,
            last_t: None,
        }
    }

    /// Handles one notification that arrived at host time `arrival_host_us`; returns its
    /// samples on the session timeline (empty for a malformed or stale notification, which
    /// is counted).
    pub fn push(&mut self, bytes: &[u8], arrival_host_us: u64) -> Vec<ImuSample> {
        let frame = match decode_steady(bytes) {
            Ok(f) => f,
            Err(_) => {
                self.malformed += 1;
                return Vec::new();
            }
        };
        self.notifications += 1;
        let first_dev = self.time_unwrap.unwrap(frame.device_time_raw_us as u64);
        let n = frame.samples.len() as u64;
        if n == 0 {
            return Vec::new();
        }
        let interval = frame.interval_us;
        // Sample index from device time, counted incrementally from the last frame (so the
        // 8-bit frame counter's wrap and clock drift do not matter; drift over one gap is
        // far below half a sample interval).
        let first_seq = match self.expected {
            None => 0,
            Some((k, t)) => {
                let steps = ((first_dev as f64 - t) / interval).round() as i64;
                (k as i64 + steps).max(0) as u64
            }
        };
        let dev_at = |j: u64| first_dev + (j as f64 * interval).round() as u64;
        self.clock.observe(dev_at(n - 1), arrival_host_us);
        if self.expected.is_none_or(|(k, _)| first_seq + n > k) {
            self.expected = Some((first_seq + n, first_dev as f64 + n as f64 * interval));
        }
        let mut out = Vec::with_capacity(n as usize);
        for (j, (acc, gyr)) in frame.samples.into_iter().enumerate() {
            let t = self.clock.to_session(dev_at(j as u64));
            // Never step backwards on the timeline when the estimate moves.
            let t = match self.last_t {
                Some(last) if t <= last => last + 1,
                _ => t,
            };
            if self.gaps.push(first_seq + j as u64, t) == SeqOutcome::Stale {
                continue;
            }
            self.last_t = Some(t);
            out.push(ImuSample {
                t,
                acc_mps2: acc,
                gyr_dps: gyr,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use steady_sim::transport::{encode_with, TransportConfig};
    use steady_sim::{Scenario, SensorConfig};

    #[test]
    fn malformed_notifications_are_counted_not_fatal() {
        let mut p = SensorPipeline::new(Placement::LowerBack, 100.0, ClockConfig::default());
        assert!(p.push(&[0xff, 1, 2], 1_000).is_empty());
        assert!(p.push(&[], 2_000).is_empty());
        assert_eq!(p.malformed, 2);
        assert_eq!(p.gaps.received(), 0);
    }

    #[test]
    fn pipeline_gives_monotonic_times_close_to_truth_and_counts_loss() {
        let sim = steady_sim::simulate(
            &Scenario::new().stand(40.0),
            &SensorConfig::new(&[Placement::LowerBack]),
            1,
        );
        let cfg = TransportConfig::default();
        let notes = encode_with(&sim, &cfg, 2, steady_sim::SteadyFrameEncoder::default());
        let mut p = SensorPipeline::new(Placement::LowerBack, sim.rate_hz, ClockConfig::default());
        let mut last = Micros(i64::MIN);
        let mut n = 0u64;
        let mut worst = 0i64;
        let mut end = 0;
        for note in &notes {
            let samples = p.push(&note.bytes, note.arrival_host_us);
            end = end.max(note.first_sample + samples.len() as u64);
            for (j, s) in samples.iter().enumerate() {
                assert!(s.t > last);
                last = s.t;
                n += 1;
                let k = note.first_sample + j as u64;
                let truth = Micros::from_secs_f64(k as f64 / sim.rate_hz);
                if k as f64 / sim.rate_hz > 10.0 {
                    worst = worst.max((s.t - truth).abs());
                }
            }
        }
        let first = notes.iter().map(|n| n.first_sample).min().unwrap();
        assert_eq!(n + p.gaps.lost(), end - first);
        assert!(p.gaps.lost() > 0);
        // Absolute: the 7.5 ms connection interval is subtracted; what is left is the
        // firmware latency and frame duration (< 40 ms).
        assert!(worst < 40_000, "worst absolute error {worst} µs");
    }
}
