//! Transparent, rule-based fall-risk **screening indicators** for one session (not a
//! diagnosis, not a validated score).
//!
//! Every rule compares one session metric (by its stored key, see `steady-store`'s catalog)
//! with one cited cut-off from [`THRESHOLDS`]. Each rule yields a [`Finding`] — positive,
//! negative, missing (the test was not done, never assumed normal) or not assessable (no
//! cut-off for this person, e.g. age or sex unknown). The category ([`assess`]) counts the
//! five STEADI-style core indicators recommended in `clinical.md` §4.5 (TUG, tandem stance,
//! 30 s chair stand, gait speed, single-leg stance) and the supporting gait indicators
//! (stride-time variability, double support, asymmetry), which have no agreed cut-off and
//! are compared with typical ranges only:
//! - **high**: two or more core indicators positive;
//! - **moderate**: one core indicator positive, or two or more supporting indicators positive;
//! - **low**: none of the above among the indicators measured;
//! - no category when no core indicator was measured.
//!
//! The category rule is steady's own plain counting rule (clinical.md §4.5 recommends
//! "n of 5 indicators positive" instead of an opaque score); it is not validated.

use serde::Serialize;
use steady_core::{Metric, Side};

/// Verification tags as in `../shared/research/clinical.md`: [V] seen in the primary source or
/// abstract, [S] secondary source only, [M] general knowledge, unconfirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Evidence {
    /// Seen in the primary source or its abstract.
    V,
    /// Secondary source only.
    S,
    /// General knowledge, unconfirmed.
    M,
}

/// One cited cut-off.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Threshold {
    /// Short id used by the rules.
    pub id: &'static str,
    /// The value in `unit`.
    pub value: f64,
    /// Unit of `value`.
    pub unit: &'static str,
    /// Citation.
    pub source: &'static str,
    /// Verification tag.
    pub evidence: Evidence,
}

/// TUG at or above this time: at risk of falling (CDC STEADI form) [V].
pub const TUG_AT_RISK_S: f64 = 12.0;
// Single-leg stance below 5 s: impaired one-leg balance (Vellas 1997) [V]; its one home, with
// the age norms, is `crate::norms`.
pub use crate::norms::{SLS_IMPAIRED_S, SLS_SOURCE};
/// Gait speed below this: high risk of adverse outcomes (Cesari 2005) [citation V, value M].
pub const GAIT_SPEED_RISK_MPS: f64 = 1.0;
/// Gait speed below this: limited community ambulation (Perry 1995) [M].
pub const GAIT_SPEED_LIMITED_MPS: f64 = 0.8;
/// Tandem stance (4-stage stage 3) held shorter than this: increased fall risk (STEADI) [V].
pub const TANDEM_HOLD_S: f64 = 10.0;
/// Upper end of the typical healthy stride-time CV, % (clinical.md §2.2) [M]; no agreed cut-off.
pub const STRIDE_TIME_CV_TYPICAL_MAX_PCT: f64 = 3.0;
/// Upper end of typical double support in healthy adults, % of the stride [M]; no agreed
/// cut-off (larger double support predicted falls in Verghese 2009, RR 1.165 [V]).
pub const DOUBLE_SUPPORT_TYPICAL_MAX_PCT: f64 = 30.0;
/// Stance-time gait asymmetry 100·|ln(L/R)| above this is asymmetric: ln(1.05), the
/// Patterson 2008 healthy-control symmetry-ratio cut-off 1.05 [M].
pub const STANCE_ASYMMETRY_PCT: f64 = 4.879;
/// Swing-time gait asymmetry above this is asymmetric: 100·ln(1.06) (Patterson 2008) [M].
pub const SWING_ASYMMETRY_PCT: f64 = 5.827;

/// Source of [`TUG_AT_RISK_S`].
pub const TUG_SOURCE: &str = "CDC STEADI: TUG ≥ 12 s = at risk of falling";
/// Source of the gait-speed cut-offs.
pub const GAIT_SPEED_SOURCE: &str =
    "Cesari et al. 2005 (< 1.0 m/s adverse outcomes); Perry et al. 1995 (< 0.8 m/s limited community ambulation)";
