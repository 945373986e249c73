//! `steady daemon`: the long-running service that owns the sensors, records sessions into
//! the store and serves clients over an owner-only Unix socket (`<data-dir>/steady.sock`;
//! protocol in `PROTOCOL.md` beside this file).
//!
//! - [`protocol`]: request/response types (pure).
//! - [`client`]: what `steady session`, `steady status` use to talk to the daemon.
//! - this module: single-instance lock, socket, signal handling and the engine loop.
//!
//! Threads: one accept thread, one thread per connection, and the engine on the calling
//! thread. Connections hand requests to the engine over a channel; the engine owns the
//! sensor source, the live pipeline and the store (a [`RecordingWriter`] while recording),
//! so no lock is shared. SIGINT/SIGTERM set a flag the engine polls every ≤ 50 ms: it
//! finishes the recording, removes the socket and returns.

pub mod client;
pub mod protocol;

use anyhow::Context;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use steady_analysis::{SensorInput, Subject};
use steady_core::{Gap, ImuSample, Micros, Placement};
use steady_recording::TestKind;
use steady_sim::transport::{NotificationStream, TransportConfig};
use steady_sim::{SensorConfig, Simulator, SteadyFrameEncoder};
use steady_store::{EventRecord, RecordingWriter, SessionSensor, SessionSpec, Store};

use crate::cli::demo::{demo_scenario, DEMO_PLACEMENTS};
use crate::live::LivePipeline;
use protocol::Request;

/// Socket file name inside the data directory.
pub const SOCKET_FILE: &str = "steady.sock";
/// Lock file name inside the data directory.
pub const LOCK_FILE: &str = "daemon.lock";
/// Length of one simulated lap (the demo scenario, repeated with a new seed).
const LAP_S: f64 = 60.0;

/// Options of the daemon.
#[derive(Debug, Clone)]
pub struct Options {
    /// Data directory.
    pub data_dir: PathBuf,
    /// Use simulated sensors.
    pub simulate: bool,
    /// Simulation speed (1 = real time).
    pub speed: f64,
    /// Simulation seed.
    pub seed: u64,
}

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_sig: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

fn install_signal_handlers() {
    let handler = on_signal as extern "C" fn(libc::c_int);
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, handler as libc::sighandler_t);
        libc::signal(libc::SIGTERM, handler as libc::sighandler_t);
    }
}

/// The single-instance lock: an `flock` on `<data-dir>/daemon.lock`, released by the kernel
/// when the process dies (even by `kill -9`).
struct InstanceLock {
    _file: std::fs::File,
    path: PathBuf,
}

fn lock_instance(data_dir: &Path) -> anyhow::Result<InstanceLock> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    let path = data_dir.join(LOCK_FILE);
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    // SAFETY: flock on a file descriptor we own.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc != 0 {
        let holder = std::fs::read_to_string(&path).unwrap_or_default();
        anyhow::bail!(
            "another steady daemon is already running on {} (pid {}); stop it first",
            data_dir.display(),
            holder.trim()
        );
    }
    file.set_len(0)?;
    write!(file, "{}", std::process::id())?;
    file.flush()?;
    Ok(InstanceLock { _file: file, path })
}

fn bind_socket(path: &Path) -> anyhow::Result<UnixListener> {
    use std::os::unix::fs::PermissionsExt;
    // We hold the instance lock: a socket file left here is stale.
    let _ = std::fs::remove_file(path);
    // SAFETY: umask is process-wide and only narrows the mode of files created now.
    let old = unsafe { libc::umask(0o077) };
    let listener = UnixListener::bind(path);
    unsafe { libc::umask(old) };
    let listener = listener.with_context(|| {
        format!(
            "cannot create the control socket {} (path length {}; Unix sockets allow ~100 bytes)",
            path.display(),
            path.as_os_str().len()
        )
    })?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(listener)
}

/// A request from a connection, with where to send the answer.
enum Msg {
    Request(Request, Sender<Value>),
    Subscribe(Sender<String>),
}

