//! Session summary and patient history: metrics, fall-risk findings with reasons, care-plan
//! goal progress, and trends across sessions (sparklines) with the minimal detectable change.

use crate::app::App;
use crate::model::{GoalProgress, RiskLevel, Trend};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Sparkline, Wrap};
use ratatui::Frame;

/// Draws the summary.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let wide = area.width >= 90;
    let (left, right) = if wide {
        let [l, r] = Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
            .areas(area);
        (l, r)
    } else {
        let [l, r] =
            Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area);
        (l, r)
    };
    draw_session(frame, app, left);
    draw_history(frame, app, right);
}

fn draw_session(frame: &mut Frame, app: &App, area: Rect) {
    let s = &app.model.summary;
    let mut lines: Vec<Line> = Vec::new();
    if let Some(t) = &s.title {
        lines.push(Line::from(Span::styled(
            t.clone(),
            Style::new().add_modifier(Modifier::BOLD),
        )));
    }
    // Findings first: they are what the clinician acts on; metrics follow.
    if !s.findings.is_empty() {
        lines.push(Line::from(Span::styled(
            "Fall-risk findings",
            Style::new().add_modifier(Modifier::BOLD),
        )));
    }
    for f in &s.findings {
        let style = match f.level {
            RiskLevel::High => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            RiskLevel::Caution => Style::new().fg(Color::Yellow),
            RiskLevel::Normal => Style::new(),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("[{}] {}", f.level.label(), f.title), style),
            Span::raw(format!(" — {}", f.reason)),
        ]));
    }
    if !s.metrics.is_empty() && !s.findings.is_empty() {
        lines.push(Line::from(Span::styled(
            "Metrics",
            Style::new().add_modifier(Modifier::BOLD),
        )));
    }
    lines.extend(
        s.metrics
            .iter()
            .map(|m| Line::from(format!("{:<26} {}", m.name, m.value))),
    );
    if let Some(r) = &s.recording {
        lines.push(Line::from(format!("recording: {r}")));
    }
    if s.metrics.is_empty() && s.findings.is_empty() {
        lines.push(Line::from(
            "No results yet: run a walking evaluation or a test.",
        ));
    }
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Session summary (e export) "),
        ),
        area,
    );
}

/// One line of goal progress: a bar from baseline to target, the numbers, met or not.
pub(crate) fn goal_line(g: &GoalProgress, bar_w: usize) -> String {
    let done = (g.fraction() * bar_w as f64).round() as usize;
    let bar: String = "█".repeat(done) + &"░".repeat(bar_w - done);
    let met = match g.met {
        Some(true) => "MET",
        Some(false) => "not yet",
        None => "not measured",
    };
    format!(
        "{bar} {:>3.0}% {} — {met} (start {}, now {}, target {})",
        g.fraction() * 100.0,
        g.text,
        num(g.baseline),
        num(g.current),
        num(g.target)
    )
}

/// A value with at most two decimals and no trailing zeros.
fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// The text line of a trend: latest value, direction, change against the MDC, verdict.
pub(crate) fn trend_line(t: &Trend) -> String {
    let last = t.values.last().copied();
    let arrow = match t.change() {
        Some(c) if c > 0.0 => "↑",
        Some(c) if c < 0.0 => "↓",
        _ => "=",
    };
    let mut s = format!(
        "{} {} {arrow} ({} sessions)",
        t.name,
        crate::ui::opt(last, 2),
        t.values.len()
    );
    if let Some(c) = t.change() {
        s.push_str(&format!(" Δ{c:+.2}"));
    }
    if let Some(m) = t.mdc {
        s.push_str(&format!(" MDC {}", num(m)));
    }
    if let Some(v) = &t.verdict {
        s.push_str(&format!(" {v}"));
    }
    s
}

fn draw_history(frame: &mut Frame, app: &App, area: Rect) {
    let h = &app.model.history;
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" History & goals ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if h.trends.is_empty() && h.goals.is_empty() {
        frame.render_widget(
            Paragraph::new("No earlier sessions or goals for this patient.")
                .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let goal_rows = if h.goals.is_empty() {
        0
    } else {
        h.goals.len() as u16 + 1
    };
    let avail = inner.height.saturating_sub(goal_rows);
    // Each trend: one text row plus a sparkline of 1..=3 rows, as the height allows.
    let n_trends = h.trends.len() as u16;
    let spark_h = avail
        .checked_div(n_trends)
        .map_or(1, |rows| rows.saturating_sub(1).clamp(1, 3));
    let fit = (avail / (spark_h + 1)) as usize;
    let shown = h.trends.len().min(fit);
    let more = h.trends.len() - shown;
    let mut rows = Vec::new();
    if goal_rows > 0 {
        rows.push(Constraint::Length(goal_rows));
    }
    for _ in 0..shown {
        rows.push(Constraint::Length(1));
        rows.push(Constraint::Length(spark_h));
    }
    rows.push(Constraint::Min(0));
    let areas = Layout::vertical(rows).split(inner);
    let mut i = 0;
    if goal_rows > 0 {
        let bar_w = if inner.width >= 70 { 10 } else { 6 };
        let mut lines = vec![Line::from(Span::styled(
            "Care-plan goals",
            Style::new().add_modifier(Modifier::BOLD),
        ))];
        for g in &h.goals {
            let style = if g.met == Some(true) {
                Style::new().fg(Color::Green)
            } else {
                Style::new()
            };
            lines.push(Line::from(Span::styled(goal_line(g, bar_w), style)));
        }
        frame.render_widget(Paragraph::new(lines), areas[i]);
        i += 1;
    }
    for t in &h.trends[..shown] {
        let real = t
            .verdict
            .as_deref()
            .is_some_and(|v| v == "IMPROVED" || v == "WORSENED" || v == "CHANGED");
        let style = if real {
            Style::new().add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        };
        frame.render_widget(Paragraph::new(Span::styled(trend_line(t), style)), areas[i]);
        let lo = t.values.iter().copied().fold(f64::MAX, f64::min);
        let hi = t.values.iter().copied().fold(f64::MIN, f64::max);
        let span = (hi - lo).max(1e-9);
        let data: Vec<u64> = t
            .values
            .iter()
            .map(|v| ((v - lo) / span * 100.0).round() as u64 + 1)
            .collect();
        frame.render_widget(
            Sparkline::default()
                .data(&data)
                .style(Style::new().fg(Color::Cyan)),
            areas[i + 1],
        );
        i += 2;
    }
    if more > 0 {
        frame.render_widget(
            Paragraph::new(format!(
                "+{more} more trends (a taller terminal shows them)"
            )),
            areas[i],
        );
    }
}
