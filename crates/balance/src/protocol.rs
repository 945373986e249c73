//! The guided single-leg stance protocol as a state machine a UI drives:
//! ready → "lift your LEFT foot" → countdown → holding (live timer and sway) → ended (why) →
//! rest → next trial / side → summary.
//!
//! No clocks and no UI inside: the caller passes the session time (`now_s`, seconds on the
//! sample timeline) to [`SlsProtocol::tick`] and the operator's actions, and pushes samples
//! with [`SlsProtocol::push`]. A fresh [`SlsDetector`] runs for each trial from the start of
//! its countdown (the countdown's quiet standing is the detector's baseline).
//!
//! Rules: trials alternate in blocks per side (all trials of the first side, then the next);
//! up to [`norms::SLS_TRIALS_PER_SIDE`] trials per side, the best counts; a side stops early
//! once a trial reaches the time limit (nothing better is possible). A trial without a
//! detected lift-off within `lift_off_timeout_s` of the countdown's end is not counted and is
//! offered again. The eyes condition is recorded with every trial.

use serde::Serialize;
use steady_core::{ImuSample, Placement, Side};

use crate::norms::{self, Eyes};
use crate::sls::{
    summarize, EndedBy, SlsConfig, SlsDetector, SlsError, SlsEvent, SlsSummary, SlsTrial,
};
use crate::sway::SwayTrace;

/// Protocol settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProtocolConfig {
    /// Feet to lift, in order (a block of trials each); the stance leg is the other one.
    pub lift_order: Vec<Side>,
    /// Trials per side (best counts).
    pub trials_per_side: u32,
    /// Countdown before "lift now", s.
    pub countdown_s: f64,
    /// How long the "ended" screen shows before the rest, s.
    pub ended_display_s: f64,
    /// Rest between trials, s.
    pub rest_s: f64,
    /// Give up waiting for a lift-off this long after the countdown, s.
    pub lift_off_timeout_s: f64,
    /// Stop a side once a trial reaches the time limit.
    pub stop_side_at_max: bool,
    /// Visual condition of the block.
    pub eyes: Eyes,
    /// Detector settings (time limit etc.).
    pub detector: SlsConfig,
    /// Lower-back sensor height (sway velocity), m, if known.
    pub pendulum_height_m: Option<f64>,
}

impl Default for ProtocolConfig {
    fn default() -> Self {
        ProtocolConfig {
            lift_order: vec![Side::Left, Side::Right],
            trials_per_side: norms::SLS_TRIALS_PER_SIDE,
            countdown_s: 3.0,
            ended_display_s: 3.0,
            rest_s: 30.0,
            lift_off_timeout_s: 10.0,
            stop_side_at_max: true,
            eyes: Eyes::Open,
            detector: SlsConfig::default(),
            pendulum_height_m: None,
        }
    }
}

/// Why a trial ended, as the protocol records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "reason", content = "ended_by")]
pub enum EndReason {
    /// The detector ended the hold.
    Detected(EndedBy),
    /// The operator pressed stop.
    Operator,
    /// No lift-off was seen in time (trial not counted).
    NoLiftOff,
}

/// Where the protocol is (what the UI shows).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "step")]
pub enum Step {
    /// Not started.
    Ready,
    /// Show the instruction; the operator confirms to start the countdown.
    Instruct {
        /// Foot to lift.
        lift: Side,
        /// Trial number on this side, from 1.
        trial: u32,
    },
    /// Counting down.
    Countdown {
        /// Foot to lift.
        lift: Side,
        /// Trial number, from 1.
        trial: u32,
        /// Seconds left.
        remaining_s: f64,
    },
    /// "Lift now" / holding: the timer runs from the detected lift-off.
    Holding {
        /// Foot lifted.
        lift: Side,
        /// Trial number, from 1.
        trial: u32,
        /// Lift-off seen.
        lifted: bool,
        /// Seconds held so far.
        elapsed_s: f64,
    },
    /// The trial is over; shows why.
    Ended {
        /// Foot lifted.
        lift: Side,
        /// Trial number, from 1.
        trial: u32,
        /// Seconds held.
        hold_s: f64,
        /// Why.
        why: EndReason,
    },
    /// Resting before the next trial.
    Rest {
        /// Seconds left.
        remaining_s: f64,
    },
    /// All trials done.
    Summary,
}

