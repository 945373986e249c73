//! A simulated sensor source: `steady-sim` scenario → transport notifications (encoded bytes)
//! → decode → clock sync → gap accounting → samples per placement on the session timeline.
//!
//! The wire codec is swappable ([`SimCodec`]); until steady's own frame format from
//! `steady-protocol` is wired in, [`SimCodec`] is a simple interim layout (documented on the
//! type). [`SensorPipeline`] is the per-sensor receive path shared by every source.

use steady_core::{ImuSample, Micros, Placement};
use steady_sim::transport::{FrameContent, FrameEncoder};

use crate::clock::{ClockConfig, ClockSync, Unwrapper};
use crate::gaps::{GapTracker, SeqOutcome};

/// A decoded data frame (device clock, before clock sync).
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedFrame {
    /// Per-sample sequence number of the first sample (raw, 32-bit on the wire).
    pub first_seq_raw: u32,
    /// Device time of the first sample, µs (raw, wraps at 2³²).
    pub device_time_raw_us: u32,
    /// Sample interval on the device clock, µs.
    pub interval_us: u32,
    /// Samples (acc m/s², gyr deg/s; `t` unset).
    pub samples: Vec<([f64; 3], [f64; 3])>,
}

/// A malformed notification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Shorter than the header or than the sample count says.
    #[error("truncated frame: {got} bytes, need {need}")]
    Truncated {
        /// Bytes received.
        got: usize,
        /// Bytes needed.
        need: usize,
    },
}

/// Interim simulator codec: `u32 first_seq | u32 device_time_us | u32 interval_us | u8 n |
/// n × (6 × f32: acc xyz m/s², gyr xyz deg/s)`, little-endian. To be replaced by
/// steady's protocol frame (`steady-protocol`) behind the same two functions.
#[derive(Debug, Clone, Copy, Default)]
pub struct SimCodec;

const HEADER: usize = 13;

impl FrameEncoder for SimCodec {
    fn encode(&mut self, f: &FrameContent<'_>) -> Vec<u8> {
        let mut b = Vec::with_capacity(HEADER + f.samples.len() * 24);
        b.extend_from_slice(&(f.first_sample as u32).to_le_bytes());
        b.extend_from_slice(&(f.device_time_us as u32).to_le_bytes());
        b.extend_from_slice(&(f.device_interval_us.round() as u32).to_le_bytes());
        b.push(f.samples.len().min(255) as u8);
        for s in f.samples.iter().take(255) {
            for v in s.acc_mps2.iter().chain(s.gyr_dps.iter()) {
                b.extend_from_slice(&(*v as f32).to_le_bytes());
            }
        }
        b
    }
}

impl SimCodec {
    /// Decodes one notification.
    pub fn decode(bytes: &[u8]) -> Result<DecodedFrame, DecodeError> {
        if bytes.len() < HEADER {
            return Err(DecodeError::Truncated {
                got: bytes.len(),
                need: HEADER,
            });
        }
        let u = |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        let n = bytes[12] as usize;
        let need = HEADER + n * 24;
        if bytes.len() < need {
            return Err(DecodeError::Truncated {
                got: bytes.len(),
                need,
            });
        }
        let f = |i: usize| {
            f32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]) as f64
        };
        let samples = (0..n)
            .map(|j| {
                let o = HEADER + j * 24;
                (
                    [f(o), f(o + 4), f(o + 8)],
                    [f(o + 12), f(o + 16), f(o + 20)],
                )
            })
            .collect();
        Ok(DecodedFrame {
            first_seq_raw: u(0),
            device_time_raw_us: u(4),
            interval_us: u(8),
            samples,
        })
    }
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
    seq_unwrap: Unwrapper,
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
            seq_unwrap: Unwrapper::new(1 << 32),
            malformed: 0,
            notifications: 0,
            last_t: None,
        }
    }

    /// Handles one notification that arrived at host time `arrival_host_us`; returns its
    /// samples on the session timeline (empty for a malformed or stale notification, which
    /// is counted).
    pub fn push(&mut self, bytes: &[u8], arrival_host_us: u64) -> Vec<ImuSample> {
        let frame = match SimCodec::decode(bytes) {
            Ok(f) => f,
            Err(_) => {
                self.malformed += 1;
                return Vec::new();
            }
        };
        self.notifications += 1;
        let first_dev = self.time_unwrap.unwrap(frame.device_time_raw_us as u64);
        let first_seq = self.seq_unwrap.unwrap(frame.first_seq_raw as u64);
        let n = frame.samples.len() as u64;
        if n == 0 {
            return Vec::new();
        }
        let interval = frame.interval_us as u64;
        self.clock
            .observe(first_dev + interval * (n - 1), arrival_host_us);
        let mut out = Vec::with_capacity(n as usize);
        for (j, (acc, gyr)) in frame.samples.into_iter().enumerate() {
            let t = self.clock.to_session(first_dev + interval * j as u64);
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
    fn codec_round_trips_and_rejects_truncation() {
        let s = ImuSample {
            t: Micros(0),
            acc_mps2: [1.0, -2.5, 9.75],
            gyr_dps: [100.0, -0.5, 3.25],
        };
        let bytes = SimCodec.encode(&FrameContent {
            sensor_index: 0,
            frame_seq: 3,
            first_sample: 12,
            device_time_us: (1u64 << 32) + 77,
            device_interval_us: 10_000.4,
            samples: &[s, s],
        });
        let f = SimCodec::decode(&bytes).unwrap();
        assert_eq!(f.first_seq_raw, 12);
        assert_eq!(f.device_time_raw_us, 77);
        assert_eq!(f.interval_us, 10_000);
        assert_eq!(f.samples, vec![(s.acc_mps2, s.gyr_dps); 2]);
        for cut in 0..bytes.len() {
            assert!(SimCodec::decode(&bytes[..cut]).is_err());
        }
    }

    #[test]
    fn pipeline_gives_monotonic_times_close_to_truth_and_counts_loss() {
        let sim = steady_sim::simulate(
            &Scenario::new().stand(40.0),
            &SensorConfig::new(&[Placement::LowerBack]),
            1,
        );
        let cfg = TransportConfig::default();
        let notes = encode_with(&sim, &cfg, 2, SimCodec);
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
