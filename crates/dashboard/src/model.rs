//! The plain data the dashboard shows. No runtime, no I/O: the binary fills it from the live
//! pipeline (or a daemon) and hands a fresh copy to [`crate::App::set_model`] every frame.

use steady_analysis::gait::types::{EventKind, GaitEvent};
use steady_core::{ImuSample, Placement, Side};

/// Everything on screen, as of `now_s`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DashboardModel {
    /// Session time of this snapshot, s.
    pub now_s: f64,
    /// Patient shown in the header, if any.
    pub patient: Option<String>,
    /// Every registered and nearby sensor.
    pub sensors: Vec<SensorRow>,
    /// Recent signal traces, one per streaming sensor.
    pub traces: Vec<SignalTrace>,
    /// Stance/swing phases per leg for the gait timeline.
    pub legs: Vec<LegTimeline>,
    /// Live walking metrics.
    pub gait: GaitLive,
    /// The guided single-leg balance test.
    pub balance: BalanceView,
    /// The other guided tests (4-stage, TUG, chair stand).
    pub other: Option<GuidedTestView>,
    /// Summary of this session.
    pub summary: SessionSummary,
    /// The patient's history across sessions.
    pub history: PatientHistory,
    /// A one-line status from the data path (e.g. "recording saved to …").
    pub status: Option<String>,
    /// A problem with the data source itself (e.g. "the daemon went away"), shown in red
    /// above every screen.
    pub alert: Option<String>,
}

/// Connection state of one sensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SensorState {
    /// Seen in a scan, not connected.
    Discovered,
    /// Connecting or subscribing.
    #[default]
    Connecting,
    /// Samples are arriving.
    Streaming,
    /// Connected but no samples for a while.
    Stalled,
    /// Connection dropped; trying again.
    Reconnecting,
    /// Gone: no samples and no connection.
    Lost,
}

impl SensorState {
    /// Upper-case word shown in tables (never colour alone).
    pub fn label(self) -> &'static str {
        match self {
            SensorState::Discovered => "NEARBY",
            SensorState::Connecting => "CONNECTING",
            SensorState::Streaming => "STREAMING",
            SensorState::Stalled => "STALLED",
            SensorState::Reconnecting => "RECONNECTING",
            SensorState::Lost => "LOST",
        }
    }

    /// Whether this state needs the clinician's attention.
    pub fn is_problem(self) -> bool {
        matches!(
            self,
            SensorState::Stalled | SensorState::Reconnecting | SensorState::Lost
        )
    }
}

/// One row of the sensor table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SensorRow {
    /// Stable identifier (registry id).
    pub id: u16,
    /// Short name (e.g. the BLE name or address tail).
    pub name: String,
    /// Where it sits, if assigned.
    pub placement: Option<Placement>,
    /// Vendor / model.
    pub vendor: String,
    /// Connection state.
    pub state: SensorState,
    /// Battery, percent.
    pub battery_pct: Option<u8>,
    /// Received signal strength, dBm.
    pub rssi_dbm: Option<i16>,
    /// Measured sample rate, Hz.
    pub rate_hz: f64,
    /// Packet loss over the session, percent.
    pub loss_pct: f64,
    /// Device clock minus session clock, ms.
    pub clock_offset_ms: Option<f64>,
}

/// A recent signal of one sensor.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SignalTrace {
    /// Which sensor (by placement).
    pub placement: Option<Placement>,
    /// What is plotted, with unit (e.g. "gyro ML, deg/s").
    pub label: String,
    /// (session time s, value) pairs, oldest first.
    pub points: Vec<(f64, f64)>,
}

/// One bar of the gait timeline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhaseBar {
    /// Start, session s.
    pub start_s: f64,
    /// End, session s (the current phase ends at `now_s`).
    pub end_s: f64,
    /// Stance (foot on the ground) or swing.
    pub stance: bool,
}

/// Gait events of one leg as stance/swing bars.
#[derive(Debug, Clone, PartialEq)]
pub struct LegTimeline {
    /// Which leg.
    pub side: Side,
    /// Bars, oldest first.
    pub bars: Vec<PhaseBar>,
    /// Strides of this leg so far.
    pub strides: u32,
}

