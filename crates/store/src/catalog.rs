//! The metric catalog: display names, UCUM units, LOINC codes, goal aliases, which direction
//! is better, and the minimal detectable change (MDC) where a published value is on file.
//!
//! One table, with the source of every code and number next to it. LOINC codes are the ones
//! marked verified in `../shared/research/clinical.md` §5.3; the rest of the metrics use the
//! steady CodeSystem ([`STEADY_CODE_SYSTEM`]), as §5.3 recommends.

/// The steady CodeSystem for metrics without a LOINC code (codes are the metric keys).
pub const STEADY_CODE_SYSTEM: &str = "https://steady-gait.org/fhir/CodeSystem/metrics";
/// The steady CodeSystem naming algorithms (`Observation.method`).
pub const STEADY_METHOD_SYSTEM: &str = "https://steady-gait.org/fhir/CodeSystem/methods";
/// LOINC.
pub const LOINC_SYSTEM: &str = "http://loinc.org";
/// UCUM.
pub const UCUM_SYSTEM: &str = "http://unitsofmeasure.org";

/// A published minimal detectable change.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mdc {
    /// The change (in the metric's unit) a re-test must exceed to be beyond measurement error.
    pub value: f64,
    /// Where the number comes from.
    pub source: &'static str,
}

/// One catalog row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricInfo {
    /// The stored metric key (`gait.speed_mps`).
    pub key: &'static str,
    /// Other names accepted in goals (`gait_speed_mps`, `single_leg_stance_s`).
    pub aliases: &'static [&'static str],
    /// Human name.
    pub display: &'static str,
    /// UCUM unit code.
    pub unit: &'static str,
    /// LOINC code and its name, where one exists (clinical.md §5.3, tagged [V] there).
    pub loinc: Option<(&'static str, &'static str)>,
    /// Values per side (left/right) rather than one value.
    pub per_side: bool,
    /// `Some(true)` when larger is better, `Some(false)` when smaller is better.
    pub higher_is_better: Option<bool>,
    /// Minimal detectable change, where a published value is on file.
    pub mdc: Option<Mdc>,
}

/// Donoghue, Savva, Börsch-Supan & Kenny 2019, BMJ Open 9:e030475 (PMC6858113), TILDA
/// community-dwelling adults ≥ 50 y, abstract: MDC 2.08 s for TUG; 19.49–34.73 cm/s for the
/// walking-speed tests (the lower bound is used here). Not in clinical.md; seen in the abstract.
const DONOGHUE_2019: &str =
    "Donoghue et al. 2019, BMJ Open 9:e030475 (adults ≥ 50 y; MDC of usual walking speed tests 0.19–0.35 m/s, lower bound used)";
const DONOGHUE_2019_TUG: &str = "Donoghue et al. 2019, BMJ Open 9:e030475 (adults ≥ 50 y)";

