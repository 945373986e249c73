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
    // The trace's RMS per axis in the title: ML √((9+9)/4) = 2.1, AP √((16+16)/4) = 2.8 mm.
    let mut with_trace = m.clone();
    with_trace.balance.sway_mm = vec![(3.0, 0.0), (-3.0, 0.0), (0.0, 4.0), (0.0, -4.0)];
    for (w, h) in [(80, 24), (140, 45)] {
        let s = render(&app(Screen::Balance, with_trace.clone()), w, h);
        assert!(s.contains("RMS ML 2.1 AP 2.8"), "{w}x{h}\n{s}");
    }
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
        limit_s: Some(10.0),
        ended: None,
        verdict: None,
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

#[test]
fn remove_asks_first_and_any_other_key_cancels() {
    let mut a = app(Screen::Sensors, sample::streaming(3));
    a.on_key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE));
    // First `r`: only a request to confirm; the second removes the same sensor.
    assert_eq!(a.on_key(key('r')), Some(Action::ConfirmRemove(1)));
    assert_eq!(a.on_key(key('r')), Some(Action::Remove(1)));
    // After a removal the next `r` asks again.
    assert_eq!(a.on_key(key('r')), Some(Action::ConfirmRemove(1)));
    // Another key in between cancels: moving the selection, or any other key.
    a.on_key(KeyEvent::new(KeyCode::Up, KeyModifiers::NONE));
    assert_eq!(
        a.on_key(KeyEvent::new(KeyCode::Delete, KeyModifiers::NONE)),
        Some(Action::ConfirmRemove(0)),
        "a new selection is asked about afresh"
    );
    assert_eq!(a.on_key(key('i')), Some(Action::Identify(0)));
    assert_eq!(a.on_key(key('r')), Some(Action::ConfirmRemove(0)));
    assert_eq!(
        a.on_key(KeyEvent::new(KeyCode::Delete, KeyModifiers::NONE)),
        Some(Action::Remove(0))
    );
    // Not on other screens.
    a.on_key(key('2'));
    assert_eq!(a.on_key(key('r')), None);
    assert_eq!(a.on_key(key('r')), None);
    // The key is in the footer and in the help; a long answer in the status line is shown
    // whole on its own line (not cut off by the keys) on an 80-column terminal.
    a.on_key(key('1'));
    assert!(render(&a, 140, 45).contains("r remove"));
    let mut m = a.model.clone();
    let long = "remove C5:7E:AD:00:20:01? press r again to confirm, any other key cancels";
    m.status = Some(long.into());
    a.set_model(m);
    let s = render(&a, 80, 24);
    assert!(s.contains(long), "{s}");
    assert!(s.contains("r remove"), "{s}");
    a.on_key(key('?'));
    assert!(render(&a, 80, 24).contains("remove (unregister)"));
}

/// A summary and history as the store gives them: several sessions, MDC verdicts, goals.
fn clinic_model() -> DashboardModel {
    let mut m = sample::streaming(3);
    m.summary = SessionSummary {
        title: Some("session 12 · walk · finished · patient P-007".into()),
        metrics: vec![
            MetricRow {
                name: "Gait speed, m/s".into(),
                value: "0.92".into(),
            },
            MetricRow {
                name: "Single-leg stance time, s".into(),
                value: "L 4.10 / R 11.30".into(),
            },
        ],
        findings: vec![
            Finding {
                level: RiskLevel::High,
                title: "Single-leg stance (left)".into(),
                reason: "left leg held 4.1 s < 5 s (Vellas et al. 1997)".into(),
            },
            Finding {
                level: RiskLevel::Normal,
                title: "Single-leg stance (right)".into(),
                reason: "right leg held 11.3 s ≥ 5 s".into(),
            },
        ],
        recording: Some("stored in the session store as session 12".into()),
    };
    m.history = PatientHistory {
        trends: vec![
            Trend {
                name: "Gait speed, m/s".into(),
                values: vec![0.62, 0.70, 0.81, 0.92],
                mdc: Some(0.19),
                verdict: Some("IMPROVED".into()),
            },
            Trend {
                name: "Timed Up and Go, s".into(),
                values: vec![14.0, 13.1],
                mdc: Some(2.08),
                verdict: Some("within MDC (may be noise)".into()),
            },
        ],
        goals: vec![
            GoalProgress {
                text: "Gait speed >= 1 m/s".into(),
                baseline: 0.62,
                target: 1.0,
                current: 0.92,
                met: Some(false),
            },
            GoalProgress {
                text: "Single-leg stance time >= 10 s (right)".into(),
                baseline: 6.0,
                target: 10.0,
                current: 11.3,
                met: Some(true),
            },
        ],
    };
    m
}

