//! The clinical numbers of the balance tests: one table, every value with its citation and the
//! verification tag of `../shared/research/clinical.md` (§3.1, §7): [V] seen in the primary
//! source or its abstract, [S] secondary sources only, [M] general knowledge, unconfirmed.
//!
//! Single-leg stance (unipedal stance test):
//! - [`SLS_IMPAIRED_S`]: < 5 s = impaired one-leg balance (Vellas 1997).
//! - [`SLS_NORMS_EO_S`] / [`SLS_NORMS_EC_S`]: best-of-3 norms by age (Springer 2007).
//! - [`SLS_MAX_HOLD_CHOICES_S`]: the time limits protocols use (30, 45, 60 s).
//!
//! Other tests' cut-offs (TUG, 4-stage, chair stand) belong in this table too.

use serde::Serialize;

/// Single-leg stance below this time: impaired one-leg balance, a predictor of injurious falls
/// (RR 2.13, 95 % CI 1.04–4.34; 316 community-dwelling adults > 60 y followed 3 years).
/// Vellas et al. 1997, J Am Geriatr Soc 45(6):735–738 [V abstract].
pub const SLS_IMPAIRED_S: f64 = 5.0;
/// Source of [`SLS_IMPAIRED_S`].
pub const SLS_SOURCE: &str = "Vellas et al. 1997: one-leg balance < 5 s predicts injurious falls";

/// Single-leg stance norms, eyes open, best of 3 trials, both sexes: (age from, age to, s).
/// Springer, Marin, Cyhan, Roberts & Gill 2007, J Geriatr Phys Ther 30(1):8–15 (n = 549,
/// 18–99 y), as transcribed by two agreeing secondary sources [S]; protocol capped at 45 s.
pub const SLS_NORMS_EO_S: &[(f64, f64, f64)] = &[
    (18.0, 39.0, 44.7),
    (40.0, 49.0, 41.9),
    (50.0, 59.0, 41.2),
    (60.0, 69.0, 32.1),
    (70.0, 79.0, 21.5),
    (80.0, 99.0, 9.4),
];
/// Source of [`SLS_NORMS_EO_S`].
pub const SLS_NORMS_SOURCE: &str = "Springer et al. 2007, eyes open, best of 3 (mean by age group)";

/// Single-leg stance norms, eyes closed, best of 3: (age from, age to, women s, men s).
/// Springer et al. 2007, one secondary transcription [S].
pub const SLS_NORMS_EC_S: &[(f64, f64, f64, f64)] = &[
    (18.0, 39.0, 13.1, 16.9),
    (40.0, 49.0, 13.5, 12.0),
    (50.0, 59.0, 7.9, 8.6),
    (60.0, 69.0, 3.6, 5.1),
    (70.0, 79.0, 3.7, 2.6),
    (80.0, 99.0, 2.1, 1.8),
];
/// Source of [`SLS_NORMS_EC_S`].
pub const SLS_NORMS_EC_SOURCE: &str =
    "Springer et al. 2007, eyes closed, best of 3 (mean by age group and sex)";

/// Time limits in use: 30 s (Bohannon et al. 1984, Phys Ther 64:1067–1070 [V abstract]),
/// 45 s (Springer 2007 [S]), 60 s (some clinical protocols [M]).
pub const SLS_MAX_HOLD_CHOICES_S: [f64; 3] = [30.0, 45.0, 60.0];
/// The default time limit, s (Bohannon 1984's 30 s cap).
pub const SLS_DEFAULT_MAX_HOLD_S: f64 = 30.0;
/// Trials per side and condition; the best counts (Springer 2007 [V abstract]).
pub const SLS_TRIALS_PER_SIDE: u32 = 3;

/// Visual condition of a balance trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Eyes {
    /// Eyes open (the default).
    #[default]
    Open,
    /// Eyes closed.
    Closed,
}

impl Eyes {
    /// `open` or `closed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Eyes::Open => "open",
            Eyes::Closed => "closed",
        }
    }
}

/// A normative value looked up for one person, with where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Norm {
    /// Normative (mean best-of-3) time, s.
    pub value_s: f64,
    /// Age band of the table row, years (from, to).
    pub age_band: (f64, f64),
    /// The citation.
    pub source: &'static str,
}

fn in_band(age: f64, from: f64, to: f64) -> bool {
    // Integer age bands: 69.5 years is still in 60–69.
    age >= from && age < to + 1.0
}

/// Eyes-open single-leg stance norm (s) for an age, if the age is in the table.
pub fn sls_norm_s(age_years: f64) -> Option<f64> {
    sls_norm(age_years, Eyes::Open, None).map(|n| n.value_s)
}

/// Single-leg stance norm for an age and condition. Eyes-closed norms differ by sex, so they
/// need `female`; `None` when the age or sex is not tabled.
pub fn sls_norm(age_years: f64, eyes: Eyes, female: Option<bool>) -> Option<Norm> {
    match eyes {
        Eyes::Open => SLS_NORMS_EO_S
            .iter()
            .find(|(a, b, _)| in_band(age_years, *a, *b))
            .map(|&(a, b, v)| Norm {
                value_s: v,
                age_band: (a, b),
                source: SLS_NORMS_SOURCE,
            }),
        Eyes::Closed => {
            let female = female?;
            SLS_NORMS_EC_S
                .iter()
                .find(|(a, b, _, _)| in_band(age_years, *a, *b))
                .map(|&(a, b, w, m)| Norm {
                    value_s: if female { w } else { m },
                    age_band: (a, b),
                    source: SLS_NORMS_EC_SOURCE,
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eyes_open_norms_by_age_band() {
        assert_eq!(sls_norm_s(65.0), Some(32.1));
        assert_eq!(sls_norm_s(69.5), Some(32.1));
        assert_eq!(sls_norm_s(70.0), Some(21.5));
        assert_eq!(sls_norm_s(10.0), None);
        assert_eq!(sls_norm_s(100.0), None);
    }

    #[test]
    fn eyes_closed_norms_need_sex() {
        assert_eq!(sls_norm(65.0, Eyes::Closed, None), None);
        assert_eq!(
            sls_norm(65.0, Eyes::Closed, Some(true)).map(|n| n.value_s),
            Some(3.6)
        );
        assert_eq!(
            sls_norm(65.0, Eyes::Closed, Some(false)).map(|n| n.value_s),
            Some(5.1)
        );
    }

    #[test]
    fn tables_are_ordered_and_contiguous() {
        for w in SLS_NORMS_EO_S.windows(2) {
            assert_eq!(w[0].1 + 1.0, w[1].0);
            assert!(w[0].2 > w[1].2, "norms fall with age");
        }
        for (eo, ec) in SLS_NORMS_EO_S.iter().zip(SLS_NORMS_EC_S) {
            assert_eq!((eo.0, eo.1), (ec.0, ec.1));
        }
    }
}
