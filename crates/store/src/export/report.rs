//! Printable HTML report with inline SVG: patient, sessions, gait cycle per leg (stance and
//! swing bars), asymmetry, balance per side against norms, fall-risk findings with reasons,
//! goals with progress, and trend charts across sessions with the MDC band marked.
//!
//! The document is well-formed XML (XHTML syntax) so that tests and tools can parse it.
//! Every bar and point carries `data-value` with the number it shows.

use std::fmt::Write as _;
use steady_core::{Metric, Side};

use super::{iso_time, year_of, ExportInput};
use crate::catalog::{self, unit_display};
use crate::clinical::{self, Assessment, Status, DISCLAIMER};
use crate::goals;
use crate::model::SessionData;
use crate::trends::{self, Trend, Verdict};

/// Escapes text for HTML/XML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const WIDTH: f64 = 620.0;
const LABEL_W: f64 = 170.0;
const PLOT_W: f64 = 360.0;
const ROW_H: f64 = 26.0;

fn num(v: f64, prec: usize) -> String {
    format!("{v:.prec$}")
}

fn metric(ms: &[Metric], key: &str, side: Option<Side>) -> Option<f64> {
    ms.iter()
        .find(|m| m.key == key && m.side == side)
        .map(|m| m.value)
}

/// One horizontal bar.
struct Bar {
    label: String,
    value: Option<f64>,
    class: &'static str,
}

/// A horizontal bar chart from 0 to `max` with labelled reference lines.
fn bar_chart(id: &str, bars: &[Bar], max: f64, unit: &str, refs: &[(f64, String)]) -> String {
    let top = 8.0;
    let h = top + ROW_H * bars.len() as f64 + 30.0;
    let x = |v: f64| LABEL_W + (v / max).clamp(0.0, 1.0) * PLOT_W;
    let mut s = format!(
        r#"<svg id="{id}" class="chart" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{h}" viewBox="0 0 {WIDTH} {h}">"#
    );
    for (i, b) in bars.iter().enumerate() {
        let y = top + ROW_H * i as f64;
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end" class="label">{}</text>"#,
            LABEL_W - 8.0,
            y + 14.0,
            esc(&b.label)
        );
        match b.value {
            Some(v) => {
                let _ = write!(
                    s,
                    r#"<rect class="bar {}" x="{LABEL_W}" y="{y}" width="{:.1}" height="18" data-value="{}"/><text x="{:.1}" y="{}" class="value">{} {}</text>"#,
                    b.class,
                    x(v) - LABEL_W,
                    v,
                    x(v) + 4.0,
                    y + 14.0,
                    num(v, 2),
                    esc(unit)
                );
            }
            None => {
                let _ = write!(
                    s,
                    r#"<text x="{}" y="{}" class="value missing">not measured</text>"#,
                    LABEL_W + 4.0,
                    y + 14.0
                );
            }
        }
    }
    let bottom = top + ROW_H * bars.len() as f64;
    for (v, label) in refs {
        let _ = write!(
            s,
            r#"<line class="ref" x1="{0:.1}" x2="{0:.1}" y1="{1}" y2="{2}" data-value="{3}"/><text x="{0:.1}" y="{4}" text-anchor="middle" class="ref-label">{5}</text>"#,
            x(*v),
            top - 4.0,
            bottom,
            v,
            bottom + 16.0,
            esc(label)
        );
    }
    s.push_str("</svg>");
    s
}