#[test]
fn summary_shows_store_history_with_mdc_verdicts_and_goal_progress() {
    for (w, h) in [(80, 24), (100, 30), (160, 50)] {
        let s = render(&app(Screen::Summary, clinic_model()), w, h);
        assert!(s.contains("session 12 · walk"), "{w}x{h}\n{s}");
        assert!(
            s.contains("[RISK] Single-leg stance (left)"),
            "{w}x{h}\n{s}"
        );
        assert!(s.contains("[OK] Single-leg stance (right)"), "{w}x{h}\n{s}");
        assert!(s.contains("Care-plan goals"), "{w}x{h}\n{s}");
        // (0.92 − 0.62) / (1.0 − 0.62) = 79 %; the right-leg goal is met (clamped to 100 %).
        assert!(s.contains("79% Gait speed >= 1 m/s"), "{w}x{h}\n{s}");
        assert!(s.contains("100% Single-leg stance"), "{w}x{h}\n{s}");
        assert!(
            s.contains("Gait speed, m/s 0.92 ↑ (4 sessions) Δ+0.30"),
            "{w}x{h}\n{s}"
        );
    }
    // Wide enough for the verdicts, the second trend and the goal state.
    let s = render(&app(Screen::Summary, clinic_model()), 160, 50);
    assert!(s.contains("MDC 0.19 IMPROVED"), "{s}");
    assert!(s.contains("Timed Up and Go, s 13.10 ↓"), "{s}");
    assert!(s.contains("within MDC"), "{s}");
    assert!(s.contains("— MET") && s.contains("— not yet"), "{s}");
    assert!(s.contains("left leg held 4.1 s < 5 s"), "{s}");
    // Sparkline cells of the trend chart.
    assert!(s.contains('█'), "{s}");
}

#[test]
fn summary_with_a_lost_sensor_keeps_the_alert_on_top() {
    let mut m = clinic_model();
    m.sensors[1].state = SensorState::Lost;
    for (w, h) in [(80, 24), (160, 50)] {
        let s = render(&app(Screen::Summary, m.clone()), w, h);
        let alert_row = s.lines().nth(1).unwrap();
        assert!(
            alert_row.contains("SENSOR LOST") && alert_row.contains("IMU-02"),
            "{w}x{h}\n{s}"
        );
        assert!(s.contains("Session summary"), "{w}x{h}\n{s}");
    }
}

#[test]
fn daemon_alert_is_shown_on_every_screen() {
    let mut m = sample::streaming(3);
    m.alert = Some("DAEMON GONE: lost the connection".into());
    for screen in Screen::ALL {
        let s = render(&app(screen, m.clone()), 80, 24);
        assert!(
            s.lines().nth(1).unwrap().contains("DAEMON GONE"),
            "{screen:?}\n{s}"
        );
    }
}

#[test]
fn help_overlay_opens_on_every_screen_and_any_key_closes_it() {
    for screen in Screen::ALL {
        for (w, h) in [(80, 24), (160, 50)] {
            let mut a = app(screen, sample::streaming(3));
            assert_eq!(a.on_key(key('?')), None);
            let s = render(&a, w, h);
            assert!(s.contains("Keys"), "{screen:?} {w}x{h}\n{s}");
            assert!(s.contains("switch screen"), "{screen:?} {w}x{h}\n{s}");
            assert!(s.contains("quit"), "{screen:?} {w}x{h}\n{s}");
            assert_eq!(a.on_key(key('x')), None, "a key closes help, no action");
            assert!(!render(&a, w, h).contains("switch screen"));
            assert_eq!(a.screen, screen);
        }
    }
}

#[test]
fn recovery_from_a_stall_is_visible_too() {
    let mut m = sample::streaming(3);
    m.sensors[2].state = SensorState::Stalled;
    let mut a = app(Screen::Walking, m.clone());
    assert!(render(&a, 80, 24).contains("SENSOR PROBLEM"));
    m.sensors[2].state = SensorState::Streaming;
    m.now_s += 1.0;
    a.set_model(m);
    let s = render(&a, 80, 24);
    assert!(s.contains("IMU-03 recovered"), "{s}");
}

