//! Balance tests, TUG, chair stand and fall-risk indicators (pure, sans-IO).
//!
//! Module map:
//! - [`norms`]: the one table of single-leg stance cut-offs and norms with their citations.
//! - [`sway`]: postural sway metrics of a hold from a lower-back sensor (RMS, 95 % ellipse,
//!   jerk, path, velocity, dominant frequency, pelvic drop) and the ML/AP trace they measure.
//! - [`sls`]: single-leg stance test — streaming lift-off / end-of-hold / touch-down detector
//!   for any sensible sensor subset, trial results, best of three per side, asymmetry, norms.
//! - [`protocol`]: the guided single-leg stance protocol as a state machine a UI drives
//!   (instructions, countdown, live timer and sway, rest, summary); no clocks, no UI.
//! - [`four_stage`]: CDC STEADI 4-stage balance test — causal foot-movement detector
//!   ([`four_stage::movement`]), offline analysis and the guided protocol state machine.
//! - [`tug`]: instrumented Timed Up and Go (phases from the lower back, gait of the walks;
//!   the provisional current phase of a test under way).
//! - [`chair_stand`]: 30 s chair stand counting; [`chair_stand::trunk`] holds the earth-frame
//!   trunk kinematics shared with the TUG.
//! - [`fall_risk`]: transparent rule-based fall-risk screening indicators with the cited
//!   thresholds table.
//!
//! Everything is fed samples (`ImuSample`, m/s² and deg/s, session time) and returns plain
//! data; no threads, files or clocks.

pub mod chair_stand;
pub mod fall_risk;
pub mod four_stage;
pub mod norms;
pub mod protocol;
pub mod sls;
pub mod sway;
pub mod tug;