/// Something that happened (for the UI and the session log).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum ProtocolEvent {
    /// Entered a new step.
    Step(Step),
    /// The detector reported something.
    Detector(SlsEvent),
    /// A trial result was recorded.
    TrialRecorded(Box<TrialRecord>),
}

/// One recorded trial.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrialRecord {
    /// Foot lifted.
    pub lift: Side,
    /// Trial number on this side, from 1.
    pub trial: u32,
    /// Visual condition.
    pub eyes: Eyes,
    /// Why it ended.
    pub why: EndReason,
    /// Seconds held (0 without a lift-off).
    pub hold_s: f64,
    /// The detector's result (absent without a lift-off).
    pub result: Option<SlsTrial>,
}

/// Live sway during the hold (lower back): RMS of the horizontal acceleration, m/s².
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LiveSway {
    /// RMS of the horizontal acceleration about its mean since lift-off, m/s².
    pub rms_horizontal_mps2: f64,
    /// Samples it is based on.
    pub n: usize,
}

/// The guided protocol.
#[derive(Debug, Clone)]
pub struct SlsProtocol {
    config: ProtocolConfig,
    placements: Vec<Placement>,
    step: Step,
    side_index: usize,
    trial: u32,
    /// Step deadline (countdown end, ended-display end, rest end, lift-off timeout), s.
    deadline: f64,
    detector: Option<SlsDetector>,
    /// Pending record of a trial whose hold ended (waiting for touch-down or the display).
    pending: Option<(EndReason, f64)>,
    trials: Vec<TrialRecord>,
}

impl SlsProtocol {
    /// A protocol for sensors at `placements`; fails when they cannot time a trial for one of
    /// the sides.
    pub fn new(config: ProtocolConfig, placements: &[Placement]) -> Result<SlsProtocol, SlsError> {
        for &lift in &config.lift_order {
            SlsDetector::new(lift.opposite(), placements, config.detector)?;
        }
        let bad = |v: f64| !(v.is_finite() && v >= 0.0);
        if config.lift_order.is_empty()
            || config.trials_per_side == 0
            || [
                config.countdown_s,
                config.ended_display_s,
                config.rest_s,
                config.lift_off_timeout_s,
            ]
            .into_iter()
            .any(bad)
        {
            return Err(SlsError::BadConfig(format!("{config:?}")));
        }
        Ok(SlsProtocol {
            config,
            placements: placements.to_vec(),
            step: Step::Ready,
            side_index: 0,
            trial: 1,
            deadline: f64::INFINITY,
            detector: None,
            pending: None,
            trials: Vec::new(),
        })
    }

    /// The current step.
    pub fn step(&self) -> &Step {
        &self.step
    }

    /// The instruction to show or speak for the current step.
    pub fn instruction(&self) -> String {
        match &self.step {
            Step::Ready => "Stand on both feet, arms crossed over the chest.".into(),
            Step::Instruct { lift, .. } | Step::Countdown { lift, .. } => format!(
                "Lift your {} foot when the countdown ends{}.",
                lift.as_str().to_uppercase(),
                if self.config.eyes == Eyes::Closed {
                    ", eyes closed"
                } else {
                    ""
                }
            ),
            Step::Holding { lift, lifted, .. } => {
                if *lifted {
                    "Hold.".into()
                } else {
                    format!("Lift your {} foot now.", lift.as_str().to_uppercase())
                }
            }
            Step::Ended { why, .. } => match why {
                EndReason::Detected(EndedBy::TouchDown) => "Foot down: trial over.".into(),
                EndReason::Detected(EndedBy::Hop) => "Balance lost (hop/step): trial over.".into(),
                EndReason::Detected(EndedBy::TimeLimit) => "Time limit reached: well done.".into(),
                EndReason::Operator => "Stopped by the operator.".into(),
                EndReason::NoLiftOff => "No lift-off detected; the trial will be repeated.".into(),
            },
            Step::Rest { .. } => "Rest on both feet.".into(),
            Step::Summary => "Test complete.".into(),
        }
    }

    /// Trials recorded so far.
    pub fn trials(&self) -> &[TrialRecord] {
        &self.trials
    }

