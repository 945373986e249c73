//! Pure, deterministic gait and balance analysis (sans-IO: no threads, files, clocks).
//!
//! Module map:
//! - [`dsp`]: Butterworth biquad filters (zero-phase and causal), integration, peaks, resampling
//!   and block-mean decimation.
//! - [`orientation`]: Mahony attitude filter and automatic sensor-to-body alignment.
//! - [`foot`]: foot-mounted gait (per-foot IC/FC, strides, ZUPT stride length).
//! - [`lowback`]: lower-back (L4/L5) gait event detection, side assignment, step length.
//! - [`gait`]: gait events, strides, bouts and the summary report (shared output types in
//!   [`gait::types`]); [`gait::analyze`] and [`gait::GaitAnalyzer`] are the entry points.
//!
//! Every algorithm is fed samples (`ImuSample`, m/s² and deg/s) and returns plain data.

pub mod dsp;
pub mod foot;
pub mod gait;
pub mod lowback;
pub mod orientation;

use steady_core::{ImuSample, Placement};

/// One sensor's samples as analysis input (a borrowed view; analysis never reads files).
#[derive(Debug, Clone, Copy)]
pub struct SensorInput<'a> {
    /// Where the sensor sat.
    pub placement: Placement,
    /// Samples in time order (`t` in µs from the recording start).
    pub samples: &'a [ImuSample],
    /// Nominal sampling rate in Hz.
    pub sampling_rate_hz: f64,
}

/// What analysis may know about the person (all optional; better estimates when given).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Subject {
    /// Age in years (for norms).
    pub age_years: Option<f64>,
    /// True for female, false for male, None when not recorded (for sex-specific norms).
    pub female: Option<bool>,
    /// Body height in metres.
    pub height_m: Option<f64>,
    /// Height of the lower-back sensor above the floor in metres (leg-length proxy).
    pub sensor_height_m: Option<f64>,
}
