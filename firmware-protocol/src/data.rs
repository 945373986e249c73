//! Data frames (the data characteristic's notifications): header, a batch of 1–19 raw
//! samples, CRC. Layout (all multi-byte fields little-endian):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 1 | bits 7..4 protocol version (1), bits 3..0 [`DataFlags`] |
//! | 1 | 1 | config byte ([`StreamConfig`]) |
//! | 2 | 1 | frame sequence number, mod 256 |
//! | 3 | 4 | device time of the first sample, µs, mod 2³² |
//! | 7 | 12·N | N samples, each ax ay az gx gy gz as i16 |
//! | 7+12·N | 1 or 2 | CRC-8/SAE-J1850 if N = 1, CRC-16/IBM-3740 if N ≥ 2, over bytes 0..7+12·N |
//!
//! So N = 1 gives exactly 20 bytes (the default ATT payload, MTU 23) and N ≥ 2 gives
//! `9 + 12·N` bytes, up to 237 bytes for N = 19 (fits the 244-byte payload of MTU 247).

use crate::config::StreamConfig;
use crate::crc::{crc16, crc8};
use crate::error::{DecodeError, EncodeError};
use crate::VERSION;

/// Most samples in one data frame (`9 + 12·19 = 237` bytes ≤ 244, the payload at MTU 247).
pub const MAX_SAMPLES: usize = 19;
/// Bytes before the samples.
pub const HEADER_LEN: usize = 7;
/// Bytes of one sample (6 × i16).
pub const SAMPLE_LEN: usize = 12;
/// Shortest data frame (one sample, CRC-8): the 20-byte default ATT payload.
pub const MIN_FRAME_LEN: usize = HEADER_LEN + SAMPLE_LEN + 1;
/// Longest data frame (19 samples, CRC-16).
pub const MAX_FRAME_LEN: usize = HEADER_LEN + SAMPLE_LEN * MAX_SAMPLES + 2;

/// Encoded length of a data frame with `n` samples (`n` in 1..=19).
pub const fn frame_len(n: usize) -> usize {
    if n <= 1 {
        MIN_FRAME_LEN
    } else {
        HEADER_LEN + SAMPLE_LEN * n + 2
    }
}

/// Most samples per frame that fit an ATT notification payload of `payload_len` bytes
/// (ATT MTU − 3); 0 if not even one fits (payload < 20).
pub const fn samples_for_payload(payload_len: usize) -> usize {
    if payload_len < MIN_FRAME_LEN {
        0
    } else if payload_len < frame_len(2) {
        1
    } else {
        let n = (payload_len - HEADER_LEN - 2) / SAMPLE_LEN;
        if n > MAX_SAMPLES {
            MAX_SAMPLES
        } else {
            n
        }
    }
}

/// One raw IMU reading in sensor axes, in LSB of the frame's full-scale ranges
/// (1 LSB = full scale / 32768, see [`crate::scale`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RawSample {
    /// Accelerometer x, y, z.
    pub acc: [i16; 3],
    /// Gyroscope x, y, z.
    pub gyr: [i16; 3],
}

/// The 4 flag bits of a data frame (bit 3 is reserved and must be 0 in version 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DataFlags {
    /// Bit 0: at least one value in this frame was clipped at full scale.
    pub saturated: bool,
    /// Bit 1: the device dropped samples before this frame (IMU FIFO overrun); the
    /// timestamp stays exact, so the host sees the hole in time, not in the sequence.
    pub overrun: bool,
    /// Bit 2: first frame after start of streaming or a config change; the sequence
    /// restarts at this frame and the host must not count a loss across it.
    pub restart: bool,
}

impl DataFlags {
    /// The flag nibble.
    pub const fn to_bits(self) -> u8 {
        (self.saturated as u8) | ((self.overrun as u8) << 1) | ((self.restart as u8) << 2)
    }

    /// Parse the flag nibble; bit 3 (or any higher bit) set is [`DecodeError::ReservedBits`].
    pub const fn from_bits(bits: u8) -> Result<DataFlags, DecodeError> {
        if bits & !0x07 != 0 {
            return Err(DecodeError::ReservedBits {
                field: "data flags",
            });
        }
        Ok(DataFlags {
            saturated: bits & 1 != 0,
            overrun: bits & 2 != 0,
            restart: bits & 4 != 0,
        })
    }
}

/// A decoded (or to-be-encoded) data frame. Unused sample slots are always zero, so `==`
/// compares exactly the carried samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DataFrame {
    /// Frame flags.
    pub flags: DataFlags,
    /// Rate and ranges the samples were taken with.
    pub config: StreamConfig,
    /// Frame sequence number, mod 256 (+1 per frame sent; see [`crate::unwrap`]).
    pub seq: u8,
    /// Device clock at the first sample, µs, mod 2³² (wraps every 71.58 min).
    pub t_us: u32,
    len: u8,
    samples: [RawSample; MAX_SAMPLES],
}

impl DataFrame {
    /// A frame carrying `samples` (1..=19 of them).
    pub fn new(
        flags: DataFlags,
        config: StreamConfig,
        seq: u8,
        t_us: u32,
        samples: &[RawSample],
    ) -> Result<DataFrame, EncodeError> {
        if samples.is_empty() || samples.len() > MAX_SAMPLES {
            return Err(EncodeError::SampleCount(samples.len()));
        }
        let mut buf = [RawSample::default(); MAX_SAMPLES];
        buf[..samples.len()].copy_from_slice(samples);
        Ok(DataFrame {
            flags,
            config,
            seq,
            t_us,
            len: samples.len() as u8,
            samples: buf,
        })
    }