/// Source of [`TANDEM_HOLD_S`].
pub const TANDEM_SOURCE: &str =
    "CDC STEADI 4-stage balance test: cannot hold tandem stance 10 s = increased fall risk";
/// Source of [`CHAIR_STAND_BELOW_AVERAGE`].
pub const CHAIR_STAND_SOURCE: &str = "CDC STEADI 30 s chair stand, below average by age and sex";
/// Source of the stride-time variability range.
pub const VARIABILITY_SOURCE: &str =
    "typical healthy stride-time CV 1–3 % (Hausdorff et al. 1997: larger in fallers); no agreed cut-off";
/// Source of the double-support range.
pub const DOUBLE_SUPPORT_SOURCE: &str =
    "Verghese et al. 2009: larger double support predicts falls (RR 1.165); typical ≤ 30 % of the stride, no agreed cut-off";
/// Source of the asymmetry cut-offs.
pub const ASYMMETRY_SOURCE: &str =
    "Patterson et al. 2008: symmetry ratio > 1.05 (stance) / > 1.06 (swing) beyond healthy controls";

/// Every cut-off the rules use, with its citation (the one table of this module).
pub const THRESHOLDS: &[Threshold] = &[
    Threshold {
        id: "tug",
        value: TUG_AT_RISK_S,
        unit: "s",
        source: TUG_SOURCE,
        evidence: Evidence::V,
    },
    Threshold {
        id: "sls",
        value: SLS_IMPAIRED_S,
        unit: "s",
        source: SLS_SOURCE,
        evidence: Evidence::V,
    },
    Threshold {
        id: "gait_speed",
        value: GAIT_SPEED_RISK_MPS,
        unit: "m/s",
        source: GAIT_SPEED_SOURCE,
        evidence: Evidence::M,
    },
    Threshold {
        id: "gait_speed_limited",
        value: GAIT_SPEED_LIMITED_MPS,
        unit: "m/s",
        source: GAIT_SPEED_SOURCE,
        evidence: Evidence::M,
    },
    Threshold {
        id: "tandem",
        value: TANDEM_HOLD_S,
        unit: "s",
        source: TANDEM_SOURCE,
        evidence: Evidence::V,
    },
    Threshold {
        id: "stride_time_cv",
        value: STRIDE_TIME_CV_TYPICAL_MAX_PCT,
        unit: "%",
        source: VARIABILITY_SOURCE,
        evidence: Evidence::M,
    },
    Threshold {
        id: "double_support",
        value: DOUBLE_SUPPORT_TYPICAL_MAX_PCT,
        unit: "%",
        source: DOUBLE_SUPPORT_SOURCE,
        evidence: Evidence::M,
    },
    Threshold {
        id: "stance_asymmetry",
        value: STANCE_ASYMMETRY_PCT,
        unit: "%",
        source: ASYMMETRY_SOURCE,
        evidence: Evidence::M,
    },
    Threshold {
        id: "swing_asymmetry",
        value: SWING_ASYMMETRY_PCT,
        unit: "%",
        source: ASYMMETRY_SOURCE,
        evidence: Evidence::M,
    },
];

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

/// Sex as the sex-specific norms need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Female norms.
    Female,
    /// Male norms.
    Male,
}

/// What the rules may know about the person.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Person {
    /// Age in years at the session.
    pub age_years: Option<f64>,
    /// Sex, when recorded as female or male.
    pub sex: Option<Sex>,
}

/// The below-average chair-stand threshold (stands in 30 s) for an age and sex, if tabled.
pub fn chair_stand_threshold(age_years: f64, sex: Sex) -> Option<f64> {
    let row = CHAIR_STAND_BELOW_AVERAGE
        .iter()
        .find(|(a, b, _, _)| age_years >= *a && age_years < b + 1.0)?;
    Some(match sex {
        Sex::Male => row.2,
        Sex::Female => row.3,
    })
}

