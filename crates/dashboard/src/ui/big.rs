//! Large digits (5 rows tall) for timers readable from two metres.

use ratatui::text::Line;

const GLYPHS: [(char, [&str; 5]); 21] = [
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
    ('E', ["███", "█  ", "██ ", "█  ", "███"]),
    ('F', ["███", "█  ", "██ ", "█  ", "█  "]),
    ('T', ["███", " █ ", " █ ", " █ ", " █ "]),
    ('I', ["███", " █ ", " █ ", " █ ", "███"]),
    ('G', ["███", "█  ", "█ █", "█ █", "███"]),
    ('H', ["█ █", "█ █", "███", "█ █", "█ █"]),
];

/// Height of big text, rows.
pub const HEIGHT: u16 = 5;

/// Renders `text` (digits, '.', 's', ' ', and the letters of LEFT and RIGHT) as five lines of block characters.
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

/// Renders `text` `scale` times larger (each cell becomes scale × scale).
pub fn lines_scaled(text: &str, scale: u16) -> Vec<Line<'static>> {
    let scale = scale.max(1) as usize;
    let mut out = Vec::new();
    for line in lines(text) {
        let s: String = line
            .spans
            .iter()
            .flat_map(|sp| sp.content.chars())
            .flat_map(|c| std::iter::repeat_n(c, scale))
            .collect();
        for _ in 0..scale {
            out.push(Line::from(s.clone()));
        }
    }
    out
}

/// Width of `text` in big characters, columns.
pub fn width(text: &str) -> u16 {
    let n = text.chars().count() as u16;
    (n * 4).saturating_sub(1)
}
