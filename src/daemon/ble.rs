//! The daemon's BLE source (the default without `--simulate`): the sensors registered in the
//! data directory, each kept connected by its own `steady_sensors::ble::Manager` (connect,
//! configure, decode, clock sync, gaps, battery, stall and link-loss detection, reconnect);
//! nearby supported sensors that are not registered, from a periodic look at the adapter's
//! scan results; `sensor_assign` (register as `steady sensors add` does, then connect),
//! `sensor_remove` (unregister as `steady sensors remove` does, then disconnect) and
//! `sensor_identify` (`steady_sensors::ble::identify`, shared with `steady sensors identify`).
//!
//! Registry changes made while the daemon runs (`steady sensors add/remove`, an editor) are
//! picked up on the scan cadence: when `sensors.json` changed (mtime, size or inode; the
//! registry is replaced atomically by rename) it is read again and the sensor set follows it
//! — new sensors connect, removed ones disconnect, a changed placement restarts that link. A
//! malformed file keeps the current set and says why in `notice`; while a session records,
//! the change waits until it stops (a recording's sensors never change).
//!
//! Threads: the BLE tasks run on a small tokio runtime owned here and hand decoded data and
//! scan results to the engine's channel ([`BleMsg`]); the engine thread (this module's
//! [`run`]) records, analyses ([`LiveAnalysis`], the same analysis as the simulated source)
//! and ticks once a second of wall-clock time. One manager per sensor, so assigning a sensor
//! or changing its placement restarts that sensor's link only. Data of a link carries the
//! link's generation (unique per started link), which finds its slot whatever the slot order.
//!
//! Timeline: µs since this source started; each manager's own epoch is shifted onto it.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use steady_analysis::Subject;
use steady_core::{Gap, ImuSample, Micros, Placement};
use steady_sensors::ble::bluez::BluezCentral;
use steady_sensors::ble::identify::{identify, identify_command};
use steady_sensors::ble::manager::{Manager, ManagerConfig, SensorData, SensorStatus};
use steady_sensors::ble::registry::REGISTRY_FILE;
use steady_sensors::ble::transport::{Address, Advert, BleCentral};
use steady_sensors::ble::{RegisteredDevice, Registry, SensorState, Vendor};
use steady_store::SessionSensor;
use tokio::sync::watch;

use super::{protocol, stopping, Engine, Msg, Options, SourceMsg, SourceRequest};
use crate::live::LiveAnalysis;

/// How often the adapter's scan results (and the registry file) are looked at.
const SCAN_PERIOD: Duration = Duration::from_secs(2);
/// How often opening the adapter is retried after it failed.
const CENTRAL_RETRY: Duration = Duration::from_secs(5);
/// Longest wait for an identify (connect, discover, write), s.
const IDENTIFY_TIMEOUT_S: u64 = 10;

/// What the BLE tasks send the engine thread.
pub(super) enum BleMsg {
    /// A decoded notification of the link `generation` (unique per started link: it finds
    /// the slot, and tells links apart across a placement change or a removal).
    Data { generation: u64, data: SensorData },
    /// Every device the adapter currently knows, with its last advertisement.
    Adverts(Vec<Advert>),
}

/// One registered sensor and its manager.
struct Slot {
    device: RegisteredDevice,
    generation: u64,
    manager: Option<Manager>,
    states: Option<watch::Receiver<Vec<SensorStatus>>>,
    /// Manager epoch − source epoch, µs.
    offset_us: i64,
    /// Gaps so far (source timeline).
    gaps: Vec<Gap>,
}

impl Slot {
    fn new(device: RegisteredDevice) -> Slot {
        Slot {
            device,
            generation: 0,
            manager: None,
            states: None,
            offset_us: 0,
            gaps: Vec::new(),
        }
    }
}

/// What identifies one version of the registry file: modification time, size and inode (an
/// atomic save by rename always gives a new inode). `None` when there is no file.
type RegistryStamp = Option<(std::time::SystemTime, u64, u64)>;

fn registry_stamp(data_dir: &Path) -> RegistryStamp {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(data_dir.join(REGISTRY_FILE)).ok()?;
    Some((m.modified().ok()?, m.len(), m.ino()))
}

