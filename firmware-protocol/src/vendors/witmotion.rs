//! WitMotion BLE 5.0 IMUs (WT901BLECL 5.0, BWT901BLECL5.0, WT9011DCL): sensors.md §1.
//!
//! A notification is a byte stream of back-to-back 20-byte frames (`55 61` data, `55 71`
//! register reply), no checksum, no timestamp, no sequence counter (§1.2, §1.5).

use super::{le_i16, put, sat_i16, DecodeError, DeviceTime, VendorSample, STANDARD_GRAVITY_MPS2};

/// Service `0000ffe5-0000-1000-8000-00805f9a34fb` (note the "9a" tail, not the SIG base) [§1.1 V].
pub const SERVICE_UUID: u128 = 0x0000ffe5_0000_1000_8000_00805f9a34fb;
/// Notify characteristic ffe4 [§1.1 V].
pub const NOTIFY_UUID: u128 = 0x0000ffe4_0000_1000_8000_00805f9a34fb;
/// Write characteristic ffe9 (write / write-without-response) [§1.1 V].
pub const WRITE_UUID: u128 = 0x0000ffe9_0000_1000_8000_00805f9a34fb;
/// Dual-mode models: Microchip ISSC transparent UART service [§1.1 V].
pub const DUAL_SERVICE_UUID: u128 = 0x49535343_fe7d_4ae5_8fa9_9fafd205e455;
/// Dual-mode notify characteristic [§1.1 V].
pub const DUAL_NOTIFY_UUID: u128 = 0x49535343_1e4d_4bd9_ba61_23c647249616;
/// Dual-mode write characteristic [§1.1 V].
pub const DUAL_WRITE_UUID: u128 = 0x49535343_8841_43f4_a8d4_ecbe34729bb3;

/// Frame length of every BLE frame [§1.2 V].
pub const FRAME_LEN: usize = 20;
/// First byte of every frame [§1.2 V].
pub const HEADER: u8 = 0x55;
/// Flag byte of the default data frame [§1.2 V].
pub const FLAG_DATA: u8 = 0x61;
/// Flag byte of a register-read reply [§1.3 V].
pub const FLAG_REGISTER: u8 = 0x71;

/// Register: output rate RRATE [§1.3/§1.4 V].
pub const REG_RATE: u8 = 0x03;
/// Register: battery voltage (/100 → V) [§1.3 V].
pub const REG_BATTERY: u8 = 0x64;
/// Register: temperature (/100 → °C) [§1.3 V].
pub const REG_TEMPERATURE: u8 = 0x40;
/// Register: magnetometer HX (HY, HZ follow) [§1.3 V].
pub const REG_MAG: u8 = 0x3A;

/// Full-scale acceleration, g (i16 / 32768 × 16) [§1.2 V].
const ACC_FS_G: f32 = 16.0;
/// Full-scale angular velocity, °/s (i16 / 32768 × 2000) [§1.2 V].
const GYR_FS_DPS: f32 = 2000.0;
/// Full-scale angle, ° (i16 / 32768 × 180) [§1.2 V].
const ANGLE_FS_DEG: f32 = 180.0;

/// True when an advertised name looks like a WitMotion module: the official Python sample
/// filters on names containing "WT" [§1.1 V]. Prefer the service UUID.
pub fn name_matches(name: &str) -> bool {
    name.as_bytes().windows(2).any(|w| w == b"WT")
}

/// Output rates the official SDKs set, with their RRATE codes [§1.4 V].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rate {
    /// 1 Hz → 0x03.
    Hz1,
    /// 5 Hz → 0x05.
    Hz5,
    /// 10 Hz → 0x06 (factory default).
    Hz10,
    /// 20 Hz → 0x07 [§1.4 S: esphome table].
    Hz20,
    /// 50 Hz → 0x08.
    Hz50,
    /// 100 Hz → 0x09.
    Hz100,
    /// 200 Hz → 0x0B (official SDKs; esphome says 0x0A: read back register 0x03 to confirm).
    Hz200,
}

