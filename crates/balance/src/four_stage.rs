//! CDC STEADI 4-stage balance test: feet side by side, semi-tandem, tandem, single leg, 10 s
//! each, stop at the first failure (`clinical.md` §3.2). Failure = a step or foot movement,
//! detected automatically by [`movement`] from whichever sensors are worn; the operator can
//! always stop a stage by hand (support needed). Result: highest stage held and whether
//! tandem stance (stage 3) was held 10 s (the STEADI fall-risk flag).
//!
//! Two entry points share the same causal detector:
//! - [`FourStageProtocol`]: the guided state machine the UI drives (prompt → countdown →
//!   hold with a live timer → passed/failed → next stage … → summary). Time and samples are
//!   pushed in; it owns no clock.
//! - [`analyze`]: a whole recording without operator marks. Stillness periods between foot
//!   movements are the holds: stage 1 is the first still period *after* the first movement
//!   (the recording must start before the feet are placed), each later stage the next still
//!   period; a stage is held when its still period lasts the stage time. The single-leg stage
//!   is the first still period with a leg sensor inclined ≥ 20° from standing (foot lifted);
//!   it is timed from the onset of the lifting movement (lift-off) to the next movement.
//!
//! Limits (also in [`movement`]): feet positions cannot be verified by the sensors
//! (operator-confirmed); offline, a stage's still period starts when the placing movement
//! ends, so holds read a few tenths of a second longer than a stopwatch started on "go", and a
//! failure in the last ~0.3 s of a stage can be scored as held; fidgeting with the feet while
//! getting into position reads as a failed stage offline (the guided protocol ignores
//! movement before the hold starts); with the lower back only, the single-leg stage cannot be
//! timed (lifting a foot barely moves the trunk) and is reported as not determined.

pub mod movement;

use serde::Serialize;
use steady_analysis::SensorInput;
use steady_core::{ImuSample, Placement};

use crate::fall_risk::{TANDEM_HOLD_S, TANDEM_SOURCE};
pub use movement::{MovementChange, MovementDetector};

/// Default hold time per stage, s (CDC STEADI).
pub const STAGE_S: f64 = 10.0;
/// Default countdown before each hold in the guided protocol, s.
pub const COUNTDOWN_S: f64 = 3.0;
/// Movements starting this soon after the hold starts still belong to getting into position, s.
pub const HOLD_GRACE_S: f64 = 0.3;
/// Still periods shorter than this between two movements are part of one movement, s.
pub const MERGE_GAP_S: f64 = 0.3;
/// The guided protocol gives up waiting for the foot to be lifted after this long, s.
pub const LIFT_WAIT_S: f64 = 15.0;

/// The four stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Feet side by side.
    FeetTogether,
    /// Instep of one foot touching the big toe of the other.
    SemiTandem,
    /// One foot directly in front of the other.
    Tandem,
    /// Standing on one leg.
    SingleLeg,
}

impl Stage {
    /// The stages in test order.
    pub const ALL: [Stage; 4] = [
        Stage::FeetTogether,
        Stage::SemiTandem,
        Stage::Tandem,
        Stage::SingleLeg,
    ];

    /// 1-based stage number.
    pub fn number(self) -> u8 {
        match self {
            Stage::FeetTogether => 1,
            Stage::SemiTandem => 2,
            Stage::Tandem => 3,
            Stage::SingleLeg => 4,
        }
    }

    /// The stage after this one.
    pub fn next(self) -> Option<Stage> {
        Stage::ALL.get(usize::from(self.number())).copied()
    }

    /// The instruction shown to the patient.
    pub fn prompt(self) -> &'static str {
        match self {
            Stage::FeetTogether => "Stand with your feet side by side",
            Stage::SemiTandem => {
                "Place the instep of one foot so it is touching the big toe of the other foot"
            }
            Stage::Tandem => "Place one foot in front of the other, heel touching toe",
            Stage::SingleLeg => "Stand on one foot",
        }
    }
}

/// How a stage ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StageEnd {
    /// Held for the full stage time.
    TimeLimit,
    /// A step or foot movement was detected.
    FootMovement,
    /// The operator stopped it (support needed, or a movement the sensors missed).
    Operator,
    /// The foot was never seen lifted (single-leg stage).
    NoLiftDetected,
    /// The recording ended during the hold.
    RecordingEnded,
}

