//! `steady dashboard`: the terminal dashboard attached to a running daemon.
//!
//! Threads: a *reader* subscribes on the daemon's socket and forwards every `tick` line (and
//! losing / regaining the daemon) to the UI thread over a channel, reconnecting once a second
//! while the daemon is away; a *worker* runs the requests that may take a while (session
//! start/stop, loading the history from the store, the report export). The UI thread only
//! folds ticks into [`Feed`], draws and handles keys, so a slow terminal delays frames, never
//! the daemon (which owns sensors and recordings). Quitting detaches: a recording goes on in
//! the daemon until `s` here, `steady session stop`, or the daemon's shutdown.
//!
//! The guided tests of screen 4 (4-stage, TUG, chair stand) run here, on the live samples of
//! the ticks ([`LiveGuides`]), as does the single-leg stance test ([`LiveSls`]). On the
//! Sensors screen `i` asks the daemon to identify the selected sensor (`sensor_identify`),
//! `p` assigns it the next free placement (`sensor_assign`, which registers a nearby one) and
//! `r` twice unregisters it (`sensor_remove`; refused while it records); the daemon's answer
//! goes to the status line.

use super::common::DataDirArg;
use super::dash_feed::{parse_tick, Feed, LiveGuides, LiveSls, Tick};
use super::history_view;
use anyhow::Context;
use crossterm::event::{self, Event};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;
use steady_dashboard::model::{PatientHistory, SessionSummary};
use steady_dashboard::{Action, App, Screen};

/// Status answer when the daemon lists no address for the selected sensor row.
const NO_ADDRESS: &str = "the daemon lists no address for this sensor";

/// Arguments of `steady dashboard`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub data: DataDirArg,
    /// The daemon's control socket (default: <data-dir>/steady.sock).
    #[arg(long, env = "STEADY_SOCKET")]
    pub socket: Option<PathBuf>,
    /// Patient for sessions started from the dashboard (pseudonym); default: the patient of
    /// the session the daemon is recording.
    #[arg(long, env = "STEADY_PATIENT")]
    pub patient: Option<String>,
    /// Test of sessions started from the dashboard.
    #[arg(long, default_value = "walk")]
    pub test: String,
    /// Where the export action writes reports (default: <data-dir>/exports).
    #[arg(long)]
    pub export_dir: Option<PathBuf>,
}

/// Messages to the UI thread.
enum UiMsg {
    Tick(Box<Tick>),
    /// The subscription ended (daemon stopped or crashed).
    Gone(String),
    /// Subscribed again after [`UiMsg::Gone`].
    Back,
    /// A line for the footer.
    Status(String),
    /// Summary and history loaded from the store (with the session they summarise).
    History(Option<i64>, Box<(SessionSummary, PatientHistory)>),
}

/// Jobs for the worker thread.
enum Job {
    Start {
        patient: String,
        test: String,
    },
    Stop,
    LoadHistory {
        patient: String,
        focus: Option<i64>,
    },
    Export {
        session: i64,
    },
    Assign {
        address: String,
        placement: steady_core::Placement,
    },
    Identify {
        address: String,
    },
    Remove {
        address: String,
    },
}

/// The note of a daemon answer, as ` (note)`.
fn note(v: &Value) -> String {
    v["note"]
        .as_str()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default()
}

/// One request/response on a fresh connection (the daemon answers within ~50 ms, longer for
/// `session_stop`, which analyses the session).
fn request(socket: &Path, req: &Value) -> anyhow::Result<Value> {
    let stream = UnixStream::connect(socket)
        .with_context(|| format!("no daemon running at {}", socket.display()))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    crate::daemon::client::exchange(stream, req)
}

/// Subscribes; returns the reader positioned after the `ok` line.
fn subscribe(socket: &Path) -> anyhow::Result<BufReader<UnixStream>> {
    let mut stream = UnixStream::connect(socket)
        .with_context(|| format!("no daemon running at {}", socket.display()))?;
    writeln!(stream, "{}", json!({"cmd": "subscribe"}))?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let v: Value = serde_json::from_str(&line).context("the daemon sent invalid JSON")?;
    anyhow::ensure!(v["ok"] == true, "the daemon refused the subscription: {v}");
    Ok(reader)
}

