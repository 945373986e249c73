//! [`SteadyFrameEncoder`]: the default [`FrameEncoder`] of the demo — simulated frames as
//! steady-protocol data frames (see `firmware-protocol/PROTOCOL.md`), exactly as a sensor
//! running steady's reference firmware would notify them.
//!
//! Per frame: sequence = `frame_seq mod 256`, device time = `device_time_us mod 2³²`, every
//! sample quantised to i16 with the configured full-scale ranges (nearest LSB, clamped; any
//! clipped value sets the `saturated` flag), the first frame of a stream has `restart` set.
//! A frame of more than 19 samples keeps its first 19 and sets `overrun` (what firmware does
//! when its buffer is full); an empty frame gives empty bytes.

use steady_protocol::data::{DataFlags, DataFrame, RawSample, MAX_FRAME_LEN, MAX_SAMPLES};
use steady_protocol::scale::sample_from_si;
use steady_protocol::{AccRange, GyrRange, SampleRate, StreamConfig};

use crate::transport::{FrameContent, FrameEncoder};

/// Encodes simulated frames as steady-protocol data frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SteadyFrameEncoder {
    config: StreamConfig,
}

impl Default for SteadyFrameEncoder {
    /// 100 Hz (the simulator's default rate), ±16 g, ±2000 deg/s.
    fn default() -> Self {
        SteadyFrameEncoder {
            config: StreamConfig::default(),
        }
    }
}

impl SteadyFrameEncoder {
    /// An encoder for a stream at `rate_hz` with the given ranges; `None` if the protocol has
    /// no rate code within 0.5 % of `rate_hz`.
    pub fn new(rate_hz: f64, acc_range: AccRange, gyr_range: GyrRange) -> Option<Self> {
        Some(SteadyFrameEncoder {
            config: StreamConfig {
                rate: SampleRate::from_hz(rate_hz)?,
                acc_range,
                gyr_range,
            },
        })
    }

    /// An encoder with `config`.
    pub fn with_config(config: StreamConfig) -> Self {
        SteadyFrameEncoder { config }
    }

    /// The rate and ranges it writes.
    pub fn config(&self) -> StreamConfig {
        self.config
    }
}

impl FrameEncoder for SteadyFrameEncoder {
    fn encode(&mut self, frame: &FrameContent<'_>) -> Vec<u8> {
        let n = frame.samples.len().min(MAX_SAMPLES);
        let mut raw = [RawSample::default(); MAX_SAMPLES];
        let mut saturated = false;
        for (r, s) in raw.iter_mut().zip(frame.samples) {
            let (q, clipped) = sample_from_si(s.acc_mps2, s.gyr_dps, self.config);
            *r = q;
            saturated |= clipped;
        }
        let flags = DataFlags {
            saturated,
            overrun: frame.samples.len() > MAX_SAMPLES,
            restart: frame.frame_seq == 0,
        };
        let Ok(f) = DataFrame::new(
            flags,
            self.config,
            frame.frame_seq as u8,
            frame.device_time_us as u32,
            &raw[..n],
        ) else {
            return Vec::new();
        };
        let mut buf = [0u8; MAX_FRAME_LEN];
        match f.encode(&mut buf) {
            Ok(len) => buf[..len].to_vec(),
            Err(_) => Vec::new(),
        }
    }
}
