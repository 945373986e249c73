//! Other guided tests (4-stage balance, TUG, chair stand), guided the same way.

use crate::app::App;
use crate::ui::{big, opt};
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

/// Draws the current guided test.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let Some(t) = &app.model.other else {
        frame.render_widget(
            Paragraph::new(vec![
                Line::from("No other test running."),
                Line::from("Press n to move on to the next test of the session."),
            ])
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(" Other tests "),
            ),
            area,
        );
        return;
    };
    let [head, timer, rest] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Length(big::HEIGHT + 2),
        Constraint::Min(0),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(Span::styled(
                t.instruction.to_uppercase(),
                Style::new().add_modifier(Modifier::BOLD),
            )),
            Line::from(t.result.clone().unwrap_or_default()),
        ])
        .alignment(Alignment::Center)
        .wrap(Wrap { trim: true })
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" {} ", t.test.name())),
        ),
        head,
    );
    let text = match (t.countdown_s, t.count) {
        (Some(c), _) => format!("{}", c.ceil().max(0.0) as u32),
        (None, Some(n)) => format!("{n}  {:.0}", t.elapsed_s),
        (None, None) => format!("{:.1}", t.elapsed_s),
    };
    let lines = if big::width(&text) + 2 <= timer.width {
        big::lines(&text)
    } else {
        vec![Line::from(text)]
    };
    let title = match (t.countdown_s, t.count) {
        (Some(_), _) => " Starting in (seconds) ",
        (None, Some(_)) => " Count · time (seconds) ",
        (None, None) => " Time in this stage (seconds) ",
    };
    frame.render_widget(
        Paragraph::new(lines)
            .alignment(Alignment::Center)
            .block(Block::default().borders(Borders::ALL).title(title)),
        timer,
    );
    let rows: Vec<Line> = t
        .stages
        .iter()
        .map(|s| {
            let mark = match s.passed {
                Some(true) => "PASS",
                Some(false) => "FAIL",
                None => "…",
            };
            Line::from(format!("{:<24} {:>6} s  {mark}", s.name, opt(s.time_s, 1)))
        })
        .collect();
    frame.render_widget(
        Paragraph::new(rows).block(Block::default().borders(Borders::ALL).title(" Stages ")),
        rest,
    );
}