impl Rate {
    /// RRATE register code [§1.4].
    pub fn code(self) -> u8 {
        match self {
            Rate::Hz1 => 0x03,
            Rate::Hz5 => 0x05,
            Rate::Hz10 => 0x06,
            Rate::Hz20 => 0x07,
            Rate::Hz50 => 0x08,
            Rate::Hz100 => 0x09,
            Rate::Hz200 => 0x0B,
        }
    }
    /// Nominal rate in Hz.
    pub fn hz(self) -> f32 {
        match self {
            Rate::Hz1 => 1.0,
            Rate::Hz5 => 5.0,
            Rate::Hz10 => 10.0,
            Rate::Hz20 => 20.0,
            Rate::Hz50 => 50.0,
            Rate::Hz100 => 100.0,
            Rate::Hz200 => 200.0,
        }
    }
    /// Rate from a register read-back code (accepts 0x0A as 200 Hz too, §1.4 conflict).
    pub fn from_code(code: u8) -> Option<Rate> {
        Some(match code {
            0x03 => Rate::Hz1,
            0x05 => Rate::Hz5,
            0x06 => Rate::Hz10,
            0x07 => Rate::Hz20,
            0x08 => Rate::Hz50,
            0x09 => Rate::Hz100,
            0x0A | 0x0B => Rate::Hz200,
            _ => return None,
        })
    }
}

/// Generic register write `FF AA <reg> <valL> <valH>` [§1.4 V].
pub fn write_register(reg: u8, value: u16, out: &mut [u8]) -> Result<usize, DecodeError> {
    let v = value.to_le_bytes();
    put(out, &[0xFF, 0xAA, reg, v[0], v[1]])
}

/// Unlock `FF AA 69 88 B5` (valid ~10 s; send before every write) [§1.4 V: Bwt901ble.java unlockReg].
pub fn unlock(out: &mut [u8]) -> Result<usize, DecodeError> {
    put(out, &[0xFF, 0xAA, 0x69, 0x88, 0xB5])
}

/// Save `FF AA 00 00 00` [§1.4 V: Bwt901ble.java saveReg].
pub fn save(out: &mut [u8]) -> Result<usize, DecodeError> {
    put(out, &[0xFF, 0xAA, 0x00, 0x00, 0x00])
}

/// Set output rate `FF AA 03 <code> 00` [§1.4 V: WitSDK DeviceModel.java SetRRate].
pub fn set_rate(rate: Rate, out: &mut [u8]) -> Result<usize, DecodeError> {
    write_register(REG_RATE, u16::from(rate.code()), out)
}

/// Read 8 registers from `reg`: `FF AA 27 <reg> 00`; reply is a `55 71` frame [§1.3 V].
pub fn read_register(reg: u8, out: &mut [u8]) -> Result<usize, DecodeError> {
    put(out, &[0xFF, 0xAA, 0x27, reg, 0x00])
}

/// Streaming starts when notifications on ffe4 are enabled; there is no start/stop
/// command [§1.1 V: device_model.py only calls start_notify]. Returns 0 bytes.
pub fn start_streaming(_out: &mut [u8]) -> Result<usize, DecodeError> {
    Ok(0)
}

/// One decoded 20-byte frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Frame {
    /// `55 61`: acc (m/s²), gyro (°/s) and the module's onboard angles (roll, pitch, yaw °).
    Data {
        /// Specific force, m/s².
        acc_mps2: [f32; 3],
        /// Angular velocity, °/s.
        gyr_dps: [f32; 3],
        /// Roll, pitch, yaw from the onboard filter, degrees.
        angle_deg: [f32; 3],
    },
    /// `55 71`: start register and the 8 raw i16 registers that follow it.
    Register {
        /// First register number.
        start: u16,
        /// Raw values of registers start..start+8.
        values: [i16; 8],
    },
}

impl Frame {
    /// Battery voltage if this is the reply to a battery read (`FF AA 27 64 00`), in volts.
    pub fn battery_v(&self) -> Option<f32> {
        match self {
            Frame::Register { start, values } if *start == u16::from(REG_BATTERY) => {
                Some(f32::from(values[0]) / 100.0)
            }
            _ => None,
        }
    }
}

