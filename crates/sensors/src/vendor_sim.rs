//! Simulated sensors of every family on the wire: SI samples (e.g. from `steady-sim`) →
//! the notifications that family's sensor would send, built with the encoders of
//! `steady_protocol` (the decoders' inverses). For tests, benches and simulated BLE devices.
//! Pure; no I/O.

use steady_core::ImuSample;
use steady_protocol::vendors::{dot, metawear, polar, thingy, witmotion};
use steady_protocol::{DataFlags, DataFrame, StreamConfig};

use crate::ble::transport::Uuid128;
use crate::ble::vendor::{steady_config, Vendor, STEADY_DATA};

/// FACTOR a simulated Polar reports for ACC (g per LSB of compressed frames; the value seen on
/// a Verity Sense, sensors.md §10 vector 22).
pub const POLAR_ACC_FACTOR: f32 = 2.44e-4;
/// FACTOR a simulated Polar reports for GYRO (°/s per LSB: ±2000 °/s over 16 bits).
pub const POLAR_GYR_FACTOR: f32 = 2000.0 / 32768.0;
/// Polar device time at sample 0: ns since 2000-01-01 (≈ 2025-05).
pub const POLAR_EPOCH_NS: u64 = 800_000_000_000_000_000;

/// The PMD control-point answer to a start of `stream`: success, with its FACTOR setting.
pub fn polar_start_response(stream: polar::Stream) -> Vec<u8> {
    let f = match stream {
        polar::Stream::Acc => POLAR_ACC_FACTOR,
        polar::Stream::Gyro => POLAR_GYR_FACTOR,
    };
    let mut v = vec![0xF0, 0x02, stream.type_byte(), 0x00, 0x00, 0x05, 0x01];
    v.extend_from_slice(&f.to_le_bytes());
    v
}

/// Encodes one family's notifications.
#[derive(Debug, Clone)]
pub struct VendorEncoder {
    vendor: Vendor,
    rate_hz: f64,
    per_note: usize,
    device_offset_us: u64,
    config: StreamConfig,
}

impl VendorEncoder {
    /// An encoder for `vendor` sampling at `rate_hz` (the rate its driver configures), with
    /// the samples per notification a real sensor sends: steady 4 (MTU 247 would allow 19),
    /// WitMotion 2 (a 40-byte batched notification), MetaWear 3 (packed), Polar 4, DOT and
    /// Thingy:52 one.
    pub fn new(vendor: Vendor, rate_hz: u32) -> VendorEncoder {
        let per_note = match vendor {
            Vendor::Steady | Vendor::PolarVeritySense => 4,
            Vendor::WitMotion => 2,
            Vendor::MetaWear => 3,
            Vendor::MovellaDot | Vendor::Thingy52 => 1,
        };
        VendorEncoder {
            vendor,
            rate_hz: vendor.nominal_rate_hz(rate_hz),
            per_note,
            device_offset_us: 3_000_000_000,
            config: steady_config(rate_hz),
        }
    }

    /// Nominal rate of the encoded stream, Hz.
    pub fn rate_hz(&self) -> f64 {
        self.rate_hz
    }

    /// Samples carried by one call of [`VendorEncoder::encode`].
    pub fn samples_per_notification(&self) -> usize {
        self.per_note
    }

