//! End to end: `steady demo` in a pseudo-terminal. Waits for the walking screen to show live
//! values, drives the guided balance test with keystrokes, quits, and checks the exit status,
//! the restored terminal and the saved recording.
//!
//! The pseudo-terminal harness (util-linux `script`, skipped with a message when missing, and a
//! tiny screen emulator) is `common/mod.rs`, shared with `dashboard_pty.rs`.

mod common;

use common::{have_script, number_after, Session};
use std::io::Read;
use std::process::{Command, Stdio};

#[test]
fn demo_walks_then_guides_the_balance_test_and_quits_cleanly() {
    if !have_script() {
        eprintln!("skipped: util-linux `script` not found (needed for a pseudo-terminal)");
        return;
    }
    let out = std::env::temp_dir().join(format!("steady-demo-pty-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let mut s = Session::spawn(
        "demo --duration 20s",
        &[("STEADY_DEMO_OUT", out.clone().into_os_string())],
    );

    // Walking screen with live values: the elapsed time advances, the lower-back chart has a value.
    let first = s.wait_for("walking screen recording", 10.0, |t| {
        number_after(t, "RECORDING ").is_some_and(|v| v >= 1.0) && t.contains("lower back")
    });
    let t1 = number_after(&first, "RECORDING ").unwrap();
    let later = s.wait_for("elapsed time to advance", 5.0, |t| {
        number_after(t, "RECORDING ").is_some_and(|v| v >= t1 + 1.0)
    });
    assert!(later.contains("LEFT") && later.contains("RIGHT"), "{later}");
    assert!(later.contains("complete"), "{later}");

    // Balance test: both sides, each stopped by the clinician during the hold.
    s.key("n");
    s.wait_for("balance ready", 5.0, |t| {
        t.contains("STAND STILL ON BOTH FEET")
    });
    for (lift, stand) in [("LEFT", "RIGHT"), ("RIGHT", "LEFT")] {
        s.key(" ");
        s.wait_for("lift instruction", 5.0, |t| {
            t.contains(&format!("LIFT YOUR {lift} FOOT"))
        });
        s.key(" ");
        s.wait_for("hold", 8.0, |t| {
            t.contains(&format!("HOLD — STAY ON YOUR {stand} LEG"))
        });
        s.key("s");
        s.wait_for("stopped", 5.0, |t| t.contains("stopped by clinician"));
        if lift == "LEFT" {
            s.key(" ");
            s.wait_for("rest", 5.0, |t| t.contains("REST"));
        }
    }
    s.key(" ");
    let summary = s.wait_for("left/right summary", 5.0, |t| t.contains("TEST COMPLETE"));
    assert!(summary.contains("LEFT  leg best"), "{summary}");
    assert!(summary.contains("RIGHT leg best"), "{summary}");

    // Other tests: the 4-stage balance test, guided the same way by keystrokes: Space starts
    // the countdown, the hold is timed by steady-balance's protocol, s stops it (support
    // needed) and the screen says why it stopped and what that means.
    s.key("n");
    s.wait_for("4-stage screen", 5.0, |t| {
        t.contains("4-stage balance test")
    });
    s.key(" ");
    s.wait_for("4-stage countdown", 5.0, |t| {
        t.contains("STAND WITH YOUR FEET SIDE BY SIDE") && t.contains("Starting in (seconds)")
    });
    s.wait_for("first stage hold", 10.0, |t| {
        t.contains("HOLD STILL — FEET SIDE BY SIDE") && t.contains("Time in this stage")
    });
    s.key("s");
    let stopped = s.wait_for("4-stage stopped", 5.0, |t| {
        t.contains("STOPPED: stopped by clinician in feet side by side")
    });
    assert!(stopped.contains("[RISK] tandem stance"), "{stopped}");
    assert!(stopped.contains("FAIL"), "{stopped}");
    // Space moves on to the TUG; it starts with a countdown and runs a live timer after GO.
    s.key(" ");
    s.wait_for("TUG screen", 5.0, |t| t.contains("Timed Up and Go"));
    s.key(" ");
    s.wait_for("TUG running", 10.0, |t| t.contains("GO — STAND UP"));
    s.key("s");
    s.wait_for("TUG stopped", 5.0, |t| {
        t.contains("STOPPED: stopped by clinician")
    });
    s.key("n");
    s.wait_for("chair stand screen", 5.0, |t| {
        t.contains("30-second chair stand")
    });
    // Session summary with the fall-risk findings of the balance trials and the 4-stage test.
    s.key("n");
    let sum = s.wait_for("session summary", 5.0, |t| t.contains("Session summary"));
    assert!(sum.contains("[RISK] single-leg stance"), "{sum}");
    assert!(sum.contains("tandem stance"), "{sum}");

    s.key("?");
    s.wait_for("help overlay", 5.0, |t| t.contains("switch screen"));
    s.key("x");
    s.key("q");
    let status = s.wait_exit(10.0);
    let mut err = String::new();
    if let Some(mut e) = s.child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    assert!(status.success(), "exit {status:?}, stderr: {err}");
    let raw = s.raw_text();
    assert!(
        raw.contains("\x1b[?1049l"),
        "alternate screen left (terminal restored)"
    );
    assert!(
        raw.contains("recording saved to"),
        "tail: {}",
        &raw[raw.len().saturating_sub(300)..]
    );
    for f in [
        "meta.json",
        "imu_lower_back.csv",
        "imu_left_shank.csv",
        "imu_right_shank.csv",
    ] {
        let p = out.join(f);
        let len = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
        assert!(len > 0, "{} missing or empty", p.display());
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn demo_without_a_terminal_says_so() {
    let out = Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(["demo", "--duration", "10s"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("needs a terminal") && err.contains("--headless"),
        "{err}"
    );
}

#[test]
fn dashboard_without_daemon_says_so() {
    let sock = std::env::temp_dir().join(format!("steady-no-daemon-{}.sock", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(["dashboard", "--socket"])
        .arg(&sock)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("no daemon running at {}", sock.display())),
        "{err}"
    );
}
