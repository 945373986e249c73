//! Stream configuration carried in every data frame's config byte (and in `SetConfig`):
//! sample rate, accelerometer and gyroscope full-scale ranges.
//!
//! Config byte: bits 7..4 rate code, bits 3..2 accelerometer range code, bits 1..0 gyroscope
//! range code. Rate codes cover the output-data-rate ladders of common 6-axis IMUs: the
//! power-of-two ladder (Bosch BMI270, TDK ICM-42688: 12.5 … 1600 Hz) and the ST LSM6DSx
//! ladder (26, 52, 104, 208, 416, 833, 1666 Hz); code 0 is invalid.

use crate::error::DecodeError;

/// Nominal sample (output data) rate of the IMU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[repr(u8)]
pub enum SampleRate {
    /// 12.5 Hz.
    Hz12_5 = 1,
    /// 25 Hz.
    Hz25 = 2,
    /// 50 Hz.
    Hz50 = 3,
    /// 100 Hz.
    Hz100 = 4,
    /// 200 Hz.
    Hz200 = 5,
    /// 400 Hz.
    Hz400 = 6,
    /// 800 Hz.
    Hz800 = 7,
    /// 1600 Hz.
    Hz1600 = 8,
    /// 26 Hz (ST ladder).
    Hz26 = 9,
    /// 52 Hz (ST ladder).
    Hz52 = 10,
    /// 104 Hz (ST ladder).
    Hz104 = 11,
    /// 208 Hz (ST ladder).
    Hz208 = 12,
    /// 416 Hz (ST ladder).
    Hz416 = 13,
    /// 833 Hz (ST ladder).
    Hz833 = 14,
    /// 1666 Hz (ST ladder).
    Hz1666 = 15,
}

impl SampleRate {
    /// Every rate, in code order.
    pub const ALL: [SampleRate; 15] = [
        SampleRate::Hz12_5,
        SampleRate::Hz25,
        SampleRate::Hz50,
        SampleRate::Hz100,
        SampleRate::Hz200,
        SampleRate::Hz400,
        SampleRate::Hz800,
        SampleRate::Hz1600,
        SampleRate::Hz26,
        SampleRate::Hz52,
        SampleRate::Hz104,
        SampleRate::Hz208,
        SampleRate::Hz416,
        SampleRate::Hz833,
        SampleRate::Hz1666,
    ];

    /// The 4-bit wire code (1..=15).
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The rate of a wire code, if defined.
    pub const fn from_code(code: u8) -> Option<SampleRate> {
        if code >= 1 && code <= 15 {
            Some(SampleRate::ALL[code as usize - 1])
        } else {
            None
        }
    }

    /// Exact nominal rate in millihertz.
    pub const fn millihertz(self) -> u32 {
        match self {
            SampleRate::Hz12_5 => 12_500,
            SampleRate::Hz25 => 25_000,
            SampleRate::Hz50 => 50_000,
            SampleRate::Hz100 => 100_000,
            SampleRate::Hz200 => 200_000,
            SampleRate::Hz400 => 400_000,
            SampleRate::Hz800 => 800_000,
            SampleRate::Hz1600 => 1_600_000,
            SampleRate::Hz26 => 26_000,
            SampleRate::Hz52 => 52_000,
            SampleRate::Hz104 => 104_000,
            SampleRate::Hz208 => 208_000,
            SampleRate::Hz416 => 416_000,
            SampleRate::Hz833 => 833_000,
            SampleRate::Hz1666 => 1_666_000,
        }
    }

    /// Nominal rate in Hz.
    pub fn hz(self) -> f64 {
        self.millihertz() as f64 / 1000.0
    }

    /// Nominal sample interval in µs.
    pub fn interval_us(self) -> f64 {
        1e9 / self.millihertz() as f64
    }

    /// The rate whose nominal value is within 0.5 % of `hz`, if any.
    pub fn from_hz(hz: f64) -> Option<SampleRate> {
        SampleRate::ALL
            .into_iter()
            .find(|r| (r.hz() - hz).abs() <= 0.005 * r.hz())
    }
}

/// Accelerometer full-scale range (± this many g).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[repr(u8)]
pub enum AccRange {
    /// ±2 g.
    G2 = 0,
    /// ±4 g.
    G4 = 1,
    /// ±8 g.
    G8 = 2,
    /// ±16 g.
    G16 = 3,
}

