//! One full frame (walking screen, 8 sensors streaming) into a 160×50 TestBackend.

use criterion::{criterion_group, criterion_main, Criterion};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use steady_dashboard::{draw, sample, App, Screen};

fn frame(c: &mut Criterion) {
    for (screen, name) in [(Screen::Walking, "walking"), (Screen::Balance, "balance")] {
        let mut app = App::new(screen);
        app.set_model(sample::streaming(8));
        let mut term = Terminal::new(TestBackend::new(160, 50)).unwrap();
        c.bench_function(&format!("frame_{name}_8_sensors_160x50"), |b| {
            b.iter(|| {
                term.draw(|f| draw(f, &app)).unwrap();
            })
        });
    }
}

criterion_group!(benches, frame);
criterion_main!(benches);
