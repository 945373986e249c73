//! Gait analysis: events, strides, bouts and summary metrics.
//!
//! - [`types`]: the shared output types (their JSON is the `steady analyze --json` schema).
//! - [`assemble`]: lower-back steps → sided events, strides and bouts.
//! - [`summary`]: per-side means, asymmetry, variability, pelvic drop, quality.
//! - [`GaitAnalyzer`]: the streaming entry point; [`analyze`] feeds it a whole recording,
//!   so offline and live results are identical by construction.

pub mod assemble;
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
    fn push(&mut self, s: &ImuSample) {
        let v = [
            s.acc_mps2[0],
            s.acc_mps2[1],
            s.acc_mps2[2],
            s.gyr_dps[0],
            s.gyr_dps[1],
            s.gyr_dps[2],
        ];
        if let Some(last) = self.last {
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
        self.last = Some(v);
    }
}

/// Streaming gait analysis over every declared sensor.
///
/// Currently the lower-back sensor drives events and strides; foot and shank sensors are
/// accepted (and checked) but their detectors are integrated by `crate::foot` / `crate::shank`
/// when present. Latency: see [`crate::lowback`] (≤ 9 s per event), plus two steps of
/// look-ahead for the side vote; bouts are reported when they end (2 s without a step).
#[derive(Debug, Clone)]
pub struct GaitAnalyzer {
    subject: Subject,
    placements: Vec<(Placement, f64)>,
    lowback: Option<(LowBackDetector, Assembler)>,
    checks: Vec<SignalCheck>,
    report: GaitReport,
    n_samples: Vec<u64>,
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
        GaitAnalyzer {
            subject,
            placements: placements.to_vec(),
            lowback,
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
        }
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
        for s in samples {
            self.checks[idx].push(s);
        }
        self.n_samples[idx] += samples.len() as u64;
        let mut out = Vec::new();
        if placement == Placement::LowerBack {
            if let Some((det, asm)) = self.lowback.as_mut() {
                let steps = det.push(samples);
                let mut assembled = Vec::new();
                for c in steps {
                    assembled.extend(asm.push(c));
                }
                Self::absorb(&mut self.report, assembled, &mut out);
            }
        }
        Ok(out)
    }

    /// Bytes of streaming state held for sample buffering (bounded by the block size).
    pub fn buffered_bytes(&self) -> usize {
        self.lowback.as_ref().map_or(0, |(d, _)| d.buffered_bytes())
    }

    fn absorb(report: &mut GaitReport, items: Vec<Assembled>, out: &mut Vec<GaitOutput>) {
        for item in items {
            match item {
                Assembled::Event(e) => {
                    report.events.push(e);
                    out.push(GaitOutput::Event(e));
                }
                Assembled::Stride(s, x) => {
                    report.strides.push(s);
                    report.stride_extras.push(x);
                    out.push(GaitOutput::Stride(s));
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
            Self::absorb(&mut self.report, assembled, &mut sink);
        }
        let mut report = self.report;
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
        let has_gait_sensor = self.lowback.is_some();
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
            reasons.push(
                "no lower-back sensor: gait events need one (foot/shank detectors pending)".into(),
            );
        }
        report.summary = summary::summarize(&report, &self.subject, reasons);
        report
    }
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
    let placements: Vec<(Placement, f64)> = inputs
        .iter()
        .map(|i| (i.placement, i.sampling_rate_hz))
        .collect();
    let mut analyzer = GaitAnalyzer::new(&placements, *subject);
    for input in inputs {
        // Placements come from `inputs` itself, so push cannot fail.
        let _ = analyzer.push(input.placement, input.samples);
    }
    analyzer.finish()
}
