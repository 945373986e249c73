//! Output types of gait analysis; their JSON form is the `steady analyze --json` schema
//! (documented in `docs/analyze-json.md`). Times are seconds from the recording's first sample.

use serde::{Deserialize, Serialize};
use steady_core::Side;

/// Kind of gait event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Initial contact (heel strike).
    InitialContact,
    /// Final contact (toe-off).
    FinalContact,
}

/// One detected gait event.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GaitEvent {
    /// Initial or final contact.
    pub kind: EventKind,
    /// The foot, when known.
    pub side: Option<Side>,
    /// Time in seconds.
    pub t_s: f64,
}

/// One stride of one foot: from an initial contact to the next initial contact of the same foot.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Stride {
    /// The foot.
    pub side: Option<Side>,
    /// Initial contact opening the stride (s).
    pub start_s: f64,
    /// Next initial contact of the same foot (s).
    pub end_s: f64,
    /// Stance time of this foot (IC to its FC), s.
    pub stance_s: Option<f64>,
    /// Swing time of this foot (FC to next IC), s.
    pub swing_s: Option<f64>,
    /// Single-support time within the stride (both feet: this foot's swing plus the other's), s.
    pub single_support_s: Option<f64>,
    /// Double-support time within the stride (both double-support phases), s.
    pub double_support_s: Option<f64>,
    /// Stride length, m.
    pub length_m: Option<f64>,
}

impl Stride {
    /// Stride duration in seconds.
    pub fn duration_s(&self) -> f64 {
        self.end_s - self.start_s
    }
}

/// One walking bout.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bout {
    /// First initial contact of the bout (s).
    pub start_s: f64,
    /// Last initial contact of the bout (s).
    pub end_s: f64,
    /// Cadence in steps per minute.
    pub cadence_spm: Option<f64>,
    /// Walking speed, m/s.
    pub speed_mps: Option<f64>,
    /// Mean stride length, m.
    pub stride_length_m: Option<f64>,
}
