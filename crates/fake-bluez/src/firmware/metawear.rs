//! MbientLab MetaMotion with a BMI160 (sensors.md §4): service 326a9000, command 9001
//! (write without response), notify 9006. Commands are `[module, register, …]`: module info
//! `03 80` → `03 80 01 …` (BMI160), acc config `03 03 <odr> <range>`, data route `03 04 01`,
//! interrupt enable `03 02 01 00`, start `03 01 01`; gyro the same on module 0x13 with data
//! register 5; battery `11 CC` → `11 8C <pct> <mV>`. Acc and gyro stream as separate single-
//! sample notifications (`03 04 …`, `13 05 …`) only when configured, routed, enabled and
//! started. Default ODR 100 Hz (0x28).

use steady_protocol::vendors::metawear::{
    self, AccRange, Chip, GyrRange, COMMAND_UUID, MODULE_ACC, MODULE_GYRO, MODULE_SETTINGS,
    NOTIFY_UUID, SERVICE_UUID,
};

use super::{DeviceClock, Firmware, FirmwareStatus, Motion, Out, Streamer};
use crate::device::{base_spec, CharSpec, DeviceSpec, ServiceSpec};
use crate::value::Uuid;

/// The spec and firmware of a MetaMotionR.
pub fn sensor(
    address: [u8; 6],
    index: usize,
    clock: DeviceClock,
) -> (DeviceSpec, Box<dyn Firmware>) {
    let mut spec = base_spec(
        address,
        "MetaWear",
        vec![ServiceSpec {
            uuid: SERVICE_UUID,
            chars: vec![
                CharSpec::new(COMMAND_UUID, &["write-without-response", "write"]),
                CharSpec::new(NOTIFY_UUID, &["notify"]),
            ],
        }],
    );
    spec.advertised = vec![SERVICE_UUID];
    let fw = MetaWear {
        motion: Motion::new(index),
        acc: Channel::new(clock),
        gyr: Channel::new(clock),
        acc_range: AccRange::G16,
        gyr_range: GyrRange::Dps2000,
        notifying: false,
    };
    (spec, Box::new(fw))
}

/// One sensor of the board (acc or gyro) and its four switches.
struct Channel {
    stream: Streamer,
    routed: bool,
    enabled: bool,
    started: bool,
}

impl Channel {
    fn new(clock: DeviceClock) -> Self {
        Channel {
            stream: Streamer::new(100.0, clock),
            routed: false,
            enabled: false,
            started: false,
        }
    }

    fn update(&mut self, now_s: f64, notifying: bool) {
        if self.routed && self.enabled && self.started && notifying {
            self.stream.start(now_s);
        } else {
            self.stream.stop();
        }
    }
}

/// BMI160 ODR byte 0x20 | n: 0x25 12.5 Hz … 0x28 100 Hz, 0x29 200 Hz … (§4.2).
fn odr_hz(byte: u8) -> Option<f64> {
    match byte {
        0x25..=0x2C => Some(100.0 * 2f64.powi(i32::from(byte) - 0x28)),
        _ => None,
    }
}

struct MetaWear {
    motion: Motion,
    acc: Channel,
    gyr: Channel,
    acc_range: AccRange,
    gyr_range: GyrRange,
    notifying: bool,
}

impl MetaWear {
    fn apply(&mut self, now_s: f64) {
        self.acc.update(now_s, self.notifying);
        self.gyr.update(now_s, self.notifying);
    }
}

impl Firmware for MetaWear {
    fn on_link_down(&mut self, _now_s: f64) {
        // The board keeps its configuration and routes (§4.4 quirk) but the link is gone.
        self.notifying = false;
        self.acc.stream.stop();
        self.gyr.stream.stop();
    }

    fn on_notify(&mut self, now_s: f64, uuid: Uuid, enabled: bool, _out: &mut Out) {
        if uuid == NOTIFY_UUID {
            self.notifying = enabled;
            self.apply(now_s);
        }
    }

    fn on_write(&mut self, now_s: f64, uuid: Uuid, value: &[u8], out: &mut Out) {
        if uuid != COMMAND_UUID {
            return;
        }
        match *value {
            [MODULE_ACC, 0x80] => out.push((NOTIFY_UUID, vec![MODULE_ACC, 0x80, 0x01, 0x03])),
            [MODULE_SETTINGS, 0xCC] => {
                out.push((NOTIFY_UUID, vec![MODULE_SETTINGS, 0x8C, 0x63, 0x34, 0x10]))
            }
            [MODULE_ACC, 0x03, odr, range] => {
                if let Some(hz) = odr_hz(odr) {
                    self.acc.stream.set_rate(now_s, hz);
                }
                self.acc_range = match range {
                    0x03 => AccRange::G2,
                    0x05 => AccRange::G4,
                    0x08 => AccRange::G8,
                    _ => AccRange::G16,
                };
            }
            [MODULE_GYRO, 0x03, odr, range] => {
                if let Some(hz) = odr_hz(odr) {
                    self.gyr.stream.set_rate(now_s, hz);
                }
                self.gyr_range = match range {
                    1 => GyrRange::Dps1000,
                    2 => GyrRange::Dps500,
                    3 => GyrRange::Dps250,
                    4 => GyrRange::Dps125,
                    _ => GyrRange::Dps2000,
                };
            }
            [MODULE_ACC, 0x04, on] => self.acc.routed = on == 1,
            [MODULE_GYRO, 0x05, on] => self.gyr.routed = on == 1,
            [MODULE_ACC, 0x02, 0x01, 0x00] => self.acc.enabled = true,
            [MODULE_ACC, 0x02, 0x00, 0x01] => self.acc.enabled = false,
            [MODULE_GYRO, 0x02, 0x01, 0x00] => self.gyr.enabled = true,
            [MODULE_GYRO, 0x02, 0x00, 0x01] => self.gyr.enabled = false,
            [MODULE_ACC, 0x01, on] => self.acc.started = on == 1,
            [MODULE_GYRO, 0x01, on] => self.gyr.started = on == 1,
            _ => {}
        }
        self.apply(now_s);
    }

    fn poll(&mut self, now_s: f64, out: &mut Out) {
        for k in self.acc.stream.due(now_s, 1) {
            let (acc, _) = self.motion.at(self.acc.stream.time_s(k));
            let mut buf = [0u8; 20];
            if let Ok(n) = metawear::encode_acc(Chip::Bmi160, self.acc_range, &[acc], &mut buf) {
                out.push((NOTIFY_UUID, buf[..n].to_vec()));
            }
        }
        for k in self.gyr.stream.due(now_s, 1) {
            let (_, gyr) = self.motion.at(self.gyr.stream.time_s(k));
            let mut buf = [0u8; 20];
            if let Ok(n) = metawear::encode_gyr(Chip::Bmi160, self.gyr_range, &[gyr], &mut buf) {
                out.push((NOTIFY_UUID, buf[..n].to_vec()));
            }
        }
    }

    fn status(&self) -> FirmwareStatus {
        self.acc.stream.status()
    }
}