impl LegTimeline {
    /// The timeline of `side` from gait events in time order: a stance bar from each initial
    /// contact to the next event of that leg, a swing bar from each final contact.
    pub fn from_events(side: Side, events: &[GaitEvent], strides: u32) -> LegTimeline {
        let ev: Vec<&GaitEvent> = events.iter().filter(|e| e.side == Some(side)).collect();
        LegTimeline {
            side,
            bars: ev
                .windows(2)
                .map(|w| PhaseBar {
                    start_s: w[0].t_s,
                    end_s: w[1].t_s,
                    stance: w[0].kind == EventKind::InitialContact,
                })
                .collect(),
            strides,
        }
    }
}

/// Live walking metrics.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GaitLive {
    /// Whether the evaluation is recording.
    pub recording: bool,
    /// Seconds since the evaluation started.
    pub elapsed_s: f64,
    /// Cadence, steps/min.
    pub cadence_spm: Option<f64>,
    /// Gait speed, m/s.
    pub speed_mps: Option<f64>,
    /// Stance, % of stride, (left, right).
    pub stance_pct: [Option<f64>; 2],
    /// Single-support time, s, (left, right).
    pub single_support_s: [Option<f64>; 2],
    /// Asymmetry gauges.
    pub asymmetry: Vec<AsymmetryGauge>,
    /// Strides counted (both legs).
    pub stride_count: u32,
    /// Data completeness, percent of expected samples received.
    pub completeness_pct: f64,
    /// The result line at the end, with the quality flag (e.g. "good: 42 strides").
    pub result: Option<String>,
}

/// An asymmetry value with the range considered normal.
#[derive(Debug, Clone, PartialEq)]
pub struct AsymmetryGauge {
    /// What is compared (e.g. "step time").
    pub name: String,
    /// Asymmetry, percent (0 = symmetric).
    pub value_pct: f64,
    /// Upper end of the normal range, percent.
    pub normal_max_pct: f64,
}

/// Phase of the guided single-leg stance protocol.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum BalancePhase {
    /// Not started: waiting for the clinician.
    #[default]
    Ready,
    /// Asking the patient to lift the foot opposite `stance`.
    Lift,
    /// Counting down before timing starts.
    Countdown {
        /// Seconds left.
        remaining_s: f64,
    },
    /// Timing: the patient stands on one leg.
    Holding {
        /// Seconds held so far.
        elapsed_s: f64,
    },
    /// The trial stopped on its own.
    Ended {
        /// Seconds held.
        held_s: f64,
        /// Why it stopped.
        reason: EndReason,
    },
    /// Rest before the next trial.
    Rest {
        /// Seconds left.
        remaining_s: f64,
    },
    /// All trials done: left/right summary.
    Summary,
}

/// Why a balance trial stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// The lifted foot touched down.
    FootDown,
    /// The stance foot hopped or stepped.
    Hop,
    /// Held until the time limit.
    TimeLimit,
    /// Stopped by the clinician.
    Stopped,
    /// A sensor was lost.
    SensorLost,
}

impl EndReason {
    /// Plain words for the patient and the clinician.
    pub fn text(self) -> &'static str {
        match self {
            EndReason::FootDown => "foot touched down",
            EndReason::Hop => "stance foot moved (hop)",
            EndReason::TimeLimit => "time limit reached",
            EndReason::Stopped => "stopped by clinician",
            EndReason::SensorLost => "sensor lost",
        }
    }
}

/// One finished balance trial.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrialResult {
    /// The leg stood on.
    pub stance: Side,
    /// Seconds held.
    pub held_s: f64,
    /// Why it ended.
    pub reason: EndReason,
    /// Sway path, ML and AP RMS, mm (if computed).
    pub sway_rms_mm: Option<(f64, f64)>,
}

/// The guided single-leg balance test.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BalanceView {
    /// Current phase.
    pub phase: BalancePhase,
    /// The leg stood on in the current trial (the other foot is lifted).
    pub stance: Option<Side>,
    /// Trial number on this side, 1-based.
    pub trial: u8,
    /// Trials per side.
    pub trials_per_side: u8,
    /// Time limit, s.
    pub time_limit_s: f64,
    /// Sway trace, (ML, AP), mm, oldest first.
    pub sway_mm: Vec<(f64, f64)>,
    /// Finished trials.
    pub results: Vec<TrialResult>,
    /// Age norm: mean seconds held for the patient's age group, with its label.
    pub norm: Option<AgeNorm>,
}