#[test]
fn guided_test_skeletons_render_ready_views() {
    for test in GuidedTest::ALL {
        let mut m = sample::streaming(3);
        m.other = Some(GuidedTestView::ready(test));
        for (w, h) in [(80, 24), (160, 50)] {
            let s = render(&app(Screen::OtherTests, m.clone()), w, h);
            assert!(s.contains(test.name()), "{test:?} {w}x{h}\n{s}");
            assert!(s.contains("press Space to start"), "{test:?} {w}x{h}\n{s}");
            for stage in test.stage_names() {
                assert!(s.contains(stage), "{test:?} {stage} {w}x{h}\n{s}");
            }
        }
    }
    let tug = GuidedTestView::ready(GuidedTest::Tug);
    assert_eq!(tug.stages.len(), 5);
    assert!(tug.stages.iter().all(|s| s.passed.is_none()));
    let chair = GuidedTestView::ready(GuidedTest::ChairStand);
    assert_eq!(chair.count, Some(0));
    let s = render(
        &app(
            Screen::OtherTests,
            DashboardModel {
                other: Some(GuidedTestView {
                    count: Some(7),
                    elapsed_s: 18.0,
                    limit_s: Some(30.0),
                    ..chair
                }),
                ..sample::streaming(3)
            },
        ),
        160,
        50,
    );
    assert!(s.contains("Stands counted · 12 s left"), "{s}");
    assert!(s.contains("30-second chair stand"), "{s}");
}

/// A guided-test view in one of its states, as the binary's guides produce them.
fn guided(test: GuidedTest) -> GuidedTestView {
    GuidedTestView::ready(test)
}

/// The rows of the big digits of `text` as they appear on a `h`-row screen (doubled from 30
/// rows of body on).
fn big_rows(text: &str, h: u16) -> Vec<String> {
    let scale = if h >= 32 { 2 } else { 1 };
    steady_dashboard::ui::big::lines_scaled(text, scale)
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect()
}

#[test]
fn four_stage_screen_counts_down_times_the_hold_and_says_why_it_stopped() {
    let mut m = sample::streaming(3);
    let mut v = guided(GuidedTest::FourStage);
    v.limit_s = Some(10.0);
    v.instruction = "Place one foot in front of the other, heel touching toe".into();
    v.countdown_s = Some(2.2);
    v.result = Some("stage 3 of 4: get into position, then hold still".into());
    m.other = Some(v.clone());
    for (w, h) in SIZES {
        let s = render(&app(Screen::OtherTests, m.clone()), w, h);
        assert!(s.contains("PLACE ONE FOOT IN FRONT"), "{w}x{h}\n{s}");
        assert!(s.contains("Starting in (seconds)"), "{w}x{h}\n{s}");
        // countdown 2.2 s shows a big 3
        assert!(s.contains(&big_rows("3", h)[1]), "{w}x{h}\n{s}");
    }
    v.countdown_s = None;
    v.elapsed_s = 6.3;
    v.stages[0].time_s = Some(10.0);
    v.stages[0].passed = Some(true);
    v.stages[1].time_s = Some(10.0);
    v.stages[1].passed = Some(true);
    v.stages[2].time_s = Some(6.3);
    v.stages[2].passed = Some(false);
    v.instruction = "Test over — stand normally".into();
    v.result = Some("highest stage held: 2 of 4 · Space: next test".into());
    v.ended = Some("foot moved (step) in tandem stance after 6.3 s".into());
    v.verdict = Some(Verdict {
        level: RiskLevel::High,
        text: "tandem stance 6.3 s < 10 s: increased fall risk (CDC STEADI 4-stage balance test)"
            .into(),
    });
    m.other = Some(v);
    for (w, h) in SIZES {
        let s = render(&app(Screen::OtherTests, m.clone()), w, h);
        assert!(s.contains("TEST OVER"), "{w}x{h}\n{s}");
        assert!(
            s.contains("Time in this stage (seconds of 10)"),
            "{w}x{h}\n{s}"
        );
        let rows = big_rows("6.3", h);
        assert!(
            s.contains(&rows[0]) && s.contains(rows.last().unwrap()),
            "{w}x{h}\n{s}"
        );
        assert!(
            s.contains("STOPPED: foot moved (step) in tandem"),
            "{w}x{h}\n{s}"
        );
        // the verdict in words, not only red
        assert!(
            s.contains("[RISK] tandem stance 6.3 s < 10 s"),
            "{w}x{h}\n{s}"
        );
        if h >= 24 {
            // every stage row fits from 80×24 on (a shorter screen keeps the reason)
            assert_eq!(s.matches("PASS").count(), 2, "{w}x{h}\n{s}");
            assert!(s.contains("FAIL"), "{w}x{h}\n{s}");
        }
    }
}