/// One stage's result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StageResult {
    /// Which stage.
    pub stage: Stage,
    /// Hold start, s.
    pub start_s: f64,
    /// Hold end (the stage time or the failure), s.
    pub end_s: f64,
    /// Seconds held (capped at the stage time).
    pub hold_s: f64,
    /// Held for the full stage time.
    pub passed: bool,
    /// How it ended.
    pub ended_by: StageEnd,
}

/// Result of a 4-stage balance test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FourStageResult {
    /// Stages done, in order (stops after the first failure).
    pub stages: Vec<StageResult>,
    /// Highest stage held for the full time (0 = none).
    pub highest_stage_held: u8,
    /// Whether tandem stance was held 10 s (None when not determined).
    pub tandem_held: Option<bool>,
    /// Seconds tandem stance was held (0 when an earlier stage failed; None when unknown).
    pub tandem_hold_s: Option<f64>,
    /// STEADI flag: tandem not held (None when not determined).
    pub at_risk: Option<bool>,
    /// The stage time used, s.
    pub stage_s: f64,
    /// Sensors whose movement decided.
    pub sensors_used: Vec<Placement>,
    /// Caveats (e.g. single-leg stage not determined).
    pub notes: Vec<String>,
    /// Source of the tandem rule.
    pub threshold_source: &'static str,
}

fn summarize(
    stages: Vec<StageResult>,
    stage_s: f64,
    sensors: Vec<Placement>,
    notes: Vec<String>,
) -> FourStageResult {
    let highest = stages.iter().take_while(|s| s.passed).count() as u8;
    let failed_before_tandem = stages.iter().any(|s| s.stage < Stage::Tandem && !s.passed);
    let tandem = stages.iter().find(|s| s.stage == Stage::Tandem);
    let (tandem_held, tandem_hold_s) = match tandem {
        Some(t) if t.ended_by != StageEnd::RecordingEnded || t.passed => {
            (Some(t.passed), Some(t.hold_s))
        }
        _ if failed_before_tandem => (Some(false), Some(0.0)),
        _ => (None, None),
    };
    FourStageResult {
        stages,
        highest_stage_held: highest,
        tandem_held,
        tandem_hold_s,
        at_risk: tandem_hold_s.map(|h| h < TANDEM_HOLD_S.min(stage_s)),
        stage_s,
        sensors_used: sensors,
        notes,
        threshold_source: TANDEM_SOURCE,
    }
}

/// A still period between movements (offline analysis).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Still {
    /// Onset of the movement before it, s.
    prev_onset_s: f64,
    start_s: f64,
    end_s: f64,
    /// Ends at the recording end rather than at a movement.
    open: bool,
    /// A leg sensor showed a lifted foot for most of it.
    lifted: bool,
}

/// Samples of all inputs merged in time order (index of input, sample).
fn merged<'a>(inputs: &'a [SensorInput<'a>]) -> Vec<(usize, &'a ImuSample)> {
    let mut all: Vec<(usize, &ImuSample)> = inputs
        .iter()
        .enumerate()
        .flat_map(|(i, x)| x.samples.iter().map(move |s| (i, s)))
        .collect();
    all.sort_by_key(|(i, s)| (s.t, *i));
    all
}