/// Every metric steady names. Keys not listed here are exported with their key as the code.
pub const CATALOG: &[MetricInfo] = &[
    MetricInfo {
        key: "gait.speed_mps",
        aliases: &[
            "gait_speed_mps",
            "gait_speed",
            "speed_mps",
            "walking_speed_mps",
        ],
        display: "Gait speed",
        unit: "m/s",
        loinc: None, // 83172-7 is the NIH Toolbox 4-m score only (clinical.md §5.3)
        per_side: false,
        higher_is_better: Some(true),
        mdc: Some(Mdc {
            value: 0.19,
            source: DONOGHUE_2019,
        }),
    },
    MetricInfo {
        key: "gait.cadence_spm",
        aliases: &["cadence_spm", "cadence"],
        display: "Cadence",
        unit: "/min",
        loinc: None,
        per_side: false,
        higher_is_better: None,
        mdc: None,
    },
    MetricInfo {
        key: "gait.stride_length_m",
        aliases: &["stride_length_m", "stride_length"],
        display: "Stride length",
        unit: "m",
        loinc: None,
        per_side: false,
        higher_is_better: Some(true),
        mdc: None,
    },
    MetricInfo {
        key: "gait.stance_s",
        aliases: &["stance_s", "stance_time_s"],
        display: "Stance time",
        unit: "s",
        loinc: None,
        per_side: true,
        higher_is_better: None,
        mdc: None,
    },
    MetricInfo {
        key: "gait.swing_s",
        aliases: &["swing_s", "swing_time_s"],
        display: "Swing time",
        unit: "s",
        loinc: None,
        per_side: true,
        higher_is_better: None,
        mdc: None,
    },
    MetricInfo {
        key: "gait.single_limb_support_s",
        aliases: &["single_limb_support_s"],
        display: "Single-limb support time",
        unit: "s",
        loinc: None,
        per_side: true,
        higher_is_better: None,
        mdc: None,
    },
    MetricInfo {
        key: "gait.double_support_s",
        aliases: &["double_support_s"],
        display: "Double-support time",
        unit: "s",
        loinc: None,
        per_side: true,
        higher_is_better: Some(false),
        mdc: None,
    },
    MetricInfo {
        key: "gait.step_time_s",
        aliases: &["step_time_s"],
        display: "Step time",
        unit: "s",
        loinc: None,
        per_side: true,
        higher_is_better: None,
        mdc: None,
    },
    MetricInfo {
        key: "gait.stride_time_s",
        aliases: &["stride_time_s"],
        display: "Stride time",
        unit: "s",
        loinc: None,
        per_side: true,
        higher_is_better: None,
        mdc: None,
    },
    MetricInfo {
        key: "gait.pelvic_drop_deg",
        aliases: &["pelvic_drop_deg"],
        display: "Pelvic drop",
        unit: "deg",
        loinc: None,
        per_side: true,
        higher_is_better: Some(false),
        mdc: None,
    },
    MetricInfo {
        key: "gait.asymmetry.stance_pct",
        aliases: &["stance_asymmetry_pct", "stance_asymmetry"],
        display: "Stance asymmetry",
        unit: "%",
        loinc: None,
        per_side: false,
        higher_is_better: Some(false),
        mdc: None,
    },
    MetricInfo {
        key: "gait.asymmetry.swing_pct",
        aliases: &["swing_asymmetry_pct", "swing_asymmetry"],
        display: "Swing asymmetry",
        unit: "%",
        loinc: None,
        per_side: false,
        higher_is_better: Some(false),
        mdc: None,
    },
    MetricInfo {
        key: "gait.asymmetry.step_time_pct",
        aliases: &["step_time_asymmetry_pct", "step_asymmetry_pct"],
        display: "Step-time asymmetry",
        unit: "%",
        loinc: None,
        per_side: false,
        higher_is_better: Some(false),
        mdc: None,
    },
    MetricInfo {
        key: "gait.variability.stride_time_cv_pct",
        aliases: &["stride_time_cv_pct"],
        display: "Stride-time variability (CV)",
        unit: "%",
        loinc: None,
        per_side: false,
        higher_is_better: Some(false),
        mdc: None,
    },
    MetricInfo {
        key: "balance.sls_hold_s",
        aliases: &[
            "single_leg_stance_s",
            "sls_s",
            "sls_hold_s",
            "one_leg_stand_s",
        ],
        display: "Single-leg stance time",
        unit: "s",
        // LOINC 66569-5 "Time participant holds position during first one leg stand" [V].
        loinc: Some((
            "66569-5",
            "Time participant holds position during first one leg stand",
        )),
        per_side: true,
        higher_is_better: Some(true),
        mdc: None,
    },
    MetricInfo {
        key: "tug.time_s",
        aliases: &["tug_s", "tug_time_s", "timed_up_and_go_s"],
        display: "Timed Up and Go",
        unit: "s",
        // LOINC 89423-8 TUG time [V] (clinical.md §5.3).
        loinc: Some((
            "89423-8",
            "Time to rise from chair, walk 10 feet and back, and return to sitting [TUG]",
        )),
        per_side: false,
        higher_is_better: Some(false),
        mdc: Some(Mdc {
            value: 2.08,
            source: DONOGHUE_2019_TUG,
        }),
    },
    MetricInfo {
        key: "chair_stand.count_30s",
        aliases: &["chair_stand_30s", "sts_30s", "chair_stands"],
        display: "30-second chair stand",
        unit: "{#}/(30.s)",
        // LOINC 66247-8 "Sit to stand frequency in 30 seconds", example unit {#}/(30.s) [V].
        loinc: Some(("66247-8", "Sit to stand frequency in 30 seconds")),
        per_side: false,
        higher_is_better: Some(true),
        mdc: None,
    },
    MetricInfo {
        key: "four_stage.highest_stage",
        aliases: &["four_stage_highest_stage", "steadi_four_stage"],
        display: "4-stage balance test: highest stage held",
        unit: "{#}",
        loinc: None,
        per_side: false,
        higher_is_better: Some(true),
        mdc: None,
    },
    MetricInfo {
        key: "four_stage.tandem_hold_s",
        aliases: &["tandem_stance_s", "tandem_hold_s"],
        display: "Tandem stance time (4-stage balance test)",
        unit: "s",
        loinc: None,
        per_side: false,
        higher_is_better: Some(true),
        mdc: None,
    },
];

