//! Walking evaluation: live signals, gait timeline per leg, metrics and asymmetry gauges.

use crate::app::App;
use crate::model::{placement_label, LegTimeline};
use crate::ui::opt;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType, Paragraph};
use ratatui::Frame;
use steady_core::Side;

/// Seconds of history in the timeline and charts.
pub const WINDOW_S: f64 = 6.0;

/// Draws the walking evaluation.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let narrow = area.width < 70;
    let metrics_h = 8;
    let [charts, timeline, metrics] = Layout::vertical([
        Constraint::Min(4),
        Constraint::Length(4),
        Constraint::Length(metrics_h),
    ])
    .areas(area);
    draw_charts(frame, app, charts);
    draw_timeline(frame, app, timeline);
    draw_metrics(frame, app, metrics, narrow);
}

fn draw_charts(frame: &mut Frame, app: &App, area: Rect) {
    let m = &app.model;
    let traces: Vec<_> = m.traces.iter().filter(|t| !t.points.is_empty()).collect();
    if traces.is_empty() {
        frame.render_widget(
            Paragraph::new("waiting for samples…")
                .block(Block::default().borders(Borders::ALL).title(" Signals ")),
            area,
        );
        return;
    }
    // One chart per sensor when there is room (≥ 5 rows each), otherwise the first few.
    let per = (area.height / 5).max(1) as usize;
    let shown = &traces[..traces.len().min(per)];
    let rows =
        Layout::vertical(vec![Constraint::Ratio(1, shown.len() as u32); shown.len()]).split(area);
    let t1 = m.now_s;
    let t0 = t1 - WINDOW_S;
    for (trace, rect) in shown.iter().zip(rows.iter()) {
        let pts: Vec<(f64, f64)> = trace
            .points
            .iter()
            .copied()
            .filter(|(t, _)| *t >= t0)
            .collect();
        let (lo, hi) = pts
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), &(_, v)| (a.min(v), b.max(v)));
        let (lo, hi) = if lo > hi {
            (-1.0, 1.0)
        } else {
            (lo, hi.max(lo + 1.0))
        };
        let last = pts.last().map(|p| p.1).unwrap_or(0.0);
        let ds = Dataset::default()
            .marker(symbols::Marker::Braille)
            .graph_type(GraphType::Line)
            .style(Style::new().fg(Color::Cyan))
            .data(&pts);
        let title = format!(
            " {} · {} · now {:.0} ",
            placement_label(trace.placement),
            trace.label,
            last
        );
        let chart = Chart::new(vec![ds])
            .block(Block::default().borders(Borders::ALL).title(title))
            .x_axis(Axis::default().bounds([t0, t1]))
            .y_axis(
                Axis::default()
                    .bounds([lo, hi])
                    .labels([format!("{lo:.0}"), format!("{hi:.0}")]),
            );
        frame.render_widget(chart, *rect);
    }
}

/// One text row of stance (█) and swing (─) over the last [`WINDOW_S`] seconds.
pub fn timeline_row(leg: &LegTimeline, now_s: f64, width: usize) -> String {
    let t0 = now_s - WINDOW_S;
    (0..width)
        .map(|i| {
            let t = t0 + (i as f64 + 0.5) * WINDOW_S / width as f64;
            match leg.bars.iter().find(|b| b.start_s <= t && t < b.end_s) {
                Some(b) if b.stance => '█',
                Some(_) => '─',
                None => ' ',
            }
        })
        .collect()
}

/// Right edge of the timeline: the newest analysed phase (events come out of the streaming
/// analysis with some look-ahead delay), or now when there is none.
pub fn timeline_end_s(app: &App) -> f64 {
    let m = &app.model;
    m.legs
        .iter()
        .flat_map(|l| l.bars.iter().map(|b| b.end_s))
        .fold(None, |a: Option<f64>, t| Some(a.map_or(t, |a| a.max(t))))
        .map_or(m.now_s, |t| t.min(m.now_s))
}

