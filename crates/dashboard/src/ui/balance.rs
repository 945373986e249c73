//! Single-leg balance test, patient-guided: big instruction, timer, sway trace, results.

use crate::app::App;
use crate::model::{BalancePhase, BalanceView, TrialResult};
use crate::ui::big;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType, Paragraph, Wrap};
use ratatui::Frame;
use steady_core::Side;

fn side_word(s: Side) -> &'static str {
    match s {
        Side::Left => "LEFT",
        Side::Right => "RIGHT",
    }
}

/// The patient instruction (headline) and a smaller second line for a balance view.
pub fn instruction(b: &BalanceView) -> (String, String) {
    let stance = b.stance.unwrap_or(Side::Right);
    let lifted = side_word(stance.opposite());
    let on = side_word(stance);
    let trial = format!("trial {} of {}", b.trial.max(1), b.trials_per_side.max(1));
    match b.phase {
        BalancePhase::Ready => (
            "Stand still on both feet".into(),
            format!("next: stand on your {on} leg ({trial}) — Space to begin"),
        ),
        BalancePhase::Lift => (
            format!("Lift your {lifted} foot"),
            format!("stand on your {on} leg, arms crossed ({trial})"),
        ),
        BalancePhase::Countdown { remaining_s } => (
            format!("Get ready… {}", remaining_s.ceil().max(0.0) as u32),
            format!("lift your {lifted} foot when the count ends"),
        ),
        BalancePhase::Holding { .. } => (
            format!("HOLD — stay on your {on} leg"),
            format!("{lifted} foot up · {trial} · limit {:.0} s", b.time_limit_s),
        ),
        BalancePhase::Ended { held_s, reason } => (
            "STOP — put your foot down".into(),
            format!("held {held_s:.1} s · ended: {}", reason.text()),
        ),
        BalancePhase::Rest { remaining_s } => (
            "Rest — both feet down".into(),
            format!("next trial in {:.0} s", remaining_s.max(0.0)),
        ),
        BalancePhase::Summary => ("Test complete".into(), "left/right summary below".into()),
    }
}

fn timer_text(b: &BalanceView) -> Option<String> {
    match b.phase {
        BalancePhase::Lift => Some(side_word(b.stance.unwrap_or(Side::Right).opposite()).into()),
        BalancePhase::Holding { elapsed_s } => Some(format!("{elapsed_s:.1}")),
        BalancePhase::Ended { held_s, .. } => Some(format!("{held_s:.1}")),
        BalancePhase::Countdown { remaining_s } => {
            Some(format!("{}", remaining_s.ceil().max(0.0) as u32))
        }
        BalancePhase::Rest { remaining_s } => Some(format!("{:.0}", remaining_s.max(0.0))),
        BalancePhase::Summary => {
            let l = best(b, Side::Left).map_or("-".into(), |v| format!("{v:.1}"));
            let r = best(b, Side::Right).map_or("-".into(), |v| format!("{v:.1}"));
            Some(format!("L{l} R{r}"))
        }
        _ => None,
    }
}

fn timer_title(b: &BalanceView) -> &'static str {
    match b.phase {
        BalancePhase::Countdown { .. } => " Starting in (seconds) ",
        BalancePhase::Rest { .. } => " Rest (seconds) ",
        BalancePhase::Summary => " Best time per leg (seconds) ",
        BalancePhase::Lift => " Foot to lift ",
        BalancePhase::Ready => " Time ",
        _ => " Time (seconds) ",
    }
}

/// Draws the balance test.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let b = &app.model.balance;
    let wide = area.width >= 90;
    let (main, side) = if wide {
        let [m, s] = Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)])
            .areas(area);
        (m, Some(s))
    } else {
        (area, None)
    };
    let results_h = if b.phase == BalancePhase::Summary {
        (b.results.len() as u16 + 5).min(main.height / 2 + 2)
    } else {
        (b.results.len().min(4) as u16 + 3).min(6)
    };
    let text = timer_text(b);
    // Twice as large when the terminal has room (readable from further away).
    let scale = match &text {
        Some(t) if main.height >= 30 && big::width(t) * 2 + 2 <= main.width => 2,
        _ => 1,
    };
    let [head, timer, rest] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Length(big::HEIGHT * scale + 2),
        Constraint::Min(0),
    ])
    .areas(main);
    let (h1, h2) = instruction(b);
    let ended = matches!(b.phase, BalancePhase::Ended { .. });
    let head_style = Style::new().add_modifier(Modifier::BOLD).fg(if ended {
        Color::Yellow
    } else {
        Color::White
    });
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(Span::styled(h1.to_uppercase(), head_style)),
            Line::from(h2),
        ])
        .alignment(Alignment::Center)
        .wrap(Wrap { trim: true })
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Single-leg stance "),
        ),
        head,
    );
    let timer_lines = match text {
        Some(t) if big::width(&t) * scale + 2 <= timer.width => big::lines_scaled(&t, scale),
        Some(t) => vec![Line::from(Span::styled(
            t,
            Style::new().add_modifier(Modifier::BOLD),
        ))],
        None => vec![Line::from("")],
    };
    frame.render_widget(
        Paragraph::new(timer_lines)
            .alignment(Alignment::Center)
            .block(Block::default().borders(Borders::ALL).title(timer_title(b))),
        timer,
    );
    let (sway_area, results_area) = match side {
        Some(s) => (Some(s), rest),
        None => {
            if rest.height >= results_h + 6 {
                let [sw, r] = Layout::vertical([Constraint::Min(6), Constraint::Length(results_h)])
                    .areas(rest);
                (Some(sw), r)
            } else {
                (None, rest)
            }
        }
    };
    if let Some(sw) = sway_area {
        draw_sway(frame, b, sw);
    }
    frame.render_widget(results(b), results_area);
}

