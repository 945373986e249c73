//! Balance tests, TUG, chair stand and fall-risk indicators (pure, sans-IO).
//!
//! Module map:
//! - [`norms`]: the one table of clinical cut-offs and norms with their citations.
//! - [`sway`]: postural sway metrics of a hold from a lower-back sensor (RMS, 95 % ellipse,
//!   jerk, path, velocity, dominant frequency, pelvic drop).
//! - [`sls`]: single-leg stance test — streaming lift-off / end-of-hold / touch-down detector
//!   for any sensible sensor subset, trial results, best of three per side, asymmetry, norms.
//! - [`protocol`]: the guided single-leg stance protocol as a state machine a UI drives
//!   (instructions, countdown, live timer and sway, rest, summary); no clocks, no UI.
//!
//! Everything is fed samples (`ImuSample`, m/s² and deg/s, session time) and returns plain
//! data; no threads, files or clocks.

pub mod norms;
pub mod protocol;
pub mod sls;
pub mod sway;
