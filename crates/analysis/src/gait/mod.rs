//! Gait analysis: events, strides, bouts and summary metrics.
//!
//! - [`types`]: the shared output types (their JSON is the `steady analyze --json` schema).
//! - [`assemble`]: lower-back steps → sided events, strides and bouts.
//! - [`bilateral`]: single and double support from both legs' events (foot/shank sensors).
//! - [`summary`]: per-side means, asymmetry, variability, pelvic drop, quality.
//! - [`GaitAnalyzer`]: the streaming entry point; [`analyze`] feeds it a whole recording,
//!   so offline and live results are identical by construction.

pub mod assemble;
pub mod bilateral;
pub mod summary;
pub mod types;

use crate::lowback::LowBackDetector;
use crate::{SensorInput, Subject};
use assemble::{Assembled, Assembler, StepRecord, StrideExtras};
use serde::{Deserialize, Serialize};
use steady_core::{ImuSample, Metric, Placement};
pub use summary::GaitSummary;
use types::{Bout, GaitEvent, Stride};

/// Something the streaming analyzer has finalised.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum GaitOutput {
    /// An initial or final contact.
    Event(GaitEvent),
    /// A complete stride.
    Stride(Stride),
    /// A finished walking bout.
    Bout(Bout),
}

/// The complete result of gait analysis of one recording or session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GaitReport {
    /// All events in time order.
    pub events: Vec<GaitEvent>,
    /// All strides in time order of their start.
    pub strides: Vec<Stride>,
    /// Walking bouts.
    pub bouts: Vec<Bout>,
    /// Aggregates over the whole recording.
    pub summary: GaitSummary,
    /// Lower-back extras per stride (same order as `strides`; not part of the JSON schema).
    #[serde(skip)]
    pub stride_extras: Vec<StrideExtras>,
    /// Steps (IC to IC) with their lengths (not part of the JSON schema).
    #[serde(skip)]
    pub steps: Vec<StepRecord>,
}

impl GaitReport {
    /// The summary as generic metrics for store, export and dashboard.
    pub fn metrics(&self) -> Vec<Metric> {
        self.summary.metrics()
    }
}

/// Errors of the gait entry points.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GaitError {
    /// Samples were pushed for a placement that was not declared.
    #[error("no sensor declared at {0}")]
    UnknownPlacement(Placement),
}

/// Per-sensor signal checks for the quality flag.
#[derive(Debug, Clone, Default)]
struct SignalCheck {
    last: Option<[f64; 6]>,
    run: [u32; 6],
    saturated: bool,
}

impl SignalCheck {
    /// Flags ≥ 3 identical consecutive readings at a large magnitude (a clipped channel):
    /// ≥ 2 g for acceleration, ≥ 250 deg/s for rate — the smallest common full-scale ranges.
    fn push(&mut self, samples: &[ImuSample]) {
        let readings = |s: &ImuSample| {
            [
                s.acc_mps2[0],
                s.acc_mps2[1],
                s.acc_mps2[2],
                s.gyr_dps[0],
                s.gyr_dps[1],
                s.gyr_dps[2],
            ]
        };
        let (mut last, rest) = match (self.last, samples) {
            (_, []) => return,
            (Some(last), all) => (last, all),
            (None, [first, rest @ ..]) => (readings(first), rest),
        };
        for s in rest {
            let v = readings(s);
            // Fast path (almost every sample): no channel repeats its last reading, so
            // every run restarts (`|` rather than `||`: six compares, one branch).
            let repeats = (0..6).fold(false, |any, c| any | (v[c] == last[c]));
            if !repeats {
                self.run = [0; 6];
            } else {
                for c in 0..6 {
                    let limit = if c < 3 {
                        2.0 * steady_core::STANDARD_GRAVITY_MPS2
                    } else {
                        250.0
                    };
                    if v[c] == last[c] && v[c].abs() >= limit {
                        self.run[c] += 1;
                        if self.run[c] >= 2 {
                            self.saturated = true;
                        }
                    } else {
                        self.run[c] = 0;
                    }
                }
            }
            last = v;
        }
        self.last = Some(last);
    }
}