fn serve_connection(stream: UnixStream, tx: Sender<Msg>) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut writer = stream;
    for line in BufReader::new(read_half).lines() {
        let Ok(line) = line else { return };
        if line.trim().is_empty() {
            continue;
        }
        let response = match protocol::parse_request(&line) {
            Err(e) => e,
            Ok(Request::Subscribe) => {
                let (stx, srx) = mpsc::channel::<String>();
                if tx.send(Msg::Subscribe(stx)).is_err() {
                    return;
                }
                if writeln!(writer, "{}", protocol::ok(json!({}))).is_err() {
                    return;
                }
                for msg in srx {
                    if writeln!(writer, "{msg}").is_err() {
                        return;
                    }
                }
                return;
            }
            Ok(req) => {
                let (rtx, rrx) = mpsc::channel();
                if tx.send(Msg::Request(req, rtx)).is_err() {
                    protocol::error("daemon is shutting down")
                } else {
                    rrx.recv()
                        .unwrap_or_else(|_| protocol::error("daemon is shutting down"))
                }
            }
        };
        if writeln!(writer, "{response}").is_err() {
            return;
        }
    }
}

/// The session being recorded.
struct Recording {
    writer: RecordingWriter<Store>,
    id: i64,
    patient: String,
    test: String,
    height_m: Option<f64>,
    /// Daemon-timeline time of the session start, µs.
    start_us: i64,
    samples: u64,
    /// Gaps already written, per sensor index.
    gaps_written: Vec<usize>,
    /// Last recorded sample time per sensor index (the timeline never steps back, also
    /// across simulation laps).
    last_t: Vec<i64>,
    last_error: Option<String>,
}

/// Engine state outside the sample loop.
struct Engine {
    store: Option<Store>,
    rec: Option<Recording>,
    subscribers: Vec<Sender<String>>,
    started: Instant,
    simulate: bool,
    speed: f64,
    /// Daemon-timeline time of the newest sample, µs.
    now_us: i64,
    sensors: Value,
    metrics: Value,
    /// Samples since the last tick, per sensor index (for subscribers; decimated).
    tick_samples: Vec<Vec<ImuSample>>,
    shutdown: bool,
}

fn spec_sensors(rate_hz: f64) -> Vec<SessionSensor> {
    DEMO_PLACEMENTS
        .iter()
        .map(|p| SessionSensor {
            placement: *p,
            device: Some(format!("simulated:{p}")),
            sampling_rate_hz: Some(rate_hz),
        })
        .collect()
}

impl Engine {
    fn status(&self) -> Value {
        let session = self.rec.as_ref().map(|r| {
            json!({
                "id": r.id,
                "patient": r.patient,
                "test": r.test,
                "elapsed_s": (self.now_us - r.start_us).max(0) as f64 * 1e-6,
                "samples": r.samples,
                "committed_samples": r.writer.committed_samples(),
                "last_error": r.last_error,
            })
        });
        json!({
            "pid": std::process::id(),
            "source": if self.simulate { "simulated" } else { "ble" },
            "speed": self.speed,
            "uptime_s": self.started.elapsed().as_secs_f64(),
            "t_s": self.now_us as f64 * 1e-6,
            "sensors": self.sensors,
            "metrics": self.metrics,
            "session": session,
        })
    }

    fn start(&mut self, spec: SessionSpec) -> Value {
        if let Some(r) = &self.rec {
            return protocol::error(&format!(
                "session {} is being recorded; stop it first",
                r.id
            ));
        }
        let Some(mut store) = self.store.take() else {
            return protocol::error("store unavailable");
        };
        let height_m = match store.patient(&spec.patient) {
            Ok(p) => p.height_m,
            Err(e) => {
                self.store = Some(store);
                return protocol::error(&e.to_string());
            }
        };
        let id = match store.start_session(&spec) {
            Ok(id) => id,
            Err(e) => {
                self.store = Some(store);
                return protocol::error(&e.to_string());
            }
        };
        match store.into_recorder(id) {
            Ok(writer) => {
                self.rec = Some(Recording {
                    writer,
                    id,
                    patient: spec.patient.clone(),
                    test: spec.test.as_str().to_string(),
                    height_m,
                    start_us: self.now_us,
                    samples: 0,
                    gaps_written: Vec::new(),
                    last_t: vec![i64::MIN; DEMO_PLACEMENTS.len()],
                    last_error: None,
                });
                protocol::ok(json!({ "session": id }))
            }
            Err(failed) => {
                let (store, e) = *failed;
                self.store = Some(store);
                protocol::error(&e.to_string())
            }
        }
    }

