//! Aggregates of a [`GaitReport`]: per-side means, asymmetry, variability,
//! pelvic drop, harmonic ratio, regularity and a quality flag with reasons.
//!
//! Formulas (see `research/clinical.md` §2): symmetry index `100·(R−L)/(0.5·(R+L))`
//! (Robinson 1987), symmetry ratio `L/R`, gait asymmetry `100·|ln(L/R)|` (Plotnik 2005),
//! CV `100·SD/mean`.

use super::types::Stride;
use super::GaitReport;
use crate::Subject;
use serde::{Deserialize, Serialize};
use steady_core::{Metric, Side};

/// Plausibility limits (Mobilise-D global DMO thresholds, mobgap
/// `official_mobilised_dmo_thresholds.csv`; used as sanity bounds, not norms).
pub mod limits {
    /// Cadence, steps/min.
    pub const CADENCE_SPM: (f64, f64) = (40.0, 172.9);
    /// Walking speed, m/s.
    pub const SPEED_MPS: (f64, f64) = (0.0815, 2.22);
    /// Stride length, m.
    pub const STRIDE_LENGTH_M: (f64, f64) = (0.1505, 2.19);
    /// Fewest strides for trustworthy means and variability (2 per side per bout × 2 bouts
    /// is a bare minimum; CV from fewer strides is unstable, Hausdorff 1997).
    pub const MIN_STRIDES: usize = 6;
}

/// Per-side mean values (s, m, deg); `None` when no stride had the value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct SideSummary {
    /// Strides of this foot.
    pub n_strides: usize,
    /// Mean stance time, s.
    pub stance_s: Option<f64>,
    /// Mean swing time, s.
    pub swing_s: Option<f64>,
    /// Mean single-limb support of this leg, s: the time this leg carries the body alone
    /// (its stance minus initial and terminal double support = the other leg's swing). A
    /// painful hip shortens it on that side (antalgic gait). Not the strides'
    /// `single_support_s`, which covers both legs' single support inside one stride.
    pub single_limb_support_s: Option<f64>,
    /// Mean double-support time within this foot's strides, s.
    pub double_support_s: Option<f64>,
    /// Mean step time (previous contralateral IC to this foot's IC), s.
    pub step_time_s: Option<f64>,
    /// Mean stride time, s.
    pub stride_time_s: Option<f64>,
    /// Mean stride length, m.
    pub stride_length_m: Option<f64>,
    /// Mean frontal-plane pelvic tilt excursion while standing on this foot, deg.
    pub pelvic_drop_deg: Option<f64>,
}

/// Left/right asymmetry of one parameter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Asymmetry {
    /// `100·(R−L)/(0.5·(R+L))`, %.
    pub symmetry_index_pct: Option<f64>,
    /// `L/R`.
    pub symmetry_ratio: Option<f64>,
    /// `100·|ln(L/R)|`.
    pub gait_asymmetry_pct: Option<f64>,
}

/// Asymmetry of the temporal parameters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct AsymmetrySet {
    /// Step time.
    pub step_time: Asymmetry,
    /// Stance time.
    pub stance: Asymmetry,
    /// Swing time.
    pub swing: Asymmetry,
    /// Single-limb support (time on each leg alone).
    pub single_support: Asymmetry,
}

/// Stride-to-stride variability (both sides pooled, first and last stride of each bout left
/// out).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Variability {
    /// CV of stride time, %.
    pub stride_time_cv_pct: Option<f64>,
    /// CV of stance time, %.
    pub stance_cv_pct: Option<f64>,
    /// CV of step length, %.
    pub step_length_cv_pct: Option<f64>,
    /// Strides used for the stride-time and stance CVs.
    pub n_strides: usize,
}

/// Whether the numbers can be trusted, and why not.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Quality {
    /// True when no reason below applies.
    pub ok: bool,
    /// Human-readable reasons (empty when ok).
    pub reasons: Vec<String>,
}

