//! The guided 4-stage balance test, Timed Up and Go and 30 s chair stand as the dashboard
//! drives them: adapters from `steady_balance` (the 4-stage protocol state machine, the TUG
//! and chair-stand analyses) to `steady_dashboard`'s [`GuidedProtocol`]. Pure: samples and
//! session time in, a [`GuidedTestView`] out; no clock, no thread, no terminal.
//!
//! - [`FourStageGuide`]: `steady_balance::four_stage::FourStageProtocol` as it is (prompt →
//!   countdown → hold with a live timer → passed / failed by a detected foot movement → next
//!   stage on Space … → stop at the first failure); tandem stance against the STEADI 10 s rule.
//! - [`TugGuide`]: countdown → "GO" → live timer; the buffered samples are re-analysed with
//!   `steady_balance::tug::analyze` every [`RETRY_S`]; the test stops on its own once the
//!   analysis finds the patient seated again (the same end on two tries, at least
//!   [`SEATED_CONFIRM_S`] of quiet data after it), or after [`TUG_GIVE_UP_S`]. While it runs,
//!   each try also asks `steady_balance::tug::progress` for the latest phase found so far,
//!   shown as "now: WALK OUT (provisional)".
//! - [`ChairStandGuide`]: countdown → "GO" → live count from `steady_balance::chair_stand::
//!   analyze` and the time left; stops on its own when the test time is up (after
//!   [`CHAIR_TAIL_S`] more, so the last rise is complete in the data); STEADI cut-off by age
//!   and sex.
//!
//! Norms and cut-offs are the ones `steady_balance` carries with their sources (its `norms` and
//! `fall_risk` tables, and the thresholds its results report); none is copied here.

use steady_analysis::{SensorInput, Subject};
use steady_balance::chair_stand::{self, ChairStandResult};
use steady_balance::fall_risk::{Sex, TANDEM_HOLD_S};
use steady_balance::four_stage::{
    self, FourStageProtocol, FourStageResult, ProtocolConfig, ProtocolState, Stage, StageEnd,
};
use steady_balance::tug::{self, TugProgress, TugResult};
use steady_core::{ImuSample, Placement};
use steady_dashboard::model::{
    placement_label, GuidedProtocol, GuidedTest, GuidedTestView, RiskLevel, StageRow, Verdict,
};

/// Countdown before a test starts ("GO"), s (the 4-stage protocol's own default).
pub const COUNTDOWN_S: f64 = four_stage::COUNTDOWN_S;
/// How often a running TUG or chair stand is re-analysed, s of data.
pub const RETRY_S: f64 = 0.5;
/// Quiet data needed after the detected end of a TUG before it counts as seated, s.
pub const SEATED_CONFIRM_S: f64 = 0.8;
/// Two tries agreeing on the TUG's end within this much, s.
pub const SEATED_AGREE_S: f64 = 0.1;
/// A TUG without a detected return to the chair is given up after this long, s.
pub const TUG_GIVE_UP_S: f64 = 60.0;
/// Data kept after the chair stand's time is up, so the last rise is complete, s.
pub const CHAIR_TAIL_S: f64 = 2.0;

/// A citation shortened for a narrow screen: the text before its first ':', ',' or '('
/// (e.g. "CDC STEADI" of "CDC STEADI: TUG ≥ 12 s = at risk of falling").
pub fn short_source(source: &str) -> &str {
    source
        .split([':', ',', '('])
        .next()
        .unwrap_or(source)
        .trim()
}

/// Plain words for how a 4-stage stage ended.
fn stage_end_text(e: StageEnd) -> &'static str {
    match e {
        StageEnd::TimeLimit => "held for the full time",
        StageEnd::FootMovement => "foot moved (step)",
        StageEnd::Operator => "stopped by clinician",
        StageEnd::NoLiftDetected => "foot never seen lifted",
        StageEnd::RecordingEnded => "data ended",
    }
}

fn stage_index(s: Stage) -> usize {
    usize::from(s.number()) - 1
}

fn stage_name(s: Stage) -> &'static str {
    GuidedTest::FourStage.stage_names()[stage_index(s)]
}

/// The guided CDC STEADI 4-stage balance test.
#[derive(Debug, Clone)]
pub struct FourStageGuide {
    proto: FourStageProtocol,
    sensors: Vec<Placement>,
    lost: Option<Placement>,
    now_s: f64,
}

impl FourStageGuide {
    /// A test for sensors `(placement, sampling rate)`, 10 s per stage.
    pub fn new(sensors: &[(Placement, f64)]) -> FourStageGuide {
        FourStageGuide {
            proto: FourStageProtocol::new(
                ProtocolConfig {
                    stage_s: four_stage::STAGE_S,
                    countdown_s: COUNTDOWN_S,
                },
                sensors,
            ),
            sensors: sensors.iter().map(|s| s.0).collect(),
            lost: None,
            now_s: 0.0,
        }
    }

