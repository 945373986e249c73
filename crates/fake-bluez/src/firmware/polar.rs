//! Polar Verity Sense in SDK mode (sensors.md §5): PMD service FB005C80, control point 81
//! (read → feature bitmap; write `02 <type> <settings>` start, `03 <type>` stop, `01 <type>`
//! get settings; responses `F0 <op> <type> <status> <more> <params>` as indications, §5.2),
//! data 82 (delta-compressed frames, type 0x80, timestamp of the last sample in ns since
//! 2000-01-01, §5.3). ACC (type 2) and GYRO (type 5) at 26/52/104/208/416 Hz, each frame
//! carrying `rate / 26` samples. Battery Service 0x180F. Advertises "Polar Sense <id>" and PMD.
//!
//! The scale factors are this fake's choice [D]: ACC 2.44140625e-4 g/LSB (the Verity figure
//! of sensors.md vector 22, rounded to 1/4096 g), GYRO 2000/32768 °/s per LSB; the start
//! response carries the factor as setting type 5 (f32 LE).

use steady_protocol::vendors::polar::{
    self, Stream, PMD_CONTROL_POINT_UUID, PMD_DATA_UUID, PMD_SERVICE_UUID,
};

use super::{DeviceClock, Firmware, FirmwareStatus, Motion, Out, Streamer};
use crate::device::{base_spec, battery_service, CharSpec, DeviceSpec, ServiceSpec};
use crate::value::Uuid;

/// ACC factor, g per LSB.
pub const ACC_FACTOR: f32 = 1.0 / 4096.0;
/// GYRO factor, °/s per LSB.
pub const GYR_FACTOR: f32 = 2000.0 / 32768.0;
/// Device time zero as ns since 2000-01-01 (an arbitrary power-on in 2025).
const EPOCH_NS: u64 = 800_000_000_000_000_000;
/// SDK-mode rates, Hz (§5.4).
const RATES_HZ: [u16; 5] = [26, 52, 104, 208, 416];
/// Feature bitmap: header 0x0F, ACC (bit 2) + GYRO (bit 5), SDK mode (byte 2 bit 1) (§5.2).
const FEATURES: [u8; 3] = [0x0F, 0x24, 0x02];

/// The spec and firmware of a Verity Sense.
pub fn sensor(
    address: [u8; 6],
    index: usize,
    clock: DeviceClock,
) -> (DeviceSpec, Box<dyn Firmware>) {
    let mut spec = base_spec(
        address,
        &format!(
            "Polar Sense {:02X}{:02X}{:02X}{:02X}",
            address[2], address[3], address[4], address[5]
        ),
        vec![
            ServiceSpec {
                uuid: PMD_SERVICE_UUID,
                chars: vec![
                    CharSpec::new(PMD_CONTROL_POINT_UUID, &["read", "write", "indicate"])
                        .with_value(&FEATURES),
                    CharSpec::new(PMD_DATA_UUID, &["notify"]),
                ],
            },
            battery_service(91),
        ],
    );
    spec.advertised = vec![PMD_SERVICE_UUID];
    spec.mtu = 232;
    let fw = Polar {
        motion: Motion::new(index),
        acc: Pmd::new(Stream::Acc, ACC_FACTOR, clock),
        gyr: Pmd::new(Stream::Gyro, GYR_FACTOR, clock),
        data_notifying: false,
    };
    (spec, Box::new(fw))
}

struct Pmd {
    stream: Stream,
    factor: f32,
    started: bool,
    samples: Streamer,
}

impl Pmd {
    fn new(stream: Stream, factor: f32, clock: DeviceClock) -> Self {
        Pmd {
            stream,
            factor,
            started: false,
            samples: Streamer::new(52.0, clock),
        }
    }

    fn per_frame(&self) -> u64 {
        (self.samples.rate_hz() / 26.0).round().max(1.0) as u64
    }
}

struct Polar {
    motion: Motion,
    acc: Pmd,
    gyr: Pmd,
    data_notifying: bool,
}

impl Polar {
    fn pmd(&mut self, ty: u8) -> Option<&mut Pmd> {
        match ty {
            2 => Some(&mut self.acc),
            5 => Some(&mut self.gyr),
            _ => None,
        }
    }

