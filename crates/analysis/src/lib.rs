//! Pure, deterministic gait and balance analysis (sans-IO: no threads, files, clocks).
//!
//! Module map:
//! - [`gait`]: gait events, strides, bouts and the summary report (shared output types in
//!   [`gait::types`]).
//!
//! Every algorithm is fed samples (`ImuSample`, m/s² and deg/s) and returns plain data.

pub mod gait;