/// The catalog row of a key or alias.
pub fn lookup(name: &str) -> Option<&'static MetricInfo> {
    let n = name.trim();
    CATALOG
        .iter()
        .find(|m| m.key == n || m.aliases.iter().any(|a| a.eq_ignore_ascii_case(n)))
}

/// Display name of a key (the key itself when not in the catalog).
pub fn display(key: &str) -> String {
    lookup(key).map_or_else(|| key.to_string(), |m| m.display.to_string())
}

/// Human form of a UCUM code for reports.
pub fn unit_display(ucum: &str) -> &str {
    match ucum {
        "/min" => "steps/min",
        "{#}/(30.s)" => "stands",
        "1" => "",
        "deg" => "°",
        other => other,
    }
}

/// UCUM codes steady emits (checked by the export tests).
pub const UCUM_CODES: &[&str] = &[
    "s",
    "ms",
    "m",
    "cm",
    "m/s",
    "/min",
    "%",
    "deg",
    "deg/s",
    "m/s2",
    "m2/s5",
    "m2/s4",
    "1",
    "{#}",
    "{#}/(30.s)",
    "{score}",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_resolve_and_are_unique() {
        assert_eq!(
            lookup("single_leg_stance_s").unwrap().key,
            "balance.sls_hold_s"
        );
        assert_eq!(lookup("gait.speed_mps").unwrap().key, "gait.speed_mps");
        assert!(lookup("shoe_size").is_none());
        let mut names: Vec<&str> = CATALOG
            .iter()
            .flat_map(|m| std::iter::once(m.key).chain(m.aliases.iter().copied()))
            .collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "a name is listed twice");
    }

    #[test]
    fn catalog_units_are_in_the_ucum_allow_list() {
        for m in CATALOG {
            assert!(UCUM_CODES.contains(&m.unit), "{} {}", m.key, m.unit);
        }
    }

    #[test]
    fn loinc_codes_are_the_verified_ones() {
        // clinical.md §5.3, codes tagged [V]; a LOINC code has a mod-10 check digit.
        let codes: Vec<&str> = CATALOG
            .iter()
            .filter_map(|m| m.loinc.map(|l| l.0))
            .collect();
        assert_eq!(codes, ["66569-5", "89423-8", "66247-8"]);
        for c in codes {
            let (body, check) = c.split_once('-').unwrap();
            assert_eq!(
                loinc_check_digit(body),
                check.parse::<u32>().unwrap(),
                "{c}"
            );
        }
    }

    /// LOINC check digit (Mod 10 as in the LOINC users' guide).
    fn loinc_check_digit(body: &str) -> u32 {
        let digits: Vec<u32> = body.chars().map(|c| c.to_digit(10).unwrap()).collect();
        let mut sum = 0;
        for (i, d) in digits.iter().rev().enumerate() {
            if i % 2 == 0 {
                let x = d * 2;
                sum += x / 10 + x % 10;
            } else {
                sum += d;
            }
        }
        (10 - sum % 10) % 10
    }
}
