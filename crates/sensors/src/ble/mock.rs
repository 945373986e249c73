//! An in-memory [`BleCentral`] for tests: simulated devices that a test drives directly
//! (send a notification, drop the link silently or with an event, vanish and come back).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use super::transport::{
    Address, Advert, BleCentral, BleError, BlePeripheral, CentralEvent, CharInfo, Notification,
    Uuid128,
};

/// Answers a write with notifications `(characteristic, value)` (e.g. a MetaWear chip reply).
pub type Responder = Box<dyn Fn(Uuid128, &[u8]) -> Vec<(Uuid128, Vec<u8>)> + Send>;

#[derive(Default)]
struct Answer(Option<Responder>);

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Answer(..)"
        } else {
            "Answer(none)"
        })
    }
}

#[derive(Debug, Default)]
struct Device {
    responder: Answer,
    advert: Advert,
    present: bool,
    connected: bool,
    chars: Vec<CharInfo>,
    subscribed: Vec<Uuid128>,
    reads: HashMap<Uuid128, Vec<u8>>,
    writes: Vec<(Uuid128, Vec<u8>)>,
    connects: u32,
    listeners: Vec<mpsc::Sender<Notification>>,
}

#[derive(Debug, Default)]
struct World {
    devices: HashMap<Address, Device>,
    events: Vec<mpsc::Sender<CentralEvent>>,
    scanning: bool,
}

impl World {
    fn emit(&mut self, ev: CentralEvent) {
        self.events.retain(|tx| tx.try_send(ev.clone()).is_ok());
    }
}

/// The simulated adapter.
#[derive(Debug, Clone, Default)]
pub struct MockCentral {
    world: Arc<Mutex<World>>,
}

/// A test's handle on one simulated device.
#[derive(Debug, Clone)]
pub struct MockDevice {
    address: Address,
    world: Arc<Mutex<World>>,
}

/// The peripheral type of [`MockCentral`].
#[derive(Debug, Clone)]
pub struct MockPeripheral {
    address: Address,
    world: Arc<Mutex<World>>,
}

impl MockCentral {
    /// An adapter with no devices.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a device in range with these characteristics.
    pub fn add_device(&self, advert: Advert, chars: Vec<CharInfo>) -> MockDevice {
        let address = advert.address.expect("mock advert needs an address");
        let mut w = self.world.lock().unwrap();
        w.devices.insert(
            address,
            Device {
                advert,
                present: true,
                chars,
                ..Device::default()
            },
        );
        w.emit(CentralEvent::Discovered(address));
        MockDevice {
            address,
            world: self.world.clone(),
        }
    }

    /// Whether a scan is running.
    pub fn scanning(&self) -> bool {
        self.world.lock().unwrap().scanning
    }
}

impl MockDevice {
    fn with<R>(&self, f: impl FnOnce(&mut World, Address) -> R) -> R {
        f(&mut self.world.lock().unwrap(), self.address)
    }

    /// Sends a notification on `uuid` if connected and subscribed; returns whether it went out.
    pub fn notify(&self, uuid: Uuid128, value: &[u8]) -> bool {
        self.with(|w, a| {
            let d = w.devices.get_mut(&a).unwrap();
            if !(d.present && d.connected && d.subscribed.contains(&uuid)) {
                return false;
            }
            let n = Notification {
                uuid,
                value: value.to_vec(),
            };
            d.listeners.retain(|tx| !tx.is_closed());
            d.listeners.iter().any(|tx| tx.try_send(n.clone()).is_ok())
        })
    }

    /// Drops the link; `with_event` = the stack reports it (else only silence tells).
    pub fn drop_link(&self, with_event: bool) {
        self.with(|w, a| {
            let d = w.devices.get_mut(&a).unwrap();
            d.connected = false;
            d.subscribed.clear();
            if with_event {
                w.emit(CentralEvent::Disconnected(a));
            }
        })
    }

    /// Removes the device from the stack (out of range) or brings it back (re-advertising).
    pub fn set_present(&self, present: bool) {
        self.with(|w, a| {
            let d = w.devices.get_mut(&a).unwrap();
            d.present = present;
            if !present {
                d.connected = false;
                d.subscribed.clear();
            } else {
                w.emit(CentralEvent::Discovered(a));
            }
        })
    }

    /// Sets how the device answers writes: each returned `(characteristic, value)` is
    /// notified at once (if subscribed), as a sensor answers a command.
    pub fn set_responder(
        &self,
        f: impl Fn(Uuid128, &[u8]) -> Vec<(Uuid128, Vec<u8>)> + Send + 'static,
    ) {
        self.with(|w, a| w.devices.get_mut(&a).unwrap().responder = Answer(Some(Box::new(f))))
    }

    /// Sets the value a read of `uuid` returns.
    pub fn set_read(&self, uuid: Uuid128, value: &[u8]) {
        self.with(|w, a| {
            w.devices
                .get_mut(&a)
                .unwrap()
                .reads
                .insert(uuid, value.to_vec());
        })
    }

    /// Every write received, in order.
    pub fn writes(&self) -> Vec<(Uuid128, Vec<u8>)> {
        self.with(|w, a| w.devices[&a].writes.clone())
    }

    /// Successful connects so far.
    pub fn connects(&self) -> u32 {
        self.with(|w, a| w.devices[&a].connects)
    }

