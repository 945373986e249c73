//! Movella DOT (sensors.md §2): configuration service 1000 (device info 1001, device control
//! 1002 with the output rate u16 at offset 24 when visit bit 4 is set, §2.4), measurement
//! service 2000 (control 2001, long/medium/short payloads 2002/2003/2004), battery 3001.
//! Streaming starts only on `01 01 <mode>` to 2001 (§2.2); mode 0x15 rate quantities on the
//! 40-byte medium payload (u32 µs timestamp + acc + gyro f32, §2.3). Default rate 60 Hz,
//! allowed 1/4/10/12/15/20/30/60 Hz. Advertises "Movella DOT", company id 2182, D4:22:CD:… .

use steady_protocol::vendors::dot::{
    self, ALLOWED_RATES_HZ, BATTERY_UUID, COMPANY_ID, CONFIGURATION_SERVICE_UUID, CONTROL_UUID,
    DEVICE_CONTROL_UUID, LONG_PAYLOAD_UUID, MEASUREMENT_SERVICE_UUID, MEDIUM_PAYLOAD_UUID,
    MODE_RATE_QUANTITIES, SHORT_PAYLOAD_UUID,
};

use super::{DeviceClock, Firmware, FirmwareStatus, Motion, Out, Streamer};
use crate::device::{base_spec, CharSpec, DeviceSpec, ServiceSpec};
use crate::value::Uuid;

/// Device info 15171001 (read, 34 bytes; content not simulated).
const DEVICE_INFO_UUID: Uuid = 0x15171001_4947_11e9_8646_d663bd873d93;
/// Battery service 15173000.
const BATTERY_SERVICE_UUID: Uuid = 0x15173000_4947_11e9_8646_d663bd873d93;
/// Simulated battery: 85 %, not charging (§2.4, test vector 8).
const BATTERY: [u8; 2] = [0x55, 0x00];

/// The spec and firmware of a Movella DOT.
pub fn sensor(
    address: [u8; 6],
    index: usize,
    clock: DeviceClock,
) -> (DeviceSpec, Box<dyn Firmware>) {
    let mut spec = base_spec(
        address,
        "Movella DOT",
        vec![
            ServiceSpec {
                uuid: CONFIGURATION_SERVICE_UUID,
                chars: vec![
                    CharSpec::new(DEVICE_INFO_UUID, &["read"]).with_value(&[0; 34]),
                    CharSpec::new(DEVICE_CONTROL_UUID, &["read", "write"]),
                ],
            },
            ServiceSpec {
                uuid: MEASUREMENT_SERVICE_UUID,
                chars: vec![
                    CharSpec::new(CONTROL_UUID, &["read", "write"]).with_value(&[0x01, 0x00, 0x15]),
                    CharSpec::new(LONG_PAYLOAD_UUID, &["notify"]),
                    CharSpec::new(MEDIUM_PAYLOAD_UUID, &["notify"]),
                    CharSpec::new(SHORT_PAYLOAD_UUID, &["notify"]),
                ],
            },
            ServiceSpec {
                uuid: BATTERY_SERVICE_UUID,
                chars: vec![CharSpec::new(BATTERY_UUID, &["read", "notify"]).with_value(&BATTERY)],
            },
        ],
    );
    spec.address_type = "public";
    spec.manufacturer_data = vec![(COMPANY_ID, vec![0x01, 0x02])];
    let fw = Dot {
        motion: Motion::on_clock(index, clock),
        stream: Streamer::new(60.0, clock),
        mode: None,
        output_rate_hz: 60,
    };
    (spec, Box::new(fw))
}

struct Dot {
    motion: Motion,
    stream: Streamer,
    /// Measuring in this payload mode.
    mode: Option<u8>,
    output_rate_hz: u16,
}

impl Dot {
    fn device_control(&self) -> Vec<u8> {
        let mut v = vec![0u8; 32];
        v[24..26].copy_from_slice(&self.output_rate_hz.to_le_bytes());
        v
    }
}

impl Firmware for Dot {
    fn on_link_down(&mut self, _now_s: f64) {
        self.stream.stop();
        self.mode = None;
    }

    fn on_notify(&mut self, _now_s: f64, uuid: Uuid, enabled: bool, _out: &mut Out) {
        if uuid == MEDIUM_PAYLOAD_UUID && !enabled {
            self.stream.stop();
        }
    }

    fn on_write(&mut self, now_s: f64, uuid: Uuid, value: &[u8], _out: &mut Out) {
        match uuid {
            CONTROL_UUID => match *value {
                [0x01, 0x01, mode] => {
                    self.mode = Some(mode);
                    if mode == MODE_RATE_QUANTITIES {
                        self.stream.set_rate(now_s, f64::from(self.output_rate_hz));
                        self.stream.start(now_s);
                    }
                }
                [0x01, 0x00, _] => {
                    self.mode = None;
                    self.stream.stop();
                }
                _ => {}
            },
            // Output rate applies only when not measuring (§2.4).
            DEVICE_CONTROL_UUID if value.len() >= 26 && value[0] & 0x10 != 0 => {
                let hz = u16::from_le_bytes([value[24], value[25]]);
                if self.mode.is_none() && ALLOWED_RATES_HZ.contains(&hz) {
                    self.output_rate_hz = hz;
                }
            }
            _ => {}
        }
    }

    fn on_read(&mut self, _now_s: f64, uuid: Uuid) -> Option<Vec<u8>> {
        match uuid {
            DEVICE_CONTROL_UUID => Some(self.device_control()),
            CONTROL_UUID => Some(vec![
                0x01,
                u8::from(self.mode.is_some()),
                self.mode.unwrap_or(0x15),
            ]),
            _ => None,
        }
    }

    fn poll(&mut self, now_s: f64, out: &mut Out) {
        for k in self.stream.due(now_s, 1) {
            let t = self.stream.time_s(k);
            let (acc, gyr) = self.motion.at(t);
            let ts_us = (t * 1e6).round() as u64 as u32;
            let mut buf = [0u8; 40];
            if let Ok(n) = dot::encode(ts_us, acc, gyr, &mut buf) {
                out.push((MEDIUM_PAYLOAD_UUID, buf[..n].to_vec()));
            }
        }
    }

    fn status(&self) -> FirmwareStatus {
        self.stream.status()
    }
}