/// What a per-foot (foot or shank) detector reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SideOutput {
    /// An IC or FC of that foot.
    Event(GaitEvent),
    /// A stride of that foot.
    Stride(Stride),
}

/// A streaming detector for one foot or shank sensor (implemented by `crate::foot` and
/// `crate::shank`); it must be deterministic by sample index like the lower-back detector.
pub trait SideDetector: std::fmt::Debug + Send {
    /// Feeds samples; returns what became final.
    fn push(&mut self, samples: &[ImuSample]) -> Vec<SideOutput>;
    /// Flushes the rest at the end of the data.
    fn finish(&mut self) -> Vec<SideOutput>;
}

/// The detector for a foot or shank placement, when one exists. Foot/shank modules register
/// here (one line each); `None` means the sensor is accepted but gives no events yet.
pub fn side_detector_for(
    placement: Placement,
    fs_hz: f64,
    subject: &Subject,
) -> Option<Box<dyn SideDetector>> {
    let _ = subject;
    match placement {
        Placement::LeftFoot => Some(Box::new(crate::foot::FootDetector::new(
            steady_core::Side::Left,
            fs_hz,
        ))),
        Placement::RightFoot => Some(Box::new(crate::foot::FootDetector::new(
            steady_core::Side::Right,
            fs_hz,
        ))),
        Placement::LeftShank => Some(Box::new(crate::foot::LegDetector::shank(
            steady_core::Side::Left,
            fs_hz,
        ))),
        Placement::RightShank => Some(Box::new(crate::foot::LegDetector::shank(
            steady_core::Side::Right,
            fs_hz,
        ))),
        _ => None,
    }
}

/// Streaming gait analysis over every declared sensor.
///
/// The lower-back sensor gives events, strides and bouts, plus pelvic drop, harmonic ratio
/// and regularity. Foot or shank sensors with a registered [`side_detector_for`] give the
/// events and strides instead (their timing is better); the lower back then contributes its
/// trunk measures and bouts. Latency: see [`crate::lowback`] (≤ 13 s per event), plus two
/// steps of look-ahead for the side vote; bouts are reported when they end.
#[derive(Debug)]
pub struct GaitAnalyzer {
    subject: Subject,
    placements: Vec<(Placement, f64)>,
    lowback: Option<(LowBackDetector, Assembler)>,
    side: Vec<(Placement, Box<dyn SideDetector>)>,
    side_events: Vec<GaitEvent>,
    side_strides: Vec<Stride>,
    checks: Vec<SignalCheck>,
    report: GaitReport,
    n_samples: Vec<u64>,
    legs_share_clock: bool,
}

impl GaitAnalyzer {
    /// An analyzer for sensors at `placements` with their sampling rates (Hz).
    pub fn new(placements: &[(Placement, f64)], subject: Subject) -> GaitAnalyzer {
        let lowback = placements
            .iter()
            .find(|(p, _)| *p == Placement::LowerBack)
            .map(|&(_, fs)| {
                (
                    LowBackDetector::new(fs),
                    Assembler::new(leg_length_m(&subject)),
                )
            });
        let side = placements
            .iter()
            .filter_map(|&(p, fs)| side_detector_for(p, fs, &subject).map(|d| (p, d)))
            .collect();
        GaitAnalyzer {
            subject,
            placements: placements.to_vec(),
            lowback,
            side,
            side_events: Vec::new(),
            side_strides: Vec::new(),
            checks: vec![SignalCheck::default(); placements.len()],
            report: GaitReport {
                events: Vec::new(),
                strides: Vec::new(),
                bouts: Vec::new(),
                summary: GaitSummary::default(),
                stride_extras: Vec::new(),
                steps: Vec::new(),
            },
            n_samples: vec![0; placements.len()],
            legs_share_clock: true,
        }
    }

    /// Declares whether the two legs' sensors share one clock (default true). When they do
    /// not, nothing is computed across legs (no steps, no single or double support).
    pub fn with_legs_sharing_clock(mut self, shared: bool) -> GaitAnalyzer {
        self.legs_share_clock = shared;
        self
    }

