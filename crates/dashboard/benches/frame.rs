//! One full frame with 8 sensors streaming into a TestBackend: every live screen at 160×50,
//! the walking and the other-tests screens also at 80×24.

use criterion::{criterion_group, criterion_main, Criterion};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use steady_dashboard::model::{GuidedTest, GuidedTestView};
use steady_dashboard::{draw, sample, App, Screen};

fn frame(c: &mut Criterion) {
    for (screen, name, w, h) in [
        (Screen::Walking, "walking", 160, 50),
        (Screen::Walking, "walking", 80, 24),
        (Screen::Balance, "balance", 160, 50),
        (Screen::Sensors, "sensors", 160, 50),
        (Screen::Summary, "summary", 160, 50),
        (Screen::OtherTests, "other", 160, 50),
        (Screen::OtherTests, "other", 80, 24),
    ] {
        let mut app = App::new(screen);
        let mut model = sample::streaming(8);
        model.other = Some(GuidedTestView {
            elapsed_s: 6.3,
            ..GuidedTestView::ready(GuidedTest::Tug)
        });
        app.set_model(model);
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