    /// Commits, analyses the recorded samples and finishes the session.
    fn stop(&mut self) -> Value {
        let Some(mut rec) = self.rec.take() else {
            return protocol::error("no session is being recorded");
        };
        let result = (|| -> anyhow::Result<(usize, usize)> {
            rec.writer.commit()?;
            let data = rec.writer.store().samples(rec.id)?;
            let inputs: Vec<SensorInput> = data
                .iter()
                .filter_map(|s| {
                    let rate = steady_recording::median_rate_hz(&s.samples)?;
                    Some(SensorInput {
                        placement: s.placement,
                        samples: &s.samples,
                        sampling_rate_hz: rate,
                    })
                })
                .collect();
            let subject = Subject {
                height_m: rec.height_m,
                ..Subject::default()
            };
            let report = steady_analysis::gait::analyze(&inputs, &subject);
            let events: Vec<EventRecord> = report
                .events
                .iter()
                .map(|e| EventRecord {
                    kind: serde_json::to_value(e.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(String::from))
                        .unwrap_or_else(|| "event".into()),
                    side: e.side,
                    t_s: e.t_s,
                })
                .collect();
            let metrics: Vec<_> = report
                .metrics()
                .into_iter()
                .map(|mut m| {
                    m.source = format!("daemon/{}", m.source);
                    m
                })
                .collect();
            rec.writer.finish_with(&metrics, &events)?;
            Ok((metrics.len(), events.len()))
        })();
        match result {
            Ok((n_metrics, n_events)) => {
                let id = rec.id;
                let samples = rec.writer.committed_samples();
                self.store = Some(rec.writer.into_store());
                protocol::ok(json!({
                    "session": id, "samples": samples, "metrics": n_metrics, "events": n_events,
                }))
            }
            Err(e) => {
                let msg = format!("cannot finish session {}: {e:#}", rec.id);
                rec.last_error = Some(msg.clone());
                self.rec = Some(rec); // keep recording state: data is kept, retry possible
                protocol::error(&msg)
            }
        }
    }

    fn handle(&mut self, msg: Msg, rate_hz: f64) {
        match msg {
            Msg::Subscribe(tx) => self.subscribers.push(tx),
            Msg::Request(req, reply) => {
                let response = match req {
                    Request::Status => protocol::ok(json!({ "status": self.status() })),
                    Request::SessionStart {
                        patient,
                        test,
                        clinician,
                        conditions,
                        pain_score,
                        notes,
                    } => match TestKind::parse(&test) {
                        None => protocol::error(&format!(
                            "unknown test `{test}` (expected walk, single_leg_stance, four_stage_balance, tug, chair_stand_30s)"
                        )),
                        Some(kind) => {
                            let mut spec = SessionSpec::new(patient, kind);
                            spec.clinician = clinician;
                            spec.conditions = conditions;
                            spec.pain_score = pain_score;
                            spec.notes = notes;
                            spec.source = Some(if self.simulate { "simulated" } else { "live" }.into());
                            spec.sensors = spec_sensors(rate_hz);
                            self.start(spec)
                        }
                    },
                    Request::SessionStop => self.stop(),
                    Request::Shutdown => {
                        self.shutdown = true;
                        protocol::ok(json!({}))
                    }
                    Request::Subscribe => protocol::error("subscribe is handled per connection"),
                };
                let _ = reply.send(response);
            }
        }
    }

    /// Writes new samples of one sensor to the recording (session timeline).
    fn record(&mut self, index: usize, placement: Placement, samples: &[ImuSample]) {
        if let Some(buf) = self.tick_samples.get_mut(index) {
            // Block means of 4 (anti-aliased 25 Hz at 100 Hz), stamped at the block centre.
            buf.extend(steady_analysis::dsp::block_mean(samples, 4));
        }
        let Some(rec) = &mut self.rec else { return };
        let last = rec.last_t.get(index).copied().unwrap_or(i64::MIN);
        let shifted: Vec<ImuSample> = samples
            .iter()
            .filter(|s| s.t.0 >= rec.start_us && s.t.0 - rec.start_us > last)
            .map(|s| ImuSample {
                t: Micros(s.t.0 - rec.start_us),
                ..*s
            })
            .collect();
        if shifted.is_empty() {
            return;
        }
        rec.samples += shifted.len() as u64;
        if let (Some(slot), Some(s)) = (rec.last_t.get_mut(index), shifted.last()) {
            *slot = s.t.0;
        }
        if let Err(e) = rec.writer.push_samples(placement, &shifted) {
            // Keep going: the writer keeps its buffer; what was committed stays.
            if rec.last_error.is_none() {
                eprintln!("steady daemon: recording session {}: {e}", rec.id);
            }
            rec.last_error = Some(e.to_string());
        }
    }

