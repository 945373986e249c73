//! Polar Verity Sense PMD ACC and GYRO: sensors.md §5.

/// PMD service FB005C80-02E7-F387-1CAD-8ACD2D8DF0C8 [§5.1 V].
pub const PMD_SERVICE_UUID: u128 = 0xfb005c80_02e7_f387_1cad_8acd2d8df0c8;

/// Verity Sense advertises "Polar Sense <id>" [M: not in sensors.md; prefer the service UUID].
pub fn name_matches(name: &str) -> bool {
    name.starts_with("Polar Sense")
}

use super::{put, sat_i32, DecodeError, DeviceTime, VendorSample, STANDARD_GRAVITY_MPS2};

/// PMD control point FB005C81 (write; responses as notifications) [§5.1 V].
pub const PMD_CONTROL_POINT_UUID: u128 = 0xfb005c81_02e7_f387_1cad_8acd2d8df0c8;
/// PMD data FB005C82 (notify) [§5.1 V].
pub const PMD_DATA_UUID: u128 = 0xfb005c82_02e7_f387_1cad_8acd2d8df0c8;

/// Frame header length: type u8, timestamp u64, frame type u8 [§5.3 V: PmdDataFrame.kt].
pub const HEADER_LEN: usize = 10;
/// Number of channels for ACC and GYRO.
const CHANNELS: usize = 3;

/// The PMD stream a decoder handles; ACC and GYRO arrive as separate frames on the same
/// data characteristic and each needs its own [`Decoder`] [§5.2 V measurement types].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Accelerometer, measurement type 2.
    Acc,
    /// Gyroscope, measurement type 5.
    Gyro,
}

impl Stream {
    /// PMD measurement type byte [§5.2 V: PmdMeasurementType.kt].
    pub fn type_byte(self) -> u8 {
        match self {
            Stream::Acc => 2,
            Stream::Gyro => 5,
        }
    }
}

/// Start settings for one stream; serialised as `<setting type> 01 <value LE>` [§5.2 V: PmdSetting.kt].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartSettings {
    /// Sample rate, Hz (setting type 0, u16).
    pub sample_rate_hz: u16,
    /// Resolution, bits (setting type 1, u16).
    pub resolution_bits: u16,
    /// Range, g for ACC or °/s for GYRO (setting type 2, u16).
    pub range: u16,
    /// Channels (setting type 4, u8), if the device offered it.
    pub channels: Option<u8>,
}

/// Start `02 <type> 00 01 <rate> 01 01 <res> 02 01 <range> [04 01 <ch>]` [§5.2 V].
pub fn start(stream: Stream, s: &StartSettings, out: &mut [u8]) -> Result<usize, DecodeError> {
    let r = s.sample_rate_hz.to_le_bytes();
    let b = s.resolution_bits.to_le_bytes();
    let g = s.range.to_le_bytes();
    let n = put(
        out,
        &[
            0x02,
            stream.type_byte(),
            0x00,
            0x01,
            r[0],
            r[1],
            0x01,
            0x01,
            b[0],
            b[1],
            0x02,
            0x01,
            g[0],
            g[1],
        ],
    )?;
    match s.channels {
        None => Ok(n),
        Some(c) => Ok(n + put(
            out.get_mut(n..).ok_or(DecodeError::OutputFull)?,
            &[0x04, 0x01, c],
        )?),
    }
}

/// Stop `03 <type>` [§5.2 V: op code 0x03].
pub fn stop(stream: Stream, out: &mut [u8]) -> Result<usize, DecodeError> {
    put(out, &[0x03, stream.type_byte()])
}

/// Get settings `01 <type>` [§5.2 V: op code 0x01].
pub fn get_settings(stream: Stream, out: &mut [u8]) -> Result<usize, DecodeError> {
    put(out, &[0x01, stream.type_byte()])
}

/// A control-point response `F0 <op> <type> <status> <more> <params…>` [§5.2 V].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpResponse<'a> {
    /// Op code answered.
    pub op: u8,
    /// Measurement type.
    pub measurement_type: u8,
    /// Status, 0 = success (1–14: see sensors.md §5.2).
    pub status: u8,
    /// More-data flag.
    pub more: bool,
    /// Remaining parameter bytes (settings or factor).
    pub params: &'a [u8],
}