    /// The protocol's state.
    pub fn state(&self) -> ProtocolState {
        self.proto.state()
    }

    /// The result so far (final once finished).
    pub fn result(&self) -> FourStageResult {
        self.proto.result()
    }

    /// Whether the operator must start the next stage (one passed, the next is ready).
    pub fn awaiting_next_stage(&self) -> bool {
        matches!(self.proto.state(), ProtocolState::Ready { stage } if stage != Stage::FeetTogether)
    }

    fn verdict(r: &FourStageResult) -> Option<Verdict> {
        let held = r.tandem_hold_s?;
        let at_risk = r.at_risk?;
        Some(if at_risk {
            Verdict {
                level: RiskLevel::High,
                text: format!(
                    "tandem stance {held:.1} s < {TANDEM_HOLD_S:.0} s: increased fall risk ({})",
                    short_source(r.threshold_source)
                ),
            }
        } else {
            Verdict {
                level: RiskLevel::Normal,
                text: format!(
                    "tandem stance held {held:.0} s ({})",
                    short_source(r.threshold_source)
                ),
            }
        })
    }
}

impl GuidedProtocol for FourStageGuide {
    fn test(&self) -> GuidedTest {
        GuidedTest::FourStage
    }

    fn view(&self, _now_s: f64) -> GuidedTestView {
        let r = self.proto.result();
        let mut v = GuidedTestView::ready(GuidedTest::FourStage);
        for s in &r.stages {
            if let Some(row) = v.stages.get_mut(stage_index(s.stage)) {
                row.time_s = Some(s.hold_s);
                row.passed = Some(s.passed);
            }
        }
        v.limit_s = Some(r.stage_s);
        v.countdown_s = self.proto.countdown_left_s();
        v.elapsed_s = r.stages.last().map_or(0.0, |s| s.hold_s);
        let stage_n = |s: Stage| format!("stage {} of 4", s.number());
        match self.proto.state() {
            ProtocolState::Ready { stage } => {
                v.instruction = stage.prompt().into();
                v.result = Some(format!(
                    "{}: {} — Space to start ({:.0} s)",
                    stage_n(stage),
                    stage_name(stage),
                    r.stage_s
                ));
                if stage != Stage::FeetTogether {
                    v.elapsed_s = r.stages.last().map_or(0.0, |s| s.hold_s);
                }
            }
            ProtocolState::Countdown { stage, .. } => {
                v.instruction = stage.prompt().into();
                v.result = Some(format!(
                    "{}: get into position, then hold still",
                    stage_n(stage)
                ));
            }
            ProtocolState::WaitingForLift { stage, .. } => {
                v.instruction = self.proto.prompt().into();
                v.result = Some(format!(
                    "{}: the timer starts when the foot leaves the floor",
                    stage_n(stage)
                ));
                v.elapsed_s = 0.0;
            }
            ProtocolState::Holding { stage, .. } => {
                let held = self.proto.hold_elapsed_s().unwrap_or(0.0);
                v.instruction = format!("Hold still — {}", stage_name(stage));
                v.result = Some(format!("{} · s: stop (support needed)", stage_n(stage)));
                v.elapsed_s = held;
                if let Some(row) = v.stages.get_mut(stage_index(stage)) {
                    row.time_s = Some(held);
                }
            }
            ProtocolState::Done => {
                v.instruction = "Test over — stand normally".into();
                v.result = Some(format!(
                    "highest stage held: {} of 4 · Space: next test",
                    r.highest_stage_held
                ));
                v.ended = Some(match (self.lost, r.stages.last()) {
                    (Some(p), _) => {
                        format!("{} sensor lost — repeat the test", placement_label(Some(p)))
                    }
                    (None, Some(s)) if s.passed => "all four stages held".into(),
                    (None, Some(s)) => format!(
                        "{} in {} after {:.1} s",
                        stage_end_text(s.ended_by),
                        stage_name(s.stage),
                        s.hold_s
                    ),
                    (None, None) => "stopped".into(),
                });
            }
        }
        if self.lost.is_none() {
            v.verdict = FourStageGuide::verdict(&r);
        }
        v
    }

    fn advance(&mut self, now_s: f64) {
        self.now_s = self.now_s.max(now_s);
        self.proto.begin(now_s);
    }

    fn stop(&mut self, now_s: f64) {
        self.now_s = self.now_s.max(now_s);
        self.proto.operator_stop(now_s);
    }

    fn push(&mut self, placement: Placement, samples: &[ImuSample]) {
        if let Some(s) = samples.last() {
            self.now_s = self.now_s.max(s.t_s());
        }
        self.proto.push(placement, samples);
    }

    fn tick(&mut self, now_s: f64) {
        self.now_s = self.now_s.max(now_s);
        self.proto.tick(now_s);
    }

    fn sensor_lost(&mut self, placement: Placement, now_s: f64) {
        let running = matches!(
            self.proto.state(),
            ProtocolState::Countdown { .. }
                | ProtocolState::WaitingForLift { .. }
                | ProtocolState::Holding { .. }
        );
        if running && self.sensors.contains(&placement) {
            self.lost = Some(placement);
            self.proto.operator_stop(now_s);
        }
    }