    fn record_gaps(&mut self, live: &LivePipeline, lap_offset_us: i64) {
        let Some(rec) = &mut self.rec else { return };
        for (i, p) in DEMO_PLACEMENTS.iter().enumerate() {
            let Some(rx) = live.receiver(i) else { continue };
            let gaps = rx.gaps.gaps();
            if rec.gaps_written.len() <= i {
                rec.gaps_written.resize(i + 1, 0);
            }
            for g in &gaps[rec.gaps_written[i].min(gaps.len())..] {
                let start = g.start.0 + lap_offset_us - rec.start_us;
                if start >= 0 {
                    let gap = Gap {
                        start: Micros(start),
                        end: Micros(g.end.0 + lap_offset_us - rec.start_us),
                        lost_samples: g.lost_samples,
                    };
                    if let Err(e) = rec.writer.push_gap(*p, gap) {
                        rec.last_error = Some(e.to_string());
                    }
                }
            }
            rec.gaps_written[i] = gaps.len();
        }
    }

    fn tick(&mut self, live: &LivePipeline, lap_offset_us: i64) {
        let snap = live.snapshot();
        self.sensors = serde_json::to_value(&snap.sensors).unwrap_or(Value::Null);
        self.metrics = serde_json::to_value(&snap.metrics).unwrap_or(Value::Null);
        self.record_gaps(live, lap_offset_us);
        if let Some(rec) = &mut self.rec {
            if let Err(e) = rec.writer.commit_if_due() {
                rec.last_error = Some(e.to_string());
            }
        }
        if !self.subscribers.is_empty() {
            let samples: Vec<Value> = DEMO_PLACEMENTS
                .iter()
                .zip(&self.tick_samples)
                .map(|(p, v)| {
                    json!({
                        "placement": p,
                        "samples": v.iter().map(|s| [s.t_s(), s.acc_mps2[0], s.acc_mps2[1], s.acc_mps2[2],
                            s.gyr_dps[0], s.gyr_dps[1], s.gyr_dps[2]]).collect::<Vec<_>>(),
                    })
                })
                .collect();
            // Events come on the lap's timeline; subscribers get the daemon timeline (as the
            // samples and `t_s`).
            let lap_s = lap_offset_us as f64 * 1e-6;
            let events: Vec<_> = snap
                .recent_events
                .iter()
                .map(|e| steady_analysis::gait::types::GaitEvent {
                    t_s: e.t_s + lap_s,
                    ..*e
                })
                .collect();
            let msg = json!({
                "type": "tick",
                "status": self.status(),
                "recent_events": events,
                "samples": samples,
            })
            .to_string();
            self.subscribers.retain(|s| s.send(msg.clone()).is_ok());
        }
        for v in &mut self.tick_samples {
            v.clear();
        }
    }
}

