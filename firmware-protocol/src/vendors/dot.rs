//! Movella (Xsens) DOT, rate-quantities mode: sensors.md §2 (spec XD0506P rev C).

/// Configuration service 15171000-4947-11E9-8646-D663BD873D93 [§2.1 V].
pub const CONFIGURATION_SERVICE_UUID: u128 = 0x15171000_4947_11e9_8646_d663bd873d93;
/// Measurement service 15172000-… [§2.1 V].
pub const MEASUREMENT_SERVICE_UUID: u128 = 0x15172000_4947_11e9_8646_d663bd873d93;
/// Movella company identifier 2182 [§2.1 V: spec 1.2].
pub const COMPANY_ID: u16 = 2182;

/// "Movella DOT" (firmware ≥ 2.x) or "Xsens Dot" (older) [§2.1 V].
pub fn name_matches(name: &str) -> bool {
    name.starts_with("Movella DOT")
        || name.starts_with("Xsens Dot")
        || name.starts_with("Xsens DOT")
}

use super::{put, DecodeError, DeviceTime, VendorSample};

/// Device control characteristic 15171002 (read/write, 32 bytes) [§2.1 V].
pub const DEVICE_CONTROL_UUID: u128 = 0x15171002_4947_11e9_8646_d663bd873d93;
/// Measurement control characteristic 15172001 (3 bytes) [§2.1 V].
pub const CONTROL_UUID: u128 = 0x15172001_4947_11e9_8646_d663bd873d93;
/// Long payload 15172002 (notify, 63 bytes) [§2.1 V].
pub const LONG_PAYLOAD_UUID: u128 = 0x15172002_4947_11e9_8646_d663bd873d93;
/// Medium payload 15172003 (notify, 40 bytes): rate quantities arrive here [§2.1/§2.3 V].
pub const MEDIUM_PAYLOAD_UUID: u128 = 0x15172003_4947_11e9_8646_d663bd873d93;
/// Short payload 15172004 (notify, 20 bytes) [§2.1 V].
pub const SHORT_PAYLOAD_UUID: u128 = 0x15172004_4947_11e9_8646_d663bd873d93;
/// Battery characteristic 15173001 (read/notify, 2 bytes) [§2.1 V].
pub const BATTERY_UUID: u128 = 0x15173001_4947_11e9_8646_d663bd873d93;
/// Message control 15177001 (sync commands) [§2.1 V].
pub const MESSAGE_CONTROL_UUID: u128 = 0x15177001_4947_11e9_8646_d663bd873d93;

/// Payload mode "Rate quantities" (id 21 = 0x15) [§2.2 V: spec table 13].
pub const MODE_RATE_QUANTITIES: u8 = 0x15;
/// Rate quantities payload length: ts u32 + acc 3×f32 + gyro 3×f32 [§2.3 V].
pub const RATE_QUANTITIES_LEN: usize = 28;
/// Real-time output rates the DOT accepts, Hz [§2.4 V: spec table 7].
pub const ALLOWED_RATES_HZ: [u16; 8] = [1, 4, 10, 12, 15, 20, 30, 60];

/// Start measurement `01 01 <mode>` to 15172001 (write with response) [§2.2 V: spec table 13].
pub fn start_streaming(out: &mut [u8]) -> Result<usize, DecodeError> {
    put(out, &[0x01, 0x01, MODE_RATE_QUANTITIES])
}

/// Stop measurement `01 00 <mode>` [§2.2 V].
pub fn stop_streaming(out: &mut [u8]) -> Result<usize, DecodeError> {
    put(out, &[0x01, 0x00, MODE_RATE_QUANTITIES])
}

/// Set output rate via 15171002: 32 bytes, visit bit 4 (0x10) @0, rate u16 LE @24
/// [§2.4 V: spec table 7]. Only rates in [`ALLOWED_RATES_HZ`] are accepted.
pub fn set_output_rate(rate_hz: u16, out: &mut [u8]) -> Result<usize, DecodeError> {
    if !ALLOWED_RATES_HZ.contains(&rate_hz) {
        return Err(DecodeError::BadField { offset: 24 });
    }
    let out = out
        .get_mut(..DEVICE_CONTROL_LEN)
        .ok_or(DecodeError::OutputFull)?;
    out.fill(0);
    out[0] = VISIT_OUTPUT_RATE;
    out[24..26].copy_from_slice(&rate_hz.to_le_bytes());
    Ok(DEVICE_CONTROL_LEN)
}

/// Length of the device control characteristic 15171002, bytes [§2.4 V: spec table 7].
pub const DEVICE_CONTROL_LEN: usize = 32;
/// Visit-index bit 0 of device control: apply the "identifying" field @1 [§2.4 V: spec
/// XD0506P rev C table 7, "b0: Identifying"; xdc.py `DeviceControlCharacteristic` reads the
/// field order visit index, identifying, power off, …].
pub const VISIT_IDENTIFY: u8 = 0x01;
/// Visit-index bit 4 of device control: apply the output rate u16 @24 [§2.4 V: spec table 7].
pub const VISIT_OUTPUT_RATE: u8 = 0x10;
/// How long the DOT shows itself after the identify command, s: its LED blinks fast 8 times
/// then pauses, in red, for 10 seconds [spec XD0506P rev C table 7, field "Identifying"].
pub const IDENTIFY_S: u8 = 10;

