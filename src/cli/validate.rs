//! `steady validate`: scores the lower-back analysis against the Mobilise-D / INDIP reference
//! recordings in `<data>/mobilised` (see that folder's README).
//!
//! Scoring rules (documented in the README table the integrator publishes):
//! - the reference is cleaned as mobgap does: untimed contacts dropped, duplicates (same time
//!   and side) dropped, the side blanked where two contacts share a time with different
//!   sides, contacts after the bout end dropped;
//! - only detections inside a reference walking bout count: detections within the matching
//!   tolerance ([`TOLERANCE_S`]) of a bout are matched, so an early first IC is a match, but an
//!   unmatched one is a false positive only inside the bout span itself (first to last IC; for
//!   FCs up to the last reference FC), where the reference annotates every step;
//! - a detection matches the nearest unmatched reference event of the same kind within
//!   [`TOLERANCE_S`] (globally closest pairs first, one-to-one);
//! - reference events without a time are not scored: each may explain one unmatched detection
//!   lying between its timed neighbours in the reference list (that detection is then neither
//!   a true nor a false positive);
//! - per reference bout, cadence/stride length/speed come from the detected strides lying
//!   inside it (start and end within the bout ± [`STRIDE_SLACK_S`]), averaged per stride as
//!   the reference's own bout values are (mean of 120 / stride time, of stride length and of
//!   stride length / stride time);
//! - per stride, detected and reference strides are paired by their start IC (same side)
//!   and compared only when both ICs agree within [`STRIDE_MATCH_S`] (the same gait cycle);
//!   stance/swing/single support are compared where both exist;
//! - recordings with an empty reference (HA_002 Test5) are reported as unscored.

use anyhow::Context;
use serde::Serialize;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use steady_analysis::gait::types::{EventKind, Stride};
use steady_analysis::gait::GaitReport;
use steady_analysis::SensorInput;
use steady_core::Side;

/// Matching tolerance for lower-back events (s), as in mobgap's evaluation.
pub const TOLERANCE_S: f64 = 0.5;
/// Strides are the same gait cycle when both their ICs agree within this (s): half of the
/// shortest plausible step, so a neighbouring IC can never pair.
pub const STRIDE_MATCH_S: f64 = 0.25;
/// Slack when deciding that a detected stride lies inside a reference bout (s): the IC
/// timing error we accept, so a stride is not lost because its IC came 30 ms early.
pub const STRIDE_SLACK_S: f64 = 0.1;

/// Arguments of `steady validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder with the reference data (holds `mobilised/`, `gaitmap-example/`).
    #[arg(default_value = "../shared/data")]
    pub data: PathBuf,
    /// Print one JSON document instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// Runs `steady validate`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let result = validate_mobilised(&args.data.join("mobilised"))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        print_tables(&result);
    }
    let feet = args.data.join("gaitmap-example/healthy_walk");
    if feet.join("reference.json").exists() && !args.json {
        let v = crate::cli::validate_feet::validate_feet(&feet)?;
        crate::cli::validate_feet::print_feet(&v);
    }
    Ok(ExitCode::SUCCESS)
}

/// Detection counts and timing of one event kind.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EventScore {
    /// Matched detections.
    pub tp: usize,
    /// Detections in bouts without a reference partner.
    pub fp: usize,
    /// Reference events without a detection.
    pub fn_: usize,
    /// Signed errors (detected − reference), s.
    #[serde(skip)]
    pub errors_s: Vec<f64>,
    /// Matched ICs whose reference side is known.
    pub lr_total: usize,
    /// Of those, with the right side.
    pub lr_correct: usize,
}

impl EventScore {
    fn add(&mut self, o: &EventScore) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
        self.errors_s.extend_from_slice(&o.errors_s);
        self.lr_total += o.lr_total;
        self.lr_correct += o.lr_correct;
    }
    /// Precision.
    pub fn precision(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }
    /// Recall.
    pub fn recall(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_).max(1) as f64
    }
    /// F1.
    pub fn f1(&self) -> f64 {
        2.0 * self.tp as f64 / (2 * self.tp + self.fp + self.fn_).max(1) as f64
    }
    /// Mean absolute timing error, ms.
    pub fn mae_ms(&self) -> Option<f64> {
        mean(self.errors_s.iter().map(|e| e.abs() * 1e3))
    }
    /// Mean signed timing error, ms.
    pub fn bias_ms(&self) -> Option<f64> {
        mean(self.errors_s.iter().map(|e| e * 1e3))
    }
    /// Side accuracy of matched ICs.
    pub fn lr_accuracy(&self) -> Option<f64> {
        (self.lr_total > 0).then(|| self.lr_correct as f64 / self.lr_total as f64)
    }
}

