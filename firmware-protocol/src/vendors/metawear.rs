//! MbientLab MetaMotion / MetaWear (BMI160, BMI270): sensors.md §4.

/// MetaWear service 326a9000-85cb-9195-d9dd-464cfbbae75a [§4.1 V].
pub const SERVICE_UUID: u128 = 0x326a9000_85cb_9195_d9dd_464cfbbae75a;

/// Default advertised name "MetaWear" [M: not in sensors.md; prefer the service UUID].
pub fn name_matches(name: &str) -> bool {
    name.starts_with("MetaWear")
}

use super::{le_i16, put, sat_i16, DecodeError, DeviceTime, VendorSample, STANDARD_GRAVITY_MPS2};

/// Command characteristic 326a9001 (write without response) [§4.1 V].
pub const COMMAND_UUID: u128 = 0x326a9001_85cb_9195_d9dd_464cfbbae75a;
/// Notify characteristic 326a9006 [§4.1 V].
pub const NOTIFY_UUID: u128 = 0x326a9006_85cb_9195_d9dd_464cfbbae75a;

/// Module id: accelerometer [§4.1 V: module.h].
pub const MODULE_ACC: u8 = 0x03;
/// Module id: data processor [§4.1 V].
pub const MODULE_DATA_PROCESSOR: u8 = 0x09;
/// Module id: settings [§4.1 V].
pub const MODULE_SETTINGS: u8 = 0x11;
/// Module id: gyroscope [§4.1 V].
pub const MODULE_GYRO: u8 = 0x13;

/// IMU chip, read with `03 80` (reply `03 80 01 ..` BMI160, `03 80 04 ..` BMI270) [§4.1 V].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chip {
    /// Bosch BMI160 (MetaMotionR / C).
    Bmi160,
    /// Bosch BMI270 (MetaMotionS).
    Bmi270,
}

/// Read accelerometer module info `03 80` to discover the chip [§4.1 V].
pub fn read_acc_module_info(out: &mut [u8]) -> Result<usize, DecodeError> {
    put(out, &[MODULE_ACC, 0x80])
}

/// Chip from the module-info reply `03 80 <impl> ..` [§4.1 V].
pub fn decode_chip(reply: &[u8]) -> Result<Chip, DecodeError> {
    match reply {
        [0x03, 0x80, 0x01, ..] => Ok(Chip::Bmi160),
        [0x03, 0x80, 0x04, ..] => Ok(Chip::Bmi270),
        [0x03, 0x80, v, ..] => Err(DecodeError::UnknownHeader {
            offset: 2,
            value: *v,
        }),
        [_, _, ..] => Err(DecodeError::NotData),
        _ => Err(DecodeError::Truncated {
            needed: 3,
            got: reply.len(),
        }),
    }
}

/// Accelerometer full-scale range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccRange {
    /// ±2 g.
    G2,
    /// ±4 g.
    G4,
    /// ±8 g.
    G8,
    /// ±16 g.
    G16,
}

impl AccRange {
    /// LSB per g: 16384/8192/4096/2048 [§4.2 V: BMI160/BMI270_FSR_SCALE].
    pub fn lsb_per_g(self) -> f32 {
        match self {
            AccRange::G2 => 16384.0,
            AccRange::G4 => 8192.0,
            AccRange::G8 => 4096.0,
            AccRange::G16 => 2048.0,
        }
    }
    /// Range byte: BMI160 0x03/0x05/0x08/0x0C, BMI270 0..3 [§4.2 V].
    pub fn code(self, chip: Chip) -> u8 {
        let i = self as u8;
        match chip {
            Chip::Bmi160 => [0x03, 0x05, 0x08, 0x0C][usize::from(i)],
            Chip::Bmi270 => i,
        }
    }
}

/// Output data rates shared by the acc and gyro builders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Odr {
    /// 25 Hz.
    Hz25,
    /// 50 Hz.
    Hz50,
    /// 100 Hz.
    Hz100,
    /// 200 Hz.
    Hz200,
    /// 400 Hz.
    Hz400,
    /// 800 Hz.
    Hz800,
}