    /// The samples carried (1..=19).
    pub fn samples(&self) -> &[RawSample] {
        &self.samples[..self.len as usize]
    }

    /// Device time of sample `i` of this frame, µs (unwrapped from `t_us`, nominal rate):
    /// `t_us + i · 10⁶ / rate`.
    pub fn sample_offset_us(&self, i: usize) -> f64 {
        i as f64 * self.config.rate.interval_us()
    }

    /// Encoded length in bytes.
    pub fn encoded_len(&self) -> usize {
        frame_len(self.len as usize)
    }

    /// Write the frame into `out`; returns the number of bytes written.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        let n = self.len as usize;
        let len = frame_len(n);
        if out.len() < len {
            return Err(EncodeError::BufferTooSmall {
                needed: len,
                got: out.len(),
            });
        }
        out[0] = (VERSION << 4) | self.flags.to_bits();
        out[1] = self.config.to_byte();
        out[2] = self.seq;
        out[3..7].copy_from_slice(&self.t_us.to_le_bytes());
        for (i, s) in self.samples().iter().enumerate() {
            let o = HEADER_LEN + SAMPLE_LEN * i;
            for (j, v) in s.acc.iter().chain(s.gyr.iter()).enumerate() {
                out[o + 2 * j..o + 2 * j + 2].copy_from_slice(&v.to_le_bytes());
            }
        }
        let body = HEADER_LEN + SAMPLE_LEN * n;
        if n == 1 {
            out[body] = crc8(&out[..body]);
        } else {
            let c = crc16(&out[..body]);
            out[body..body + 2].copy_from_slice(&c.to_le_bytes());
        }
        Ok(len)
    }

    /// Decode one data-characteristic notification.
    ///
    /// Checks, in order: version, length (too short, too long, not `20` or `9 + 12·N`), CRC,
    /// reserved flag bit, rate code.
    pub fn decode(bytes: &[u8]) -> Result<DataFrame, DecodeError> {
        let Some(&b0) = bytes.first() else {
            return Err(DecodeError::Truncated {
                needed: MIN_FRAME_LEN,
                got: 0,
            });
        };
        if b0 >> 4 != VERSION {
            return Err(DecodeError::UnknownVersion(b0 >> 4));
        }
        let len = bytes.len();
        if len < MIN_FRAME_LEN {
            return Err(DecodeError::Truncated {
                needed: MIN_FRAME_LEN,
                got: len,
            });
        }
        if len > MAX_FRAME_LEN {
            return Err(DecodeError::TooLong {
                max: MAX_FRAME_LEN,
                got: len,
            });
        }
        let n = if len == MIN_FRAME_LEN {
            1
        } else if len >= frame_len(2) && (len - HEADER_LEN - 2).is_multiple_of(SAMPLE_LEN) {
            (len - HEADER_LEN - 2) / SAMPLE_LEN
        } else {
            return Err(DecodeError::BadLength { got: len });
        };
        let body = HEADER_LEN + SAMPLE_LEN * n;
        let (found, computed) = if n == 1 {
            (bytes[body] as u16, crc8(&bytes[..body]) as u16)
        } else {
            (
                u16::from_le_bytes([bytes[body], bytes[body + 1]]),
                crc16(&bytes[..body]),
            )
        };
        if found != computed {
            return Err(DecodeError::BadCrc { found, computed });
        }
        let flags = DataFlags::from_bits(b0 & 0x0F)?;
        let config = StreamConfig::from_byte(bytes[1])?;
        let mut samples = [RawSample::default(); MAX_SAMPLES];
        for (i, s) in samples.iter_mut().take(n).enumerate() {
            let o = HEADER_LEN + SAMPLE_LEN * i;
            let v = |j: usize| i16::from_le_bytes([bytes[o + 2 * j], bytes[o + 2 * j + 1]]);
            *s = RawSample {
                acc: [v(0), v(1), v(2)],
                gyr: [v(3), v(4), v(5)],
            };
        }
        Ok(DataFrame {
            flags,
            config,
            seq: bytes[2],
            t_us: u32::from_le_bytes([bytes[3], bytes[4], bytes[5], bytes[6]]),
            len: n as u8,
            samples,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_follow_the_layout_table() {
        assert_eq!(frame_len(1), 20);
        assert_eq!(frame_len(2), 33);
        assert_eq!(frame_len(4), 57);
        assert_eq!(frame_len(19), 237);
        assert_eq!(MAX_FRAME_LEN, 237);
    }

    #[test]
    fn samples_per_att_payload() {
        // (ATT MTU − 3) → N
        assert_eq!(samples_for_payload(19), 0);
        assert_eq!(samples_for_payload(20), 1); // MTU 23, the default
        assert_eq!(samples_for_payload(32), 1);
        assert_eq!(samples_for_payload(33), 2);
        assert_eq!(samples_for_payload(182), 14); // MTU 185 (common on iOS)
        assert_eq!(samples_for_payload(244), 19); // MTU 247 (one LL packet with DLE)
        assert_eq!(samples_for_payload(514), 19); // MTU 517 (maximum)
        for p in 20..600 {
            let n = samples_for_payload(p);
            assert!(frame_len(n) <= p);
            assert!(n == MAX_SAMPLES || frame_len(n + 1) > p);
        }
    }

    #[test]
    fn flags_reject_reserved_bit() {
        assert_eq!(
            DataFlags::from_bits(0x08),
            Err(DecodeError::ReservedBits {
                field: "data flags"
            })
        );
        for b in 0..8 {
            assert_eq!(DataFlags::from_bits(b).unwrap().to_bits(), b);
        }
    }
}