    fn finished(&self) -> bool {
        self.proto.state() == ProtocolState::Done
    }
}

/// Where a timed test (TUG, chair stand) is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Timed {
    /// Waiting for the clinician.
    Ready,
    /// Counting down to "GO" at `go_s`.
    Countdown { go_s: f64 },
    /// Running since `go_s`.
    Running { go_s: f64 },
    /// Over, with the time it ended.
    Done { go_s: f64, end_s: f64 },
}

/// Samples of the sensors a timed test buffers, from the clinician's start on.
#[derive(Debug, Clone)]
struct Buffer {
    streams: Vec<(Placement, f64, Vec<ImuSample>)>,
    last_try_s: f64,
}

impl Buffer {
    fn new(sensors: &[(Placement, f64)]) -> Buffer {
        Buffer {
            streams: sensors.iter().map(|&(p, hz)| (p, hz, Vec::new())).collect(),
            last_try_s: f64::NEG_INFINITY,
        }
    }

    fn clear(&mut self) {
        for s in &mut self.streams {
            s.2.clear();
        }
        self.last_try_s = f64::NEG_INFINITY;
    }

    fn push(&mut self, placement: Placement, samples: &[ImuSample]) {
        if let Some(s) = self.streams.iter_mut().find(|s| s.0 == placement) {
            s.2.extend_from_slice(samples);
        }
    }

    fn lower_back(&self) -> Option<(&[ImuSample], f64)> {
        self.streams
            .iter()
            .find(|s| s.0 == Placement::LowerBack)
            .map(|s| (s.2.as_slice(), s.1))
    }

    /// End of the lower-back data, s.
    fn end_s(&self) -> Option<f64> {
        self.lower_back()
            .and_then(|(x, _)| x.last())
            .map(|s| s.t_s())
    }

    /// Whether another try is due (every [`RETRY_S`] of data).
    fn due(&mut self) -> bool {
        match self.end_s() {
            Some(e) if e - self.last_try_s >= RETRY_S => {
                self.last_try_s = e;
                true
            }
            _ => false,
        }
    }

    fn inputs(&self) -> Vec<SensorInput<'_>> {
        self.streams
            .iter()
            .map(|(p, hz, x)| SensorInput {
                placement: *p,
                samples: x,
                sampling_rate_hz: *hz,
            })
            .collect()
    }
}

/// Why a timed test could not start.
const NEEDS_LOWER_BACK: &str = "needs a lower back sensor — none is connected";

/// What the TUG and the chair stand share: the state, the buffered samples from the
/// clinician's start on, the clock, and why the test ended.
#[derive(Debug, Clone)]
struct TimedRun {
    state: Timed,
    buf: Buffer,
    ended: Option<String>,
    now_s: f64,
}

impl TimedRun {
    fn new(sensors: &[(Placement, f64)]) -> TimedRun {
        TimedRun {
            state: Timed::Ready,
            buf: Buffer::new(sensors),
            ended: None,
            now_s: 0.0,
        }
    }

    /// "GO" of a test under way (counting down or running).
    fn under_way(&self) -> Option<f64> {
        match self.state {
            Timed::Countdown { go_s } | Timed::Running { go_s } => Some(go_s),
            _ => None,
        }
    }

    /// Moves the clock to `now_s` (countdown → running at "GO").
    fn clock(&mut self, now_s: f64) {
        self.now_s = self.now_s.max(now_s);
        if let Timed::Countdown { go_s } = self.state {
            if self.now_s >= go_s {
                self.state = Timed::Running { go_s };
            }
        }
    }

    /// Ready → countdown; over at once when there is no lower-back sensor.
    fn start(&mut self, now_s: f64) {
        self.clock(now_s);
        if self.state != Timed::Ready {
            return;
        }
        if self.buf.lower_back().is_none() {
            self.ended = Some(NEEDS_LOWER_BACK.into());
            self.state = Timed::Done {
                go_s: self.now_s,
                end_s: self.now_s,
            };
            return;
        }
        self.buf.clear();
        self.state = Timed::Countdown {
            go_s: self.now_s + COUNTDOWN_S,
        };
    }

    /// Ends a test under way now, saying why.
    fn end(&mut self, why: String) {
        if let Some(go_s) = self.under_way() {
            self.ended = Some(why);
            self.state = Timed::Done {
                go_s,
                end_s: self.now_s.max(go_s),
            };
        }
    }

    /// Seconds since "GO" (0 before).
    fn elapsed_s(&self) -> f64 {
        self.under_way()
            .map_or(0.0, |go| (self.now_s - go).max(0.0))
    }

    /// Buffers samples of a test under way; `false` when none is.
    fn push(&mut self, placement: Placement, samples: &[ImuSample]) -> bool {
        if self.under_way().is_none() {
            return false;
        }
        self.buf.push(placement, samples);
        if let Some(s) = samples.last() {
            self.clock(s.t_s());
        }
        true
    }