/// Stance and swing as % of the stride for each leg (one stacked bar per leg).
fn gait_cycle_chart(ms: &[Metric]) -> Option<String> {
    let rows: Vec<(Side, f64, f64)> = Side::BOTH
        .into_iter()
        .filter_map(|side| {
            let st = metric(ms, "gait.stance_s", Some(side))?;
            let sw = metric(ms, "gait.swing_s", Some(side))?;
            let stride = st + sw;
            (stride > 0.0).then(|| (side, 100.0 * st / stride, 100.0 * sw / stride))
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    let h = 8.0 + ROW_H * rows.len() as f64 + 30.0;
    let mut s = format!(
        r#"<svg class="chart gait-cycle" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{h}" viewBox="0 0 {WIDTH} {h}">"#
    );
    for (i, (side, st, sw)) in rows.iter().enumerate() {
        let y = 8.0 + ROW_H * i as f64;
        let w_st = st / 100.0 * PLOT_W;
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end" class="label">{} leg</text><rect class="bar stance {side}" x="{LABEL_W}" y="{y}" width="{w_st:.1}" height="18" data-value="{st:.2}"/><rect class="bar swing {side}" x="{:.1}" y="{y}" width="{:.1}" height="18" data-value="{sw:.2}"/><text x="{}" y="{}" class="inbar">stance {:.1} %</text><text x="{:.1}" y="{}" class="inbar">swing {:.1} %</text>"#,
            LABEL_W - 8.0,
            y + 14.0,
            if *side == Side::Left { "Left" } else { "Right" },
            LABEL_W + w_st,
            sw / 100.0 * PLOT_W,
            LABEL_W + 4.0,
            y + 14.0,
            st,
            LABEL_W + w_st + 4.0,
            y + 14.0,
            sw
        );
    }
    // Typical healthy stance ≈ 60 % of the stride (Perry & Burnfield, textbook value [M]).
    let bottom = 8.0 + ROW_H * rows.len() as f64;
    let x60 = LABEL_W + 0.6 * PLOT_W;
    let _ = write!(
        s,
        r#"<line class="ref" x1="{x60:.1}" x2="{x60:.1}" y1="4" y2="{bottom}" data-value="60"/><text x="{x60:.1}" y="{}" text-anchor="middle" class="ref-label">typical stance 60 %</text></svg>"#,
        bottom + 16.0
    );
    Some(s)
}

/// A line chart of one trend with the MDC band around the first value.
fn trend_chart(t: &Trend, idx: usize) -> String {
    let (w, h) = (WIDTH, 190.0);
    let (l, r, top, bot) = (60.0, 20.0, 14.0, 150.0);
    let vals: Vec<f64> = t.points.iter().map(|p| p.value).collect();
    let base = vals[0];
    let mdc = t.mdc.map(|m| m.value);
    let mut lo = vals.iter().cloned().fold(f64::INFINITY, f64::min);
    let mut hi = vals.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if let Some(m) = mdc {
        lo = lo.min(base - m);
        hi = hi.max(base + m);
    }
    let pad = ((hi - lo) * 0.1).max(1e-6 + hi.abs() * 0.05);
    let (lo, hi) = (lo - pad, hi + pad);
    let y = |v: f64| bot - (v - lo) / (hi - lo) * (bot - top);
    let n = vals.len();
    let x = |i: usize| {
        if n == 1 {
            l + (w - l - r) / 2.0
        } else {
            l + i as f64 * (w - l - r) / (n - 1) as f64
        }
    };
    let side = t.side.map_or(String::new(), |s| format!(" ({s})"));
    let mut s = format!(
        r#"<svg id="trend-{idx}" class="chart trend" data-key="{}" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}"><text x="{l}" y="10" class="title">{}{}</text>"#,
        esc(&t.key),
        esc(&catalog::display(&t.key)),
        esc(&side)
    );
    if let Some(m) = mdc {
        let _ = write!(
            s,
            r#"<rect class="mdc-band" x="{l}" y="{:.1}" width="{:.1}" height="{:.1}" data-low="{}" data-high="{}"/>"#,
            y(base + m),
            w - l - r,
            y(base - m) - y(base + m),
            base - m,
            base + m
        );
    }
    let _ = write!(
        s,
        r#"<line class="axis" x1="{l}" x2="{l}" y1="{top}" y2="{bot}"/><line class="axis" x1="{l}" x2="{}" y1="{bot}" y2="{bot}"/><text x="{}" y="{:.1}" text-anchor="end" class="tick">{}</text><text x="{}" y="{:.1}" text-anchor="end" class="tick">{}</text>"#,
        w - r,
        l - 6.0,
        y(hi) + 4.0,
        num(hi, 2),
        l - 6.0,
        y(lo) + 4.0,
        num(lo, 2)
    );
    let pts: Vec<String> = (0..n)
        .map(|i| format!("{:.1},{:.1}", x(i), y(vals[i])))
        .collect();
    let _ = write!(s, r#"<polyline class="line" points="{}"/>"#, pts.join(" "));
    for (i, p) in t.points.iter().enumerate() {
        let _ = write!(
            s,
            r#"<circle class="point" cx="{:.1}" cy="{:.1}" r="4" data-value="{}" data-session="{}"/><text x="{:.1}" y="{}" text-anchor="middle" class="tick">#{}</text>"#,
            x(i),
            y(p.value),
            p.value,
            p.session,
            x(i),
            bot + 16.0,
            p.session
        );
    }
    let verdict = match t.verdict {
        Verdict::TooFewSessions => "one session only".to_string(),
        Verdict::NoMdc => "no minimal detectable change on file: change not judged".to_string(),
        Verdict::WithinMdc => format!(
            "change {} {} is within the MDC (may be measurement error)",
            num(t.change.unwrap_or(0.0), 2),
            unit_display(&t.unit)
        ),
        Verdict::Improved | Verdict::Worsened | Verdict::Changed => format!(
            "change {} {} exceeds the MDC: {}",
            num(t.change.unwrap_or(0.0), 2),
            unit_display(&t.unit),
            match t.verdict {
                Verdict::Improved => "real improvement",
                Verdict::Worsened => "real decline",
                _ => "real change",
            }
        ),
    };
    let _ = write!(
        s,
        r#"<text x="{l}" y="{}" class="verdict {}">{}</text></svg>"#,
        h - 4.0,
        match t.verdict {
            Verdict::Improved => "good",
            Verdict::Worsened => "bad",
            _ => "neutral",
        },
        esc(&verdict)
    );
    if let Some(m) = t.mdc {
        let _ = write!(
            s,
            r#"<p class="source">MDC {} {}: {}</p>"#,
            m.value,
            esc(unit_display(&t.unit)),
            esc(m.source)
        );
    }
    s
}

fn findings_html(a: &Assessment) -> String {
    let f = &a.findings;
    if !f.iter().any(|x| x.measured()) {
        return format!(
            "<p>No fall-risk indicator was measured in this session.</p><p class=\"source\">{}</p>",
            esc(DISCLAIMER)
        );
    }
    let measured = f.iter().filter(|x| x.measured()).count();
    let positive = f.iter().filter(|x| x.positive()).count();
    let mut s = format!(
        r#"<p class="summary">{positive} of {measured} fall-risk indicators positive.</p><p class="category">{}</p><ul class="findings">"#,
        esc(&a.summary)
    );
    for x in f {
        let (class, label) = match x.status {
            Status::Positive => ("positive", "RISK"),
            Status::Negative => ("negative", "ok"),
            Status::Missing => ("missing", "not measured"),
            Status::NotAssessable => ("unassessed", "no cut-off"),
        };
        let _ = write!(
            s,
            r#"<li class="{class}"><b>{label}</b>: {} <span class="source">({})</span></li>"#,
            esc(&x.reason),
            esc(x.source)
        );
    }
    s.push_str("</ul>");
    s
}

fn session_html(out: &mut String, s: &SessionData, input: &ExportInput) {
    let ms = &s.metrics;
    let when = iso_time(s.info.started_unix_ms, input.deidentify);
    let _ = write!(
        out,
        r#"<section class="session" id="session-{}"><h2>Session {} — {} ({})</h2>"#,
        s.info.id,
        s.info.id,
        esc(&s.info.test.replace('_', " ")),
        esc(&when)
    );
    let mut facts = Vec::new();
    if let Some(c) = &s.info.conditions {
        facts.push(format!("conditions: {}", esc(c)));
    }
    if let Some(p) = s.info.pain_score {
        facts.push(format!("pain {p}/10"));
    }
    if !input.deidentify {
        if let Some(c) = &s.info.clinician {
            facts.push(format!("clinician: {}", esc(c)));
        }
    }
    let sensors: Vec<&str> = s
        .info
        .sensors
        .iter()
        .map(|x| x.placement.as_str())
        .collect();
    if !sensors.is_empty() {
        facts.push(format!("sensors: {}", sensors.join(", ")));
    }
    facts.push(format!("status: {}", s.info.status.as_str()));
    let _ = write!(out, "<p>{}</p>", facts.join(" · "));

    if let Some(chart) = gait_cycle_chart(ms) {
        let _ = write!(out, "<h3>Gait cycle per leg</h3>{chart}");
    }
    let asym: Vec<Bar> = [
        ("gait.asymmetry.stance_pct", "stance"),
        ("gait.asymmetry.swing_pct", "swing"),
        ("gait.asymmetry.step_time_pct", "step time"),
        ("gait.asymmetry.single_support_pct", "single-limb support"),
    ]
    .into_iter()
    .filter_map(|(k, label)| {
        metric(ms, k, None).map(|v| Bar {
            label: label.into(),
            value: Some(v),
            class: "asym",
        })
    })
    .collect();
    if !asym.is_empty() {
        let max = asym.iter().filter_map(|b| b.value).fold(10.0, f64::max) * 1.2;
        // Goal lines for asymmetry goals of this patient.
        let refs: Vec<(f64, String)> = input
            .goals
            .iter()
            .filter(|g| g.spec.metric.starts_with("gait.asymmetry."))
            .map(|g| {
                (
                    g.spec.target,
                    format!("goal {} {}", g.spec.op.as_str(), g.spec.target),
                )
            })
            .collect();
        let _ = write!(
            out,
            "<h3>Left/right asymmetry (100·|ln(L/R)|, 0 = symmetric)</h3>{}",
            bar_chart(&format!("asym-{}", s.info.id), &asym, max, "%", &refs)
        );
    }
    let sls: Vec<Bar> = Side::BOTH
        .into_iter()
        .map(|side| Bar {
            label: format!("{} leg", if side == Side::Left { "Left" } else { "Right" }),
            value: metric(ms, "balance.sls_hold_s", Some(side)),
            class: "sls",
        })
        .collect();
    if sls.iter().any(|b| b.value.is_some()) {
        let age = input.patient.age_years_in(year_of(s.info.started_unix_ms));
        let mut refs = vec![(
            clinical::SLS_IMPAIRED_S,
            format!("{} s impaired", clinical::SLS_IMPAIRED_S),
        )];
        if let Some(norm) = age.and_then(clinical::sls_norm_s) {
            refs.push((
                norm,
                format!("norm {norm} s (age {:.0})", age.unwrap_or(0.0)),
            ));
        }
        let max = sls
            .iter()
            .filter_map(|b| b.value)
            .chain(refs.iter().map(|r| r.0))
            .fold(10.0, f64::max)
            * 1.15;
        let _ = write!(
            out,
            r#"<h3>Single-leg stance per side against norms</h3>{}<p class="source">{}; {}.</p>"#,
            bar_chart(&format!("sls-{}", s.info.id), &sls, max, "s", &refs),
            esc(clinical::SLS_SOURCE),
            esc(clinical::SLS_NORMS_SOURCE)
        );
    }
    let age = input.patient.age_years_in(year_of(s.info.started_unix_ms));
    let findings = clinical::fall_risk_assessment(ms, age, input.patient.sex);
    let _ = write!(
        out,
        "<h3>Fall-risk findings</h3>{}",
        findings_html(&findings)
    );
    if !ms.is_empty() {
        out.push_str(
            r#"<h3>Metrics</h3><table class="metrics"><tr><th>metric</th><th>side</th><th>value</th><th>unit</th><th>n</th><th>method</th></tr>"#,
        );
        for m in ms {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&catalog::display(&m.key)),
                m.side.map_or("", |s| s.as_str()),
                num(m.value, 3),
                esc(unit_display(&m.unit)),
                m.n.map_or(String::new(), |n| n.to_string()),
                esc(&m.source)
            );
        }
        out.push_str("</table>");
    }
    out.push_str("</section>");
}