/// Outcome of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The indicator is positive (beyond the cut-off).
    Positive,
    /// Measured and within the cut-off.
    Negative,
    /// The test or metric is absent from the session: unknown, not normal.
    Missing,
    /// Measured, but no cut-off applies to this person (e.g. age or sex not recorded).
    NotAssessable,
}

/// Whether a rule is one of the five STEADI-style core indicators or a supporting one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Weight {
    /// TUG, tandem stance, chair stand, gait speed, single-leg stance.
    Core,
    /// Gait variability, double support, asymmetry (no agreed cut-off).
    Supporting,
}

/// One fall-risk indicator checked on a session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Short name of the rule (`Timed Up and Go`, `Single-leg stance`, …).
    pub rule: &'static str,
    /// The metric key it reads.
    pub metric: &'static str,
    /// The side, for per-side rules.
    pub side: Option<Side>,
    /// The measured value (None when missing).
    pub value: Option<f64>,
    /// The cut-off compared against (None when not assessable).
    pub threshold: Option<f64>,
    /// Positive, negative, missing or not assessable.
    pub status: Status,
    /// Core or supporting indicator.
    pub weight: Weight,
    /// Why, in words.
    pub reason: String,
    /// The citation.
    pub source: &'static str,
}

impl Finding {
    /// True when the indicator is positive.
    pub fn positive(&self) -> bool {
        self.status == Status::Positive
    }

    /// True when a value was measured (positive, negative or not assessable).
    pub fn measured(&self) -> bool {
        self.value.is_some()
    }
}

/// Screening category of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// No positive core indicator among those measured.
    Low,
    /// One core (or two supporting) indicators positive.
    Moderate,
    /// Two or more core indicators positive.
    High,
}

impl Category {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Low => "low",
            Category::Moderate => "moderate",
            Category::High => "high",
        }
    }
}

/// The fall-risk screening result of one session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    /// Category, None when no core indicator was measured.
    pub category: Option<Category>,
    /// Every rule, in a fixed order, including missing ones.
    pub findings: Vec<Finding>,
    /// Core indicators positive.
    pub core_positive: usize,
    /// Core indicators measured and assessable.
    pub core_assessed: usize,
    /// Core indicators missing or not assessable.
    pub core_unknown: usize,
    /// Supporting indicators positive.
    pub supporting_positive: usize,
    /// The one-paragraph wording for reports.
    pub summary: String,
}

/// The wording every output carries.
pub const DISCLAIMER: &str =
    "Screening indicators for a clinician's judgement, not a diagnosis or a validated risk score.";

fn metric(metrics: &[Metric], key: &str, side: Option<Side>) -> Option<f64> {
    metrics
        .iter()
        .find(|m| m.key == key && m.side == side && m.value.is_finite())
        .map(|m| m.value)
}

struct Rule {
    rule: &'static str,
    metric: &'static str,
    side: Option<Side>,
    weight: Weight,
    source: &'static str,
}

impl Rule {
    fn missing(&self, what: &str) -> Finding {
        self.finding(None, None, Status::Missing, format!("{what} not measured"))
    }

    fn finding(
        &self,
        value: Option<f64>,
        threshold: Option<f64>,
        status: Status,
        reason: String,
    ) -> Finding {
        Finding {
            rule: self.rule,
            metric: self.metric,
            side: self.side,
            value,
            threshold,
            status,
            weight: self.weight,
            reason,
            source: self.source,
        }
    }

    /// `positive` decides; `words(value, positive)` explains.
    fn check(
        &self,
        value: Option<f64>,
        threshold: f64,
        what: &str,
        positive: impl Fn(f64) -> bool,
        words: impl Fn(f64, bool) -> String,
    ) -> Finding {
        match value {
            None => self.missing(what),
            Some(v) => {
                let p = positive(v);
                let status = if p {
                    Status::Positive
                } else {
                    Status::Negative
                };
                self.finding(Some(v), Some(threshold), status, words(v, p))
            }
        }
    }
}