/// A normative value to compare a result with.
#[derive(Debug, Clone, PartialEq)]
pub struct AgeNorm {
    /// Group (e.g. "age 70-79").
    pub group: String,
    /// Mean seconds held.
    pub mean_s: f64,
    /// Source, short.
    pub source: String,
}

/// One of the other guided tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuidedTest {
    /// CDC STEADI 4-stage balance test.
    FourStage,
    /// Timed Up and Go.
    Tug,
    /// 30-second chair stand.
    ChairStand,
}

impl GuidedTest {
    /// Display name.
    pub fn name(self) -> &'static str {
        match self {
            GuidedTest::FourStage => "4-stage balance test",
            GuidedTest::Tug => "Timed Up and Go",
            GuidedTest::ChairStand => "30-second chair stand",
        }
    }
}

impl GuidedTest {
    /// Every guided test of the "Other" screen.
    pub const ALL: [GuidedTest; 3] = [
        GuidedTest::FourStage,
        GuidedTest::Tug,
        GuidedTest::ChairStand,
    ];

    /// The stages (4-stage: CDC STEADI order) or phases (TUG) in order; empty for the
    /// counting test.
    pub fn stage_names(self) -> &'static [&'static str] {
        match self {
            GuidedTest::FourStage => &[
                "feet side by side",
                "semi-tandem stance",
                "tandem stance",
                "stand on one foot",
            ],
            GuidedTest::Tug => &["stand up", "walk 3 m", "turn", "walk back", "sit down"],
            GuidedTest::ChairStand => &[],
        }
    }

    /// The first instruction, before the test starts.
    pub fn ready_instruction(self) -> &'static str {
        match self {
            GuidedTest::FourStage => "Stand with your feet side by side",
            GuidedTest::Tug => "On GO: stand up, walk to the line, turn, walk back, sit down",
            GuidedTest::ChairStand => {
                "Arms crossed. On GO: stand up fully, sit down, again and again"
            }
        }
    }
}

/// A guided test protocol as the dashboard drives it (4-stage balance, TUG, chair stand).
/// The binary implements it over the balance state machines and shows [`Self::view`] on the
/// "Other" screen; Space/Enter map to [`Self::advance`], s/Esc to [`Self::stop`]
/// ([`crate::Action::BalanceContinue`], [`crate::Action::BalanceStop`]). Samples and the
/// clock are pushed in (session time); an implementation owns no clock.
pub trait GuidedProtocol {
    /// Which test.
    fn test(&self) -> GuidedTest;
    /// What to show at session time `now_s`.
    fn view(&self, now_s: f64) -> GuidedTestView;
    /// The clinician pressed continue (start, next stage).
    fn advance(&mut self, now_s: f64);
    /// The clinician stopped the test.
    fn stop(&mut self, now_s: f64);
    /// Feeds samples of one sensor, in time order (session time).
    fn push(&mut self, placement: Placement, samples: &[ImuSample]);
    /// Advances the clock to `now_s` without samples (countdowns, time limits).
    fn tick(&mut self, now_s: f64);
    /// The sensor at `placement` was lost at `now_s`: a running test it needs stops, saying so.
    fn sensor_lost(&mut self, placement: Placement, now_s: f64);
    /// Whether the test is over (result final).
    fn finished(&self) -> bool;
}

impl GuidedTestView {
    /// The view of `test` before it starts: the first instruction, every stage pending.
    pub fn ready(test: GuidedTest) -> GuidedTestView {
        GuidedTestView {
            test,
            instruction: test.ready_instruction().into(),
            elapsed_s: 0.0,
            countdown_s: None,
            stages: test
                .stage_names()
                .iter()
                .map(|n| StageRow {
                    name: (*n).into(),
                    time_s: None,
                    passed: None,
                })
                .collect(),
            count: (test == GuidedTest::ChairStand).then_some(0),
            result: Some("press Space to start".into()),
            limit_s: None,
            ended: None,
            verdict: None,
        }
    }
}

