//! Sensor acquisition.
//!
//! - [`ble`]: real BLE sensors: transport trait over btleplug, registry, connection manager.

pub mod ble;