/// Every finding on one session's metrics, missing ones included, in a fixed order.
pub fn findings(metrics: &[Metric], person: &Person) -> Vec<Finding> {
    let mut out = Vec::new();
    let core = |rule, metric, side, source| Rule {
        rule,
        metric,
        side,
        weight: Weight::Core,
        source,
    };
    let tug = core("Timed Up and Go", "tug.time_s", None, TUG_SOURCE);
    out.push(tug.check(
        metric(metrics, "tug.time_s", None),
        TUG_AT_RISK_S,
        "TUG",
        |v| v >= TUG_AT_RISK_S,
        |v, p| {
            format!(
                "TUG {v:.1} s {} {TUG_AT_RISK_S} s",
                if p { "≥" } else { "<" }
            )
        },
    ));
    let tandem = core(
        "Tandem stance (4-stage balance)",
        "four_stage.tandem_hold_s",
        None,
        TANDEM_SOURCE,
    );
    out.push(tandem.check(
        metric(metrics, "four_stage.tandem_hold_s", None),
        TANDEM_HOLD_S,
        "4-stage balance test",
        |v| v < TANDEM_HOLD_S,
        |v, p| {
            if p {
                format!("tandem stance held {v:.1} s < {TANDEM_HOLD_S} s")
            } else {
                format!("tandem stance held {TANDEM_HOLD_S} s")
            }
        },
    ));
    let chair = core(
        "30 s chair stand",
        "chair_stand.count_30s",
        None,
        CHAIR_STAND_SOURCE,
    );
    match metric(metrics, "chair_stand.count_30s", None) {
        None => out.push(chair.missing("30 s chair stand")),
        Some(v) => {
            let t = match (person.age_years, person.sex) {
                (Some(age), Some(sex)) => chair_stand_threshold(age, sex).map(|t| (t, age, sex)),
                _ => None,
            };
            out.push(match t {
                Some((t, age, sex)) => {
                    let p = v < t;
                    let sex = match sex {
                        Sex::Female => "female",
                        Sex::Male => "male",
                    };
                    chair.finding(
                        Some(v),
                        Some(t),
                        if p {
                            Status::Positive
                        } else {
                            Status::Negative
                        },
                        format!(
                            "{v:.0} stands {} {t:.0} ({sex}, {age:.0} y)",
                            if p { "<" } else { "≥" }
                        ),
                    )
                }
                None => chair.finding(
                    Some(v),
                    None,
                    Status::NotAssessable,
                    format!(
                        "{v:.0} stands; no STEADI cut-off (needs age 60–94 and female/male sex)"
                    ),
                ),
            });
        }
    }
    let speed = core("Gait speed", "gait.speed_mps", None, GAIT_SPEED_SOURCE);
    out.push(speed.check(
        metric(metrics, "gait.speed_mps", None),
        GAIT_SPEED_RISK_MPS,
        "gait speed",
        |v| v < GAIT_SPEED_RISK_MPS,
        |v, _| {
            if v < GAIT_SPEED_LIMITED_MPS {
                format!("gait speed {v:.2} m/s < {GAIT_SPEED_LIMITED_MPS} m/s (limited community ambulation)")
            } else if v < GAIT_SPEED_RISK_MPS {
                format!("gait speed {v:.2} m/s < {GAIT_SPEED_RISK_MPS} m/s")
            } else {
                format!("gait speed {v:.2} m/s ≥ {GAIT_SPEED_RISK_MPS} m/s")
            }
        },
    ));
    for side in Side::BOTH {
        let sls = core(
            "Single-leg stance",
            "balance.sls_hold_s",
            Some(side),
            SLS_SOURCE,
        );
        out.push(sls.check(
            metric(metrics, "balance.sls_hold_s", Some(side)),
            SLS_IMPAIRED_S,
            &format!("{side} single-leg stance"),
            |v| v < SLS_IMPAIRED_S,
            |v, p| {
                format!(
                    "{side} leg held {v:.1} s {} {SLS_IMPAIRED_S} s",
                    if p { "<" } else { "≥" }
                )
            },
        ));
    }
    let support = |rule, metric, side, source| Rule {
        rule,
        metric,
        side,
        weight: Weight::Supporting,
        source,
    };
    let cv = support(
        "Stride-time variability",
        "gait.variability.stride_time_cv_pct",
        None,
        VARIABILITY_SOURCE,
    );
    out.push(cv.check(
        metric(metrics, "gait.variability.stride_time_cv_pct", None),
        STRIDE_TIME_CV_TYPICAL_MAX_PCT,
        "stride-time variability",
        |v| v > STRIDE_TIME_CV_TYPICAL_MAX_PCT,
        |v, p| {
            format!(
                "stride-time CV {v:.1} % {} typical range (≤ {STRIDE_TIME_CV_TYPICAL_MAX_PCT} %)",
                if p { "above" } else { "within" }
            )
        },
    ));
    for side in Side::BOTH {
        let ds = support(
            "Double support",
            "gait.double_support_s",
            Some(side),
            DOUBLE_SUPPORT_SOURCE,
        );
        let pct = match (
            metric(metrics, "gait.double_support_s", Some(side)),
            metric(metrics, "gait.stride_time_s", Some(side)),
        ) {
            (Some(d), Some(t)) if t > 0.0 => Some(100.0 * d / t),
            _ => None,
        };
        out.push(ds.check(
            pct,
            DOUBLE_SUPPORT_TYPICAL_MAX_PCT,
            &format!("{side} double support"),
            |v| v > DOUBLE_SUPPORT_TYPICAL_MAX_PCT,
            |v, p| {
                format!(
                    "{side} double support {v:.0} % of the stride {} typical range (≤ {DOUBLE_SUPPORT_TYPICAL_MAX_PCT} %)",
                    if p { "above" } else { "within" }
                )
            },
        ));
    }
    for (key, name, cut) in [
        ("gait.asymmetry.stance_pct", "stance", STANCE_ASYMMETRY_PCT),
        ("gait.asymmetry.swing_pct", "swing", SWING_ASYMMETRY_PCT),
    ] {
        let r = support("Large asymmetry", key, None, ASYMMETRY_SOURCE);
        out.push(r.check(
            metric(metrics, key, None),
            cut,
            &format!("{name}-time asymmetry"),
            |v| v > cut,
            |v, p| {
                format!(
                    "{name}-time asymmetry {v:.1} % {} {cut:.1} %",
                    if p { ">" } else { "≤" }
                )
            },
        ));
    }
    out
}

