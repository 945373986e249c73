//! Nordic Thingy:52 raw motion: sensors.md §3.

/// Configuration service EF680100-9B35-4933-9B10-52FFA9740042 [§3.1 V].
pub const CONFIGURATION_SERVICE_UUID: u128 = 0xef680100_9b35_4933_9b10_52ffa9740042;
/// Motion service EF680400-… [§3.1 V].
pub const MOTION_SERVICE_UUID: u128 = 0xef680400_9b35_4933_9b10_52ffa9740042;

/// Default name "Thingy" [M: not in sensors.md; prefer the service UUID].
pub fn name_matches(name: &str) -> bool {
    name.starts_with("Thingy")
}

use super::{le_i16, put, sat_i16, DecodeError, DeviceTime, VendorSample, STANDARD_GRAVITY_MPS2};

/// Motion configuration characteristic EF680401 (9 bytes) [§3.1/§3.3 V].
pub const MOTION_CONFIG_UUID: u128 = 0xef680401_9b35_4933_9b10_52ffa9740042;
/// Raw data characteristic EF680406 (notify, 18 bytes) [§3.1/§3.2 V].
pub const RAW_DATA_UUID: u128 = 0xef680406_9b35_4933_9b10_52ffa9740042;
/// Raw frame length [§3.2 V].
pub const RAW_LEN: usize = 18;

/// Accelerometer Q6.10 → g [§3.2 V: ble_tms.h, thingy.js].
const ACC_LSB_PER_G: f32 = 1024.0;
/// Gyroscope Q11.5 → °/s [§3.2 V].
const GYR_LSB_PER_DPS: f32 = 32.0;
/// Compass Q12.4 → µT [§3.2 V].
const MAG_LSB_PER_UT: f32 = 16.0;

/// Motion configuration [§3.3 V: ble_tms_config_t].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MotionConfig {
    /// Pedometer interval, ms (100–5000).
    pub pedo_interval_ms: u16,
    /// Temperature interval, ms (100–5000).
    pub temp_interval_ms: u16,
    /// Compass interval, ms (100–1000).
    pub compass_interval_ms: u16,
    /// Motion (raw) rate, Hz (5–200).
    pub motion_freq_hz: u16,
    /// Wake on motion.
    pub wake_on_motion: bool,
}

/// Write the 9-byte motion config (u16 LE ×4, u8), checking the firmware limits [§3.3 V].
pub fn motion_config(c: &MotionConfig, out: &mut [u8]) -> Result<usize, DecodeError> {
    let within = |v: u16, lo: u16, hi: u16| (lo..=hi).contains(&v);
    if !within(c.pedo_interval_ms, 100, 5000) {
        return Err(DecodeError::BadField { offset: 0 });
    }
    if !within(c.temp_interval_ms, 100, 5000) {
        return Err(DecodeError::BadField { offset: 2 });
    }
    if !within(c.compass_interval_ms, 100, 1000) {
        return Err(DecodeError::BadField { offset: 4 });
    }
    if !within(c.motion_freq_hz, 5, 200) {
        return Err(DecodeError::BadField { offset: 6 });
    }
    let p = c.pedo_interval_ms.to_le_bytes();
    let t = c.temp_interval_ms.to_le_bytes();
    let m = c.compass_interval_ms.to_le_bytes();
    let f = c.motion_freq_hz.to_le_bytes();
    put(
        out,
        &[
            p[0],
            p[1],
            t[0],
            t[1],
            m[0],
            m[1],
            f[0],
            f[1],
            u8::from(c.wake_on_motion),
        ],
    )
}

/// Raw streaming starts when notifications on EF680406 are enabled; no command [§3.3 V]. Returns 0.
pub fn start_streaming(_out: &mut [u8]) -> Result<usize, DecodeError> {
    Ok(0)
}

/// Decode a raw-motion notification → one sample (no device time) [§3.2 V]. Default range
/// is ±2 g (saturates at heel strike on shank/foot, §3.2).
pub fn decode(notification: &[u8], out: &mut [VendorSample]) -> Result<usize, DecodeError> {
    let b = notification;
    if b.len() < RAW_LEN {
        return Err(DecodeError::Truncated {
            needed: RAW_LEN,
            got: b.len(),
        });
    }
    let v = |i: usize| f32::from(le_i16(b, 2 * i));
    let slot = out.first_mut().ok_or(DecodeError::OutputFull)?;
    *slot = VendorSample {
        device_time: DeviceTime::None,
        acc_mps2: Some([0, 1, 2].map(|i| v(i) / ACC_LSB_PER_G * STANDARD_GRAVITY_MPS2)),
        gyr_dps: Some([3, 4, 5].map(|i| v(i) / GYR_LSB_PER_DPS)),
    };
    Ok(1)
}