/// Runs the daemon until SIGINT/SIGTERM or a `shutdown` request.
pub fn run(opts: Options) -> anyhow::Result<()> {
    anyhow::ensure!(
        opts.simulate,
        "the daemon needs a sensor source: BLE sensors are not wired into the daemon yet, \
         use `steady daemon --simulate` (or `steady record` for BLE)"
    );
    anyhow::ensure!(
        opts.speed.is_finite() && opts.speed > 0.0 && opts.speed <= 1000.0,
        "--speed must be within (0, 1000]"
    );
    // Open the store first: it creates the directory owner-only (0700).
    let store = Store::open(&opts.data_dir)?;
    let lock = lock_instance(&opts.data_dir)?;
    let recovered = store.recovered_sessions().to_vec();
    for id in &recovered {
        eprintln!(
            "steady daemon: session {id} was interrupted by a crash; its data up to then is kept"
        );
    }
    let socket_path = opts.data_dir.join(SOCKET_FILE);
    let listener = bind_socket(&socket_path)?;
    install_signal_handlers();
    let (tx, rx) = mpsc::channel::<Msg>();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let tx = tx.clone();
            std::thread::spawn(move || serve_connection(stream, tx));
        }
    });
    eprintln!(
        "steady daemon: listening on {} (simulated sensors, speed {}×, pid {})",
        socket_path.display(),
        opts.speed,
        std::process::id()
    );
    let mut engine = Engine {
        store: Some(store),
        rec: None,
        subscribers: Vec::new(),
        started: Instant::now(),
        simulate: opts.simulate,
        speed: opts.speed,
        now_us: 0,
        sensors: json!([]),
        metrics: json!({}),
        tick_samples: vec![Vec::new(); DEMO_PLACEMENTS.len()],
        shutdown: false,
    };
    let result = simulate(&mut engine, &rx, &opts);
    // Clean shutdown: finish the recording.
    if engine.rec.is_some() {
        let r = engine.stop();
        eprintln!("steady daemon: finished the recording on shutdown: {r}");
    }
    let _ = std::fs::remove_file(&socket_path);
    let _ = std::fs::remove_file(&lock.path);
    eprintln!("steady daemon: stopped");
    result
}

fn stopping(engine: &Engine) -> bool {
    engine.shutdown || STOP.load(Ordering::SeqCst)
}

/// The simulated source: the demo scenario in laps, paced at `speed` × real time.
fn simulate(engine: &mut Engine, rx: &Receiver<Msg>, opts: &Options) -> anyhow::Result<()> {
    let sensors = SensorConfig::new(&DEMO_PLACEMENTS);
    let scenario = demo_scenario(LAP_S);
    let mut lap_offset_us: i64 = 0;
    for lap in 0u64.. {
        let sim = Simulator::new(&scenario, &sensors, opts.seed.wrapping_add(lap));
        let rate_hz = sim.config().rate_hz;
        let transport = TransportConfig::default();
        let origin = transport.host_epoch_us;
        let placements: Vec<(Placement, f64)> =
            DEMO_PLACEMENTS.iter().map(|&p| (p, rate_hz)).collect();
        let mut live = LivePipeline::new(&placements, Subject::default(), origin);
        if lap == 0 {
            // Every sensor listed (as waiting) before the first tick.
            engine.sensors = serde_json::to_value(live.snapshot().sensors).unwrap_or(Value::Null);
        }
        let lap_start = Instant::now();
        let lap_us = (LAP_S * 1e6) as u64;
        let mut next_tick_us = 1_000_000u64;
        for note in NotificationStream::new(
            &sim,
            &transport,
            opts.seed ^ lap,
            SteadyFrameEncoder::default(),
        ) {
            let host_us = note.arrival_host_us.saturating_sub(origin);
            if host_us > lap_us {
                break;
            }
            let due = Duration::from_secs_f64(host_us as f64 * 1e-6 / opts.speed);
            loop {
                if stopping(engine) {
                    return Ok(());
                }
                let now = lap_start.elapsed();
                if now >= due {
                    break;
                }
                match rx.recv_timeout((due - now).min(Duration::from_millis(50))) {
                    Ok(msg) => engine.handle(msg, rate_hz),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => return Ok(()),
                }
            }
            // Commands that arrive while we are behind schedule.
            while let Ok(msg) = rx.try_recv() {
                engine.handle(msg, rate_hz);
            }
            let samples = live.push(note.sensor_index, &note.bytes, note.arrival_host_us);
            let shifted: Vec<ImuSample> = samples
                .iter()
                .map(|s| ImuSample {
                    t: Micros(s.t.0 + lap_offset_us),
                    ..*s
                })
                .collect();
            if let Some(last) = shifted.last() {
                engine.now_us = engine.now_us.max(last.t.0);
            }
            let placement = DEMO_PLACEMENTS[note.sensor_index];
            engine.record(note.sensor_index, placement, &shifted);
            if host_us >= next_tick_us {
                next_tick_us += 1_000_000;
                engine.tick(&live, lap_offset_us);
            }
        }
        lap_offset_us += lap_us as i64;
    }
    Ok(())
}
