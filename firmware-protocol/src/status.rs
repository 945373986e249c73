//! Status frames: device → host on the status characteristic (notify; a read returns the
//! latest `Report`). Envelope `[0x10] [kind] [request id] [payload] [CRC-8/SAE-J1850]`; the
//! request id echoes the command answered, 0 for unsolicited frames.
//!
//! | kind | status | payload |
//! |---|---|---|
//! | 0x01 | battery | percent u8 (0..=100, 0xFF unknown), millivolts u16, charging u8 (0/1) |
//! | 0x02 | temperature | IMU die temperature, 0.01 °C, i16 (`i16::MIN` unknown) |
//! | 0x03 | errors | [`ErrorFlags`] u16 |
//! | 0x04 | time-sync response | host time µs u64 (echo), device rx µs u32, device tx µs u32 |
//! | 0x05 | acknowledgement | opcode u8, [`AckResult`] u8 |
//! | 0x06 | report | state u8 (bit 0 streaming), config u8, samples per frame u8, battery percent u8, temperature i16, errors u16 |

use crate::config::StreamConfig;
use crate::data::MAX_SAMPLES;
use crate::error::{DecodeError, EncodeError};
use crate::small;

/// Longest status frame (time-sync response: 4 + 16 = 20 bytes, the default ATT payload).
pub const MAX_STATUS_LEN: usize = small::OVERHEAD + 16;
/// Battery percent meaning "not measured".
pub const BATTERY_UNKNOWN: u8 = 0xFF;
/// Temperature meaning "not measured".
pub const TEMPERATURE_UNKNOWN: i16 = i16::MIN;

/// Device fault and warning bits (bits 8..15 reserved, must be 0 in version 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ErrorFlags(u16);

impl ErrorFlags {
    /// Bit 0: IMU not responding or self-test failed.
    pub const IMU_FAULT: u16 = 1 << 0;
    /// Bit 1: IMU FIFO overran, samples lost on the device (since the last report).
    pub const FIFO_OVERRUN: u16 = 1 << 1;
    /// Bit 2: notification queue full, frames dropped before the radio.
    pub const TX_OVERFLOW: u16 = 1 << 2;
    /// Bit 3: battery low (below ~10 %).
    pub const LOW_BATTERY: u16 = 1 << 3;
    /// Bit 4: temperature outside the IMU's operating range.
    pub const OVER_TEMPERATURE: u16 = 1 << 4;
    /// Bit 5: the device clock restarted (reboot) since the last report.
    pub const CLOCK_RESET: u16 = 1 << 5;
    /// Bit 6: the last `SetConfig` is not supported by this IMU (the old config stays).
    pub const CONFIG_REJECTED: u16 = 1 << 6;
    /// Bit 7: the last reset was a brown-out.
    pub const BROWNOUT: u16 = 1 << 7;
    /// All defined bits.
    pub const DEFINED: u16 = 0x00FF;

    /// Flags from bits; `None` if a reserved bit is set.
    pub const fn from_bits(bits: u16) -> Option<ErrorFlags> {
        if bits & !Self::DEFINED != 0 {
            None
        } else {
            Some(ErrorFlags(bits))
        }
    }

    /// The bits.
    pub const fn bits(self) -> u16 {
        self.0
    }

    /// Whether every bit of `mask` is set.
    pub const fn contains(self, mask: u16) -> bool {
        self.0 & mask == mask
    }
}

/// Battery state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Battery {
    /// Charge, percent (0..=100), or [`BATTERY_UNKNOWN`].
    pub percent: u8,
    /// Cell voltage, mV (0 if not measured).
    pub millivolts: u16,
    /// On the charger.
    pub charging: bool,
}

/// Answer to a time-sync request (NTP-style: with the host's send and receive times it gives
/// the round trip and the device-clock offset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeSyncResponse {
    /// The request's host time, echoed, µs.
    pub host_time_us: u64,
    /// Device clock when the request arrived, µs mod 2³² (same clock as data frames).
    pub device_rx_us: u32,
    /// Device clock when this answer was queued, µs mod 2³².
    pub device_tx_us: u32,
}