/// Whole-recording gait summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GaitSummary {
    /// Number of strides.
    pub n_strides: usize,
    /// Number of walking bouts.
    pub n_bouts: usize,
    /// Total bout time (first to last IC), s.
    pub walking_time_s: f64,
    /// Steps per minute over all bouts.
    pub cadence_spm: Option<f64>,
    /// Walking speed (bout-duration weighted), m/s.
    pub speed_mps: Option<f64>,
    /// Mean stride length, m.
    pub stride_length_m: Option<f64>,
    /// Left-foot means.
    pub left: SideSummary,
    /// Right-foot means.
    pub right: SideSummary,
    /// Left/right asymmetry.
    pub asymmetry: AsymmetrySet,
    /// Variability.
    pub variability: Variability,
    /// Mean vertical harmonic ratio per stride.
    pub harmonic_ratio_v: Option<f64>,
    /// Mean step regularity (vertical autocorrelation at the step lag).
    pub step_regularity: Option<f64>,
    /// Mean stride regularity (vertical autocorrelation at the stride lag).
    pub stride_regularity: Option<f64>,
    /// Quality flag.
    pub quality: Quality,
}

fn mean(v: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (s, n) = v
        .into_iter()
        .fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| s / n as f64)
}

/// Coefficient of variation in % (`None` with fewer than 3 values).
pub fn cv_pct(v: &[f64]) -> Option<f64> {
    if v.len() < 3 {
        return None;
    }
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64;
    (m > 0.0).then(|| 100.0 * var.sqrt() / m)
}

/// Asymmetry indices of per-side means.
pub fn asymmetry(left: Option<f64>, right: Option<f64>) -> Asymmetry {
    match (left, right) {
        (Some(l), Some(r)) if l > 0.0 && r > 0.0 => Asymmetry {
            symmetry_index_pct: Some(100.0 * (r - l) / (0.5 * (r + l))),
            symmetry_ratio: Some(l / r),
            gait_asymmetry_pct: Some(100.0 * (l / r).ln().abs()),
        },
        _ => Asymmetry::default(),
    }
}

fn side_summary(report: &GaitReport, side: Side) -> SideSummary {
    let strides: Vec<&Stride> = report
        .strides
        .iter()
        .filter(|s| s.side == Some(side))
        .collect();
    SideSummary {
        n_strides: strides.len(),
        stance_s: mean(strides.iter().filter_map(|s| s.stance_s)),
        swing_s: mean(strides.iter().filter_map(|s| s.swing_s)),
        single_limb_support_s: mean(strides.iter().filter_map(|s| {
            s.stance_s
                .zip(s.double_support_s)
                .map(|(stance, double)| stance - double)
                .filter(|v| *v > 0.0)
        })),
        double_support_s: mean(strides.iter().filter_map(|s| s.double_support_s)),
        step_time_s: mean(
            report
                .steps
                .iter()
                .filter(|s| s.side == Some(side))
                .map(|s| s.end_s - s.start_s),
        ),
        stride_time_s: mean(strides.iter().map(|s| s.duration_s())),
        stride_length_m: mean(strides.iter().filter_map(|s| s.length_m)),
        pelvic_drop_deg: mean(
            report
                .stride_extras
                .iter()
                .filter(|x| x.side == Some(side))
                .filter_map(|x| x.pelvic_drop_deg),
        ),
    }
}