const STYLE: &str = "body{font-family:sans-serif;max-width:800px;margin:2em auto;color:#222}\
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #999;margin-top:1.5em}h3{font-size:1em}\
table{border-collapse:collapse;font-size:.85em}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}\
.bar.stance{fill:#2b6cb0}.bar.swing{fill:#90cdf4}.bar.asym{fill:#dd6b20}.bar.sls{fill:#38a169}\
.ref{stroke:#c53030;stroke-dasharray:4 3}.ref-label,.tick,.source{font-size:11px;fill:#555;color:#555}\
.label,.value,.inbar,.title,.verdict{font-size:12px}.inbar{fill:#fff}.mdc-band{fill:#e2e8f0}\
.line{fill:none;stroke:#2b6cb0;stroke-width:2}.point{fill:#2b6cb0}.axis{stroke:#999}\
.verdict.good{fill:#276749}.verdict.bad{fill:#c53030}li.positive{color:#c53030}\
section{page-break-inside:avoid}@media print{body{margin:0}}";

/// The report as one HTML document.
pub fn html(input: &ExportInput) -> String {
    let p = &input.patient;
    let mut out = String::from("<!DOCTYPE html>\n");
    let _ = write!(
        out,
        r#"<html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><meta charset="utf-8"/><title>steady report</title><style>{STYLE}</style></head><body>"#
    );
    let who = if input.deidentify {
        "de-identified patient".to_string()
    } else {
        format!("patient {}", esc(&p.pseudonym))
    };
    let _ = write!(out, "<h1>Gait and balance report — {who}</h1>");
    let mut facts = Vec::new();
    if !input.deidentify {
        if let Some(y) = p.birth_year {
            facts.push(format!("born {y}"));
        }
    }
    if let Some(s) = p.sex {
        facts.push(s.as_str().to_string());
    }
    if let Some(h) = p.height_m {
        facts.push(format!("height {h:.2} m"));
    }
    if let Some(s) = p.affected_side {
        facts.push(format!("affected side: {s}"));
    }
    if !input.deidentify {
        if let Some(n) = &p.notes {
            facts.push(format!("notes: {}", esc(n)));
        }
    }
    let _ = write!(out, r#"<p class="patient">{}</p>"#, facts.join(" · "));

    out.push_str(
        r#"<h2>Tests</h2><table class="sessions"><tr><th>session</th><th>date</th><th>test</th><th>conditions</th><th>pain</th><th>status</th></tr>"#,
    );
    for s in &input.sessions {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            s.info.id,
            esc(&iso_time(s.info.started_unix_ms, input.deidentify)),
            esc(&s.info.test.replace('_', " ")),
            esc(s.info.conditions.as_deref().unwrap_or("")),
            s.info
                .pain_score
                .map_or(String::new(), |p| format!("{p}/10")),
            s.info.status.as_str()
        );
    }
    out.push_str("</table>");

    for s in &input.sessions {
        session_html(&mut out, s, input);
    }

    if !input.goals.is_empty() {
        out.push_str(
            r#"<h2>Care-plan goals</h2><table class="goals"><tr><th>goal</th><th>status</th>"#,
        );
        for (id, _, _) in &input.history {
            let _ = write!(out, "<th>#{id}</th>");
        }
        out.push_str("</tr>");
        for g in &input.goals {
            let _ = write!(
                out,
                "<tr><td>{}{}</td><td>{}</td>",
                esc(&g.spec.to_string()),
                g.spec
                    .due_date
                    .as_ref()
                    .map_or(String::new(), |d| format!(" by {}", esc(d))),
                g.status.as_str()
            );
            for (_, _, ms) in &input.history {
                let c = goals::check(&g.spec, ms);
                let _ = write!(
                    out,
                    r#"<td class="{}">{}</td>"#,
                    match c.met {
                        Some(true) => "met",
                        Some(false) => "not-met",
                        None => "no-data",
                    },
                    match c.met {
                        Some(true) => "met",
                        Some(false) => "not met",
                        None => "—",
                    }
                );
            }
            out.push_str("</tr>");
        }
        out.push_str("</table>");
    }

    let trends: Vec<Trend> = trends::trends(&input.history)
        .into_iter()
        .filter(|t| t.points.len() >= 2)
        .collect();
    if !trends.is_empty() {
        out.push_str("<h2>Trends across sessions</h2><p>Shaded band: first value ± minimal detectable change (MDC); a change outside it is beyond measurement error.</p>");
        for (i, t) in trends.iter().enumerate() {
            out.push_str(&trend_chart(t, i));
        }
    }
    out.push_str(r#"<p class="source">Generated by steady. Thresholds and norms with their sources are listed next to each chart.</p></body></html>"#);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::goals::parse_goal;
    use crate::model::*;
    use crate::store::{Goal, GoalStatus};
    use steady_recording::TestKind;

    fn session(id: i64, t_ms: i64, metrics: Vec<Metric>) -> SessionData {
        SessionData {
            info: SessionInfo {
                id,
                patient: "P<&>".into(),
                test: TestKind::Walk.as_str().into(),
                status: SessionStatus::Finished,
                started_unix_ms: t_ms,
                ended_unix_ms: None,
                source: None,
                notes: None,
                clinician: Some("Dr <script>".into()),
                conditions: None,
                pain_score: Some(2),
                sensors: Vec::new(),
            },
            meta_json: None,
            samples: Vec::new(),
            events: Vec::new(),
            metrics,
        }
    }

    fn input() -> ExportInput {
        let m1 = vec![
            Metric::new("gait.stance_s", 0.6, "s", "t").with_side(Side::Left),
            Metric::new("gait.swing_s", 0.4, "s", "t").with_side(Side::Left),
            Metric::new("gait.stance_s", 0.7, "s", "t").with_side(Side::Right),
            Metric::new("gait.swing_s", 0.3, "s", "t").with_side(Side::Right),
            Metric::new("gait.asymmetry.stance_pct", 15.4, "%", "t"),
            Metric::new("balance.sls_hold_s", 4.0, "s", "t").with_side(Side::Left),
            Metric::new("balance.sls_hold_s", 12.0, "s", "t").with_side(Side::Right),
            Metric::new("gait.speed_mps", 0.8, "m/s", "t"),
        ];
        let m2 = vec![Metric::new("gait.speed_mps", 1.1, "m/s", "t")];
        let sessions = vec![
            session(1, 1_796_000_000_000, m1.clone()),
            session(2, 1_797_000_000_000, m2.clone()),
        ];
        ExportInput {
            patient: Patient {
                id: 1,
                pseudonym: "P<&>".into(),
                birth_year: Some(1960),
                sex: Some(Sex::Female),
                height_m: Some(1.6),
                affected_side: Some(Side::Left),
                notes: None,
            },
            history: vec![(1, 1_796_000_000_000, m1), (2, 1_797_000_000_000, m2)],
            sessions,
            goals: vec![Goal {
                id: 1,
                patient: "P<&>".into(),
                spec: parse_goal("gait_speed_mps >= 1.0").unwrap(),
                status: GoalStatus::Active,
                created_unix_ms: 0,
            }],
            deidentify: false,
        }
    }

    /// `data-value` of the first element with this class fragment after `from`.
    fn data_value(html: &str, class: &str) -> f64 {
        let i = html
            .find(class)
            .unwrap_or_else(|| panic!("{class} missing"));
        let rest = &html[i..];
        let j = rest.find("data-value=\"").unwrap() + 12;
        rest[j..j + rest[j..].find('"').unwrap()].parse().unwrap()
    }

    fn attr(el: &str, name: &str) -> f64 {
        let key = format!(" {name}=\"");
        let j = el.find(&key).unwrap() + key.len();
        el[j..j + el[j..].find('"').unwrap()].parse().unwrap()
    }

    #[test]
    fn report_draws_what_the_metrics_say() {
        let h = html(&input());
        assert_eq!(h.matches("<svg").count(), h.matches("</svg>").count());
        // Gait cycle: left 60/40, right 70/30; bar widths proportional.
        assert!((data_value(&h, "bar stance left") - 60.0).abs() < 1e-9);
        assert!((data_value(&h, "bar swing right") - 30.0).abs() < 1e-9);
        let el = &h[h.find("bar stance right").unwrap()..];
        assert!((attr(el, "width") - 0.7 * PLOT_W).abs() < 0.1);
        // Balance: 4 s left against the 5 s line, and the age norm (66 y in 2026: 32.1 s).
        assert!((data_value(&h, "bar sls") - 4.0).abs() < 1e-9);
        assert!(h.contains("norm 32.1 s (age 66)"), "age-group norm line");
        // Findings: left SLS and gait speed positive, with their reasons.
        assert!(h.contains("left leg held 4.0 s &lt; 5 s"));
        assert!(h.contains("gait speed 0.80 m/s"));
        // Trend: gait speed 0.8 → 1.1 beyond the 0.19 m/s MDC, band around the first value.
        let t = &h[h.find("data-key=\"gait.speed_mps\"").unwrap()..];
        let band = &t[t.find("mdc-band").unwrap()..];
        assert!((attr(band, "data-low") - 0.61).abs() < 1e-9);
        assert!((attr(band, "data-high") - 0.99).abs() < 1e-9);
        assert_eq!(
            t[..t.find("</svg>").unwrap()]
                .matches("class=\"point\"")
                .count(),
            2
        );
        assert!(t.contains("real improvement"));
        // Goals: not met in session 1 (0.8), met in session 2 (1.1).
        let g = &h[h.find("class=\"goals\"").unwrap()..];
        let cells: Vec<&str> = g
            .match_indices("<td class=\"")
            .map(|(i, _)| &g[i + 11..i + 18])
            .collect();
        assert_eq!(cells, ["not-met", "met\">me"]);
        // Text is escaped.
        assert!(h.contains("P&lt;&amp;&gt;") && !h.contains("<script>"));
    }

    #[test]
    fn deidentified_report_leaves_out_identity() {
        let mut i = input();
        i.deidentify = true;
        let h = html(&i);
        assert!(!h.contains("P&lt;&amp;&gt;"));
        assert!(!h.contains("born 1960"));
        assert!(!h.contains("Dr &lt;script"));
        assert!(h.contains("de-identified patient"));
    }
}