fn reader_thread(socket: PathBuf, first: BufReader<UnixStream>, tx: Sender<UiMsg>) {
    let mut reader = Some(first);
    loop {
        if let Some(r) = reader.take() {
            for line in r.lines() {
                let Ok(line) = line else { break };
                match parse_tick(&line) {
                    Ok(Some(t)) => {
                        if tx.send(UiMsg::Tick(Box::new(t))).is_err() {
                            return;
                        }
                    }
                    Ok(None) => {}
                    Err(e) => {
                        let _ = tx.send(UiMsg::Status(format!("bad update from daemon: {e}")));
                    }
                }
            }
            let msg = format!(
                "DAEMON GONE: lost the connection to {} — live data stopped. Its recording is \
                 the daemon's (finished on shutdown, kept up to the last second after a crash). \
                 Reconnecting…",
                socket.display()
            );
            if tx.send(UiMsg::Gone(msg)).is_err() {
                return;
            }
        }
        std::thread::sleep(Duration::from_secs(1));
        if let Ok(r) = subscribe(&socket) {
            if tx.send(UiMsg::Back).is_err() {
                return;
            }
            reader = Some(r);
        }
    }
}

fn worker_thread(
    socket: PathBuf,
    data_dir: PathBuf,
    export_dir: PathBuf,
    jobs: Receiver<Job>,
    tx: Sender<UiMsg>,
) {
    for job in jobs {
        let msg = match job {
            Job::Start { patient, test } => {
                match request(
                    &socket,
                    &json!({"cmd": "session_start", "patient": patient, "test": test}),
                ) {
                    Ok(v) => UiMsg::Status(format!(
                        "recording session {} ({test}, patient {patient}) in the daemon",
                        v["session"]
                    )),
                    Err(e) => UiMsg::Status(format!("cannot start: {e:#}")),
                }
            }
            Job::Stop => match request(&socket, &json!({"cmd": "session_stop"})) {
                Ok(v) => {
                    let id = v["session"].as_i64();
                    let _ = tx.send(UiMsg::Status(format!(
                        "session {} stored: {} samples, {} metrics, {} events",
                        v["session"], v["samples"], v["metrics"], v["events"]
                    )));
                    if let Some(id) = id {
                        load_history(&data_dir, &session_patient(&data_dir, id), Some(id), &tx);
                    }
                    continue;
                }
                Err(e) => UiMsg::Status(format!("cannot stop: {e:#}")),
            },
            Job::LoadHistory { patient, focus } => {
                load_history(&data_dir, &patient, focus, &tx);
                continue;
            }
            Job::Assign { address, placement } => match request(
                &socket,
                &json!({"cmd": "sensor_assign", "address": address, "placement": placement}),
            ) {
                Ok(v) => UiMsg::Status(format!("{address} assigned to {placement}{}", note(&v))),
                Err(e) => UiMsg::Status(format!("cannot assign {address}: {e:#}")),
            },
            Job::Identify { address } => match request(
                &socket,
                &json!({"cmd": "sensor_identify", "address": address}),
            ) {
                Ok(v) => UiMsg::Status(format!("identify {address}{}", note(&v))),
                Err(e) => UiMsg::Status(format!("cannot identify {address}: {e:#}")),
            },
            Job::Remove { address } => match request(
                &socket,
                &json!({"cmd": "sensor_remove", "address": address}),
            ) {
                Ok(v) => UiMsg::Status(format!(
                    "{address} removed from {}{}",
                    v["placement"].as_str().unwrap_or("its placement"),
                    note(&v)
                )),
                Err(e) => UiMsg::Status(format!("cannot remove {address}: {e:#}")),
            },
            Job::Export { session } => {
                match history_view::export_report(&data_dir, session, &export_dir) {
                    Ok(p) => UiMsg::Status(format!("report written to {}", p.display())),
                    Err(e) => UiMsg::Status(format!("export failed: {e:#}")),
                }
            }
        };
        if tx.send(msg).is_err() {
            return;
        }
    }
}

fn session_patient(data_dir: &Path, id: i64) -> String {
    steady_store::Store::open(data_dir)
        .and_then(|s| s.session(id))
        .map(|s| s.patient)
        .unwrap_or_default()
}

fn load_history(data_dir: &Path, patient: &str, focus: Option<i64>, tx: &Sender<UiMsg>) {
    if patient.is_empty() {
        return;
    }
    let msg = match history_view::load(data_dir, patient) {
        Ok(input) => {
            let focus = history_view::focus_session(&input, focus);
            UiMsg::History(focus, Box::new(history_view::build(&input, focus)))
        }
        Err(e) => UiMsg::Status(format!("cannot read the history of {patient}: {e:#}")),
    };
    let _ = tx.send(msg);
}

/// Raw mode and the alternate screen for a terminal UI (`steady dashboard`, `steady demo`);
/// restores the terminal on drop and from a panic hook.
pub(super) struct TerminalGuard;

