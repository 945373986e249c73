//! The clinical cut-offs and norms the report and the fall-risk findings use (the single-leg
//! stance ones are re-exported from `steady_balance::norms`, their one home): one table,
//! each number with its source and the verification tag from
//! `../shared/research/clinical.md` (§3.1, §4.1–4.3, §7): [V] seen in the primary source or
//! abstract, [S] secondary source only, [M] general knowledge, unconfirmed.

use serde::Serialize;
use steady_core::{Metric, Side};

use crate::model::Sex;

/// TUG at or above this time: at risk of falling. CDC STEADI form [V].
pub const TUG_AT_RISK_S: f64 = 12.0;
/// Source of [`TUG_AT_RISK_S`].
pub const TUG_SOURCE: &str = "CDC STEADI: TUG ≥ 12 s = at risk of falling";

// Single-leg stance threshold and norms: the one table lives in `steady_balance::norms`.
pub use steady_balance::norms::{
    sls_norm_s, SLS_IMPAIRED_S, SLS_NORMS_EO_S, SLS_NORMS_SOURCE, SLS_SOURCE,
};

/// Gait speed below this: high risk of adverse outcomes. Cesari et al. 2005 [citation V, value M].
pub const GAIT_SPEED_RISK_MPS: f64 = 1.0;
/// Gait speed below this: limited community ambulation. Perry et al. 1995 [M].
pub const GAIT_SPEED_LIMITED_MPS: f64 = 0.8;
/// Source of the gait-speed cut-offs.
pub const GAIT_SPEED_SOURCE: &str =
    "Cesari et al. 2005 (< 1.0 m/s adverse outcomes); Perry et al. 1995 (< 0.8 m/s limited community ambulation)";

/// 30 s chair stand "below average" thresholds (age from, age to, men, women): fewer stands
/// than this = increased fall risk. CDC STEADI via Injury Matters; matches Rikli & Jones 1999
/// lower bounds [V].
pub const CHAIR_STAND_BELOW_AVERAGE: &[(f64, f64, f64, f64)] = &[
    (60.0, 64.0, 14.0, 12.0),
    (65.0, 69.0, 12.0, 11.0),
    (70.0, 74.0, 12.0, 10.0),
    (75.0, 79.0, 11.0, 10.0),
    (80.0, 84.0, 10.0, 9.0),
    (85.0, 89.0, 8.0, 8.0),
    (90.0, 94.0, 7.0, 4.0),
];
/// Source of [`CHAIR_STAND_BELOW_AVERAGE`].
pub const CHAIR_STAND_SOURCE: &str = "CDC STEADI 30 s chair stand, below average by age and sex";

/// The below-average chair-stand threshold for an age and sex, if tabled.
pub fn chair_stand_threshold(age_years: f64, sex: Sex) -> Option<f64> {
    let row = CHAIR_STAND_BELOW_AVERAGE
        .iter()
        .find(|(a, b, _, _)| age_years >= *a && age_years < b + 1.0)?;
    match sex {
        Sex::Male => Some(row.2),
        Sex::Female => Some(row.3),
        Sex::Other | Sex::Unknown => None,
    }
}

/// One fall-risk indicator checked on a session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Short name of the rule (`TUG`, `single-leg stance`, …).
    pub rule: &'static str,
    /// The side, for per-side rules.
    pub side: Option<Side>,
    /// The measured value.
    pub value: f64,
    /// The cut-off compared against.
    pub threshold: f64,
    /// True when the indicator is positive (risk).
    pub positive: bool,
    /// Why, in words.
    pub reason: String,
    /// The citation.
    pub source: &'static str,
}

fn metric(metrics: &[Metric], key: &str, side: Option<Side>) -> Option<f64> {
    metrics
        .iter()
        .find(|m| m.key == key && m.side == side)
        .map(|m| m.value)
}