/// One reference bout compared with the detected strides inside it.
#[derive(Debug, Clone, Serialize)]
pub struct BoutScore {
    /// Reference bout start, s.
    pub start_s: f64,
    /// Reference bout end, s.
    pub end_s: f64,
    /// Detected strides inside.
    pub n_strides: usize,
    /// Reference / detected cadence, steps/min.
    pub cadence_spm: (Option<f64>, Option<f64>),
    /// Reference / detected mean stride length, m.
    pub stride_length_m: (Option<f64>, Option<f64>),
    /// Reference / detected walking speed, m/s.
    pub speed_mps: (Option<f64>, Option<f64>),
}

/// Per-stride temporal errors (detected − reference), s.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StrideErrors {
    /// Stance time errors.
    pub stance_s: Vec<f64>,
    /// Swing time errors.
    pub swing_s: Vec<f64>,
    /// Single-support errors.
    pub single_support_s: Vec<f64>,
    /// Stride-time errors.
    pub stride_s: Vec<f64>,
}

impl StrideErrors {
    fn add(&mut self, o: &StrideErrors) {
        self.stance_s.extend_from_slice(&o.stance_s);
        self.swing_s.extend_from_slice(&o.swing_s);
        self.single_support_s.extend_from_slice(&o.single_support_s);
        self.stride_s.extend_from_slice(&o.stride_s);
    }
}

/// The score of one recording.
#[derive(Debug, Clone, Serialize)]
pub struct RecordingScore {
    /// `HA_001/Test5_Trial1` etc.
    pub name: String,
    /// False when the reference is empty (detections reported, not scored).
    pub scored: bool,
    /// Detected ICs in the whole recording.
    pub detected_ics: usize,
    /// Initial contacts.
    pub ic: EventScore,
    /// Final contacts.
    pub fc: EventScore,
    /// Reference bouts.
    pub bouts: Vec<BoutScore>,
    /// Stride errors.
    pub strides: StrideErrors,
}

/// The whole validation.
#[derive(Debug, Clone, Serialize)]
pub struct Validation {
    /// Per recording.
    pub recordings: Vec<RecordingScore>,
    /// Pooled summary.
    pub overall: Overall,
}

/// Pooled figures.
#[derive(Debug, Clone, Serialize)]
pub struct Overall {
    /// IC F1.
    pub ic_f1: f64,
    /// IC precision.
    pub ic_precision: f64,
    /// IC recall.
    pub ic_recall: f64,
    /// IC timing MAE, ms.
    pub ic_mae_ms: Option<f64>,
    /// IC bias, ms.
    pub ic_bias_ms: Option<f64>,
    /// FC F1.
    pub fc_f1: f64,
    /// FC MAE, ms.
    pub fc_mae_ms: Option<f64>,
    /// FC bias, ms.
    pub fc_bias_ms: Option<f64>,
    /// L/R accuracy of matched ICs.
    pub lr_accuracy: Option<f64>,
    /// Mean absolute cadence error per bout, % of reference.
    pub cadence_err_pct: Option<f64>,
    /// Mean absolute cadence error per bout, steps/min.
    pub cadence_err_spm: Option<f64>,
    /// Mean absolute stride length error per bout, % .
    pub stride_length_err_pct: Option<f64>,
    /// Mean absolute stride length error per bout, m.
    pub stride_length_err_m: Option<f64>,
    /// Mean absolute speed error per bout, %.
    pub speed_err_pct: Option<f64>,
    /// Mean absolute speed error per bout, m/s.
    pub speed_err_mps: Option<f64>,
    /// Stance MAE per stride, ms.
    pub stance_mae_ms: Option<f64>,
    /// Swing MAE per stride, ms.
    pub swing_mae_ms: Option<f64>,
    /// Single-support MAE per stride, ms.
    pub single_support_mae_ms: Option<f64>,
    /// Matched strides.
    pub n_strides_matched: usize,
}

