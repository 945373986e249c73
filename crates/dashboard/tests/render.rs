//! TestBackend rendering tests (content, not just success) and App key handling.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use steady_core::Side;
use steady_dashboard::model::*;
use steady_dashboard::{draw, sample, Action, App, Screen};

fn render(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| draw(f, app)).unwrap();
    let buf = t.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        for x in 0..w {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn app(screen: Screen, model: DashboardModel) -> App {
    let mut a = App::new(screen);
    a.set_model(model);
    a
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

const SIZES: [(u16, u16); 3] = [(80, 24), (60, 20), (140, 45)];

#[test]
fn sensors_screen_lists_every_sensor_with_state() {
    for (w, h) in SIZES {
        let s = render(&app(Screen::Sensors, sample::streaming(8)), w, h);
        for i in 1..=8 {
            assert!(s.contains(&format!("IMU-{i:02}")), "{w}x{h}\n{s}");
        }
        assert!(s.contains("STREAMING"), "{s}");
        assert!(s.contains("5"), "all tabs visible\n{s}");
        assert!(s.contains("lower back"), "{s}");
        assert!(s.contains("100Hz"), "{s}");
    }
    let wide = render(&app(Screen::Sensors, sample::streaming(3)), 140, 30);
    assert!(wide.contains("-51dBm") && wide.contains("+1.5ms"), "{wide}");
    assert!(
        wide.contains("steady-sim"),
        "vendor on wide terminals\n{wide}"
    );
    let s80 = render(&app(Screen::Sensors, sample::streaming(3)), 80, 24);
    assert!(
        s80.contains("-51dBm") && s80.contains("90%"),
        "RSSI at 80 columns\n{s80}"
    );
}

#[test]
fn lost_sensor_is_shown_on_every_screen_and_recovery_is_visible() {
    let mut m = sample::streaming(3);
    m.sensors[1].state = SensorState::Lost;
    for screen in Screen::ALL {
        for (w, h) in SIZES {
            let s = render(&app(screen, m.clone()), w, h);
            assert!(s.contains("SENSOR LOST"), "{screen:?} {w}x{h}\n{s}");
            assert!(s.contains("IMU-02"), "{screen:?} {w}x{h}\n{s}");
        }
    }
    let mut a = app(Screen::Walking, m.clone());
    m.sensors[1].state = SensorState::Streaming;
    m.now_s += 1.0;
    a.set_model(m.clone());
    let s = render(&a, 80, 24);
    assert!(!s.contains("SENSOR LOST"), "{s}");
    assert!(s.contains("IMU-02 recovered"), "{s}");
    // The notice goes away after a while.
    m.now_s += 10.0;
    a.set_model(m);
    assert!(!render(&a, 80, 24).contains("recovered"));
}

#[test]
fn walking_screen_shows_live_values_timeline_and_gauges() {
    for (w, h) in SIZES {
        let s = render(&app(Screen::Walking, sample::streaming(8)), w, h);
        assert!(s.contains("cadence  109 steps/min"), "{w}x{h}\n{s}");
        assert!(s.contains("speed    1.21 m/s"), "{w}x{h}\n{s}");
        assert!(s.contains("LEFT") && s.contains("RIGHT"), "{s}");
        assert!(s.contains('█') && s.contains('─'), "timeline bars\n{s}");
        assert!(s.contains("RECORDING"), "{s}");
        assert!(s.contains("strides  18"), "{s}");
        // stance asymmetry 7.5 % > 5 % normal limit is flagged in words, not only colour
        assert!(s.contains("7.5%") && s.contains("HIGH"), "{w}x{h}\n{s}");
    }
    let big = render(&app(Screen::Walking, sample::streaming(8)), 140, 45);
    assert!(
        big.matches("gyro ML").count() >= 3,
        "large terminal shows more charts\n{big}"
    );
}

#[test]
fn timeline_row_draws_stance_and_swing_where_they_are() {
    let leg = LegTimeline {
        side: Side::Left,
        bars: vec![
            PhaseBar {
                start_s: 14.0,
                end_s: 17.0,
                stance: true,
            },
            PhaseBar {
                start_s: 17.0,
                end_s: 20.0,
                stance: false,
            },
        ],
        strides: 1,
    };
    let row = steady_dashboard::ui::walking_timeline_row(&leg, 20.0, 12);
    assert_eq!(row, "██████──────");
}

#[test]
fn balance_screen_guides_the_patient() {
    let mut m = sample::streaming(3);
    m.balance.phase = BalancePhase::Lift;
    m.balance.stance = Some(Side::Right);
    for (w, h) in SIZES {
        let s = render(&app(Screen::Balance, m.clone()), w, h);
        assert!(s.contains("LIFT YOUR LEFT FOOT"), "{w}x{h}\n{s}");
        assert!(s.contains("Foot to lift"), "{w}x{h}\n{s}");
        // big "LEFT": L E F T top rows are "█  ", "███", "███", "███"
        assert!(
            s.contains("█   ███ ███ ███") || s.contains("██      ██████"),
            "{w}x{h}\n{s}"
        );
    }
    // on a large terminal the big letters are doubled
    let s = render(&app(Screen::Balance, m.clone()), 140, 45);
    assert!(s.contains("██      ██████  ██████  ██████"), "{s}");
    m.balance.phase = BalancePhase::Holding { elapsed_s: 12.4 };
    let s = render(&app(Screen::Balance, m.clone()), 80, 24);
    assert!(s.contains("HOLD"), "{s}");
    // big timer: "12.4s" drawn in block digits, 5 rows tall
    assert!(
        s.contains("██ ███") || s.contains("██  ███"),
        "big digits\n{s}"
    );
    assert!(s.contains("Sway"), "{s}");
    m.balance.phase = BalancePhase::Ended {
        held_s: 8.2,
        reason: EndReason::FootDown,
    };
    m.balance.results.push(TrialResult {
        stance: Side::Right,
        held_s: 8.2,
        reason: EndReason::FootDown,
        sway_rms_mm: None,
    });
    for (w, h) in SIZES {
        let s = render(&app(Screen::Balance, m.clone()), w, h);
        assert!(s.contains("foot touched down"), "{w}x{h}\n{s}");
        assert!(s.contains("BELOW norm"), "{w}x{h}\n{s}");
    }
    m.balance.results.push(TrialResult {
        stance: Side::Left,
        held_s: 30.0,
        reason: EndReason::TimeLimit,
        sway_rms_mm: None,
    });
    m.balance.phase = BalancePhase::Summary;
    let s = render(&app(Screen::Balance, m), 80, 24);
    assert!(s.contains("LEFT  leg best 30.0 s  at/above norm"), "{s}");
    assert!(s.contains("RIGHT leg best 8.2 s  BELOW norm"), "{s}");
    assert!(s.contains("left-right difference 21.8 s"), "{s}");
    // the big summary line starts with an L glyph: "█  " over 4 rows then "███"
    assert!(s.contains("Best time per leg"), "{s}");
}

#[test]
fn other_tests_screen_guides_the_same_way() {
    let mut m = sample::streaming(3);
    let s = render(&app(Screen::OtherTests, m.clone()), 80, 24);
    assert!(s.contains("No other test running"), "{s}");
    m.other = Some(GuidedTestView {
        test: GuidedTest::FourStage,
        instruction: "Stand with one foot in front of the other".into(),
        elapsed_s: 4.0,
        countdown_s: None,
        stages: vec![
            StageRow {
                name: "feet side by side".into(),
                time_s: Some(10.0),
                passed: Some(true),
            },
            StageRow {
                name: "tandem stance".into(),
                time_s: Some(6.3),
                passed: Some(false),
            },
        ],
        count: None,
        result: None,
    });
    for (w, h) in SIZES {
        let s = render(&app(Screen::OtherTests, m.clone()), w, h);
        assert!(s.contains("4-stage balance test"), "{w}x{h}\n{s}");
        assert!(s.contains("STAND WITH ONE FOOT"), "{s}");
        assert!(s.contains("PASS") && s.contains("FAIL"), "{w}x{h}\n{s}");
        assert!(s.contains("Time in this stage"), "{w}x{h}\n{s}");
    }
}

#[test]
fn summary_screen_shows_findings_trends_goals() {
    for (w, h) in SIZES {
        let s = render(&app(Screen::Summary, sample::streaming(3)), w, h);
        assert!(s.contains("[RISK] slow gait"), "{w}x{h}\n{s}");
        assert!(s.contains("speed 0.85 m/s < 1.0 m/s"), "{w}x{h}\n{s}");
        assert!(s.contains("gait speed, m/s 1.21 ↑"), "{w}x{h}\n{s}");
        // (1.21-0.9)/(1.3-0.9) = 77.5 % (shown rounded, 77 or 78)
        assert!(s.contains("77%") || s.contains("78%"), "{w}x{h}\n{s}");
    }
}

#[test]
fn all_tabs_fit_in_80_columns() {
    let s = render(&app(Screen::Sensors, sample::streaming(1)), 80, 24);
    let top = s.lines().next().unwrap();
    assert!(
        top.contains("1 Sensors") && top.contains("5 Summary"),
        "{top}"
    );
    let s = render(&app(Screen::Sensors, sample::streaming(1)), 60, 20);
    let top = s.lines().next().unwrap();
    assert!(
        top.contains("1") && top.contains("5") && top.contains("Sensors"),
        "{top}"
    );
}

#[test]
fn summary_without_history_says_so() {
    let mut m = sample::streaming(1);
    m.history = PatientHistory::default();
    let s = render(&app(Screen::Summary, m), 80, 24);
    assert!(s.contains("No earlier sessions"), "{s}");
}

#[test]
fn walking_timeline_follows_the_analysis_delay() {
    let mut m = sample::streaming(3);
    // the newest phase ends 4 s before now: the timeline ends there and says so
    for leg in &mut m.legs {
        leg.bars.retain(|b| b.end_s <= 16.0);
    }
    let s = render(&app(Screen::Walking, m), 100, 30);
    assert!(s.contains("analysis delay 4s"), "{s}");
    let row = s.lines().find(|l| l.contains("LEFT ")).unwrap();
    assert!(row.contains('█'), "{s}");
}

#[test]
fn help_overlay_opens_and_closes() {
    let mut a = app(Screen::Walking, sample::streaming(3));
    assert!(!render(&a, 80, 24).contains("switch screen"));
    assert_eq!(a.on_key(key('?')), None);
    assert!(render(&a, 80, 24).contains("switch screen"));
    assert!(render(&a, 60, 20).contains("switch screen"));
    assert_eq!(a.on_key(key('x')), None);
    assert!(!a.help);
}

#[test]
fn keys_switch_screens_and_return_actions() {
    let mut a = app(Screen::Walking, sample::streaming(3));
    assert_eq!(a.on_key(key('s')), Some(Action::StartStopWalking));
    assert_eq!(a.on_key(key('3')), None);
    assert_eq!(a.screen, Screen::Balance);
    assert_eq!(a.on_key(key(' ')), Some(Action::BalanceContinue));
    assert_eq!(a.on_key(key('s')), Some(Action::BalanceStop));
    a.on_key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE));
    assert_eq!(a.screen, Screen::OtherTests);
    a.on_key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
    a.on_key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
    a.on_key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
    assert_eq!(a.screen, Screen::Sensors);
    a.on_key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE));
    a.on_key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE));
    a.on_key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE));
    assert_eq!(a.selected_sensor, 2, "stops at the last row");
    assert_eq!(a.on_key(key('i')), Some(Action::Identify(2)));
    assert_eq!(a.on_key(key('p')), Some(Action::CyclePlacement(2)));
    assert_eq!(a.on_key(key('n')), Some(Action::NextTest));
    assert_eq!(a.on_key(key('e')), Some(Action::Export));
    assert_eq!(
        a.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        Some(Action::Quit)
    );
    assert_eq!(a.on_key(key('q')), Some(Action::Quit));
    // Space on Sensors does nothing
    assert_eq!(a.on_key(key(' ')), None);
}
