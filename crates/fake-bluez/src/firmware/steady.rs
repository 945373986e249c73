//! steady's own reference firmware (`firmware-protocol/PROTOCOL.md`): service d46d0001 with
//! data (notify), command (write, write without response) and status (notify, read)
//! characteristics. Commands are `steady_protocol::CommandFrame`s; every one is answered with
//! an `Ack` (or the data asked for) on the status characteristic. Data frames are encoded by
//! `steady_sim::SteadyFrameEncoder`; the frame sequence counts frames on the device's sample
//! clock (`first sample / samples per frame`), so frames lost while the link was down show
//! up as a sequence jump. Default 100 Hz, ±16 g, ±2000 °/s.

use steady_core::{ImuSample, Micros};
use steady_protocol::data::samples_for_payload;
use steady_protocol::gatt::{COMMAND_CHAR_UUID, DATA_CHAR_UUID, SERVICE_UUID, STATUS_CHAR_UUID};
use steady_protocol::status::{Ack, AckResult, Battery, MAX_STATUS_LEN};
use steady_protocol::{Command, CommandFrame, Status, StatusFrame, StreamConfig};
use steady_sim::transport::{FrameContent, FrameEncoder};
use steady_sim::SteadyFrameEncoder;

use super::{DeviceClock, Firmware, FirmwareStatus, Motion, Out, Streamer};
use crate::device::{base_spec, CharSpec, DeviceSpec, ServiceSpec};
use crate::value::Uuid;

/// The spec and firmware of a steady sensor.
pub fn sensor(
    address: [u8; 6],
    index: usize,
    clock: DeviceClock,
) -> (DeviceSpec, Box<dyn Firmware>) {
    let mut spec = base_spec(
        address,
        &format!("steady-{:02X}{:02X}", address[4], address[5]),
        vec![ServiceSpec {
            uuid: SERVICE_UUID,
            chars: vec![
                CharSpec::new(DATA_CHAR_UUID, &["notify"]),
                CharSpec::new(COMMAND_CHAR_UUID, &["write", "write-without-response"]),
                CharSpec::new(STATUS_CHAR_UUID, &["read", "notify"]),
            ],
        }],
    );
    spec.advertised = vec![SERVICE_UUID];
    let config = StreamConfig::default();
    let fw = Steady {
        motion: Motion::on_clock(index, clock),
        stream: Streamer::new(config.rate.hz(), clock),
        config,
        samples_per_frame: 1,
        payload_len: usize::from(spec.mtu) - 3,
    };
    (spec, Box::new(fw))
}

struct Steady {
    motion: Motion,
    stream: Streamer,
    config: StreamConfig,
    samples_per_frame: u64,
    payload_len: usize,
}

impl Steady {
    fn answer(&self, request_id: u8, status: Status, out: &mut Out) {
        let mut buf = [0u8; MAX_STATUS_LEN];
        if let Ok(n) = (StatusFrame { request_id, status }).encode(&mut buf) {
            out.push((STATUS_CHAR_UUID, buf[..n].to_vec()));
        }
    }
}

impl Firmware for Steady {
    fn on_link_down(&mut self, _now_s: f64) {
        self.stream.stop();
    }

    fn on_notify(&mut self, _now_s: f64, uuid: Uuid, enabled: bool, _out: &mut Out) {
        if uuid == DATA_CHAR_UUID && !enabled {
            self.stream.stop();
        }
    }

    fn on_write(&mut self, now_s: f64, uuid: Uuid, value: &[u8], out: &mut Out) {
        if uuid != COMMAND_CHAR_UUID {
            return;
        }
        let Ok(frame) = CommandFrame::decode(value) else {
            return; // no request id to answer
        };
        let ack = |result| {
            Status::Ack(Ack {
                opcode: frame.command.opcode(),
                result,
            })
        };
        let status = match frame.command {
            Command::StartStreaming { samples_per_frame } => {
                let spf = match samples_per_frame {
                    0 => samples_for_payload(self.payload_len).max(1),
                    n => usize::from(n),
                };
                self.samples_per_frame = spf as u64;
                self.stream.start(now_s);
                ack(AckResult::Ok)
            }
            Command::StopStreaming => {
                self.stream.stop();
                ack(AckResult::Ok)
            }
            Command::SetConfig(c) => {
                self.config = c;
                self.stream.set_rate(now_s, c.rate.hz());
                ack(AckResult::Ok)
            }
            Command::QueryBattery => Status::Battery(Battery {
                percent: 77,
                millivolts: 3_900,
                charging: false,
            }),
            Command::Identify { .. } => ack(AckResult::Ok),
            Command::TimeSyncRequest { .. } | Command::QueryStatus => {
                ack(AckResult::UnknownCommand)
            }
        };
        self.answer(frame.request_id, status, out);
    }

    fn poll(&mut self, now_s: f64, out: &mut Out) {
        let spf = self.samples_per_frame.max(1);
        let ks: Vec<u64> = self.stream.due(now_s, spf).collect();
        let mut enc = SteadyFrameEncoder::with_config(self.config);
        let interval_us = 1e6 / self.stream.rate_hz();
        for frame in ks.chunks(spf as usize) {
            let first = frame[0];
            let samples: Vec<ImuSample> = frame
                .iter()
                .map(|&k| {
                    let t = self.stream.time_s(k);
                    let (a, g) = self.motion.at(t);
                    ImuSample {
                        t: Micros::from_secs_f64(t),
                        acc_mps2: a.map(f64::from),
                        gyr_dps: g.map(f64::from),
                    }
                })
                .collect();
            let content = FrameContent {
                sensor_index: 0,
                frame_seq: first / spf,
                first_sample: first,
                device_time_us: (self.stream.time_s(first) * 1e6).round() as u64,
                device_interval_us: interval_us,
                samples: &samples,
            };
            let bytes = enc.encode(&content);
            if !bytes.is_empty() {
                out.push((DATA_CHAR_UUID, bytes));
            }
        }
    }

    fn status(&self) -> FirmwareStatus {
        self.stream.status()
    }
}
