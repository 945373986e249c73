//! `steady demo` with the terminal UI: simulated sensors → streaming gait analysis → dashboard,
//! then the guided single-leg balance test driven by keys.
//!
//! Threads: the data path ([`Pipeline`]) runs on its own thread, paced by the wall clock, and
//! publishes a fresh [`DashboardModel`] into a latest-wins slot; the UI thread polls that slot
//! and draws. A slow terminal only makes the UI skip snapshots, never samples. Keys reach the
//! pipeline through a channel. On quit (and when the UI panics) the pipeline thread is joined
//! and writes the recording folder before the process exits; the terminal is restored by a
//! guard and by a panic hook.
//!
//! Balance trials are timed by `steady_balance::sls::SlsDetector` fed with the simulated
//! samples (lift-off, end of the hold and its reason come from the detector, never from the
//! simulator's ground truth). Sensor faults are scripted (one leg sensor drops out during
//! the walk and recovers).

use super::dashboard::TerminalGuard;
use super::demo::Args;
use super::guided::{short_source, GuideSet};
use anyhow::Context;
use crossterm::event::{self, Event};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use steady_analysis::gait::{GaitAnalyzer, GaitOutput, GaitReport};
use steady_analysis::Subject;
use steady_balance::fall_risk::{self, Sex};
use steady_balance::four_stage::ProtocolState;
use steady_balance::norms::{self as balance_norms, Eyes};
use steady_balance::sls::{EndedBy, SlsConfig, SlsDetector, SlsEvent};
use steady_core::{Gap, ImuSample, Micros, Placement, Side};
use steady_dashboard::model::*;
use steady_dashboard::{Action, App, Screen};
use steady_recording::{Recording, SensorStream};
use steady_sim::{
    BalanceStage, ChairStandParams, FourStageParams, Scenario, SensorConfig, Simulator, SlsOutcome,
    SlsParams, TugParams, WalkParams,
};

/// Age of the simulated demo patient (for the norms).
const DEMO_AGE_YEARS: f64 = 72.0;
/// Sex of the simulated demo patient (the chair-stand cut-offs differ by sex).
const DEMO_SEX: Sex = Sex::Female;
/// Quiet standing before the simulated 4-stage test (the movement detector's reference), s.
const FOUR_LEAD_S: f64 = 1.0;
/// The simulated patient places the feet in the 1.5 s before each 4-stage hold
/// (`steady_sim`'s 4-stage layout); the demo starts that movement this long before "GO".
const PLACE_LEAD_S: f64 = 1.5;
/// Sampling rate of the simulated sensors.
const RATE_HZ: f64 = 100.0;
/// Seconds of signal kept for the charts.
const TRACE_S: f64 = 6.0;
/// Scripted dropout of the right-shank sensor during the walk, session seconds.
const DROPOUT_S: (f64, f64) = (12.0, 16.0);
/// Countdown before a balance trial, s.
const COUNTDOWN_S: f64 = 3.0;
/// New samples between two recomputations of the sway trace (0.1 s at 100 Hz).
const SWAY_EVERY_SAMPLES: u64 = 10;
/// Rest between balance trials, s.
const REST_S: f64 = 5.0;

/// Commands from the UI to the data path.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Command {
    StartStopWalking,
    Continue,
    StopTrial,
    Next,
    Export,
    /// `i` on the Sensors screen: the row's sensor should show itself.
    Identify(u16),
    /// `p` on the Sensors screen: the row's sensor gets the next free placement.
    CyclePlacement(u16),
    /// A first `r` on the Sensors screen: ask to confirm removing the row's sensor.
    ConfirmRemove(u16),
    /// The second `r`: the row's sensor is removed (the spare only: see `Pipeline::remove`).
    Remove(u16),
}

/// Name of the demo's one nearby, unassigned simulated sensor.
const SPARE_NAME: &str = "SIM-SPARE";

/// Which part of the demo runs (tells the UI which screen to show).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Walking,
    Balance,
    Other,
    Done,
}

/// The simulated patient of a guided test: a simulator played on the session clock (session
/// time = simulator time + `offset_s`), paused while the protocol waits for the clinician.
#[derive(Debug)]
struct SimFeed {
    sim: Simulator,
    offset_s: f64,
    next_k: u64,
    paused: bool,
}

/// The "Other tests" of the demo: the guides (`steady_balance` underneath, see
/// `super::guided`) and the simulated patient of the current one.
#[derive(Debug)]
struct Others {
    guides: GuideSet,
    feed: Option<SimFeed>,
}

/// One simulated sensor of the walk.
#[derive(Debug)]
struct SimSensor {
    placement: Placement,
    name: &'static str,
    delivered: u64,
    expected: u64,
}

/// A balance trial being simulated.
#[derive(Debug)]
struct Trial {
    sim: Simulator,
    start_s: f64,
    next_k: u64,
    /// Times the trial from the samples (trial-relative seconds).
    detector: SlsDetector,
    /// Lift-off seen by the detector, trial-relative s.
    lift_off_s: Option<f64>,
    /// End of the hold seen by the detector, trial-relative s, and why.
    ended: Option<(f64, EndedBy)>,
    /// Sample index of the last sway-trace recomputation.
    sway_k: u64,
}

/// The data path: simulation, analysis, protocol and the recording. Owns no thread itself.
struct Pipeline {
    stage: Stage,
    walk: Simulator,
    walk_next_k: u64,
    walking: bool,
    walk_elapsed_s: f64,
    walk_offset_s: f64,
    sensors: Vec<SimSensor>,
    analyzer: Option<GaitAnalyzer>,
    events: Vec<steady_analysis::gait::types::GaitEvent>,
    strides: Vec<steady_analysis::gait::types::Stride>,
    report: Option<GaitReport>,
    traces: Vec<(Placement, Vec<(f64, f64)>)>,
    rec: Vec<SensorStream>,
    balance: BalanceView,
    order: [Side; 2],
    side_idx: usize,
    trial: Option<Trial>,
    phase_start_s: f64,
    others: Others,
    now_s: f64,
    status: Option<String>,
    out_dir: PathBuf,
    /// Placement assigned to the spare (nearby) simulated sensor, if any.
    spare: Option<Placement>,
}

/// The eyes-open single-leg stance norm for `age` from `steady_balance`'s table.
fn norm_for(age: f64) -> Option<AgeNorm> {
    balance_norms::sls_norm(age, Eyes::Open, None).map(|n| AgeNorm {
        group: format!("age {:.0}-{:.0}", n.age_band.0, n.age_band.1),
        mean_s: n.value_s,
        // The citation up to its first comma ("Springer et al. 2007").
        source: n.source.split(',').next().unwrap_or(n.source).into(),
    })
}