fn mean(v: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (s, n) = v
        .into_iter()
        .fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| s / n as f64)
}

#[derive(Debug, Clone, Copy)]
struct RefEvent {
    t_s: f64,
    side: Option<Side>,
}

struct RefBout {
    start_s: f64,
    end_s: f64,
    ics: Vec<RefEvent>,
    fcs: Vec<RefEvent>,
    /// Spans between the timed neighbours of each untimed IC / FC.
    untimed_ics: Vec<(f64, f64)>,
    untimed_fcs: Vec<(f64, f64)>,
    cadence_spm: Option<f64>,
    stride_length_m: Option<f64>,
    speed_mps: Option<f64>,
    strides: Vec<RefStride>,
}

struct RefStride {
    start_s: f64,
    end_s: Option<f64>,
    side: Option<Side>,
    stance_s: Option<f64>,
    swing_s: Option<f64>,
    single_support_s: Option<f64>,
    duration_s: Option<f64>,
}

fn side_of(v: &Value) -> Option<Side> {
    v.as_str().and_then(|s| s.parse().ok())
}

/// mobgap's reference cleaning (see the module doc).
fn clean_events(raw: &[Value], bout_end: f64) -> Vec<RefEvent> {
    let mut out: Vec<RefEvent> = Vec::new();
    for e in raw {
        let Some(t) = e["t_s"].as_f64() else { continue };
        if t > bout_end + 1e-9 {
            continue;
        }
        let side = side_of(&e["side"]);
        if let Some(prev) = out.iter_mut().find(|p| (p.t_s - t).abs() < 1e-9) {
            if prev.side != side {
                prev.side = None;
            }
            continue;
        }
        out.push(RefEvent { t_s: t, side });
    }
    out.sort_by(|a, b| a.t_s.total_cmp(&b.t_s));
    out
}

/// For every event without a time, the span between its nearest timed neighbours in the
/// reference list (the bout start / end where it has none): a detection there may be that
/// untimed step, which the issue's rules leave unscored.
fn untimed_spans(raw: &[Value], start_s: f64, end_s: f64) -> Vec<(f64, f64)> {
    let times: Vec<Option<f64>> = raw.iter().map(|e| e["t_s"].as_f64()).collect();
    let mut out = Vec::new();
    for (i, t) in times.iter().enumerate() {
        if t.is_some() {
            continue;
        }
        let prev = times[..i].iter().rev().find_map(|t| *t).unwrap_or(start_s);
        let next = times[i + 1..].iter().find_map(|t| *t).unwrap_or(end_s);
        out.push((prev.min(next), prev.max(next)));
    }
    out
}

fn load_reference(path: &Path) -> anyhow::Result<Vec<RefBout>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
    let v: Value = serde_json::from_str(&text).with_context(|| format!("{}", path.display()))?;
    let mut bouts = Vec::new();
    for b in v["walking_bouts"].as_array().into_iter().flatten() {
        let (Some(start_s), Some(end_s)) = (b["start_s"].as_f64(), b["end_s"].as_f64()) else {
            continue;
        };
        let arr = |k: &str| b[k].as_array().cloned().unwrap_or_default();
        let strides = arr("strides")
            .iter()
            .filter_map(|s| {
                Some(RefStride {
                    start_s: s["start_s"].as_f64()?,
                    end_s: s["end_s"].as_f64(),
                    side: side_of(&s["side"]),
                    stance_s: s["stance_duration_s"].as_f64(),
                    swing_s: s["swing_duration_s"].as_f64(),
                    single_support_s: s["single_support_duration_s"].as_f64(),
                    duration_s: s["duration_s"].as_f64(),
                })
            })
            .collect();
        bouts.push(RefBout {
            start_s,
            end_s,
            ics: clean_events(&arr("initial_contacts"), end_s),
            fcs: clean_events(&arr("final_contacts"), f64::INFINITY),
            untimed_ics: untimed_spans(&arr("initial_contacts"), start_s, end_s),
            untimed_fcs: untimed_spans(&arr("final_contacts"), start_s, end_s),
            cadence_spm: b["cadence_spm"].as_f64(),
            stride_length_m: b["average_stride_length_m"].as_f64(),
            speed_mps: b["walking_speed_mps"].as_f64(),
            strides,
        });
    }
    Ok(bouts)
}

