//! Decoders, command builders and encoders for off-the-shelf BLE IMUs.
//!
//! Map: [`witmotion`] (WT901BLECL / BWT901BLECL5.0 / WT9011DCL), [`dot`] (Movella DOT,
//! rate-quantities mode), [`metawear`] (MbientLab MetaMotion, BMI160/BMI270), [`polar`]
//! (Polar Verity Sense PMD ACC/GYRO), [`thingy`] (Nordic Thingy:52 raw motion).
//! Facts and sources: `shared/research/sensors.md` (section numbers cited per byte).
//! Every decoder fills a caller slice of [`VendorSample`] and returns a typed
//! [`DecodeError`] on malformed input; nothing here allocates or panics on bad bytes.

pub mod dot;
pub mod metawear;
pub mod polar;
pub mod thingy;
pub mod witmotion;

/// Standard gravity used to convert g to m/s² (CGPM 1901, sensors.md §9).
pub const STANDARD_GRAVITY_MPS2: f32 = 9.80665;

/// Which off-the-shelf sensor family a device belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Vendor {
    /// WitMotion BLE 5.0 IMU (WT901BLECL 5.0, BWT901BLECL5.0, WT9011DCL).
    WitMotion,
    /// Movella (Xsens) DOT.
    MovellaDot,
    /// MbientLab MetaMotion / MetaWear.
    MetaWear,
    /// Polar Verity Sense (PMD service).
    PolarVeritySense,
    /// Nordic Thingy:52.
    Thingy52,
}

/// The parts of a BLE advertisement (plus any already discovered services) used for recognition.
#[derive(Debug, Clone, Copy, Default)]
pub struct Advertisement<'a> {
    /// Advertised local name, if any.
    pub local_name: Option<&'a str>,
    /// Advertised (or discovered) service UUIDs as 128-bit values.
    pub service_uuids: &'a [u128],
    /// Company identifiers found in manufacturer-specific data.
    pub manufacturer_ids: &'a [u16],
}

/// Recognise a vendor: service UUIDs first (most reliable), then company id, then name.
pub fn recognise(adv: &Advertisement<'_>) -> Option<Vendor> {
    let has = |u: u128| adv.service_uuids.contains(&u);
    if has(witmotion::SERVICE_UUID) || has(witmotion::DUAL_SERVICE_UUID) {
        return Some(Vendor::WitMotion);
    }
    if has(dot::CONFIGURATION_SERVICE_UUID) || has(dot::MEASUREMENT_SERVICE_UUID) {
        return Some(Vendor::MovellaDot);
    }
    if has(metawear::SERVICE_UUID) {
        return Some(Vendor::MetaWear);
    }
    if has(polar::PMD_SERVICE_UUID) {
        return Some(Vendor::PolarVeritySense);
    }
    if has(thingy::CONFIGURATION_SERVICE_UUID) || has(thingy::MOTION_SERVICE_UUID) {
        return Some(Vendor::Thingy52);
    }
    if adv.manufacturer_ids.contains(&dot::COMPANY_ID) {
        return Some(Vendor::MovellaDot);
    }
    let name = adv.local_name?;
    if dot::name_matches(name) {
        Some(Vendor::MovellaDot)
    } else if polar::name_matches(name) {
        Some(Vendor::PolarVeritySense)
    } else if metawear::name_matches(name) {
        Some(Vendor::MetaWear)
    } else if thingy::name_matches(name) {
        Some(Vendor::Thingy52)
    } else if witmotion::name_matches(name) {
        Some(Vendor::WitMotion)
    } else {
        None
    }
}

/// The device clock a sample carries, in the vendor's own unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceTime {
    /// No device time: timestamp on host arrival (WitMotion, Thingy:52, MetaWear default).
    None,
    /// Sensor clock in µs, wraps at 2^32 (Movella DOT).
    Micros32(u32),
    /// Nanoseconds since 2000-01-01T00:00:00Z (Polar PMD; per-sample, interpolated back
    /// from the frame timestamp, which belongs to the last sample).
    PolarNs(u64),
    /// MetaWear accounter tick counter (48/32768 s per tick).
    MetaWearTicks(u32),
}

/// One decoded inertial sample in SI units. A vendor that streams acc and gyro separately
/// (MetaWear, Polar) fills only one of the two fields per sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VendorSample {
    /// Device time or counter, as the vendor provides it.
    pub device_time: DeviceTime,
    /// Specific force in the sensor frame, m/s².
    pub acc_mps2: Option<[f32; 3]>,
    /// Angular velocity in the sensor frame, deg/s.
    pub gyr_dps: Option<[f32; 3]>,
}

impl VendorSample {
    /// A sample with no data yet, used to size caller buffers.
    pub const EMPTY: VendorSample = VendorSample {
        device_time: DeviceTime::None,
        acc_mps2: None,
        gyr_dps: None,
    };
}

/// Why a notification (or an encode request) could not be handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// Fewer bytes than the frame needs.
    Truncated {
        /// Bytes needed.
        needed: usize,
        /// Bytes present.
        got: usize,
    },
    /// A header / module / type byte this decoder does not know.
    UnknownHeader {
        /// Offset of the offending byte.
        offset: usize,
        /// Its value.
        value: u8,
    },
    /// A field value outside its allowed set (e.g. delta width 0 or > 32 bits).
    BadField {
        /// Offset of the offending byte.
        offset: usize,
    },
    /// The caller's output slice is too small.
    OutputFull,
    /// The frame is valid but this decoder does not support its type (yet).
    Unsupported,
    /// Not a data frame (e.g. a register reply); handle it with the vendor's specific API.
    NotData,
}

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            DecodeError::Truncated { needed, got } => {
                write!(
                    f,
                    "truncated notification: needed {needed} bytes, got {got}"
                )
            }
            DecodeError::UnknownHeader { offset, value } => {
                write!(f, "unknown header byte 0x{value:02X} at offset {offset}")
            }
            DecodeError::BadField { offset } => write!(f, "invalid field at offset {offset}"),
            DecodeError::OutputFull => write!(f, "output buffer too small"),
            DecodeError::Unsupported => write!(f, "unsupported frame type"),
            DecodeError::NotData => write!(f, "not a data frame"),
        }
    }
}