/// Decode one frame starting at `b[0]`.
pub fn decode_frame(b: &[u8]) -> Result<Frame, DecodeError> {
    if b.len() < FRAME_LEN {
        return Err(DecodeError::Truncated {
            needed: FRAME_LEN,
            got: b.len(),
        });
    }
    if b[0] != HEADER {
        return Err(DecodeError::UnknownHeader {
            offset: 0,
            value: b[0],
        });
    }
    let v = |i: usize| le_i16(b, 2 + 2 * i);
    match b[1] {
        FLAG_DATA => {
            let s = |i: usize, fs: f32| f32::from(v(i)) / 32768.0 * fs;
            Ok(Frame::Data {
                acc_mps2: [0, 1, 2].map(|i| s(i, ACC_FS_G) * STANDARD_GRAVITY_MPS2),
                gyr_dps: [3, 4, 5].map(|i| s(i, GYR_FS_DPS)),
                angle_deg: [6, 7, 8].map(|i| s(i, ANGLE_FS_DEG)),
            })
        }
        FLAG_REGISTER => {
            let start = u16::from_le_bytes([b[2], b[3]]);
            let values = [0, 1, 2, 3, 4, 5, 6, 7].map(|i| le_i16(b, 4 + 2 * i));
            Ok(Frame::Register { start, values })
        }
        other => Err(DecodeError::UnknownHeader {
            offset: 1,
            value: other,
        }),
    }
}

/// Iterator over the frames of one notification; yields an error for each bad 20-byte
/// slot (bad header) or trailing partial frame, then continues with the next slot.
#[derive(Debug, Clone)]
pub struct Frames<'a> {
    rest: &'a [u8],
    offset: usize,
}

/// Iterate the 20-byte frames of a notification (one MTU-20 frame or several batched).
pub fn frames(notification: &[u8]) -> Frames<'_> {
    Frames {
        rest: notification,
        offset: 0,
    }
}

impl Iterator for Frames<'_> {
    type Item = Result<Frame, DecodeError>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let take = self.rest.len().min(FRAME_LEN);
        let (frame, rest) = self.rest.split_at(take);
        self.rest = rest;
        let at = self.offset;
        self.offset += take;
        Some(decode_frame(frame).map_err(|e| match e {
            DecodeError::UnknownHeader { offset, value } => DecodeError::UnknownHeader {
                offset: at + offset,
                value,
            },
            e => e,
        }))
    }
}

/// Decode all data frames of a notification into `out` (register replies are skipped; use
/// [`frames`] to see them). Returns the number of samples, or the first error.
pub fn decode(notification: &[u8], out: &mut [VendorSample]) -> Result<usize, DecodeError> {
    let mut n = 0;
    for f in frames(notification) {
        if let Frame::Data {
            acc_mps2, gyr_dps, ..
        } = f?
        {
            let slot = out.get_mut(n).ok_or(DecodeError::OutputFull)?;
            *slot = VendorSample {
                device_time: DeviceTime::None,
                acc_mps2: Some(acc_mps2),
                gyr_dps: Some(gyr_dps),
            };
            n += 1;
        }
    }
    Ok(n)
}

/// Encode one `55 61` data frame (for simulation); values saturate at full scale.
pub fn encode_data_frame(
    acc_mps2: [f32; 3],
    gyr_dps: [f32; 3],
    angle_deg: [f32; 3],
    out: &mut [u8],
) -> Result<usize, DecodeError> {
    let out = out.get_mut(..FRAME_LEN).ok_or(DecodeError::OutputFull)?;
    out[0] = HEADER;
    out[1] = FLAG_DATA;
    let mut raw = [0i16; 9];
    for i in 0..3 {
        raw[i] = sat_i16(acc_mps2[i] / STANDARD_GRAVITY_MPS2 / ACC_FS_G * 32768.0);
        raw[3 + i] = sat_i16(gyr_dps[i] / GYR_FS_DPS * 32768.0);
        raw[6 + i] = sat_i16(angle_deg[i] / ANGLE_FS_DEG * 32768.0);
    }
    for (i, r) in raw.iter().enumerate() {
        out[2 + 2 * i..4 + 2 * i].copy_from_slice(&r.to_le_bytes());
    }
    Ok(FRAME_LEN)
}

