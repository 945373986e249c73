//! Gait analysis: events, strides, bouts and summary metrics.

pub mod types;