    /// The notifications `(characteristic, value)` carrying samples `first_k ..` (indices in
    /// the sensor's stream, for device clocks); `samples.len()` should be
    /// [`Self::samples_per_notification`] (MetaWear packs exactly 3).
    pub fn encode(&self, first_k: u64, samples: &[ImuSample]) -> Vec<(Uuid128, Vec<u8>)> {
        let f32x3 = |v: [f64; 3]| v.map(|x| x as f32);
        let dev_us =
            |k: u64| self.device_offset_us + (k as f64 * 1e6 / self.rate_hz).round() as u64;
        let mut buf = [0u8; 512];
        match self.vendor {
            Vendor::Steady => {
                let raw: Vec<_> = samples
                    .iter()
                    .map(|s| {
                        steady_protocol::scale::sample_from_si(s.acc_mps2, s.gyr_dps, self.config).0
                    })
                    .collect();
                let flags = DataFlags {
                    restart: first_k == 0,
                    ..DataFlags::default()
                };
                let seq = (first_k / self.per_note as u64) as u8;
                let f = DataFrame::new(flags, self.config, seq, dev_us(first_k) as u32, &raw);
                match f.and_then(|f| f.encode(&mut buf)) {
                    Ok(n) => vec![(STEADY_DATA, buf[..n].to_vec())],
                    Err(_) => Vec::new(),
                }
            }
            Vendor::WitMotion => {
                let mut v = Vec::new();
                for s in samples {
                    let mut f = [0u8; witmotion::FRAME_LEN];
                    if witmotion::encode_data_frame(
                        f32x3(s.acc_mps2),
                        f32x3(s.gyr_dps),
                        [0.0; 3],
                        &mut f,
                    )
                    .is_ok()
                    {
                        v.extend_from_slice(&f);
                    }
                }
                vec![(witmotion::NOTIFY_UUID, v)]
            }
            Vendor::MovellaDot => samples
                .iter()
                .enumerate()
                .filter_map(|(j, s)| {
                    let n = dot::encode(
                        dev_us(first_k + j as u64) as u32,
                        f32x3(s.acc_mps2),
                        f32x3(s.gyr_dps),
                        &mut buf,
                    )
                    .ok()?;
                    Some((dot::MEDIUM_PAYLOAD_UUID, buf[..n].to_vec()))
                })
                .collect(),
            Vendor::Thingy52 => samples
                .iter()
                .filter_map(|s| {
                    let n = thingy::encode(f32x3(s.acc_mps2), f32x3(s.gyr_dps), [0.0; 3], &mut buf)
                        .ok()?;
                    Some((thingy::RAW_DATA_UUID, buf[..n].to_vec()))
                })
                .collect(),
            Vendor::MetaWear => {
                let acc: Vec<[f32; 3]> = samples.iter().map(|s| f32x3(s.acc_mps2)).collect();
                let gyr: Vec<[f32; 3]> = samples.iter().map(|s| f32x3(s.gyr_dps)).collect();
                let chip = metawear::Chip::Bmi160;
                let mut v = Vec::new();
                if let Ok(n) = metawear::encode_acc(chip, metawear::AccRange::G16, &acc, &mut buf) {
                    v.push((metawear::NOTIFY_UUID, buf[..n].to_vec()));
                }
                if let Ok(n) =
                    metawear::encode_gyr(chip, metawear::GyrRange::Dps2000, &gyr, &mut buf)
                {
                    v.push((metawear::NOTIFY_UUID, buf[..n].to_vec()));
                }
                v
            }
            Vendor::PolarVeritySense => {
                let last = first_k + samples.len().saturating_sub(1) as u64;
                let ts = POLAR_EPOCH_NS + (last as f64 * 1e9 / self.rate_hz).round() as u64;
                let acc: Vec<[f32; 3]> = samples.iter().map(|s| f32x3(s.acc_mps2)).collect();
                let gyr: Vec<[f32; 3]> = samples.iter().map(|s| f32x3(s.gyr_dps)).collect();
                let mut v = Vec::new();
                if let Ok(n) = polar::encode_compressed(
                    polar::Stream::Acc,
                    ts,
                    POLAR_ACC_FACTOR,
                    &acc,
                    &mut buf,
                ) {
                    v.push((polar::PMD_DATA_UUID, buf[..n].to_vec()));
                }
                if let Ok(n) = polar::encode_compressed(
                    polar::Stream::Gyro,
                    ts,
                    POLAR_GYR_FACTOR,
                    &gyr,
                    &mut buf,
                ) {
                    v.push((polar::PMD_DATA_UUID, buf[..n].to_vec()));
                }
                v
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::{Driver, NoteKind};
    use steady_core::Micros;

    #[test]
    fn every_family_round_trips_through_its_driver() {
        let s = ImuSample {
            t: Micros(0),
            acc_mps2: [1.25, -9.5, 3.0],
            gyr_dps: [120.0, -45.5, 7.25],
        };
        for v in Vendor::ALL {
            let e = VendorEncoder::new(v, 100);
            let mut d = Driver::new(v, 100);
            if v == Vendor::MetaWear {
                let mut none = Vec::new();
                d.on_notification(metawear::NOTIFY_UUID, &[0x03, 0x80, 0x01, 0x00], &mut none);
            }
            if v == Vendor::PolarVeritySense {
                let mut none = Vec::new();
                for st in [polar::Stream::Acc, polar::Stream::Gyro] {
                    d.on_notification(
                        polar::PMD_CONTROL_POINT_UUID,
                        &polar_start_response(st),
                        &mut none,
                    );
                }
            }
            let block = vec![s; e.samples_per_notification()];
            let mut out = Vec::new();
            for (u, b) in e.encode(0, &block) {
                assert_eq!(d.on_notification(u, &b, &mut out), NoteKind::Data, "{v:?}");
            }
            assert_eq!(out.len(), block.len(), "{v:?}");
            for o in &out {
                let near = |a: [f64; 3], b: [f64; 3], tol: f64| {
                    a.iter().zip(b).all(|(x, y)| (x - y).abs() < tol)
                };
                assert!(near(o.acc_mps2, s.acc_mps2, 0.02), "{v:?} {o:?}");
                assert!(near(o.gyr_dps, s.gyr_dps, 0.1), "{v:?} {o:?}");
            }
        }
    }
}