/// Parse a control-point response.
pub fn decode_cp_response(b: &[u8]) -> Result<CpResponse<'_>, DecodeError> {
    if b.len() < 5 {
        return Err(DecodeError::Truncated {
            needed: 5,
            got: b.len(),
        });
    }
    if b[0] != 0xF0 {
        return Err(DecodeError::UnknownHeader {
            offset: 0,
            value: b[0],
        });
    }
    Ok(CpResponse {
        op: b[1],
        measurement_type: b[2],
        status: b[3],
        more: b[4] != 0,
        params: &b[5..],
    })
}

/// Decoder for one PMD stream. `factor` is the FACTOR setting from the start response
/// (scales compressed frames; 1.0 if none) [§5.2 V]; `sample_rate_hz` spaces the samples
/// back from the frame timestamp, which belongs to the last sample [§5.3 V].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decoder {
    /// Which stream this decoder accepts.
    pub stream: Stream,
    /// Configured sample rate, Hz.
    pub sample_rate_hz: u16,
    /// Compressed-frame factor from the start response.
    pub factor: f32,
}

/// LSB-first bit reader over the packed delta field [§5.3 V: parseDeltaFramesAll].
fn read_bits(b: &[u8], bit: usize, n: u32) -> i32 {
    let mut v: u64 = 0;
    for k in 0..n as usize {
        let p = bit + k;
        if (b[p / 8] >> (p % 8)) & 1 == 1 {
            v |= 1 << k;
        }
    }
    // sign-extend from n bits
    if n > 0 && (v >> (n - 1)) & 1 == 1 {
        v |= !0u64 << n;
    }
    v as i64 as i32
}

impl Decoder {
    /// Decode one PMD data notification into `out`; returns the number of samples.
    /// Each sample carries [`DeviceTime::PolarNs`]; only the acc or gyro field is set.
    pub fn decode(&self, b: &[u8], out: &mut [VendorSample]) -> Result<usize, DecodeError> {
        if b.len() < HEADER_LEN {
            return Err(DecodeError::Truncated {
                needed: HEADER_LEN,
                got: b.len(),
            });
        }
        if b[0] != self.stream.type_byte() {
            return Err(DecodeError::UnknownHeader {
                offset: 0,
                value: b[0],
            });
        }
        let ts = u64::from_le_bytes([b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8]]);
        let ft = b[9];
        let data = &b[HEADER_LEN..];
        let compressed = ft & 0x80 != 0;
        // unit scale of a raw integer value, to m/s² or °/s
        let mg = STANDARD_GRAVITY_MPS2 / 1000.0;
        let (scale, n) = match (self.stream, compressed, ft & 0x7F) {
            // ACC raw frame types 0/1/2: 1/2/3 bytes per channel, mG [§5.3 V: AccData.kt]
            (Stream::Acc, false, t @ 0..=2) => {
                let w = usize::from(t) + 1;
                #[allow(clippy::manual_is_multiple_of)] // MSRV 1.85: is_multiple_of is 1.87
                if data.len() % (w * CHANNELS) != 0 {
                    return Err(DecodeError::Truncated {
                        needed: data.len().div_ceil(w * CHANNELS) * w * CHANNELS + HEADER_LEN,
                        got: b.len(),
                    });
                }
                let n = data.len() / (w * CHANNELS);
                if out.len() < n {
                    return Err(DecodeError::OutputFull);
                }
                for (k, s) in data.chunks_exact(w * CHANNELS).enumerate() {
                    let mut v = [0f32; 3];
                    for (c, x) in v.iter_mut().enumerate() {
                        let f = &s[c * w..(c + 1) * w];
                        let mut raw: i32 = 0;
                        for (i, byte) in f.iter().enumerate() {
                            raw |= i32::from(*byte) << (8 * i);
                        }
                        let sh = 32 - 8 * w as u32;
                        *x = ((raw << sh) >> sh) as f32 * mg;
                    }
                    out[k].acc_mps2 = Some(v);
                    out[k].gyr_dps = None;
                }
                (1.0, n)
            }
            // ACC compressed type 0: × factor → g [§5.3 V]; type 1: × factor → mG
            (Stream::Acc, true, 0) => {
                (self.factor * STANDARD_GRAVITY_MPS2, self.deltas(data, out)?)
            }
            (Stream::Acc, true, 1) => (self.factor * mg, self.deltas(data, out)?),
            // GYRO compressed type 0: × factor → °/s [§5.3 V: GyrData.kt]
            (Stream::Gyro, true, 0) => (self.factor, self.deltas(data, out)?),
            _ => return Err(DecodeError::Unsupported),
        };
        let period_ns = if self.sample_rate_hz == 0 {
            0
        } else {
            1_000_000_000 / u64::from(self.sample_rate_hz)
        };
        for (k, s) in out[..n].iter_mut().enumerate() {
            if compressed {
                let v = s.acc_mps2.unwrap_or([0.0; 3]).map(|x| x * scale);
                match self.stream {
                    Stream::Acc => s.acc_mps2 = Some(v),
                    Stream::Gyro => {
                        s.gyr_dps = Some(v);
                        s.acc_mps2 = None;
                    }
                }
            }
            let back = (n - 1 - k) as u64 * period_ns;
            s.device_time = DeviceTime::PolarNs(ts.saturating_sub(back));
        }
        Ok(n)
    }

    /// Delta-compressed payload: reference sample (3 × i16) then blocks of
    /// `bits u8, count u8, packed` [§5.3 V]. Raw integers are parked in `acc_mps2` as f32.
    fn deltas(&self, data: &[u8], out: &mut [VendorSample]) -> Result<usize, DecodeError> {
        let ref_len = 2 * CHANNELS;
        if data.len() < ref_len {
            return Err(DecodeError::Truncated {
                needed: HEADER_LEN + ref_len,
                got: HEADER_LEN + data.len(),
            });
        }
        let mut cur = [0i32; 3];
        for (c, v) in cur.iter_mut().enumerate() {
            *v = i32::from(i16::from_le_bytes([data[2 * c], data[2 * c + 1]]));
        }
        let mut n = 0;
        let mut emit = |cur: &[i32; 3], n: &mut usize| {
            let slot = out.get_mut(*n).ok_or(DecodeError::OutputFull)?;
            *slot = VendorSample {
                device_time: DeviceTime::None,
                acc_mps2: Some(cur.map(|x| x as f32)),
                gyr_dps: None,
            };
            *n += 1;
            Ok::<(), DecodeError>(())
        };
        emit(&cur, &mut n)?;
        let mut p = ref_len;
        while p < data.len() {
            if p + 2 > data.len() {
                return Err(DecodeError::Truncated {
                    needed: HEADER_LEN + p + 2,
                    got: HEADER_LEN + data.len(),
                });
            }
            let bits = u32::from(data[p]);
            let count = usize::from(data[p + 1]);
            if bits == 0 || bits > 32 {
                return Err(DecodeError::BadField {
                    offset: HEADER_LEN + p,
                });
            }
            let len = (bits as usize * CHANNELS * count).div_ceil(8);
            let packed = data.get(p + 2..p + 2 + len).ok_or(DecodeError::Truncated {
                needed: HEADER_LEN + p + 2 + len,
                got: HEADER_LEN + data.len(),
            })?;
            let mut bit = 0;
            for _ in 0..count {
                for v in cur.iter_mut() {
                    *v = v.wrapping_add(read_bits(packed, bit, bits));
                    bit += bits as usize;
                }
                emit(&cur, &mut n)?;
            }
            p += 2 + len;
        }
        Ok(n)
    }
}

