//! The pseudo-terminal harness shared by the end-to-end tests of the terminal UI
//! (`demo_pty.rs`, `dashboard_pty.rs`): `steady` runs under util-linux `script` (the tests skip
//! with a message when it is missing), and a tiny screen emulator (cursor moves + text; enough
//! for ratatui's crossterm backend) turns the output into a screen the assertions read.

// Each test binary uses its own part of the harness.
#![allow(dead_code)]

use std::ffi::OsString;
use std::io::{Read, Write};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Terminal rows.
pub const ROWS: usize = 30;
/// Terminal columns.
pub const COLS: usize = 100;

/// A minimal terminal screen: CSI row;col H moves, CSI 2J clears, other escapes are ignored.
pub struct Screen {
    cells: Vec<Vec<char>>,
    row: usize,
    col: usize,
}

impl Default for Screen {
    fn default() -> Screen {
        Screen::new()
    }
}

impl Screen {
    /// A blank screen.
    pub fn new() -> Screen {
        Screen {
            cells: vec![vec![' '; COLS]; ROWS],
            row: 0,
            col: 0,
        }
    }

    /// Applies terminal output.
    pub fn feed(&mut self, text: &str) {
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

    /// The cells as text, one line per row.
    pub fn text(&self) -> String {
        self.cells
            .iter()
            .map(|r| r.iter().collect::<String>() + "\n")
            .collect()
    }
}

/// `steady` running in a pseudo-terminal of [`ROWS`] × [`COLS`].
pub struct Session {
    /// The `script` process (steady runs inside it).
    pub child: std::process::Child,
    stdin: std::process::ChildStdin,
    /// Everything written to the terminal so far.
    pub raw: Arc<Mutex<Vec<u8>>>,
}

impl Session {
    /// Runs `steady <args>` in a pseudo-terminal with `envs` set (and `TERM`).
    pub fn spawn(args: &str, envs: &[(&str, OsString)]) -> Session {
        let bin = env!("CARGO_BIN_EXE_steady");
        let cmd = format!("stty rows {ROWS} cols {COLS}; exec '{bin}' {args}");
        let mut c = Command::new("script");
        c.args(["-qfec", &cmd, "/dev/null"])
            .env("TERM", "xterm-256color")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in envs {
            c.env(k, v);
        }
        let mut child = c.spawn().expect("spawn script");
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
        Session { child, stdin, raw }
    }

    /// Everything written to the terminal so far, as text.
    pub fn raw_text(&self) -> String {
        String::from_utf8_lossy(&self.raw.lock().unwrap()).to_string()
    }

    /// Waits up to `timeout_s` for steady to exit (killing it and panicking with the screen
    /// otherwise); returns the exit status once the output has drained.
    pub fn wait_exit(&mut self, timeout_s: f64) -> ExitStatus {
        let start = Instant::now();
        let status = loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                break st;
            }
            if start.elapsed().as_secs_f64() > timeout_s {
                let _ = self.child.kill();
                panic!("steady did not exit; screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        std::thread::sleep(Duration::from_millis(200));
        status
    }

    /// The screen as text, one line per row.
    pub fn screen(&self) -> String {
        let raw = self.raw.lock().unwrap();
        let mut s = Screen::new();
        s.feed(&String::from_utf8_lossy(&raw));
        s.text()
    }

    /// Waits until `pred` holds for the screen (panics with the screen after `timeout_s`).
    pub fn wait_for(&self, what: &str, timeout_s: f64, pred: impl Fn(&str) -> bool) -> String {
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

    /// Types `k` (and gives the UI a moment).
    pub fn key(&mut self, k: &str) {
        self.stdin.write_all(k.as_bytes()).unwrap();
        self.stdin.flush().unwrap();
        std::thread::sleep(Duration::from_millis(120));
    }
}

/// Whether util-linux `script` is available (for a pseudo-terminal).
pub fn have_script() -> bool {
    Command::new("script")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A number after `prefix` on the screen, if any.
pub fn number_after(screen: &str, prefix: &str) -> Option<f64> {
    let i = screen.find(prefix)? + prefix.len();
    let digits: String = screen[i..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    digits.parse().ok()
}
