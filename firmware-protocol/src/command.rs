//! Commands: host → device, one per write to the command characteristic. Envelope
//! `[0x10] [opcode] [request id] [payload] [CRC-8/SAE-J1850]`; the device answers on the
//! status characteristic with the same request id (an [`crate::status::Ack`], or the data
//! asked for).
//!
//! | opcode | command | payload |
//! |---|---|---|
//! | 0x01 | start streaming | samples per frame u8 (0 = most that fit the MTU, else 1..=19) |
//! | 0x02 | stop streaming | — |
//! | 0x03 | set rate and ranges | config byte |
//! | 0x04 | time-sync request | host time µs u64 |
//! | 0x05 | identify (blink/buzz) | duration s u8 (0 = stop) |
//! | 0x06 | battery query | — |
//! | 0x07 | status query (full report) | — |

use crate::config::StreamConfig;
use crate::data::MAX_SAMPLES;
use crate::error::{DecodeError, EncodeError};
use crate::small;

/// Longest command frame (time-sync request: 4 + 8 bytes).
pub const MAX_COMMAND_LEN: usize = small::OVERHEAD + 8;

/// What the host asks the device to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    /// Start notifying data frames with `samples_per_frame` samples each (0: the device picks
    /// the most that fit its negotiated MTU, [`crate::data::samples_for_payload`]).
    StartStreaming {
        /// 0 or 1..=19.
        samples_per_frame: u8,
    },
    /// Stop notifying data frames.
    StopStreaming,
    /// Set sample rate and full-scale ranges (takes effect at the next start, or at once with
    /// the `restart` flag on the next data frame).
    SetConfig(StreamConfig),
    /// Time-sync request: the device answers with a `TimeSync` status carrying this value
    /// back and its clock at reception and at sending of the answer.
    TimeSyncRequest {
        /// Host clock when the request was sent, µs (any epoch; echoed unchanged).
        host_time_us: u64,
    },
    /// Make the device show itself (LED blink, buzzer) so the clinician finds which sensor
    /// is which.
    Identify {
        /// How long, s (0 stops).
        duration_s: u8,
    },
    /// Ask for a `Battery` status.
    QueryBattery,
    /// Ask for a `Report` status (state, config, battery, temperature, errors).
    QueryStatus,
}

impl Command {
    /// The opcode byte.
    pub const fn opcode(&self) -> u8 {
        match self {
            Command::StartStreaming { .. } => 0x01,
            Command::StopStreaming => 0x02,
            Command::SetConfig(_) => 0x03,
            Command::TimeSyncRequest { .. } => 0x04,
            Command::Identify { .. } => 0x05,
            Command::QueryBattery => 0x06,
            Command::QueryStatus => 0x07,
        }
    }
}

/// A command with the request id the answer will carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CommandFrame {
    /// Chosen by the host, echoed in the answer (any value).
    pub request_id: u8,
    /// The command.
    pub command: Command,
}

impl CommandFrame {
    /// Write the frame into `out`; returns the length.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        let mut p = [0u8; 8];
        let n = match self.command {
            Command::StartStreaming { samples_per_frame } => {
                if samples_per_frame as usize > MAX_SAMPLES {
                    return Err(EncodeError::OutOfRange {
                        field: "samples per frame",
                        value: samples_per_frame as u16,
                    });
                }
                p[0] = samples_per_frame;
                1
            }
            Command::SetConfig(c) => {
                p[0] = c.to_byte();
                1
            }
            Command::TimeSyncRequest { host_time_us } => {
                p = host_time_us.to_le_bytes();
                8
            }
            Command::Identify { duration_s } => {
                p[0] = duration_s;
                1
            }
            Command::StopStreaming | Command::QueryBattery | Command::QueryStatus => 0,
        };
        small::encode(out, self.command.opcode(), self.request_id, &p[..n])
    }

    /// Decode one write to the command characteristic.
    ///
    /// Checks, in order: version, length limits, CRC, reserved header bits, opcode, payload
    /// length for that opcode, field values.
    pub fn decode(bytes: &[u8]) -> Result<CommandFrame, DecodeError> {
        let (op, request_id, p) = small::decode(bytes, MAX_COMMAND_LEN)?;
        let command = match op {
            0x01 => {
                small::expect_len(p, 1)?;
                if p[0] as usize > MAX_SAMPLES {
                    return Err(DecodeError::InvalidField {
                        field: "samples per frame",
                        value: p[0] as u16,
                    });
                }
                Command::StartStreaming {
                    samples_per_frame: p[0],
                }
            }
            0x02 => {
                small::expect_len(p, 0)?;
                Command::StopStreaming
            }
            0x03 => {
                small::expect_len(p, 1)?;
                Command::SetConfig(StreamConfig::from_byte(p[0])?)
            }
            0x04 => {
                small::expect_len(p, 8)?;
                let mut b = [0u8; 8];
                b.copy_from_slice(p);
                Command::TimeSyncRequest {
                    host_time_us: u64::from_le_bytes(b),
                }
            }
            0x05 => {
                small::expect_len(p, 1)?;
                Command::Identify { duration_s: p[0] }
            }
            0x06 => {
                small::expect_len(p, 0)?;
                Command::QueryBattery
            }
            0x07 => {
                small::expect_len(p, 0)?;
                Command::QueryStatus
            }
            other => return Err(DecodeError::UnknownCommand(other)),
        };
        Ok(CommandFrame {
            request_id,
            command,
        })
    }
}