    /// A lost lower back ends a test under way.
    fn lost(&mut self, placement: Placement, now_s: f64, why: impl FnOnce(f64) -> String) {
        self.clock(now_s);
        if placement == Placement::LowerBack && self.under_way().is_some() {
            let e = self.elapsed_s();
            self.end(why(e));
        }
    }
}

/// The guided, instrumented Timed Up and Go (lower-back sensor; leg sensors add gait).
#[derive(Debug, Clone)]
pub struct TugGuide {
    run: TimedRun,
    subject: Subject,
    candidate: Option<TugResult>,
    result: Option<TugResult>,
    /// The latest phase `steady_balance::tug::progress` finds while the test runs.
    live: Option<TugProgress>,
}

impl TugGuide {
    /// A TUG for sensors `(placement, sampling rate)`. Without a lower-back sensor the test
    /// cannot be timed: starting it ends it at once, saying so.
    pub fn new(sensors: &[(Placement, f64)], subject: Subject) -> TugGuide {
        TugGuide {
            run: TimedRun::new(sensors),
            subject,
            candidate: None,
            result: None,
            live: None,
        }
    }

    /// The final result, once the patient is seated again.
    pub fn result(&self) -> Option<&TugResult> {
        self.result.as_ref()
    }

    fn try_finish(&mut self) {
        let Timed::Running { go_s } = self.run.state else {
            return;
        };
        if self.run.now_s - go_s > TUG_GIVE_UP_S {
            self.run.end(format!(
                "no return to the chair detected in {TUG_GIVE_UP_S:.0} s"
            ));
            return;
        }
        if !self.run.buf.due() {
            return;
        }
        let data_end = self.run.buf.end_s().unwrap_or(f64::NEG_INFINITY);
        if let Some((x, hz)) = self.run.buf.lower_back() {
            // Keep the last phase found when a try finds none (a provisional display).
            self.live = tug::progress(x, hz).or(self.live);
        }
        let r = tug::analyze(&self.run.buf.inputs(), &self.subject, None).ok();
        match (self.candidate.take(), r) {
            (Some(a), Some(b))
                if (a.end_s - b.end_s).abs() < SEATED_AGREE_S
                    && data_end >= b.end_s + SEATED_CONFIRM_S =>
            {
                self.run.ended = Some("seated again — test over".into());
                self.run.state = Timed::Done {
                    go_s,
                    end_s: b.end_s,
                };
                self.result = Some(b);
            }
            (_, r) => self.candidate = r,
        }
    }
}

impl GuidedProtocol for TugGuide {
    fn test(&self) -> GuidedTest {
        GuidedTest::Tug
    }

    fn view(&self, now_s: f64) -> GuidedTestView {
        let mut v = GuidedTestView::ready(GuidedTest::Tug);
        let now = self.run.now_s.max(now_s);
        match self.run.state {
            Timed::Ready => {
                v.instruction = "Sit in the chair, back against it, arms resting".into();
                v.result = Some(
                    "on GO: stand up, walk to the line, turn, walk back, sit down · Space to start"
                        .into(),
                );
            }
            Timed::Countdown { go_s } => {
                v.instruction = "Sit back in the chair — get ready".into();
                v.countdown_s = Some((go_s - now).max(0.0));
                v.result = Some("walk at your usual, safe pace".into());
            }
            Timed::Running { go_s } => {
                v.instruction = "GO — stand up, walk to the line, turn, come back, sit down".into();
                v.elapsed_s = now - go_s;
                v.result = Some(
                    match self.live.filter(|p| p.since_s >= go_s - COUNTDOWN_S) {
                        Some(p) => format!(
                            "now: {} (provisional) · stops when seated · s: stop",
                            p.phase.as_str().to_uppercase()
                        ),
                        None => "stops by itself when you are seated again · s: stop".into(),
                    },
                );
            }
            Timed::Done { go_s, end_s } => {
                v.instruction = "Test over — stay seated".into();
                v.elapsed_s = end_s - go_s;
                v.ended = self.run.ended.clone();
                v.result = Some("Space: next test".into());
            }
        }
        if let Some(r) = &self.result {
            let p = &r.phases;
            let times = [
                p.sit_to_stand_s,
                p.walk_out_s,
                p.turn_s,
                p.walk_back_s,
                p.turn_and_sit_s,
            ];
            for (row, t) in v.stages.iter_mut().zip(times) {
                row.time_s = Some(t);
            }
            v.elapsed_s = r.total_s;
            v.stages.push(StageRow {
                name: "total (first movement → seated)".into(),
                time_s: Some(r.total_s),
                passed: Some(!r.at_risk),
            });
            v.verdict = Some(Verdict {
                level: if r.at_risk {
                    RiskLevel::High
                } else {
                    RiskLevel::Normal
                },
                text: format!(
                    "TUG {:.1} s {} {:.0} s ({})",
                    r.total_s,
                    if r.at_risk { "≥" } else { "<" },
                    r.threshold_s,
                    short_source(r.threshold_source)
                ),
            });
        }
        v
    }