/// Outcome of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum AckResult {
    /// Done.
    Ok = 0,
    /// Opcode not known to this firmware.
    UnknownCommand = 1,
    /// Payload invalid or unsupported (e.g. a rate this IMU cannot do).
    InvalidArgument = 2,
    /// Not possible now (e.g. already streaming).
    Busy = 3,
    /// Tried and failed (e.g. the IMU did not answer).
    Failed = 4,
}

impl AckResult {
    const ALL: [AckResult; 5] = [
        AckResult::Ok,
        AckResult::UnknownCommand,
        AckResult::InvalidArgument,
        AckResult::Busy,
        AckResult::Failed,
    ];
}

/// Acknowledgement of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ack {
    /// Opcode of the command answered.
    pub opcode: u8,
    /// Its outcome.
    pub result: AckResult,
}

/// Snapshot of the device (answer to `QueryStatus`, value of a read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Report {
    /// Data frames are being notified.
    pub streaming: bool,
    /// Current rate and ranges.
    pub config: StreamConfig,
    /// Samples per data frame (1..=19).
    pub samples_per_frame: u8,
    /// Battery charge percent or [`BATTERY_UNKNOWN`].
    pub battery_percent: u8,
    /// IMU temperature, 0.01 °C, or [`TEMPERATURE_UNKNOWN`].
    pub temperature_centi_c: i16,
    /// Faults and warnings.
    pub errors: ErrorFlags,
}

/// What the device reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Battery state (answer to `QueryBattery`, or unsolicited when it changes).
    Battery(Battery),
    /// IMU die temperature, 0.01 °C, or [`TEMPERATURE_UNKNOWN`].
    Temperature {
        /// 0.01 °C.
        centi_c: i16,
    },
    /// Faults and warnings (unsolicited when one appears).
    Errors(ErrorFlags),
    /// Answer to `TimeSyncRequest`.
    TimeSync(TimeSyncResponse),
    /// Outcome of a command that returns nothing else.
    Ack(Ack),
    /// Full snapshot.
    Report(Report),
}

impl Status {
    /// The kind byte.
    pub const fn kind(&self) -> u8 {
        match self {
            Status::Battery(_) => 0x01,
            Status::Temperature { .. } => 0x02,
            Status::Errors(_) => 0x03,
            Status::TimeSync(_) => 0x04,
            Status::Ack(_) => 0x05,
            Status::Report(_) => 0x06,
        }
    }
}

/// A status with the request id it answers (0: unsolicited).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusFrame {
    /// Request id of the command answered, 0 if unsolicited.
    pub request_id: u8,
    /// The status.
    pub status: Status,
}

fn check_percent(p: u8) -> Result<(), EncodeError> {
    if p <= 100 || p == BATTERY_UNKNOWN {
        Ok(())
    } else {
        Err(EncodeError::OutOfRange {
            field: "battery percent",
            value: p as u16,
        })
    }
}

fn parse_percent(p: u8) -> Result<u8, DecodeError> {
    if p <= 100 || p == BATTERY_UNKNOWN {
        Ok(p)
    } else {
        Err(DecodeError::InvalidField {
            field: "battery percent",
            value: p as u16,
        })
    }
}

fn parse_errors(bits: u16) -> Result<ErrorFlags, DecodeError> {
    ErrorFlags::from_bits(bits).ok_or(DecodeError::ReservedBits {
        field: "error flags",
    })
}

fn le16(p: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([p[i], p[i + 1]])
}

fn le32(p: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([p[i], p[i + 1], p[i + 2], p[i + 3]])
}

