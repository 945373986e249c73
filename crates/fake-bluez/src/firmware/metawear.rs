//! MbientLab MetaMotion with a BMI160 (sensors.md §4): service 326a9000, command 9001
//! (write without response), notify 9006. Commands are `[module, register, …]`: module info
//! `03 80` → `03 80 01 …` (BMI160, §4.1), acc config `03 03 <odr> <range>`, data route
//! `03 04 01` (one sample per notification) or `03 1C 01` (packed, three, §4.2), interrupt
//! enable `03 02 01 00`, start `03 01 01`; gyro the same on module 0x13 with data register 5
//! and packed register 7 (§4.3); battery `11 CC` → `11 8C <pct> <mV>` (§4.4). Acc and gyro
//! stream as separate notifications (`03 04 …` / `03 1C …`, `13 05 …` / `13 07 …`) only when
//! routed, enabled and started while notifications are on. Default ODR 100 Hz (0x28).
//! Timing is the board's: all three packed samples leave together when the third is taken.

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
        motion: Motion::on_clock(index, clock),
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
    /// Routed to the packed data register (three samples per notification).
    packed: bool,
    enabled: bool,
    started: bool,
}

impl Channel {
    fn new(clock: DeviceClock) -> Self {
        Channel {
            stream: Streamer::new(100.0, clock),
            routed: false,
            packed: false,
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
            // Data routes: single-sample or packed register (BMI160: acc 4 / 0x1C, gyro 5 / 7).
            [MODULE_ACC, reg @ (0x04 | 0x1C), on] => {
                self.acc.routed = on == 1;
                self.acc.packed = reg == 0x1C;
            }
            [MODULE_GYRO, reg @ (0x05 | 0x07), on] => {
                self.gyr.routed = on == 1;
                self.gyr.packed = reg == 0x07;
            }
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
        let batch = |c: &Channel| if c.packed { 3 } else { 1 };
        let ks: Vec<u64> = self.acc.stream.due(now_s, batch(&self.acc)).collect();
        for chunk in ks.chunks(batch(&self.acc) as usize) {
            let v: Vec<[f32; 3]> = chunk
                .iter()
                .map(|&k| self.motion.at(self.acc.stream.time_s(k)).0)
                .collect();
            let mut buf = [0u8; 20];
            if let Ok(n) = metawear::encode_acc(Chip::Bmi160, self.acc_range, &v, &mut buf) {
                out.push((NOTIFY_UUID, buf[..n].to_vec()));
            }
        }
        let ks: Vec<u64> = self.gyr.stream.due(now_s, batch(&self.gyr)).collect();
        for chunk in ks.chunks(batch(&self.gyr) as usize) {
            let v: Vec<[f32; 3]> = chunk
                .iter()
                .map(|&k| self.motion.at(self.gyr.stream.time_s(k)).1)
                .collect();
            let mut buf = [0u8; 20];
            if let Ok(n) = metawear::encode_gyr(Chip::Bmi160, self.gyr_range, &v, &mut buf) {
                out.push((NOTIFY_UUID, buf[..n].to_vec()));
            }
        }
    }

    fn status(&self) -> FirmwareStatus {
        FirmwareStatus {
            gyr_runs: self.gyr.stream.runs().to_vec(),
            ..self.acc.stream.status()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_only_when_routed_enabled_and_started_and_packs_three() {
        let clock = DeviceClock {
            offset_s: 1.0,
            drift_ppm: 0.0,
        };
        let mut f = sensor([0xF1, 0, 0, 0, 0, 1], 0, clock).1;
        let mut out = Out::new();
        f.on_notify(0.0, NOTIFY_UUID, true, &mut out);
        // sensors.md §4.2: config, packed route, enable; no start yet.
        for cmd in [
            &[0x03, 0x03, 0x28, 0x0C][..],
            &[0x03, 0x1C, 0x01],
            &[0x03, 0x02, 0x01, 0x00],
        ] {
            f.on_write(0.0, COMMAND_UUID, cmd, &mut out);
        }
        f.poll(1.0, &mut out);
        assert!(out.is_empty(), "not started");
        // A start on the wrong module does not start the accelerometer.
        f.on_write(1.0, COMMAND_UUID, &[0x13, 0x01, 0x01], &mut out);
        f.poll(2.0, &mut out);
        assert!(out.is_empty());
        f.on_write(2.0, COMMAND_UUID, &[0x03, 0x01, 0x01], &mut out);
        f.poll(3.0, &mut out);
        // ~1 s at 100 Hz, three samples per 20-byte `03 1C` notification.
        assert!((32..=34).contains(&out.len()), "{}", out.len());
        assert!(out
            .iter()
            .all(|(_, b)| b.len() == 20 && b[..2] == [0x03, 0x1C]));
        // Chip and battery replies (§4.1, §4.4 / vector 17).
        out.clear();
        f.on_write(3.0, COMMAND_UUID, &[0x03, 0x80], &mut out);
        f.on_write(3.0, COMMAND_UUID, &[0x11, 0xCC], &mut out);
        assert_eq!(out[0].1[..3], [0x03, 0x80, 0x01]);
        assert_eq!(out[1].1, [0x11, 0x8C, 0x63, 0x34, 0x10]);
    }
}