/// Computes the summary of a report; `sensor_reasons` are quality problems found in the
/// signals (saturation, a moved sensor, …) that come first in the quality reasons.
pub fn summarize(
    report: &GaitReport,
    _subject: &Subject,
    sensor_reasons: Vec<String>,
) -> GaitSummary {
    // fold from +0.0: an empty f64 sum is −0.0, which would print as "-0.0 s".
    let walking_time_s = report
        .bouts
        .iter()
        .fold(0.0, |acc, b| acc + (b.end_s - b.start_s));
    let n_steps: f64 = report
        .bouts
        .iter()
        .filter_map(|b| b.cadence_spm.map(|c| c * (b.end_s - b.start_s) / 60.0))
        .sum();
    let cadence_spm = (walking_time_s > 0.0).then(|| 60.0 * n_steps / walking_time_s);
    let weighted = |f: fn(&super::types::Bout) -> Option<f64>| {
        let (s, w) = report
            .bouts
            .iter()
            .fold((0.0, 0.0), |(s, w), b| match f(b) {
                Some(v) => (s + v * (b.end_s - b.start_s), w + (b.end_s - b.start_s)),
                None => (s, w),
            });
        (w > 0.0).then(|| s / w)
    };
    let speed_mps = weighted(|b| b.speed_mps);
    let stride_length_m = weighted(|b| b.stride_length_m);
    let left = side_summary(report, Side::Left);
    let right = side_summary(report, Side::Right);
    let asym = AsymmetrySet {
        step_time: asymmetry(left.step_time_s, right.step_time_s),
        stance: asymmetry(left.stance_s, right.stance_s),
        swing: asymmetry(left.swing_s, right.swing_s),
        single_support: asymmetry(left.single_limb_support_s, right.single_limb_support_s),
    };
    // Variability excludes the first and last stride/step of each bout (gait initiation and
    // termination; clinical.md §2.2), unless that leaves too little to compute.
    let at_edge = |start: f64, end: f64| {
        report
            .bouts
            .iter()
            .any(|b| (start - b.start_s).abs() < 1e-9 || (end - b.end_s).abs() < 1e-9)
    };
    let steady_strides: Vec<&Stride> = {
        let inner: Vec<&Stride> = report
            .strides
            .iter()
            .filter(|s| !at_edge(s.start_s, s.end_s))
            .collect();
        if inner.len() >= 3 {
            inner
        } else {
            report.strides.iter().collect()
        }
    };
    let stride_times: Vec<f64> = steady_strides.iter().map(|s| s.duration_s()).collect();
    let stances: Vec<f64> = steady_strides.iter().filter_map(|s| s.stance_s).collect();
    let step_lengths: Vec<f64> = {
        let inner: Vec<f64> = report
            .steps
            .iter()
            .filter(|s| !at_edge(s.start_s, s.end_s))
            .filter_map(|s| s.length_m)
            .collect();
        if inner.len() >= 3 {
            inner
        } else {
            report.steps.iter().filter_map(|s| s.length_m).collect()
        }
    };
    let variability = Variability {
        stride_time_cv_pct: cv_pct(&stride_times),
        stance_cv_pct: cv_pct(&stances),
        step_length_cv_pct: cv_pct(&step_lengths),
        n_strides: steady_strides.len(),
    };
    let mut reasons = sensor_reasons;
    if report.strides.len() < limits::MIN_STRIDES {
        reasons.push(format!(
            "too few strides ({} < {})",
            report.strides.len(),
            limits::MIN_STRIDES
        ));
    }
    let check = |name: &str, v: Option<f64>, (lo, hi): (f64, f64), reasons: &mut Vec<String>| {
        if let Some(v) = v {
            if !(lo..=hi).contains(&v) {
                reasons.push(format!("implausible {name} {v:.2} (expected {lo}–{hi})"));
            }
        }
    };
    check("cadence", cadence_spm, limits::CADENCE_SPM, &mut reasons);
    check("walking speed", speed_mps, limits::SPEED_MPS, &mut reasons);
    check(
        "stride length",
        stride_length_m,
        limits::STRIDE_LENGTH_M,
        &mut reasons,
    );
    let extras = &report.stride_extras;
    GaitSummary {
        n_strides: report.strides.len(),
        n_bouts: report.bouts.len(),
        walking_time_s,
        cadence_spm,
        speed_mps,
        stride_length_m,
        left,
        right,
        asymmetry: asym,
        variability,
        harmonic_ratio_v: mean(extras.iter().filter_map(|x| x.harmonic_ratio_v)),
        step_regularity: mean(extras.iter().filter_map(|x| x.step_regularity)),
        stride_regularity: mean(extras.iter().filter_map(|x| x.stride_regularity)),
        quality: Quality {
            ok: reasons.is_empty(),
            reasons,
        },
    }
}

const SOURCE: &str = "lower_back/steady";