impl Pipeline {
    fn new(duration_s: f64, out_dir: PathBuf) -> Pipeline {
        let walk_s = duration_s.clamp(8.0, 600.0);
        let scenario = Scenario::new()
            .stand(2.0)
            .walk(WalkParams::default(), walk_s)
            .stand(2.0);
        let config = SensorConfig::default();
        let walk = Simulator::new(&scenario, &config, 7);
        let names = ["SIM-BACK", "SIM-LSHANK", "SIM-RSHANK"];
        let sensors: Vec<SimSensor> = config
            .sensors
            .iter()
            .zip(names)
            .map(|(s, name)| SimSensor {
                placement: s.placement,
                name,
                delivered: 0,
                expected: 0,
            })
            .collect();
        let placements: Vec<(Placement, f64)> =
            sensors.iter().map(|s| (s.placement, RATE_HZ)).collect();
        let rec = sensors
            .iter()
            .map(|s| SensorStream {
                placement: s.placement,
                samples: Vec::new(),
                gaps: Vec::new(),
            })
            .collect();
        Pipeline {
            stage: Stage::Walking,
            walk,
            walk_next_k: 0,
            walking: true,
            walk_elapsed_s: 0.0,
            walk_offset_s: 0.0,
            traces: sensors.iter().map(|s| (s.placement, Vec::new())).collect(),
            analyzer: Some(GaitAnalyzer::new(&placements, Subject::default())),
            sensors,
            events: Vec::new(),
            strides: Vec::new(),
            report: None,
            rec,
            balance: BalanceView {
                phase: BalancePhase::Ready,
                stance: Some(Side::Right),
                trial: 1,
                trials_per_side: 1,
                time_limit_s: 20.0,
                sway_mm: Vec::new(),
                results: Vec::new(),
                norm: norm_for(DEMO_AGE_YEARS),
            },
            // "Lift your LEFT foot" first: stand on the right leg, then the left.
            order: [Side::Right, Side::Left],
            side_idx: 0,
            trial: None,
            phase_start_s: 0.0,
            others: Others {
                guides: GuideSet::new(
                    &placements,
                    Subject {
                        age_years: Some(DEMO_AGE_YEARS),
                        female: Some(DEMO_SEX == Sex::Female),
                        ..Subject::default()
                    },
                ),
                feed: None,
            },
            now_s: 0.0,
            status: None,
            out_dir,
            spare: None,
        }
    }

    fn in_dropout(p: Placement, t_s: f64) -> bool {
        p == Placement::RightShank && t_s >= DROPOUT_S.0 && t_s < DROPOUT_S.1
    }

    fn push_trace(&mut self, i: usize, t_s: f64, v: f64) {
        let tr = &mut self.traces[i].1;
        tr.push((t_s, v));
        let cut = tr.partition_point(|(t, _)| *t < t_s - TRACE_S);
        if cut > 200 {
            tr.drain(..cut);
        }
    }

    fn trace_value(p: Placement, s: &ImuSample) -> f64 {
        match p {
            Placement::LowerBack => s.acc_mps2[0],
            _ => s.gyr_dps[2],
        }
    }

    /// Advances the simulation to session time `now_s`.
    fn step(&mut self, now_s: f64) {
        let dt = (now_s - self.now_s).max(0.0);
        self.now_s = now_s;
        if self.walking {
            self.walk_elapsed_s += dt;
            self.step_walk(now_s);
        }
        self.step_balance(now_s);
        self.step_other(now_s);
    }

    /// The simulated patient of the current other test, started (or resumed) so that the
    /// movement the clinician asks for comes with "GO" at `now_s + COUNTDOWN_S`.
    fn other_continue(&mut self, now_s: f64) {
        if self.others.guides.guide().finished() {
            self.next_other(now_s);
            return;
        }
        let cd = super::guided::COUNTDOWN_S;
        match self.others.guides.test() {
            GuidedTest::FourStage => {
                if !matches!(self.others.guides.four.state(), ProtocolState::Ready { .. }) {
                    return;
                }
                let feed = self.others.feed.get_or_insert_with(|| {
                    let scenario = Scenario::new()
                        .stand(FOUR_LEAD_S)
                        .four_stage(FourStageParams {
                            // The simulated patient steps out of the tandem stance after 6.3 s.
                            fail: Some((BalanceStage::Tandem, 6.3)),
                            ..FourStageParams::default()
                        })
                        .stand(1.0);
                    SimFeed {
                        sim: Simulator::new(&scenario, &SensorConfig::default(), 23),
                        offset_s: 0.0,
                        next_k: 0,
                        paused: true,
                    }
                });
                // The stage's movement starts where the last hold ended.
                let done = self.others.guides.four.result().stages.len();
                let t0 = match done {
                    0 => FOUR_LEAD_S,
                    d => feed
                        .sim
                        .truth()
                        .stages
                        .get(d - 1)
                        .map_or(FOUR_LEAD_S, |s| s.end_s),
                };
                feed.offset_s = now_s + cd - PLACE_LEAD_S - t0;
                feed.paused = false;
            }
            GuidedTest::Tug | GuidedTest::ChairStand => {
                if self.others.feed.is_some() {
                    return;
                }
                let (scenario, seed) = if self.others.guides.test() == GuidedTest::Tug {
                    (Scenario::new().tug(TugParams::default()).stand(1.0), 29)
                } else {
                    let p = ChairStandParams {
                        // One failed half-rise, which must not count.
                        failed_rise_before: Some(3),
                        ..ChairStandParams::default()
                    };
                    (Scenario::new().chair_stand_30s(p).stand(1.0), 31)
                };
                let sim = Simulator::new(&scenario, &SensorConfig::default(), seed);
                let t = sim.truth();
                let go_s = t
                    .tugs
                    .first()
                    .map(|x| x.start_s)
                    .or(t.chair_stands.first().map(|x| x.start_s))
                    .unwrap_or(0.0);
                self.others.feed = Some(SimFeed {
                    sim,
                    offset_s: now_s + cd - go_s,
                    next_k: 0,
                    paused: false,
                });
            }
        }
        self.others.guides.guide_mut().advance(now_s);
    }

    /// Moves on to the next other test (a running one is stopped first), then the summary.
    fn next_other(&mut self, now_s: f64) {
        self.others.feed = None;
        if !self.others.guides.next(now_s) {
            self.stage = Stage::Done;
        }
    }

    /// Plays the simulated patient of the current other test up to `now_s` into its guide.
    fn step_other(&mut self, now_s: f64) {
        if let Some(mut f) = self.others.feed.take() {
            let n = f.sim.n_samples();
            let target = if f.paused {
                f.next_k
            } else {
                (((now_s - f.offset_s) * RATE_HZ).floor().max(0.0) as u64).min(n)
            };
            let shift_us = (f.offset_s * 1e6).round() as i64;
            let mut k = f.next_k;
            while k < target {
                for i in 0..self.sensors.len() {
                    let mut smp = f.sim.sample(i, k);
                    smp.t = Micros(smp.t.0 + shift_us);
                    let p = self.sensors[i].placement;
                    self.rec[i].samples.push(smp);
                    self.traces[i]
                        .1
                        .push((smp.t_s(), Self::trace_value(p, &smp)));
                    self.others
                        .guides
                        .guide_mut()
                        .push(p, std::slice::from_ref(&smp));
                }
                k += 1;
                if self.others.guides.test() == GuidedTest::FourStage
                    && self.others.guides.four.awaiting_next_stage()
                {
                    // Stage held: the patient waits for the clinician's Space.
                    f.paused = true;
                    break;
                }
            }
            f.next_k = k;
            if k < n && !self.others.guides.guide().finished() {
                self.others.feed = Some(f);
            }
            for (_, trc) in self.traces.iter_mut() {
                let cut = trc.partition_point(|(t, _)| *t < now_s - TRACE_S);
                if cut > 200 {
                    trc.drain(..cut);
                }
            }
        }
        self.others.guides.guide_mut().tick(now_s);
    }