/// Analyses a whole 4-stage recording (see the module doc); `stage_s` is the hold per stage.
pub fn analyze(inputs: &[SensorInput<'_>], stage_s: f64) -> FourStageResult {
    let stage_s = if stage_s.is_finite() && stage_s > 0.0 {
        stage_s
    } else {
        STAGE_S
    };
    let sensors: Vec<(Placement, f64)> = inputs
        .iter()
        .map(|i| (i.placement, i.sampling_rate_hz))
        .collect();
    let mut det = MovementDetector::new(&sensors);
    let used = det.deciding();
    let mut notes = Vec::new();
    if used.is_empty() {
        notes.push("no usable sensor".to_string());
        return summarize(Vec::new(), stage_s, used, notes);
    }
    // Walk the merged samples, recording still periods of the deciding sensors.
    let mut stills: Vec<Still> = Vec::new();
    let mut moving_onset: Option<f64> = None;
    let mut current: Option<(Still, usize, usize)> = None; // still, samples, lifted samples
    let mut last_t = 0.0;
    for (i, s) in merged(inputs) {
        let p = inputs[i].placement;
        let was_moving = det.moving();
        let changes = det.push(p, std::slice::from_ref(s));
        last_t = s.t_s();
        let now_moving = det.moving();
        if !was_moving && now_moving {
            let onset = changes
                .iter()
                .filter_map(|c| match c {
                    MovementChange::Started { t_s, placement } if det.decides(*placement) => {
                        Some(*t_s)
                    }
                    _ => None,
                })
                .fold(last_t, f64::min);
            if let Some((mut st, ..)) = current.take() {
                st.end_s = onset;
                st.open = false;
                stills.push(st);
            }
            moving_onset = Some(onset);
        } else if was_moving && !now_moving {
            let end = changes
                .iter()
                .filter_map(|c| match c {
                    MovementChange::Ended { t_s, .. } => Some(*t_s),
                    _ => None,
                })
                .fold(f64::NEG_INFINITY, f64::max);
            let end = if end.is_finite() { end } else { last_t };
            current = moving_onset.map(|o| {
                (
                    Still {
                        prev_onset_s: o,
                        start_s: end,
                        end_s: end,
                        open: true,
                        lifted: false,
                    },
                    0,
                    0,
                )
            });
        }
        if let Some((st, n, l)) = current.as_mut() {
            *n += 1;
            if det.leg_lifted() {
                *l += 1;
            }
            st.lifted = *l * 2 > *n;
        }
    }
    if let Some((mut st, ..)) = current.take() {
        st.end_s = last_t;
        stills.push(st);
    }
    // Merge still periods too short to be a stage into the surrounding movement.
    stills.retain(|s| s.end_s - s.start_s >= MERGE_GAP_S || s.open);
    let mut stages = Vec::new();
    let mut it = stills.iter().peekable();
    for stage in [Stage::FeetTogether, Stage::SemiTandem, Stage::Tandem] {
        let Some(st) = it.next() else {
            notes.push(format!(
                "stage {} not found in the recording",
                stage.number()
            ));
            return summarize(stages, stage_s, used, notes);
        };
        let r = stage_from(stage, st.start_s, st.end_s, st.open, stage_s);
        stages.push(r);
        if !r.passed {
            return summarize(stages, stage_s, used, notes);
        }
    }
    if !det.has_leg_sensor() {
        notes.push(
            "single-leg stage not determined: lifting a foot needs a shank, foot or thigh sensor to be timed"
                .to_string(),
        );
        return summarize(stages, stage_s, used, notes);
    }
    match it.find(|s| s.lifted) {
        Some(st) => stages.push(stage_from(
            Stage::SingleLeg,
            st.prev_onset_s,
            st.end_s,
            st.open,
            stage_s,
        )),
        None => {
            let both = [steady_core::Side::Left, steady_core::Side::Right]
                .iter()
                .all(|side| sensors.iter().any(|(p, _)| p.side() == Some(*side)));
            if both {
                let t = stages.last().map_or(0.0, |s| s.end_s);
                stages.push(StageResult {
                    stage: Stage::SingleLeg,
                    start_s: t,
                    end_s: t,
                    hold_s: 0.0,
                    passed: false,
                    ended_by: StageEnd::NoLiftDetected,
                });
            } else {
                notes.push(
                    "single-leg stage not determined: no lifted foot seen (the lifted leg may carry no sensor)"
                        .to_string(),
                );
            }
        }
    }
    summarize(stages, stage_s, used, notes)
}

fn stage_from(stage: Stage, start_s: f64, end_s: f64, open: bool, stage_s: f64) -> StageResult {
    let len = end_s - start_s;
    let passed = len >= stage_s;
    StageResult {
        stage,
        start_s,
        end_s: if passed { start_s + stage_s } else { end_s },
        hold_s: len.min(stage_s).max(0.0),
        passed,
        ended_by: if passed {
            StageEnd::TimeLimit
        } else if open {
            StageEnd::RecordingEnded
        } else {
            StageEnd::FootMovement
        },
    }
}

/// Settings of the guided protocol.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ProtocolConfig {
    /// Hold per stage, s.
    pub stage_s: f64,
    /// Countdown before each hold, s.
    pub countdown_s: f64,
}

impl Default for ProtocolConfig {
    fn default() -> Self {
        ProtocolConfig {
            stage_s: STAGE_S,
            countdown_s: COUNTDOWN_S,
        }
    }
}

/// Where the guided protocol is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ProtocolState {
    /// Showing the stage's prompt; waiting for the operator to start.
    Ready {
        /// Stage to do.
        stage: Stage,
    },
    /// Counting down to the hold.
    Countdown {
        /// Stage.
        stage: Stage,
        /// When the hold starts, s.
        ends_s: f64,
    },
    /// Single-leg stage: waiting for the foot to leave the floor.
    WaitingForLift {
        /// Stage.
        stage: Stage,
        /// Waiting since, s.
        since_s: f64,
    },
    /// Holding; the timer runs.
    Holding {
        /// Stage.
        stage: Stage,
        /// Hold start, s.
        since_s: f64,
    },
    /// Test over.
    Done,
}