    /// Best of three per side, asymmetry and norms of the counted trials.
    pub fn summary(&self, age_years: Option<f64>, female: Option<bool>) -> SlsSummary {
        let holds: Vec<(Side, f64)> = self
            .trials
            .iter()
            .filter(|t| t.why != EndReason::NoLiftOff)
            .map(|t| (t.lift.opposite(), t.hold_s))
            .collect();
        summarize(&holds, self.config.eyes, age_years, female)
    }

    /// Live sway of the current hold, if a lower-back sensor is used.
    pub fn live_sway(&self) -> Option<LiveSway> {
        let det = self.detector.as_ref()?;
        let lift = det.lift_off_s()?;
        let s: Vec<&ImuSample> = det
            .back_samples()
            .iter()
            .filter(|s| s.t_s() >= lift)
            .collect();
        if s.len() < 10 {
            return None;
        }
        let n = s.len() as f64;
        let mean = s.iter().fold([0.0; 3], |a, x| {
            [
                a[0] + x.acc_mps2[0] / n,
                a[1] + x.acc_mps2[1] / n,
                a[2] + x.acc_mps2[2] / n,
            ]
        });
        let g = (mean[0] * mean[0] + mean[1] * mean[1] + mean[2] * mean[2]).sqrt();
        if g <= 0.0 {
            return None;
        }
        let up = mean.map(|v| v / g);
        let mut ss = 0.0;
        for x in &s {
            let d = [0, 1, 2].map(|k| x.acc_mps2[k] - mean[k]);
            let v = d[0] * up[0] + d[1] * up[1] + d[2] * up[2];
            ss += d.iter().map(|a| a * a).sum::<f64>() - v * v;
        }
        Some(LiveSway {
            rms_horizontal_mps2: (ss / n).max(0.0).sqrt(),
            n: s.len(),
        })
    }

    /// The sway trace of the current hold (see [`SlsDetector::sway_trace`]); `None` outside a
    /// hold or without a lower-back sensor.
    pub fn sway_trace(&self) -> Option<SwayTrace> {
        self.detector.as_ref()?.sway_trace()
    }

    fn lift(&self) -> Side {
        self.config.lift_order[self.side_index]
    }

    fn enter(&mut self, step: Step, out: &mut Vec<ProtocolEvent>) {
        self.step = step.clone();
        out.push(ProtocolEvent::Step(step));
    }

    /// Operator: start the test (from Ready).
    pub fn start(&mut self, _now_s: f64) -> Vec<ProtocolEvent> {
        let mut out = Vec::new();
        if self.step == Step::Ready {
            let (lift, trial) = (self.lift(), self.trial);
            self.enter(Step::Instruct { lift, trial }, &mut out);
        }
        out
    }

    /// Operator: the patient is ready, start the countdown (from Instruct).
    pub fn confirm(&mut self, now_s: f64) -> Vec<ProtocolEvent> {
        let mut out = Vec::new();
        if let Step::Instruct { lift, trial } = self.step {
            match SlsDetector::new(lift.opposite(), &self.placements, self.config.detector) {
                Ok(mut d) => {
                    if let Some(h) = self.config.pendulum_height_m {
                        d = d.with_pendulum_height(h);
                    }
                    self.detector = Some(d);
                }
                Err(_) => return out, // checked in `new`; cannot happen for configured sides
            }
            self.deadline = now_s + self.config.countdown_s;
            self.pending = None;
            self.enter(
                Step::Countdown {
                    lift,
                    trial,
                    remaining_s: self.config.countdown_s,
                },
                &mut out,
            );
        }
        out
    }

    /// Operator: stop the current hold now (counts as a trial if a lift-off was seen).
    pub fn operator_stop(&mut self, now_s: f64) -> Vec<ProtocolEvent> {
        let mut out = Vec::new();
        if matches!(self.step, Step::Holding { .. } | Step::Countdown { .. }) {
            let lifted = self.detector.as_ref().and_then(|d| d.lift_off_s());
            let why = if lifted.is_some() {
                EndReason::Operator
            } else {
                EndReason::NoLiftOff
            };
            let hold = lifted.map_or(0.0, |l| {
                (now_s - l).clamp(0.0, self.config.detector.max_hold_s)
            });
            self.end_trial(why, hold, now_s, &mut out);
        }
        out
    }