struct Ble {
    rt: tokio::runtime::Runtime,
    tx: Sender<Msg>,
    config: ManagerConfig,
    data_dir: PathBuf,
    epoch: tokio::time::Instant,
    central: Option<Arc<BluezCentral>>,
    central_error: Option<String>,
    slots: Vec<Slot>,
    next_generation: u64,
    adverts: Option<Vec<Advert>>,
    analysis: LiveAnalysis,
    /// The registry file version the sensor set follows.
    registry_stamp: RegistryStamp,
    /// Why the registry file is not followed right now (malformed, or waiting for the
    /// recording to stop), for `notice`.
    registry_note: Option<String>,
}

/// The state word of a manager state (PROTOCOL.md).
fn state_word(s: SensorState) -> &'static str {
    match s {
        SensorState::Connecting => "connecting",
        SensorState::Streaming => "streaming",
        SensorState::Stalled => "stalled",
        SensorState::Reconnecting { .. } => "reconnecting",
        SensorState::Lost => "lost",
    }
}

/// The nearby supported sensors among `adverts` that are not in `registered`.
pub(super) fn nearby_json(adverts: &[Advert], registered: &[Address]) -> Value {
    adverts
        .iter()
        .filter_map(|a| {
            let address = a.address?;
            let vendor = Vendor::recognise(a)?;
            (!registered.contains(&address)).then(|| {
                json!({"address": address.to_string(), "name": a.name, "vendor": vendor.as_str(),
                       "rssi_dbm": a.rssi_dbm})
            })
        })
        .collect()
}

/// The status JSON of one registered sensor (PROTOCOL.md, `sensors`).
fn sensor_json(
    device: &RegisteredDevice,
    st: Option<&SensorStatus>,
    gaps: &[Gap],
    rssi_dbm: Option<i16>,
    fallback_error: Option<&str>,
) -> Value {
    let state = st.map_or("connecting", |s| state_word(s.state));
    let received = st.map_or(0, |s| s.received);
    let lost = st.map_or(0, |s| s.lost);
    json!({
        "placement": device.placement,
        "address": device.address.to_string(),
        "vendor": device.vendor.as_str(),
        "name": device.name,
        "state": state,
        "nominal_rate_hz": st.map(|s| s.nominal_rate_hz),
        "rate_hz": st.map_or(0.0, |s| s.rate_hz),
        "received": received,
        "lost": lost,
        "loss_pct": st.map_or(0.0, |s| s.loss_pct()),
        "completeness": st.map_or(1.0, |s| s.completeness),
        "clock_offset_ms": st.and_then(|s| s.clock_offset_ms),
        "clock_drift_ppm": st.and_then(|s| s.clock_drift_ppm),
        "malformed": st.map_or(0, |s| s.malformed),
        "battery_pct": st.and_then(|s| s.battery_pct),
        "rssi_dbm": rssi_dbm,
        "links_lost": st.map_or(0, |s| s.links_lost),
        "last_error": st.and_then(|s| s.last_error.clone()).or(fallback_error.map(String::from)),
        "gaps": gaps,
    })
}

impl Ble {
    fn open_central(&mut self) {
        // Short: the engine thread (and so every request) waits for this.
        let opened = self.rt.block_on(async {
            tokio::time::timeout(Duration::from_secs(3), BluezCentral::new()).await
        });
        match opened {
            Ok(Ok(c)) => {
                let c = Arc::new(c);
                self.central = Some(c.clone());
                self.central_error = None;
                let tx = self.tx.clone();
                self.rt.spawn(async move {
                    if let Err(e) = c.start_scan().await {
                        tracing::warn!("start scan: {e}");
                    }
                    loop {
                        if let Ok(a) = c.adverts().await {
                            if tx.send(Msg::Ble(BleMsg::Adverts(a))).is_err() {
                                return;
                            }
                        }
                        tokio::time::sleep(SCAN_PERIOD).await;
                    }
                });
            }
            Ok(Err(e)) => self.central_error = Some(e.to_string()),
            Err(_) => self.central_error = Some("no answer from BlueZ within 3 s".into()),
        }
    }