impl core::error::Error for DecodeError {}

/// Write `src` to the front of `out`, returning its length, or `OutputFull`.
pub(crate) fn put(out: &mut [u8], src: &[u8]) -> Result<usize, DecodeError> {
    let dst = out.get_mut(..src.len()).ok_or(DecodeError::OutputFull)?;
    dst.copy_from_slice(src);
    Ok(src.len())
}

/// Little-endian i16 at `off` (caller checked the length).
pub(crate) fn le_i16(b: &[u8], off: usize) -> i16 {
    i16::from_le_bytes([b[off], b[off + 1]])
}

/// Round to nearest and saturate to i16 (no_std: no `f32::round`).
pub(crate) fn sat_i16(x: f32) -> i16 {
    let r = if x >= 0.0 { x + 0.5 } else { x - 0.5 };
    r as i16
}

/// Round to nearest and saturate to i32.
#[allow(dead_code)]
pub(crate) fn sat_i32(x: f32) -> i32 {
    let r = if x >= 0.0 { x + 0.5 } else { x - 0.5 };
    r as i32
}

#[cfg(test)]
pub(crate) mod testutil {
    /// |a - b| <= tol, without std.
    pub fn close(a: f32, b: f32, tol: f32) -> bool {
        let d = a - b;
        (if d < 0.0 { -d } else { d }) <= tol
    }
    /// Assert each component is within tol.
    pub fn assert_v3(got: [f32; 3], want: [f32; 3], tol: f32) {
        for i in 0..3 {
            assert!(
                close(got[i], want[i], tol),
                "axis {i}: got {got:?} want {want:?}"
            );
        }
    }
    /// Hex string (spaces allowed) to bytes in a fixed buffer.
    pub fn hex(s: &str, buf: &mut [u8]) -> usize {
        let mut n = 0;
        let mut hi: Option<u8> = None;
        for c in s.bytes() {
            let v = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => continue,
            };
            match hi.take() {
                None => hi = Some(v),
                Some(h) => {
                    buf[n] = (h << 4) | v;
                    n += 1;
                }
            }
        }
        assert!(hi.is_none(), "odd hex");
        n
    }
    /// Tiny deterministic xorshift64* generator for fuzz-style tests.
    pub struct Rng(pub u64);
    impl Rng {
        pub fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        /// Fill `buf` with a random length (0..=buf.len()) of random bytes, biased so the
        /// first byte often hits a known header from `heads`.
        pub fn bytes<'a>(&mut self, buf: &'a mut [u8], heads: &[u8]) -> &'a [u8] {
            let len = (self.next() as usize) % (buf.len() + 1);
            for b in buf[..len].iter_mut() {
                *b = self.next() as u8;
            }
            if len > 0 && !heads.is_empty() && self.next() & 1 == 0 {
                buf[0] = heads[(self.next() as usize) % heads.len()];
            }
            &buf[..len]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognise_by_service_uuid() {
        let cases = [
            (witmotion::SERVICE_UUID, Vendor::WitMotion),
            (witmotion::DUAL_SERVICE_UUID, Vendor::WitMotion),
            (dot::MEASUREMENT_SERVICE_UUID, Vendor::MovellaDot),
            (metawear::SERVICE_UUID, Vendor::MetaWear),
            (polar::PMD_SERVICE_UUID, Vendor::PolarVeritySense),
            (thingy::CONFIGURATION_SERVICE_UUID, Vendor::Thingy52),
        ];
        for (uuid, want) in cases {
            let s = [uuid];
            let adv = Advertisement {
                local_name: Some("unnamed"),
                service_uuids: &s,
                manufacturer_ids: &[],
            };
            assert_eq!(recognise(&adv), Some(want));
        }
        // the SIG-base lookalike of ffe5 ("9b" tail) is NOT WitMotion (§1.1 quirk)
        let sig_ffe5 = [0x0000ffe5_0000_1000_8000_00805f9b34fb_u128];
        let adv = Advertisement {
            local_name: None,
            service_uuids: &sig_ffe5,
            manufacturer_ids: &[],
        };
        assert_eq!(recognise(&adv), None);
    }

    #[test]
    fn recognise_by_company_and_name() {
        let adv = Advertisement {
            local_name: None,
            service_uuids: &[],
            manufacturer_ids: &[2182],
        };
        assert_eq!(recognise(&adv), Some(Vendor::MovellaDot));
        let names = [
            ("WT901BLE68", Some(Vendor::WitMotion)),
            ("Movella DOT", Some(Vendor::MovellaDot)),
            ("Xsens Dot", Some(Vendor::MovellaDot)),
            ("MetaWear", Some(Vendor::MetaWear)),
            ("Polar Sense B5A0E123", Some(Vendor::PolarVeritySense)),
            ("Thingy", Some(Vendor::Thingy52)),
            ("Polar H10 1234", None),
            ("Fitbit", None),
        ];
        for (name, want) in names {
            let adv = Advertisement {
                local_name: Some(name),
                ..Default::default()
            };
            assert_eq!(recognise(&adv), want, "{name}");
        }
        assert_eq!(recognise(&Advertisement::default()), None);
    }
}