/// A guided test in progress or finished.
#[derive(Debug, Clone, PartialEq)]
pub struct GuidedTestView {
    /// Which test.
    pub test: GuidedTest,
    /// The big instruction for the patient.
    pub instruction: String,
    /// Running timer, s.
    pub elapsed_s: f64,
    /// Countdown before start, s, if counting down.
    pub countdown_s: Option<f64>,
    /// Stages (4-stage) or phases (TUG) with their outcome.
    pub stages: Vec<StageRow>,
    /// Repetitions counted (chair stand).
    pub count: Option<u32>,
    /// A hint or result line (e.g. "press Space to start").
    pub result: Option<String>,
    /// Time limit of the running stage or test, s (shown next to the timer).
    pub limit_s: Option<f64>,
    /// Why the test stopped (automatic or not), once it has.
    pub ended: Option<String>,
    /// The result against its norm or cut-off, once known.
    pub verdict: Option<Verdict>,
}

/// A result compared with its norm or cut-off, in words (never colour alone).
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// How it compares.
    pub level: RiskLevel,
    /// Value, cut-off and source (e.g. "TUG 13.1 s ≥ 12 s: at risk (CDC STEADI)").
    pub text: String,
}

/// One stage of a guided test.
#[derive(Debug, Clone, PartialEq)]
pub struct StageRow {
    /// Name (e.g. "tandem stance").
    pub name: String,
    /// Seconds held or taken.
    pub time_s: Option<f64>,
    /// Passed, failed, or not yet.
    pub passed: Option<bool>,
}

/// Severity of a fall-risk finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RiskLevel {
    /// Within normal limits.
    Normal,
    /// Worth watching.
    Caution,
    /// Indicates increased fall risk.
    High,
}

impl RiskLevel {
    /// Word shown next to the finding.
    pub fn label(self) -> &'static str {
        match self {
            RiskLevel::Normal => "OK",
            RiskLevel::Caution => "CAUTION",
            RiskLevel::High => "RISK",
        }
    }
}

/// A fall-risk finding with its reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Severity.
    pub level: RiskLevel,
    /// What was found.
    pub title: String,
    /// Why (value vs threshold, source).
    pub reason: String,
}

/// One metric of the session summary.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRow {
    /// Name with unit.
    pub name: String,
    /// Value text (both sides or overall).
    pub value: String,
}

/// Summary of the current session.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionSummary {
    /// Which session (e.g. "session 12 · walk · 2026-12-03"), if stored.
    pub title: Option<String>,
    /// Metrics.
    pub metrics: Vec<MetricRow>,
    /// Fall-risk findings.
    pub findings: Vec<Finding>,
    /// Where the recording is stored.
    pub recording: Option<String>,
}

/// A metric across sessions.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    /// Name with unit.
    pub name: String,
    /// One value per session, oldest first.
    pub values: Vec<f64>,
    /// Minimal detectable change, in the metric's unit, when one is on file.
    pub mdc: Option<f64>,
    /// What the change from first to last session means (e.g. "IMPROVED", "within MDC").
    pub verdict: Option<String>,
}

impl Trend {
    /// Last minus first value (needs two sessions).
    pub fn change(&self) -> Option<f64> {
        match (self.values.first(), self.values.last()) {
            (Some(a), Some(b)) if self.values.len() >= 2 => Some(b - a),
            _ => None,
        }
    }
}

/// Progress toward a care-plan goal.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalProgress {
    /// The goal in words.
    pub text: String,
    /// Value at the start of care.
    pub baseline: f64,
    /// Target value.
    pub target: f64,
    /// Latest value.
    pub current: f64,
    /// Whether the latest session meets the goal (`None`: not measured).
    pub met: Option<bool>,
}

impl GoalProgress {
    /// Fraction of the way from baseline to target, clamped to 0..=1.
    pub fn fraction(&self) -> f64 {
        let span = self.target - self.baseline;
        if span.abs() < f64::EPSILON {
            return 1.0;
        }
        ((self.current - self.baseline) / span).clamp(0.0, 1.0)
    }
}

/// The patient's history.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PatientHistory {
    /// Trends.
    pub trends: Vec<Trend>,
    /// Goals.
    pub goals: Vec<GoalProgress>,
}

/// Short label of a placement for narrow tables.
pub fn placement_label(p: Option<Placement>) -> &'static str {
    match p {
        None => "unassigned",
        Some(Placement::LowerBack) => "lower back",
        Some(Placement::LeftFoot) => "L foot",
        Some(Placement::RightFoot) => "R foot",
        Some(Placement::LeftShank) => "L shank",
        Some(Placement::RightShank) => "R shank",
        Some(Placement::LeftThigh) => "L thigh",
        Some(Placement::RightThigh) => "R thigh",
    }
}
