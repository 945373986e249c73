//! steady-protocol: the wire format of steady's open sensor (reference firmware on an nRF52 or
//! ESP32 with a 6-axis IMU). `no_std`, no allocation: encoders write into a caller's
//! `&mut [u8]` and return the length; decoders return typed errors and never panic.
//! The normative spec, with byte tables and test vectors, is `PROTOCOL.md`.
//!
//! Module map:
//! - [`gatt`]: service and characteristic UUIDs (one 128-bit base of our own).
//! - [`config`]: sample rate and full-scale ranges ([`StreamConfig`], the config byte).
//! - [`data`]: data frames ([`DataFrame`], [`RawSample`], [`DataFlags`]) and the choice of
//!   samples per frame for an ATT payload.
//! - [`scale`]: raw i16 ↔ SI units (m/s², deg/s) from the full-scale ranges.
//! - [`command`]: host → device commands ([`Command`]).
//! - [`status`]: device → host status frames ([`Status`]).
//! - [`unwrap`]: host-side helpers that unwrap the 32-bit device clock and the 8-bit frame
//!   sequence into 64-bit counters ([`StreamTracker`]).
//! - [`crc`]: CRC-8/SAE-J1850 and CRC-16/IBM-3740.
//! - [`error`]: [`DecodeError`], [`EncodeError`].
//! - [`vendors`]: decoders for off-the-shelf BLE IMUs (WitMotion, Movella DOT, Nordic Thingy:52,
//!   MetaWear, Polar) into the same SI samples.
//!
//! ```
//! use steady_protocol::{DataFlags, DataFrame, RawSample, StreamConfig, StreamTracker};
//! use steady_protocol::scale::sample_to_si;
//! let s = RawSample { acc: [0, 0, 2048], gyr: [16, -16, 0] };
//! let f = DataFrame::new(DataFlags::default(), StreamConfig::default(), 42, 1_000_000, &[s])?;
//! let mut buf = [0u8; steady_protocol::data::MAX_FRAME_LEN];
//! let n = f.encode(&mut buf)?;
//! assert_eq!(n, 20); // fits the default ATT payload
//! let g = DataFrame::decode(&buf[..n])?;
//! let (acc_mps2, _gyr_dps) = sample_to_si(&g.samples()[0], g.config);
//! assert_eq!(acc_mps2[2], 9.80665);
//! let pos = StreamTracker::new().push(&g);
//! assert_eq!(pos.frame_seq, 42);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![no_std]
#![forbid(unsafe_code)]

pub mod command;
pub mod config;
pub mod crc;
pub mod data;
pub mod error;
pub mod gatt;
pub mod scale;
mod small;
pub mod status;
pub mod unwrap;
pub mod vendors;

pub use command::{Command, CommandFrame};
pub use config::{AccRange, GyrRange, SampleRate, StreamConfig};
pub use data::{DataFlags, DataFrame, RawSample};
pub use error::{DecodeError, EncodeError};
pub use status::{Status, StatusFrame};
pub use unwrap::StreamTracker;

/// Protocol version carried in the high nibble of every frame's first byte.
pub const VERSION: u8 = 1;
