//! steady-fake-bluez: a simulated BlueZ for tests (dev-only; never linked into `steady`).
//!
//! It implements the part of the `org.bluez` D-Bus API that btleplug (through bluez-async)
//! uses, on a private `dbus-daemon`, and exposes simulated sensors of every supported vendor
//! with their real UUIDs and byte formats, streaming motion from the gait simulator. Tests
//! point libdbus's system-bus address at the private bus and drive the real btleplug path.
//! Method and signal details follow `shared/research/ble-testing.md`.
//!
//! Module map:
//! - [`bus`]: [`PrivateBus`], a `dbus-daemon` owned by the test process.
//! - [`world`]: the BlueZ state machine (adapter, devices, GATT objects, effects), no I/O.
//! - [`device`]: advertisement + GATT table ([`DeviceSpec`]) and [`SimSensor`] per [`Family`].
//! - [`firmware`]: per-vendor simulated firmware (steady, WitMotion, Movella DOT, MetaWear,
//!   Polar Verity Sense, Thingy:52) and the sample scheduler.
//! - [`value`]: property values and UUID text.
//! - `server` (private): the D-Bus thread (hand-written dispatch on the `dbus` crate).
//!
//! ```no_run
//! use steady_fake_bluez::{FakeBluez, Family, PrivateBus, SimSensor, SYSTEM_BUS_ENV};
//! let bus = PrivateBus::start()?;                    // fails loudly without dbus-daemon
//! std::env::set_var(SYSTEM_BUS_ENV, bus.address());  // before anything touches D-Bus
//! let fake = FakeBluez::start(bus.address())?;
//! fake.add(SimSensor::new(Family::WitMotion, [0xE1, 0, 0, 0, 0, 1], 0));
//! // … btleplug now sees a WitMotion sensor on "hci0" …
//! # Ok::<(), steady_fake_bluez::FakeError>(())
//! ```

pub mod bus;
pub mod device;
pub mod firmware;
mod server;
pub mod value;
pub mod world;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub use bus::{PrivateBus, SYSTEM_BUS_ENV};
pub use device::{DeviceSpec, Family, SimSensor};
pub use firmware::{FirmwareStatus, SampleRun};
pub use value::Uuid;
pub use world::{DeviceLog, Write};

/// Errors of the fake.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FakeError {
    /// `dbus-daemon` is not installed (CI installs it in `.ci/install-deps`).
    #[error("dbus-daemon not found on PATH: install the `dbus` package (see .ci/install-deps)")]
    DaemonMissing,
    /// Starting the daemon or its files failed.
    #[error("private bus: {0}")]
    Io(String),
    /// A D-Bus call of the fake itself failed.
    #[error("D-Bus: {0}")]
    Bus(String),
    /// Someone else owns `org.bluez` on this bus.
    #[error("org.bluez is already owned on this bus")]
    NameTaken,
    /// No simulated device has this address.
    #[error("no simulated device {0:02X?}")]
    UnknownDevice([u8; 6]),
}

/// A running fake BlueZ. Dropping it stops its thread (the bus stays).
pub struct FakeBluez {
    world: Arc<Mutex<world::World>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    epoch: Instant,
}

impl std::fmt::Debug for FakeBluez {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeBluez").finish_non_exhaustive()
    }
}

impl FakeBluez {
    /// Connects to the bus at `address`, owns `org.bluez` and starts serving (no devices yet).
    pub fn start(address: &str) -> Result<FakeBluez, FakeError> {
        let ch = server::connect(address)?;
        let world = Arc::new(Mutex::new(world::World::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let epoch = Instant::now();
        let thread = {
            let (world, stop) = (world.clone(), stop.clone());
            std::thread::Builder::new()
                .name("fake-bluez".into())
                .spawn(move || server::run(ch, world, stop, epoch))
                .map_err(|e| FakeError::Io(e.to_string()))?
        };
        Ok(FakeBluez {
            world,
            stop,
            thread: Some(thread),
            epoch,
        })
    }

    fn now_s(&self) -> f64 {
        self.epoch.elapsed().as_secs_f64()
    }

    fn with<T>(
        &self,
        address: [u8; 6],
        f: impl FnOnce(&mut world::World, usize, f64) -> T,
    ) -> Result<T, FakeError> {
        let now = self.now_s();
        let mut w = self.world.lock().unwrap_or_else(PoisonError::into_inner);
        let i = w.find(address).ok_or(FakeError::UnknownDevice(address))?;
        Ok(f(&mut w, i, now))
    }

    /// Adds a simulated device (it advertises; it appears once a client scans).
    pub fn add(&self, sensor: SimSensor) {
        let now = self.now_s();
        self.world
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .add(sensor, now);
    }

    /// Drops the link from the device side mid-stream (ServicesResolved=false, GATT objects
    /// removed, Connected=false); the device then refuses connections for `outage`.
    pub fn drop_link(&self, address: [u8; 6], outage: Duration) -> Result<(), FakeError> {
        self.with(address, |w, i, now| {
            w.drop_link(i, outage.as_secs_f64(), now)
        })
    }

    /// The device disappears: link down, advertising stops, its object is removed.
    pub fn remove(&self, address: [u8; 6]) -> Result<(), FakeError> {
        self.with(address, |w, i, now| w.remove(i, now))
    }

    /// The device advertises again (and reappears while a client scans).
    pub fn advertise(&self, address: [u8; 6]) -> Result<(), FakeError> {
        self.with(address, |w, i, now| w.advertise(i, now))
    }

    /// Notifies arbitrary bytes on characteristic `uuid`; false if not subscribed/connected.
    pub fn inject(&self, address: [u8; 6], uuid: Uuid, bytes: &[u8]) -> Result<bool, FakeError> {
        self.with(address, |w, i, _| w.inject(i, uuid, bytes.to_vec()))
    }

    /// What the device saw and sent.
    pub fn log(&self, address: [u8; 6]) -> Result<DeviceLog, FakeError> {
        self.with(address, |w, i, _| w.log(i))
    }

    /// The device firmware's state (rate, streaming runs).
    pub fn firmware(&self, address: [u8; 6]) -> Result<FirmwareStatus, FakeError> {
        self.with(address, |w, i, _| w.firmware_status(i))
    }

    /// Whether the device is connected.
    pub fn is_connected(&self, address: [u8; 6]) -> Result<bool, FakeError> {
        self.with(address, |w, i, _| w.is_connected(i))
    }

    /// Whether the device's object exists on the bus.
    pub fn is_present(&self, address: [u8; 6]) -> Result<bool, FakeError> {
        self.with(address, |w, i, _| w.is_present(i))
    }
}

impl Drop for FakeBluez {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
