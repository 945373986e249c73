//! Nordic Thingy:52 (sensors.md §3): motion service EF680400 with config 0401 (9 bytes, motion
//! frequency u16 at offset 6, 5–200 Hz, default 10 Hz, §3.3) and raw data 0406 (18 bytes,
//! §3.2), produced only while raw notifications are enabled. Battery Service 0x180F.
//! Advertises "Thingy" and the configuration service EF680100.
//!
//! The accelerometer saturates at ±2 g: the MPU-9250 is left at its driver's initial range
//! and the Thingy firmware never sets it (§3.2 range caveat); the gyroscope at ±2000 °/s is
//! then limited by the Q11.5 field (±1024 °/s, clamped before packing, §3.2).

use steady_protocol::vendors::thingy::{
    self, CONFIGURATION_SERVICE_UUID, MOTION_CONFIG_UUID, MOTION_SERVICE_UUID, RAW_DATA_UUID,
    RAW_LEN,
};

use steady_protocol::vendors::STANDARD_GRAVITY_MPS2;

use super::{DeviceClock, Firmware, FirmwareStatus, Motion, Out, Streamer};
use crate::device::{base_spec, battery_service, CharSpec, DeviceSpec, ServiceSpec};
use crate::value::Uuid;

/// Device name characteristic EF680101 of the configuration service.
const NAME_UUID: Uuid = 0xef680101_9b35_4933_9b10_52ffa9740042;
/// Accelerometer full scale, m/s² (±2 g, §3.2).
pub const ACC_FULL_SCALE_MPS2: f32 = 2.0 * STANDARD_GRAVITY_MPS2;
/// Default motion config 1000/500/500 ms, 10 Hz, wake-on-motion (§3.3).
const DEFAULT_CONFIG: [u8; 9] = [0xE8, 0x03, 0xF4, 0x01, 0xF4, 0x01, 0x0A, 0x00, 0x01];

/// The spec and firmware of a Thingy:52.
pub fn sensor(
    address: [u8; 6],
    index: usize,
    clock: DeviceClock,
) -> (DeviceSpec, Box<dyn Firmware>) {
    let mut spec = base_spec(
        address,
        "Thingy",
        vec![
            ServiceSpec {
                uuid: CONFIGURATION_SERVICE_UUID,
                chars: vec![CharSpec::new(NAME_UUID, &["read", "write"]).with_value(b"Thingy")],
            },
            ServiceSpec {
                uuid: MOTION_SERVICE_UUID,
                chars: vec![
                    CharSpec::new(MOTION_CONFIG_UUID, &["read", "write"]),
                    CharSpec::new(RAW_DATA_UUID, &["notify"]),
                ],
            },
            battery_service(64),
        ],
    );
    spec.advertised = vec![CONFIGURATION_SERVICE_UUID];
    let fw = Thingy {
        motion: Motion::on_clock(index, clock),
        stream: Streamer::new(10.0, clock),
        config: DEFAULT_CONFIG,
    };
    (spec, Box::new(fw))
}

struct Thingy {
    motion: Motion,
    stream: Streamer,
    config: [u8; 9],
}

impl Firmware for Thingy {
    fn on_link_down(&mut self, _now_s: f64) {
        self.stream.stop();
    }

    fn on_notify(&mut self, now_s: f64, uuid: Uuid, enabled: bool, _out: &mut Out) {
        if uuid == RAW_DATA_UUID {
            if enabled {
                self.stream.start(now_s);
            } else {
                self.stream.stop();
            }
        }
    }

    fn on_write(&mut self, now_s: f64, uuid: Uuid, value: &[u8], _out: &mut Out) {
        if uuid != MOTION_CONFIG_UUID || value.len() != 9 {
            return;
        }
        let hz = u16::from_le_bytes([value[6], value[7]]);
        // The firmware rejects values outside its limits (§3.3).
        if (5..=200).contains(&hz) {
            self.config.copy_from_slice(value);
            self.stream.set_rate(now_s, f64::from(hz));
        }
    }

    fn on_read(&mut self, _now_s: f64, uuid: Uuid) -> Option<Vec<u8>> {
        (uuid == MOTION_CONFIG_UUID).then(|| self.config.to_vec())
    }

    fn poll(&mut self, now_s: f64, out: &mut Out) {
        for k in self.stream.due(now_s, 1) {
            let (acc, gyr) = self.motion.at(self.stream.time_s(k));
            let acc = acc.map(|a| a.clamp(-ACC_FULL_SCALE_MPS2, ACC_FULL_SCALE_MPS2));
            let mut buf = [0u8; RAW_LEN];
            if let Ok(n) = thingy::encode(acc, gyr, [20.0, 0.0, -10.0], &mut buf) {
                out.push((RAW_DATA_UUID, buf[..n].to_vec()));
            }
        }
    }

    fn status(&self) -> FirmwareStatus {
        self.stream.status()
    }
}