/// What happened on a push, for the UI.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ProtocolEvent {
    /// The countdown of a stage started.
    CountdownStarted {
        /// Stage.
        stage: Stage,
    },
    /// Waiting for the lift of the foot (single-leg stage).
    WaitingForLift,
    /// The hold started (timer runs from `t_s`).
    HoldStarted {
        /// Stage.
        stage: Stage,
        /// Start, s.
        t_s: f64,
    },
    /// A stage ended.
    StageEnded(StageResult),
    /// The test is over.
    Finished(FourStageResult),
}

/// The guided 4-stage protocol (see the module doc).
#[derive(Debug, Clone)]
pub struct FourStageProtocol {
    config: ProtocolConfig,
    det: MovementDetector,
    state: ProtocolState,
    stages: Vec<StageResult>,
    lift_onset: Option<f64>,
    now_s: f64,
    notes: Vec<String>,
}

impl FourStageProtocol {
    /// A protocol for sensors `(placement, sampling rate)`; starts at stage 1, ready.
    pub fn new(config: ProtocolConfig, sensors: &[(Placement, f64)]) -> FourStageProtocol {
        let mut config = config;
        if !(config.stage_s.is_finite() && config.stage_s > 0.0) {
            config.stage_s = STAGE_S;
        }
        if !(config.countdown_s.is_finite() && config.countdown_s >= 0.0) {
            config.countdown_s = COUNTDOWN_S;
        }
        FourStageProtocol {
            config,
            det: MovementDetector::new(sensors),
            state: ProtocolState::Ready {
                stage: Stage::FeetTogether,
            },
            stages: Vec::new(),
            lift_onset: None,
            now_s: f64::NEG_INFINITY,
            notes: Vec::new(),
        }
    }

    /// Current state.
    pub fn state(&self) -> ProtocolState {
        self.state
    }

