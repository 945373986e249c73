//! Other guided tests (4-stage balance, TUG, chair stand), guided the same way as the
//! single-leg stance: a big plain instruction, a countdown, a large live timer or count, the
//! stages with PASS/FAIL in words, why the test stopped and the result against its cut-off.

use crate::app::App;
use crate::model::{GuidedTest, GuidedTestView, RiskLevel};
use crate::ui::{big, opt};
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

/// The text of the big timer and the title of its box.
fn timer(t: &GuidedTestView) -> (String, String) {
    let limit = t.limit_s.map(|l| format!(" of {l:.0}")).unwrap_or_default();
    match (t.countdown_s, t.count) {
        (Some(c), _) => (
            format!("{}", c.ceil().max(0.0) as u32),
            " Starting in (seconds) ".into(),
        ),
        (None, Some(n)) => {
            let left = t
                .limit_s
                .map(|l| format!(" · {:.0} s left", (l - t.elapsed_s).max(0.0).ceil()))
                .unwrap_or_default();
            (format!("{n}"), format!(" Stands counted{left} "))
        }
        (None, None) => {
            let what = match t.test {
                GuidedTest::FourStage => "Time in this stage",
                _ => "Time",
            };
            (
                format!("{:.1}", t.elapsed_s),
                format!(" {what} (seconds{limit}) "),
            )
        }
    }
}

fn level_style(l: RiskLevel) -> Style {
    let c = match l {
        RiskLevel::Normal => Color::Green,
        RiskLevel::Caution => Color::Yellow,
        RiskLevel::High => Color::Red,
    };
    Style::new().fg(c).add_modifier(Modifier::BOLD)
}

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
    let (text, title) = timer(t);
    // Twice as large when the terminal has room (readable from further away).
    let scale = if area.height >= 30 && big::width(&text) * 2 + 2 <= area.width {
        2
    } else {
        1
    };
    // Two lines of text; one more when the instruction wraps.
    let head_h = if t.instruction.chars().count() as u16 + 2 > area.width {
        5
    } else {
        4
    };
    let [head, timer_area, rest] = Layout::vertical([
        Constraint::Length(head_h),
        Constraint::Length(big::HEIGHT * scale + 2),
        Constraint::Min(0),
    ])
    .areas(area);
    let head_style = Style::new()
        .add_modifier(Modifier::BOLD)
        .fg(if t.ended.is_some() {
            Color::Yellow
        } else {
            Color::White
        });
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(Span::styled(t.instruction.to_uppercase(), head_style)),
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
    let lines = if big::width(&text) * scale + 2 <= timer_area.width {
        big::lines_scaled(&text, scale)
    } else {
        vec![Line::from(Span::styled(
            text,
            Style::new().add_modifier(Modifier::BOLD),
        ))]
    };
    frame.render_widget(
        Paragraph::new(lines)
            .alignment(Alignment::Center)
            .block(Block::default().borders(Borders::ALL).title(title)),
        timer_area,
    );
    // Why it stopped and the verdict first: they must survive a short terminal.
    let mut rows: Vec<Line> = Vec::new();
    if let Some(e) = &t.ended {
        rows.push(Line::from(Span::styled(
            format!("STOPPED: {e}"),
            Style::new().add_modifier(Modifier::BOLD),
        )));
    }
    if let Some(v) = &t.verdict {
        rows.push(Line::from(vec![
            Span::styled(format!("[{}] ", v.level.label()), level_style(v.level)),
            Span::raw(v.text.clone()),
        ]));
    }
    rows.extend(t.stages.iter().map(|s| {
        let mark = match s.passed {
            Some(true) => "PASS",
            Some(false) => "FAIL",
            None if s.time_s.is_some() => "DONE",
            None => "…",
        };
        Line::from(format!("{:<24} {:>6} s  {mark}", s.name, opt(s.time_s, 1)))
    }));
    let block_title = match t.test {
        GuidedTest::FourStage => " Stages ",
        GuidedTest::Tug => " Phases ",
        GuidedTest::ChairStand => " Result ",
    };
    frame.render_widget(
        Paragraph::new(rows)
            .wrap(Wrap { trim: true })
            .block(Block::default().borders(Borders::ALL).title(block_title)),
        rest,
    );
}