    fn step_walk(&mut self, now_s: f64) {
        let n = self.walk.n_samples();
        let target = (((now_s - self.walk_offset_s) * RATE_HZ).floor().max(0.0) as u64).min(n);
        if target <= self.walk_next_k {
            if self.walk_next_k >= n {
                self.finish_walk();
            }
            return;
        }
        let range = self.walk_next_k..target;
        self.walk_next_k = target;
        for i in 0..self.sensors.len() {
            let p = self.sensors[i].placement;
            let mut batch = Vec::with_capacity((range.end - range.start) as usize);
            for k in range.clone() {
                let mut s = self.walk.sample(i, k);
                s.t = Micros(s.t.0 + (self.walk_offset_s * 1e6) as i64);
                self.sensors[i].expected += 1;
                let t_s = s.t.0 as f64 * 1e-6;
                if Self::in_dropout(p, t_s) {
                    // Gap accounting: the span between the last sample before and the first after.
                    let last = batch
                        .last()
                        .or(self.rec[i].samples.last())
                        .map_or(s.t, |x: &ImuSample| x.t);
                    match self.rec[i].gaps.last_mut() {
                        Some(g) if g.end == Micros(i64::MAX) => g.lost_samples += 1,
                        _ => self.rec[i].gaps.push(Gap {
                            start: last,
                            end: Micros(i64::MAX),
                            lost_samples: 1,
                        }),
                    }
                    continue;
                }
                if let Some(g) = self.rec[i].gaps.last_mut() {
                    if g.end == Micros(i64::MAX) {
                        g.end = s.t;
                    }
                }
                self.sensors[i].delivered += 1;
                self.push_trace(i, t_s, Self::trace_value(p, &s));
                batch.push(s);
            }
            self.rec[i].samples.extend_from_slice(&batch);
            if let Some(a) = self.analyzer.as_mut() {
                if let Ok(out) = a.push(p, &batch) {
                    for o in out {
                        match o {
                            GaitOutput::Event(e) => self.events.push(e),
                            GaitOutput::Stride(s) => self.strides.push(s),
                            GaitOutput::Bout(_) => {}
                        }
                    }
                }
            }
        }
    }

    fn finish_walk(&mut self) {
        self.walking = false;
        if let Some(a) = self.analyzer.take() {
            let report = a.finish();
            self.events = report.events.clone();
            self.strides = report.strides.clone();
            self.report = Some(report);
        }
    }

    fn start_trial(&mut self, now_s: f64) {
        let stance = self.order[self.side_idx];
        // The simulated patient: holds 9 s on the right leg, loses balance at 3.5 s on the left.
        let outcome = match stance {
            Side::Right => SlsOutcome::TouchDown { after_s: 9.0 },
            Side::Left => SlsOutcome::Hop { after_s: 3.5 },
        };
        let scenario = Scenario::new()
            .stand(COUNTDOWN_S)
            .single_leg_stance(SlsParams {
                stance,
                time_limit_s: self.balance.time_limit_s,
                outcome,
                ..SlsParams::default()
            })
            .stand(1.0);
        let sim = Simulator::new(
            &scenario,
            &SensorConfig::default(),
            11 + self.side_idx as u64,
        );
        let placements: Vec<Placement> = self.sensors.iter().map(|s| s.placement).collect();
        let config = SlsConfig {
            max_hold_s: self.balance.time_limit_s,
            ..SlsConfig::default()
        };
        let detector = match SlsDetector::new(stance, &placements, config) {
            Ok(d) => d,
            Err(e) => {
                // Cannot happen with the demo's sensors; show it rather than crash.
                self.balance.phase = BalancePhase::Lift;
                tracing::error!("balance detector: {e}");
                return;
            }
        };
        self.trial = Some(Trial {
            sim,
            start_s: now_s,
            next_k: 0,
            detector,
            lift_off_s: None,
            ended: None,
            sway_k: 0,
        });
        self.balance.sway_mm.clear();
        self.balance.phase = BalancePhase::Countdown {
            remaining_s: COUNTDOWN_S,
        };
    }

    fn step_balance(&mut self, now_s: f64) {
        let Some(tr) = self.trial.as_mut() else {
            if let BalancePhase::Rest { .. } = self.balance.phase {
                let left = REST_S - (now_s - self.phase_start_s);
                self.balance.phase = BalancePhase::Rest { remaining_s: left };
                if left <= 0.0 {
                    self.balance.phase = BalancePhase::Lift;
                }
            }
            return;
        };
        let t_trial = now_s - tr.start_s;
        let n = tr.sim.n_samples();
        let target = ((t_trial * RATE_HZ).floor().max(0.0) as u64).min(n);
        for k in tr.next_k..target {
            for i in 0..self.sensors.len() {
                let mut s = tr.sim.sample(i, k);
                let t_rel = s.t.0 as f64 * 1e-6;
                s.t = Micros(s.t.0 + (tr.start_s * 1e6) as i64);
                let p = self.sensors[i].placement;
                let mut rel = s;
                rel.t = Micros((t_rel * 1e6).round() as i64);
                for ev in tr.detector.push(p, &rel) {
                    match ev {
                        SlsEvent::LiftOff { t_s } => tr.lift_off_s = Some(t_s),
                        SlsEvent::HoldEnded { t_s, ended_by } => {
                            tr.ended = Some((t_s, ended_by));
                        }
                        SlsEvent::TouchDown { .. } => {}
                    }
                }
                self.rec[i].samples.push(s);
                let t_s = s.t.0 as f64 * 1e-6;
                let v = Self::trace_value(p, &s);
                let trc = &mut self.traces[i].1;
                trc.push((t_s, v));
            }
        }
        if target >= tr.sway_k + SWAY_EVERY_SAMPLES || tr.ended.is_some() {
            // steady_balance's own sway trace (the window the trial's sway metrics use), as
            // the attached dashboard shows it from the daemon's 25 Hz stream.
            tr.sway_k = target;
            if let Some(trace) = tr.detector.sway_trace() {
                self.balance.sway_mm = trace.tilt_mm();
            }
        }
        tr.next_k = target;
        for (_, trc) in self.traces.iter_mut() {
            let cut = trc.partition_point(|(t, _)| *t < now_s - TRACE_S);
            if cut > 200 {
                trc.drain(..cut);
            }
        }
        let (lift, ended) = (tr.lift_off_s, tr.ended);
        let finished = target >= n;
        match (self.balance.phase, lift) {
            (BalancePhase::Countdown { .. }, Some(_)) => {
                self.balance.phase = BalancePhase::Holding { elapsed_s: 0.0 };
            }
            (BalancePhase::Countdown { .. }, None) if finished => {
                // No lift-off was seen in the whole simulated trial: say so, do not hang.
                tracing::warn!("balance demo: no lift-off detected");
                self.end_trial(0.0, EndReason::Stopped);
            }
            (BalancePhase::Countdown { .. }, None) => {
                // Counts down, then waits at zero until the detector sees the foot leave.
                self.balance.phase = BalancePhase::Countdown {
                    remaining_s: (COUNTDOWN_S - t_trial).max(0.0),
                };
            }
            (BalancePhase::Holding { .. }, Some(lift)) => match ended {
                Some((end_s, by)) => {
                    let reason = match by {
                        EndedBy::TouchDown => EndReason::FootDown,
                        EndedBy::Hop => EndReason::Hop,
                        EndedBy::TimeLimit => EndReason::TimeLimit,
                    };
                    self.end_trial(end_s - lift, reason);
                }
                // The simulated trial ran out without a detected end: the hold lasted to here.
                None if finished => self.end_trial(t_trial - lift, EndReason::TimeLimit),
                None => {
                    self.balance.phase = BalancePhase::Holding {
                        elapsed_s: t_trial - lift,
                    };
                }
            },
            _ => {}
        }
        if finished && !matches!(self.balance.phase, BalancePhase::Countdown { .. }) {
            self.trial = None;
        }
    }

