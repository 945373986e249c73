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
/// Offered ACC ranges, g (SDK mode, §5.4).
const ACC_RANGES_G: [u16; 4] = [2, 4, 8, 16];
/// Offered GYRO ranges, °/s (the Verity settings example of §5.2: 245/500/1000/2000).
const GYR_RANGES_DPS: [u16; 4] = [245, 500, 1000, 2000];
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
        motion: Motion::on_clock(index, clock),
        acc: Pmd::new(Stream::Acc, ACC_FACTOR, clock),
        gyr: Pmd::new(Stream::Gyro, GYR_FACTOR, clock),
        data_notifying: false,
    };
    (spec, Box::new(fw))
}

/// Checks a start command's settings (`<setting type> <count> <value LE>…`, §5.2) against
/// what this sensor offers; returns the sample rate, or the PMD error status: 4 invalid
/// length, 5 invalid parameter, 7 invalid resolution, 8 invalid sample rate, 9 invalid range,
/// 11 invalid channels. The sample rate is required; the others default to the offer.
fn check_start(ty: u8, mut settings: &[u8]) -> Result<u16, u8> {
    let mut rate = None;
    while !settings.is_empty() {
        let [kind, count, rest @ ..] = settings else {
            return Err(4);
        };
        let size = match kind {
            0..=2 => 2,
            3 => 4,
            4 => 1,
            _ => return Err(5), // 5 (factor) and 6 (security) are not start parameters here
        };
        if *count != 1 {
            return Err(5);
        }
        let Some(v) = rest.get(..size) else {
            return Err(4);
        };
        let value = v.iter().rev().fold(0u32, |a, b| a << 8 | u32::from(*b));
        let ranges = if ty == 2 {
            ACC_RANGES_G
        } else {
            GYR_RANGES_DPS
        };
        match kind {
            0 if RATES_HZ.iter().any(|r| u32::from(*r) == value) => rate = Some(value as u16),
            0 => return Err(8),
            1 if value != 16 => return Err(7),
            2 if !ranges.iter().any(|r| u32::from(*r) == value) => return Err(9),
            3 => return Err(9), // milli-unit ranges are not offered
            4 if value != 3 => return Err(11),
            _ => {}
        }
        settings = &rest[size..];
    }
    rate.ok_or(8)
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
                reply.extend_from_slice(&[0x01, 0x01, 0x10, 0x00]);
                let ranges = if ty == 2 {
                    ACC_RANGES_G
                } else {
                    GYR_RANGES_DPS
                };
                reply.extend_from_slice(&[0x02, ranges.len() as u8]);
                for r in ranges {
                    reply.extend_from_slice(&r.to_le_bytes());
                }
                reply.extend_from_slice(&[0x04, 0x01, 0x03]);
            }
            0x02 => match check_start(ty, &value[2..]) {
                Err(status) => reply.extend_from_slice(&[status, 0]),
                Ok(_) if pmd.started => reply.extend_from_slice(&[6, 0]), // already in state
                Ok(rate) => {
                    pmd.samples.set_rate(now_s, f64::from(rate));
                    pmd.started = true;
                    reply.extend_from_slice(&[0, 0, 0x05, 0x01]);
                    reply.extend_from_slice(&pmd.factor.to_le_bytes());
                }
            },
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
        FirmwareStatus {
            gyr_runs: self.gyr.samples.runs().to_vec(),
            ..self.acc.samples.status()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fw() -> Box<dyn Firmware> {
        let clock = DeviceClock {
            offset_s: 1.0,
            drift_ppm: 0.0,
        };
        sensor([0xA0, 0, 0, 0, 0, 1], 0, clock).1
    }

    /// The status byte of the response to `cmd` (`F0 <op> <type> <status> …`, §5.2).
    fn status_of(fw: &mut dyn Firmware, cmd: &[u8]) -> u8 {
        let mut out = Out::new();
        fw.on_write(0.0, PMD_CONTROL_POINT_UUID, cmd, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].1[..3], [0xF0, cmd[0], cmd[1]]);
        out[0].1[3]
    }

    #[test]
    fn start_settings_are_checked_before_streaming() {
        let mut f = fw();
        let mut out = Out::new();
        f.on_notify(0.0, PMD_DATA_UUID, true, &mut out);
        // 50 Hz is not offered (8), 12-bit resolution neither (7), ±3 g neither (9),
        // 2 channels neither (11), a truncated setting is an invalid length (4).
        let bad: [(&[u8], u8); 5] = [
            (&[0x02, 0x02, 0x00, 0x01, 0x32, 0x00], 8),
            (
                &[0x02, 0x02, 0x00, 0x01, 0x34, 0x00, 0x01, 0x01, 0x0C, 0x00],
                7,
            ),
            (
                &[0x02, 0x02, 0x00, 0x01, 0x34, 0x00, 0x02, 0x01, 0x03, 0x00],
                9,
            ),
            (&[0x02, 0x02, 0x00, 0x01, 0x34, 0x00, 0x04, 0x01, 0x02], 11),
            (&[0x02, 0x02, 0x00, 0x01, 0x34], 4),
        ];
        for (cmd, want) in bad {
            assert_eq!(status_of(&mut *f, cmd), want, "{cmd:02X?}");
        }
        f.poll(2.0, &mut out);
        assert!(out.is_empty(), "nothing streams after refused starts");
        // The public H10-style ACC start, at the Verity's 52 Hz (§5.2, vector 24 layout).
        let ok = [
            0x02, 0x02, 0x00, 0x01, 0x34, 0x00, 0x01, 0x01, 0x10, 0x00, 0x02, 0x01, 0x08, 0x00,
        ];
        assert_eq!(status_of(&mut *f, &ok), 0);
        assert_eq!(status_of(&mut *f, &ok), 6, "already in state");
        f.poll(3.0, &mut out);
        // 3 s (started at 0) at 52 Hz in frames of two samples, on the data characteristic.
        assert!((77..=79).contains(&out.len()), "{}", out.len());
        assert!(out.iter().all(|(u, b)| *u == PMD_DATA_UUID && b[0] == 2));
    }
}
