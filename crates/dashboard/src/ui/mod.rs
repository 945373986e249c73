//! Drawing: one `draw` per screen plus the frame around them (tabs, alerts, footer, help).

mod balance;
pub mod big;
mod other;
mod sensors;
mod summary;
mod walking;

/// One text row of the gait timeline (stance █, swing ─) for a leg; exposed for tests.
pub use walking::timeline_row as walking_timeline_row;

use crate::app::{App, Screen};
use crate::model::SensorState;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Tabs, Wrap};
use ratatui::Frame;

/// Draws the whole dashboard for `app` into `frame`.
pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let alert_lines = alert_lines(app);
    // The status (an action's answer, a notice) gets its own line above the keys, so a long
    // one is not cut off by them.
    let has_status = app.model.status.as_deref().is_some_and(|s| !s.is_empty());
    let [tabs, alerts, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(alert_lines.len() as u16),
        Constraint::Min(0),
        Constraint::Length(1 + u16::from(has_status)),
    ])
    .areas(area);
    draw_tabs(frame, app, tabs);
    if !alert_lines.is_empty() {
        frame.render_widget(Paragraph::new(alert_lines), alerts);
    }
    match app.screen {
        Screen::Sensors => sensors::draw(frame, app, body),
        Screen::Walking => walking::draw(frame, app, body),
        Screen::Balance => balance::draw(frame, app, body),
        Screen::OtherTests => other::draw(frame, app, body),
        Screen::Summary => summary::draw(frame, app, body),
    }
    draw_footer(frame, app, footer);
    if app.help {
        draw_help(frame, area);
    }
}

fn draw_tabs(frame: &mut Frame, app: &App, area: Rect) {
    let narrow = area.width < 70;
    let titles = Screen::ALL.iter().enumerate().map(|(i, s)| {
        let t = if narrow {
            format!("{}", i + 1)
        } else {
            format!("{} {}", i + 1, s.title())
        };
        Line::from(t)
    });
    let selected = Screen::ALL
        .iter()
        .position(|&s| s == app.screen)
        .unwrap_or(0);
    let [left, right] = Layout::horizontal([
        Constraint::Min(0),
        Constraint::Length(if narrow { 22 } else { 18 }),
    ])
    .areas(area);
    let tabs = Tabs::new(titles)
        .select(selected)
        .highlight_style(Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD))
        .divider("|");
    frame.render_widget(tabs, left);
    let m = &app.model;
    let rec = if m.gait.recording { "● REC " } else { "" };
    let title = if narrow {
        format!("{rec}{}", app.screen.title())
    } else {
        format!("{rec}t={:.0}s", m.now_s)
    };
    frame.render_widget(
        Paragraph::new(title).alignment(ratatui::layout::Alignment::Right),
        right,
    );
}

/// Lost and recovered sensors: shown on every screen, above everything else.
fn alert_lines(app: &App) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if let Some(a) = &app.model.alert {
        lines.push(Line::from(Span::styled(
            format!("!! {a}"),
            Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD),
        )));
    }
    let bad: Vec<String> = app
        .model
        .sensors
        .iter()
        .filter(|s| s.state.is_problem())
        .map(|s| {
            format!(
                "{} ({}) {}",
                s.name,
                crate::model::placement_label(s.placement),
                s.state.label()
            )
        })
        .collect();
    if !bad.is_empty() {
        let lost = app
            .model
            .sensors
            .iter()
            .any(|s| s.state == SensorState::Lost);
        let head = if lost {
            "!! SENSOR LOST: "
        } else {
            "!! SENSOR PROBLEM: "
        };
        lines.push(Line::from(vec![
            Span::styled(
                head,
                Style::new()
                    .fg(Color::White)
                    .bg(Color::Red)
                    .add_modifier(Modifier::BOLD),
            ),
            Span::styled(
                bad.join(", "),
                Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            ),
        ]));
    }
    for r in &app.recoveries {
        lines.push(Line::from(Span::styled(
            format!(
                "OK: {} recovered at {:.0}s, streaming again",
                r.name, r.at_s
            ),
            Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
        )));
    }
    lines
}

fn draw_footer(frame: &mut Frame, app: &App, area: Rect) {
    let keys = match app.screen {
        Screen::Sensors => "↑↓ select  i identify  p placement  r remove",
        Screen::Walking => "s start/stop  n next test",
        Screen::Balance | Screen::OtherTests => "Space continue  s stop  n next",
        Screen::Summary => "e export",
    };
    let keys = Line::styled(
        format!("? help  q quit  {keys}"),
        Style::new().add_modifier(Modifier::DIM),
    );
    let lines = match app.model.status.as_deref() {
        Some(status) if !status.is_empty() => vec![Line::from(status.to_string()), keys],
        _ => vec![keys],
    };
    frame.render_widget(Paragraph::new(lines), area);
}

fn draw_help(frame: &mut Frame, area: Rect) {
    let lines: Vec<Line> = App::help_lines()
        .iter()
        .map(|(k, v)| Line::from(format!("{k:<16} {v}")))
        .collect();
    let w = area.width.min(60);
    let h = (lines.len() as u16 + 2).min(area.height);
    let rect = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(Block::default().borders(Borders::ALL).title(" Keys ")),
        rect,
    );
}

/// Formats an optional number with `prec` decimals, or "–".
pub(crate) fn opt(v: Option<f64>, prec: usize) -> String {
    match v {
        Some(x) => format!("{x:.prec$}"),
        None => "–".to_string(),
    }
}