    fn end_trial(&mut self, held_s: f64, reason: EndReason) {
        let stance = self.order[self.side_idx];
        let rms = rms2(&self.balance.sway_mm);
        self.balance.results.push(TrialResult {
            stance,
            held_s,
            reason,
            sway_rms_mm: rms,
        });
        self.balance.phase = BalancePhase::Ended { held_s, reason };
    }

    fn command(&mut self, c: Command, now_s: f64) {
        match c {
            Command::StartStopWalking if self.stage == Stage::Walking => {
                if self.walking {
                    self.finish_walk();
                } else if self.report.is_some() {
                    self.status = Some("walk finished; n: balance test".into());
                }
            }
            Command::Next => match self.stage {
                Stage::Walking => {
                    if self.walking {
                        self.finish_walk();
                    }
                    self.stage = Stage::Balance;
                }
                Stage::Balance => self.stage = Stage::Other,
                Stage::Other => self.next_other(now_s),
                Stage::Done => {}
            },
            Command::Continue if self.stage == Stage::Balance => match self.balance.phase {
                BalancePhase::Ready => self.balance.phase = BalancePhase::Lift,
                BalancePhase::Lift => self.start_trial(now_s),
                BalancePhase::Ended { .. } => {
                    if self.side_idx + 1 < self.order.len() {
                        self.side_idx += 1;
                        self.balance.stance = Some(self.order[self.side_idx]);
                        self.balance.phase = BalancePhase::Rest {
                            remaining_s: REST_S,
                        };
                        self.phase_start_s = now_s;
                        self.trial = None;
                    } else {
                        self.balance.phase = BalancePhase::Summary;
                        self.trial = None;
                    }
                }
                BalancePhase::Rest { .. } => self.balance.phase = BalancePhase::Lift,
                BalancePhase::Summary => self.stage = Stage::Other,
                _ => {}
            },
            Command::Continue if self.stage == Stage::Other => self.other_continue(now_s),
            Command::StopTrial if self.stage == Stage::Other => {
                self.others.guides.guide_mut().stop(now_s);
                self.others.feed = None;
            }
            Command::StopTrial if self.stage == Stage::Balance => match self.balance.phase {
                BalancePhase::Holding { elapsed_s } => {
                    self.end_trial(elapsed_s, EndReason::Stopped)
                }
                BalancePhase::Countdown { .. } => {
                    self.trial = None;
                    self.balance.phase = BalancePhase::Lift;
                }
                _ => {}
            },
            Command::Export => match self.save() {
                Ok(dir) => self.status = Some(format!("saved {}", dir.display())),
                Err(e) => self.status = Some(format!("export failed: {e:#}")),
            },
            Command::Identify(id) => self.status = Some(self.identify(id)),
            Command::CyclePlacement(id) => self.status = Some(self.cycle_placement(id)),
            Command::ConfirmRemove(id) => {
                self.status = Some(match self.sensor_name(id) {
                    Some(n) => {
                        format!("remove {n}? press r again to confirm, any other key cancels")
                    }
                    None => "no such sensor".into(),
                })
            }
            Command::Remove(id) => self.status = Some(self.remove(id)),
            _ => {}
        }
    }

