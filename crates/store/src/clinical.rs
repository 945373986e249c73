//! The clinical cut-offs and norms the report and the fall-risk findings use (the single-leg
//! stance ones are re-exported from `steady_balance::norms`, their one home): one table,
//! each number with its source and the verification tag from
//! `../shared/research/clinical.md` (§3.1, §4.1–4.3, §7): [V] seen in the primary source or
//! abstract, [S] secondary source only, [M] general knowledge, unconfirmed.

use steady_core::Metric;

use crate::model::Sex;

pub use steady_balance::fall_risk::{
    Assessment, Category, Finding, Status, Weight, CHAIR_STAND_BELOW_AVERAGE, CHAIR_STAND_SOURCE,
    DISCLAIMER, GAIT_SPEED_LIMITED_MPS, GAIT_SPEED_RISK_MPS, GAIT_SPEED_SOURCE, SLS_IMPAIRED_S,
    SLS_SOURCE, THRESHOLDS, TUG_AT_RISK_S, TUG_SOURCE,
};

// Single-leg stance norms: their one home is `steady_balance::norms`.
pub use steady_balance::norms::{sls_norm_s, SLS_NORMS_EO_S, SLS_NORMS_SOURCE};

/// The balance crate's sex for norms (None for other or unknown).
pub fn norm_sex(sex: Sex) -> Option<steady_balance::fall_risk::Sex> {
    match sex {
        Sex::Male => Some(steady_balance::fall_risk::Sex::Male),
        Sex::Female => Some(steady_balance::fall_risk::Sex::Female),
        Sex::Other | Sex::Unknown => None,
    }
}

/// The below-average chair-stand threshold for an age and sex, if tabled.
pub fn chair_stand_threshold(age_years: f64, sex: Sex) -> Option<f64> {
    steady_balance::fall_risk::chair_stand_threshold(age_years, norm_sex(sex)?)
}

/// The fall-risk screening of one session's metrics: every rule, missing ones included, and
/// the category (`steady_balance::fall_risk::assess`).
pub fn fall_risk_assessment(
    metrics: &[Metric],
    age_years: Option<f64>,
    sex: Option<Sex>,
) -> Assessment {
    steady_balance::fall_risk::assess(
        metrics,
        &steady_balance::fall_risk::Person {
            age_years,
            sex: sex.and_then(norm_sex),
        },
    )
}

/// STEADI-style indicators on one session's metrics, missing ones included.
pub fn fall_risk_findings(
    metrics: &[Metric],
    age_years: Option<f64>,
    sex: Option<Sex>,
) -> Vec<Finding> {
    fall_risk_assessment(metrics, age_years, sex).findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use steady_core::Side;

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
        let measured: Vec<(&str, Option<Side>, bool)> = f
            .iter()
            .filter(|f| f.measured())
            .map(|f| (f.rule, f.side, f.positive()))
            .collect();
        assert_eq!(
            measured,
            [
                ("Timed Up and Go", None, true),   // ≥ 12 s is at risk
                ("30 s chair stand", None, false), // women 70–74: below average if < 10
                ("Gait speed", None, true),
                ("Single-leg stance", Some(Side::Left), true),
                ("Single-leg stance", Some(Side::Right), false),
            ]
        );
        let left = f.iter().find(|f| f.side == Some(Side::Left)).unwrap();
        assert!(
            left.reason.contains("left leg held 4.9 s < 5 s"),
            "{}",
            left.reason
        );
        assert!(f.iter().any(|f| f.status == Status::Missing));
        // Unknown sex: the chair stand is measured but not assessable.
        let f = fall_risk_findings(&ms, Some(72.0), Some(Sex::Other));
        let c = f.iter().find(|f| f.rule == "30 s chair stand").unwrap();
        assert_eq!(c.status, Status::NotAssessable);
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