    /// Starts (or restarts) the manager of slot `i`.
    fn start_link(&mut self, i: usize) {
        let Some(central) = self.central.clone() else {
            return;
        };
        if let Some(old) = self.slots[i].manager.take() {
            self.rt.block_on(old.shutdown());
        }
        self.next_generation += 1;
        let generation = self.next_generation;
        let slot = &mut self.slots[i];
        slot.generation = generation;
        slot.gaps.clear();
        let device = slot.device.clone();
        match self
            .rt
            .block_on(Manager::start(central, vec![device], self.config))
        {
            Ok((manager, mut data)) => {
                slot.offset_us = manager
                    .epoch()
                    .saturating_duration_since(self.epoch)
                    .as_micros() as i64;
                slot.states = Some(manager.states());
                slot.manager = Some(manager);
                let tx = self.tx.clone();
                self.rt.spawn(async move {
                    while let Some(data) = data.recv().await {
                        let msg = Msg::Ble(BleMsg::Data { generation, data });
                        if tx.send(msg).is_err() {
                            return;
                        }
                    }
                });
            }
            Err(e) => {
                tracing::warn!("{}: cannot start its link: {e}", slot.device.address);
                slot.states = None;
            }
        }
    }

    /// The sensor list changed: new analysis, new spec list for sessions.
    fn rebuild(&mut self, engine: &mut Engine) {
        let rate = self.config.rate_hz;
        let list: Vec<(Placement, f64)> = self
            .slots
            .iter()
            .map(|s| (s.device.placement, s.device.vendor.nominal_rate_hz(rate)))
            .collect();
        self.analysis = LiveAnalysis::new(&list, Subject::default());
        engine.set_sensors(
            self.slots
                .iter()
                .map(|s| {
                    (
                        s.device.address,
                        SessionSensor {
                            placement: s.device.placement,
                            device: Some(format!(
                                "{} {}",
                                s.device.vendor.as_str(),
                                s.device.address
                            )),
                            sampling_rate_hz: Some(s.device.vendor.nominal_rate_hz(rate)),
                        },
                    )
                })
                .collect(),
        );
        self.refresh(engine);
    }

    fn registered(&self) -> Vec<Address> {
        self.slots.iter().map(|s| s.device.address).collect()
    }

    fn advert(&self, a: Address) -> Option<&Advert> {
        self.adverts
            .as_ref()?
            .iter()
            .find(|ad| ad.address == Some(a))
    }

    /// Sensors, nearby and notice for the engine's status.
    fn refresh(&self, engine: &mut Engine) {
        let fallback = self
            .central_error
            .as_ref()
            .map(|e| format!("Bluetooth adapter: {e}"));
        engine.sensors = self
            .slots
            .iter()
            .map(|s| {
                let states = s.states.as_ref().map(|r| r.borrow().clone());
                let st = states.as_ref().and_then(|v| v.first());
                let rssi = self.advert(s.device.address).and_then(|a| a.rssi_dbm);
                sensor_json(&s.device, st, &s.gaps, rssi, fallback.as_deref())
            })
            .collect();
        engine.nearby = self
            .adverts
            .as_ref()
            .map_or(json!([]), |a| nearby_json(a, &self.registered()));
        engine.notice = self.notice();
    }

    fn notice(&self) -> Option<String> {
        if let Some(e) = &self.central_error {
            return Some(format!(
                "cannot open the Bluetooth adapter (BlueZ over D-Bus): {e}; retrying every {} s",
                CENTRAL_RETRY.as_secs()
            ));
        }
        if let Some(n) = &self.registry_note {
            return Some(n.clone());
        }
        if self.slots.is_empty() {
            return Some(
                "no sensors registered: assign a nearby sensor (dashboard Sensors screen, `p`) \
                 or register one with `steady sensors add <address> --placement <placement>`"
                    .into(),
            );
        }
        let streaming = self.slots.iter().any(|s| {
            s.states.as_ref().is_some_and(|r| {
                r.borrow()
                    .first()
                    .is_some_and(|x| x.state == SensorState::Streaming)
            })
        });
        let seen = self
            .slots
            .iter()
            .any(|s| self.advert(s.device.address).is_some());
        if !streaming && !seen && self.adverts.is_some() {
            let list: Vec<String> = self
                .slots
                .iter()
                .map(|s| format!("{} ({})", s.device.address, s.device.placement))
                .collect();
            return Some(format!(
                "none of the registered sensors is nearby: {}; are they switched on, charged and \
                 not connected to another phone or computer?",
                list.join(", ")
            ));
        }
        None
    }