    fn advance(&mut self, now_s: f64) {
        self.run.start(now_s);
    }

    fn stop(&mut self, now_s: f64) {
        self.run.clock(now_s);
        self.run.end("stopped by clinician".into());
    }

    fn push(&mut self, placement: Placement, samples: &[ImuSample]) {
        if self.run.push(placement, samples) {
            self.try_finish();
        }
    }

    fn tick(&mut self, now_s: f64) {
        self.run.clock(now_s);
        self.try_finish();
    }

    fn sensor_lost(&mut self, placement: Placement, now_s: f64) {
        self.run.lost(placement, now_s, |_| {
            "lower back sensor lost — repeat the test".into()
        });
    }

    fn finished(&self) -> bool {
        matches!(self.run.state, Timed::Done { .. })
    }
}

/// The guided 30-second chair stand (lower-back sensor).
#[derive(Debug, Clone)]
pub struct ChairStandGuide {
    run: TimedRun,
    age_years: Option<f64>,
    sex: Option<Sex>,
    live: Option<ChairStandResult>,
    /// Ran the full test time (the score counts).
    complete: bool,
}

impl ChairStandGuide {
    /// A chair stand for sensors `(placement, sampling rate)` (only the lower back is used;
    /// without it, starting the test ends it at once, saying so). Age and sex select the
    /// STEADI cut-off.
    pub fn new(
        sensors: &[(Placement, f64)],
        age_years: Option<f64>,
        sex: Option<Sex>,
    ) -> ChairStandGuide {
        let back: Vec<(Placement, f64)> = sensors
            .iter()
            .copied()
            .filter(|s| s.0 == Placement::LowerBack)
            .collect();
        ChairStandGuide {
            run: TimedRun::new(&back),
            age_years,
            sex,
            live: None,
            complete: false,
        }
    }

    /// Whether the test ran its full time (so the count is a score).
    pub fn complete(&self) -> bool {
        self.complete
    }

    /// The result (live while running, final once finished).
    pub fn result(&self) -> Option<&ChairStandResult> {
        self.live.as_ref()
    }

    fn analyze(&mut self) {
        if let Some((x, hz)) = self.run.buf.lower_back() {
            if let Ok(r) = chair_stand::analyze(
                x,
                hz,
                chair_stand::DEFAULT_DURATION_S,
                self.age_years,
                self.sex,
            ) {
                self.live = Some(r);
            }
        }
    }

    fn step(&mut self) {
        let Timed::Running { go_s } = self.run.state else {
            return;
        };
        let dur = chair_stand::DEFAULT_DURATION_S;
        if self.run.now_s >= go_s + dur + CHAIR_TAIL_S {
            self.analyze();
            self.complete = true;
            self.run.ended = Some(format!("time is up ({dur:.0} s)"));
            self.run.state = Timed::Done {
                go_s,
                end_s: go_s + dur,
            };
        } else if self.run.buf.due() {
            self.analyze();
        }
    }
}

impl GuidedProtocol for ChairStandGuide {
    fn test(&self) -> GuidedTest {
        GuidedTest::ChairStand
    }

    fn view(&self, now_s: f64) -> GuidedTestView {
        let mut v = GuidedTestView::ready(GuidedTest::ChairStand);
        let now = self.run.now_s.max(now_s);
        let dur = chair_stand::DEFAULT_DURATION_S;
        v.limit_s = Some(dur);
        v.count = Some(self.live.as_ref().map_or(0, |r| r.count));
        match self.run.state {
            Timed::Ready => {
                v.instruction = "Sit in the middle of the chair, arms crossed on your chest".into();
                v.result = Some(format!(
                    "on GO: stand up fully and sit down, as often as you can in {dur:.0} s · Space to start"
                ));
            }
            Timed::Countdown { go_s } => {
                v.instruction = "Sit down, arms crossed — get ready".into();
                v.countdown_s = Some((go_s - now).max(0.0));
                v.result = Some("feet flat on the floor, back straight".into());
            }
            Timed::Running { go_s } if now < go_s + dur => {
                v.instruction = "GO — stand up fully, sit down, again and again".into();
                v.elapsed_s = now - go_s;
                v.result = Some("s: stop".into());
            }
            Timed::Running { .. } => {
                v.instruction = "STOP — sit down".into();
                v.elapsed_s = dur;
                v.result = Some("counting the last stand…".into());
            }
            Timed::Done { go_s, end_s } => {
                v.instruction = "Test over — rest".into();
                v.elapsed_s = end_s - go_s;
                v.ended = self.run.ended.clone();
                v.result = Some("Space: next test".into());
            }
        }
        if let (true, Some(r)) = (self.complete, &self.live) {
            let mut text = format!("{} stands in {:.0} s", r.count, r.duration_s);
            if r.failed_rises > 0 {
                text.push_str(&format!(
                    " ({} partial rise(s) not counted)",
                    r.failed_rises
                ));
            }
            let src = short_source(r.threshold_source);
            v.verdict = Some(match (r.below_average, r.below_average_threshold) {
                (Some(true), Some(t)) => Verdict {
                    level: RiskLevel::High,
                    text: format!("{text} < {t:.0}: below average ({src})"),
                },
                (Some(false), Some(t)) => Verdict {
                    level: RiskLevel::Normal,
                    text: format!("{text} ≥ {t:.0}: not below average ({src})"),
                },
                _ => Verdict {
                    level: RiskLevel::Caution,
                    text: format!("{text}; no cut-off without age and sex"),
                },
            });
        }
        v
    }