/// One-to-one matching, globally closest pairs first. An unmatched detection is a false
/// positive only when it lies inside a reference bout (`spans`, start to end: the reference
/// annotates nothing outside) and is not explained by an untimed reference event (`untimed`,
/// each explains at most one detection strictly inside its span).
fn match_events(
    det: &[(f64, Option<Side>)],
    refs: &[RefEvent],
    spans: &[(f64, f64)],
    untimed: &[(f64, f64)],
    score: &mut EventScore,
) {
    let mut pairs = Vec::new();
    for (i, d) in det.iter().enumerate() {
        for (j, r) in refs.iter().enumerate() {
            let e = d.0 - r.t_s;
            if e.abs() <= TOLERANCE_S {
                pairs.push((e.abs(), i, j));
            }
        }
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut dm = vec![false; det.len()];
    let mut rm = vec![false; refs.len()];
    for (_, i, j) in pairs {
        if dm[i] || rm[j] {
            continue;
        }
        dm[i] = true;
        rm[j] = true;
        score.tp += 1;
        score.errors_s.push(det[i].0 - refs[j].t_s);
        if let Some(rs) = refs[j].side {
            score.lr_total += 1;
            if det[i].1 == Some(rs) {
                score.lr_correct += 1;
            }
        }
    }
    let mut used = vec![false; untimed.len()];
    for (i, d) in det.iter().enumerate() {
        if dm[i] || !spans.iter().any(|&(a, b)| d.0 >= a && d.0 <= b) {
            continue;
        }
        if let Some(k) =
            (0..untimed.len()).find(|&k| !used[k] && d.0 > untimed[k].0 && d.0 < untimed[k].1)
        {
            used[k] = true;
            continue;
        }
        score.fp += 1;
    }
    score.fn_ += rm.iter().filter(|m| !**m).count();
}

/// Cadence (steps/min), stride length (m) and speed (m/s) of a bout from its strides,
/// averaged per stride the way the reference computes its bout values (checked on all 11
/// reference bouts: `cadence_spm` is the mean of 120 / `duration_s`, `walking_speed_mps` the
/// mean of the strides' `speed_mps`, `average_stride_length_m` the mean of `length_m`), so
/// both sides of the comparison mean the same thing.
fn bout_means(strides: &[&Stride]) -> (Option<f64>, Option<f64>, Option<f64>) {
    let timed = || strides.iter().filter(|s| s.duration_s() > 0.0);
    let cadence = mean(timed().map(|s| 120.0 / s.duration_s()));
    let length = mean(strides.iter().filter_map(|s| s.length_m));
    let speed = mean(timed().filter_map(|s| s.length_m.map(|l| l / s.duration_s())));
    (cadence, length, speed)
}

/// Scores one recording's report against its reference bouts.
fn score_recording(name: &str, report: &GaitReport, bouts: &[RefBout]) -> RecordingScore {
    let detected_ics = report
        .events
        .iter()
        .filter(|e| e.kind == EventKind::InitialContact)
        .count();
    let mut ic = EventScore::default();
    let mut fc = EventScore::default();
    let in_bouts = |t: f64| {
        bouts
            .iter()
            .any(|b| t >= b.start_s - TOLERANCE_S && t <= b.end_s + TOLERANCE_S)
    };
    let dets = |kind: EventKind| -> Vec<(f64, Option<Side>)> {
        report
            .events
            .iter()
            .filter(|e| e.kind == kind && in_bouts(e.t_s))
            .map(|e| (e.t_s, e.side))
            .collect()
    };
    let ref_ics: Vec<RefEvent> = bouts.iter().flat_map(|b| b.ics.iter().copied()).collect();
    let ref_fcs: Vec<RefEvent> = bouts.iter().flat_map(|b| b.fcs.iter().copied()).collect();
    let spans: Vec<(f64, f64)> = bouts.iter().map(|b| (b.start_s, b.end_s)).collect();
    let un_ics: Vec<(f64, f64)> = bouts.iter().flat_map(|b| b.untimed_ics.clone()).collect();
    let un_fcs: Vec<(f64, f64)> = bouts.iter().flat_map(|b| b.untimed_fcs.clone()).collect();
    // FCs of a bout may trail its last IC (the toe-off closing the last stride).
    let fc_spans: Vec<(f64, f64)> = bouts
        .iter()
        .map(|b| {
            let last = b.fcs.iter().map(|e| e.t_s).fold(b.end_s, f64::max);
            (b.start_s, last)
        })
        .collect();
    match_events(
        &dets(EventKind::InitialContact),
        &ref_ics,
        &spans,
        &un_ics,
        &mut ic,
    );
    match_events(
        &dets(EventKind::FinalContact),
        &ref_fcs,
        &fc_spans,
        &un_fcs,
        &mut fc,
    );
    let mut bout_scores = Vec::new();
    let mut strides = StrideErrors::default();
    for b in bouts {
        let inside: Vec<&Stride> = report
            .strides
            .iter()
            .filter(|s| {
                s.start_s >= b.start_s - STRIDE_SLACK_S && s.end_s <= b.end_s + STRIDE_SLACK_S
            })
            .collect();
        let (cadence, len, speed) = bout_means(&inside);
        bout_scores.push(BoutScore {
            start_s: b.start_s,
            end_s: b.end_s,
            n_strides: inside.len(),
            cadence_spm: (b.cadence_spm, cadence),
            stride_length_m: (b.stride_length_m, len),
            speed_mps: (b.speed_mps, speed),
        });
        for r in &b.strides {
            let Some(d) = report
                .strides
                .iter()
                .filter(|s| {
                    s.side == r.side
                        && (s.start_s - r.start_s).abs() <= STRIDE_MATCH_S
                        && r.end_s
                            .is_none_or(|e| (s.end_s - e).abs() <= STRIDE_MATCH_S)
                })
                .min_by(|a, b| {
                    (a.start_s - r.start_s)
                        .abs()
                        .total_cmp(&(b.start_s - r.start_s).abs())
                })
            else {
                continue;
            };
            let put = |v: &mut Vec<f64>, a: Option<f64>, b: Option<f64>| {
                if let (Some(a), Some(b)) = (a, b) {
                    v.push(a - b);
                }
            };
            put(&mut strides.stance_s, d.stance_s, r.stance_s);
            put(&mut strides.swing_s, d.swing_s, r.swing_s);
            put(
                &mut strides.single_support_s,
                d.single_support_s,
                r.single_support_s,
            );
            put(&mut strides.stride_s, Some(d.duration_s()), r.duration_s);
        }
    }
    RecordingScore {
        name: name.to_string(),
        scored: !bouts.is_empty(),
        detected_ics,
        ic,
        fc,
        bouts: bout_scores,
        strides,
    }
}

/// Analyses one recording folder with steady's normal entry point.
pub fn analyze_folder(dir: &Path) -> anyhow::Result<GaitReport> {
    let rec = steady_recording::read_recording(dir)?;
    let subject = crate::cli::analyze::subject_of(&rec.meta);
    let inputs: Vec<SensorInput<'_>> = rec
        .sensors
        .iter()
        .filter_map(|s| {
            Some(SensorInput {
                placement: s.placement,
                samples: &s.samples,
                sampling_rate_hz: s.sampling_rate_hz(rec.meta.sampling_rate_hz)?,
            })
        })
        .collect();
    Ok(steady_analysis::gait::analyze_with_clock(
        &inputs,
        &subject,
        crate::cli::analyze::legs_share_clock(&rec.meta),
    ))
}

fn recordings_under(root: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    let mut subjects: Vec<_> = std::fs::read_dir(root)
        .with_context(|| format!("{}: cannot read reference data folder", root.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    subjects.sort();
    for s in subjects {
        let mut tests: Vec<_> = std::fs::read_dir(&s)?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.join("reference.json").exists())
            .collect();
        tests.sort();
        for t in tests {
            let name = format!(
                "{}/{}",
                s.file_name().unwrap_or_default().to_string_lossy(),
                t.file_name().unwrap_or_default().to_string_lossy()
            );
            out.push((name, t));
        }
    }
    Ok(out)
}

/// Validates every recording under `root` (the `mobilised` folder).
pub fn validate_mobilised(root: &Path) -> anyhow::Result<Validation> {
    let mut recordings = Vec::new();
    for (name, dir) in recordings_under(root)? {
        let report =
            analyze_folder(&dir).with_context(|| format!("analysing {}", dir.display()))?;
        let bouts = load_reference(&dir.join("reference.json"))?;
        recordings.push(score_recording(&name, &report, &bouts));
    }
    let mut ic = EventScore::default();
    let mut fc = EventScore::default();
    let mut st = StrideErrors::default();
    let mut cad = Vec::new();
    let mut len = Vec::new();
    let mut spd = Vec::new();
    for r in recordings.iter().filter(|r| r.scored) {
        ic.add(&r.ic);
        fc.add(&r.fc);
        st.add(&r.strides);
        for b in &r.bouts {
            for (v, (re, de)) in [
                (&mut cad, b.cadence_spm),
                (&mut len, b.stride_length_m),
                (&mut spd, b.speed_mps),
            ] {
                if let (Some(re), Some(de)) = (re, de) {
                    v.push((de - re, 100.0 * (de - re) / re));
                }
            }
        }
    }
    let abs_mean = |v: &[(f64, f64)], pct: bool| {
        mean(v.iter().map(|(a, p)| if pct { p.abs() } else { a.abs() }))
    };
    let mae_ms = |v: &[f64]| mean(v.iter().map(|e| e.abs() * 1e3));
    let overall = Overall {
        ic_f1: ic.f1(),
        ic_precision: ic.precision(),
        ic_recall: ic.recall(),
        ic_mae_ms: ic.mae_ms(),
        ic_bias_ms: ic.bias_ms(),
        fc_f1: fc.f1(),
        fc_mae_ms: fc.mae_ms(),
        fc_bias_ms: fc.bias_ms(),
        lr_accuracy: ic.lr_accuracy(),
        cadence_err_pct: abs_mean(&cad, true),
        cadence_err_spm: abs_mean(&cad, false),
        stride_length_err_pct: abs_mean(&len, true),
        stride_length_err_m: abs_mean(&len, false),
        speed_err_pct: abs_mean(&spd, true),
        speed_err_mps: abs_mean(&spd, false),
        stance_mae_ms: mae_ms(&st.stance_s),
        swing_mae_ms: mae_ms(&st.swing_s),
        single_support_mae_ms: mae_ms(&st.single_support_s),
        n_strides_matched: st.stance_s.len(),
    };
    Ok(Validation {
        recordings,
        overall,
    })
}

fn fmt(v: Option<f64>, prec: usize) -> String {
    v.map_or("-".into(), |v| format!("{v:.prec$}"))
}

fn print_tables(v: &Validation) {
    println!(
        "Lower-back gait vs INDIP reference (Mobilise-D example data, tolerance {TOLERANCE_S} s)"
    );
    println!(
        "{:<22} {:>4} {:>6} {:>6} {:>6} {:>8} {:>8} {:>6} {:>6} {:>8} {:>8}",
        "recording",
        "ICs",
        "IC P",
        "IC R",
        "IC F1",
        "MAE ms",
        "bias ms",
        "L/R",
        "FC F1",
        "FC MAE",
        "FC bias"
    );
    for r in &v.recordings {
        if !r.scored {
            println!(
                "{:<22} {:>4}  unscored (empty reference; {} ICs detected)",
                r.name, r.detected_ics, r.detected_ics
            );
            continue;
        }
        println!(
            "{:<22} {:>4} {:>6.3} {:>6.3} {:>6.3} {:>8} {:>8} {:>6} {:>6.3} {:>8} {:>8}",
            r.name,
            r.detected_ics,
            r.ic.precision(),
            r.ic.recall(),
            r.ic.f1(),
            fmt(r.ic.mae_ms(), 1),
            fmt(r.ic.bias_ms(), 1),
            fmt(r.ic.lr_accuracy().map(|a| 100.0 * a), 1),
            r.fc.f1(),
            fmt(r.fc.mae_ms(), 1),
            fmt(r.fc.bias_ms(), 1),
        );
    }
    println!();
    println!("Per stride, detected − reference (matched by start IC and side):");
    println!(
        "{:<22} {:>4} {:>12} {:>12} {:>14} {:>12}",
        "recording", "n", "stance MAE", "swing MAE", "single sup MAE", "stride MAE"
    );
    let mae = |v: &[f64]| fmt(mean(v.iter().map(|e| e.abs() * 1e3)), 1);
    for r in v.recordings.iter().filter(|r| r.scored) {
        println!(
            "{:<22} {:>4} {:>9} ms {:>9} ms {:>11} ms {:>9} ms",
            r.name,
            r.strides.stride_s.len(),
            mae(&r.strides.stance_s),
            mae(&r.strides.swing_s),
            mae(&r.strides.single_support_s),
            mae(&r.strides.stride_s)
        );
    }
    println!();
    println!("Per reference bout (reference → detected):");
    println!(
        "{:<22} {:>14} {:>4} {:>16} {:>16} {:>16}",
        "recording", "bout s", "n", "cadence spm", "stride len m", "speed m/s"
    );
    for r in v.recordings.iter().filter(|r| r.scored) {
        for b in &r.bouts {
            println!(
                "{:<22} {:>6.2}-{:<7.2} {:>4} {:>7}→{:<7} {:>7}→{:<7} {:>7}→{:<7}",
                r.name,
                b.start_s,
                b.end_s,
                b.n_strides,
                fmt(b.cadence_spm.0, 1),
                fmt(b.cadence_spm.1, 1),
                fmt(b.stride_length_m.0, 2),
                fmt(b.stride_length_m.1, 2),
                fmt(b.speed_mps.0, 2),
                fmt(b.speed_mps.1, 2),
            );
        }
    }
    let o = &v.overall;
    println!();
    println!("Overall (scored recordings pooled):");
    println!(
        "  IC  precision {:.3}  recall {:.3}  F1 {:.3}  timing MAE {} ms  bias {} ms",
        o.ic_precision,
        o.ic_recall,
        o.ic_f1,
        fmt(o.ic_mae_ms, 1),
        fmt(o.ic_bias_ms, 1)
    );
    println!(
        "  FC  F1 {:.3}  timing MAE {} ms  bias {} ms",
        o.fc_f1,
        fmt(o.fc_mae_ms, 1),
        fmt(o.fc_bias_ms, 1)
    );
    println!(
        "  L/R accuracy of matched ICs: {} %",
        fmt(o.lr_accuracy.map(|a| 100.0 * a), 1)
    );
    println!(
        "  per bout: cadence error {} % ({} spm), stride length {} % ({} m), speed {} % ({} m/s)",
        fmt(o.cadence_err_pct, 1),
        fmt(o.cadence_err_spm, 1),
        fmt(o.stride_length_err_pct, 1),
        fmt(o.stride_length_err_m, 3),
        fmt(o.speed_err_pct, 1),
        fmt(o.speed_err_mps, 3)
    );
    println!(
        "  per stride ({} matched): stance MAE {} ms, swing MAE {} ms, single support MAE {} ms",
        o.n_strides_matched,
        fmt(o.stance_mae_ms, 1),
        fmt(o.swing_mae_ms, 1),
        fmt(o.single_support_mae_ms, 1)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression guard on the real reference data (skipped when `../shared/data` is absent).
    /// Floors sit a little below what the pipeline reached when this test was written (see
    /// the validation table in the README), so a regression fails here.
    #[test]
    fn lower_back_accuracy_on_mobilised_reference_data() {
        let root = Path::new("../shared/data/mobilised");
        if !root.exists() {
            eprintln!("note: {} missing, skipping validation", root.display());
            return;
        }
        let v = validate_mobilised(root).expect("validation runs");
        let o = &v.overall;
        let check = |name: &str, value: Option<f64>, ok: &dyn Fn(f64) -> bool| {
            let v = value.unwrap_or_else(|| panic!("{name} missing"));
            assert!(ok(v), "{name} = {v}");
        };
        check("IC recall", Some(o.ic_recall), &|v| v >= 0.95);
        check("IC F1", Some(o.ic_f1), &|v| v >= 0.94);
        check("L/R accuracy", o.lr_accuracy, &|v| v >= 0.945);
        check("cadence error %", o.cadence_err_pct, &|v| v <= 4.5);
        check("speed error %", o.speed_err_pct, &|v| v <= 20.0);
        check("stance MAE ms", o.stance_mae_ms, &|v| v <= 60.0);
        check("swing MAE ms", o.swing_mae_ms, &|v| v <= 60.0);
        // 80 ms, not the 75 ms of before split steps were merged: that merge lets 5 more
        // strides of slow, irregular walking be paired (69 instead of 64), and those are the
        // hard ones; on the 64 strides paired before, the errors did not change.
        check("single support MAE ms", o.single_support_mae_ms, &|v| {
            v <= 80.0
        });
        // The clean straight walks of HA_001 are held to the product targets.
        for r in v
            .recordings
            .iter()
            .filter(|r| r.name.starts_with("HA_001/Test5"))
        {
            assert!(r.ic.f1() >= 0.95, "{}: IC F1 {}", r.name, r.ic.f1());
            assert!(
                r.ic.mae_ms().unwrap() <= 50.0,
                "{}: IC MAE {:?}",
                r.name,
                r.ic.mae_ms()
            );
            assert_eq!(r.ic.lr_accuracy(), Some(1.0), "{}", r.name);
        }
        // Recordings with an empty reference are reported, not scored.
        assert!(v.recordings.iter().any(|r| !r.scored && r.detected_ics > 0));
    }

    #[test]
    fn bout_values_are_per_stride_means_like_the_reference() {
        let stride = |start_s: f64, end_s: f64, length_m: Option<f64>| Stride {
            side: Some(Side::Left),
            start_s,
            end_s,
            stance_s: None,
            swing_s: None,
            single_support_s: None,
            double_support_s: None,
            length_m,
        };
        let a = stride(0.0, 1.0, Some(1.2));
        let b = stride(1.0, 2.5, Some(0.9));
        let c = stride(2.5, 3.5, None);
        let (cadence, length, speed) = bout_means(&[&a, &b, &c]);
        // Mean of 120/1.0, 120/1.5, 120/1.0 (not 120 / mean duration = 102.9).
        assert!((cadence.unwrap() - (120.0 + 80.0 + 120.0) / 3.0).abs() < 1e-9);
        assert!((length.unwrap() - 1.05).abs() < 1e-9);
        // Mean of 1.2/1.0 and 0.9/1.5 (strides without a length give no speed).
        assert!((speed.unwrap() - 0.9).abs() < 1e-9);
        assert_eq!(bout_means(&[]), (None, None, None));
    }

    #[test]
    fn reference_cleaning_follows_mobgap() {
        let raw: Vec<Value> = serde_json::from_str(
            r#"[{"t_s": 1.0, "side": "left"}, {"t_s": 1.0, "side": "right"},
                {"t_s": null, "side": "left"}, {"t_s": 2.0, "side": "right"},
                {"t_s": 2.0, "side": "right"}, {"t_s": 9.0, "side": "left"}]"#,
        )
        .unwrap();
        let c = clean_events(&raw, 5.0);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].side, None);
        assert_eq!(c[1].side, Some(Side::Right));
    }

    #[test]
    fn matching_is_one_to_one_within_tolerance() {
        let refs = [
            RefEvent {
                t_s: 1.0,
                side: Some(Side::Left),
            },
            RefEvent {
                t_s: 2.0,
                side: Some(Side::Right),
            },
        ];
        let det = [
            (1.05, Some(Side::Left)),
            (1.1, Some(Side::Left)),
            (2.6, None),
        ];
        let mut s = EventScore::default();
        match_events(&det, &refs, &[(0.0, 3.0)], &[], &mut s);
        assert_eq!((s.tp, s.fp, s.fn_), (1, 2, 1));
        assert_eq!(s.lr_accuracy(), Some(1.0));
        assert!((s.mae_ms().unwrap() - 50.0).abs() < 1e-6);
    }

    #[test]
    fn untimed_reference_steps_and_detections_outside_bouts_are_not_scored() {
        let raw: Vec<Value> = serde_json::from_str(
            r#"[{"t_s": 1.0, "side": "left"}, {"t_s": null, "side": "right"},
                {"t_s": 2.2, "side": "left"}, {"t_s": 2.8, "side": "right"}]"#,
        )
        .unwrap();
        let untimed = untimed_spans(&raw, 1.0, 2.8);
        assert_eq!(untimed, vec![(1.0, 2.2)]);
        let refs = clean_events(&raw, 2.8);
        // 1.6 is the untimed step, 1.9 a second detection in the same gap (false positive),
        // 3.2 lies after the bout end without a partner (not scored), 0.6 matches 1.0.
        let det = [
            (0.6, Some(Side::Left)),
            (1.6, None),
            (1.9, None),
            (2.25, Some(Side::Left)),
            (2.8, Some(Side::Right)),
            (3.2, None),
        ];
        let mut s = EventScore::default();
        match_events(&det, &refs, &[(1.0, 2.8)], &untimed, &mut s);
        assert_eq!((s.tp, s.fp, s.fn_), (3, 1, 0));
    }
}