/// Encode a `55 71` register reply (for simulation).
pub fn encode_register_frame(
    start: u16,
    values: [i16; 8],
    out: &mut [u8],
) -> Result<usize, DecodeError> {
    let out = out.get_mut(..FRAME_LEN).ok_or(DecodeError::OutputFull)?;
    out[0] = HEADER;
    out[1] = FLAG_REGISTER;
    out[2..4].copy_from_slice(&start.to_le_bytes());
    for (i, v) in values.iter().enumerate() {
        out[4 + 2 * i..6 + 2 * i].copy_from_slice(&v.to_le_bytes());
    }
    Ok(FRAME_LEN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendors::testutil::{assert_v3, hex, Rng};
    const G: f32 = STANDARD_GRAVITY_MPS2;

    #[test]
    fn vector1_single_frame() {
        // sensors.md §10 vector 1.
        let mut b = [0u8; 20];
        hex(
            "55 61 FC FF EF FF 11 08 00 00 00 00 00 00 98 FF 0D 00 F8 31",
            &mut b,
        );
        match decode_frame(&b).unwrap() {
            Frame::Data {
                acc_mps2,
                gyr_dps,
                angle_deg,
            } => {
                assert_v3(
                    acc_mps2,
                    [-0.001953 * G, -0.008301 * G, 1.008301 * G],
                    1e-3 * G,
                );
                assert_v3(gyr_dps, [0.0, 0.0, 0.0], 1e-3);
                assert_v3(angle_deg, [-0.571, 0.0714, 70.269], 1e-3);
            }
            f => panic!("{f:?}"),
        }
    }

    #[test]
    fn vector2_batched_80_bytes() {
        // sensors.md §10 vector 2: four frames in one notification.
        let mut b = [0u8; 80];
        let n = hex(
            "5561fcffefff110800000000000098ff0d00f831 5561fdffecff0e0800000000000098ff0d00f831
             5561fdffecff0e0800000000000098ff0d00f831 5561feffe9ff0f0800000000000098ff0d00f831",
            &mut b,
        );
        assert_eq!(n, 80);
        let mut out = [VendorSample::EMPTY; 8];
        assert_eq!(decode(&b, &mut out), Ok(4));
        // last frame: acc x = -2 LSB, z = 0x080F = 2063 LSB
        let a = out[3].acc_mps2.unwrap();
        assert_v3(
            a,
            [-2.0 / 2048.0 * G, -23.0 / 2048.0 * G, 2063.0 / 2048.0 * G],
            1e-5,
        );
        assert_eq!(out[3].device_time, DeviceTime::None);
    }

    #[test]
    fn vector3_magnetometer_register_reply() {
        let mut cmd = [0u8; 5];
        assert_eq!(read_register(REG_MAG, &mut cmd), Ok(5));
        assert_eq!(cmd, [0xFF, 0xAA, 0x27, 0x3A, 0x00]);
        let mut b = [0u8; 20];
        hex(
            "55 71 3A 00 68 01 69 00 7A 00 00 00 00 00 00 00 00 00 00 00",
            &mut b,
        );
        match decode_frame(&b).unwrap() {
            Frame::Register { start, values } => {
                assert_eq!(start, 0x3A);
                assert_eq!(&values[..3], &[360, 105, 122]);
            }
            f => panic!("{f:?}"),
        }
        // a register reply yields no IMU sample
        let mut out = [VendorSample::EMPTY; 1];
        assert_eq!(decode(&b, &mut out), Ok(0));
    }

    #[test]
    fn vector4_commands() {
        let mut c = [0u8; 5];
        unlock(&mut c).unwrap();
        assert_eq!(c, [0xFF, 0xAA, 0x69, 0x88, 0xB5]);
        set_rate(Rate::Hz100, &mut c).unwrap();
        assert_eq!(c, [0xFF, 0xAA, 0x03, 0x09, 0x00]);
        set_rate(Rate::Hz200, &mut c).unwrap();
        assert_eq!(c, [0xFF, 0xAA, 0x03, 0x0B, 0x00]);
        save(&mut c).unwrap();
        assert_eq!(c, [0xFF, 0xAA, 0x00, 0x00, 0x00]);
        read_register(REG_BATTERY, &mut c).unwrap();
        assert_eq!(c, [0xFF, 0xAA, 0x27, 0x64, 0x00]);
        assert_eq!(unlock(&mut [0u8; 4]), Err(DecodeError::OutputFull));
    }

    #[test]
    fn battery_reply() {
        let mut b = [0u8; 20];
        encode_register_frame(0x64, [395, 0, 0, 0, 0, 0, 0, 0], &mut b).unwrap();
        let f = decode_frame(&b).unwrap();
        assert_eq!(f.battery_v(), Some(3.95));
    }

    #[test]
    fn malformed() {
        let mut b = [0u8; 20];
        hex(
            "55 61 FC FF EF FF 11 08 00 00 00 00 00 00 98 FF 0D 00 F8 31",
            &mut b,
        );
        let mut out = [VendorSample::EMPTY; 2];
        assert_eq!(
            decode(&b[..19], &mut out),
            Err(DecodeError::Truncated {
                needed: 20,
                got: 19
            })
        );
        let mut bad = b;
        bad[1] = 0x62;
        assert_eq!(
            decode(&bad, &mut out),
            Err(DecodeError::UnknownHeader {
                offset: 1,
                value: 0x62
            })
        );
        // second slot bad: error offset points into the notification
        let mut two = [0u8; 40];
        two[..20].copy_from_slice(&b);
        two[20..].copy_from_slice(&b);
        two[20] = 0xAA;
        let mut it = frames(&two);
        assert!(it.next().unwrap().is_ok());
        assert_eq!(
            it.next(),
            Some(Err(DecodeError::UnknownHeader {
                offset: 20,
                value: 0xAA
            }))
        );
        assert_eq!(it.next(), None);
        assert_eq!(decode(&two[..20], &mut []), Err(DecodeError::OutputFull));
        assert_eq!(decode(&[], &mut out), Ok(0));
    }

    #[test]
    fn round_trip() {
        let acc = [1.5, -9.81, 150.0];
        let gyr = [-300.0, 0.07, 1999.0];
        let ang = [-179.0, 45.0, 12.3];
        let mut b = [0u8; 20];
        encode_data_frame(acc, gyr, ang, &mut b).unwrap();
        match decode_frame(&b).unwrap() {
            Frame::Data {
                acc_mps2,
                gyr_dps,
                angle_deg,
            } => {
                assert_v3(acc_mps2, acc, 16.0 * G / 32768.0);
                assert_v3(gyr_dps, gyr, 2000.0 / 32768.0);
                assert_v3(angle_deg, ang, 180.0 / 32768.0);
            }
            f => panic!("{f:?}"),
        }
        // saturation instead of wrap
        encode_data_frame([1000.0, -1000.0, 0.0], [0.0; 3], [0.0; 3], &mut b).unwrap();
        assert_eq!(&b[2..6], &[0xFF, 0x7F, 0x00, 0x80]);
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut rng = Rng(0x5EED_0001);
        let mut buf = [0u8; 100];
        let mut out = [VendorSample::EMPTY; 5];
        let mut ok = 0;
        for _ in 0..150_000 {
            let b = rng.bytes(&mut buf, &[HEADER]);
            if decode(b, &mut out).is_ok() {
                ok += 1;
            }
            for _ in frames(b) {}
        }
        // most random inputs are rejected, a few (empty) accepted
        assert!(ok > 0 && ok < 150_000);
    }
}