    fn on_data(&mut self, engine: &mut Engine, generation: u64, data: SensorData) {
        // None: from a link replaced by a placement change, or of a removed sensor.
        let Some(slot) = self.slots.iter().position(|s| s.generation == generation) else {
            return;
        };
        let s = &mut self.slots[slot];
        let placement = s.device.placement;
        let offset = s.offset_us;
        for g in &data.gaps {
            let g = Gap {
                start: Micros(g.start.0 + offset),
                end: Micros(g.end.0 + offset),
                lost_samples: g.lost_samples,
            };
            s.gaps.push(g);
            engine.record_gap(placement, g);
        }
        if data.samples.is_empty() {
            return;
        }
        let shifted: Vec<ImuSample> = data
            .samples
            .iter()
            .map(|x| ImuSample {
                t: Micros(x.t.0 + offset),
                ..*x
            })
            .collect();
        self.analysis.push(slot, &shifted);
        engine.record(slot, placement, &shifted);
    }

    fn assign(&mut self, engine: &mut Engine, address: Address, placement: Placement) -> Value {
        let mut registry = match Registry::load(&self.data_dir) {
            Ok(r) => r,
            Err(e) => return protocol::error(&e.to_string()),
        };
        let (vendor, name) = match registry.get(address) {
            Some(d) => (d.vendor, d.name.clone()),
            None => match self
                .advert(address)
                .and_then(|a| Some((Vendor::recognise(a)?, a.name.clone())))
            {
                Some(v) => v,
                None => {
                    return protocol::error(&format!(
                        "{address} is not seen nearby as a supported sensor (is it switched on? \
                         `steady sensors add --vendor …` registers one that is not in range)"
                    ))
                }
            },
        };
        let device = RegisteredDevice {
            address,
            vendor,
            placement,
            name,
        };
        if let Err(e) = registry.add(device.clone()).and_then(|()| registry.save()) {
            return protocol::error(&e.to_string());
        }
        let i = match self.slots.iter().position(|s| s.device.address == address) {
            Some(i) if self.slots[i].device == device => {
                return protocol::ok(json!({
                    "address": address.to_string(), "placement": placement,
                    "vendor": vendor.as_str(), "note": "already registered there",
                }));
            }
            Some(i) => {
                self.slots[i].device = device;
                i
            }
            None => {
                self.slots.push(Slot::new(device));
                self.slots.len() - 1
            }
        };
        self.start_link(i);
        self.rebuild(engine);
        protocol::ok(json!({
            "address": address.to_string(), "placement": placement, "vendor": vendor.as_str(),
            "note": "registered; connecting",
        }))
    }

    /// Unregisters a sensor (the registry first: if saving fails nothing changes), then
    /// stops its link, which disconnects it; it is listed nearby again while it advertises.
    /// The engine has refused a sensor of the session being recorded.
    fn remove(&mut self, engine: &mut Engine, address: Address) -> Value {
        let mut registry = match Registry::load(&self.data_dir) {
            Ok(r) => r,
            Err(e) => return protocol::error(&e.to_string()),
        };
        let slot = self.slots.iter().position(|s| s.device.address == address);
        let placement = match (registry.get(address), slot) {
            (Some(d), _) => d.placement,
            (None, Some(i)) => self.slots[i].device.placement,
            (None, None) => return protocol::error(&format!("{address} is not registered")),
        };
        if registry.get(address).is_some() {
            if let Err(e) = registry.remove(address).and_then(|_| registry.save()) {
                return protocol::error(&e.to_string());
            }
        }
        if let Some(i) = slot {
            let s = self.slots.remove(i);
            self.stop_slot(s);
            self.rebuild(engine);
        }
        protocol::ok(json!({
            "address": address.to_string(), "placement": placement,
            "note": "unregistered and disconnected; listed nearby again while it advertises",
        }))
    }

    /// Stops a slot's link (the manager disconnects the sensor).
    fn stop_slot(&self, slot: Slot) {
        if let Some(m) = slot.manager {
            self.rt.block_on(async {
                let _ = tokio::time::timeout(Duration::from_secs(5), m.shutdown()).await;
            });
        }
    }

    /// Follows `sensors.json` when it changed since the last look (see the module doc).
    fn check_registry(&mut self, engine: &mut Engine) {
        let stamp = registry_stamp(&self.data_dir);
        if stamp == self.registry_stamp {
            return;
        }
        if let Some(r) = &engine.rec {
            // Looked at again on every check until the session stops.
            self.registry_note = Some(format!(
                "{REGISTRY_FILE} changed: the change applies when session {} stops (a \
                 recording's sensors never change)",
                r.id
            ));
            return;
        }
        self.registry_stamp = stamp;
        match Registry::load(&self.data_dir) {
            Ok(registry) => {
                self.registry_note = None;
                let (added, removed, changed) = self.follow(engine, registry.devices());
                if added + removed + changed > 0 {
                    eprintln!(
                        "steady daemon: {REGISTRY_FILE} changed: {added} sensor(s) added, \
                         {removed} removed, {changed} changed"
                    );
                }
            }
            Err(e) => {
                let msg = format!(
                    "{e}; keeping the {} sensor(s) loaded before until the file is fixed",
                    self.slots.len()
                );
                eprintln!("steady daemon: {msg}");
                self.registry_note = Some(msg);
            }
        }
        self.refresh(engine);
    }