    fn advance(&mut self, now_s: f64) {
        if self.run.state == Timed::Ready {
            self.live = None;
        }
        self.run.start(now_s);
    }

    fn stop(&mut self, now_s: f64) {
        self.run.clock(now_s);
        if self.run.under_way().is_some() {
            self.analyze();
            let e = self.run.elapsed_s();
            self.run.end(format!("stopped by clinician after {e:.0} s"));
        }
    }

    fn push(&mut self, placement: Placement, samples: &[ImuSample]) {
        if self.run.push(placement, samples) {
            self.step();
        }
    }

    fn tick(&mut self, now_s: f64) {
        self.run.clock(now_s);
        self.step();
    }

    fn sensor_lost(&mut self, placement: Placement, now_s: f64) {
        self.run.lost(placement, now_s, |e| {
            format!("lower back sensor lost after {e:.0} s — repeat the test")
        });
    }

    fn finished(&self) -> bool {
        matches!(self.run.state, Timed::Done { .. })
    }
}

/// The three guided tests of the "Other" screen, one at a time, in [`GuidedTest::ALL`] order.
#[derive(Debug, Clone)]
pub struct GuideSet {
    current: usize,
    /// The 4-stage balance test.
    pub four: FourStageGuide,
    /// The Timed Up and Go.
    pub tug: TugGuide,
    /// The 30 s chair stand.
    pub chair: ChairStandGuide,
}

impl GuideSet {
    /// Guides for sensors `(placement, sampling rate)` and what is known of the patient.
    pub fn new(sensors: &[(Placement, f64)], subject: Subject) -> GuideSet {
        let sex = subject
            .female
            .map(|f| if f { Sex::Female } else { Sex::Male });
        GuideSet {
            current: 0,
            four: FourStageGuide::new(sensors),
            tug: TugGuide::new(sensors, subject),
            chair: ChairStandGuide::new(sensors, subject.age_years, sex),
        }
    }

    /// The current test.
    pub fn test(&self) -> GuidedTest {
        GuidedTest::ALL[self.current]
    }

    /// The current guide.
    pub fn guide(&self) -> &dyn GuidedProtocol {
        match self.test() {
            GuidedTest::FourStage => &self.four,
            GuidedTest::Tug => &self.tug,
            GuidedTest::ChairStand => &self.chair,
        }
    }

    /// The current guide, to drive.
    pub fn guide_mut(&mut self) -> &mut dyn GuidedProtocol {
        match self.test() {
            GuidedTest::FourStage => &mut self.four,
            GuidedTest::Tug => &mut self.tug,
            GuidedTest::ChairStand => &mut self.chair,
        }
    }

    /// Moves on to the next test (a running one is stopped first); `false` after the last.
    pub fn next(&mut self, now_s: f64) -> bool {
        let g = self.guide_mut();
        if !g.finished() {
            g.stop(now_s);
        }
        if self.current + 1 < GuidedTest::ALL.len() {
            self.current += 1;
            true
        } else {
            false
        }
    }

