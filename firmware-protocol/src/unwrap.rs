//! Host-side unwrapping of the wrapped wire counters into 64-bit ones (pure, `no_std`).
//!
//! - Device time: `t_us` is the device's µs clock mod 2³², so it wraps every
//!   2³² µs = 4294.967296 s ≈ 71.58 min. [`unwrap_u32`] picks the 64-bit value congruent to the
//!   raw one that is nearest to the previous unwrapped value; this is right whenever two
//!   consecutive received frames are less than 2³¹ µs ≈ 35.8 min apart.
//! - Frame sequence: `seq` is mod 256. Between two received frames the device clock says how
//!   many frames should have been sent (`Δt / (N / rate)`); [`unwrap_seq8`] picks the 64-bit
//!   value congruent to `seq` nearest to that expectation. So every lost frame is counted,
//!   including bursts longer than 256 frames, as long as the rate of the IMU and its device
//!   clock agree to better than ±128 frames over the gap (a 1 % oscillator error allows
//!   gaps of 12 800 frames).
//!
//! [`StreamTracker`] applies both to a stream of [`DataFrame`]s.

use crate::data::DataFrame;

/// The 64-bit value congruent to `raw` mod 2³² that is nearest to `prev` (ties and values
/// that would be negative go upward).
pub fn unwrap_u32(prev: u64, raw: u32) -> u64 {
    const M: u64 = 1 << 32;
    let cand = (prev & !(M - 1)) | raw as u64;
    if cand > prev && cand - prev > M / 2 && cand >= M {
        cand - M
    } else if cand < prev && prev - cand >= M / 2 {
        cand.saturating_add(M)
    } else {
        cand
    }
}

/// The value `v ≥ prev` with `v ≡ raw (mod 256)` nearest to `prev + expected_advance`, where
/// `prev` is the previous unwrapped sequence (its low 8 bits are the previous raw `seq`).
pub fn unwrap_seq8(prev: u64, raw: u8, expected_advance: u64) -> u64 {
    prev.saturating_add(advance8(prev as u8, raw, expected_advance))
}

/// Frames from raw sequence `last` to `raw`: `(raw − last) mod 256` plus the whole laps of
/// 256 that bring it nearest to `expected` (never negative).
fn advance8(last: u8, raw: u8, expected: u64) -> u64 {
    let d = raw.wrapping_sub(last) as u64;
    let k = if expected > d {
        (expected - d + 128) / 256
    } else {
        0
    };
    d.saturating_add(k.saturating_mul(256))
}

/// Where one received frame sits in the unwrapped stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tracked {
    /// Unwrapped frame sequence number (starts at the first frame's raw value).
    pub frame_seq: u64,
    /// Unwrapped device time of the frame's first sample, µs.
    pub t_us: u64,
    /// Index of the frame's first sample since the first frame seen (lost samples counted).
    pub first_sample: u64,
    /// Frames lost between the previous received frame and this one.
    pub lost_frames: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Last {
    seq: u64,
    raw_seq: u8,
    t_us: u64,
    n: u64,
    first_sample: u64,
    rate_mhz: u32,
}

/// Unwraps time and sequence of one sensor's data frames, in arrival order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StreamTracker {
    last: Option<Last>,
}

fn round_u64(x: f64) -> u64 {
    if x.is_nan() || x <= 0.0 {
        0
    } else {
        (x + 0.5) as u64
    }
}

impl StreamTracker {
    /// A tracker that has seen no frame.
    pub fn new() -> StreamTracker {
        StreamTracker { last: None }
    }

    /// Forget the stream (after a reconnect to a device that may have rebooted).
    pub fn reset(&mut self) {
        self.last = None;
    }