impl Odr {
    fn index(self) -> u8 {
        // BMI ODR register low nibble: 25 Hz = 6 … 800 Hz = 11 [§4.2 V: 0x26…0x2B table]
        6 + self as u8
    }
}

/// Gyroscope full-scale range; code 0..4 [§4.3 V: gyro_bosch.cpp].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GyrRange {
    /// ±2000 °/s (code 0).
    Dps2000,
    /// ±1000 °/s (code 1).
    Dps1000,
    /// ±500 °/s (code 2).
    Dps500,
    /// ±250 °/s (code 3).
    Dps250,
    /// ±125 °/s (code 4).
    Dps125,
}

impl GyrRange {
    /// LSB per °/s: 16.4, 32.8, 65.6, 131.2, 262.4 [§4.3 V: FSR_SCALE].
    pub fn lsb_per_dps(self) -> f32 {
        [16.4, 32.8, 65.6, 131.2, 262.4][self as usize]
    }
    /// Range byte [§4.3 V].
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// Acc config `03 03 <odr> <range>`; BMI160 ODR 0x20|n (100 Hz 0x28), BMI270 0xA0|n
/// (100 Hz 0xA8) [§4.2 V: test_set_odr, test_accelerometer_bmi270.py].
pub fn acc_config(
    chip: Chip,
    odr: Odr,
    range: AccRange,
    out: &mut [u8],
) -> Result<usize, DecodeError> {
    let base = match chip {
        Chip::Bmi160 => 0x20,
        Chip::Bmi270 => 0xA0,
    };
    put(
        out,
        &[MODULE_ACC, 0x03, base | odr.index(), range.code(chip)],
    )
}

/// Subscribe acc data `03 04 01`, packed `03 1C 01` (BMI160) / `03 05 01` (BMI270) [§4.2 V].
pub fn acc_subscribe(chip: Chip, packed: bool, out: &mut [u8]) -> Result<usize, DecodeError> {
    put(out, &[MODULE_ACC, acc_data_register(chip, packed), 0x01])
}

/// Unsubscribe acc data (`03 04 00` or the packed register) [§4.2 V].
pub fn acc_unsubscribe(chip: Chip, packed: bool, out: &mut [u8]) -> Result<usize, DecodeError> {
    put(out, &[MODULE_ACC, acc_data_register(chip, packed), 0x00])
}

/// Enable acc sampling `03 02 01 00` [§4.2 V].
pub fn acc_enable(out: &mut [u8]) -> Result<usize, DecodeError> {
    put(out, &[MODULE_ACC, 0x02, 0x01, 0x00])
}

/// Disable acc sampling `03 02 00 01` [§4.2 V].
pub fn acc_disable(out: &mut [u8]) -> Result<usize, DecodeError> {
    put(out, &[MODULE_ACC, 0x02, 0x00, 0x01])
}

/// Start acc `03 01 01` [§4.2 V: mbl_mw_acc_bosch_start; BMI270 power-mode detail unverified].
pub fn acc_start(out: &mut [u8]) -> Result<usize, DecodeError> {
    put(out, &[MODULE_ACC, 0x01, 0x01])
}

/// Stop acc `03 01 00` [§4.2 V].
pub fn acc_stop(out: &mut [u8]) -> Result<usize, DecodeError> {
    put(out, &[MODULE_ACC, 0x01, 0x00])
}

/// Gyro config `13 03 <odr> <range>`, BMI160 ODR 0x20|n (100 Hz 0x28) [§4.3 V]. The BMI270
/// gyro ODR byte is not in sensors.md: `Unsupported` rather than a guess.
pub fn gyr_config(
    chip: Chip,
    odr: Odr,
    range: GyrRange,
    out: &mut [u8],
) -> Result<usize, DecodeError> {
    match chip {
        Chip::Bmi160 => put(out, &[MODULE_GYRO, 0x03, 0x20 | odr.index(), range.code()]),
        Chip::Bmi270 => Err(DecodeError::Unsupported),
    }
}

/// Subscribe gyro `13 05 01` (BMI160; packed `13 07 01`); BMI270 data 4 / packed 5 [§4.3 V registers].
pub fn gyr_subscribe(chip: Chip, packed: bool, out: &mut [u8]) -> Result<usize, DecodeError> {
    put(out, &[MODULE_GYRO, gyr_data_register(chip, packed), 0x01])
}

/// Unsubscribe gyro data [§4.3].
pub fn gyr_unsubscribe(chip: Chip, packed: bool, out: &mut [u8]) -> Result<usize, DecodeError> {
    put(out, &[MODULE_GYRO, gyr_data_register(chip, packed), 0x00])
}

/// Enable gyro `13 02 01 00` [§4.3 V].
pub fn gyr_enable(out: &mut [u8]) -> Result<usize, DecodeError> {
    put(out, &[MODULE_GYRO, 0x02, 0x01, 0x00])
}

/// Start gyro `13 01 01` [§4.3 V].
pub fn gyr_start(out: &mut [u8]) -> Result<usize, DecodeError> {
    put(out, &[MODULE_GYRO, 0x01, 0x01])
}

/// Stop gyro `13 01 00` [§4.3 V].
pub fn gyr_stop(out: &mut [u8]) -> Result<usize, DecodeError> {
    put(out, &[MODULE_GYRO, 0x01, 0x00])
}

/// Read battery `11 CC` → `11 8C <pct> <mV u16>` [§4.4 V: test_settings.py].
pub fn read_battery(out: &mut [u8]) -> Result<usize, DecodeError> {
    put(out, &[MODULE_SETTINGS, 0xCC])
}

/// Connection parameters `11 09 <min> <max> <latency> <timeout>` (1.25 ms, 1.25 ms, events,
/// 10 ms units) [§4.4 V: test_settings.py].
pub fn connection_parameters(
    min_interval: u16,
    max_interval: u16,
    latency: u16,
    timeout: u16,
    out: &mut [u8],
) -> Result<usize, DecodeError> {
    let [a, b] = min_interval.to_le_bytes();
    let [c, d] = max_interval.to_le_bytes();
    let [e, f] = latency.to_le_bytes();
    let [g, h] = timeout.to_le_bytes();
    put(out, &[MODULE_SETTINGS, 0x09, a, b, c, d, e, f, g, h])
}

fn acc_data_register(chip: Chip, packed: bool) -> u8 {
    match (chip, packed) {
        (_, false) => 0x04,
        (Chip::Bmi160, true) => 0x1C,
        (Chip::Bmi270, true) => 0x05,
    }
}

fn gyr_data_register(chip: Chip, packed: bool) -> u8 {
    match (chip, packed) {
        (Chip::Bmi160, false) => 0x05,
        (Chip::Bmi160, true) => 0x07,
        (Chip::Bmi270, false) => 0x04,
        (Chip::Bmi270, true) => 0x05,
    }
}

/// Battery state from `11 8C` [§4.4 V].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Battery {
    /// Charge, percent.
    pub percent: u8,
    /// Voltage, mV.
    pub voltage_mv: u16,
}