    fn apply(&mut self, now_s: f64) {
        let on = self.data_notifying;
        for p in [&mut self.acc, &mut self.gyr] {
            if p.started && on {
                p.samples.start(now_s);
            } else {
                p.samples.stop();
            }
        }
    }
}

impl Firmware for Polar {
    fn on_link_down(&mut self, _now_s: f64) {
        // Online streams end with the link.
        self.data_notifying = false;
        for p in [&mut self.acc, &mut self.gyr] {
            p.started = false;
            p.samples.stop();
        }
    }

    fn on_notify(&mut self, now_s: f64, uuid: Uuid, enabled: bool, _out: &mut Out) {
        if uuid == PMD_DATA_UUID {
            self.data_notifying = enabled;
            self.apply(now_s);
        }
    }

    fn on_write(&mut self, now_s: f64, uuid: Uuid, value: &[u8], out: &mut Out) {
        if uuid != PMD_CONTROL_POINT_UUID || value.len() < 2 {
            return;
        }
        let (op, ty) = (value[0], value[1]);
        let mut reply = vec![0xF0, op, ty];
        let Some(pmd) = self.pmd(ty) else {
            reply.extend_from_slice(&[2, 0]); // invalid measurement type
            out.push((PMD_CONTROL_POINT_UUID, reply));
            return;
        };
        match op {
            0x01 => {
                // Settings offered: rates, 16 bit, ranges (ACC g / GYRO °/s), 3 channels.
                reply.extend_from_slice(&[0, 0, 0x00, RATES_HZ.len() as u8]);
                for r in RATES_HZ {
                    reply.extend_from_slice(&r.to_le_bytes());
                }
                reply.extend_from_slice(&[0x01, 0x01, 0x10, 0x00, 0x02, 0x01]);
                let range: u16 = if ty == 2 { 8 } else { 2000 };
                reply.extend_from_slice(&range.to_le_bytes());
                reply.extend_from_slice(&[0x04, 0x01, 0x03]);
            }
            0x02 => {
                let rate = match value {
                    [_, _, 0x00, 0x01, lo, hi, ..] => u16::from_le_bytes([*lo, *hi]),
                    _ => 0,
                };
                if !RATES_HZ.contains(&rate) {
                    reply.extend_from_slice(&[8, 0]); // invalid sample rate
                } else if pmd.started {
                    reply.extend_from_slice(&[6, 0]); // already in state
                } else {
                    pmd.samples.set_rate(now_s, f64::from(rate));
                    pmd.started = true;
                    reply.extend_from_slice(&[0, 0, 0x05, 0x01]);
                    reply.extend_from_slice(&pmd.factor.to_le_bytes());
                }
            }
            0x03 => {
                pmd.started = false;
                reply.extend_from_slice(&[0, 0]);
            }
            _ => reply.extend_from_slice(&[1, 0]), // invalid op code
        }
        out.push((PMD_CONTROL_POINT_UUID, reply));
        self.apply(now_s);
    }

    fn poll(&mut self, now_s: f64, out: &mut Out) {
        for p in [&mut self.acc, &mut self.gyr] {
            let n = p.per_frame();
            let due = p.samples.due(now_s, n);
            let ks: Vec<u64> = due.collect();
            for frame in ks.chunks(n as usize) {
                let values: Vec<[f32; 3]> = frame
                    .iter()
                    .map(|&k| {
                        let (a, g) = self.motion.at(p.samples.time_s(k));
                        if p.stream == Stream::Acc {
                            a
                        } else {
                            g
                        }
                    })
                    .collect();
                let last = *frame.last().unwrap_or(&0);
                let ts_ns = EPOCH_NS + (p.samples.time_s(last) * 1e9).round() as u64;
                let mut buf = [0u8; 244];
                if let Ok(len) =
                    polar::encode_compressed(p.stream, ts_ns, p.factor, &values, &mut buf)
                {
                    out.push((PMD_DATA_UUID, buf[..len].to_vec()));
                }
            }
        }
    }

    fn status(&self) -> FirmwareStatus {
        self.acc.samples.status()
    }
}