    /// The prompt to show now.
    pub fn prompt(&self) -> &'static str {
        match self.state {
            ProtocolState::Ready { stage } | ProtocolState::Countdown { stage, .. } => {
                stage.prompt()
            }
            ProtocolState::WaitingForLift { .. } => "Lift one foot off the floor",
            ProtocolState::Holding { .. } => "Hold still",
            ProtocolState::Done => "Test finished",
        }
    }

    /// Seconds held so far in the current hold (None when not holding).
    pub fn hold_elapsed_s(&self) -> Option<f64> {
        match self.state {
            ProtocolState::Holding { since_s, .. } => Some((self.now_s - since_s).max(0.0)),
            _ => None,
        }
    }

    /// Seconds of countdown left (None when not counting down).
    pub fn countdown_left_s(&self) -> Option<f64> {
        match self.state {
            ProtocolState::Countdown { ends_s, .. } => Some((ends_s - self.now_s).max(0.0)),
            _ => None,
        }
    }

    /// The operator starts the current stage at `t_s` (Ready → Countdown); ignored otherwise.
    pub fn begin(&mut self, t_s: f64) -> Vec<ProtocolEvent> {
        let mut out = Vec::new();
        if let ProtocolState::Ready { stage } = self.state {
            self.now_s = self.now_s.max(t_s);
            self.state = ProtocolState::Countdown {
                stage,
                ends_s: t_s + self.config.countdown_s,
            };
            out.push(ProtocolEvent::CountdownStarted { stage });
            self.advance(t_s, &[], &mut out);
        }
        out
    }

    /// The operator ends the current hold at `t_s` (support needed): the stage fails.
    pub fn operator_stop(&mut self, t_s: f64) -> Vec<ProtocolEvent> {
        let mut out = Vec::new();
        match self.state {
            ProtocolState::Holding { stage, since_s } => self.fail(
                stage,
                since_s,
                t_s.max(since_s),
                StageEnd::Operator,
                &mut out,
            ),
            ProtocolState::Countdown { stage, .. }
            | ProtocolState::WaitingForLift { stage, .. } => {
                self.fail(stage, t_s, t_s, StageEnd::Operator, &mut out)
            }
            _ => {}
        }
        out
    }

    /// Advances the clock to `t_s` without samples (countdown, stage time).
    pub fn tick(&mut self, t_s: f64) -> Vec<ProtocolEvent> {
        let mut out = Vec::new();
        self.advance(t_s, &[], &mut out);
        out
    }

    /// Feeds samples of one sensor (in time order); the clock follows their times.
    pub fn push(&mut self, placement: Placement, samples: &[ImuSample]) -> Vec<ProtocolEvent> {
        let mut out = Vec::new();
        for s in samples {
            let changes = self.det.push(placement, std::slice::from_ref(s));
            self.advance(s.t_s(), &changes, &mut out);
        }
        out
    }

    /// The result so far (complete once the state is `Done`).
    pub fn result(&self) -> FourStageResult {
        summarize(
            self.stages.clone(),
            self.config.stage_s,
            self.det.deciding(),
            self.notes.clone(),
        )
    }

    fn fail(
        &mut self,
        stage: Stage,
        since: f64,
        t: f64,
        by: StageEnd,
        out: &mut Vec<ProtocolEvent>,
    ) {
        let r = StageResult {
            stage,
            start_s: since,
            end_s: t,
            hold_s: (t - since).clamp(0.0, self.config.stage_s),
            passed: false,
            ended_by: by,
        };
        self.stages.push(r);
        self.state = ProtocolState::Done;
        out.push(ProtocolEvent::StageEnded(r));
        out.push(ProtocolEvent::Finished(self.result()));
    }

    fn advance(&mut self, t: f64, changes: &[MovementChange], out: &mut Vec<ProtocolEvent>) {
        self.now_s = self.now_s.max(t);
        let t = self.now_s;
        if let ProtocolState::Countdown { stage, ends_s } = self.state {
            if t >= ends_s {
                if stage == Stage::SingleLeg && self.det.has_leg_sensor() {
                    self.state = ProtocolState::WaitingForLift {
                        stage,
                        since_s: ends_s,
                    };
                    self.lift_onset = None;
                    out.push(ProtocolEvent::WaitingForLift);
                } else {
                    if stage == Stage::SingleLeg && self.notes.is_empty() {
                        self.notes.push(
                            "single-leg stage timed from the countdown; without a leg sensor a touch-down may be missed (operator stop)"
                                .to_string(),
                        );
                    }
                    self.state = ProtocolState::Holding {
                        stage,
                        since_s: ends_s,
                    };
                    out.push(ProtocolEvent::HoldStarted { stage, t_s: ends_s });
                }
            }
        }
        if let ProtocolState::WaitingForLift { stage, since_s } = self.state {
            for c in changes {
                if let MovementChange::Started { placement, t_s } = *c {
                    if placement.side().is_some() {
                        self.lift_onset.get_or_insert(t_s);
                    }
                }
            }
            if self.det.leg_lifted() && !self.det.moving() {
                let start = self.lift_onset.unwrap_or(t);
                self.state = ProtocolState::Holding {
                    stage,
                    since_s: start,
                };
                out.push(ProtocolEvent::HoldStarted { stage, t_s: start });
                // The lifting movement itself is not a failure.
                return;
            } else if !self.det.leg_lifted() && !self.det.moving() {
                // A movement that did not end lifted was not the lift.
                self.lift_onset = None;
            }
            if t - since_s > LIFT_WAIT_S {
                self.fail(stage, t, t, StageEnd::NoLiftDetected, out);
            }
            return;
        }
        if let ProtocolState::Holding { stage, since_s } = self.state {
            let failure = changes.iter().find_map(|c| match *c {
                MovementChange::Started { placement, t_s }
                    if self.det.decides(placement) && t_s >= since_s + HOLD_GRACE_S =>
                {
                    Some(t_s)
                }
                _ => None,
            });
            match failure {
                Some(tf) if tf < since_s + self.config.stage_s => {
                    self.fail(stage, since_s, tf, StageEnd::FootMovement, out)
                }
                _ if t >= since_s + self.config.stage_s => {
                    let r = StageResult {
                        stage,
                        start_s: since_s,
                        end_s: since_s + self.config.stage_s,
                        hold_s: self.config.stage_s,
                        passed: true,
                        ended_by: StageEnd::TimeLimit,
                    };
                    self.stages.push(r);
                    out.push(ProtocolEvent::StageEnded(r));
                    match stage.next() {
                        Some(next) => self.state = ProtocolState::Ready { stage: next },
                        None => {
                            self.state = ProtocolState::Done;
                            out.push(ProtocolEvent::Finished(self.result()));
                        }
                    }
                }
                _ => {}
            }
        }
    }
}
