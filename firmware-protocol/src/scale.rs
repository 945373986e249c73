//! Raw i16 ↔ SI units. The protocol fixes 1 LSB = full scale / 32768 for both sensors, so
//! −32768 is −full scale and 32767 is full scale · (1 − 2⁻¹⁵). Firmware for an IMU whose
//! datasheet sensitivity differs from FS/32768 (e.g. ST's LSM6DSx gyroscope: 8.75 mdps/LSB at
//! ±250 dps instead of 7.63) rescales in firmware before sending.
//!
//! Acceleration is specific force in m/s² (g converted with standard gravity), angular rate
//! in deg/s, matching the workspace convention (`acc_mps2`, `gyr_dps`).

use crate::config::{AccRange, GyrRange, StreamConfig};
use crate::data::RawSample;

/// Standard gravity, m/s² (3rd CGPM, 1901), used to turn g into m/s².
pub const STANDARD_GRAVITY_MPS2: f64 = 9.80665;
/// LSB per full scale.
pub const LSB_PER_FULL_SCALE: f64 = 32768.0;

/// One accelerometer LSB in m/s² (the quantisation step).
pub fn acc_step_mps2(range: AccRange) -> f64 {
    range.full_scale_g() as f64 * STANDARD_GRAVITY_MPS2 / LSB_PER_FULL_SCALE
}

/// One gyroscope LSB in deg/s (the quantisation step).
pub fn gyr_step_dps(range: GyrRange) -> f64 {
    range.full_scale_dps() as f64 / LSB_PER_FULL_SCALE
}

/// Raw accelerometer value → m/s².
pub fn acc_mps2(raw: i16, range: AccRange) -> f64 {
    raw as f64 * acc_step_mps2(range)
}

/// Raw gyroscope value → deg/s.
pub fn gyr_dps(raw: i16, range: GyrRange) -> f64 {
    raw as f64 * gyr_step_dps(range)
}

/// A value quantised to i16 LSB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quantized {
    /// Nearest representable raw value (clamped to the i16 range; NaN gives 0).
    pub raw: i16,
    /// The value reached or exceeded the representable range (the raw value is
    /// `i16::MIN` or `i16::MAX`), or was NaN: what the `saturated` flag reports.
    pub clipped: bool,
}

fn quantize(x: f64) -> Quantized {
    if x.is_nan() {
        return Quantized {
            raw: 0,
            clipped: true,
        };
    }
    // Round half away from zero (core has no f64::round); `as` saturates.
    let r = if x >= 0.0 { x + 0.5 } else { x - 0.5 };
    let raw = r as i16;
    Quantized {
        raw,
        clipped: raw == i16::MAX || raw == i16::MIN,
    }
}

/// m/s² → raw accelerometer value (nearest, clamped).
pub fn acc_to_raw(acc_mps2: f64, range: AccRange) -> Quantized {
    quantize(acc_mps2 / acc_step_mps2(range))
}

/// deg/s → raw gyroscope value (nearest, clamped).
pub fn gyr_to_raw(gyr_dps: f64, range: GyrRange) -> Quantized {
    quantize(gyr_dps / gyr_step_dps(range))
}

/// A raw sample in SI units: (specific force m/s², angular rate deg/s), sensor axes.
pub fn sample_to_si(s: &RawSample, config: StreamConfig) -> ([f64; 3], [f64; 3]) {
    (
        s.acc.map(|v| acc_mps2(v, config.acc_range)),
        s.gyr.map(|v| gyr_dps(v, config.gyr_range)),
    )
}

/// SI values → raw sample, and whether any axis clipped.
pub fn sample_from_si(
    acc_mps2: [f64; 3],
    gyr_dps: [f64; 3],
    config: StreamConfig,
) -> (RawSample, bool) {
    let a = acc_mps2.map(|v| acc_to_raw(v, config.acc_range));
    let g = gyr_dps.map(|v| gyr_to_raw(v, config.gyr_range));
    let clipped = a.iter().chain(g.iter()).any(|q| q.clipped);
    (
        RawSample {
            acc: a.map(|q| q.raw),
            gyr: g.map(|q| q.raw),
        },
        clipped,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_scale_points() {
        // ±16 g: −32768 LSB is exactly −16 g; 16384 LSB is 8 g.
        assert_eq!(acc_mps2(i16::MIN, AccRange::G16), -16.0 * 9.80665);
        assert_eq!(acc_mps2(16384, AccRange::G16), 8.0 * 9.80665);
        assert_eq!(gyr_dps(i16::MIN, GyrRange::Dps2000), -2000.0);
        assert_eq!(gyr_dps(8192, GyrRange::Dps250), 62.5);
        // ±2 g sensitivity 0.061 mg/LSB (ST datasheets round 2/32768 g the same way).
        assert!((acc_step_mps2(AccRange::G2) / 9.80665 * 1e3 - 0.061).abs() < 0.0002);
    }

    #[test]
    fn quantisation_rounds_and_clamps() {
        let r = AccRange::G2;
        assert_eq!(acc_to_raw(9.80665, r).raw, 16384); // 1 g at ±2 g
        assert_eq!(acc_to_raw(1.4 * acc_step_mps2(r), r).raw, 1);
        assert_eq!(acc_to_raw(-1.6 * acc_step_mps2(r), r).raw, -2);
        assert_eq!(
            acc_to_raw(100.0, r),
            Quantized {
                raw: i16::MAX,
                clipped: true
            }
        );
        assert_eq!(
            gyr_to_raw(-1e9, GyrRange::Dps250),
            Quantized {
                raw: i16::MIN,
                clipped: true
            }
        );
        assert!(gyr_to_raw(f64::NAN, GyrRange::Dps250).clipped);
        assert!(!gyr_to_raw(249.0, GyrRange::Dps250).clipped);
    }
}