/// Encode an uncompressed ACC frame type 1 (i16 mG per channel) for simulation (§5.3).
pub fn encode_acc_raw(
    ts_ns: u64,
    samples_mps2: &[[f32; 3]],
    out: &mut [u8],
) -> Result<usize, DecodeError> {
    let len = HEADER_LEN + 6 * samples_mps2.len();
    let out = out.get_mut(..len).ok_or(DecodeError::OutputFull)?;
    out[0] = Stream::Acc.type_byte();
    out[1..9].copy_from_slice(&ts_ns.to_le_bytes());
    out[9] = 0x01;
    for (k, s) in samples_mps2.iter().enumerate() {
        for (c, x) in s.iter().enumerate() {
            let mg = sat_i32(x / STANDARD_GRAVITY_MPS2 * 1000.0).clamp(-32768, 32767) as i16;
            let o = HEADER_LEN + 6 * k + 2 * c;
            out[o..o + 2].copy_from_slice(&mg.to_le_bytes());
        }
    }
    Ok(len)
}

/// Encode a delta-compressed frame (ACC type 0 or GYRO type 0) from SI samples with the
/// given factor: reference sample plus one delta block of the smallest sufficient width.
pub fn encode_compressed(
    stream: Stream,
    ts_ns: u64,
    factor: f32,
    samples: &[[f32; 3]],
    out: &mut [u8],
) -> Result<usize, DecodeError> {
    let unit = match stream {
        Stream::Acc => factor * STANDARD_GRAVITY_MPS2,
        Stream::Gyro => factor,
    };
    if samples.is_empty() || samples.len() > 256 || unit <= 0.0 {
        return Err(DecodeError::BadField { offset: 0 });
    }
    let raw = |s: &[f32; 3]| s.map(|x| sat_i32(x / unit).clamp(-32768, 32767));
    let first = raw(&samples[0]);
    let mut bits = 1u32;
    let mut prev = first;
    for s in &samples[1..] {
        let r = raw(s);
        for c in 0..3 {
            let d = r[c] - prev[c];
            while !(-(1i64 << (bits - 1))..(1i64 << (bits - 1))).contains(&i64::from(d)) {
                bits += 1;
            }
        }
        prev = r;
    }
    let count = samples.len() - 1;
    let packed_len = (bits as usize * 3 * count).div_ceil(8);
    let len = HEADER_LEN + 6 + if count > 0 { 2 + packed_len } else { 0 };
    let out = out.get_mut(..len).ok_or(DecodeError::OutputFull)?;
    out.fill(0);
    out[0] = stream.type_byte();
    out[1..9].copy_from_slice(&ts_ns.to_le_bytes());
    out[9] = 0x80;
    for c in 0..3 {
        out[HEADER_LEN + 2 * c..HEADER_LEN + 2 * c + 2]
            .copy_from_slice(&(first[c] as i16).to_le_bytes());
    }
    if count > 0 {
        out[HEADER_LEN + 6] = bits as u8;
        out[HEADER_LEN + 7] = count as u8;
        let packed = &mut out[HEADER_LEN + 8..];
        let mut bit = 0usize;
        let mut prev = first;
        for s in &samples[1..] {
            let r = raw(s);
            for c in 0..3 {
                let d = (r[c] - prev[c]) as u32;
                for k in 0..bits as usize {
                    if (d >> k) & 1 == 1 {
                        packed[(bit + k) / 8] |= 1 << ((bit + k) % 8);
                    }
                }
                bit += bits as usize;
            }
            prev = r;
        }
    }
    Ok(len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendors::testutil::{assert_v3, hex, Rng};
    const G: f32 = STANDARD_GRAVITY_MPS2;

    fn dec(stream: Stream, factor: f32) -> Decoder {
        Decoder {
            stream,
            sample_rate_hz: 52,
            factor,
        }
    }

    #[test]
    fn vector19_acc_raw_type1() {
        let mut b = [0u8; 22];
        hex(
            "02 00 94 35 77 00 00 00 00 01 F7 FF FF FF E7 03 F8 FF FE FF E5 03",
            &mut b,
        );
        let mut out = [VendorSample::EMPTY; 4];
        assert_eq!(dec(Stream::Acc, 1.0).decode(&b, &mut out), Ok(2));
        assert_v3(
            out[0].acc_mps2.unwrap(),
            [-9.0, -1.0, 999.0].map(|m| m / 1000.0 * G),
            1e-4,
        );
        assert_v3(
            out[1].acc_mps2.unwrap(),
            [-8.0, -2.0, 997.0].map(|m| m / 1000.0 * G),
            1e-4,
        );
        assert_eq!(out[1].device_time, DeviceTime::PolarNs(2_000_000_000));
        assert_eq!(
            out[0].device_time,
            DeviceTime::PolarNs(2_000_000_000 - 1_000_000_000 / 52)
        );
        assert_eq!(out[0].gyr_dps, None);
    }

    #[test]
    fn vector20_acc_compressed_type1() {
        let mut b = [0u8; 21];
        hex(
            "02 65 00 00 00 00 00 00 00 81 F1 FF 14 00 F0 03 06 01 7B 0F 08",
            &mut b,
        );
        let mut out = [VendorSample::EMPTY; 4];
        assert_eq!(dec(Stream::Acc, 1.0).decode(&b, &mut out), Ok(2));
        assert_v3(
            out[0].acc_mps2.unwrap(),
            [-15.0, 20.0, 1008.0].map(|m| m / 1000.0 * G),
            1e-4,
        );
        assert_v3(
            out[1].acc_mps2.unwrap(),
            [-20.0, 17.0, 1008.0].map(|m| m / 1000.0 * G),
            1e-4,
        );
        assert_eq!(out[1].device_time, DeviceTime::PolarNs(0x65));
    }

    #[test]
    fn vector21_gyro_compressed_type0() {
        let mut b = [0u8; 20];
        hex(
            "05 FF FF FF FF FF FF FF 7F 80 EA FF 08 00 0D 00 03 01 DF 00",
            &mut b,
        );
        let mut out = [VendorSample::EMPTY; 2];
        let d = dec(Stream::Gyro, 1.0);
        assert_eq!(d.decode(&b, &mut out), Ok(2));
        assert_v3(out[0].gyr_dps.unwrap(), [-22.0, 8.0, 13.0], 1e-4);
        assert_v3(out[1].gyr_dps.unwrap(), [-23.0, 11.0, 16.0], 1e-4);
        assert_eq!(out[1].acc_mps2, None);
        // an ACC decoder refuses a GYRO frame
        assert_eq!(
            dec(Stream::Acc, 1.0).decode(&b, &mut out),
            Err(DecodeError::UnknownHeader {
                offset: 0,
                value: 5
            })
        );
    }

    /// Full 57-sample frame of sensors.md §10 vector 22 (polar-ble-sdk AccDataTest.kt
    /// "compressed data type 0" hex comment).
    const V22: &str = "02 00 94 35 77 00 00 00 00 80 71 07 F0 6A 9E 8D 0A 38 BE 5C BE BA 2F 96 B3 EE 4B E5 AD FB 42 B9 EB BE 4C FE BA 2F 92 BF EE 4B E4 B1 FB 12 B9 EC BD 3C 3E BB 2F 8F D3 DE 4B E3 B5 F7 D2 B8 ED BD 30 7E 7B 2F 8B E3 CE 8B E2 BA F7 A2 B8 EE BC 20 BE 7B 2F 88 F3 CE CB E1 BD EF 52 F8 EF BC 18 FE 3B 2F 84 03 BF CB E0 C2 EF 32 B8 F0 BB 04 4E BC 2E 81 13 AF 0B E0 C6 EF F2 F7 F1 B9 FC 7D BC 2E 7D 27 9F 4B DF CA EB C2 F7 F2 B8 EC CD 7C 2E 7B 37 8F 4B DE CE E3 92 F7 F3 B8 E0 0D FD 2D 77 4B 7F CB DD D2 DF 62 37 F5 B7 D4 4D BD 2D 74 5B 6F CB DC D7 D7 32 37 F6 B5 C8 8D 7D 2D 71 6B 4F 4B DC DC D3 F2 36 F7 B4 BC DD FD 2C 6F 7B 3F 4B DB E0 CF D2 36 F8 B2 B0 2D BE 2C 6C 8F 1F CB DA E3 C7 A2 76 F9";

    #[test]
    fn vector22_acc_compressed_type0_verity() {
        let mut b = [0u8; 256];
        let len = hex(V22, &mut b);
        let f = 2.44e-4;
        let mut out = [VendorSample::EMPTY; 64];
        assert_eq!(dec(Stream::Acc, f).decode(&b[..len], &mut out), Ok(57));
        let si = |raw: [f32; 3]| raw.map(|r| r * f * G);
        assert_v3(
            out[0].acc_mps2.unwrap(),
            si([1905.0, 27376.0, -29282.0]),
            1e-3,
        );
        assert_v3(
            out[1].acc_mps2.unwrap(),
            si([1905.0 + 190.0, 27376.0 - 105.0, -29282.0 - 85.0]),
            1e-3,
        );
        for s in &out[..57] {
            for x in s.acc_mps2.unwrap() {
                assert!(x.abs() <= 8.0 * G, "{x}"); // range ±8 g per the SDK test
            }
        }
        assert_eq!(out[56].device_time, DeviceTime::PolarNs(2_000_000_000));
        assert_eq!(
            dec(Stream::Acc, f).decode(&b[..len], &mut out[..56]),
            Err(DecodeError::OutputFull)
        );
        assert!(matches!(
            dec(Stream::Acc, f).decode(&b[..len - 1], &mut out),
            Err(DecodeError::Truncated { .. })
        ));
    }

    #[test]
    fn vector23_cp_response() {
        let r = decode_cp_response(&[0xF0, 0x01, 0x02, 0x00, 0x00, 0xFF, 0xFF, 0xFF]).unwrap();
        assert_eq!(
            (r.op, r.measurement_type, r.status, r.more),
            (1, 2, 0, false)
        );
        assert_eq!(r.params, &[0xFF, 0xFF, 0xFF]);
        assert!(decode_cp_response(&[0xF0, 0x01]).is_err());
        assert!(decode_cp_response(&[0x01, 0x02, 0x00, 0x00, 0x00]).is_err());
    }

    #[test]
    fn vector24_commands() {
        let mut c = [0u8; 17];
        let s = StartSettings {
            sample_rate_hz: 200,
            resolution_bits: 16,
            range: 8,
            channels: None,
        };
        assert_eq!(start(Stream::Acc, &s, &mut c), Ok(14));
        assert_eq!(
            &c[..14],
            &[0x02, 0x02, 0x00, 0x01, 0xC8, 0x00, 0x01, 0x01, 0x10, 0x00, 0x02, 0x01, 0x08, 0x00]
        );
        // Verity gyro 52 Hz / 16 bit / 2000 °/s [§5.4 S]
        let g = StartSettings {
            sample_rate_hz: 52,
            resolution_bits: 16,
            range: 2000,
            channels: None,
        };
        start(Stream::Gyro, &g, &mut c).unwrap();
        assert_eq!(
            &c[..14],
            &[0x02, 0x05, 0x00, 0x01, 0x34, 0x00, 0x01, 0x01, 0x10, 0x00, 0x02, 0x01, 0xD0, 0x07]
        );
        assert_eq!(
            start(
                Stream::Gyro,
                &StartSettings {
                    channels: Some(3),
                    ..g
                },
                &mut c
            ),
            Ok(17)
        );
        assert_eq!(&c[14..17], &[0x04, 0x01, 0x03]);
        assert_eq!(stop(Stream::Acc, &mut c), Ok(2));
        assert_eq!(&c[..2], &[0x03, 0x02]);
    }

    #[test]
    fn malformed_and_round_trip() {
        let d = dec(Stream::Acc, 1.0);
        let mut out = [VendorSample::EMPTY; 300];
        assert!(matches!(
            d.decode(&[0x02, 0, 0], &mut out),
            Err(DecodeError::Truncated { .. })
        ));
        let mut b = [0u8; 24];
        hex(
            "02 00 00 00 00 00 00 00 00 81 01 00 02 00 03 00 00 01",
            &mut b,
        );
        assert_eq!(
            d.decode(&b[..18], &mut out),
            Err(DecodeError::BadField { offset: 16 })
        );
        b[9] = 0x7E;
        assert_eq!(d.decode(&b[..18], &mut out), Err(DecodeError::Unsupported));
        // raw round trip, 1 mG quantisation
        let acc = [[0.1, -9.8, 3.0], [20.0, -20.0, 0.0]];
        let mut e = [0u8; 64];
        let n = encode_acc_raw(5_000_000, &acc, &mut e).unwrap();
        assert_eq!(d.decode(&e[..n], &mut out), Ok(2));
        for k in 0..2 {
            assert_v3(out[k].acc_mps2.unwrap(), acc[k], 0.0005 * G + 1e-5);
        }
        // compressed round trip, gyro, factor 0.1 °/s
        let mut gy = [[0f32; 3]; 40];
        for (k, s) in gy.iter_mut().enumerate() {
            *s = [k as f32 * 3.3, -(k as f32) * 10.0, 100.0];
        }
        let mut e = [0u8; 512];
        let n = encode_compressed(Stream::Gyro, 9, 0.1, &gy, &mut e).unwrap();
        let g = Decoder {
            stream: Stream::Gyro,
            sample_rate_hz: 100,
            factor: 0.1,
        };
        assert_eq!(g.decode(&e[..n], &mut out), Ok(40));
        for k in 0..40 {
            assert_v3(out[k].gyr_dps.unwrap(), gy[k], 0.05 + 1e-4);
        }
        assert_eq!(out[0].device_time, DeviceTime::PolarNs(0)); // saturates at 0, not wrap
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut rng = Rng(0x5EED_0004);
        let mut buf = [0u8; 120];
        let mut out = [VendorSample::EMPTY; 400];
        let mut ok = 0u32;
        let ds = [dec(Stream::Acc, 2.44e-4), dec(Stream::Gyro, 1.0)];
        for i in 0..150_000 {
            let len = rng.bytes(&mut buf, &[0x02, 0x05]).len();
            if len > 10 && i % 3 != 0 {
                // steer into the delta decoder: valid frame type, plausible delta width
                buf[9] = [0x00, 0x01, 0x80, 0x81][(rng.next() % 4) as usize];
                if len > 16 {
                    buf[16] = (rng.next() % 20) as u8;
                }
            }
            let b = &buf[..len];
            if ds[i % 2].decode(b, &mut out).is_ok() {
                ok += 1;
            }
            let _ = decode_cp_response(b);
        }
        assert!(ok > 0 && ok < 150_000);
    }
}
