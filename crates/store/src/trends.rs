//! Per-patient trends: each metric (and side) as a series over sessions, and whether the
//! change since the first session exceeds the minimal detectable change (pure).

use serde::Serialize;
use steady_core::{Metric, Side};

use crate::catalog::{self, Mdc};

/// One session's value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrendPoint {
    /// Session id.
    pub session: i64,
    /// Session start, Unix ms.
    pub started_unix_ms: i64,
    /// The value.
    pub value: f64,
}

/// What the change from the first to the last session means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Fewer than two sessions.
    TooFewSessions,
    /// No MDC on file: the change cannot be judged.
    NoMdc,
    /// |change| ≤ MDC: may be measurement error.
    WithinMdc,
    /// Beyond the MDC, in the better direction.
    Improved,
    /// Beyond the MDC, in the worse direction.
    Worsened,
    /// Beyond the MDC, for a metric without a better direction.
    Changed,
}

/// One metric's series for a patient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trend {
    /// Metric key.
    pub key: String,
    /// Side, for per-side metrics.
    pub side: Option<Side>,
    /// UCUM unit.
    pub unit: String,
    /// Values in session order.
    pub points: Vec<TrendPoint>,
    /// MDC value and source, when on file.
    #[serde(skip)]
    pub mdc: Option<Mdc>,
    /// MDC value (for JSON).
    pub mdc_value: Option<f64>,
    /// Last minus first value.
    pub change: Option<f64>,
    /// Whether that change is real.
    pub verdict: Verdict,
}

/// Judges a change against an MDC.
pub fn verdict(change: Option<f64>, mdc: Option<Mdc>, higher_is_better: Option<bool>) -> Verdict {
    let Some(change) = change else {
        return Verdict::TooFewSessions;
    };
    let Some(mdc) = mdc else {
        return Verdict::NoMdc;
    };
    if change.abs() <= mdc.value {
        return Verdict::WithinMdc;
    }
    match higher_is_better {
        Some(h) if h == (change > 0.0) => Verdict::Improved,
        Some(_) => Verdict::Worsened,
        None => Verdict::Changed,
    }
}

/// Builds the trends of a patient from `(session id, start ms, metrics)` in session order.
/// Only catalog metrics are trended (so that the chart list stays clinical).
pub fn trends(sessions: &[(i64, i64, Vec<Metric>)]) -> Vec<Trend> {
    let mut out: Vec<Trend> = Vec::new();
    for info in catalog::CATALOG {
        let sides: Vec<Option<Side>> = if info.per_side {
            vec![Some(Side::Left), Some(Side::Right)]
        } else {
            vec![None]
        };
        for side in sides {
            let points: Vec<TrendPoint> = sessions
                .iter()
                .filter_map(|(id, t, ms)| {
                    ms.iter()
                        .find(|m| m.key == info.key && m.side == side)
                        .map(|m| TrendPoint {
                            session: *id,
                            started_unix_ms: *t,
                            value: m.value,
                        })
                })
                .collect();
            if points.is_empty() {
                continue;
            }
            let change =
                (points.len() >= 2).then(|| points[points.len() - 1].value - points[0].value);
            out.push(Trend {
                key: info.key.to_string(),
                side,
                unit: info.unit.to_string(),
                mdc: info.mdc,
                mdc_value: info.mdc.map(|m| m.value),
                change,
                verdict: verdict(change, info.mdc, info.higher_is_better),
                points,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(key: &str, v: f64) -> Metric {
        Metric::new(key, v, "x", "t")
    }

    #[test]
    fn change_beyond_mdc_is_real_and_directional() {
        // Gait speed MDC 0.19 m/s; TUG MDC 2.08 s (lower is better).
        let s = vec![
            (1, 0, vec![m("gait.speed_mps", 0.80), m("tug.time_s", 14.0)]),
            (2, 1, vec![m("gait.speed_mps", 0.90)]),
            (3, 2, vec![m("gait.speed_mps", 1.05), m("tug.time_s", 12.5)]),
        ];
        let t = trends(&s);
        let speed = t.iter().find(|t| t.key == "gait.speed_mps").unwrap();
        assert_eq!(speed.points.len(), 3);
        assert!((speed.change.unwrap() - 0.25).abs() < 1e-9);
        assert_eq!(speed.verdict, Verdict::Improved);
        let tug = t.iter().find(|t| t.key == "tug.time_s").unwrap();
        assert_eq!(tug.verdict, Verdict::WithinMdc); // −1.5 s, MDC 2.08 s
        assert_eq!(verdict(Some(2.5), tug.mdc, Some(false)), Verdict::Worsened);
        assert_eq!(verdict(None, tug.mdc, Some(false)), Verdict::TooFewSessions);
        assert_eq!(verdict(Some(3.0), None, Some(true)), Verdict::NoMdc);
    }
}
