//! Real BLE acquisition.
//!
//! - [`transport`]: the async trait in front of btleplug ([`BleCentral`], [`BlePeripheral`]).
//! - [`bluez`] (feature `bluez`): its btleplug implementation.
//! - [`mock`]: an in-memory implementation for tests.
//! - [`vendor`]: recognition, UUIDs and the link plan (subscriptions, configuration bytes,
//!   battery) per sensor family.
//! - [`registry`]: registered devices persisted in the data directory.
//! - [`identify`]: make a sensor blink (steady, Movella DOT), shared by the CLI and the daemon.
//! - [`link`]: pure state machine (states, backoff, silence watchdog).
//! - [`manager`]: the tokio connection manager.
//! - [`scan`]: one-shot scan for the `steady sensors scan` command.

#[cfg(feature = "bluez")]
pub mod bluez;
pub mod identify;
pub mod link;
pub mod manager;
pub mod mock;
pub mod registry;
pub mod scan;
pub mod transport;
pub mod vendor;

pub use link::{LinkPolicy, SensorState};
pub use manager::{Manager, ManagerConfig, SensorData, SensorStatus};
pub use registry::{RegisteredDevice, Registry, RegistryError};
pub use transport::{Address, Advert, BleCentral, BleError, BlePeripheral, CentralEvent};
pub use vendor::Vendor;