impl AccRange {
    /// Every range, in code order.
    pub const ALL: [AccRange; 4] = [AccRange::G2, AccRange::G4, AccRange::G8, AccRange::G16];

    /// The 2-bit wire code.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The range of a 2-bit code (only the two low bits are used).
    pub const fn from_code(code: u8) -> AccRange {
        AccRange::ALL[(code & 3) as usize]
    }

    /// Full scale in g (standard gravity).
    pub const fn full_scale_g(self) -> u8 {
        2 << (self as u8)
    }
}

/// Gyroscope full-scale range (± this many deg/s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[repr(u8)]
pub enum GyrRange {
    /// ±250 deg/s.
    Dps250 = 0,
    /// ±500 deg/s.
    Dps500 = 1,
    /// ±1000 deg/s.
    Dps1000 = 2,
    /// ±2000 deg/s.
    Dps2000 = 3,
}

impl GyrRange {
    /// Every range, in code order.
    pub const ALL: [GyrRange; 4] = [
        GyrRange::Dps250,
        GyrRange::Dps500,
        GyrRange::Dps1000,
        GyrRange::Dps2000,
    ];

    /// The 2-bit wire code.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The range of a 2-bit code (only the two low bits are used).
    pub const fn from_code(code: u8) -> GyrRange {
        GyrRange::ALL[(code & 3) as usize]
    }

    /// Full scale in deg/s.
    pub const fn full_scale_dps(self) -> u16 {
        250 << (self as u16)
    }
}

/// Rate and ranges of a stream: the config byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StreamConfig {
    /// Sample rate.
    pub rate: SampleRate,
    /// Accelerometer range.
    pub acc_range: AccRange,
    /// Gyroscope range.
    pub gyr_range: GyrRange,
}

impl Default for StreamConfig {
    /// 100 Hz, ±16 g, ±2000 deg/s (no clipping at shank or foot impacts).
    fn default() -> Self {
        StreamConfig {
            rate: SampleRate::Hz100,
            acc_range: AccRange::G16,
            gyr_range: GyrRange::Dps2000,
        }
    }
}

impl StreamConfig {
    /// The config byte.
    pub const fn to_byte(self) -> u8 {
        (self.rate.code() << 4) | (self.acc_range.code() << 2) | self.gyr_range.code()
    }

    /// Parse a config byte (rate code 0 is [`DecodeError::InvalidField`]).
    pub const fn from_byte(b: u8) -> Result<StreamConfig, DecodeError> {
        match SampleRate::from_code(b >> 4) {
            Some(rate) => Ok(StreamConfig {
                rate,
                acc_range: AccRange::from_code(b >> 2),
                gyr_range: GyrRange::from_code(b),
            }),
            None => Err(DecodeError::InvalidField {
                field: "sample rate code",
                value: (b >> 4) as u16,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        for (i, r) in SampleRate::ALL.iter().enumerate() {
            assert_eq!(r.code() as usize, i + 1);
            assert_eq!(SampleRate::from_code(r.code()), Some(*r));
            assert_eq!(SampleRate::from_hz(r.hz()), Some(*r));
        }
        assert_eq!(SampleRate::from_code(0), None);
        assert_eq!(SampleRate::from_code(16), None);
        assert_eq!(SampleRate::from_hz(100.3), Some(SampleRate::Hz100));
        assert_eq!(SampleRate::from_hz(120.0), None);
    }

    #[test]
    fn full_scales() {
        let g: [u8; 4] = AccRange::ALL.map(|r| r.full_scale_g());
        assert_eq!(g, [2, 4, 8, 16]);
        let d: [u16; 4] = GyrRange::ALL.map(|r| r.full_scale_dps());
        assert_eq!(d, [250, 500, 1000, 2000]);
    }

    #[test]
    fn config_byte_layout() {
        let c = StreamConfig::default();
        // 100 Hz = code 4 in bits 7..4, ±16 g = 3 in bits 3..2, ±2000 dps = 3 in bits 1..0.
        assert_eq!(c.to_byte(), 0x4F);
        assert_eq!(StreamConfig::from_byte(0x4F), Ok(c));
        for b in 0u8..=255 {
            match StreamConfig::from_byte(b) {
                Ok(c) => assert_eq!(c.to_byte(), b),
                Err(_) => assert_eq!(b >> 4, 0),
            }
        }
    }
}