    /// Operator: skip the rest.
    pub fn skip_rest(&mut self, now_s: f64) -> Vec<ProtocolEvent> {
        if matches!(self.step, Step::Rest { .. }) {
            self.deadline = now_s;
            return self.tick(now_s);
        }
        Vec::new()
    }

    /// Feeds one sample (used from the countdown until the trial is recorded).
    pub fn push(&mut self, placement: Placement, sample: &ImuSample) -> Vec<ProtocolEvent> {
        let mut out = Vec::new();
        let Some(det) = self.detector.as_mut() else {
            return out;
        };
        let events = det.push(placement, sample);
        let now = sample.t_s();
        for e in events {
            out.push(ProtocolEvent::Detector(e));
            match e {
                SlsEvent::LiftOff { .. } => {
                    if let Step::Countdown { lift, trial, .. } | Step::Holding { lift, trial, .. } =
                        self.step
                    {
                        self.enter(
                            Step::Holding {
                                lift,
                                trial,
                                lifted: true,
                                elapsed_s: 0.0,
                            },
                            &mut out,
                        );
                    }
                }
                SlsEvent::HoldEnded { t_s, ended_by } => {
                    if matches!(self.step, Step::Holding { .. }) {
                        let lift_off = self
                            .detector
                            .as_ref()
                            .and_then(|d| d.lift_off_s())
                            .unwrap_or(t_s);
                        self.end_trial(
                            EndReason::Detected(ended_by),
                            t_s - lift_off,
                            now,
                            &mut out,
                        );
                    }
                }
                SlsEvent::TouchDown { .. } => {}
            }
        }
        out
    }

    /// The hold is over: show why; the record is made when the display time ends (so the
    /// detector can still see the touch-down).
    fn end_trial(&mut self, why: EndReason, hold_s: f64, now_s: f64, out: &mut Vec<ProtocolEvent>) {
        let (lift, trial) = (self.lift(), self.trial);
        self.pending = Some((why, hold_s));
        self.deadline = now_s + self.config.ended_display_s;
        self.enter(
            Step::Ended {
                lift,
                trial,
                hold_s,
                why,
            },
            out,
        );
    }

    fn record(&mut self, out: &mut Vec<ProtocolEvent>) {
        let Some((why, hold_s)) = self.pending.take() else {
            return;
        };
        let result = self.detector.take().and_then(|d| d.finish().ok());
        let hold_s = match (&why, &result) {
            (EndReason::Detected(_), Some(r)) => r.hold_s,
            _ => hold_s,
        };
        let rec = TrialRecord {
            lift: self.lift(),
            trial: self.trial,
            eyes: self.config.eyes,
            why,
            hold_s,
            result,
        };
        out.push(ProtocolEvent::TrialRecorded(Box::new(rec.clone())));
        self.trials.push(rec);
        if why == EndReason::NoLiftOff {
            return; // the same trial again
        }
        let at_max = hold_s >= self.config.detector.max_hold_s - 1e-9;
        if self.trial >= self.config.trials_per_side || (at_max && self.config.stop_side_at_max) {
            self.side_index += 1;
            self.trial = 1;
        } else {
            self.trial += 1;
        }
    }

