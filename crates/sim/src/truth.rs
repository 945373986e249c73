//! Ground truth of a simulation: exactly what the scenario scripted, independent of the signals.
//! All times are seconds on the scenario timeline (t = 0 is the first sample).

use serde::Serialize;
use steady_core::Side;

use crate::scenario::BalanceStage;

/// Kind of gait event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Initial contact (heel strike / touch-down).
    InitialContact,
    /// Final contact (toe-off / lift-off).
    FinalContact,
}

/// One gait event.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GaitEvent {
    /// Initial or final contact.
    pub kind: EventKind,
    /// Foot.
    pub side: Side,
    /// Time, s.
    pub t_s: f64,
}

/// True parameters of one stride (IC to next IC of the same foot).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StrideTruth {
    /// Foot.
    pub side: Side,
    /// Initial contact opening the stride, s.
    pub start_s: f64,
    /// Final contact of this foot, s.
    pub fc_s: f64,
    /// Next initial contact of this foot, s.
    pub end_s: f64,
    /// Stance time, s.
    pub stance_s: f64,
    /// Swing time, s.
    pub swing_s: f64,
    /// Single support of this foot (other foot in swing), s.
    pub single_support_s: f64,
    /// Double support within this stride (both phases), s.
    pub double_support_s: f64,
    /// Horizontal heel displacement between the two footprints, m.
    pub length_m: f64,
    /// False for the first/last (initiation and closing) strides of a bout.
    pub steady: bool,
}

/// One walking bout.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BoutTruth {
    /// First initial contact, s.
    pub start_s: f64,
    /// Last initial contact, s.
    pub end_s: f64,
    /// Configured cadence, steps/min.
    pub cadence_spm: f64,
    /// Configured straight-walking speed, m/s.
    pub speed_mps: f64,
}

/// How a balance trial ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrialEnd {
    /// The free foot touched down before the time limit.
    TouchDown,
    /// Loss of balance with a hop/step of the stance leg.
    Hop,
    /// Held until the time limit.
    TimeLimit,
}

/// One single-leg stance trial (or the single-leg stage of a 4-stage test).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BalanceTrialTruth {
    /// Leg on the ground.
    pub stance: Side,
    /// Free foot leaves the ground, s.
    pub lift_off_s: f64,
    /// Free foot back on the ground, s.
    pub touch_down_s: f64,
    /// The balance effort ends, s: the free foot starts down, the stance foot hops, or the
    /// time limit.
    pub balance_end_s: f64,
    /// Seconds held, capped at the time limit: touch-down − lift-off, or the hop's onset −
    /// lift-off (the clinical stopwatch's stop rules).
    pub held_s: f64,
    /// How it ended.
    pub end: TrialEnd,
}

/// One stage of a 4-stage balance test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StageTruth {
    /// Which stage.
    pub stage: BalanceStage,
    /// Position reached, timing starts, s.
    pub start_s: f64,
    /// Stage over (time limit or step out), s.
    pub end_s: f64,
    /// Whether the stage was held for the full time.
    pub passed: bool,
}

/// One repetition (or failed attempt) in a chair stand test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ChairRepTruth {
    /// Rise starts (trunk flexion), s.
    pub rise_start_s: f64,
    /// Fully standing, s (for a failed rise: back on the seat).
    pub standing_s: f64,
    /// Seated again, s.
    pub seated_s: f64,
    /// Counts toward the score (full stand within the test time).
    pub counted: bool,
}

/// A 30 s chair stand test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChairStandTruth {
    /// Test start ("go"), s.
    pub start_s: f64,
    /// Test end (start + duration), s.
    pub end_s: f64,
    /// Completed repetitions (the score).
    pub completed: u32,
    /// Every attempt, including failed half-rises.
    pub reps: Vec<ChairRepTruth>,
}

/// Phase boundaries of a Timed Up and Go, s.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TugTruth {
    /// "Go": rise starts.
    pub start_s: f64,
    /// Upright, first step.
    pub stand_end_s: f64,
    /// Turn at the line starts.
    pub turn1_start_s: f64,
    /// Turn at the line ends.
    pub turn1_end_s: f64,
    /// Turn in front of the chair starts.
    pub turn2_start_s: f64,
    /// Turn in front of the chair ends, sitting down starts.
    pub sit_start_s: f64,
    /// Seated: the TUG time ends.
    pub end_s: f64,
}

/// Where each activity of the scenario lies on the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SegmentTruth {
    /// Index into `Scenario::activities`.
    pub index: usize,
    /// Activity kind (`stand`, `walk`, `single_leg_stance`, `four_stage`, `chair_stand`, `tug`).
    pub kind: &'static str,
    /// Start, s.
    pub start_s: f64,
    /// End, s.
    pub end_s: f64,
}

/// Everything the scenario scripted.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Truth {
    /// Total duration, s.
    pub duration_s: f64,
    /// Activity segments.
    pub segments: Vec<SegmentTruth>,
    /// Gait events in time order.
    pub events: Vec<GaitEvent>,
    /// Strides in time order of their start.
    pub strides: Vec<StrideTruth>,
    /// Walking bouts.
    pub bouts: Vec<BoutTruth>,
    /// Single-leg stance trials (also those inside 4-stage tests).
    pub balance_trials: Vec<BalanceTrialTruth>,
    /// 4-stage balance stages.
    pub stages: Vec<StageTruth>,
    /// Chair stand tests.
    pub chair_stands: Vec<ChairStandTruth>,
    /// Timed Up and Go trials.
    pub tugs: Vec<TugTruth>,
}
