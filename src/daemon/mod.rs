//! `steady daemon`: the long-running service that owns the sensors, records sessions into
//! the store and serves clients over an owner-only Unix socket (`<data-dir>/steady.sock`;
//! protocol in `PROTOCOL.md` beside this file).
//!
//! - [`protocol`]: request/response types (pure).
//! - [`client`]: what `steady session`, `steady status` use to talk to the daemon.
//! - [`ble`]: the BLE source (registered sensors through the connection manager, nearby
//!   sensors from a periodic scan, assign and identify).
//! - this module: single-instance lock, socket, signal handling, the engine and the simulated
//!   source.
//!
//! Threads: one accept thread, one thread per connection, and the engine on the calling
//! thread. Connections hand requests to the engine over a channel; the engine owns the
//! sensor source, the live pipeline and the store (a [`RecordingWriter`] while recording),
//! so no lock is shared. SIGINT/SIGTERM set a flag the engine polls every ≤ 50 ms: it
//! finishes the recording, removes the socket and returns.

mod ble;
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

use steady_analysis::gait::types::GaitEvent;
use steady_analysis::{SensorInput, Subject};
use steady_core::{Gap, ImuSample, Micros, Placement};
use steady_recording::TestKind;
use steady_sensors::ble::transport::Address;
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
    /// Sample rate asked of BLE sensors, Hz (each family uses its nearest supported rate).
    pub rate_hz: u32,
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
    /// Something from the BLE source's tasks.
    Ble(ble::BleMsg),
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
    /// Last recorded sample time per sensor index (the timeline never steps back, also
    /// across simulation laps).
    last_t: Vec<i64>,
    /// The recorded sensors' addresses (`sensor_remove` refuses them until the session
    /// stops).
    addresses: Vec<Address>,
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
    /// Per sensor index, the samples of a display block not yet complete (BLE batches need
    /// not be multiples of [`DISPLAY_DECIMATION`]).
    tick_pending: Vec<Vec<ImuSample>>,
    /// The source's sensors in index order (what `session_start` lists in `spec.sensors`).
    spec_sensors: Vec<SessionSensor>,
    /// Their addresses, same order.
    spec_addresses: Vec<Address>,
    /// Supported sensors nearby that are not registered (JSON objects, see PROTOCOL.md).
    nearby: Value,
    /// A message about the source itself (e.g. no registered sensor), for clients.
    notice: Option<String>,
    shutdown: bool,
}

/// Decimation of the samples sent to subscribers (25 Hz at 100 Hz).
const DISPLAY_DECIMATION: usize = 4;

/// Appends block means of [`DISPLAY_DECIMATION`] samples (a boxcar anti-alias filter, each
/// stamped at its block's centre) to `out`; an incomplete block waits in `pending` for the
/// next batch, so the output spacing is even whatever the notification batch sizes.
fn decimate_for_display(
    pending: &mut Vec<ImuSample>,
    batch: &[ImuSample],
    out: &mut Vec<ImuSample>,
) {
    pending.extend_from_slice(batch);
    let whole = pending.len() / DISPLAY_DECIMATION * DISPLAY_DECIMATION;
    out.extend(steady_analysis::dsp::block_mean(
        &pending[..whole],
        DISPLAY_DECIMATION,
    ));
    pending.drain(..whole);
}

/// A source-specific request the engine hands back to its source.
enum SourceRequest {
    Assign(Address, Placement),
    Identify(Address),
    Remove(Address),
}

