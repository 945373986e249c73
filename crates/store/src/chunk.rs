//! Sample-chunk blobs: per sample a little-endian `i32` time offset from the chunk's `t0`
//! (µs), then `acc_x, acc_y, acc_z` (m/s²) and `gyr_x, gyr_y, gyr_z` (deg/s) as `f32`:
//! 28 bytes per sample.

use crate::StoreError;
use steady_core::{ImuSample, Micros};

/// Codec id stored with each chunk: i32 time offset + six f32 (this module's format).
pub const CODEC_F32: i64 = 1;
/// Bytes per encoded sample.
pub const SAMPLE_BYTES: usize = 28;
/// Most samples in one chunk (5 s at 200 Hz).
pub const MAX_CHUNK_SAMPLES: usize = 1000;

/// Splits samples into chunks of at most [`MAX_CHUNK_SAMPLES`] whose offsets fit in `i32`.
pub fn split(samples: &[ImuSample]) -> Vec<&[ImuSample]> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < samples.len() {
        let t0 = samples[start].t.0;
        let mut end = start + 1;
        while end < samples.len()
            && end - start < MAX_CHUNK_SAMPLES
            && i32::try_from(samples[end].t.0 - t0).is_ok()
        {
            end += 1;
        }
        out.push(&samples[start..end]);
        start = end;
    }
    out
}

/// Encodes one chunk (offsets must fit in `i32`; see [`split`]).
pub fn encode(t0: Micros, samples: &[ImuSample]) -> Vec<u8> {
    let mut out = Vec::with_capacity(samples.len() * SAMPLE_BYTES);
    for s in samples {
        let dt = i32::try_from(s.t.0 - t0.0).unwrap_or(i32::MAX);
        out.extend_from_slice(&dt.to_le_bytes());
        for v in s.acc_mps2.iter().chain(s.gyr_dps.iter()) {
            out.extend_from_slice(&(*v as f32).to_le_bytes());
        }
    }
    out
}

/// Decodes one chunk.
pub fn decode(t0: Micros, data: &[u8]) -> Result<Vec<ImuSample>, StoreError> {
    if !data.len().is_multiple_of(SAMPLE_BYTES) {
        return Err(StoreError::Corrupt(format!(
            "sample chunk of {} bytes is not a multiple of {SAMPLE_BYTES}",
            data.len()
        )));
    }
    Ok(data
        .chunks_exact(SAMPLE_BYTES)
        .map(|b| {
            let word = |i: usize| [b[i], b[i + 1], b[i + 2], b[i + 3]];
            let f = |k: usize| f32::from_le_bytes(word(4 + 4 * k)) as f64;
            ImuSample {
                t: Micros(t0.0 + i32::from_le_bytes(word(0)) as i64),
                acc_mps2: [f(0), f(1), f(2)],
                gyr_dps: [f(3), f(4), f(5)],
            }
        })
        .collect())
}
