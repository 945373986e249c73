//! Balance tests, TUG, chair stand and fall-risk indicators (pure, sans-IO).
//!
//! Module map:
//! - [`four_stage`]: CDC STEADI 4-stage balance test — causal foot-movement detector
//!   ([`four_stage::movement`]), offline analysis and the guided protocol state machine.
//! - [`tug`]: instrumented Timed Up and Go (phases from the lower back, gait of the walks).
//! - [`chair_stand`]: 30 s chair stand counting; [`chair_stand::trunk`] holds the earth-frame
//!   trunk kinematics shared with the TUG.
//! - [`fall_risk`]: transparent rule-based fall-risk screening indicators with the cited
//!   thresholds table.

pub mod chair_stand;
pub mod fall_risk;
pub mod four_stage;
pub mod tug;