impl GaitSummary {
    /// The summary as generic metrics (NaN-free; absent values are left out).
    pub fn metrics(&self) -> Vec<Metric> {
        let mut m = Vec::new();
        let n = self.n_strides as u32;
        let mut push = |key: &str, v: Option<f64>, unit: &str, side: Option<Side>, n: u32| {
            if let Some(v) = v.filter(|v| v.is_finite()) {
                let mut metric = Metric::new(key, v, unit, SOURCE).with_n(n);
                metric.side = side;
                m.push(metric);
            }
        };
        push("gait.cadence_spm", self.cadence_spm, "/min", None, n);
        push("gait.speed_mps", self.speed_mps, "m/s", None, n);
        push("gait.stride_length_m", self.stride_length_m, "m", None, n);
        for (side, s) in [(Side::Left, &self.left), (Side::Right, &self.right)] {
            let k = s.n_strides as u32;
            push("gait.stance_s", s.stance_s, "s", Some(side), k);
            push("gait.swing_s", s.swing_s, "s", Some(side), k);
            push(
                "gait.single_limb_support_s",
                s.single_limb_support_s,
                "s",
                Some(side),
                k,
            );
            push(
                "gait.double_support_s",
                s.double_support_s,
                "s",
                Some(side),
                k,
            );
            push("gait.step_time_s", s.step_time_s, "s", Some(side), k);
            push("gait.stride_time_s", s.stride_time_s, "s", Some(side), k);
            push(
                "gait.stride_length_m",
                s.stride_length_m,
                "m",
                Some(side),
                k,
            );
            push(
                "gait.pelvic_drop_deg",
                s.pelvic_drop_deg,
                "deg",
                Some(side),
                k,
            );
        }
        for (name, a) in [
            ("step_time", &self.asymmetry.step_time),
            ("stance", &self.asymmetry.stance),
            ("swing", &self.asymmetry.swing),
            ("single_support", &self.asymmetry.single_support),
        ] {
            push(
                &format!("gait.asymmetry.{name}_pct"),
                a.gait_asymmetry_pct,
                "%",
                None,
                n,
            );
            push(
                &format!("gait.symmetry_index.{name}_pct"),
                a.symmetry_index_pct,
                "%",
                None,
                n,
            );
            push(
                &format!("gait.symmetry_ratio.{name}"),
                a.symmetry_ratio,
                "1",
                None,
                n,
            );
        }
        let v = &self.variability;
        push(
            "gait.variability.stride_time_cv_pct",
            v.stride_time_cv_pct,
            "%",
            None,
            n,
        );
        push(
            "gait.variability.stance_cv_pct",
            v.stance_cv_pct,
            "%",
            None,
            n,
        );
        push(
            "gait.variability.step_length_cv_pct",
            v.step_length_cv_pct,
            "%",
            None,
            n,
        );
        push("gait.harmonic_ratio_v", self.harmonic_ratio_v, "1", None, n);
        push("gait.step_regularity", self.step_regularity, "1", None, n);
        push(
            "gait.stride_regularity",
            self.stride_regularity,
            "1",
            None,
            n,
        );
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asymmetry_formulas() {
        let a = asymmetry(Some(0.6), Some(0.66));
        assert!((a.symmetry_index_pct.unwrap() - 100.0 * 0.06 / 0.63).abs() < 1e-9);
        assert!((a.symmetry_ratio.unwrap() - 0.6 / 0.66).abs() < 1e-12);
        assert!((a.gait_asymmetry_pct.unwrap() - 100.0 * (0.66f64 / 0.6).ln()).abs() < 1e-9);
        assert_eq!(asymmetry(None, Some(1.0)), Asymmetry::default());
    }

    #[test]
    fn single_limb_support_shows_a_shortened_painful_side() {
        // Antalgic pattern: the right leg carries the body alone 0.34 s, the left 0.42 s. Each
        // stride's both-legs single support (stride − double support) is the same 0.76 s.
        let stride = |side, start_s: f64, stance_s: f64, single_limb_s: f64| {
            let double = stance_s - single_limb_s;
            Stride {
                side: Some(side),
                start_s,
                end_s: start_s + 1.1,
                stance_s: Some(stance_s),
                swing_s: Some(1.1 - stance_s),
                single_support_s: Some(1.1 - double),
                double_support_s: Some(double),
                length_m: None,
            }
        };
        let mut strides = Vec::new();
        for k in 0..4 {
            let t = 1.1 * k as f64;
            strides.push(stride(Side::Left, t, 0.76, 0.42));
            strides.push(stride(Side::Right, t + 0.55, 0.68, 0.34));
        }
        let report = GaitReport {
            events: Vec::new(),
            strides,
            bouts: Vec::new(),
            summary: GaitSummary::default(),
            stride_extras: Vec::new(),
            steps: Vec::new(),
        };
        let left = side_summary(&report, Side::Left);
        let right = side_summary(&report, Side::Right);
        assert!((left.single_limb_support_s.unwrap() - 0.42).abs() < 1e-9);
        assert!((right.single_limb_support_s.unwrap() - 0.34).abs() < 1e-9);
        let s = summarize(&report, &Subject::default(), Vec::new());
        let a = s.asymmetry.single_support.gait_asymmetry_pct.unwrap();
        assert!((a - 100.0 * (0.42f64 / 0.34).ln()).abs() < 1e-9, "{a}");
    }

    #[test]
    fn cv_of_known_values() {
        // mean 2, sample SD 1 → 50 %.
        assert!((cv_pct(&[1.0, 2.0, 3.0]).unwrap() - 50.0).abs() < 1e-12);
        assert!(cv_pct(&[1.0, 2.0]).is_none());
    }
}
