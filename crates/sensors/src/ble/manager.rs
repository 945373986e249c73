//! The connection manager (tokio): one task per registered sensor connects, discovers,
//! subscribes, configures, reads the battery, watches for silence and reconnects with backoff;
//! one task drains the central's event stream. States go out on a `watch` channel, raw
//! notifications on a bounded `mpsc` channel.

use std::sync::Arc;

use steady_core::Placement;
use tokio::sync::{mpsc, watch, Notify};
use tokio::task::JoinHandle;
use tokio::time::{Duration, Instant};

use super::link::{connecting_state, Backoff, Health, LinkPolicy, SensorState, Watchdog};
use super::registry::RegisteredDevice;
use super::transport::{Address, BleCentral, BleError, BlePeripheral, CentralEvent};
use super::vendor::{Vendor, BATTERY_LEVEL};

/// One raw notification as it arrived on the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawNotification {
    /// Device address.
    pub address: Address,
    /// Where the device is worn.
    pub placement: Placement,
    /// Sensor family (selects the decoder).
    pub vendor: Vendor,
    /// Host arrival time, µs since [`Manager::epoch`].
    pub arrival_us: u64,
    /// The characteristic value.
    pub bytes: Vec<u8>,
}

/// The live status of one registered sensor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SensorStatus {
    /// Device address.
    pub address: Address,
    /// Where it is worn.
    pub placement: Placement,
    /// Sensor family.
    pub vendor: Vendor,
    /// Connection state.
    pub state: SensorState,
    /// Last battery reading, percent.
    pub battery_pct: Option<u8>,
    /// Data notifications received.
    pub notifications: u64,
    /// Data notifications that failed the vendor's structural check.
    pub malformed: u64,
    /// Links lost (each followed by a reconnect attempt).
    pub links_lost: u32,
    /// Last connection error, if any.
    pub last_error: Option<String>,
}

/// Manager settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ManagerConfig {
    /// Stall, loss, backoff and battery timing.
    pub policy: LinkPolicy,
    /// Output rate asked of each sensor, Hz.
    pub rate_hz: u32,
    /// Capacity of the raw notification channel.
    pub channel_capacity: usize,
    /// Longest wait for `connect` + discovery, µs.
    pub connect_timeout_us: u64,
}

impl Default for ManagerConfig {
    fn default() -> Self {
        ManagerConfig {
            policy: LinkPolicy::default(),
            rate_hz: 100,
            channel_capacity: 4096,
            connect_timeout_us: 15_000_000,
        }
    }
}

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
    /// Returns the manager and the receiver of raw notifications.
    pub async fn start<C: BleCentral>(
        central: Arc<C>,
        devices: Vec<RegisteredDevice>,
        config: ManagerConfig,
    ) -> Result<(Manager, mpsc::Receiver<RawNotification>), BleError> {
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
                battery_pct: None,
                notifications: 0,
                malformed: 0,
                links_lost: 0,
                last_error: None,
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
            let link = SensorLink {
                central: central.clone(),
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

struct SensorLink<C: BleCentral> {
    central: Arc<C>,
    device: RegisteredDevice,
    index: usize,
    config: ManagerConfig,
    states: Arc<watch::Sender<Vec<SensorStatus>>>,
    out: mpsc::Sender<RawNotification>,
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

    async fn link(
        &mut self,
        ever_connected: &mut bool,
        backoff: &mut Backoff,
    ) -> Result<LinkEnd, BleError> {
        let address = self.device.address;
        let vendor = self.device.vendor;
        let data_char = vendor.data_char();
        let p = self.central.peripheral(address).await?;
        let mut notes = p.notifications().await?;
        let timeout = Duration::from_micros(self.config.connect_timeout_us);
        let setup = async {
            p.connect().await?;
            let chars = p.discover().await?;
            if !chars.iter().any(|c| c.uuid == data_char && c.notify) {
                return Err(BleError::MissingCharacteristic(address, data_char));
            }
            p.subscribe(data_char).await?;
            for cmd in vendor.configure(self.config.rate_hz) {
                p.write(cmd.uuid, &cmd.value, cmd.with_response).await?;
            }
            Ok(chars.iter().any(|c| c.uuid == BATTERY_LEVEL && c.read))
        };
        let has_battery = match tokio::time::timeout(timeout, setup).await {
            Ok(Ok(b)) => b,
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
                    if n.uuid != data_char {
                        continue;
                    }
                    let now_us = self.now_us();
                    if !watchdog.has_streamed() {
                        backoff.reset();
                    }
                    watchdog.on_data(now_us);
                    let ok = vendor.plausible(&n.value);
                    self.update(|s| {
                        s.state = SensorState::Streaming;
                        s.notifications += 1;
                        if !ok {
                            s.malformed += 1;
                        }
                    });
                    let raw = RawNotification {
                        address,
                        placement: self.device.placement,
                        vendor,
                        arrival_us: now_us,
                        bytes: n.value,
                    };
                    if self.out.send(raw).await.is_err() {
                        let _ = p.disconnect().await;
                        return Ok(LinkEnd::Stop);
                    }
                }
                _ = tick.tick() => match watchdog.check(self.now_us()) {
                    Health::Streaming => {}
                    Health::Stalled => self.update(|s| s.state = SensorState::Stalled),
                    Health::LinkLost => {
                        let _ = p.disconnect().await;
                        return Ok(LinkEnd::Lost);
                    }
                },
                _ = self.signals.disconnected.notified() => {
                    // The event may be stale (from an earlier link): trust the stack's answer.
                    if !p.is_connected().await.unwrap_or(false) {
                        return Ok(LinkEnd::Lost);
                    }
                }
                _ = battery.tick(), if has_battery => {
                    if let Ok(v) = p.read(BATTERY_LEVEL).await {
                        if let Some(&pct) = v.first() {
                            self.update(|s| s.battery_pct = Some(pct.min(100)));
                        }
                    }
                }
                _ = self.stop.changed() => {
                    let _ = p.disconnect().await;
                    return Ok(LinkEnd::Stop);
                }
            }
        }
    }
}