fn draw_sway(frame: &mut Frame, b: &BalanceView, area: Rect) {
    // Scale to 3 × the larger RMS (a lift-off transient must not shrink the trace to a dot).
    let n = b.sway_mm.len().max(1) as f64;
    let (sx, sy) = b
        .sway_mm
        .iter()
        .fold((0.0, 0.0), |(a, c), &(x, y)| (a + x * x, c + y * y));
    let (rms_ml, rms_ap) = ((sx / n).sqrt(), (sy / n).sqrt());
    let rms = rms_ml.max(rms_ap);
    let lim = (3.0 * rms).max(10.0).ceil();
    let title = if b.sway_mm.is_empty() {
        " Sway: ML (→) vs AP (↑), mm, est. ".to_string()
    } else {
        format!(" Sway mm est · RMS ML {rms_ml:.1} AP {rms_ap:.1} ")
    };
    let ds = Dataset::default()
        .marker(symbols::Marker::Braille)
        .graph_type(GraphType::Line)
        .style(Style::new().fg(Color::Cyan))
        .data(&b.sway_mm);
    let chart = Chart::new(vec![ds])
        .block(Block::default().borders(Borders::ALL).title(title))
        .x_axis(Axis::default().bounds([-lim, lim]).labels([
            format!("-{lim:.0}"),
            "ML".into(),
            format!("{lim:.0}"),
        ]))
        .y_axis(Axis::default().bounds([-lim, lim]).labels([
            format!("-{lim:.0}"),
            "AP".into(),
            format!("{lim:.0}"),
        ]));
    frame.render_widget(chart, area);
}

fn verdict(r: &TrialResult, b: &BalanceView) -> &'static str {
    match &b.norm {
        Some(n) if r.held_s >= n.mean_s => "at/above norm",
        Some(_) => "BELOW norm",
        None => "",
    }
}

fn best(b: &BalanceView, side: Side) -> Option<f64> {
    b.results
        .iter()
        .filter(|r| r.stance == side)
        .map(|r| r.held_s)
        .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))
}

fn results(b: &BalanceView) -> Paragraph<'_> {
    let mut lines = Vec::new();
    if let Some(n) = &b.norm {
        lines.push(Line::from(format!(
            "norm {}: {:.0} s ({})",
            n.group, n.mean_s, n.source
        )));
    }
    if b.phase == BalancePhase::Summary {
        for side in Side::BOTH {
            let v = best(b, side);
            let against = match (&b.norm, v) {
                (Some(n), Some(v)) if v >= n.mean_s => "at/above norm",
                (Some(_), Some(_)) => "BELOW norm",
                _ => "",
            };
            lines.push(Line::from(Span::styled(
                format!(
                    "{:<5} leg best {} s  {against}",
                    side_word(side),
                    crate::ui::opt(v, 1)
                ),
                Style::new().add_modifier(Modifier::BOLD),
            )));
        }
        if let (Some(l), Some(r)) = (best(b, Side::Left), best(b, Side::Right)) {
            let diff = (l - r).abs();
            lines.push(Line::from(format!("left-right difference {diff:.1} s")));
        }
    }
    for r in b
        .results
        .iter()
        .rev()
        .take(if b.phase == BalancePhase::Summary {
            8
        } else {
            3
        })
    {
        lines.push(Line::from(format!(
            "{:<5} {:>5.1} s  {}  {}",
            side_word(r.stance),
            r.held_s,
            r.reason.text(),
            verdict(r, b)
        )));
    }
    Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(" Results "))
}