    /// Uses `detector` for the foot/shank sensor at `placement` (replacing a registered one);
    /// the placement is declared if it was not.
    pub fn with_side_detector(
        mut self,
        placement: Placement,
        fs_hz: f64,
        detector: Box<dyn SideDetector>,
    ) -> GaitAnalyzer {
        self.side.retain(|(p, _)| *p != placement);
        self.side.push((placement, detector));
        if !self.placements.iter().any(|(p, _)| *p == placement) {
            self.placements.push((placement, fs_hz));
            self.checks.push(SignalCheck::default());
            self.n_samples.push(0);
        }
        self
    }

    /// Feeds samples of one sensor; returns what became final.
    pub fn push(
        &mut self,
        placement: Placement,
        samples: &[ImuSample],
    ) -> Result<Vec<GaitOutput>, GaitError> {
        let idx = self
            .placements
            .iter()
            .position(|(p, _)| *p == placement)
            .ok_or(GaitError::UnknownPlacement(placement))?;
        self.checks[idx].push(samples);
        self.n_samples[idx] += samples.len() as u64;
        let mut out = Vec::new();
        let feet = !self.side.is_empty();
        if placement == Placement::LowerBack {
            if let Some((det, asm)) = self.lowback.as_mut() {
                let steps = det.push(samples);
                let mut assembled = Vec::new();
                for c in steps {
                    assembled.extend(asm.push(c));
                }
                Self::absorb(&mut self.report, assembled, &mut out, feet);
            }
        }
        if let Some((_, d)) = self.side.iter_mut().find(|(p, _)| *p == placement) {
            let got = d.push(samples);
            Self::absorb_side(&mut self.side_events, &mut self.side_strides, got, &mut out);
        }
        Ok(out)
    }

    fn absorb_side(
        events: &mut Vec<GaitEvent>,
        strides: &mut Vec<Stride>,
        items: Vec<SideOutput>,
        out: &mut Vec<GaitOutput>,
    ) {
        for item in items {
            match item {
                SideOutput::Event(e) => {
                    events.push(e);
                    out.push(GaitOutput::Event(e));
                }
                SideOutput::Stride(s) => {
                    strides.push(s);
                    out.push(GaitOutput::Stride(s));
                }
            }
        }
    }

    /// Bytes of streaming state held for the lower-back pipeline: the sample block buffer
    /// (bounded by the block size) plus the assembler's open chain (bounded look-back).
    pub fn buffered_bytes(&self) -> usize {
        self.lowback
            .as_ref()
            .map_or(0, |(d, a)| d.buffered_bytes() + a.held_bytes())
    }

    /// Collects lower-back results; with foot/shank detectors present (`feet`) its events
    /// and strides are kept for the trunk measures but not reported live.
    fn absorb(
        report: &mut GaitReport,
        items: Vec<Assembled>,
        out: &mut Vec<GaitOutput>,
        feet: bool,
    ) {
        for item in items {
            match item {
                Assembled::Event(e) => {
                    report.events.push(e);
                    if !feet {
                        out.push(GaitOutput::Event(e));
                    }
                }
                Assembled::Stride(s, x) => {
                    report.strides.push(s);
                    report.stride_extras.push(x);
                    if !feet {
                        out.push(GaitOutput::Stride(s));
                    }
                }
                Assembled::Step(s) => report.steps.push(s),
                Assembled::Bout(b) => {
                    report.bouts.push(b);
                    out.push(GaitOutput::Bout(b));
                }
            }
        }
    }