    /// Feeds samples of one sensor to the current guide.
    pub fn push(&mut self, placement: Placement, samples: &[ImuSample]) {
        self.guide_mut().push(placement, samples);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;
    use steady_dashboard::model::{DashboardModel, SensorRow, SensorState};
    use steady_dashboard::{App, Screen};
    use steady_sim::{simulate, BalanceStage, ChairStandParams, FourStageParams, Scenario};
    use steady_sim::{SensorConfig, Simulation};

    fn sensors(s: &Simulation) -> Vec<(Placement, f64)> {
        s.streams.iter().map(|(p, _)| (*p, s.rate_hz)).collect()
    }

    /// Feeds `s` from sample `from` to `to` (indices) into `g`, sample by sample.
    fn feed(g: &mut dyn GuidedProtocol, s: &Simulation, from: usize, to: usize) {
        for k in from..to.min(s.streams[0].1.len()) {
            for (p, x) in &s.streams {
                g.push(*p, &x[k..k + 1]);
            }
        }
    }

    /// The Other screen at 80×24 showing `g`, with `lost` sensors marked lost.
    fn render(g: &dyn GuidedProtocol, s: &Simulation, now_s: f64, lost: &[Placement]) -> String {
        let model = DashboardModel {
            now_s,
            sensors: s
                .streams
                .iter()
                .enumerate()
                .map(|(i, (p, _))| SensorRow {
                    id: i as u16,
                    name: format!("SIM-{i}"),
                    placement: Some(*p),
                    state: if lost.contains(p) {
                        SensorState::Lost
                    } else {
                        SensorState::Streaming
                    },
                    ..SensorRow::default()
                })
                .collect(),
            other: Some(g.view(now_s)),
            ..DashboardModel::default()
        };
        let mut app = App::new(Screen::OtherTests);
        app.set_model(model);
        let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
        t.draw(|f| steady_dashboard::draw(f, &app)).unwrap();
        let buf = t.backend().buffer().clone();
        (0..24)
            .map(|y| (0..80).map(|x| buf[(x, y)].symbol()).collect::<String>() + "\n")
            .collect()
    }

    #[test]
    fn four_stage_guide_stops_when_a_deciding_sensor_is_lost_and_says_so() {
        let sc = Scenario::new()
            .stand(FOUR_STAGE_LEAD_S)
            .four_stage(FourStageParams::default());
        let s = simulate(&sc, &SensorConfig::default(), 5);
        let mut g = FourStageGuide::new(&sensors(&s));
        let hz = s.rate_hz;
        // Space so that "GO" comes when the simulated patient's first hold starts.
        let go = s.truth.stages[0].start_s;
        g.advance(go - COUNTDOWN_S);
        feed(&mut g, &s, 0, ((go + 4.0) * hz) as usize);
        assert!(
            matches!(g.state(), ProtocolState::Holding { .. }),
            "{:?}",
            g.state()
        );
        let shot = render(&g, &s, go + 4.0, &[]);
        assert!(shot.contains("HOLD STILL — FEET SIDE BY SIDE"), "{shot}");
        assert!(
            shot.contains("Time in this stage (seconds of 10)"),
            "{shot}"
        );
        g.sensor_lost(Placement::LeftShank, go + 4.0);
        assert!(g.finished());
        let v = g.view(go + 4.0);
        assert!(v.verdict.is_none(), "no verdict from an interrupted test");
        let shot = render(&g, &s, go + 4.0, &[Placement::LeftShank]);
        assert!(shot.contains("SENSOR LOST"), "{shot}");
        assert!(
            shot.contains("STOPPED: L shank sensor lost — repeat the test"),
            "{shot}"
        );
        assert!(shot.contains("TEST OVER"), "{shot}");
    }

    #[test]
    fn four_stage_guide_passes_a_stage_and_waits_for_the_clinician() {
        let sc = Scenario::new()
            .stand(FOUR_STAGE_LEAD_S)
            .four_stage(FourStageParams {
                fail: Some((BalanceStage::SemiTandem, 4.0)),
                ..FourStageParams::default()
            });
        let s = simulate(&sc, &SensorConfig::default(), 6);
        let mut g = FourStageGuide::new(&sensors(&s));
        let hz = s.rate_hz;
        let t = &s.truth.stages;
        g.advance(t[0].start_s - COUNTDOWN_S);
        feed(&mut g, &s, 0, ((t[0].end_s + 0.05) * hz) as usize);
        assert!(g.awaiting_next_stage());
        let shot = render(&g, &s, t[0].end_s, &[]);
        assert!(shot.contains("PLACE THE INSTEP OF ONE FOOT"), "{shot}");
        assert!(shot.contains("stage 2 of 4"), "{shot}");
        assert!(shot.contains("PASS"), "{shot}");
        g.advance(t[1].start_s - COUNTDOWN_S);
        feed(
            &mut g,
            &s,
            ((t[0].end_s + 0.05) * hz) as usize,
            ((t[1].end_s + 2.0) * hz) as usize,
        );
        assert!(g.finished());
        let r = g.result();
        assert_eq!(r.highest_stage_held, 1);
        let held = r.stages[1].hold_s;
        assert!((held - 4.0).abs() < 0.5, "{held}");
        let shot = render(&g, &s, t[1].end_s + 2.0, &[]);
        assert!(
            shot.contains("STOPPED: foot moved (step) in semi-tandem stance"),
            "{shot}"
        );
        assert!(shot.contains("[RISK] tandem stance 0.0 s < 10 s"), "{shot}");
    }

    #[test]
    fn tug_guide_shows_the_phase_as_it_happens_labelled_provisional() {
        let sc = Scenario::new().tug(steady_sim::TugParams::default());
        let s = simulate(&sc, &SensorConfig::default(), 8);
        let truth = s.truth.tugs[0];
        let mut g = TugGuide::new(&sensors(&s), Subject::default());
        let hz = s.rate_hz;
        g.advance(truth.start_s - COUNTDOWN_S);
        let mut k = 0;
        // Halfway through each phase the screen names it (found up to a second late).
        for (at_s, word) in [
            ((truth.stand_end_s + truth.turn1_start_s) / 2.0, "WALK OUT"),
            ((truth.turn1_end_s + truth.turn2_start_s) / 2.0, "WALK BACK"),
            (
                (truth.turn2_start_s + truth.end_s) / 2.0 + 0.5,
                "TURN TO SIT",
            ),
        ] {
            let to = (at_s * hz) as usize;
            feed(&mut g, &s, k, to);
            k = to;
            assert!(!g.finished());
            let shot = render(&g, &s, at_s, &[]);
            let want = format!("now: {word} (provisional)");
            assert!(shot.contains(&want), "{at_s:.1} s: {want}\n{shot}");
        }
        feed(&mut g, &s, k, ((truth.end_s + 2.0) * hz) as usize);
        assert!(g.finished());
        let shot = render(&g, &s, truth.end_s + 2.0, &[]);
        assert!(
            !shot.contains("provisional"),
            "the final result replaces it\n{shot}"
        );
        assert!(shot.contains("STOPPED: seated again"), "{shot}");
    }

    #[test]
    fn chair_stand_guide_counts_live_and_gives_the_steadi_verdict() {
        let sc = Scenario::new().chair_stand_30s(ChairStandParams::default());
        let s = simulate(&sc, &SensorConfig::default(), 7);
        let truth = &s.truth.chair_stands[0];
        let mut g = ChairStandGuide::new(&sensors(&s), Some(72.0), Some(Sex::Female));
        let hz = s.rate_hz;
        g.advance(truth.start_s - COUNTDOWN_S);
        feed(&mut g, &s, 0, ((truth.start_s + 15.0) * hz) as usize);
        let v = g.view(truth.start_s + 15.0);
        let live = v.count.unwrap();
        let done_by_then = truth
            .reps
            .iter()
            .filter(|r| r.counted && r.standing_s < truth.start_s + 14.0)
            .count() as u32;
        assert!(
            live + 1 >= done_by_then && live <= done_by_then + 1,
            "{live} vs {done_by_then}"
        );
        let shot = render(&g, &s, truth.start_s + 15.0, &[]);
        assert!(shot.contains("Stands counted · 15 s left"), "{shot}");
        assert!(shot.contains("GO — STAND UP FULLY"), "{shot}");
        feed(
            &mut g,
            &s,
            ((truth.start_s + 15.0) * hz) as usize,
            s.streams[0].1.len(),
        );
        g.tick(truth.end_s + CHAIR_TAIL_S + 0.1);
        assert!(g.finished() && g.complete());
        let r = g.result().unwrap();
        assert_eq!(r.count, truth.completed);
        let cut = steady_balance::fall_risk::chair_stand_threshold(72.0, Sex::Female).unwrap();
        let shot = render(&g, &s, truth.end_s + 3.0, &[]);
        let word = if f64::from(r.count) < cut {
            "[RISK]"
        } else {
            "[OK]"
        };
        assert!(
            shot.contains(&format!("{word} {} stands in 30 s", r.count)),
            "{shot}"
        );
        assert!(shot.contains("STOPPED: time is up (30 s)"), "{shot}");
    }

    #[test]
    fn timed_tests_without_a_lower_back_sensor_say_so_and_a_stop_gives_no_verdict() {
        let legs = [
            (Placement::LeftShank, 100.0),
            (Placement::RightShank, 100.0),
        ];
        let mut c = ChairStandGuide::new(&legs, Some(72.0), Some(Sex::Female));
        c.advance(1.0);
        assert!(c.finished());
        assert_eq!(c.view(1.0).ended.as_deref(), Some(NEEDS_LOWER_BACK));
        let mut t = TugGuide::new(&legs, Subject::default());
        t.advance(1.0);
        assert!(t.finished());
        assert_eq!(t.view(1.0).ended.as_deref(), Some(NEEDS_LOWER_BACK));

        let all = [(Placement::LowerBack, 100.0)];
        let mut t = TugGuide::new(&all, Subject::default());
        t.advance(0.0);
        assert_eq!(t.view(1.0).countdown_s, Some(2.0));
        t.tick(5.0);
        assert_eq!(t.view(5.0).elapsed_s, 2.0);
        t.stop(6.0);
        let v = t.view(6.0);
        assert_eq!(v.ended.as_deref(), Some("stopped by clinician"));
        assert!(v.verdict.is_none() && t.result().is_none());
        // a lost lower back ends a running chair stand with the time it lasted
        let mut c = ChairStandGuide::new(&all, None, None);
        c.advance(0.0);
        c.tick(15.0);
        c.sensor_lost(Placement::LowerBack, 15.0);
        assert_eq!(
            c.view(15.0).ended.as_deref(),
            Some("lower back sensor lost after 12 s — repeat the test")
        );
        assert!(!c.complete());
    }

    /// Quiet standing before the simulated 4-stage test (the detector's reference), s.
    const FOUR_STAGE_LEAD_S: f64 = 2.0;
}