    /// Account for the next received frame.
    ///
    /// A frame with the `restart` flag continues the counters without counting a loss. A
    /// frame with the `overrun` flag takes its sample index from the device clock (samples
    /// were dropped on the device, frames were not). A repeated frame (same seq, same time)
    /// gives `lost_frames = 0` and the same position again.
    pub fn push(&mut self, f: &DataFrame) -> Tracked {
        let n = f.samples().len() as u64;
        let rate_mhz = f.config.rate.millihertz();
        let out = match self.last {
            None => Tracked {
                frame_seq: f.seq as u64,
                t_us: f.t_us as u64,
                first_sample: 0,
                lost_frames: 0,
            },
            Some(l) => {
                let t_us = unwrap_u32(l.t_us, f.t_us);
                let dt_us = t_us.saturating_sub(l.t_us) as f64;
                if f.flags.restart {
                    Tracked {
                        frame_seq: l.seq + 1,
                        t_us,
                        first_sample: l.first_sample + l.n,
                        lost_frames: 0,
                    }
                } else {
                    let frame_us = l.n as f64 * 1e9 / l.rate_mhz as f64;
                    let expected = round_u64(dt_us / frame_us);
                    let advance = advance8(l.raw_seq, f.seq, expected);
                    let seq = l.seq.saturating_add(advance);
                    let mut first_sample =
                        l.first_sample.saturating_add(l.n.saturating_mul(advance));
                    if f.flags.overrun {
                        let by_time = l.first_sample + round_u64(dt_us * l.rate_mhz as f64 / 1e9);
                        first_sample = first_sample.max(by_time);
                    }
                    Tracked {
                        frame_seq: seq,
                        t_us,
                        first_sample,
                        lost_frames: advance.saturating_sub(1),
                    }
                }
            }
        };
        self.last = Some(Last {
            seq: out.frame_seq,
            raw_seq: f.seq,
            t_us: out.t_us,
            n,
            first_sample: out.first_sample,
            rate_mhz,
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DataFlags, RawSample, StreamConfig};

    #[test]
    fn u32_wrap() {
        const M: u64 = 1 << 32;
        assert_eq!(unwrap_u32(0, 5), 5);
        assert_eq!(unwrap_u32(M - 10, 3), M + 3); // forward over the wrap
        assert_eq!(unwrap_u32(M + 3, (M - 10) as u32), M - 10); // a late frame before it
        assert_eq!(unwrap_u32(10, u32::MAX), u32::MAX as u64); // cannot go negative
        assert_eq!(unwrap_u32(5 * M + 7, 7), 5 * M + 7);
        assert_eq!(unwrap_u32(5 * M, (M / 2 - 1) as u32), 5 * M + M / 2 - 1);
    }

    #[test]
    fn seq8_uses_the_expectation() {
        assert_eq!(unwrap_seq8(10, 11, 1), 11);
        assert_eq!(unwrap_seq8(255, 0, 1), 256);
        assert_eq!(unwrap_seq8(10, 14, 4), 14);
        // 300 frames lost: raw advance is 301 mod 256 = 45, time says ~301.
        assert_eq!(unwrap_seq8(1000, (1000u64 + 301) as u8, 299), 1301);
        assert_eq!(unwrap_seq8(1000, (1000u64 + 301) as u8, 330), 1301);
        assert_eq!(unwrap_seq8(7, 7, 0), 7);
    }

    fn frame(seq: u8, t_us: u32, n: usize, flags: DataFlags) -> DataFrame {
        DataFrame::new(
            flags,
            StreamConfig::default(),
            seq,
            t_us,
            &[RawSample::default(); 19][..n],
        )
        .unwrap()
    }

    #[test]
    fn tracker_counts_losses_across_both_wraps() {
        // 100 Hz, 4 samples per frame = 40 ms per frame; start 100 ms before the clock wraps.
        let mut tr = StreamTracker::new();
        let t0 = u32::MAX - 99_999;
        let a = tr.push(&frame(250, t0, 4, DataFlags::default()));
        assert_eq!((a.frame_seq, a.t_us, a.first_sample), (250, t0 as u64, 0));
        // Next frame 40 ms later, both counters wrap.
        let b = tr.push(&frame(
            251,
            t0.wrapping_add(40_000),
            4,
            DataFlags::default(),
        ));
        assert_eq!(b.lost_frames, 0);
        assert_eq!(b.first_sample, 4);
        // 600 frames (24 s) lost.
        let seq = (251u64 + 601) as u8;
        let c = tr.push(&frame(
            seq,
            t0.wrapping_add(40_000 + 601 * 40_000),
            4,
            DataFlags::default(),
        ));
        assert_eq!(c.frame_seq, 251 + 601);
        assert_eq!(c.lost_frames, 600);
        assert_eq!(c.first_sample, 4 + 601 * 4);
        assert_eq!(c.t_us, t0 as u64 + 40_000 + 601 * 40_000);
        assert!(c.t_us > 1 << 32);
    }

    #[test]
    fn tracker_restart_and_overrun() {
        let mut tr = StreamTracker::new();
        tr.push(&frame(0, 1_000_000, 2, DataFlags::default()));
        let restart = DataFlags {
            restart: true,
            ..DataFlags::default()
        };
        // Restarted 10 s later: seq back to 0, no loss counted.
        let r = tr.push(&frame(0, 11_000_000, 2, restart));
        assert_eq!((r.frame_seq, r.lost_frames, r.first_sample), (1, 0, 2));
        // Device dropped 6 samples (60 ms) but sent the next frame number.
        let overrun = DataFlags {
            overrun: true,
            ..DataFlags::default()
        };
        let o = tr.push(&frame(1, 11_000_000 + 80_000, 2, overrun));
        assert_eq!(o.frame_seq, 2);
        assert_eq!(o.lost_frames, 0);
        assert_eq!(o.first_sample, 2 + 8);
    }
}