#[test]
fn tug_screen_shows_the_live_timer_then_phases_and_the_cut_off() {
    let mut m = sample::streaming(3);
    let mut v = guided(GuidedTest::Tug);
    v.instruction = "GO — stand up, walk to the line, turn, come back, sit down".into();
    v.elapsed_s = 4.7;
    m.other = Some(v.clone());
    for (w, h) in SIZES {
        let s = render(&app(Screen::OtherTests, m.clone()), w, h);
        assert!(s.contains("GO — STAND UP"), "{w}x{h}\n{s}");
        assert!(s.contains("Time (seconds)"), "{w}x{h}\n{s}");
        assert!(s.contains(&big_rows("4.7", h)[0]), "{w}x{h}\n{s}");
        assert!(s.contains("Phases"), "{w}x{h}\n{s}");
    }
    for (row, t) in v.stages.iter_mut().zip([1.2, 3.1, 1.6, 3.0, 4.1]) {
        row.time_s = Some(t);
    }
    v.elapsed_s = 13.0;
    v.ended = Some("seated again — test over".into());
    v.verdict = Some(Verdict {
        level: RiskLevel::High,
        text: "TUG 13.0 s ≥ 12 s (CDC STEADI)".into(),
    });
    m.other = Some(v);
    let s = render(&app(Screen::OtherTests, m), 80, 24);
    assert!(s.contains("walk back                   3.0 s  DONE"), "{s}");
    assert!(s.contains("STOPPED: seated again"), "{s}");
    assert!(s.contains("[RISK] TUG 13.0 s ≥ 12 s (CDC STEADI)"), "{s}");
}

#[test]
fn chair_stand_screen_shows_a_big_count_and_the_time_left() {
    let mut m = sample::streaming(3);
    let mut v = guided(GuidedTest::ChairStand);
    v.instruction = "GO — stand up fully, sit down, again and again".into();
    v.limit_s = Some(30.0);
    v.elapsed_s = 21.4;
    v.count = Some(8);
    m.other = Some(v.clone());
    for (w, h) in SIZES {
        let s = render(&app(Screen::OtherTests, m.clone()), w, h);
        assert!(s.contains("Stands counted · 9 s left"), "{w}x{h}\n{s}");
        assert!(s.contains(&big_rows("8", h)[1]), "{w}x{h}\n{s}");
    }
    v.count = Some(11);
    v.ended = Some("time is up (30 s)".into());
    v.verdict = Some(Verdict {
        level: RiskLevel::Normal,
        text: "11 stands in 30 s ≥ 10: not below average (CDC STEADI 30 s chair stand)".into(),
    });
    m.other = Some(v);
    let s = render(&app(Screen::OtherTests, m), 80, 24);
    assert!(s.contains("[OK] 11 stands in 30 s ≥ 10"), "{s}");
    assert!(s.contains("STOPPED: time is up"), "{s}");
}

#[test]
fn a_guided_test_stopped_by_a_lost_sensor_says_so_under_the_alert_at_80x24() {
    let mut m = sample::streaming(3);
    m.sensors[0].state = SensorState::Lost;
    let mut v = guided(GuidedTest::ChairStand);
    v.instruction = "Test over — rest".into();
    v.count = Some(4);
    v.elapsed_s = 12.0;
    v.ended = Some("lower back sensor lost after 12 s — repeat the test".into());
    m.other = Some(v);
    let s = render(&app(Screen::OtherTests, m), 80, 24);
    assert!(s.contains("SENSOR LOST"), "{s}");
    assert!(s.contains("IMU-01"), "{s}");
    assert!(
        s.contains("STOPPED: lower back sensor lost after 12 s"),
        "{s}"
    );
    assert!(s.contains("TEST OVER"), "{s}");
}

#[test]
fn leg_timeline_from_events_draws_stance_from_contact_and_swing_from_toe_off() {
    use steady_analysis::gait::types::{EventKind, GaitEvent};
    let ev = |kind, side, t_s| GaitEvent {
        kind,
        side: Some(side),
        t_s,
    };
    let events = [
        ev(EventKind::InitialContact, Side::Left, 1.0),
        ev(EventKind::InitialContact, Side::Right, 1.5),
        ev(EventKind::FinalContact, Side::Left, 1.6),
        ev(EventKind::InitialContact, Side::Left, 2.0),
    ];
    let l = LegTimeline::from_events(Side::Left, &events, 1);
    assert_eq!(
        l.bars,
        vec![
            PhaseBar {
                start_s: 1.0,
                end_s: 1.6,
                stance: true
            },
            PhaseBar {
                start_s: 1.6,
                end_s: 2.0,
                stance: false
            },
        ]
    );
    assert_eq!(l.strides, 1);
    // one event of the right leg: no bar yet
    assert!(LegTimeline::from_events(Side::Right, &events, 0)
        .bars
        .is_empty());
}