/// Identify (blink the LED) via 15171002: 32 bytes, visit bit 0 (0x01) @0 and the
/// identifying field `0x01` @1, every other field zero and ignored because its visit bit is
/// clear [spec XD0506P rev C table 7: "Identifying … Sensor will be identified if it's set
/// to 0x01"; sensors.md §2.4 for the structure]. Write with response.
pub fn identify(out: &mut [u8]) -> Result<usize, DecodeError> {
    let out = out
        .get_mut(..DEVICE_CONTROL_LEN)
        .ok_or(DecodeError::OutputFull)?;
    out.fill(0);
    out[0] = VISIT_IDENTIFY;
    out[1] = 0x01;
    Ok(DEVICE_CONTROL_LEN)
}

/// Message-service command `02 <len> <payload…> <checksum>`, checksum makes all bytes sum
/// to 0 mod 256 [§2.4 V: spec 5.1]. `payload` is everything between the length byte and
/// the checksum (e.g. `[0x02]` for StopSync).
pub fn message(payload: &[u8], out: &mut [u8]) -> Result<usize, DecodeError> {
    let n = payload.len() + 3;
    let len = u8::try_from(payload.len()).map_err(|_| DecodeError::BadField { offset: 1 })?;
    let out = out.get_mut(..n).ok_or(DecodeError::OutputFull)?;
    out[0] = 0x02;
    out[1] = len;
    out[2..n - 1].copy_from_slice(payload);
    let sum = out[..n - 1].iter().fold(0u8, |a, b| a.wrapping_add(*b));
    out[n - 1] = 0u8.wrapping_sub(sum);
    Ok(n)
}

/// StopSync `02 01 02 FB` [§2.4 V: spec example].
pub fn stop_sync(out: &mut [u8]) -> Result<usize, DecodeError> {
    message(&[0x02], out)
}

/// GetSyncStatus `02 01 08 F5` [§2.4 V: spec example].
pub fn get_sync_status(out: &mut [u8]) -> Result<usize, DecodeError> {
    message(&[0x08], out)
}

/// Battery level and charging flag from 15173001 [§2.4 V: spec table 21].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Battery {
    /// Charge, percent.
    pub percent: u8,
    /// True while charging.
    pub charging: bool,
}

/// Decode the 2-byte battery value.
pub fn decode_battery(b: &[u8]) -> Result<Battery, DecodeError> {
    if b.len() < 2 {
        return Err(DecodeError::Truncated {
            needed: 2,
            got: b.len(),
        });
    }
    if b[0] > 100 || b[1] > 1 {
        return Err(DecodeError::BadField {
            offset: usize::from(b[0] <= 100),
        });
    }
    Ok(Battery {
        percent: b[0],
        charging: b[1] == 1,
    })
}

