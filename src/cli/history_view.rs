//! The dashboard's session summary and patient history, built from the store: metrics of one
//! session with the fall-risk findings and their reasons, per-metric trends across sessions
//! with the minimal detectable change, and care-plan goal progress. Also the export action.
//!
//! [`build`] is pure (store data in, dashboard model out); [`load`] and [`export_report`]
//! open the store (safe next to a recording daemon: the store's recording lock keeps the
//! daemon's session untouched).

use anyhow::Context;
use std::path::{Path, PathBuf};
use steady_core::{Metric, Side};
use steady_dashboard::model::{
    Finding, GoalProgress, MetricRow, PatientHistory, RiskLevel, SessionSummary, Trend,
};
use steady_store::clinical::Status as FindingStatus;
use steady_store::trends::{self, Verdict};
use steady_store::{catalog, clinical, Goal, GoalStatus, Patient, SessionInfo, Store};

/// Everything the summary and history screens need about one patient (no raw samples).
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryInput {
    /// The patient.
    pub patient: Patient,
    /// Sessions, oldest first, each with its stored metrics.
    pub sessions: Vec<(SessionInfo, Vec<Metric>)>,
    /// Care-plan goals.
    pub goals: Vec<Goal>,
}

/// Reads a patient's sessions, metrics and goals from the store of `data_dir`.
pub fn load(data_dir: &Path, patient: &str) -> anyhow::Result<HistoryInput> {
    let store = Store::open(data_dir)?;
    let patient = store.patient(patient)?;
    let sessions = store
        .sessions_of(&patient.pseudonym)?
        .into_iter()
        .map(|s| {
            let ms = store.metrics(s.id)?;
            Ok((s, ms))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let goals = store.goals(&patient.pseudonym)?;
    Ok(HistoryInput {
        patient,
        sessions,
        goals,
    })
}

/// Writes the printable HTML report of session `id` (the store's report export) to
/// `<out_dir>/session-<id>.html` and returns the path.
pub fn export_report(data_dir: &Path, id: i64, out_dir: &Path) -> anyhow::Result<PathBuf> {
    let store = Store::open(data_dir)?;
    let input = steady_store::export::ExportInput::for_session(&store, id, false)?;
    let html = steady_store::export::report::html(&input);
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    let path = out_dir.join(format!("session-{id}.html"));
    std::fs::write(&path, html).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// The session the summary shows: `focus` if given, else the newest session with metrics.
pub fn focus_session(input: &HistoryInput, focus: Option<i64>) -> Option<i64> {
    match focus {
        Some(id) if input.sessions.iter().any(|(s, _)| s.id == id) => Some(id),
        _ => input
            .sessions
            .iter()
            .rev()
            .find(|(_, ms)| !ms.is_empty())
            .or(input.sessions.last())
            .map(|(s, _)| s.id),
    }
}

fn unit_suffix(ucum: &str) -> String {
    let u = catalog::unit_display(ucum);
    if u.is_empty() {
        String::new()
    } else {
        format!(", {u}")
    }
}

fn side_word(side: Option<Side>) -> &'static str {
    match side {
        Some(Side::Left) => " (left)",
        Some(Side::Right) => " (right)",
        None => "",
    }
}

fn fmt_value(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// Metric rows of one session: one row per metric, both sides on one row.
fn metric_rows(ms: &[Metric]) -> Vec<MetricRow> {
    let mut keys: Vec<&str> = Vec::new();
    for m in ms {
        if !keys.contains(&m.key.as_str()) {
            keys.push(&m.key);
        }
    }
    // Catalog order first (clinically grouped), then anything else as stored.
    let rank = |k: &str| {
        catalog::CATALOG
            .iter()
            .position(|c| c.key == k)
            .unwrap_or(usize::MAX)
    };
    // The summary shows the catalog (clinical) metrics; the rest are in the exports.
    keys.retain(|k| rank(k) != usize::MAX);
    keys.sort_by_key(|k| rank(k));
    keys.into_iter()
        .map(|k| {
            let of = |side| ms.iter().find(|m| m.key == k && m.side == side);
            let unit = ms
                .iter()
                .find(|m| m.key == k)
                .map(|m| m.unit.as_str())
                .unwrap_or("");
            let value = match (of(None), of(Some(Side::Left)), of(Some(Side::Right))) {
                (Some(m), _, _) => fmt_value(m.value),
                (None, l, r) => format!(
                    "L {} / R {}",
                    l.map_or("–".into(), |m| fmt_value(m.value)),
                    r.map_or("–".into(), |m| fmt_value(m.value))
                ),
            };
            MetricRow {
                name: format!("{}{}", catalog::display(k), unit_suffix(unit)),
                value,
            }
        })
        .collect()
}

fn verdict_text(v: Verdict) -> Option<String> {
    match v {
        Verdict::TooFewSessions => None,
        Verdict::NoMdc => Some("no MDC on file".into()),
        Verdict::WithinMdc => Some("within MDC (may be noise)".into()),
        Verdict::Improved => Some("IMPROVED".into()),
        Verdict::Worsened => Some("WORSENED".into()),
        Verdict::Changed => Some("CHANGED".into()),
    }
}

/// Goal progress rows: one per compared side, baseline = first measured session, current =
/// newest measured session.
fn goal_rows(input: &HistoryInput) -> Vec<GoalProgress> {
    let mut out = Vec::new();
    for g in &input.goals {
        if g.status == GoalStatus::Cancelled {
            continue;
        }
        let spec = &g.spec;
        for side in spec.sides.sides() {
            let series: Vec<f64> = input
                .sessions
                .iter()
                .filter_map(|(_, ms)| {
                    ms.iter()
                        .find(|m| m.key == spec.metric && m.side == side)
                        .map(|m| m.value)
                })
                .collect();
            let text = format!(
                "{} {} {}{}{}",
                catalog::display(&spec.metric),
                spec.op.as_str(),
                spec.target,
                {
                    let u = catalog::unit_display(&spec.unit);
                    if u.is_empty() {
                        String::new()
                    } else {
                        format!(" {u}")
                    }
                },
                side_word(side)
            );
            let (baseline, current, met) = match (series.first(), series.last()) {
                (Some(&b), Some(&c)) => (b, c, Some(spec.op.holds(c, spec.target))),
                _ => (0.0, 0.0, None),
            };
            out.push(GoalProgress {
                text,
                baseline,
                target: spec.target,
                current,
                met: if g.status == GoalStatus::Achieved {
                    Some(true)
                } else {
                    met
                },
            });
        }
    }
    out
}

/// The summary of session `focus` (or the newest) and the patient's history.
pub fn build(input: &HistoryInput, focus: Option<i64>) -> (SessionSummary, PatientHistory) {
    let mut summary = SessionSummary::default();
    if let Some(id) = focus_session(input, focus) {
        if let Some((info, ms)) = input.sessions.iter().find(|(s, _)| s.id == id) {
            let year = steady_store::export::year_of(info.started_unix_ms);
            summary.title = Some(format!(
                "session {} · {} · {} · {} · patient {}",
                info.id,
                info.test,
                info.status.as_str(),
                steady_store::export::iso_time(info.started_unix_ms, false),
                input.patient.pseudonym
            ));
            summary.metrics = metric_rows(ms);
            let age = input.patient.age_years_in(year);
            let all = clinical::fall_risk_findings(ms, age, input.patient.sex);
            // Measured findings first (positive ones on top), then one line naming the tests
            // not done: unknown, never shown as normal.
            let mut measured: Vec<Finding> = all
                .iter()
                .filter(|f| f.status != FindingStatus::Missing)
                .map(|f| Finding {
                    level: match f.status {
                        FindingStatus::Positive => RiskLevel::High,
                        FindingStatus::NotAssessable => RiskLevel::Caution,
                        _ => RiskLevel::Normal,
                    },
                    title: format!("{}{}", f.rule, side_word(f.side)),
                    reason: format!("{} ({})", f.reason, f.source),
                })
                .collect();
            measured.sort_by_key(|f| f.level != RiskLevel::High);
            let missing: Vec<String> = all
                .iter()
                .filter(|f| f.status == FindingStatus::Missing)
                .map(|f| format!("{}{}", f.rule, side_word(f.side)))
                .collect();
            if !missing.is_empty() {
                measured.push(Finding {
                    level: RiskLevel::Caution,
                    title: "Not measured".into(),
                    reason: format!("{} — unknown, not assumed normal", missing.join(", ")),
                });
            }
            summary.findings = measured;
            summary.recording = Some(format!("stored in the session store as session {id}"));
        }
    }
    let series: Vec<(i64, i64, Vec<Metric>)> = input
        .sessions
        .iter()
        .map(|(s, ms)| (s.id, s.started_unix_ms, ms.clone()))
        .collect();
    let mut trends: Vec<Trend> = trends::trends(&series)
        .into_iter()
        .map(|t| Trend {
            name: format!(
                "{}{}{}",
                catalog::display(&t.key),
                side_word(t.side),
                unit_suffix(&t.unit)
            ),
            values: t.points.iter().map(|p| p.value).collect(),
            mdc: t.mdc_value,
            verdict: verdict_text(t.verdict),
        })
        .collect();
    // A trend needs two sessions; a single value is in the summary already.
    trends.retain(|t| t.values.len() >= 2);
    let history = PatientHistory {
        trends,
        goals: goal_rows(input),
    };
    (summary, history)
}

#[cfg(test)]
mod tests {
    use super::*;
    use steady_store::{parse_goal, SessionStatus};

    fn session(id: i64, t_ms: i64) -> SessionInfo {
        SessionInfo {
            id,
            patient: "P1".into(),
            test: "walk".into(),
            status: SessionStatus::Finished,
            started_unix_ms: t_ms,
            ended_unix_ms: None,
            source: None,
            notes: None,
            clinician: None,
            conditions: None,
            pain_score: None,
            sensors: vec![],
        }
    }

    fn input() -> HistoryInput {
        let day = 86_400_000;
        let t0 = 1_790_000_000_000; // 2026
        let sls = |side, v| Metric::new("balance.sls_hold_s", v, "s", "t").with_side(side);
        HistoryInput {
            patient: Patient {
                id: 1,
                pseudonym: "P1".into(),
                birth_year: Some(1950),
                sex: None,
                height_m: Some(1.7),
                affected_side: None,
                notes: None,
            },
            sessions: vec![
                (
                    session(1, t0),
                    vec![
                        Metric::new("gait.speed_mps", 0.80, "m/s", "t"),
                        sls(Side::Left, 3.0),
                        sls(Side::Right, 6.0),
                    ],
                ),
                (
                    session(2, t0 + 7 * day),
                    vec![
                        Metric::new("gait.speed_mps", 0.90, "m/s", "t"),
                        sls(Side::Left, 4.0),
                        sls(Side::Right, 12.0),
                    ],
                ),
                (session(3, t0 + 8 * day), vec![]),
            ],
            goals: vec![Goal {
                id: 1,
                patient: "P1".into(),
                spec: parse_goal("single_leg_stance_s >= 10 each side").unwrap(),
                status: GoalStatus::Active,
                created_unix_ms: t0,
            }],
        }
    }

    #[test]
    fn summary_of_the_newest_measured_session_with_findings_and_reasons() {
        let (s, _) = build(&input(), None);
        assert!(s.title.as_deref().unwrap().starts_with("session 2 · walk"));
        let sls = s
            .metrics
            .iter()
            .find(|m| m.name.starts_with("Single-leg stance"))
            .unwrap_or_else(|| panic!("{:?}", s.metrics));
        assert_eq!(sls.value, "L 4.00 / R 12.00");
        // Left 4 s < 5 s is positive, right 12 s is not; gait speed 0.9 < 1.0 m/s is positive.
        let risk: Vec<&str> = s
            .findings
            .iter()
            .filter(|f| f.level == RiskLevel::High)
            .map(|f| f.title.as_str())
            .collect();
        assert_eq!(risk.len(), 2, "{risk:?}");
        assert!(risk.contains(&"Single-leg stance (left)") && risk.contains(&"Gait speed"));
        assert!(
            s.findings
                .iter()
                .any(|f| f.title == "Not measured" && f.reason.contains("not assumed normal")),
            "{:?}",
            s.findings
        );
        let left = s
            .findings
            .iter()
            .find(|f| f.title == "Single-leg stance (left)")
            .unwrap();
        assert!(left.reason.contains("4.0 s < 5 s"), "{}", left.reason);
        let (s1, _) = build(&input(), Some(1));
        assert!(s1.title.unwrap().starts_with("session 1"));
    }

    #[test]
    fn trends_carry_the_mdc_and_goals_their_progress() {
        let (_, h) = build(&input(), None);
        let speed = h
            .trends
            .iter()
            .find(|t| t.name.starts_with("Gait speed"))
            .unwrap_or_else(|| panic!("{:?}", h.trends));
        assert_eq!(speed.values, [0.80, 0.90]);
        // +0.10 m/s is within the 0.19 m/s MDC of the catalog.
        assert_eq!(speed.mdc, Some(0.19));
        assert_eq!(speed.verdict.as_deref(), Some("within MDC (may be noise)"));
        assert_eq!(h.goals.len(), 2, "{:?}", h.goals);
        let (l, r) = (&h.goals[0], &h.goals[1]);
        assert!(l.text.ends_with("(left)") && r.text.ends_with("(right)"));
        assert_eq!((l.baseline, l.current, l.met), (3.0, 4.0, Some(false)));
        assert_eq!((r.baseline, r.current, r.met), (6.0, 12.0, Some(true)));
        assert!((l.fraction() - 1.0 / 7.0).abs() < 1e-9);
    }
}