fn draw_timeline(frame: &mut Frame, app: &App, area: Rect) {
    let m = &app.model;
    let end_s = timeline_end_s(app);
    let lag_s = m.now_s - end_s;
    let inner_w = area.width.saturating_sub(2 + 9) as usize;
    let mut lines = Vec::new();
    for side in Side::BOTH {
        let label = match side {
            Side::Left => "LEFT  ",
            Side::Right => "RIGHT ",
        };
        let row = m
            .legs
            .iter()
            .find(|l| l.side == side)
            .map(|l| timeline_row(l, end_s, inner_w))
            .unwrap_or_else(|| " ".repeat(inner_w));
        let color = if side == Side::Left {
            Color::Blue
        } else {
            Color::Magenta
        };
        lines.push(Line::from(vec![
            Span::styled(label, Style::new().add_modifier(Modifier::BOLD)),
            Span::styled(row, Style::new().fg(color)),
        ]));
    }
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(if lag_s >= 0.5 {
                    format!(" Gait timeline  █ stance  ─ swing  (to {end_s:.0}s, analysis delay {lag_s:.0}s) ")
                } else {
                    " Gait timeline  █ stance  ─ swing ".to_string()
                }),
        ),
        area,
    );
}

fn gauge_text(value: f64, max: f64, width: usize) -> String {
    // Scale 0..2×max; '|' marks the end of the normal range.
    let full = 2.0 * max.max(1e-6);
    let filled = ((value / full).clamp(0.0, 1.0) * width as f64).round() as usize;
    let mark = width / 2;
    (0..width)
        .map(|i| {
            if i == mark {
                '|'
            } else if i < filled {
                '■'
            } else {
                '·'
            }
        })
        .collect()
}

fn draw_metrics(frame: &mut Frame, app: &App, area: Rect, narrow: bool) {
    let g = &app.model.gait;
    let state = if g.recording { "RECORDING" } else { "stopped" };
    let side = |v: [Option<f64>; 2], p: usize| format!("L {} R {}", opt(v[0], p), opt(v[1], p));
    let mut left = vec![
        Line::from(vec![
            Span::styled(state, Style::new().add_modifier(Modifier::BOLD)),
            Span::raw(format!(" {:.0}s", g.elapsed_s)),
        ]),
        Line::from(format!("cadence  {} steps/min", opt(g.cadence_spm, 0))),
        Line::from(format!("speed    {} m/s", opt(g.speed_mps, 2))),
        Line::from(format!("stance % {}", side(g.stance_pct, 0))),
        Line::from(format!("single s {}", side(g.single_support_s, 2))),
        Line::from(format!(
            "strides  {}   complete {:.1}%",
            g.stride_count, g.completeness_pct
        )),
    ];
    if let Some(r) = &g.result {
        left.push(Line::from(Span::styled(
            format!("result: {r}"),
            Style::new().add_modifier(Modifier::BOLD),
        )));
    }
    let mut right = vec![Line::from(Span::styled(
        if narrow {
            "asym. | = limit"
        } else {
            "asymmetry (| = normal limit)"
        },
        Style::new().add_modifier(Modifier::BOLD),
    ))];
    for a in &g.asymmetry {
        let out = a.value_pct > a.normal_max_pct;
        let style = if out {
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        };
        let flag = if out { " HIGH" } else { " ok" };
        right.push(Line::from(Span::styled(
            format!(
                "{:<9} {} {:.1}%{}",
                a.name,
                gauge_text(a.value_pct, a.normal_max_pct, if narrow { 6 } else { 12 }),
                a.value_pct,
                flag
            ),
            style,
        )));
    }
    {
        let [l, r] = Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
            .areas(area);
        frame.render_widget(
            Paragraph::new(left).block(Block::default().borders(Borders::ALL).title(" Gait ")),
            l,
        );
        frame.render_widget(
            Paragraph::new(right).block(Block::default().borders(Borders::ALL).title(" Symmetry ")),
            r,
        );
    }
}