    fn sensor_name(&self, id: u16) -> Option<&'static str> {
        match self.sensors.get(id as usize) {
            Some(s) => Some(s.name),
            None => (id as usize == self.sensors.len()).then_some(SPARE_NAME),
        }
    }

    /// Simulated sensors have nothing to blink: say so (as `steady daemon --simulate`).
    fn identify(&self, id: u16) -> String {
        match self.sensor_name(id) {
            Some(n) => format!("{n} is simulated: it has no LED or motor, nothing blinked"),
            None => "no such sensor".into(),
        }
    }

    /// The spare sensor gets the next placement the walk's sensors do not hold (in this demo
    /// only: it is not simulated, so it stays NEARBY without data); the walk's sensors keep
    /// the placements their simulated walk was made for.
    fn cycle_placement(&mut self, id: u16) -> String {
        let Some(name) = self.sensor_name(id) else {
            return "no such sensor".into();
        };
        if (id as usize) < self.sensors.len() {
            return format!(
                "{name} stays at {}: the demo's walk is simulated for that placement",
                self.sensors[id as usize].placement
            );
        }
        let taken: Vec<Placement> = self.sensors.iter().map(|s| s.placement).collect();
        match Placement::next_free(self.spare, &taken) {
            Some(p) => {
                self.spare = Some(p);
                format!(
                    "{name} assigned to {p} (simulated: in this demo only, and it sends no data)"
                )
            }
            None => "every placement is taken".into(),
        }
    }

    /// As `sensor_remove` on `steady daemon --simulate`, in this demo only: the spare loses
    /// its placement and is NEARBY again. The walk's sensors cannot be removed: the demo's
    /// walk is simulated for them (and is being recorded), which the answer says.
    fn remove(&mut self, id: u16) -> String {
        let Some(name) = self.sensor_name(id) else {
            return "no such sensor".into();
        };
        if let Some(s) = self.sensors.get(id as usize) {
            return format!(
                "{name} stays at {}: the demo's walk is simulated and recorded with it",
                s.placement
            );
        }
        match self.spare.take() {
            Some(p) => format!(
                "{name} removed from {p} (simulated: in this demo only); it is NEARBY again"
            ),
            None => format!("{name} is not assigned; nothing to remove"),
        }
    }

    fn sensor_rows(&self) -> Vec<SensorRow> {
        self.sensors
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let t = self.now_s;
                let state = if s.placement == Placement::RightShank
                    && self.walking
                    && t >= DROPOUT_S.0
                    && t < DROPOUT_S.1 + 0.5
                {
                    let into = t - DROPOUT_S.0;
                    if into < 0.5 {
                        SensorState::Stalled
                    } else if t < DROPOUT_S.1 - 1.0 {
                        SensorState::Lost
                    } else {
                        SensorState::Reconnecting
                    }
                } else {
                    SensorState::Streaming
                };
                let loss_pct = if s.expected > 0 {
                    100.0 * (s.expected - s.delivered) as f64 / s.expected as f64
                } else {
                    0.0
                };
                SensorRow {
                    id: i as u16,
                    name: s.name.into(),
                    placement: Some(s.placement),
                    vendor: "steady-sim".into(),
                    state,
                    battery_pct: Some((95.0 - t / 60.0).max(0.0) as u8 - i as u8),
                    rssi_dbm: Some(-48 - 6 * i as i16),
                    rate_hz: if state == SensorState::Streaming {
                        RATE_HZ
                    } else {
                        0.0
                    },
                    loss_pct,
                    // No clock sync in the simulator path (the sensors share the session clock).
                    clock_offset_ms: None,
                }
            })
            .chain(std::iter::once(SensorRow {
                id: self.sensors.len() as u16,
                name: SPARE_NAME.into(),
                placement: self.spare,
                vendor: "steady-sim".into(),
                state: SensorState::Discovered,
                battery_pct: None,
                rssi_dbm: Some(-71),
                rate_hz: 0.0,
                loss_pct: 0.0,
                clock_offset_ms: None,
            }))
            .collect()
    }

    fn legs(&self) -> Vec<LegTimeline> {
        Side::BOTH
            .iter()
            .map(|&side| {
                let strides = self.strides.iter().filter(|s| s.side == Some(side)).count();
                LegTimeline::from_events(side, &self.events, strides as u32)
            })
            .collect()
    }

    fn gait_live(&self) -> GaitLive {
        let recent: Vec<_> = self.strides.iter().rev().take(12).collect();
        let side_mean =
            |side: Side, f: &dyn Fn(&steady_analysis::gait::types::Stride) -> Option<f64>| {
                let v: Vec<f64> = recent
                    .iter()
                    .filter(|s| s.side == Some(side))
                    .filter_map(|s| f(s))
                    .collect();
                (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
            };
        let stride_t: Vec<f64> = recent.iter().map(|s| s.duration_s()).collect();
        let cadence_spm = (!stride_t.is_empty())
            .then(|| 120.0 / (stride_t.iter().sum::<f64>() / stride_t.len() as f64));
        let speeds: Vec<f64> = recent
            .iter()
            .filter_map(|s| s.length_m.map(|l| l / s.duration_s()))
            .collect();
        let speed_mps =
            (!speeds.is_empty()).then(|| speeds.iter().sum::<f64>() / speeds.len() as f64);
        let stance_pct =
            |side| side_mean(side, &|s| s.stance_s.map(|st| 100.0 * st / s.duration_s()));
        // Single-limb support: this leg alone on the ground (stance minus double support).
        let ss = |side| {
            side_mean(side, &|s| {
                s.stance_s
                    .zip(s.double_support_s)
                    .map(|(stance, double)| stance - double)
            })
        };
        let mut asymmetry = Vec::new();
        for (name, max, f) in [
            (
                "stance",
                fall_risk::STANCE_ASYMMETRY_PCT,
                (|s: &steady_analysis::gait::types::Stride| s.stance_s) as fn(&_) -> _,
            ),
            ("swing", fall_risk::SWING_ASYMMETRY_PCT, |s| s.swing_s),
        ] {
            if let (Some(l), Some(r)) = (side_mean(Side::Left, &f), side_mean(Side::Right, &f)) {
                if l > 0.0 && r > 0.0 {
                    asymmetry.push(AsymmetryGauge {
                        name: name.into(),
                        value_pct: 100.0 * (l.max(r) / l.min(r) - 1.0),
                        normal_max_pct: max,
                    });
                }
            }
        }
        let (exp, del) = self
            .sensors
            .iter()
            .fold((0u64, 0u64), |(e, d), s| (e + s.expected, d + s.delivered));
        GaitLive {
            recording: self.walking,
            elapsed_s: self.walk_elapsed_s,
            cadence_spm,
            speed_mps,
            stance_pct: [stance_pct(Side::Left), stance_pct(Side::Right)],
            single_support_s: [ss(Side::Left), ss(Side::Right)],
            asymmetry,
            stride_count: self.strides.len() as u32,
            completeness_pct: if exp > 0 {
                100.0 * del as f64 / exp as f64
            } else {
                100.0
            },
            result: self.report.as_ref().map(|r| {
                let q = &r.summary.quality;
                format!(
                    "{} strides, quality {}",
                    r.summary.n_strides,
                    if q.ok {
                        "OK".to_string()
                    } else {
                        format!("LOW: {}", q.reasons.join("; "))
                    }
                )
            }),
        }
    }

    fn summary(&self) -> SessionSummary {
        let mut metrics = Vec::new();
        let mut findings = Vec::new();
        if let Some(r) = &self.report {
            let s = &r.summary;
            let f = |v: Option<f64>, p: usize| v.map_or("–".into(), |x| format!("{x:.p$}"));
            metrics.push(MetricRow {
                name: "cadence, steps/min".into(),
                value: f(s.cadence_spm, 0),
            });
            metrics.push(MetricRow {
                name: "gait speed, m/s".into(),
                value: f(s.speed_mps, 2),
            });
            metrics.push(MetricRow {
                name: "stride length, m".into(),
                value: f(s.stride_length_m, 2),
            });
            metrics.push(MetricRow {
                name: "stance, s (L / R)".into(),
                value: format!("{} / {}", f(s.left.stance_s, 2), f(s.right.stance_s, 2)),
            });
            metrics.push(MetricRow {
                name: "strides".into(),
                value: s.n_strides.to_string(),
            });
            if let Some(v) = s.speed_mps {
                let slow = v < fall_risk::GAIT_SPEED_RISK_MPS;
                findings.push(Finding {
                    level: if slow {
                        RiskLevel::High
                    } else {
                        RiskLevel::Normal
                    },
                    title: if slow {
                        "slow gait".into()
                    } else {
                        "gait speed".into()
                    },
                    reason: format!(
                        "{v:.2} m/s {} {:.1} m/s ({})",
                        if slow { "<" } else { "≥" },
                        fall_risk::GAIT_SPEED_RISK_MPS,
                        short_source(fall_risk::GAIT_SPEED_SOURCE)
                    ),
                });
            }
        }
        for side in Side::BOTH {
            let best = self
                .balance
                .results
                .iter()
                .filter(|r| r.stance == side)
                .map(|r| r.held_s)
                .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
            let Some(b) = best else { continue };
            metrics.push(MetricRow {
                name: format!("single-leg stance {side}, s"),
                value: format!("{b:.1}"),
            });
            if b < balance_norms::SLS_IMPAIRED_S {
                findings.push(Finding {
                    level: RiskLevel::High,
                    title: format!("single-leg stance {side} < 5 s"),
                    reason: format!(
                        "held {b:.1} s < {:.0} s ({})",
                        balance_norms::SLS_IMPAIRED_S,
                        short_source(balance_norms::SLS_SOURCE)
                    ),
                });
            } else if let Some(n) = &self.balance.norm {
                if b < n.mean_s {
                    findings.push(Finding {
                        level: RiskLevel::Caution,
                        title: format!("single-leg stance {side} below age norm"),
                        reason: format!(
                            "held {b:.1} s < {:.0} s ({}, {})",
                            n.mean_s, n.group, n.source
                        ),
                    });
                }
            }
        }
        self.other_tests_summary(&mut metrics, &mut findings);
        SessionSummary {
            metrics,
            findings,
            recording: Some(self.out_dir.display().to_string()),
            title: Some("this demo session (simulated)".into()),
        }
    }

    /// Metrics and findings of the 4-stage test, the TUG and the chair stand, from the
    /// results `steady_balance` gave (their cut-offs and sources).
    fn other_tests_summary(&self, metrics: &mut Vec<MetricRow>, findings: &mut Vec<Finding>) {
        let four = self.others.guides.four.result();
        if let (Some(held), Some(at_risk)) = (four.tandem_hold_s, four.at_risk) {
            metrics.push(MetricRow {
                name: "4-stage: highest stage held".into(),
                value: format!("{} of 4", four.highest_stage_held),
            });
            metrics.push(MetricRow {
                name: "4-stage: tandem stance, s".into(),
                value: format!("{held:.1}"),
            });
            findings.push(Finding {
                level: if at_risk {
                    RiskLevel::High
                } else {
                    RiskLevel::Normal
                },
                title: if at_risk {
                    format!("tandem stance < {:.0} s", fall_risk::TANDEM_HOLD_S)
                } else {
                    "tandem stance held".into()
                },
                reason: format!(
                    "held {held:.1} s {} {:.0} s ({})",
                    if at_risk { "<" } else { "≥" },
                    fall_risk::TANDEM_HOLD_S,
                    short_source(four.threshold_source)
                ),
            });
        }
        if let Some(r) = self.others.guides.tug.result() {
            metrics.push(MetricRow {
                name: "TUG, s".into(),
                value: format!("{:.1}", r.total_s),
            });
            findings.push(Finding {
                level: if r.at_risk {
                    RiskLevel::High
                } else {
                    RiskLevel::Normal
                },
                title: if r.at_risk {
                    format!("TUG ≥ {:.0} s", r.threshold_s)
                } else {
                    "TUG".into()
                },
                reason: format!(
                    "{:.1} s {} {:.0} s ({})",
                    r.total_s,
                    if r.at_risk { "≥" } else { "<" },
                    r.threshold_s,
                    short_source(r.threshold_source)
                ),
            });
        }
        if let Some(r) = self
            .others
            .guides
            .chair
            .result()
            .filter(|_| self.others.guides.chair.complete())
        {
            metrics.push(MetricRow {
                name: "30 s chair stand, stands".into(),
                value: r.count.to_string(),
            });
            if let (Some(below), Some(t)) = (r.below_average, r.below_average_threshold) {
                findings.push(Finding {
                    level: if below {
                        RiskLevel::High
                    } else {
                        RiskLevel::Normal
                    },
                    title: if below {
                        "chair stand below average".into()
                    } else {
                        "chair stand".into()
                    },
                    reason: format!(
                        "{} stands {} {t:.0} ({})",
                        r.count,
                        if below { "<" } else { "≥" },
                        short_source(r.threshold_source)
                    ),
                });
            }
        }
    }

    fn snapshot(&self) -> (Stage, DashboardModel) {
        let traces = self
            .traces
            .iter()
            .map(|(p, pts)| SignalTrace {
                placement: Some(*p),
                label: match p {
                    Placement::LowerBack => "acc vertical, m/s²".into(),
                    _ => "gyro sagittal, deg/s".into(),
                },
                points: pts.clone(),
            })
            .collect();
        let model = DashboardModel {
            now_s: self.now_s,
            patient: Some("demo patient (simulated)".into()),
            sensors: self.sensor_rows(),
            traces,
            legs: self.legs(),
            gait: self.gait_live(),
            balance: self.balance.clone(),
            other: Some(self.others.guides.guide().view(self.now_s)),
            summary: self.summary(),
            history: PatientHistory::default(),
            status: self.status.clone(),
            alert: None,
        };
        (self.stage, model)
    }

    /// Writes everything streamed so far as a recording folder.
    fn save(&self) -> anyhow::Result<PathBuf> {
        let mut recording = Recording {
            meta: Default::default(),
            sensors: self.rec.clone(),
        };
        recording.meta.sampling_rate_hz = Some(RATE_HZ);
        // A gap still open (quit during a dropout) ends now.
        for st in &mut recording.sensors {
            for g in &mut st.gaps {
                if g.end == Micros(i64::MAX) {
                    g.end = Micros((self.now_s * 1e6) as i64);
                }
            }
        }
        steady_recording::write_recording(&self.out_dir, &recording)
            .with_context(|| format!("writing the recording to {}", self.out_dir.display()))?;
        Ok(self.out_dir.clone())
    }
}