impl StatusFrame {
    /// Write the frame into `out`; returns the length.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        let mut p = [0u8; 16];
        let n = match self.status {
            Status::Battery(b) => {
                check_percent(b.percent)?;
                p[0] = b.percent;
                p[1..3].copy_from_slice(&b.millivolts.to_le_bytes());
                p[3] = b.charging as u8;
                4
            }
            Status::Temperature { centi_c } => {
                p[..2].copy_from_slice(&centi_c.to_le_bytes());
                2
            }
            Status::Errors(e) => {
                p[..2].copy_from_slice(&e.bits().to_le_bytes());
                2
            }
            Status::TimeSync(t) => {
                p[..8].copy_from_slice(&t.host_time_us.to_le_bytes());
                p[8..12].copy_from_slice(&t.device_rx_us.to_le_bytes());
                p[12..16].copy_from_slice(&t.device_tx_us.to_le_bytes());
                16
            }
            Status::Ack(a) => {
                p[0] = a.opcode;
                p[1] = a.result as u8;
                2
            }
            Status::Report(r) => {
                check_percent(r.battery_percent)?;
                if r.samples_per_frame == 0 || r.samples_per_frame as usize > MAX_SAMPLES {
                    return Err(EncodeError::OutOfRange {
                        field: "samples per frame",
                        value: r.samples_per_frame as u16,
                    });
                }
                p[0] = r.streaming as u8;
                p[1] = r.config.to_byte();
                p[2] = r.samples_per_frame;
                p[3] = r.battery_percent;
                p[4..6].copy_from_slice(&r.temperature_centi_c.to_le_bytes());
                p[6..8].copy_from_slice(&r.errors.bits().to_le_bytes());
                8
            }
        };
        small::encode(out, self.status.kind(), self.request_id, &p[..n])
    }

    /// Decode one notification (or read) of the status characteristic.
    ///
    /// Checks, in order: version, length limits, CRC, reserved header bits, kind, payload
    /// length for that kind, field values.
    pub fn decode(bytes: &[u8]) -> Result<StatusFrame, DecodeError> {
        let (kind, request_id, p) = small::decode(bytes, MAX_STATUS_LEN)?;
        let status = match kind {
            0x01 => {
                small::expect_len(p, 4)?;
                let charging = match p[3] {
                    0 => false,
                    1 => true,
                    v => {
                        return Err(DecodeError::InvalidField {
                            field: "charging",
                            value: v as u16,
                        })
                    }
                };
                Status::Battery(Battery {
                    percent: parse_percent(p[0])?,
                    millivolts: le16(p, 1),
                    charging,
                })
            }
            0x02 => {
                small::expect_len(p, 2)?;
                Status::Temperature {
                    centi_c: le16(p, 0) as i16,
                }
            }
            0x03 => {
                small::expect_len(p, 2)?;
                Status::Errors(parse_errors(le16(p, 0))?)
            }
            0x04 => {
                small::expect_len(p, 16)?;
                let mut h = [0u8; 8];
                h.copy_from_slice(&p[..8]);
                Status::TimeSync(TimeSyncResponse {
                    host_time_us: u64::from_le_bytes(h),
                    device_rx_us: le32(p, 8),
                    device_tx_us: le32(p, 12),
                })
            }
            0x05 => {
                small::expect_len(p, 2)?;
                let result =
                    *AckResult::ALL
                        .get(p[1] as usize)
                        .ok_or(DecodeError::InvalidField {
                            field: "ack result",
                            value: p[1] as u16,
                        })?;
                Status::Ack(Ack {
                    opcode: p[0],
                    result,
                })
            }
            0x06 => {
                small::expect_len(p, 8)?;
                if p[0] & !1 != 0 {
                    return Err(DecodeError::ReservedBits {
                        field: "report state",
                    });
                }
                if p[2] == 0 || p[2] as usize > MAX_SAMPLES {
                    return Err(DecodeError::InvalidField {
                        field: "samples per frame",
                        value: p[2] as u16,
                    });
                }
                Status::Report(Report {
                    streaming: p[0] & 1 != 0,
                    config: StreamConfig::from_byte(p[1])?,
                    samples_per_frame: p[2],
                    battery_percent: parse_percent(p[3])?,
                    temperature_centi_c: le16(p, 4) as i16,
                    errors: parse_errors(le16(p, 6))?,
                })
            }
            other => return Err(DecodeError::UnknownStatus(other)),
        };
        Ok(StatusFrame { request_id, status })
    }
}