    /// Whether the link is up.
    pub fn is_connected(&self) -> bool {
        self.with(|w, a| w.devices[&a].connected)
    }

    /// Whether connected and subscribed to `uuid`.
    pub fn subscribed(&self, uuid: Uuid128) -> bool {
        self.with(|w, a| {
            let d = &w.devices[&a];
            d.connected && d.subscribed.contains(&uuid)
        })
    }
}

impl MockPeripheral {
    fn with<R>(
        &self,
        f: impl FnOnce(&mut World, &mut Device) -> Result<R, BleError>,
    ) -> Result<R, BleError> {
        let mut guard = self.world.lock().unwrap();
        let w = &mut *guard;
        let mut d = match w.devices.remove(&self.address) {
            Some(d) if d.present => d,
            Some(d) => {
                w.devices.insert(self.address, d);
                return Err(BleError::NotFound(self.address));
            }
            None => return Err(BleError::NotFound(self.address)),
        };
        let r = f(w, &mut d);
        w.devices.insert(self.address, d);
        r
    }

    fn connected<R>(&self, f: impl FnOnce(&mut Device) -> R) -> Result<R, BleError> {
        let a = self.address;
        self.with(|_, d| {
            if d.connected {
                Ok(f(d))
            } else {
                Err(BleError::NotConnected(a))
            }
        })
    }
}

impl BleCentral for MockCentral {
    type Peripheral = MockPeripheral;

    async fn start_scan(&self) -> Result<(), BleError> {
        self.world.lock().unwrap().scanning = true;
        Ok(())
    }

    async fn stop_scan(&self) -> Result<(), BleError> {
        self.world.lock().unwrap().scanning = false;
        Ok(())
    }

    async fn events(&self) -> Result<mpsc::Receiver<CentralEvent>, BleError> {
        let (tx, rx) = mpsc::channel(1024);
        let mut w = self.world.lock().unwrap();
        for (a, d) in &w.devices {
            if d.present {
                let _ = tx.try_send(CentralEvent::Discovered(*a));
            }
        }
        w.events.push(tx);
        Ok(rx)
    }

    async fn adverts(&self) -> Result<Vec<Advert>, BleError> {
        let w = self.world.lock().unwrap();
        let mut v: Vec<Advert> = w
            .devices
            .values()
            .filter(|d| d.present)
            .map(|d| d.advert.clone())
            .collect();
        v.sort_by_key(|a| a.address);
        Ok(v)
    }

    async fn peripheral(&self, address: Address) -> Result<MockPeripheral, BleError> {
        let w = self.world.lock().unwrap();
        match w.devices.get(&address) {
            Some(d) if d.present => Ok(MockPeripheral {
                address,
                world: self.world.clone(),
            }),
            _ => Err(BleError::NotFound(address)),
        }
    }
}

impl BlePeripheral for MockPeripheral {
    fn address(&self) -> Address {
        self.address
    }

    async fn connect(&self) -> Result<(), BleError> {
        let a = self.address;
        self.with(|w, d| {
            d.connected = true;
            d.connects += 1;
            w.emit(CentralEvent::Connected(a));
            Ok(())
        })
    }

    async fn disconnect(&self) -> Result<(), BleError> {
        let a = self.address;
        self.with(|w, d| {
            if d.connected {
                d.connected = false;
                d.subscribed.clear();
                w.emit(CentralEvent::Disconnected(a));
            }
            Ok(())
        })
    }

    async fn is_connected(&self) -> Result<bool, BleError> {
        self.with(|_, d| Ok(d.connected))
    }

    async fn discover(&self) -> Result<Vec<CharInfo>, BleError> {
        self.connected(|d| d.chars.clone())
    }

    async fn subscribe(&self, uuid: Uuid128) -> Result<(), BleError> {
        let a = self.address;
        self.connected(|d| {
            if d.chars.iter().any(|c| c.uuid == uuid && c.notify) {
                d.subscribed.push(uuid);
                Ok(())
            } else {
                Err(BleError::MissingCharacteristic(a, uuid))
            }
        })?
    }

    async fn write(
        &self,
        uuid: Uuid128,
        value: &[u8],
        _with_response: bool,
    ) -> Result<(), BleError> {
        self.connected(|d| {
            d.writes.push((uuid, value.to_vec()));
            let answers = d
                .responder
                .0
                .as_ref()
                .map(|f| f(uuid, value))
                .unwrap_or_default();
            for (u, v) in answers {
                if d.subscribed.contains(&u) {
                    let n = Notification { uuid: u, value: v };
                    d.listeners.retain(|tx| !tx.is_closed());
                    for tx in &d.listeners {
                        let _ = tx.try_send(n.clone());
                    }
                }
            }
        })
    }

    async fn read(&self, uuid: Uuid128) -> Result<Vec<u8>, BleError> {
        let a = self.address;
        self.connected(|d| d.reads.get(&uuid).cloned())?
            .ok_or(BleError::MissingCharacteristic(a, uuid))
    }

    async fn notifications(&self) -> Result<mpsc::Receiver<Notification>, BleError> {
        let (tx, rx) = mpsc::channel(4096);
        self.with(|_, d| {
            d.listeners.push(tx);
            Ok(())
        })?;
        Ok(rx)
    }
}
