//! The connection manager (tokio): one task per registered sensor connects, discovers,
//! subscribes and configures with its vendor's [`Plan`](super::vendor::Plan), decodes every
//! notification through the sensor's [`Receiver`] (driver → clock sync → gap accounting), reads
//! the battery, watches for silence and reconnects with backoff; one task drains the central's
//! event stream. States go out on a `watch` channel, decoded data on a bounded `mpsc` channel.

use std::sync::Arc;

use steady_core::{Gap, ImuSample, Placement};
use tokio::sync::{mpsc, watch, Notify};
use tokio::task::JoinHandle;
use tokio::time::{Duration, Instant};

use super::link::{connecting_state, Backoff, Health, LinkPolicy, SensorState, Watchdog};
use super::registry::RegisteredDevice;
use super::transport::{
    Address, BleCentral, BleError, BlePeripheral, CentralEvent, Notification, Uuid128,
};
use super::vendor::{BatteryRead, Plan, PlanError, Vendor};
use crate::driver::NoteKind;
use crate::receive::{ReceiveConfig, Receiver};

/// One notification as it arrived on the host, with what the receive path made of it.
#[derive(Debug, Clone, PartialEq)]
pub struct SensorData {
    /// Index of the sensor in the device list given to [`Manager::start`].
    pub index: usize,
    /// Device address.
    pub address: Address,
    /// Where the device is worn.
    pub placement: Placement,
    /// Sensor family.
    pub vendor: Vendor,
    /// Host arrival time, µs since [`Manager::epoch`] (= session time zero).
    pub arrival_us: u64,
    /// Characteristic it came from.
    pub uuid: Uuid128,
    /// The characteristic value.
    pub bytes: Vec<u8>,
    /// What it was (data, control reply, malformed, unknown).
    pub kind: NoteKind,
    /// Its samples on the session timeline.
    pub samples: Vec<ImuSample>,
    /// Gaps (lost samples) revealed just before these samples.
    pub gaps: Vec<Gap>,
}

/// The live status of one registered sensor.
#[derive(Debug, Clone, PartialEq)]
pub struct SensorStatus {
    /// Device address.
    pub address: Address,
    /// Where it is worn.
    pub placement: Placement,
    /// Sensor family.
    pub vendor: Vendor,
    /// Connection state.
    pub state: SensorState,
    /// Rate the sensor was configured at, Hz.
    pub nominal_rate_hz: f64,
    /// Samples received per second over the last second or so.
    pub rate_hz: f64,
    /// Samples received.
    pub received: u64,
    /// Samples lost (in explicit gaps).
    pub lost: u64,
    /// Received / (received + lost), 1.0 before any data.
    pub completeness: f64,
    /// Last battery reading, percent.
    pub battery_pct: Option<u8>,
    /// Notifications received (all subscribed characteristics).
    pub notifications: u64,
    /// Notifications that failed to decode.
    pub malformed: u64,
    /// Notifications of an unknown characteristic or type.
    pub unknown: u64,
    /// Links lost (each followed by a reconnect attempt).
    pub links_lost: u32,
    /// Last connection or sensor error, if any.
    pub last_error: Option<String>,
    /// Estimated host − device clock offset, ms, once the clock sync has an estimate.
    pub clock_offset_ms: Option<f64>,
    /// Estimated device clock drift against the host, ppm, once estimated.
    pub clock_drift_ppm: Option<f64>,
}

impl SensorStatus {
    /// Lost fraction, percent.
    pub fn loss_pct(&self) -> f64 {
        100.0 * (1.0 - self.completeness)
    }
}

/// Manager settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ManagerConfig {
    /// Stall, loss, backoff and battery timing.
    pub policy: LinkPolicy,
    /// Output rate asked of each sensor, Hz.
    pub rate_hz: u32,
    /// Capacity of the data channel.
    pub channel_capacity: usize,
    /// Longest wait for `connect` + discovery, µs.
    pub connect_timeout_us: u64,
    /// Receive path settings (clock sync, counter-less gap threshold).
    pub receive: ReceiveConfig,
}

impl Default for ManagerConfig {
    fn default() -> Self {
        ManagerConfig {
            policy: LinkPolicy::default(),
            rate_hz: 100,
            channel_capacity: 4096,
            connect_timeout_us: 15_000_000,
            receive: ReceiveConfig::default(),
        }
    }
}

/// After a link-loss event, how long notifications already on their way are still taken, µs.
const DRAIN_AFTER_LOSS_US: u64 = 50_000;