impl TerminalGuard {
    /// Enters raw mode and the alternate screen; `hint` is added to the error when the
    /// terminal has no raw mode (e.g. "use --headless").
    pub(super) fn enter(hint: &str) -> anyhow::Result<TerminalGuard> {
        enable_raw_mode()
            .with_context(|| format!("the terminal does not support raw mode{hint}"))?;
        let guard = TerminalGuard;
        execute!(std::io::stdout(), EnterAlternateScreen)?;
        let default_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore_terminal();
            default_hook(info);
        }));
        Ok(guard)
    }
}

fn restore_terminal() {
    let _ = disable_raw_mode();
    let _ = execute!(
        std::io::stdout(),
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Runs `steady dashboard`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal;
    let data_dir = args.data.resolve()?;
    let socket = args
        .socket
        .clone()
        .unwrap_or_else(|| data_dir.join(crate::daemon::SOCKET_FILE));
    let first = match subscribe(&socket) {
        Ok(r) => r,
        Err(e) => {
            let no_daemon = UnixStream::connect(&socket).is_err();
            if no_daemon {
                anyhow::bail!(
                    "no daemon running at {} ({}); start one with `steady daemon --simulate`, \
                     or try `steady demo`",
                    socket.display(),
                    e.root_cause()
                );
            }
            return Err(e);
        }
    };
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "`steady dashboard` needs a terminal (use `steady status --json` in scripts)"
        );
    }
    let export_dir = args
        .export_dir
        .clone()
        .unwrap_or_else(|| data_dir.join("exports"));
    let (tx, rx) = mpsc::channel();
    {
        let (socket, tx) = (socket.clone(), tx.clone());
        std::thread::Builder::new()
            .name("steady-subscribe".into())
            .spawn(move || reader_thread(socket, first, tx))?;
    }
    let (jobs, job_rx) = mpsc::channel();
    {
        let (socket, data_dir, tx) = (socket.clone(), data_dir.clone(), tx.clone());
        std::thread::Builder::new()
            .name("steady-requests".into())
            .spawn(move || worker_thread(socket, data_dir, export_dir, job_rx, tx))?;
    }
    if let Some(p) = &args.patient {
        let _ = jobs.send(Job::LoadHistory {
            patient: p.clone(),
            focus: None,
        });
    }
    let recording = {
        let _term = TerminalGuard::enter("")?;
        let mut terminal = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
        terminal.clear()?;
        ui_loop(&mut terminal, &args, &rx, &jobs)?
    };
    match recording {
        Some(id) => eprintln!(
            "steady: dashboard closed; the daemon keeps recording session {id} \
             (stop it with `steady session stop`)"
        ),
        None => eprintln!("steady: dashboard closed; the daemon keeps running"),
    }
    Ok(ExitCode::SUCCESS)
}

/// State of the UI loop besides the [`App`].
struct Ui {
    feed: Feed,
    /// The guided tests, run here on the live samples.
    guides: LiveGuides,
    /// The guided single-leg stance test, run here on the live samples.
    sls: LiveSls,
    alert: Option<String>,
    status: Option<String>,
    summary: SessionSummary,
    history: PatientHistory,
    /// The session the summary shows.
    focus: Option<i64>,
    /// Patient whose history is loaded.
    history_of: Option<String>,
}

impl Ui {
    fn model(&self) -> steady_dashboard::DashboardModel {
        let mut m = self.feed.model();
        if self.feed.ticks() > 0 || self.status.is_some() {
            m.status = self.status.clone();
        }
        m.alert = self.alert.clone();
        if m.status.is_none() {
            m.status = self.feed.notice().map(String::from);
        }
        if let Some(s) = self.feed.session() {
            if m.status.is_none() {
                m.status = Some(format!(
                    "daemon recording session {} ({}): {} samples stored",
                    s.id, s.test, s.committed_samples
                ));
            }
            if let (None, Some(e)) = (&m.alert, &s.last_error) {
                m.alert = Some(format!("RECORDING PROBLEM in the daemon: {e}"));
            }
        }
        m.other = self.guides.view();
        if let Some(b) = self.sls.view() {
            m.balance = b;
        }
        m.summary = self.summary.clone();
        m.history = self.history.clone();
        if m.patient.is_none() {
            m.patient = self.history_of.clone();
        }
        m
    }
}

