//! Session summary and patient history: metrics, fall-risk findings, trends, goals.

use crate::app::App;
use crate::model::RiskLevel;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Sparkline, Wrap};
use ratatui::Frame;

/// Draws the summary.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let s = &app.model.summary;
    let h = &app.model.history;
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
    let mut lines: Vec<Line> = s
        .metrics
        .iter()
        .map(|m| Line::from(format!("{:<26} {}", m.name, m.value)))
        .collect();
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
    if let Some(r) = &s.recording {
        lines.push(Line::from(format!("recording: {r}")));
    }
    if lines.is_empty() {
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
        left,
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" History & goals ");
    let inner = block.inner(right);
    frame.render_widget(block, right);
    if h.trends.is_empty() && h.goals.is_empty() {
        frame.render_widget(
            Paragraph::new("No earlier sessions or goals for this patient.")
                .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let mut rows = Vec::new();
    for _ in &h.trends {
        rows.push(Constraint::Length(1));
        rows.push(Constraint::Length(2));
    }
    for _ in &h.goals {
        rows.push(Constraint::Length(1));
    }
    rows.push(Constraint::Min(0));
    let areas = Layout::vertical(rows).split(inner);
    let mut i = 0;
    for t in &h.trends {
        let last = t.values.last().copied();
        let first = t.values.first().copied();
        let arrow = match (first, last) {
            (Some(a), Some(b)) if b > a => "↑",
            (Some(a), Some(b)) if b < a => "↓",
            _ => "=",
        };
        frame.render_widget(
            Paragraph::new(format!(
                "{} {} {arrow} ({} sessions)",
                t.name,
                crate::ui::opt(last, 2),
                t.values.len()
            )),
            areas[i],
        );
        let lo = t.values.iter().copied().fold(f64::MAX, f64::min);
        let data: Vec<u64> = t
            .values
            .iter()
            .map(|v| (((v - lo) * 100.0).round() as u64) + 1)
            .collect();
        frame.render_widget(Sparkline::default().data(&data), areas[i + 1]);
        i += 2;
    }
    for g in &h.goals {
        let w = 10usize;
        let done = (g.fraction() * w as f64).round() as usize;
        let bar: String = "█".repeat(done) + &"░".repeat(w - done);
        frame.render_widget(
            Paragraph::new(format!(
                "{bar} {:>3.0}% {} ({} → {}, now {})",
                g.fraction() * 100.0,
                g.text,
                g.baseline,
                g.target,
                g.current
            )),
            areas[i],
        );
        i += 1;
    }
}