#[derive(Default)]
struct Signals {
    disconnected: Notify,
    discovered: Notify,
}

/// A running connection manager. Drop or [`Manager::shutdown`] to stop it.
pub struct Manager {
    states: watch::Receiver<Vec<SensorStatus>>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    epoch: Instant,
}

impl Manager {
    /// Starts managing `devices` (the registry's entries; nothing else is ever connected).
    /// Returns the manager and the receiver of decoded notifications.
    pub async fn start<C: BleCentral>(
        central: Arc<C>,
        devices: Vec<RegisteredDevice>,
        config: ManagerConfig,
    ) -> Result<(Manager, mpsc::Receiver<SensorData>), BleError> {
        let epoch = Instant::now();
        let (tx, rx) = mpsc::channel(config.channel_capacity.max(1));
        let (stop, stop_rx) = watch::channel(false);
        let initial: Vec<SensorStatus> = devices
            .iter()
            .map(|d| SensorStatus {
                address: d.address,
                placement: d.placement,
                vendor: d.vendor,
                state: SensorState::Connecting,
                nominal_rate_hz: d.vendor.nominal_rate_hz(config.rate_hz),
                rate_hz: 0.0,
                received: 0,
                lost: 0,
                completeness: 1.0,
                battery_pct: None,
                notifications: 0,
                malformed: 0,
                unknown: 0,
                links_lost: 0,
                last_error: None,
                clock_offset_ms: None,
                clock_drift_ppm: None,
            })
            .collect();
        let (state_tx, states) = watch::channel(initial);
        let state_tx = Arc::new(state_tx);
        let signals: Vec<Arc<Signals>> = devices.iter().map(|_| Arc::default()).collect();

        let mut events = central.events().await?;
        if let Err(e) = central.start_scan().await {
            tracing::warn!("start scan: {e}");
        }
        let mut tasks = Vec::new();
        let addresses: Vec<Address> = devices.iter().map(|d| d.address).collect();
        let drain_signals = signals.clone();
        let mut drain_stop = stop_rx.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                tokio::select! {
                    ev = events.recv() => {
                        let Some(ev) = ev else { break };
                        let (addr, disc) = match ev {
                            CentralEvent::Disconnected(a) => (a, true),
                            CentralEvent::Discovered(a) => (a, false),
                            _ => continue,
                        };
                        if let Some(i) = addresses.iter().position(|a| *a == addr) {
                            if disc {
                                drain_signals[i].disconnected.notify_one();
                            } else {
                                drain_signals[i].discovered.notify_one();
                            }
                        }
                    }
                    _ = drain_stop.changed() => break,
                }
            }
        }));
        for (index, device) in devices.into_iter().enumerate() {
            let rx = Receiver::new(
                device.placement,
                device.vendor,
                config.rate_hz,
                config.receive,
            );
            let link = SensorLink {
                central: central.clone(),
                rx,
                rate: RateMeter::default(),
                device,
                index,
                config,
                states: state_tx.clone(),
                out: tx.clone(),
                signals: signals[index].clone(),
                stop: stop_rx.clone(),
                epoch,
            };
            tasks.push(tokio::spawn(link.run()));
        }
        Ok((
            Manager {
                states,
                stop,
                tasks,
                epoch,
            },
            rx,
        ))
    }

    /// A receiver of every sensor's status (index order = the registry's order).
    pub fn states(&self) -> watch::Receiver<Vec<SensorStatus>> {
        self.states.clone()
    }

    /// The instant arrival times count from.
    pub fn epoch(&self) -> Instant {
        self.epoch
    }

    /// Disconnects every sensor and waits for the tasks to end.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for t in self.tasks.drain(..) {
            let _ = t.await;
        }
    }
}

impl Drop for Manager {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

enum LinkEnd {
    Lost,
    Stop,
}

/// Samples per second over windows of about one second of arrival time.
#[derive(Debug, Default)]
struct RateMeter {
    start_us: Option<u64>,
    count: u64,
    rate_hz: f64,
}

impl RateMeter {
    fn add(&mut self, n: usize, now_us: u64) {
        self.start_us.get_or_insert(now_us);
        self.count += n as u64;
        self.roll(now_us);
    }