/// Decode `11 8C <pct> <mV u16 LE>`.
pub fn decode_battery(b: &[u8]) -> Result<Battery, DecodeError> {
    match b {
        [0x11, 0x8C, p, l, h, ..] => Ok(Battery {
            percent: *p,
            voltage_mv: u16::from_le_bytes([*l, *h]),
        }),
        [0x11, 0x8C, ..] => Err(DecodeError::Truncated {
            needed: 5,
            got: b.len(),
        }),
        [_, _, ..] => Err(DecodeError::NotData),
        _ => Err(DecodeError::Truncated {
            needed: 2,
            got: b.len(),
        }),
    }
}

/// Stateless decoder configuration: the chip and ranges the host configured, plus the
/// data-processor ids of accounter outputs (device tick counter) if the host created them.
/// Acc and gyro arrive as separate notifications: each sample fills only one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoder {
    /// IMU chip.
    pub chip: Chip,
    /// Configured accelerometer range.
    pub acc_range: AccRange,
    /// Configured gyroscope range.
    pub gyr_range: GyrRange,
    /// Data-processor id of an accounter wrapping the acc stream [§4.4 V].
    pub accounter_acc_id: Option<u8>,
    /// Data-processor id of an accounter wrapping the gyro stream.
    pub accounter_gyr_id: Option<u8>,
}