/// STEADI-style indicators on one session's metrics (only rules whose metric is present).
pub fn fall_risk_findings(
    metrics: &[Metric],
    age_years: Option<f64>,
    sex: Option<Sex>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(v) = metric(metrics, "tug.time_s", None) {
        let positive = v >= TUG_AT_RISK_S;
        out.push(Finding {
            rule: "Timed Up and Go",
            side: None,
            value: v,
            threshold: TUG_AT_RISK_S,
            positive,
            reason: if positive {
                format!("TUG {v:.1} s ≥ {TUG_AT_RISK_S} s")
            } else {
                format!("TUG {v:.1} s < {TUG_AT_RISK_S} s")
            },
            source: TUG_SOURCE,
        });
    }
    for side in Side::BOTH {
        if let Some(v) = metric(metrics, "balance.sls_hold_s", Some(side)) {
            let positive = v < SLS_IMPAIRED_S;
            out.push(Finding {
                rule: "Single-leg stance",
                side: Some(side),
                value: v,
                threshold: SLS_IMPAIRED_S,
                positive,
                reason: if positive {
                    format!("{side} leg held {v:.1} s < {SLS_IMPAIRED_S} s")
                } else {
                    format!("{side} leg held {v:.1} s ≥ {SLS_IMPAIRED_S} s")
                },
                source: SLS_SOURCE,
            });
        }
    }
    if let Some(v) = metric(metrics, "gait.speed_mps", None) {
        let (positive, reason) = if v < GAIT_SPEED_LIMITED_MPS {
            (true, format!("gait speed {v:.2} m/s < {GAIT_SPEED_LIMITED_MPS} m/s (limited community ambulation)"))
        } else if v < GAIT_SPEED_RISK_MPS {
            (
                true,
                format!("gait speed {v:.2} m/s < {GAIT_SPEED_RISK_MPS} m/s"),
            )
        } else {
            (
                false,
                format!("gait speed {v:.2} m/s ≥ {GAIT_SPEED_RISK_MPS} m/s"),
            )
        };
        out.push(Finding {
            rule: "Gait speed",
            side: None,
            value: v,
            threshold: GAIT_SPEED_RISK_MPS,
            positive,
            reason,
            source: GAIT_SPEED_SOURCE,
        });
    }
    if let (Some(v), Some(age), Some(sex)) = (
        metric(metrics, "chair_stand.count_30s", None),
        age_years,
        sex,
    ) {
        if let Some(t) = chair_stand_threshold(age, sex) {
            let positive = v < t;
            out.push(Finding {
                rule: "30 s chair stand",
                side: None,
                value: v,
                threshold: t,
                positive,
                reason: format!(
                    "{v:.0} stands {} {t:.0} ({sex}, {age:.0} y)",
                    if positive { "<" } else { "≥" }
                ),
                source: CHAIR_STAND_SOURCE,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_apply_the_cited_cut_offs() {
        let ms = vec![
            Metric::new("tug.time_s", 12.0, "s", "manual"),
            Metric::new("balance.sls_hold_s", 4.9, "s", "t").with_side(Side::Left),
            Metric::new("balance.sls_hold_s", 5.0, "s", "t").with_side(Side::Right),
            Metric::new("gait.speed_mps", 0.95, "m/s", "t"),
            Metric::new("chair_stand.count_30s", 11.0, "{#}/(30.s)", "t"),
        ];
        let f = fall_risk_findings(&ms, Some(72.0), Some(Sex::Female));
        let pos: Vec<(&str, Option<Side>, bool)> =
            f.iter().map(|f| (f.rule, f.side, f.positive)).collect();
        assert_eq!(
            pos,
            [
                ("Timed Up and Go", None, true), // ≥ 12 s is at risk
                ("Single-leg stance", Some(Side::Left), true),
                ("Single-leg stance", Some(Side::Right), false),
                ("Gait speed", None, true),
                ("30 s chair stand", None, false), // women 70–74: below average if < 10
            ]
        );
        assert!(
            f[1].reason.contains("left leg held 4.9 s < 5 s"),
            "{}",
            f[1].reason
        );
    }

    #[test]
    fn norms_by_age() {
        assert_eq!(sls_norm_s(65.0), Some(32.1));
        assert_eq!(sls_norm_s(69.5), Some(32.1));
        assert_eq!(sls_norm_s(10.0), None);
        assert_eq!(chair_stand_threshold(62.0, Sex::Male), Some(14.0));
        assert_eq!(chair_stand_threshold(62.0, Sex::Unknown), None);
    }
}