    /// Advances time: countdown, live timer, lift-off timeout, ended display, rest.
    pub fn tick(&mut self, now_s: f64) -> Vec<ProtocolEvent> {
        let mut out = Vec::new();
        match self.step.clone() {
            Step::Countdown { lift, trial, .. } => {
                if now_s >= self.deadline {
                    self.deadline = now_s + self.config.lift_off_timeout_s;
                    self.enter(
                        Step::Holding {
                            lift,
                            trial,
                            lifted: false,
                            elapsed_s: 0.0,
                        },
                        &mut out,
                    );
                } else {
                    self.step = Step::Countdown {
                        lift,
                        trial,
                        remaining_s: self.deadline - now_s,
                    };
                }
            }
            Step::Holding { lift, trial, .. } => {
                let det = self.detector.as_ref();
                match det.and_then(|d| d.lift_off_s()) {
                    Some(l) => {
                        self.step = Step::Holding {
                            lift,
                            trial,
                            lifted: true,
                            elapsed_s: (now_s - l).clamp(0.0, self.config.detector.max_hold_s),
                        };
                    }
                    None if now_s >= self.deadline => {
                        self.end_trial(EndReason::NoLiftOff, 0.0, now_s, &mut out);
                    }
                    None => {}
                }
            }
            Step::Ended { .. } if now_s >= self.deadline => {
                self.record(&mut out);
                if self.side_index >= self.config.lift_order.len() {
                    self.enter(Step::Summary, &mut out);
                } else {
                    self.deadline = now_s + self.config.rest_s;
                    self.enter(
                        Step::Rest {
                            remaining_s: self.config.rest_s,
                        },
                        &mut out,
                    );
                }
            }
            Step::Rest { .. } => {
                if now_s >= self.deadline {
                    let (lift, trial) = (self.lift(), self.trial);
                    self.enter(Step::Instruct { lift, trial }, &mut out);
                } else {
                    self.step = Step::Rest {
                        remaining_s: self.deadline - now_s,
                    };
                }
            }
            _ => {}
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use steady_sim::{simulate, Scenario, SensorConfig, Simulation, SlsOutcome, SlsParams};

    /// A trial simulation: standing through the countdown, then the scripted trial.
    fn trial_sim(lift: Side, outcome: SlsOutcome, seed: u64) -> Simulation {
        let scenario = Scenario::new()
            .stand(2.5)
            .single_leg_stance(SlsParams {
                stance: lift.opposite(),
                time_limit_s: 10.0,
                outcome,
                ..SlsParams::default()
            })
            .stand(1.0);
        simulate(&scenario, &SensorConfig::default(), seed)
    }

    /// Feeds a simulation starting at session time `t0`, ticking at every sample.
    fn feed(p: &mut SlsProtocol, sim: &Simulation, t0: f64, log: &mut Vec<ProtocolEvent>) -> f64 {
        let n = sim.streams[0].1.len();
        let mut now = t0;
        for k in 0..n {
            for (placement, s) in &sim.streams {
                let mut x = s[k];
                x.t = steady_core::Micros::from_secs_f64(x.t_s() + t0);
                now = x.t_s();
                log.extend(p.push(*placement, &x));
            }
            log.extend(p.tick(now));
        }
        now
    }

    fn config() -> ProtocolConfig {
        ProtocolConfig {
            trials_per_side: 2,
            rest_s: 5.0,
            detector: SlsConfig {
                max_hold_s: 10.0,
                ..SlsConfig::default()
            },
            pendulum_height_m: Some(1.0),
            ..ProtocolConfig::default()
        }
    }

    #[test]
    fn guided_test_runs_both_sides_and_summarises_against_truth() {
        let placements = [
            Placement::LowerBack,
            Placement::LeftShank,
            Placement::RightShank,
        ];
        let mut p = SlsProtocol::new(config(), &placements).unwrap();
        let mut log = Vec::new();
        assert_eq!(p.step(), &Step::Ready);
        log.extend(p.start(0.0));
        assert!(p.instruction().contains("LEFT"), "{}", p.instruction());
        // Scripted: left lifted 6.0 s then 10 s (time limit: the side stops), right 3.0 s
        // with a hop, then 7.0 s.
        let script = [
            (Side::Left, SlsOutcome::TouchDown { after_s: 6.0 }, 6.0),
            (Side::Left, SlsOutcome::TimeLimit, 10.0),
            (Side::Right, SlsOutcome::Hop { after_s: 3.0 }, 3.0),
            (Side::Right, SlsOutcome::TouchDown { after_s: 7.0 }, 7.0),
        ];
        let mut now = 1.0;
        let mut saw_live = false;
        for (i, (lift, outcome, held)) in script.iter().enumerate() {
            let Step::Instruct { lift: l, .. } = *p.step() else {
                panic!("expected an instruction, got {:?}", p.step());
            };
            assert_eq!(l, *lift);
            log.extend(p.confirm(now));
            let sim = trial_sim(*lift, *outcome, i as u64);
            let truth = sim.truth.balance_trials[0];
            assert!((truth.held_s - held).abs() < 1e-9);
            now = feed(&mut p, &sim, now, &mut log);
            saw_live |= p.live_sway().is_some();
            // Let the ended display and the rest run out.
            while !matches!(p.step(), Step::Instruct { .. } | Step::Summary) {
                now += 0.1;
                log.extend(p.tick(now));
                if matches!(p.step(), Step::Rest { .. }) && now > 200.0 {
                    panic!("stuck");
                }
            }
            let rec = p.trials().last().unwrap();
            assert!((rec.hold_s - held).abs() <= 0.2, "{rec:?}");
            now += 1.0;
        }
        assert_eq!(p.step(), &Step::Summary);
        assert!(
            saw_live
                || log
                    .iter()
                    .any(|e| matches!(e, ProtocolEvent::Step(Step::Holding { lifted: true, .. })))
        );
        let whys: Vec<EndReason> = p.trials().iter().map(|t| t.why).collect();
        assert_eq!(
            whys,
            [
                EndReason::Detected(EndedBy::TouchDown),
                EndReason::Detected(EndedBy::TimeLimit),
                EndReason::Detected(EndedBy::Hop),
                EndReason::Detected(EndedBy::TouchDown),
            ]
        );
        let s = p.summary(Some(65.0), None);
        // Lifting the left foot = standing on the right leg.
        let right = s.right.as_ref().unwrap();
        let left = s.left.as_ref().unwrap();
        assert!((right.best_hold_s - 10.0).abs() < 0.2);
        assert!((left.best_hold_s - 7.0).abs() < 0.2);
        assert!((s.asymmetry_s.unwrap() - 3.0).abs() < 0.4);
        assert!(p.trials().iter().all(|t| t.eyes == Eyes::Open));
    }

    #[test]
    fn no_lift_off_repeats_the_trial_and_operator_can_stop() {
        let placements = [Placement::LeftShank, Placement::RightShank];
        let mut p = SlsProtocol::new(config(), &placements).unwrap();
        p.start(0.0);
        p.confirm(0.0);
        // Quiet standing only: the countdown ends, nothing is lifted, the timeout fires.
        let sim = simulate(
            &Scenario::new().stand(14.0),
            &SensorConfig::new(&placements),
            1,
        );
        let mut log = Vec::new();
        let mut now = feed(&mut p, &sim, 0.0, &mut log);
        assert!(
            matches!(
                p.step(),
                Step::Ended {
                    why: EndReason::NoLiftOff,
                    ..
                }
            ),
            "{:?}",
            p.step()
        );
        while !matches!(p.step(), Step::Instruct { .. }) {
            now += 0.5;
            p.tick(now);
            if matches!(p.step(), Step::Rest { .. }) {
                p.skip_rest(now);
            }
        }
        // The same trial is offered again.
        assert_eq!(
            p.step(),
            &Step::Instruct {
                lift: Side::Left,
                trial: 1
            }
        );
        assert_eq!(p.trials().len(), 1);
        assert!(p.summary(None, None).right.is_none());
        // Operator stop during a hold.
        p.confirm(now);
        let sim = trial_sim(Side::Left, SlsOutcome::TimeLimit, 4);
        let n = sim.streams[0].1.len();
        let mut t = now;
        for k in 0..n {
            for (pl, s) in &sim.streams {
                let mut x = s[k];
                x.t = steady_core::Micros::from_secs_f64(x.t_s() + now);
                t = x.t_s();
                p.push(*pl, &x);
            }
            p.tick(t);
            if let Step::Holding {
                lifted: true,
                elapsed_s,
                ..
            } = *p.step()
            {
                if elapsed_s >= 4.0 {
                    p.operator_stop(t);
                    break;
                }
            }
        }
        let Step::Ended { why, hold_s, .. } = *p.step() else {
            panic!("{:?}", p.step());
        };
        assert_eq!(why, EndReason::Operator);
        assert!((hold_s - 4.0).abs() < 0.05);
    }

    #[test]
    fn bad_configuration_is_refused() {
        let cfg = ProtocolConfig {
            trials_per_side: 0,
            ..ProtocolConfig::default()
        };
        assert!(SlsProtocol::new(cfg, &[Placement::LowerBack]).is_err());
        assert!(SlsProtocol::new(ProtocolConfig::default(), &[Placement::LeftFoot]).is_err());
    }
}