/// Findings plus the category and its wording.
pub fn assess(metrics: &[Metric], person: &Person) -> Assessment {
    let findings = findings(metrics, person);
    let count = |w: Weight, f: &dyn Fn(&Finding) -> bool| {
        findings.iter().filter(|x| x.weight == w && f(x)).count()
    };
    let core_positive = count(Weight::Core, &|f| f.positive());
    let core_assessed = count(Weight::Core, &|f| {
        matches!(f.status, Status::Positive | Status::Negative)
    });
    let core_unknown = count(Weight::Core, &|f| {
        matches!(f.status, Status::Missing | Status::NotAssessable)
    });
    let supporting_positive = count(Weight::Supporting, &|f| f.positive());
    let category = if core_assessed == 0 {
        None
    } else if core_positive >= 2 {
        Some(Category::High)
    } else if core_positive == 1 || supporting_positive >= 2 {
        Some(Category::Moderate)
    } else {
        Some(Category::Low)
    };
    let summary = match category {
        None => format!("No fall-risk category: none of the core indicators was measured. {DISCLAIMER}"),
        Some(c) => format!(
            "Fall-risk screening indicators: {} ({core_positive} of {core_assessed} core indicators positive, {core_unknown} not measured or not assessable; {supporting_positive} supporting gait indicators positive). {DISCLAIMER}",
            c.as_str()
        ),
    };
    Assessment {
        category,
        findings,
        core_positive,
        core_assessed,
        core_unknown,
        supporting_positive,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(key: &str, v: f64) -> Metric {
        Metric::new(key, v, "1", "t")
    }

    #[test]
    fn cut_offs_and_missing_findings() {
        let ms = vec![
            m("tug.time_s", 12.0),
            m("balance.sls_hold_s", 4.9).with_side(Side::Left),
            m("balance.sls_hold_s", 5.0).with_side(Side::Right),
            m("gait.speed_mps", 0.95),
            m("chair_stand.count_30s", 11.0),
        ];
        let person = Person {
            age_years: Some(72.0),
            sex: Some(Sex::Female),
        };
        let f = findings(&ms, &person);
        let st = |rule: &str, side| {
            f.iter()
                .find(|x| x.rule == rule && x.side == side)
                .unwrap()
                .status
        };
        assert_eq!(st("Timed Up and Go", None), Status::Positive);
        assert_eq!(st("Single-leg stance", Some(Side::Left)), Status::Positive);
        assert_eq!(st("Single-leg stance", Some(Side::Right)), Status::Negative);
        assert_eq!(st("Gait speed", None), Status::Positive);
        // Women 70–74: below average if < 10.
        assert_eq!(st("30 s chair stand", None), Status::Negative);
        assert_eq!(
            st("Tandem stance (4-stage balance)", None),
            Status::Missing,
            "a test not done is missing, not normal"
        );
        assert_eq!(st("Stride-time variability", None), Status::Missing);
        let a = assess(&ms, &person);
        assert_eq!(a.category, Some(Category::High));
        assert_eq!(
            (a.core_positive, a.core_assessed, a.core_unknown),
            (3, 5, 1)
        );
        assert!(a.summary.contains("not a diagnosis"));
    }

    #[test]
    fn chair_stand_needs_age_and_sex() {
        let ms = vec![m("chair_stand.count_30s", 9.0)];
        let a = assess(&ms, &Person::default());
        let f = a
            .findings
            .iter()
            .find(|f| f.rule == "30 s chair stand")
            .unwrap();
        assert_eq!(f.status, Status::NotAssessable);
        assert_eq!(a.category, None, "nothing assessable: no category");
        let a = assess(
            &ms,
            &Person {
                age_years: Some(62.0),
                sex: Some(Sex::Male),
            },
        );
        assert_eq!(a.category, Some(Category::Moderate));
        assert_eq!(chair_stand_threshold(62.0, Sex::Male), Some(14.0));
        assert_eq!(chair_stand_threshold(95.5, Sex::Male), None);
    }

    #[test]
    fn category_levels() {
        let p = Person::default();
        assert_eq!(assess(&[], &p).category, None);
        assert_eq!(
            assess(&[m("gait.speed_mps", 1.3)], &p).category,
            Some(Category::Low)
        );
        let supporting = [
            m("gait.speed_mps", 1.3),
            m("gait.variability.stride_time_cv_pct", 4.5),
            m("gait.asymmetry.swing_pct", 9.0),
        ];
        assert_eq!(assess(&supporting, &p).category, Some(Category::Moderate));
        let ds = [
            m("gait.double_support_s", 0.4).with_side(Side::Left),
            m("gait.stride_time_s", 1.0).with_side(Side::Left),
        ];
        let f = findings(&ds, &p);
        let d = f
            .iter()
            .find(|x| x.rule == "Double support" && x.side == Some(Side::Left))
            .unwrap();
        assert_eq!(d.status, Status::Positive);
        assert!((d.value.unwrap() - 40.0).abs() < 1e-9);
        assert!(THRESHOLDS.iter().all(|t| !t.source.is_empty()));
    }
}
