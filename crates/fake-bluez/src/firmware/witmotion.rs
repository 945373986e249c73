//! WitMotion BLE 5.0 (sensors.md §1): streams `55 61` frames on ffe4 as soon as notifications
//! are enabled (no start command, §1.1), one 20-byte frame per notification at MTU 23;
//! `FF AA <reg> <lo> <hi>` writes on ffe9 (§1.4): unlock `69 88 B5` (valid ~10 s), rate
//! register 0x03 (accepted only while unlocked), save, register read `27 <reg>` answered
//! with a `55 71` frame (§1.3). Factory rate 10 Hz (code 0x06).

use steady_protocol::vendors::witmotion::{
    self as wit, Rate, NOTIFY_UUID, REG_BATTERY, REG_RATE, SERVICE_UUID, WRITE_UUID,
};

use super::{DeviceClock, Firmware, FirmwareStatus, Motion, Out, Streamer};
use crate::device::{base_spec, CharSpec, DeviceSpec, ServiceSpec};
use crate::value::Uuid;

/// How long an unlock lasts, s (§1.4: "valid ~10 s").
const UNLOCK_S: f64 = 10.0;
/// Simulated battery voltage, 0.01 V (3.90 V ≈ 75–90 % on the vendor table, §1.3).
const BATTERY_CENTI_V: i16 = 390;

/// The spec and firmware of a WT901BLECL 5.0.
pub fn sensor(
    address: [u8; 6],
    index: usize,
    clock: DeviceClock,
) -> (DeviceSpec, Box<dyn Firmware>) {
    let mut spec = base_spec(
        address,
        &format!("WT901BLE{:02X}", address[5]),
        vec![ServiceSpec {
            uuid: SERVICE_UUID,
            chars: vec![
                CharSpec::new(NOTIFY_UUID, &["notify"]),
                CharSpec::new(WRITE_UUID, &["write-without-response", "write"]),
            ],
        }],
    );
    spec.advertised = vec![SERVICE_UUID];
    let fw = WitMotion {
        motion: Motion::on_clock(index, clock),
        stream: Streamer::new(Rate::Hz10.hz() as f64, clock),
        rate_code: Rate::Hz10.code(),
        unlocked_until_s: f64::NEG_INFINITY,
    };
    (spec, Box::new(fw))
}

struct WitMotion {
    motion: Motion,
    stream: Streamer,
    rate_code: u8,
    unlocked_until_s: f64,
}

fn rate_hz(code: u8) -> Option<f64> {
    // The official SDK codes (§1.4); 0x0A also taken as 200 Hz (the conflicting third-party table).
    match code {
        0x0A => Some(200.0),
        c => Rate::from_code(c).map(|r| r.hz() as f64),
    }
}

impl Firmware for WitMotion {
    fn on_link_down(&mut self, _now_s: f64) {
        self.stream.stop();
        // Unsaved settings survive a reconnect but not a power cycle; nothing to model here.
    }

    fn on_notify(&mut self, now_s: f64, uuid: Uuid, enabled: bool, _out: &mut Out) {
        if uuid == NOTIFY_UUID {
            if enabled {
                self.stream.start(now_s);
            } else {
                self.stream.stop();
            }
        }
    }

    fn on_write(&mut self, now_s: f64, uuid: Uuid, value: &[u8], out: &mut Out) {
        if uuid != WRITE_UUID {
            return;
        }
        let [0xFF, 0xAA, reg, lo, hi] = *value else {
            return; // the module ignores anything that is not a 5-byte command
        };
        match (reg, lo, hi) {
            (0x69, 0x88, 0xB5) => self.unlocked_until_s = now_s + UNLOCK_S,
            (0x00, 0x00, 0x00) => {} // save: settings already live
            (REG_RATE, code, 0x00) if now_s <= self.unlocked_until_s => {
                if let Some(hz) = rate_hz(code) {
                    self.rate_code = code;
                    self.stream.set_rate(now_s, hz);
                }
            }
            (0x27, reg, 0x00) => {
                let mut values = [0i16; 8];
                match reg {
                    REG_BATTERY => values[0] = BATTERY_CENTI_V,
                    REG_RATE => values[0] = i16::from(self.rate_code),
                    _ => {}
                }
                let mut buf = [0u8; wit::FRAME_LEN];
                if let Ok(n) = wit::encode_register_frame(u16::from(reg), values, &mut buf) {
                    if self.stream.running() {
                        out.push((NOTIFY_UUID, buf[..n].to_vec()));
                    }
                }
            }
            _ => {}
        }
    }

    fn poll(&mut self, now_s: f64, out: &mut Out) {
        for k in self.stream.due(now_s, 1) {
            let (acc, gyr) = self.motion.at(self.stream.time_s(k));
            let mut buf = [0u8; wit::FRAME_LEN];
            if let Ok(n) = wit::encode_data_frame(acc, gyr, [0.0; 3], &mut buf) {
                out.push((NOTIFY_UUID, buf[..n].to_vec()));
            }
        }
    }

    fn status(&self) -> FirmwareStatus {
        self.stream.status()
    }
}