impl Decoder {
    fn acc(&self, b: &[u8], at: usize) -> [f32; 3] {
        let s = self.acc_range.lsb_per_g();
        [0, 1, 2].map(|i| f32::from(le_i16(b, at + 2 * i)) / s * STANDARD_GRAVITY_MPS2)
    }
    fn gyr(&self, b: &[u8], at: usize) -> [f32; 3] {
        let s = self.gyr_range.lsb_per_dps();
        [0, 1, 2].map(|i| f32::from(le_i16(b, at + 2 * i)) / s)
    }

    /// Decode one notification (single `03 04`, packed ×3, gyro, or accounter output).
    /// Battery and other module replies are `NotData` / `UnknownHeader`.
    pub fn decode(&self, b: &[u8], out: &mut [VendorSample]) -> Result<usize, DecodeError> {
        if b.len() < 2 {
            return Err(DecodeError::Truncated {
                needed: 2,
                got: b.len(),
            });
        }
        let (module, reg) = (b[0], b[1]);
        let acc_single = module == MODULE_ACC && reg == acc_data_register(self.chip, false);
        let acc_packed = module == MODULE_ACC && reg == acc_data_register(self.chip, true);
        let gyr_single = module == MODULE_GYRO && reg == gyr_data_register(self.chip, false);
        let gyr_packed = module == MODULE_GYRO && reg == gyr_data_register(self.chip, true);
        let need = |n: usize| {
            if b.len() < n {
                Err(DecodeError::Truncated {
                    needed: n,
                    got: b.len(),
                })
            } else {
                Ok(())
            }
        };
        let mut n = 0;
        let mut emit = |acc: Option<[f32; 3]>, gyr: Option<[f32; 3]>, t: DeviceTime| {
            let slot = out.get_mut(n).ok_or(DecodeError::OutputFull)?;
            *slot = VendorSample {
                device_time: t,
                acc_mps2: acc,
                gyr_dps: gyr,
            };
            n += 1;
            Ok::<(), DecodeError>(())
        };
        if acc_single || gyr_single || acc_packed || gyr_packed {
            let count = if acc_packed || gyr_packed { 3 } else { 1 };
            need(2 + 6 * count)?;
            for k in 0..count {
                let at = 2 + 6 * k;
                if acc_single || acc_packed {
                    emit(Some(self.acc(b, at)), None, DeviceTime::None)?;
                } else {
                    emit(None, Some(self.gyr(b, at)), DeviceTime::None)?;
                }
            }
            return Ok(n);
        }
        if module == MODULE_DATA_PROCESSOR && reg == 0x03 {
            // `09 03 <proc id> <u32 tick> <payload>` [§4.4 V: test_dataprocessor.py TestAccounter]
            need(3)?;
            let id = Some(b[2]);
            if id != self.accounter_acc_id && id != self.accounter_gyr_id {
                return Err(DecodeError::UnknownHeader {
                    offset: 2,
                    value: b[2],
                });
            }
            need(13)?;
            let t = DeviceTime::MetaWearTicks(u32::from_le_bytes([b[3], b[4], b[5], b[6]]));
            if id == self.accounter_acc_id {
                emit(Some(self.acc(b, 7)), None, t)?;
            } else {
                emit(None, Some(self.gyr(b, 7)), t)?;
            }
            return Ok(n);
        }
        if module == MODULE_SETTINGS || b[1] & 0x80 != 0 {
            return Err(DecodeError::NotData);
        }
        Err(DecodeError::UnknownHeader {
            offset: 0,
            value: module,
        })
    }
}

