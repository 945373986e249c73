//! One full frame with 8 sensors streaming into a TestBackend: every live screen at 160×50,
//! the walking screen also at 80×24.

use criterion::{criterion_group, criterion_main, Criterion};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use steady_dashboard::{draw, sample, App, Screen};

fn frame(c: &mut Criterion) {
    for (screen, name, w, h) in [
        (Screen::Walking, "walking", 160, 50),
        (Screen::Walking, "walking", 80, 24),
        (Screen::Balance, "balance", 160, 50),
        (Screen::Sensors, "sensors", 160, 50),
        (Screen::Summary, "summary", 160, 50),
    ] {
        let mut app = App::new(screen);
        app.set_model(sample::streaming(8));
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        c.bench_function(&format!("frame_{name}_8_sensors_{w}x{h}"), |b| {
            b.iter(|| {
                term.draw(|f| draw(f, &app)).unwrap();
            })
        });
    }
}

criterion_group!(benches, frame);
criterion_main!(benches);