/// Compass field of a raw notification, µT [§3.2 V].
pub fn decode_compass_ut(notification: &[u8]) -> Result<[f32; 3], DecodeError> {
    if notification.len() < RAW_LEN {
        return Err(DecodeError::Truncated {
            needed: RAW_LEN,
            got: notification.len(),
        });
    }
    Ok([6, 7, 8].map(|i| f32::from(le_i16(notification, 2 * i)) / MAG_LSB_PER_UT))
}

/// Encode an 18-byte raw notification (saturating to the fixed-point range).
pub fn encode(
    acc_mps2: [f32; 3],
    gyr_dps: [f32; 3],
    mag_ut: [f32; 3],
    out: &mut [u8],
) -> Result<usize, DecodeError> {
    let out = out.get_mut(..RAW_LEN).ok_or(DecodeError::OutputFull)?;
    for i in 0..3 {
        let raw = [
            sat_i16(acc_mps2[i] / STANDARD_GRAVITY_MPS2 * ACC_LSB_PER_G),
            sat_i16(gyr_dps[i] * GYR_LSB_PER_DPS),
            sat_i16(mag_ut[i] * MAG_LSB_PER_UT),
        ];
        for (k, r) in raw.iter().enumerate() {
            let o = 6 * k + 2 * i;
            out[o..o + 2].copy_from_slice(&r.to_le_bytes());
        }
    }
    Ok(RAW_LEN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendors::testutil::{assert_v3, hex, Rng};
    const G: f32 = STANDARD_GRAVITY_MPS2;

    #[test]
    fn vector10_raw() {
        let mut b = [0u8; 18];
        hex(
            "00 00 00 00 00 04 40 01 00 00 00 00 40 01 00 00 60 FF",
            &mut b,
        );
        let mut out = [VendorSample::EMPTY; 1];
        assert_eq!(decode(&b, &mut out), Ok(1));
        assert_v3(out[0].acc_mps2.unwrap(), [0.0, 0.0, 1.0 * G], 1e-3);
        assert_v3(out[0].gyr_dps.unwrap(), [10.0, 0.0, 0.0], 1e-3);
        assert_v3(decode_compass_ut(&b).unwrap(), [20.0, 0.0, -10.0], 1e-3);
        assert_eq!(out[0].device_time, DeviceTime::None);
    }

    #[test]
    fn vector11_config_100hz() {
        let c = MotionConfig {
            pedo_interval_ms: 1000,
            temp_interval_ms: 500,
            compass_interval_ms: 500,
            motion_freq_hz: 100,
            wake_on_motion: true,
        };
        let mut o = [0u8; 9];
        assert_eq!(motion_config(&c, &mut o), Ok(9));
        assert_eq!(o, [0xE8, 0x03, 0xF4, 0x01, 0xF4, 0x01, 0x64, 0x00, 0x01]);
        let bad = MotionConfig {
            motion_freq_hz: 201,
            ..c
        };
        assert_eq!(
            motion_config(&bad, &mut o),
            Err(DecodeError::BadField { offset: 6 })
        );
    }

    #[test]
    fn malformed_and_round_trip() {
        let mut out = [VendorSample::EMPTY; 1];
        assert_eq!(
            decode(&[0; 17], &mut out),
            Err(DecodeError::Truncated {
                needed: 18,
                got: 17
            })
        );
        let mut b = [0u8; 18];
        encode(
            [3.0, -12.0, 9.0],
            [123.4, -0.5, 900.0],
            [30.0, -1.0, 0.0],
            &mut b,
        )
        .unwrap();
        decode(&b, &mut out).unwrap();
        assert_v3(out[0].acc_mps2.unwrap(), [3.0, -12.0, 9.0], G / 1024.0);
        assert_v3(out[0].gyr_dps.unwrap(), [123.4, -0.5, 900.0], 1.0 / 32.0);
        assert_v3(
            decode_compass_ut(&b).unwrap(),
            [30.0, -1.0, 0.0],
            1.0 / 16.0,
        );
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut rng = Rng(0x5EED_0005);
        let mut buf = [0u8; 40];
        let mut out = [VendorSample::EMPTY; 1];
        let mut ok = 0u32;
        for _ in 0..150_000 {
            let b = rng.bytes(&mut buf, &[]);
            if decode(b, &mut out).is_ok() {
                ok += 1;
            }
        }
        assert!(ok > 0 && ok < 150_000);
    }
}