/// Encode acc samples as one notification: 1 sample → `03 04 …`, 3 → packed (§4.2).
pub fn encode_acc(
    chip: Chip,
    range: AccRange,
    samples_mps2: &[[f32; 3]],
    out: &mut [u8],
) -> Result<usize, DecodeError> {
    let s = range.lsb_per_g() / STANDARD_GRAVITY_MPS2;
    encode(MODULE_ACC, chip, true, s, samples_mps2, out)
}

/// Encode gyro samples as one notification: 1 sample or 3 (packed) (§4.3).
pub fn encode_gyr(
    chip: Chip,
    range: GyrRange,
    samples_dps: &[[f32; 3]],
    out: &mut [u8],
) -> Result<usize, DecodeError> {
    encode(
        MODULE_GYRO,
        chip,
        false,
        range.lsb_per_dps(),
        samples_dps,
        out,
    )
}

fn encode(
    module: u8,
    chip: Chip,
    acc: bool,
    scale: f32,
    samples: &[[f32; 3]],
    out: &mut [u8],
) -> Result<usize, DecodeError> {
    let packed = match samples.len() {
        1 => false,
        3 => true,
        _ => return Err(DecodeError::BadField { offset: 1 }),
    };
    let reg = if acc {
        acc_data_register(chip, packed)
    } else {
        gyr_data_register(chip, packed)
    };
    let len = 2 + 6 * samples.len();
    let out = out.get_mut(..len).ok_or(DecodeError::OutputFull)?;
    out[0] = module;
    out[1] = reg;
    for (k, v) in samples.iter().enumerate() {
        for (i, x) in v.iter().enumerate() {
            let o = 2 + 6 * k + 2 * i;
            out[o..o + 2].copy_from_slice(&sat_i16(x * scale).to_le_bytes());
        }
    }
    Ok(len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendors::testutil::{assert_v3, hex, Rng};
    const G: f32 = STANDARD_GRAVITY_MPS2;

    fn dec(chip: Chip, acc: AccRange, gyr: GyrRange) -> Decoder {
        Decoder {
            chip,
            acc_range: acc,
            gyr_range: gyr,
            accounter_acc_id: None,
            accounter_gyr_id: None,
        }
    }

    #[test]
    fn vector12_acc_single() {
        let d = dec(Chip::Bmi160, AccRange::G4, GyrRange::Dps2000);
        let mut out = [VendorSample::EMPTY; 3];
        assert_eq!(
            d.decode(&[0x03, 0x04, 0x16, 0xC4, 0x94, 0xA2, 0x2A, 0xD0], &mut out),
            Ok(1)
        );
        assert_v3(
            out[0].acc_mps2.unwrap(),
            [-1.872 * G, -2.919 * G, -1.495 * G],
            1e-3 * G,
        );
        assert_eq!(out[0].gyr_dps, None);
    }

    #[test]
    fn vector13_acc_packed_both_chips() {
        let mut b = [0u8; 20];
        hex(
            "03 1C 62 B7 53 0D E9 FD 16 D0 4D 0E 57 02 8A FF A1 05 0A 01",
            &mut b,
        );
        let want = [
            [-4.539, 0.833, -0.131],
            [-2.995, 0.894, 0.146],
            [-0.029, 0.352, 0.065],
        ];
        for chip in [Chip::Bmi160, Chip::Bmi270] {
            if chip == Chip::Bmi270 {
                b[1] = 0x05;
            }
            let d = dec(chip, AccRange::G8, GyrRange::Dps2000);
            let mut out = [VendorSample::EMPTY; 3];
            assert_eq!(d.decode(&b, &mut out), Ok(3));
            for k in 0..3 {
                assert_v3(out[k].acc_mps2.unwrap(), want[k].map(|g| g * G), 1e-3 * G);
            }
        }
    }

    #[test]
    fn vector14_gyro_single() {
        let d = dec(Chip::Bmi160, AccRange::G2, GyrRange::Dps500);
        let mut out = [VendorSample::EMPTY; 1];
        assert_eq!(
            d.decode(&[0x13, 0x05, 0x3E, 0x43, 0xFF, 0x7F, 0x00, 0x80], &mut out),
            Ok(1)
        );
        assert_v3(out[0].gyr_dps.unwrap(), [262.409, 499.497, -499.512], 1e-3);
        assert_eq!(out[0].acc_mps2, None);
    }

    #[test]
    fn vector15_gyro_packed() {
        let mut b = [0u8; 20];
        hex(
            "13 07 09 15 AD 26 08 DE 8A 1A 0D 26 65 E4 8D 20 AC 27 73 EC",
            &mut b,
        );
        let d = dec(Chip::Bmi160, AccRange::G2, GyrRange::Dps1000);
        let mut out = [VendorSample::EMPTY; 3];
        assert_eq!(d.decode(&b, &mut out), Ok(3));
        let want = [
            [164.177, 301.860, -265.122],
            [207.134, 296.982, -215.457],
            [254.055, 309.634, -152.591],
        ];
        for k in 0..3 {
            assert_v3(out[k].gyr_dps.unwrap(), want[k], 1e-3);
        }
        assert_eq!(d.decode(&b, &mut out[..2]), Err(DecodeError::OutputFull));
    }

    #[test]
    fn vector16_commands() {
        let mut c = [0u8; 4];
        acc_config(Chip::Bmi160, Odr::Hz100, AccRange::G16, &mut c).unwrap();
        assert_eq!(c, [0x03, 0x03, 0x28, 0x0C]);
        assert_eq!(acc_subscribe(Chip::Bmi160, false, &mut c), Ok(3));
        assert_eq!(&c[..3], &[0x03, 0x04, 0x01]);
        acc_enable(&mut c).unwrap();
        assert_eq!(c, [0x03, 0x02, 0x01, 0x00]);
        assert_eq!(acc_start(&mut c), Ok(3));
        assert_eq!(&c[..3], &[0x03, 0x01, 0x01]);
        gyr_config(Chip::Bmi160, Odr::Hz200, GyrRange::Dps2000, &mut c).unwrap();
        assert_eq!(c, [0x13, 0x03, 0x29, 0x00]);
        gyr_config(Chip::Bmi160, Odr::Hz50, GyrRange::Dps125, &mut c).unwrap();
        assert_eq!(c, [0x13, 0x03, 0x27, 0x04]);
        // §4.2: BMI270 ODR 0xA5…0xAC for 12.5…1600 Hz → 100 Hz = 0xA8; range code 3 = 16 g
        acc_config(Chip::Bmi270, Odr::Hz100, AccRange::G16, &mut c).unwrap();
        assert_eq!(c, [0x03, 0x03, 0xA8, 0x03]);
        assert_eq!(
            gyr_config(Chip::Bmi270, Odr::Hz100, GyrRange::Dps2000, &mut c),
            Err(DecodeError::Unsupported)
        );
        let mut p = [0u8; 10];
        connection_parameters(600, 800, 128, 1638, &mut p).unwrap();
        assert_eq!(
            p,
            [0x11, 0x09, 0x58, 0x02, 0x20, 0x03, 0x80, 0x00, 0x66, 0x06]
        );
        assert_eq!(decode_chip(&[0x03, 0x80, 0x04, 0x00]), Ok(Chip::Bmi270));
    }

    #[test]
    fn vector17_battery() {
        assert_eq!(
            decode_battery(&[0x11, 0x8C, 0x63, 0x34, 0x10]),
            Ok(Battery {
                percent: 99,
                voltage_mv: 4148
            })
        );
        assert!(decode_battery(&[0x11, 0x8C, 0x63]).is_err());
        let d = dec(Chip::Bmi160, AccRange::G2, GyrRange::Dps500);
        assert_eq!(
            d.decode(&[0x11, 0x8C, 0x63, 0x34, 0x10], &mut [VendorSample::EMPTY]),
            Err(DecodeError::NotData)
        );
    }

    #[test]
    fn vector18_accounter() {
        let mut d = dec(Chip::Bmi160, AccRange::G2, GyrRange::Dps500);
        let mut b = [0u8; 13];
        hex("09 03 00 A6 33 0D 00 C1 00 B1 24 19 CD", &mut b);
        let mut out = [VendorSample::EMPTY; 1];
        assert_eq!(
            d.decode(&b, &mut out),
            Err(DecodeError::UnknownHeader {
                offset: 2,
                value: 0
            })
        );
        d.accounter_acc_id = Some(0);
        assert_eq!(d.decode(&b, &mut out), Ok(1));
        assert_eq!(out[0].device_time, DeviceTime::MetaWearTicks(0x000D_33A6));
        assert_v3(
            out[0].acc_mps2.unwrap(),
            [0.0118 * G, 0.573 * G, -0.795 * G],
            1e-3 * G,
        );
    }

    #[test]
    fn malformed_and_round_trip() {
        let d = dec(Chip::Bmi270, AccRange::G16, GyrRange::Dps2000);
        let mut out = [VendorSample::EMPTY; 3];
        assert_eq!(
            d.decode(&[0x03], &mut out),
            Err(DecodeError::Truncated { needed: 2, got: 1 })
        );
        assert_eq!(
            d.decode(&[0x03, 0x04, 1, 2, 3], &mut out),
            Err(DecodeError::Truncated { needed: 8, got: 5 })
        );
        assert_eq!(
            d.decode(&[0x42, 0x04], &mut out),
            Err(DecodeError::UnknownHeader {
                offset: 0,
                value: 0x42
            })
        );
        let acc = [[1.0, -2.0, 150.0], [0.0, 9.8, -9.8], [-156.0, 3.3, 0.01]];
        let mut b = [0u8; 20];
        assert_eq!(
            encode_acc(Chip::Bmi270, AccRange::G16, &acc, &mut b),
            Ok(20)
        );
        assert_eq!(&b[..2], &[0x03, 0x05]);
        assert_eq!(d.decode(&b, &mut out), Ok(3));
        for k in 0..3 {
            assert_v3(out[k].acc_mps2.unwrap(), acc[k], G / 2048.0);
        }
        let gyr = [[-1990.0, 0.5, 1000.0]];
        assert_eq!(
            encode_gyr(Chip::Bmi270, GyrRange::Dps2000, &gyr, &mut b),
            Ok(8)
        );
        assert_eq!(&b[..2], &[0x13, 0x04]);
        assert_eq!(d.decode(&b[..8], &mut out), Ok(1));
        assert_v3(out[0].gyr_dps.unwrap(), gyr[0], 1.0 / 16.4);
        assert!(encode_gyr(Chip::Bmi270, GyrRange::Dps2000, &[[0.0; 3]; 2], &mut b).is_err());
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut rng = Rng(0x5EED_0003);
        let mut buf = [0u8; 24];
        let mut out = [VendorSample::EMPTY; 3];
        let mut ok = 0u32;
        for chip in [Chip::Bmi160, Chip::Bmi270] {
            let mut d = dec(chip, AccRange::G8, GyrRange::Dps1000);
            d.accounter_gyr_id = Some(1);
            for _ in 0..75_000 {
                let b = rng.bytes(&mut buf, &[0x03, 0x13, 0x09, 0x11]);
                if d.decode(b, &mut out).is_ok() {
                    ok += 1;
                }
                let _ = decode_battery(b);
                let _ = decode_chip(b);
            }
        }
        assert!(ok > 0 && ok < 150_000);
    }
}