fn f32_at(b: &[u8], off: usize) -> f32 {
    f32::from_le_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

/// Decode one rate-quantities notification (28 bytes used; 40 on the medium
/// characteristic with zero padding) → one sample with the sensor µs clock [§2.3 V].
/// Non-finite floats are rejected as malformed.
pub fn decode(notification: &[u8], out: &mut [VendorSample]) -> Result<usize, DecodeError> {
    let b = notification;
    if b.len() < RATE_QUANTITIES_LEN {
        return Err(DecodeError::Truncated {
            needed: RATE_QUANTITIES_LEN,
            got: b.len(),
        });
    }
    let ts = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    let mut v = [0f32; 6];
    for (i, x) in v.iter_mut().enumerate() {
        *x = f32_at(b, 4 + 4 * i);
        if !x.is_finite() {
            return Err(DecodeError::BadField { offset: 4 + 4 * i });
        }
    }
    let slot = out.first_mut().ok_or(DecodeError::OutputFull)?;
    *slot = VendorSample {
        device_time: DeviceTime::Micros32(ts),
        acc_mps2: Some([v[0], v[1], v[2]]),
        gyr_dps: Some([v[3], v[4], v[5]]),
    };
    Ok(1)
}

/// Encode one rate-quantities notification padded to the 40-byte medium payload (§2.3).
pub fn encode(
    ts_us: u32,
    acc_mps2: [f32; 3],
    gyr_dps: [f32; 3],
    out: &mut [u8],
) -> Result<usize, DecodeError> {
    let out = out.get_mut(..40).ok_or(DecodeError::OutputFull)?;
    out.fill(0);
    out[..4].copy_from_slice(&ts_us.to_le_bytes());
    for i in 0..3 {
        out[4 + 4 * i..8 + 4 * i].copy_from_slice(&acc_mps2[i].to_le_bytes());
        out[16 + 4 * i..20 + 4 * i].copy_from_slice(&gyr_dps[i].to_le_bytes());
    }
    Ok(40)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendors::testutil::{assert_v3, hex, Rng};

    #[test]
    fn vector5_start_stop() {
        let mut c = [0u8; 3];
        start_streaming(&mut c).unwrap();
        assert_eq!(c, [0x01, 0x01, 0x15]);
        stop_streaming(&mut c).unwrap();
        assert_eq!(c, [0x01, 0x00, 0x15]);
    }

    #[test]
    fn vector6_rate_quantities() {
        let mut b = [0u8; 40];
        let n = hex(
            "40 42 0F 00 00 00 00 00 00 00 00 00 C3 F5 1C 41 00 00 20 41 00 00 A0 C0 00 00 00 3F",
            &mut b,
        );
        assert_eq!(n, 28);
        let mut out = [VendorSample::EMPTY; 1];
        for len in [28, 40] {
            assert_eq!(decode(&b[..len], &mut out), Ok(1));
            assert_eq!(out[0].device_time, DeviceTime::Micros32(1_000_000));
            assert_v3(out[0].acc_mps2.unwrap(), [0.0, 0.0, 9.81], 1e-3);
            assert_v3(out[0].gyr_dps.unwrap(), [10.0, -5.0, 0.5], 1e-3);
        }
    }

    #[test]
    fn vector7_output_rate() {
        let mut c = [0xEEu8; 32];
        assert_eq!(set_output_rate(30, &mut c), Ok(32));
        let mut want = [0u8; 32];
        want[0] = 0x10;
        want[24] = 0x1E;
        assert_eq!(c, want);
        assert_eq!(
            set_output_rate(120, &mut c),
            Err(DecodeError::BadField { offset: 24 })
        );
    }

    #[test]
    fn identify_sets_only_the_identify_visit_bit_and_field() {
        // Spec XD0506P rev C table 7, written out by hand: visit index @0 with b0
        // (identifying) set, identifying @1 = 0x01, everything else (power @2, timeouts
        // @3..@6, tag length @7, tag @8..@23, rate @24, filter @26, reserved @27..@31) zero.
        let mut c = [0xEEu8; 40];
        assert_eq!(identify(&mut c), Ok(32));
        let mut b = [0u8; 32];
        assert_eq!(
            hex(
                "01 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 \
                 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
                &mut b
            ),
            32
        );
        assert_eq!(c[..32], b);
        assert_eq!(c[32..], [0xEE; 8], "nothing written past the 32 bytes");
        // The output-rate bit is not set: an identify never changes the rate.
        assert_eq!(c[0] & 0x10, 0);
        assert_eq!(identify(&mut [0u8; 31]), Err(DecodeError::OutputFull));
    }

    #[test]
    fn vector8_battery() {
        assert_eq!(
            decode_battery(&[0x55, 0x00]),
            Ok(Battery {
                percent: 85,
                charging: false
            })
        );
        assert!(decode_battery(&[0x55]).is_err());
        assert!(decode_battery(&[0xC8, 0x00]).is_err());
    }

    #[test]
    fn vector9_sync_messages() {
        let mut c = [0u8; 4];
        stop_sync(&mut c).unwrap();
        assert_eq!(c, [0x02, 0x01, 0x02, 0xFB]);
        get_sync_status(&mut c).unwrap();
        assert_eq!(c, [0x02, 0x01, 0x08, 0xF5]);
    }

    #[test]
    fn malformed_and_round_trip() {
        let mut out = [VendorSample::EMPTY; 1];
        assert_eq!(
            decode(&[0; 27], &mut out),
            Err(DecodeError::Truncated {
                needed: 28,
                got: 27
            })
        );
        let mut b = [0u8; 40];
        encode(7, [1.0, 2.0, -3.0], [0.1, f32::NAN, 0.0], &mut b).unwrap();
        assert_eq!(
            decode(&b, &mut out),
            Err(DecodeError::BadField { offset: 20 })
        );
        encode(u32::MAX, [1.0, 2.0, -3.0], [0.1, -250.0, 0.0], &mut b).unwrap();
        assert_eq!(decode(&b, &mut out), Ok(1));
        assert_eq!(out[0].device_time, DeviceTime::Micros32(u32::MAX));
        assert_eq!(out[0].acc_mps2, Some([1.0, 2.0, -3.0]));
        assert_eq!(out[0].gyr_dps, Some([0.1, -250.0, 0.0]));
        assert_eq!(decode(&b, &mut []), Err(DecodeError::OutputFull));
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut rng = Rng(0x5EED_0002);
        let mut buf = [0u8; 64];
        let mut out = [VendorSample::EMPTY; 1];
        let mut ok = 0u32;
        for _ in 0..150_000 {
            let b = rng.bytes(&mut buf, &[]);
            if decode(b, &mut out).is_ok() {
                ok += 1;
            }
            let _ = decode_battery(b);
        }
        assert!(ok > 0 && ok < 150_000);
    }
}