    /// Makes the sensor set that of `devices`: removed sensors disconnect, new ones connect,
    /// a changed placement or family restarts that link. Returns (added, removed, changed).
    fn follow(
        &mut self,
        engine: &mut Engine,
        devices: &[RegisteredDevice],
    ) -> (usize, usize, usize) {
        let (mut added, mut removed, mut changed) = (0, 0, 0);
        let mut i = 0;
        while i < self.slots.len() {
            if devices
                .iter()
                .any(|d| d.address == self.slots[i].device.address)
            {
                i += 1;
            } else {
                let s = self.slots.remove(i);
                self.stop_slot(s);
                removed += 1;
            }
        }
        for d in devices {
            match self
                .slots
                .iter()
                .position(|s| s.device.address == d.address)
            {
                Some(i) if self.slots[i].device == *d => {}
                Some(i) => {
                    let old = &self.slots[i].device;
                    let restart = old.placement != d.placement || old.vendor != d.vendor;
                    self.slots[i].device = d.clone();
                    if restart {
                        self.start_link(i);
                        changed += 1;
                    }
                }
                None => {
                    self.slots.push(Slot::new(d.clone()));
                    self.start_link(self.slots.len() - 1);
                    added += 1;
                }
            }
        }
        if added + removed + changed > 0 {
            self.rebuild(engine);
        }
        (added, removed, changed)
    }

    fn identify(&self, address: Address, reply: Sender<Value>) {
        let vendor = self
            .slots
            .iter()
            .find(|s| s.device.address == address)
            .map(|s| s.device.vendor)
            .or_else(|| self.advert(address).and_then(Vendor::recognise));
        let Some(vendor) = vendor else {
            let _ = reply.send(protocol::error(&format!(
                "{address} is neither registered nor seen nearby as a supported sensor"
            )));
            return;
        };
        // A family without an identify command is answered without touching the radio.
        if let Err(e) = identify_command(vendor) {
            let _ = reply.send(protocol::error(&e.to_string()));
            return;
        }
        let Some(central) = self.central.clone() else {
            let _ = reply.send(protocol::error("the Bluetooth adapter is not available"));
            return;
        };
        self.rt.spawn(async move {
            let timeout = Duration::from_secs(IDENTIFY_TIMEOUT_S);
            let response = match identify(&*central, address, vendor, timeout).await {
                Ok(done) => protocol::ok(json!({
                    "address": address.to_string(),
                    "note": done.note(),
                })),
                Err(e) => protocol::error(&format!("identify {address}: {e}")),
            };
            let _ = reply.send(response);
        });
    }

    fn handle(&mut self, engine: &mut Engine, msg: Msg) {
        match engine.handle(msg) {
            None => {}
            Some(SourceMsg::Ble(BleMsg::Data { generation, data })) => {
                self.on_data(engine, generation, data)
            }
            Some(SourceMsg::Ble(BleMsg::Adverts(a))) => self.adverts = Some(a),
            Some(SourceMsg::Request(SourceRequest::Assign(a, p), reply)) => {
                let r = self.assign(engine, a, p);
                let _ = reply.send(r);
            }
            Some(SourceMsg::Request(SourceRequest::Identify(a), reply)) => self.identify(a, reply),
            Some(SourceMsg::Request(SourceRequest::Remove(a), reply)) => {
                let r = self.remove(engine, a);
                let _ = reply.send(r);
            }
        }
    }

    fn shutdown(mut self) {
        for s in std::mem::take(&mut self.slots) {
            self.stop_slot(s);
        }
        self.rt.shutdown_timeout(Duration::from_secs(1));
    }
}

