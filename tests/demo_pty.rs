//! End to end: `steady demo` in a pseudo-terminal. Waits for the walking screen to show live
//! values, drives the guided balance test with keystrokes, quits, and checks the exit status,
//! the restored terminal and the saved recording.
//!
//! The pseudo-terminal comes from util-linux `script` (present on Linux CI images); the test is
//! skipped with a message when it is missing. The output is fed through a tiny screen emulator
//! (cursor moves + text; enough for ratatui's crossterm backend) so assertions see the screen.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ROWS: usize = 30;
const COLS: usize = 100;

/// A minimal terminal screen: CSI row;col H moves, CSI 2J clears, other escapes are ignored.
struct Screen {
    cells: Vec<Vec<char>>,
    row: usize,
    col: usize,
}

impl Screen {
    fn new() -> Screen {
        Screen {
            cells: vec![vec![' '; COLS]; ROWS],
            row: 0,
            col: 0,
        }
    }

    fn feed(&mut self, text: &str) {
        let mut it = text.chars().peekable();
        while let Some(c) = it.next() {
            match c {
                '\x1b' => match it.peek() {
                    Some('[') => {
                        it.next();
                        let mut params = String::new();
                        let mut fin = ' ';
                        for d in it.by_ref() {
                            if ('\x40'..='\x7e').contains(&d) {
                                fin = d;
                                break;
                            }
                            params.push(d);
                        }
                        let nums: Vec<usize> =
                            params.split(';').map(|p| p.parse().unwrap_or(1)).collect();
                        match fin {
                            'H' | 'f' => {
                                self.row = nums.first().copied().unwrap_or(1).max(1) - 1;
                                self.col = nums.get(1).copied().unwrap_or(1).max(1) - 1;
                            }
                            'J' if params == "2" => {
                                self.cells = vec![vec![' '; COLS]; ROWS];
                            }
                            _ => {}
                        }
                    }
                    Some(_) => {
                        it.next();
                    }
                    None => {}
                },
                '\r' => self.col = 0,
                '\n' => self.row += 1,
                c if c >= ' ' => {
                    if self.row < ROWS && self.col < COLS {
                        self.cells[self.row][self.col] = c;
                    }
                    self.col += 1;
                }
                _ => {}
            }
        }
    }

    fn text(&self) -> String {
        self.cells
            .iter()
            .map(|r| r.iter().collect::<String>() + "\n")
            .collect()
    }
}

struct Session {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    raw: Arc<Mutex<Vec<u8>>>,
}

impl Session {
    fn screen(&self) -> String {
        let raw = self.raw.lock().unwrap();
        let mut s = Screen::new();
        s.feed(&String::from_utf8_lossy(&raw));
        s.text()
    }

    /// Waits until `pred` holds for the screen (panics with the screen after `timeout_s`).
    fn wait_for(&self, what: &str, timeout_s: f64, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if start.elapsed().as_secs_f64() > timeout_s {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn key(&mut self, k: &str) {
        self.stdin.write_all(k.as_bytes()).unwrap();
        self.stdin.flush().unwrap();
        std::thread::sleep(Duration::from_millis(120));
    }
}

fn have_script() -> bool {
    Command::new("script")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A number after `prefix` on the screen, if any.
fn number_after(screen: &str, prefix: &str) -> Option<f64> {
    let i = screen.find(prefix)? + prefix.len();
    let digits: String = screen[i..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    digits.parse().ok()
}

#[test]
fn demo_walks_then_guides_the_balance_test_and_quits_cleanly() {
    if !have_script() {
        eprintln!("skipped: util-linux `script` not found (needed for a pseudo-terminal)");
        return;
    }
    let out = std::env::temp_dir().join(format!("steady-demo-pty-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let bin = env!("CARGO_BIN_EXE_steady");
    let cmd = format!("stty rows {ROWS} cols {COLS}; exec '{bin}' demo --duration 20s");
    let mut child = Command::new("script")
        .args(["-qfec", &cmd, "/dev/null"])
        .env("STEADY_DEMO_OUT", &out)
        .env("TERM", "xterm-256color")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn script");
    let stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let raw = Arc::new(Mutex::new(Vec::new()));
    let raw2 = raw.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            raw2.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    let mut s = Session { child, stdin, raw };

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
    let start = Instant::now();
    let status = loop {
        if let Some(st) = s.child.try_wait().unwrap() {
            break st;
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = s.child.kill();
            panic!("steady did not exit after q; screen:\n{}", s.screen());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    if let Some(mut e) = s.child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    assert!(status.success(), "exit {status:?}, stderr: {err}");
    std::thread::sleep(Duration::from_millis(200));
    let raw = String::from_utf8_lossy(&s.raw.lock().unwrap()).to_string();
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