/// Runs until `q`; returns the session the daemon is still recording, if any.
fn ui_loop(
    terminal: &mut Terminal<CrosstermBackend<std::io::Stdout>>,
    args: &Args,
    rx: &Receiver<UiMsg>,
    jobs: &Sender<Job>,
) -> anyhow::Result<Option<i64>> {
    let mut app = App::new(Screen::Walking);
    let mut ui = Ui {
        feed: Feed::new(),
        guides: LiveGuides::new(steady_analysis::Subject::default()),
        sls: LiveSls::default(),
        alert: None,
        status: None,
        summary: SessionSummary::default(),
        history: PatientHistory::default(),
        focus: None,
        history_of: args.patient.clone(),
    };
    let mut dirty = true;
    loop {
        while let Ok(msg) = rx.try_recv() {
            dirty = true;
            match msg {
                UiMsg::Tick(t) => {
                    ui.feed.apply((*t).clone());
                    let lost: Vec<_> = ui
                        .feed
                        .model()
                        .sensors
                        .iter()
                        .filter(|s| s.state == steady_dashboard::model::SensorState::Lost)
                        .filter_map(|s| s.placement)
                        .collect();
                    ui.guides.apply(&t, &lost);
                    ui.sls.apply(&t);
                    // A session recording for a patient whose history is not loaded yet.
                    if let Some(s) = ui.feed.session() {
                        if ui.history_of.as_deref() != Some(s.patient.as_str()) {
                            ui.history_of = Some(s.patient.clone());
                            let _ = jobs.send(Job::LoadHistory {
                                patient: s.patient.clone(),
                                focus: None,
                            });
                        }
                    }
                }
                UiMsg::Gone(m) => ui.alert = Some(m),
                UiMsg::Back => {
                    ui.alert = None;
                    ui.status = Some("reconnected to the daemon".into());
                }
                UiMsg::Status(s) => ui.status = Some(s),
                UiMsg::History(focus, h) => {
                    ui.focus = focus;
                    (ui.summary, ui.history) = *h;
                }
            }
        }
        if dirty {
            app.set_model(ui.model());
            dirty = false;
        }
        terminal.draw(|f| steady_dashboard::draw(f, &app))?;
        app.frames += 1;
        if !event::poll(Duration::from_millis(50))? {
            continue;
        }
        let Event::Key(k) = event::read()? else {
            continue;
        };
        dirty = true;
        let status = match app.on_key(k) {
            None => None,
            Some(Action::Quit) => return Ok(ui.feed.session().map(|s| s.id)),
            Some(Action::StartStopWalking) => {
                if ui.alert.is_some() {
                    Some("the daemon is not reachable".to_string())
                } else if let Some(s) = ui.feed.session() {
                    let _ = jobs.send(Job::Stop);
                    Some(format!("stopping session {}…", s.id))
                } else {
                    match ui.history_of.clone().or(args.patient.clone()) {
                        Some(patient) => {
                            let _ = jobs.send(Job::Start {
                                patient,
                                test: args.test.clone(),
                            });
                            Some("starting a session…".to_string())
                        }
                        None => Some(
                            "to start a session, run `steady dashboard --patient <pseudonym>`"
                                .to_string(),
                        ),
                    }
                }
            }
            Some(Action::Export) => match ui.focus {
                Some(session) => {
                    let _ = jobs.send(Job::Export { session });
                    Some(format!("exporting session {session}…"))
                }
                None => Some("no stored session to export yet".to_string()),
            },
            Some(Action::BalanceContinue) if app.screen == Screen::OtherTests => {
                ui.guides.advance();
                None
            }
            Some(Action::BalanceStop) if app.screen == Screen::OtherTests => {
                ui.guides.stop();
                None
            }
            Some(Action::NextTest) if app.screen == Screen::OtherTests => {
                (!ui.guides.next()).then(|| "that was the last guided test".to_string())
            }
            Some(Action::NextTest) => {
                app.show(Screen::OtherTests);
                None
            }
            Some(Action::BalanceContinue) => ui.sls.advance(),
            Some(Action::BalanceStop) => {
                ui.sls.stop();
                None
            }
            Some(Action::Identify(id)) => match ui.feed.address(id) {
                Some(a) => {
                    let _ = jobs.send(Job::Identify {
                        address: a.to_string(),
                    });
                    Some(format!("identifying {a}…"))
                }
                None => Some(NO_ADDRESS.to_string()),
            },
            Some(Action::ConfirmRemove(id)) => Some(match ui.feed.address(id) {
                Some(a) => {
                    format!("remove {a}? r again: unregister and disconnect; any other key cancels")
                }
                None => NO_ADDRESS.to_string(),
            }),
            Some(Action::Remove(id)) => match ui.feed.address(id) {
                Some(a) => {
                    let _ = jobs.send(Job::Remove {
                        address: a.to_string(),
                    });
                    Some(format!("removing {a}…"))
                }
                None => Some(NO_ADDRESS.to_string()),
            },
            Some(Action::CyclePlacement(id)) => match ui.feed.next_placement(id) {
                Ok((address, placement)) => {
                    let msg = format!("assigning {address} to {placement}…");
                    let _ = jobs.send(Job::Assign { address, placement });
                    Some(msg)
                }
                Err(e) => Some(format!("cannot assign: {e}")),
            },
        };
        if let Some(s) = status {
            ui.status = Some(s);
        }
    }
}