/// Runs the BLE source until the daemon stops.
pub(super) fn run(
    engine: &mut Engine,
    rx: &Receiver<Msg>,
    tx: Sender<Msg>,
    opts: &Options,
) -> anyhow::Result<()> {
    // The stamp before the load: a change in between is read again at the first check.
    let registry_stamp = registry_stamp(&opts.data_dir);
    // A malformed registry does not keep the daemon (and its dashboards) down: it starts
    // with no sensor and says why until the file is fixed.
    let (devices, registry_note) = match Registry::load(&opts.data_dir) {
        Ok(r) => (r.devices().to_vec(), None),
        Err(e) => (
            Vec::new(),
            Some(format!(
                "{e}; no sensor is connected until the file is fixed"
            )),
        ),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let epoch = rt.block_on(async { tokio::time::Instant::now() });
    let mut ble = Ble {
        rt,
        tx,
        config: ManagerConfig {
            rate_hz: opts.rate_hz,
            ..ManagerConfig::default()
        },
        data_dir: opts.data_dir.clone(),
        epoch,
        central: None,
        central_error: None,
        slots: devices.into_iter().map(Slot::new).collect(),
        next_generation: 0,
        adverts: None,
        analysis: LiveAnalysis::new(&[], Subject::default()),
        registry_stamp,
        registry_note,
    };
    ble.open_central();
    for i in 0..ble.slots.len() {
        ble.start_link(i);
    }
    ble.rebuild(engine);
    if let Some(n) = &engine.notice {
        eprintln!("steady daemon: {n}");
    }
    let start = Instant::now();
    let mut next_tick = start + Duration::from_secs(1);
    let mut next_central = start + CENTRAL_RETRY;
    let mut next_registry = start + SCAN_PERIOD;
    loop {
        if stopping(engine) {
            break;
        }
        engine.now_us = engine.now_us.max(ble.epoch.elapsed().as_micros() as i64);
        let wait = next_tick
            .saturating_duration_since(Instant::now())
            .min(Duration::from_millis(50));
        match rx.recv_timeout(wait) {
            Ok(msg) => ble.handle(engine, msg),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        while let Ok(msg) = rx.try_recv() {
            ble.handle(engine, msg);
        }
        let now = Instant::now();
        if ble.central.is_none() && now >= next_central {
            next_central = now + CENTRAL_RETRY;
            ble.open_central();
            if ble.central.is_some() {
                for i in 0..ble.slots.len() {
                    ble.start_link(i);
                }
                ble.rebuild(engine);
            }
        }
        if now >= next_registry {
            next_registry = now + SCAN_PERIOD;
            ble.check_registry(engine);
        }
        if now >= next_tick {
            next_tick += Duration::from_secs(1);
            if next_tick < now {
                next_tick = now + Duration::from_secs(1);
            }
            ble.refresh(engine);
            let metrics = serde_json::to_value(ble.analysis.metrics()).unwrap_or(Value::Null);
            let events = ble.analysis.recent_events();
            engine.tick(metrics, &events);
        }
    }
    ble.shutdown();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn advert(last: u8, name: &str, services: Vec<u128>) -> Advert {
        Advert {
            address: Some(Address([0xC5, 0, 0, 0, 0, last])),
            name: Some(name.into()),
            rssi_dbm: Some(-60 - last as i16),
            services,
            ..Advert::default()
        }
    }

    #[test]
    fn nearby_lists_unregistered_supported_sensors_only() {
        let steady = steady_sensors::ble::vendor::STEADY_SERVICE;
        let ads = vec![
            advert(1, "steady-1", vec![steady]),
            advert(2, "steady-2", vec![steady]),
            advert(3, "Galaxy Buds", vec![]),
        ];
        let v = nearby_json(&ads, &[Address([0xC5, 0, 0, 0, 0, 1])]);
        let list = v.as_array().unwrap();
        assert_eq!(list.len(), 1, "{v}");
        assert_eq!(list[0]["address"], "C5:00:00:00:00:02");
        assert_eq!(list[0]["vendor"], "steady");
        assert_eq!(list[0]["rssi_dbm"], -62);
    }

    #[test]
    fn sensor_json_reports_manager_state_words() {
        let d = RegisteredDevice {
            address: Address([0xC5, 0, 0, 0, 0, 9]),
            vendor: Vendor::Steady,
            placement: Placement::LeftShank,
            name: None,
        };
        let v = sensor_json(&d, None, &[], Some(-50), Some("adapter gone"));
        assert_eq!(v["state"], "connecting");
        assert_eq!(v["last_error"], "adapter gone");
        assert_eq!(v["rssi_dbm"], -50);
        assert_eq!(v["placement"], "left_shank");
        assert_eq!(
            state_word(SensorState::Reconnecting { attempt: 2 }),
            "reconnecting"
        );
    }
}
