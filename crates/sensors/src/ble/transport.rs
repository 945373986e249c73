//! The small async trait in front of btleplug: scan events, connect, discover, subscribe,
//! write, read, notifications. Implemented by btleplug (feature `bluez`) and by the in-memory
//! [`crate::ble::mock`] used to test the connection manager.

use std::fmt;
use std::future::Future;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

/// A 48-bit Bluetooth device address, shown as `AA:BB:CC:DD:EE:FF`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address(pub [u8; 6]);

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02X}:{:02X}:{:02X}:{:02X}:{:02X}:{:02X}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

/// Error parsing an [`Address`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a Bluetooth address (expected AA:BB:CC:DD:EE:FF)")]
pub struct AddressParseError(pub String);

impl FromStr for Address {
    type Err = AddressParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || AddressParseError(s.to_string());
        let parts: Vec<&str> = s.trim().split([':', '-']).collect();
        if parts.len() != 6 {
            return Err(err());
        }
        let mut out = [0u8; 6];
        for (o, p) in out.iter_mut().zip(parts) {
            if p.len() != 2 {
                return Err(err());
            }
            *o = u8::from_str_radix(p, 16).map_err(|_| err())?;
        }
        Ok(Address(out))
    }
}

impl Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A 128-bit GATT UUID (as `u128`, so the trait needs no UUID crate).
pub type Uuid128 = u128;

/// Builds the full UUID of a 16-bit SIG UUID on the SIG base `0000xxxx-0000-1000-8000-00805f9b34fb`.
pub const fn sig_uuid(short: u16) -> Uuid128 {
    ((short as u128) << 96) | 0x0000_0000_0000_1000_8000_0080_5f9b_34fb
}

/// What an advertisement (or BlueZ's cached device object) tells about a nearby device.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Advert {
    /// Device address.
    pub address: Option<Address>,
    /// Advertised local name.
    pub name: Option<String>,
    /// Signal strength, dBm.
    pub rssi_dbm: Option<i16>,
    /// Advertised service UUIDs.
    pub services: Vec<Uuid128>,
    /// Manufacturer data by company id.
    pub manufacturer_data: Vec<(u16, Vec<u8>)>,
}

/// An event from the central (adapter) event stream.
#[derive(Debug, Clone, PartialEq)]
pub enum CentralEvent {
    /// A device was seen (or was already known to the stack: not proof it is in range).
    Discovered(Address),
    /// A device's advertisement data changed (RSSI, manufacturer or service data).
    Updated(Address),
    /// The link to a device came up.
    Connected(Address),
    /// The link to a device went down.
    Disconnected(Address),
}

/// One GATT characteristic found by service discovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CharInfo {
    /// Service UUID.
    pub service: Uuid128,
    /// Characteristic UUID.
    pub uuid: Uuid128,
    /// Supports notifications.
    pub notify: bool,
    /// Supports write (with or without response).
    pub write: bool,
    /// Supports read.
    pub read: bool,
}

/// One characteristic value notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Characteristic UUID it came from.
    pub uuid: Uuid128,
    /// The value bytes.
    pub value: Vec<u8>,
}

/// Errors of the BLE transport.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BleError {
    /// No Bluetooth adapter is available.
    #[error("no Bluetooth adapter found")]
    NoAdapter,
    /// The device is not known to the Bluetooth stack (not seen in a scan, or removed).
    #[error("device {0} not found (not in range or not yet scanned)")]
    NotFound(Address),
    /// The device is not connected.
    #[error("device {0} is not connected")]
    NotConnected(Address),
    /// The device lacks a characteristic the vendor protocol needs.
    #[error("device {0} has no characteristic {1:032x}")]
    MissingCharacteristic(Address, Uuid128),
    /// Any other error from the Bluetooth stack.
    #[error("bluetooth: {0}")]
    Stack(String),
}

/// The adapter side: scanning and looking up peripherals.
pub trait BleCentral: Send + Sync + 'static {
    /// The peripheral type of this backend.
    type Peripheral: BlePeripheral;
    /// Starts scanning (advertisements then arrive as [`CentralEvent`]s).
    fn start_scan(&self) -> impl Future<Output = Result<(), BleError>> + Send;
    /// Stops scanning.
    fn stop_scan(&self) -> impl Future<Output = Result<(), BleError>> + Send;
    /// A new stream of central events. The implementation drains the stack's own stream in a
    /// task of its own, so the stack never buffers without bound.
    fn events(&self)
        -> impl Future<Output = Result<mpsc::Receiver<CentralEvent>, BleError>> + Send;
    /// Every device the stack currently knows, with its last advertisement.
    fn adverts(&self) -> impl Future<Output = Result<Vec<Advert>, BleError>> + Send;
    /// The peripheral with this address, if the stack knows it.
    fn peripheral(
        &self,
        address: Address,
    ) -> impl Future<Output = Result<Self::Peripheral, BleError>> + Send;
}

/// One remote device.
pub trait BlePeripheral: Send + Sync + 'static {
    /// Its address.
    fn address(&self) -> Address;
    /// Connects (returns when services are resolved).
    fn connect(&self) -> impl Future<Output = Result<(), BleError>> + Send;
    /// Disconnects.
    fn disconnect(&self) -> impl Future<Output = Result<(), BleError>> + Send;
    /// Whether the link is up.
    fn is_connected(&self) -> impl Future<Output = Result<bool, BleError>> + Send;
    /// Discovers services; must be called again after every reconnect.
    fn discover(&self) -> impl Future<Output = Result<Vec<CharInfo>, BleError>> + Send;
    /// Enables notifications on a characteristic.
    fn subscribe(&self, uuid: Uuid128) -> impl Future<Output = Result<(), BleError>> + Send;
    /// Writes a value (`with_response` = write request, else write command).
    fn write(
        &self,
        uuid: Uuid128,
        value: &[u8],
        with_response: bool,
    ) -> impl Future<Output = Result<(), BleError>> + Send;
    /// Reads a value.
    fn read(&self, uuid: Uuid128) -> impl Future<Output = Result<Vec<u8>, BleError>> + Send;
    /// The stream of notifications of this device (all subscribed characteristics). It stays
    /// open across reconnects.
    fn notifications(
        &self,
    ) -> impl Future<Output = Result<mpsc::Receiver<Notification>, BleError>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_round_trips_and_rejects_junk() {
        let a: Address = "d4:22:cd:00:01:0a".parse().unwrap();
        assert_eq!(a.0, [0xD4, 0x22, 0xCD, 0x00, 0x01, 0x0A]);
        assert_eq!(a.to_string(), "D4:22:CD:00:01:0A");
        assert!("D4:22:CD:00:01".parse::<Address>().is_err());
        assert!("D4:22:CD:00:01:GG".parse::<Address>().is_err());
        assert!("D4:22:CD:00:01:0AA".parse::<Address>().is_err());
    }

    #[test]
    fn sig_uuid_is_on_the_sig_base() {
        // Battery Level 0x2A19 = 00002a19-0000-1000-8000-00805f9b34fb.
        assert_eq!(sig_uuid(0x2A19), 0x00002a19_0000_1000_8000_00805f9b34fb);
    }
}
