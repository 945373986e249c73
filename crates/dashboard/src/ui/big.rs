//! Large digits (5 rows tall) for timers readable from two metres.

use ratatui::text::Line;

const GLYPHS: [(char, [&str; 5]); 15] = [
    ('0', ["███", "█ █", "█ █", "█ █", "███"]),
    ('1', [" █ ", "██ ", " █ ", " █ ", "███"]),
    ('2', ["███", "  █", "███", "█  ", "███"]),
    ('3', ["███", "  █", "███", "  █", "███"]),
    ('4', ["█ █", "█ █", "███", "  █", "  █"]),
    ('5', ["███", "█  ", "███", "  █", "███"]),
    ('6', ["███", "█  ", "███", "█ █", "███"]),
    ('7', ["███", "  █", "  █", "  █", "  █"]),
    ('8', ["███", "█ █", "███", "█ █", "███"]),
    ('9', ["███", "█ █", "███", "  █", "███"]),
    ('.', ["   ", "   ", "   ", "   ", " █ "]),
    ('s', ["   ", "███", "█  ", " ██", "███"]),
    (' ', ["   ", "   ", "   ", "   ", "   "]),
    ('L', ["█  ", "█  ", "█  ", "█  ", "███"]),
    ('R', ["██ ", "█ █", "██ ", "█ █", "█ █"]),
];

/// Height of big text, rows.
pub const HEIGHT: u16 = 5;

/// Renders `text` (digits, '.', 's', 'L', 'R', ' ') as five lines of block characters.
pub fn lines(text: &str) -> Vec<Line<'static>> {
    (0..5)
        .map(|row| {
            let s: Vec<&str> = text
                .chars()
                .map(|c| {
                    GLYPHS
                        .iter()
                        .find(|(g, _)| *g == c)
                        .map(|(_, rows)| rows[row])
                        .unwrap_or("   ")
                })
                .collect();
            Line::from(s.join(" "))
        })
        .collect()
}

/// Width of `text` in big characters, columns.
pub fn width(text: &str) -> u16 {
    let n = text.chars().count() as u16;
    (n * 4).saturating_sub(1)
}