/// Parses an address as the protocol's error response.
fn parse_address(text: &str) -> Result<Address, Value> {
    text.parse::<Address>()
        .map_err(|e| protocol::error(&format!("bad address `{text}`: {e}")))
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
            "nearby": self.nearby,
            "notice": self.notice,
            "metrics": self.metrics,
            "session": session,
        })
    }

    /// Sets the source's sensor list (index order of `record`, gaps and tick samples).
    fn set_sensors(&mut self, sensors: Vec<(Address, SessionSensor)>) {
        self.tick_samples = vec![Vec::new(); sensors.len()];
        self.tick_pending = vec![Vec::new(); sensors.len()];
        (self.spec_addresses, self.spec_sensors) = sensors.into_iter().unzip();
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
                    last_t: vec![i64::MIN; self.spec_sensors.len()],
                    addresses: self.spec_addresses.clone(),
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

    /// Handles a message; returns the source-specific requests (assign, identify) and BLE
    /// messages for the source to handle.
    fn handle(&mut self, msg: Msg) -> Option<SourceMsg> {
        match msg {
            Msg::Subscribe(tx) => self.subscribers.push(tx),
            Msg::Ble(m) => return Some(SourceMsg::Ble(m)),
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
                            spec.sensors = self.spec_sensors.clone();
                            if spec.sensors.is_empty() {
                                protocol::error("no sensor is connected: assign one first (sensor_assign, or the dashboard's Sensors screen)")
                            } else {
                                self.start(spec)
                            }
                        }
                    },
                    Request::SessionStop => self.stop(),
                    Request::Shutdown => {
                        self.shutdown = true;
                        protocol::ok(json!({}))
                    }
                    Request::Subscribe => protocol::error("subscribe is handled per connection"),
                    Request::SensorsNearby => protocol::ok(json!({ "nearby": self.nearby })),
                    Request::SensorAssign { address, placement } => {
                        let parsed = parse_address(&address).and_then(|a| {
                            placement
                                .parse::<Placement>()
                                .map(|p| (a, p))
                                .map_err(|e| protocol::error(&e.to_string()))
                        });
                        match (parsed, &self.rec) {
                            (Err(e), _) => e,
                            (Ok(_), Some(r)) => protocol::error(&format!(
                                "session {} is being recorded: assign sensors before starting it (or stop it first)",
                                r.id
                            )),
                            (Ok((a, p)), None) => {
                                return Some(SourceMsg::Request(SourceRequest::Assign(a, p), reply))
                            }
                        }
                    }
                    Request::SensorRemove { address } => match (parse_address(&address), &self.rec) {
                        (Err(e), _) => e,
                        (Ok(a), Some(r)) if r.addresses.contains(&a) => protocol::error(&format!(
                            "{a} is part of session {}, which is being recorded: stop the session first \
                             (a recording's sensors never change; what it recorded is kept either way)",
                            r.id
                        )),
                        (Ok(a), _) => return Some(SourceMsg::Request(SourceRequest::Remove(a), reply)),
                    },
                    Request::SensorIdentify { address } => match parse_address(&address) {
                        Err(e) => e,
                        Ok(a) => return Some(SourceMsg::Request(SourceRequest::Identify(a), reply)),
                    },
                };
                let _ = reply.send(response);
            }
        }
        None
    }

    /// Writes new samples of one sensor to the recording (session timeline).
    fn record(&mut self, index: usize, placement: Placement, samples: &[ImuSample]) {
        if let (Some(buf), Some(pending)) = (
            self.tick_samples.get_mut(index),
            self.tick_pending.get_mut(index),
        ) {
            decimate_for_display(pending, samples, buf);
        }
        let Some(rec) = &mut self.rec else { return };
        if rec.last_t.len() <= index {
            rec.last_t.resize(index + 1, i64::MIN);
        }
        let last = rec.last_t[index];
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

    /// Records a gap of one sensor (daemon timeline) into the session, if it lies in it.
    fn record_gap(&mut self, placement: Placement, gap: Gap) {
        let Some(rec) = &mut self.rec else { return };
        let start = gap.start.0 - rec.start_us;
        if start < 0 {
            return;
        }
        let gap = Gap {
            start: Micros(start),
            end: Micros(gap.end.0 - rec.start_us),
            lost_samples: gap.lost_samples,
        };
        if let Err(e) = rec.writer.push_gap(placement, gap) {
            rec.last_error = Some(e.to_string());
        }
    }

    /// Once a second: commits the recording when due and sends subscribers a tick. The
    /// source has set `sensors`; `events` are on the daemon timeline.
    fn tick(&mut self, metrics: Value, events: &[GaitEvent]) {
        self.metrics = metrics;
        if let Some(rec) = &mut self.rec {
            if let Err(e) = rec.writer.commit_if_due() {
                rec.last_error = Some(e.to_string());
            }
        }
        if !self.subscribers.is_empty() {
            let samples: Vec<Value> = self
                .spec_sensors
                .iter()
                .zip(&self.tick_samples)
                .map(|(p, v)| {
                    json!({
                        "placement": p.placement,
                        "samples": v.iter().map(|s| [s.t_s(), s.acc_mps2[0], s.acc_mps2[1], s.acc_mps2[2],
                            s.gyr_dps[0], s.gyr_dps[1], s.gyr_dps[2]]).collect::<Vec<_>>(),
                    })
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

/// What the engine hands back to its source.
enum SourceMsg {
    Request(SourceRequest, Sender<Value>),
    Ble(ble::BleMsg),
}

/// Runs the daemon until SIGINT/SIGTERM or a `shutdown` request.
pub fn run(opts: Options) -> anyhow::Result<()> {
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
    let source_tx = tx.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let tx = tx.clone();
            std::thread::spawn(move || serve_connection(stream, tx));
        }
    });
    if opts.simulate {
        eprintln!(
            "steady daemon: listening on {} (simulated sensors, speed {}×, pid {})",
            socket_path.display(),
            opts.speed,
            std::process::id()
        );
    } else {
        eprintln!(
            "steady daemon: listening on {} (BLE sensors of the registry, pid {})",
            socket_path.display(),
            std::process::id()
        );
    }
    let mut engine = Engine {
        store: Some(store),
        rec: None,
        subscribers: Vec::new(),
        started: Instant::now(),
        simulate: opts.simulate,
        speed: if opts.simulate { opts.speed } else { 1.0 },
        now_us: 0,
        sensors: json!([]),
        metrics: json!({}),
        tick_samples: Vec::new(),
        tick_pending: Vec::new(),
        spec_sensors: Vec::new(),
        spec_addresses: Vec::new(),
        nearby: json!([]),
        notice: None,
        shutdown: false,
    };
    let result = if opts.simulate {
        simulate(&mut engine, &rx, &opts)
    } else {
        ble::run(&mut engine, &rx, source_tx, &opts)
    };
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

/// One simulated sensor of `--simulate`: the demo's three are assigned, one more lies
/// "nearby" unassigned until a client assigns it.
#[derive(Debug, Clone, PartialEq)]
struct SimSensor {
    address: Address,
    name: String,
    placement: Option<Placement>,
}

/// The simulated sensors at start: the demo placements plus one unassigned.
fn sim_sensors() -> Vec<SimSensor> {
    let mut v: Vec<SimSensor> = DEMO_PLACEMENTS
        .iter()
        .enumerate()
        .map(|(i, p)| SimSensor {
            address: Address([0x5E, 0, 0, 0, 0, i as u8 + 1]),
            name: format!("sim-{}", i + 1),
            placement: Some(*p),
        })
        .collect();
    v.push(SimSensor {
        address: Address([0x5E, 0, 0, 0, 0, DEMO_PLACEMENTS.len() as u8 + 1]),
        name: format!("sim-{}", DEMO_PLACEMENTS.len() + 1),
        placement: None,
    });
    v
}

/// Assigns a placement to a simulated sensor (in this daemon only: the sensor registry is
/// for real devices). Returns the response; `true` when the sensor set changed.
fn sim_assign(sims: &mut [SimSensor], address: Address, placement: Placement) -> (Value, bool) {
    if let Some(other) = sims
        .iter()
        .find(|s| s.placement == Some(placement) && s.address != address)
    {
        return (
            protocol::error(&format!(
                "placement {placement} is already taken by {}; assign that sensor elsewhere first",
                other.address
            )),
            false,
        );
    }
    let Some(s) = sims.iter_mut().find(|s| s.address == address) else {
        return (
            protocol::error(&format!("{address} is not a sensor of this simulation")),
            false,
        );
    };
    let changed = s.placement != Some(placement);
    s.placement = Some(placement);
    (
        protocol::ok(json!({
            "address": address.to_string(),
            "placement": placement,
            "note": "simulated sensor: assigned in this daemon only (the sensor registry is for real devices); the simulation restarts with it",
        })),
        changed,
    )
}

/// Unassigns a simulated sensor (in this daemon only): it is listed nearby again and the
/// simulation restarts without it. Returns the response; `true` when the sensor set changed.
fn sim_remove(sims: &mut [SimSensor], address: Address) -> (Value, bool) {
    let Some(s) = sims.iter_mut().find(|s| s.address == address) else {
        return (
            protocol::error(&format!("{address} is not a sensor of this simulation")),
            false,
        );
    };
    let Some(placement) = s.placement.take() else {
        return (
            protocol::error(&format!(
                "{} ({address}) is not assigned; nothing to remove",
                s.name
            )),
            false,
        );
    };
    (
        protocol::ok(json!({
            "address": address.to_string(),
            "placement": placement,
            "note": "simulated sensor: unassigned in this daemon only (the sensor registry is for real devices); it is nearby again and the simulation restarts without it",
        })),
        true,
    )
}

/// The answer to identifying a simulated sensor: it has nothing to blink.
fn sim_identify(sims: &[SimSensor], address: Address) -> Value {
    match sims.iter().find(|s| s.address == address) {
        Some(s) => protocol::error(&format!(
            "{} ({address}) is simulated: it has no LED or motor, nothing blinked",
            s.name
        )),
        None => protocol::error(&format!("{address} is not a sensor of this simulation")),
    }
}

/// Sensor JSON of the simulation: the pipeline's status plus address, name and vendor.
fn sim_sensor_json(snapshot: &[crate::live::SensorStatus], active: &[&SimSensor]) -> Value {
    snapshot
        .iter()
        .zip(active)
        .map(|(st, s)| {
            let mut v = serde_json::to_value(st).unwrap_or(Value::Null);
            if let Some(o) = v.as_object_mut() {
                o.insert("address".into(), s.address.to_string().into());
                o.insert("name".into(), s.name.clone().into());
                o.insert("vendor".into(), "simulated".into());
            }
            v
        })
        .collect()
}

fn sim_nearby_json(sims: &[SimSensor]) -> Value {
    sims.iter()
        .filter(|s| s.placement.is_none())
        .map(|s| {
            json!({"address": s.address.to_string(), "name": s.name, "vendor": "simulated",
                   "rssi_dbm": null})
        })
        .collect()
}

/// Handles one message in the simulation; `true` when the sensor set changed.
fn sim_handle(engine: &mut Engine, sims: &mut [SimSensor], msg: Msg) -> bool {
    match engine.handle(msg) {
        Some(SourceMsg::Request(SourceRequest::Assign(a, p), reply)) => {
            let (response, changed) = sim_assign(sims, a, p);
            let _ = reply.send(response);
            if changed {
                engine.nearby = sim_nearby_json(sims);
            }
            changed
        }
        Some(SourceMsg::Request(SourceRequest::Identify(a), reply)) => {
            let _ = reply.send(sim_identify(sims, a));
            false
        }
        Some(SourceMsg::Request(SourceRequest::Remove(a), reply)) => {
            let (response, changed) = sim_remove(sims, a);
            let _ = reply.send(response);
            if changed {
                engine.nearby = sim_nearby_json(sims);
            }
            changed
        }
        Some(SourceMsg::Ble(_)) | None => false,
    }
}

/// No simulated sensor is assigned: nothing to simulate. Serves requests (and a tick a
/// second, so subscribers see the state) until one is assigned or the daemon stops.
fn sim_idle(engine: &mut Engine, rx: &Receiver<Msg>, sims: &mut [SimSensor]) {
    engine.set_sensors(Vec::new());
    engine.sensors = json!([]);
    engine.notice = Some(
        "no simulated sensor is assigned: assign the nearby one (dashboard Sensors screen, `p`, \
         or sensor_assign)"
            .into(),
    );
    let mut next_tick = Instant::now() + Duration::from_secs(1);
    loop {
        if stopping(engine) {
            return;
        }
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(msg) => {
                if sim_handle(engine, sims, msg) {
                    return;
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                engine.shutdown = true;
                return;
            }
        }
        if Instant::now() >= next_tick {
            next_tick += Duration::from_secs(1);
            engine.tick(json!({}), &[]);
        }
    }
}

/// The simulated source: the demo scenario in laps, paced at `speed` × real time. Assigning
/// a simulated sensor restarts the lap with the new sensor set.
fn simulate(engine: &mut Engine, rx: &Receiver<Msg>, opts: &Options) -> anyhow::Result<()> {
    let scenario = demo_scenario(LAP_S);
    let mut sims = sim_sensors();
    engine.nearby = sim_nearby_json(&sims);
    let mut lap_offset_us: i64 = 0;
    for lap in 0u64.. {
        let active: Vec<SimSensor> = sims
            .iter()
            .filter(|s| s.placement.is_some())
            .cloned()
            .collect();
        if active.is_empty() {
            sim_idle(engine, rx, &mut sims);
            if stopping(engine) {
                return Ok(());
            }
            // The daemon timeline never steps back (as after a restart below).
            lap_offset_us = engine.now_us.max(lap_offset_us) + 20_000;
            continue;
        }
        engine.notice = None;
        let active_refs: Vec<&SimSensor> = active.iter().collect();
        let placements: Vec<Placement> = active.iter().filter_map(|s| s.placement).collect();
        let sensors = SensorConfig::new(&placements);
        let sim = Simulator::new(&scenario, &sensors, opts.seed.wrapping_add(lap));
        let rate_hz = sim.config().rate_hz;
        let transport = TransportConfig::default();
        let origin = transport.host_epoch_us;
        let with_rates: Vec<(Placement, f64)> = placements.iter().map(|&p| (p, rate_hz)).collect();
        let mut live = LivePipeline::new(&with_rates, Subject::default(), origin);
        engine.set_sensors(
            active
                .iter()
                .filter_map(|s| {
                    Some((
                        s.address,
                        SessionSensor {
                            placement: s.placement?,
                            device: Some(format!("simulated:{}", s.address)),
                            sampling_rate_hz: Some(rate_hz),
                        },
                    ))
                })
                .collect(),
        );
        // Every sensor listed (as waiting) before the lap's first tick.
        engine.sensors = sim_sensor_json(&live.snapshot().sensors, &active_refs);
        let mut gaps_written = vec![0usize; placements.len()];
        let lap_start = Instant::now();
        let lap_us = (LAP_S * 1e6) as u64;
        let mut next_tick_us = 1_000_000u64;
        let mut restart = false;
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
                if now >= due || restart {
                    break;
                }
                match rx.recv_timeout((due - now).min(Duration::from_millis(50))) {
                    Ok(msg) => restart |= sim_handle(engine, &mut sims, msg),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => return Ok(()),
                }
            }
            // Commands that arrive while we are behind schedule.
            while let Ok(msg) = rx.try_recv() {
                restart |= sim_handle(engine, &mut sims, msg);
            }
            if restart {
                break;
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
            let placement = placements[note.sensor_index];
            engine.record(note.sensor_index, placement, &shifted);
            if host_us >= next_tick_us {
                next_tick_us += 1_000_000;
                let snap = live.snapshot();
                engine.sensors = sim_sensor_json(&snap.sensors, &active_refs);
                for (i, p) in placements.iter().enumerate() {
                    let Some(rx) = live.receiver(i) else { continue };
                    let gaps = rx.gaps.gaps();
                    for g in &gaps[gaps_written[i].min(gaps.len())..] {
                        engine.record_gap(
                            *p,
                            Gap {
                                start: Micros(g.start.0 + lap_offset_us),
                                end: Micros(g.end.0 + lap_offset_us),
                                lost_samples: g.lost_samples,
                            },
                        );
                    }
                    gaps_written[i] = gaps.len();
                }
                // Events come on the lap's timeline; subscribers get the daemon timeline
                // (as the samples and `t_s`).
                let lap_s = lap_offset_us as f64 * 1e-6;
                let events: Vec<GaitEvent> = snap
                    .recent_events
                    .iter()
                    .map(|e| GaitEvent {
                        t_s: e.t_s + lap_s,
                        ..*e
                    })
                    .collect();
                let metrics = serde_json::to_value(&snap.metrics).unwrap_or(Value::Null);
                engine.tick(metrics, &events);
            }
        }
        lap_offset_us = if restart {
            // Just after the newest sample: the daemon timeline never steps back.
            engine.now_us.max(lap_offset_us) + 20_000
        } else {
            lap_offset_us + lap_us as i64
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_decimation_is_even_across_uneven_batches() {
        let samples: Vec<ImuSample> = (0..30)
            .map(|i| ImuSample {
                t: Micros(i * 10_000),
                acc_mps2: [i as f64, 0.0, 9.81],
                gyr_dps: [0.0; 3],
            })
            .collect();
        let (mut pending, mut out) = (Vec::new(), Vec::new());
        // Batches of 3, 1, 7, 2, 5, 12 samples (BLE frames carry any number).
        let mut at = 0;
        for n in [3, 1, 7, 2, 5, 12] {
            decimate_for_display(&mut pending, &samples[at..at + n], &mut out);
            at += n;
        }
        assert_eq!(out.len(), 7, "30 samples = 7 whole blocks + 2 waiting");
        assert_eq!(pending.len(), 2);
        for (k, s) in out.iter().enumerate() {
            // Block k holds samples 4k..4k+3: mean index 4k + 1.5, at the block centre.
            assert_eq!(s.acc_mps2[0], 4.0 * k as f64 + 1.5);
            assert_eq!(s.t.0, (4 * k as i64) * 10_000 + 15_000);
        }
    }

    #[test]
    fn simulated_sensors_can_be_assigned_but_not_identified() {
        let mut sims = sim_sensors();
        let spare = sims.iter().find(|s| s.placement.is_none()).unwrap().address;
        let back = sims[0].address;
        assert_eq!(sim_nearby_json(&sims).as_array().unwrap().len(), 1);
        // A placement held by another simulated sensor is refused, nothing changes.
        let (r, changed) = sim_assign(&mut sims, spare, Placement::LowerBack);
        assert_eq!(r["ok"], false, "{r}");
        assert!(
            r["error"].as_str().unwrap().contains(&back.to_string()),
            "{r}"
        );
        assert!(!changed);
        // A free placement: assigned, no longer nearby, and the answer says it is simulated.
        let (r, changed) = sim_assign(&mut sims, spare, Placement::LeftFoot);
        assert_eq!(r["ok"], true, "{r}");
        assert!(r["note"].as_str().unwrap().contains("simulated"), "{r}");
        assert!(changed);
        assert!(sim_nearby_json(&sims).as_array().unwrap().is_empty());
        let (_, changed) = sim_assign(&mut sims, spare, Placement::LeftFoot);
        assert!(!changed, "same placement again changes nothing");
        let unknown = Address([1, 2, 3, 4, 5, 6]);
        assert_eq!(
            sim_assign(&mut sims, unknown, Placement::RightFoot).0["ok"],
            false
        );
        // Remove: unassigned, nearby again; an unassigned or unknown sensor is refused.
        let (r, changed) = sim_remove(&mut sims, spare);
        assert_eq!(r["ok"], true, "{r}");
        assert_eq!(r["placement"], "left_foot", "{r}");
        assert!(changed);
        assert_eq!(sim_nearby_json(&sims)[0]["address"], spare.to_string());
        let (r, changed) = sim_remove(&mut sims, spare);
        assert_eq!(r["ok"], false, "{r}");
        assert!(r["error"].as_str().unwrap().contains("not assigned"), "{r}");
        assert!(!changed);
        assert_eq!(sim_remove(&mut sims, unknown).0["ok"], false);
        // Identify never pretends: simulated sensors have no LED.
        let r = sim_identify(&sims, back);
        assert_eq!(r["ok"], false);
        assert!(r["error"].as_str().unwrap().contains("no LED"), "{r}");
    }
}