    /// Flushes everything and returns the full report.
    pub fn finish(mut self) -> GaitReport {
        let mut sink = Vec::new();
        if let Some((det, asm)) = self.lowback.as_mut() {
            let mut assembled = Vec::new();
            for c in det.finish() {
                assembled.extend(asm.push(c));
            }
            assembled.extend(asm.finish());
            Self::absorb(
                &mut self.report,
                assembled,
                &mut sink,
                !self.side.is_empty(),
            );
        }
        for (_, d) in self.side.iter_mut() {
            let got = d.finish();
            Self::absorb_side(
                &mut self.side_events,
                &mut self.side_strides,
                got,
                &mut sink,
            );
        }
        let mut report = self.report;
        if !self.side_events.is_empty() || !self.side_strides.is_empty() {
            // Foot/shank timing replaces the lower-back events and strides.
            report.events = self.side_events;
            report.strides = self.side_strides;
            report
                .strides
                .sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
            if self.legs_share_clock {
                bilateral::fill_support(&mut report.strides, &report.events);
                report.steps = steps_from_events(&report.events);
            } else {
                report.steps.clear();
            }
            if self.lowback.is_none() {
                report.bouts = assemble::bouts_from_events(&report.events, &report.strides);
            }
        }
        // Events are finalised per step; FCs may trail the next IC, so sort once.
        report.events.sort_by(|a, b| {
            a.t_s
                .partial_cmp(&b.t_s)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let saturated: Vec<Placement> = self
            .placements
            .iter()
            .zip(&self.checks)
            .filter(|(_, c)| c.saturated)
            .map(|((p, _), _)| *p)
            .collect();
        let has_gait_sensor = self.lowback.is_some() || !self.side.is_empty();
        let mut reasons = Vec::new();
        for p in saturated {
            reasons.push(format!("{p}: sensor saturated (clipped readings)"));
        }
        if let Some((det, _)) = &self.lowback {
            let deg = det.max_reorientation_deg();
            if deg > crate::lowback::MOVED_DEG {
                reasons.push(format!(
                    "lower_back: sensor orientation changed by {deg:.0}° between walking periods (sensor moved?)"
                ));
            }
        }
        for (p, fs) in &self.placements {
            if *fs < MIN_RATE_HZ {
                reasons.push(format!(
                    "{p}: sampling rate {fs:.1} Hz below {MIN_RATE_HZ} Hz"
                ));
            }
        }
        if !has_gait_sensor {
            reasons.push("no sensor that gives gait events (lower back, foot or shank)".into());
        }
        report.summary = summary::summarize(&report, &self.subject, reasons);
        report
    }
}

/// Steps (IC to the next IC of the other foot, ≤ 2 s apart) from sided events.
fn steps_from_events(events: &[GaitEvent]) -> Vec<StepRecord> {
    let mut ics: Vec<&GaitEvent> = events
        .iter()
        .filter(|e| e.kind == types::EventKind::InitialContact)
        .collect();
    ics.sort_by(|a, b| a.t_s.total_cmp(&b.t_s));
    ics.windows(2)
        .filter(|w| w[0].side != w[1].side && w[1].t_s - w[0].t_s <= assemble::MAX_STEP_S)
        .map(|w| StepRecord {
            side: w[1].side,
            start_s: w[0].t_s,
            end_s: w[1].t_s,
            length_m: None,
        })
        .collect()
}

/// Lowest sampling rate analysed as is (Hz): the IC feature is low-passed at 5 Hz and needs
/// ≥ 4 samples per 100 ms loading rise.
pub const MIN_RATE_HZ: f64 = 20.0;

/// Pendulum length for the Zijlstra & Hof step length: the lower-back sensor height when
/// known (mobgap's choice), else 0.53 × body height (Winter 2009 leg-length ratio), else
/// [`assemble::DEFAULT_LEG_LENGTH_M`].
pub fn leg_length_m(subject: &Subject) -> f64 {
    subject
        .sensor_height_m
        .filter(|h| *h > 0.3 && *h < 1.5)
        .or(subject
            .height_m
            .filter(|h| *h > 0.5 && *h < 2.6)
            .map(|h| 0.53 * h))
        .unwrap_or(assemble::DEFAULT_LEG_LENGTH_M)
}

/// Analyses a whole recording: every sensor is fed through the streaming [`GaitAnalyzer`]
/// at full speed, so the result equals a live analysis of the same data.
pub fn analyze(inputs: &[SensorInput<'_>], subject: &Subject) -> GaitReport {
    analyze_with_clock(inputs, subject, true)
}

/// [`analyze`] for sensors that may not share one clock (`legs_share_clock = false`: no
/// cross-leg measures, see [`GaitAnalyzer::with_legs_sharing_clock`]).
pub fn analyze_with_clock(
    inputs: &[SensorInput<'_>],
    subject: &Subject,
    legs_share_clock: bool,
) -> GaitReport {
    let placements: Vec<(Placement, f64)> = inputs
        .iter()
        .map(|i| (i.placement, i.sampling_rate_hz))
        .collect();
    let mut analyzer =
        GaitAnalyzer::new(&placements, *subject).with_legs_sharing_clock(legs_share_clock);
    for input in inputs {
        // Placements come from `inputs` itself, so push cannot fail.
        let _ = analyzer.push(input.placement, input.samples);
    }
    analyzer.finish()
}

#[cfg(test)]
mod tests {
    use super::types::EventKind;
    use super::*;
    use steady_core::{Micros, Side};

    /// Emits an IC every 1.1 s (its own foot) and the stride once the next IC is seen.
    #[derive(Debug)]
    struct FakeFoot {
        side: Side,
        offset_s: f64,
        last_ic: Option<f64>,
    }

    impl SideDetector for FakeFoot {
        fn push(&mut self, samples: &[ImuSample]) -> Vec<SideOutput> {
            let mut out = Vec::new();
            for s in samples {
                let t = s.t.0 as f64 / 1e6;
                let phase = (t - self.offset_s) / 1.1;
                if phase >= 0.0 && (phase - phase.round()).abs() < 1e-9 {
                    out.push(SideOutput::Event(GaitEvent {
                        kind: EventKind::InitialContact,
                        side: Some(self.side),
                        t_s: t,
                    }));
                    if let Some(a) = self.last_ic {
                        out.push(SideOutput::Stride(Stride {
                            side: Some(self.side),
                            start_s: a,
                            end_s: t,
                            stance_s: Some(0.66),
                            swing_s: Some(0.44),
                            single_support_s: None,
                            double_support_s: None,
                            length_m: Some(1.2),
                        }));
                    }
                    self.last_ic = Some(t);
                }
            }
            out
        }
        fn finish(&mut self) -> Vec<SideOutput> {
            Vec::new()
        }
    }

    #[test]
    fn foot_detectors_supply_events_strides_and_bouts() {
        let samples: Vec<ImuSample> = (0..1000)
            .map(|i| ImuSample {
                t: Micros(i * 10_000),
                acc_mps2: [0.0, 0.0, 9.81],
                gyr_dps: [0.0; 3],
            })
            .collect();
        let mut a = GaitAnalyzer::new(&[], Subject::default())
            .with_side_detector(
                Placement::LeftFoot,
                100.0,
                Box::new(FakeFoot {
                    side: Side::Left,
                    offset_s: 1.0,
                    last_ic: None,
                }),
            )
            .with_side_detector(
                Placement::RightFoot,
                100.0,
                Box::new(FakeFoot {
                    side: Side::Right,
                    offset_s: 1.55,
                    last_ic: None,
                }),
            );
        let mut live = 0;
        live += a.push(Placement::LeftFoot, &samples).unwrap().len();
        live += a.push(Placement::RightFoot, &samples).unwrap().len();
        assert!(a.push(Placement::LowerBack, &samples).is_err());
        let r = a.finish();
        assert_eq!(live, r.events.len() + r.strides.len());
        // ICs at 1.0, 1.55, 2.1, … up to 9.9 s: a steady 109 steps/min bout.
        assert_eq!(r.bouts.len(), 1);
        assert!((r.bouts[0].cadence_spm.unwrap() - 60.0 / 0.55).abs() < 1e-6);
        assert!((r.bouts[0].speed_mps.unwrap() - 1.2 / 1.1).abs() < 1e-6);
        assert!((r.summary.left.stance_s.unwrap() - 0.66).abs() < 1e-12);
        assert!((r.summary.right.step_time_s.unwrap() - 0.55).abs() < 1e-6);
        assert!(r.events.windows(2).all(|w| w[0].t_s <= w[1].t_s));
    }
}