    fn roll(&mut self, now_us: u64) {
        let Some(start) = self.start_us else { return };
        let span = now_us.saturating_sub(start);
        if span >= 1_000_000 {
            self.rate_hz = self.count as f64 * 1e6 / span as f64;
            self.count = 0;
            self.start_us = Some(now_us);
        }
    }
}

struct SensorLink<C: BleCentral> {
    central: Arc<C>,
    rx: Receiver,
    rate: RateMeter,
    device: RegisteredDevice,
    index: usize,
    config: ManagerConfig,
    states: Arc<watch::Sender<Vec<SensorStatus>>>,
    out: mpsc::Sender<SensorData>,
    signals: Arc<Signals>,
    stop: watch::Receiver<bool>,
    epoch: Instant,
}

impl<C: BleCentral> SensorLink<C> {
    fn now_us(&self) -> u64 {
        self.epoch.elapsed().as_micros() as u64
    }

    fn update(&self, f: impl FnOnce(&mut SensorStatus)) {
        let i = self.index;
        self.states.send_if_modified(|all| {
            let before = all[i].clone();
            f(&mut all[i]);
            all[i] != before
        });
    }

    async fn run(mut self) {
        let policy = self.config.policy;
        let mut backoff = Backoff::new(policy.backoff_initial_us, policy.backoff_max_us);
        let mut ever_connected = false;
        loop {
            let state = connecting_state(ever_connected, backoff.failures(), &policy);
            self.update(|s| s.state = state);
            match self.link(&mut ever_connected, &mut backoff).await {
                Ok(LinkEnd::Stop) => return,
                Ok(LinkEnd::Lost) => self.update(|s| s.links_lost += 1),
                Err(e) => {
                    tracing::debug!("{}: {e}", self.device.address);
                    self.update(|s| s.last_error = Some(e.to_string()));
                }
            }
            if *self.stop.borrow() {
                return;
            }
            let delay_us = backoff.next_delay_us();
            let state = connecting_state(true, backoff.failures(), &policy);
            self.update(|s| s.state = state);
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_micros(delay_us)) => {}
                _ = self.signals.discovered.notified() => {}
                _ = self.stop.changed() => return,
            }
        }
    }

    fn refresh(&self, s: &mut SensorStatus) {
        let g = self.rx.gaps();
        s.received = g.received();
        s.lost = g.lost();
        s.completeness = g.completeness();
        let st = self.rx.stats();
        s.notifications = st.notifications;
        s.malformed = st.malformed;
        s.unknown = st.unknown;
        s.rate_hz = self.rate.rate_hz;
        if let Some(b) = self.rx.driver().battery_pct() {
            s.battery_pct = Some(b);
        }
        if let Some(e) = self.rx.driver().last_error() {
            s.last_error = Some(e.to_string());
        }
        let clock = self.rx.clock();
        if clock.is_ready() {
            s.clock_offset_ms = Some(clock.offset_us(0) * 1e-3);
            s.clock_drift_ppm = Some(clock.drift_ppm());
        }
    }

    async fn setup(&mut self, p: &C::Peripheral) -> Result<Plan, BleError> {
        let address = self.device.address;
        p.connect().await?;
        let chars = p.discover().await?;
        let plan = self
            .device
            .vendor
            .plan(self.config.rate_hz, &chars)
            .map_err(|e| match e {
                PlanError::MissingCharacteristic(u, _) => {
                    BleError::MissingCharacteristic(address, u)
                }
            })?;
        self.rx.driver_mut().on_link_up();
        for cmd in &plan.configure {
            p.write(cmd.uuid, &cmd.value, cmd.with_response).await?;
        }
        for &u in &plan.subscribe {
            p.subscribe(u).await?;
        }
        for cmd in &plan.writes {
            p.write(cmd.uuid, &cmd.value, cmd.with_response).await?;
        }
        Ok(plan)
    }

    /// Handles one notification of the current link: decode, answer, account, forward.
    /// Returns false when nobody listens any more (the manager is being dropped).
    async fn on_note(
        &mut self,
        p: &C::Peripheral,
        plan: &Plan,
        n: Notification,
        watchdog: &mut Watchdog,
        backoff: &mut Backoff,
    ) -> Result<bool, BleError> {
        if !plan.subscribe.contains(&n.uuid) {
            return Ok(true);
        }
        let now_us = self.now_us();
        let got = self.rx.push(n.uuid, &n.value, now_us);
        for w in self.rx.driver_mut().take_writes() {
            p.write(w.uuid, &w.value, w.with_response).await?;
        }
        let is_data = plan.data.contains(&n.uuid) && got.kind != NoteKind::Control;
        if is_data {
            if !watchdog.has_streamed() {
                backoff.reset();
            }
            watchdog.on_data(now_us);
        }
        self.rate.add(got.samples.len(), now_us);
        let i = self.index;
        self.states.send_if_modified(|all| {
            let before = all[i].clone();
            if is_data {
                all[i].state = SensorState::Streaming;
            }
            self.refresh(&mut all[i]);
            all[i] != before
        });
        let data = SensorData {
            index: self.index,
            address: self.device.address,
            placement: self.device.placement,
            vendor: self.device.vendor,
            arrival_us: now_us,
            uuid: n.uuid,
            bytes: n.value,
            kind: got.kind,
            samples: got.samples,
            gaps: got.gaps,
        };
        Ok(self.out.send(data).await.is_ok())
    }

    async fn link(
        &mut self,
        ever_connected: &mut bool,
        backoff: &mut Backoff,
    ) -> Result<LinkEnd, BleError> {
        let address = self.device.address;
        let p = self.central.peripheral(address).await?;
        let mut notes = p.notifications().await?;
        let timeout = Duration::from_micros(self.config.connect_timeout_us);
        let plan = match tokio::time::timeout(timeout, self.setup(&p)).await {
            Ok(Ok(plan)) => plan,
            Ok(Err(e)) => {
                let _ = p.disconnect().await;
                return Err(e);
            }
            Err(_) => {
                let _ = p.disconnect().await;
                return Err(BleError::Stack(format!("{address}: connect timed out")));
            }
        };
        *ever_connected = true;
        self.update(|s| s.last_error = None);
        let policy = self.config.policy;
        let mut watchdog = Watchdog::new(&policy, self.now_us());
        let tick_us = (policy.stall_after_us / 4).max(1_000);
        let mut tick = tokio::time::interval(Duration::from_micros(tick_us));
        let mut battery = tokio::time::interval(Duration::from_micros(
            policy.battery_period_us.max(1_000_000),
        ));
        loop {
            tokio::select! {
                n = notes.recv() => {
                    let Some(n) = n else {
                        return Err(BleError::Stack(format!("{address}: notification stream ended")));
                    };
                    if !self.on_note(&p, &plan, n, &mut watchdog, backoff).await? {
                        let _ = p.disconnect().await;
                        return Ok(LinkEnd::Stop);
                    }
                }
                _ = tick.tick() => {
                    let now_us = self.now_us();
                    self.rate.roll(now_us);
                    if self.rate.start_us.is_some_and(|s| now_us - s >= 2_000_000) {
                        // Nothing for two windows: the rate is zero, not the last value.
                        self.rate.rate_hz = 0.0;
                    }
                    let i = self.index;
                    self.states.send_if_modified(|all| {
                        let before = all[i].clone();
                        self.refresh(&mut all[i]);
                        all[i] != before
                    });
                    match watchdog.check(now_us) {
                        Health::Streaming => {}
                        Health::Stalled => self.update(|s| s.state = SensorState::Stalled),
                        Health::LinkLost => {
                            let _ = p.disconnect().await;
                            return Ok(LinkEnd::Lost);
                        }
                    }
                }
                _ = self.signals.disconnected.notified() => {
                    // The event may be stale (from an earlier link): trust the stack's answer.
                    if !p.is_connected().await.unwrap_or(false) {
                        // Keep what the sensor sent before the link went: the notifications
                        // already on their way travel a different path than the event.
                        let drain = Duration::from_micros(DRAIN_AFTER_LOSS_US);
                        while let Ok(Some(n)) = tokio::time::timeout(drain, notes.recv()).await {
                            if !self.on_note(&p, &plan, n, &mut watchdog, backoff).await? {
                                return Ok(LinkEnd::Stop);
                            }
                        }
                        return Ok(LinkEnd::Lost);
                    }
                }
                _ = battery.tick(), if plan.battery != BatteryRead::None => {
                    match &plan.battery {
                        BatteryRead::Gatt(u) => {
                            if let Ok(v) = p.read(*u).await {
                                self.rx.driver_mut().on_battery_read(*u, &v);
                            }
                        }
                        BatteryRead::Command(c) => {
                            let _ = p.write(c.uuid, &c.value, c.with_response).await;
                        }
                        BatteryRead::None => {}
                    }
                    let i = self.index;
                    self.states.send_if_modified(|all| {
                        let before = all[i].clone();
                        self.refresh(&mut all[i]);
                        all[i] != before
                    });
                }
                _ = self.stop.changed() => {
                    let _ = p.disconnect().await;
                    return Ok(LinkEnd::Stop);
                }
            }
        }
    }
}
