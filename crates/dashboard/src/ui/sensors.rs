//! Sensors screen: every registered and nearby sensor.

use crate::app::App;
use crate::model::{placement_label, SensorState};
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, Borders, Row, Table, TableState};
use ratatui::Frame;

/// Draws the sensor table.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    // Three widths: everything (≥ 100 columns), no vendor/offset (≥ 76), the essentials.
    let wide = area.width >= 100;
    let mid = !wide && area.width >= 76;
    let header: Vec<&str> = if wide {
        vec![
            "name",
            "placement",
            "vendor",
            "state",
            "batt",
            "RSSI",
            "rate",
            "loss",
            "offset",
        ]
    } else if mid {
        vec!["name", "placement", "state", "batt", "RSSI", "rate", "loss"]
    } else {
        vec!["name", "placement", "state", "batt", "rate", "loss"]
    };
    let rows = app.model.sensors.iter().map(|s| {
        let style = match s.state {
            SensorState::Lost => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            SensorState::Stalled | SensorState::Reconnecting => Style::new().fg(Color::Yellow),
            SensorState::Streaming => Style::new().fg(Color::Green),
            _ => Style::new(),
        };
        let batt = s
            .battery_pct
            .map(|b| format!("{b}%"))
            .unwrap_or_else(|| "–".into());
        let rate = format!("{:.0}Hz", s.rate_hz);
        let loss = format!("{:.1}%", s.loss_pct);
        let rssi = s
            .rssi_dbm
            .map(|r| format!("{r}dBm"))
            .unwrap_or_else(|| "–".into());
        let cells: Vec<String> = if wide {
            vec![
                s.name.clone(),
                placement_label(s.placement).into(),
                s.vendor.clone(),
                s.state.label().into(),
                batt,
                rssi,
                rate,
                loss,
                s.clock_offset_ms
                    .map(offset_text)
                    .unwrap_or_else(|| "–".into()),
            ]
        } else if mid {
            vec![
                s.name.clone(),
                placement_label(s.placement).into(),
                s.state.label().into(),
                batt,
                rssi,
                rate,
                loss,
            ]
        } else {
            vec![
                s.name.clone(),
                placement_label(s.placement).into(),
                s.state.label().into(),
                batt,
                rate,
                loss,
            ]
        };
        Row::new(cells).style(style)
    });
    let widths: Vec<Constraint> = if wide {
        vec![
            Constraint::Length(12),
            Constraint::Length(11),
            Constraint::Min(10),
            Constraint::Length(12),
            Constraint::Length(5),
            Constraint::Length(7),
            Constraint::Length(6),
            Constraint::Length(6),
            Constraint::Length(9),
        ]
    } else if mid {
        vec![
            Constraint::Min(10),
            Constraint::Length(10),
            Constraint::Length(12),
            Constraint::Length(4),
            Constraint::Length(7),
            Constraint::Length(6),
            Constraint::Length(6),
        ]
    } else {
        vec![
            Constraint::Min(8),
            Constraint::Length(10),
            Constraint::Length(12),
            Constraint::Length(5),
            Constraint::Length(5),
            Constraint::Length(6),
        ]
    };
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(Style::new().add_modifier(Modifier::BOLD)))
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
        .highlight_symbol("> ")
        .column_spacing(1)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" Sensors ({}) ", app.model.sensors.len())),
        );
    let mut state = TableState::default().with_selected(Some(app.selected_sensor));
    frame.render_stateful_widget(table, area, &mut state);
}

/// A clock offset that fits its column: ms below one second, s above.
fn offset_text(ms: f64) -> String {
    if ms.abs() < 1000.0 {
        format!("{ms:+.1}ms")
    } else {
        format!("{:+.1}s", ms / 1000.0)
    }
}