fn rms2(v: &[(f64, f64)]) -> Option<(f64, f64)> {
    if v.is_empty() {
        return None;
    }
    let n = v.len() as f64;
    let (a, b) = v
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x * x, b + y * y));
    Some(((a / n).sqrt(), (b / n).sqrt()))
}

/// Latest-wins slot between the data path and the UI.
type Slot = Arc<Mutex<Option<(Stage, DashboardModel)>>>;

/// Runs the pipeline until told to quit (or the UI side goes away); saves the recording.
fn pipeline_thread(
    mut p: Pipeline,
    rx: Receiver<Option<Command>>,
    slot: Slot,
) -> anyhow::Result<PathBuf> {
    let start = Instant::now();
    let mut last_pub = f64::NEG_INFINITY;
    loop {
        let now_s = start.elapsed().as_secs_f64();
        loop {
            match rx.try_recv() {
                Ok(Some(c)) => p.command(c, now_s),
                Ok(None) | Err(TryRecvError::Disconnected) => return p.save(),
                Err(TryRecvError::Empty) => break,
            }
        }
        p.step(now_s);
        if now_s - last_pub >= 0.05 {
            last_pub = now_s;
            let snap = p.snapshot();
            if let Ok(mut s) = slot.lock() {
                *s = Some(snap);
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Joins the pipeline on drop (also while unwinding from a UI panic), so the recording is saved.
struct PipelineGuard {
    tx: Sender<Option<Command>>,
    handle: Option<JoinHandle<anyhow::Result<PathBuf>>>,
}

impl PipelineGuard {
    fn finish(&mut self) -> anyhow::Result<PathBuf> {
        let _ = self.tx.send(None);
        match self.handle.take() {
            Some(h) => h
                .join()
                .map_err(|_| anyhow::anyhow!("the data path panicked"))?,
            None => anyhow::bail!("pipeline already finished"),
        }
    }
}

impl Drop for PipelineGuard {
    fn drop(&mut self) {
        if self.handle.is_some() {
            match self.finish() {
                Ok(dir) => eprintln!("steady: recording saved to {}", dir.display()),
                Err(e) => eprintln!("steady: error: {e:#}"),
            }
        }
    }
}

fn screen_for(stage: Stage) -> Screen {
    match stage {
        Stage::Walking => Screen::Walking,
        Stage::Balance => Screen::Balance,
        Stage::Other => Screen::OtherTests,
        Stage::Done => Screen::Summary,
    }
}

/// Runs the interactive demo.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!("`steady demo` needs a terminal; use `steady demo --headless` otherwise");
    }
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let out_dir = std::env::var_os("STEADY_DEMO_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join(format!("steady-demo-{stamp}")));
    let pipeline = Pipeline::new(args.duration, out_dir);
    let slot: Slot = Arc::new(Mutex::new(None));
    let (tx, rx) = mpsc::channel();
    let slot2 = slot.clone();
    let handle = std::thread::Builder::new()
        .name("steady-data".into())
        .spawn(move || pipeline_thread(pipeline, rx, slot2))?;
    let mut pipe = PipelineGuard {
        tx: tx.clone(),
        handle: Some(handle),
    };
    {
        let _term_guard = TerminalGuard::enter(" (use --headless)")?;
        let mut terminal = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
        terminal.clear()?;
        ui_loop(&mut terminal, &slot, &tx)?;
    }
    let dir = pipe.finish()?;
    eprintln!("steady: recording saved to {}", dir.display());
    Ok(ExitCode::SUCCESS)
}

fn ui_loop(
    terminal: &mut Terminal<CrosstermBackend<std::io::Stdout>>,
    slot: &Slot,
    tx: &Sender<Option<Command>>,
) -> anyhow::Result<()> {
    let mut app = App::new(Screen::Walking);
    let mut stage = Stage::Walking;
    loop {
        let snap = slot.lock().ok().and_then(|mut s| s.take());
        if let Some((st, model)) = snap {
            if st != stage {
                stage = st;
                app.show(screen_for(st));
            }
            app.set_model(model);
        }
        terminal.draw(|f| steady_dashboard::draw(f, &app))?;
        app.frames += 1;
        if event::poll(Duration::from_millis(50))? {
            if let Event::Key(k) = event::read()? {
                let cmd = match app.on_key(k) {
                    Some(Action::Quit) => return Ok(()),
                    Some(Action::StartStopWalking) => Some(Command::StartStopWalking),
                    Some(Action::BalanceContinue) => Some(Command::Continue),
                    Some(Action::BalanceStop) => Some(Command::StopTrial),
                    Some(Action::NextTest) => Some(Command::Next),
                    Some(Action::Export) => Some(Command::Export),
                    Some(Action::Identify(id)) => Some(Command::Identify(id)),
                    Some(Action::CyclePlacement(id)) => Some(Command::CyclePlacement(id)),
                    Some(Action::ConfirmRemove(id)) => Some(Command::ConfirmRemove(id)),
                    Some(Action::Remove(id)) => Some(Command::Remove(id)),
                    None => None,
                };
                if let Some(c) = cmd {
                    let _ = tx.send(Some(c));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pipeline() -> Pipeline {
        Pipeline::new(10.0, std::env::temp_dir().join("steady-demo-unit-unused"))
    }

    /// Steps the pipeline in 50 ms ticks from its current time to `to_s`.
    fn run_to(p: &mut Pipeline, to_s: f64) {
        let mut t = p.now_s;
        while t < to_s {
            t = (t + 0.05).min(to_s);
            p.step(t);
        }
    }

    #[test]
    fn sensors_screen_identify_and_placement_are_honest_about_simulation() {
        let mut p = pipeline();
        run_to(&mut p, 1.0);
        let (_, m) = p.snapshot();
        assert_eq!(m.sensors.len(), 4);
        let spare = m.sensors[3].clone();
        assert_eq!(
            (spare.name.as_str(), spare.state, spare.placement),
            (SPARE_NAME, SensorState::Discovered, None)
        );
        p.command(Command::Identify(0), 1.0);
        assert_status_says(&p, "no LED");
        // The walk's sensors keep their placement; the spare takes the first free one and
        // then the next, never one of the walk's.
        p.command(Command::CyclePlacement(1), 1.0);
        assert_status_says(&p, "stays at left_shank");
        p.command(Command::CyclePlacement(spare.id), 1.0);
        assert_eq!(p.spare, Some(Placement::LeftFoot));
        assert_status_says(&p, "sends no data");
        p.command(Command::CyclePlacement(spare.id), 1.0);
        assert_eq!(p.spare, Some(Placement::RightFoot));
        p.command(Command::CyclePlacement(spare.id), 1.0);
        assert_eq!(p.spare, Some(Placement::LeftThigh), "skips both shanks");
        let (_, m) = p.snapshot();
        assert_eq!(m.sensors[3].placement, Some(Placement::LeftThigh));
        assert_eq!(m.sensors[3].state, SensorState::Discovered, "still no data");
        assert_eq!(m.sensors[1].placement, Some(Placement::LeftShank));
        p.command(Command::Identify(9), 1.0);
        assert_eq!(p.status.as_deref(), Some("no such sensor"));
    }

    /// The pipeline's status line contains `text`.
    fn assert_status_says(p: &Pipeline, text: &str) {
        let status = p.status.as_deref().unwrap_or_default();
        assert!(status.contains(text), "{:?}", p.status);
    }

    #[test]
    fn sensors_screen_remove_unassigns_the_spare_and_keeps_the_walk_sensors() {
        let mut p = pipeline();
        run_to(&mut p, 1.0);
        let spare = p.snapshot().1.sensors[3].id;
        p.command(Command::CyclePlacement(spare), 1.0);
        assert_eq!(p.spare, Some(Placement::LeftFoot));
        p.command(Command::ConfirmRemove(spare), 1.0);
        assert_status_says(&p, "press r again");
        assert_eq!(p.spare, Some(Placement::LeftFoot), "asking removes nothing");
        p.command(Command::Remove(spare), 1.0);
        assert_eq!(p.spare, None);
        assert_status_says(&p, "NEARBY again");
        let (_, m) = p.snapshot();
        assert_eq!(m.sensors[3].placement, None);
        assert_eq!(m.sensors[3].state, SensorState::Discovered);
        p.command(Command::Remove(spare), 1.0);
        assert_status_says(&p, "not assigned");
        // A walk sensor stays, and says why.
        p.command(Command::Remove(0), 1.0);
        assert_status_says(&p, "stays at lower_back");
        assert_eq!(p.snapshot().1.sensors.len(), 4);
        assert_eq!(
            p.snapshot().1.sensors[0].placement,
            Some(Placement::LowerBack)
        );
    }

    #[test]
    fn scripted_dropout_is_lost_then_recovers_and_leaves_a_gap() {
        let mut p = pipeline();
        run_to(&mut p, 13.5);
        let (_, m) = p.snapshot();
        let rs = m
            .sensors
            .iter()
            .find(|s| s.placement == Some(Placement::RightShank))
            .unwrap();
        assert_eq!(rs.state, SensorState::Lost);
        assert!(m.gait.completeness_pct < 100.0);
        run_to(&mut p, 17.0);
        let (_, m) = p.snapshot();
        assert!(m
            .sensors
            .iter()
            .filter(|s| s.name != SPARE_NAME)
            .all(|s| s.state == SensorState::Streaming));
        // no samples of the right shank inside the dropout, samples on both sides of it
        let rec = &p.rec[2];
        assert_eq!(rec.placement, Placement::RightShank);
        let t = |s: &ImuSample| s.t.0 as f64 * 1e-6;
        assert!(!rec
            .samples
            .iter()
            .any(|s| t(s) >= DROPOUT_S.0 && t(s) < DROPOUT_S.1));
        assert!(rec.samples.iter().any(|s| t(s) >= DROPOUT_S.1));
        assert!(p.rec[0].samples.len() > rec.samples.len());
        assert_eq!(rec.gaps.len(), 1);
        let g = rec.gaps[0];
        assert_eq!(
            g.lost_samples,
            ((DROPOUT_S.1 - DROPOUT_S.0) * RATE_HZ).round() as u64
        );
        assert!(g.start.0 as f64 * 1e-6 < DROPOUT_S.0 && g.end.0 as f64 * 1e-6 >= DROPOUT_S.1);
    }

    #[test]
    fn walking_gives_live_strides_and_a_final_result() {
        let mut p = Pipeline::new(40.0, std::env::temp_dir().join("steady-demo-unit-unused"));
        // the streaming analysis reports each stride up to
        // steady_analysis::foot::STRIDE_LATENCY_S (2.5 s) after it ends
        run_to(&mut p, 30.0);
        let (stage, m) = p.snapshot();
        assert_eq!(stage, Stage::Walking);
        assert!(m.gait.recording);
        assert!(m.gait.stride_count > 0, "strides while walking");
        let c = m.gait.cadence_spm.expect("cadence");
        // the simulator walks at its default cadence (WalkParams::default)
        let truth = WalkParams::default().cadence_spm;
        assert!((c - truth).abs() < 10.0, "cadence {c} vs {truth}");
        assert!(m.legs.iter().all(|l| l.bars.iter().any(|b| b.stance)));
        p.command(Command::StartStopWalking, 30.0);
        let (_, m) = p.snapshot();
        assert!(!m.gait.recording);
        assert!(m.gait.result.is_some());
    }

    #[test]
    fn balance_protocol_runs_both_sides_and_ends_on_its_own() {
        let mut p = pipeline();
        p.step(0.5);
        p.command(Command::Next, 0.5);
        assert_eq!(p.stage, Stage::Balance);
        assert_eq!(p.balance.phase, BalancePhase::Ready);
        p.command(Command::Continue, 0.5);
        assert_eq!(p.balance.phase, BalancePhase::Lift);
        assert_eq!(
            p.balance.stance,
            Some(Side::Right),
            "lift the LEFT foot first"
        );
        p.command(Command::Continue, 0.5);
        assert!(matches!(p.balance.phase, BalancePhase::Countdown { .. }));
        run_to(&mut p, 0.5 + COUNTDOWN_S + 4.0);
        assert!(
            matches!(p.balance.phase, BalancePhase::Holding { .. }),
            "{:?}",
            p.balance.phase
        );
        assert!(!p.balance.sway_mm.is_empty());
        // the simulated patient touches down after 9 s on the right leg
        run_to(&mut p, 0.5 + COUNTDOWN_S + 12.0);
        match p.balance.phase {
            BalancePhase::Ended { held_s, reason } => {
                assert_eq!(reason, EndReason::FootDown);
                assert!((held_s - 9.0).abs() < 0.2, "{held_s}");
            }
            other => panic!("{other:?}"),
        }
        let t = p.now_s;
        p.command(Command::Continue, t);
        assert!(matches!(p.balance.phase, BalancePhase::Rest { .. }));
        assert_eq!(p.balance.stance, Some(Side::Left));
        run_to(&mut p, t + REST_S + 0.1);
        assert_eq!(p.balance.phase, BalancePhase::Lift);
        let t = p.now_s;
        p.command(Command::Continue, t);
        // Hold until the detector has seen the lift-off, then stop by hand.
        let mut until = t + COUNTDOWN_S;
        while !matches!(p.balance.phase, BalancePhase::Holding { .. }) && until < t + 12.0 {
            until += 0.25;
            run_to(&mut p, until);
        }
        assert!(
            matches!(p.balance.phase, BalancePhase::Holding { .. }),
            "{:?}",
            p.balance.phase
        );
        p.command(Command::StopTrial, p.now_s);
        assert!(matches!(
            p.balance.phase,
            BalancePhase::Ended {
                reason: EndReason::Stopped,
                ..
            }
        ));
        p.command(Command::Continue, p.now_s);
        assert_eq!(p.balance.phase, BalancePhase::Summary);
        assert_eq!(p.balance.results.len(), 2);
        let (_, m) = p.snapshot();
        assert!(
            m.summary
                .findings
                .iter()
                .any(|f| f.level == RiskLevel::High && f.title.contains("left")),
            "{:?}",
            m.summary.findings
        );
    }

    /// Runs the pipeline until the current other test is finished (or `max_s` passes).
    fn run_other_until_finished(p: &mut Pipeline, max_s: f64) {
        let until = p.now_s + max_s;
        while !p.others.guides.guide().finished() && p.now_s < until {
            let t = p.now_s + 0.05;
            p.step(t);
            // The clinician starts every 4-stage stage as soon as it is ready.
            if p.others.guides.four.awaiting_next_stage()
                && p.others.guides.test() == GuidedTest::FourStage
            {
                p.command(Command::Continue, t);
            }
        }
    }

    #[test]
    fn other_tests_are_timed_by_the_balance_protocols_against_the_simulated_truth() {
        let mut p = pipeline();
        p.step(0.5);
        p.command(Command::Next, 0.5);
        p.command(Command::Next, 0.5);
        assert_eq!(p.stage, Stage::Other);
        let (_, m) = p.snapshot();
        let v = m.other.expect("the 4-stage view");
        assert_eq!(v.test, GuidedTest::FourStage);
        assert!(v.result.unwrap().contains("Space to start"));

        // 4-stage: the simulated patient steps out of tandem stance after 6.3 s.
        p.command(Command::Continue, 0.5);
        let stages = p.others.feed.as_ref().unwrap().sim.truth().stages.clone();
        let tandem = stages
            .iter()
            .find(|s| s.stage == BalanceStage::Tandem)
            .unwrap();
        assert!(!tandem.passed);
        let truth = tandem.end_s - tandem.start_s;
        run_to(&mut p, 1.0);
        let (_, m) = p.snapshot();
        assert!(m.other.unwrap().countdown_s.is_some(), "countdown first");
        run_other_until_finished(&mut p, 60.0);
        let r = p.others.guides.four.result();
        assert_eq!(r.highest_stage_held, 2, "{:?}", r.stages);
        assert_eq!(r.at_risk, Some(true));
        let held = r.tandem_hold_s.unwrap();
        assert!((held - truth).abs() < 0.5, "tandem {held} vs truth {truth}");
        eprintln!("demo 4-stage: tandem held {held:.2} s, truth {truth:.2} s");
        let (_, m) = p.snapshot();
        let v = m.other.unwrap();
        assert!(v.ended.unwrap().contains("tandem stance"));
        assert_eq!(v.verdict.unwrap().level, RiskLevel::High);
        assert!(m
            .summary
            .findings
            .iter()
            .any(|f| f.title.contains("tandem") && f.level == RiskLevel::High));

        // TUG: Space moves on from a finished test, Space again starts it.
        let t = p.now_s;
        p.command(Command::Continue, t);
        assert_eq!(p.others.guides.test(), GuidedTest::Tug);
        p.command(Command::Continue, t);
        let sim_truth = p.others.feed.as_ref().unwrap().sim.truth().tugs[0];
        let truth_total = sim_truth.end_s - sim_truth.start_s;
        run_other_until_finished(&mut p, 60.0);
        let r = p.others.guides.tug.result().expect("TUG result").clone();
        assert!(
            (r.total_s - truth_total).abs() < 0.5,
            "TUG {} vs truth {truth_total}",
            r.total_s
        );
        assert_eq!(r.at_risk, truth_total >= fall_risk::TUG_AT_RISK_S);
        eprintln!("demo TUG: {:.2} s, truth {truth_total:.2} s", r.total_s);
        let (_, m) = p.snapshot();
        let v = m.other.unwrap();
        assert_eq!(v.ended.as_deref(), Some("seated again — test over"));
        assert!(
            v.stages.iter().all(|s| s.time_s.is_some()),
            "{:?}",
            v.stages
        );

        // Chair stand: stops on its own when the 30 s are up; one half-rise does not count.
        let t = p.now_s;
        p.command(Command::Continue, t);
        assert_eq!(p.others.guides.test(), GuidedTest::ChairStand);
        p.command(Command::Continue, t);
        let truth = p.others.feed.as_ref().unwrap().sim.truth().chair_stands[0].completed;
        run_to(&mut p, t + super::super::guided::COUNTDOWN_S + 15.0);
        let (_, m) = p.snapshot();
        let live = m.other.unwrap().count.unwrap();
        assert!(live > 2 && live < truth, "live count {live} of {truth}");
        run_other_until_finished(&mut p, 40.0);
        assert!(p.others.guides.chair.complete());
        let r = p.others.guides.chair.result().unwrap();
        assert!(
            (i64::from(r.count) - i64::from(truth)).abs() <= 1,
            "count {} vs truth {truth}",
            r.count
        );
        eprintln!("demo chair stand: {} stands, truth {truth}", r.count);
        let (_, m) = p.snapshot();
        let v = m.other.unwrap();
        assert!(v.ended.unwrap().starts_with("time is up"));
        assert!(v.verdict.is_some());
        assert!(m
            .summary
            .metrics
            .iter()
            .any(|x| x.name.contains("chair stand") && x.value == r.count.to_string()));
        let t = p.now_s;
        p.command(Command::Next, t);
        assert_eq!(p.stage, Stage::Done);
    }

    #[test]
    fn recording_is_written_and_readable() {
        let dir = std::env::temp_dir().join(format!("steady-demo-unit-{}", std::process::id()));
        let mut p = Pipeline::new(10.0, dir.clone());
        run_to(&mut p, 3.0);
        let saved = p.save().unwrap();
        let rec = steady_recording::read_recording(&saved).unwrap();
        assert_eq!(rec.sensors.len(), 3);
        assert_eq!(rec.sensors[0].samples.len(), p.rec[0].samples.len());
        let _ = std::fs::remove_dir_all(dir);
    }
}
