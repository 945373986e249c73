//! Sensor acquisition.
//!
//! - [`clock`]: device clock → session timeline (offset and drift from the lower envelope of
//!   arrival times; timestamp unwrapping).
//! - [`gaps`]: lost-sample accounting from sequence numbers (explicit gaps, completeness).
//! - [`driver`]: per-vendor decoders (steady, WitMotion, Movella DOT, MetaWear, Polar,
//!   Thingy:52): notification bytes → 6-axis SI samples with device time; malformed counted.
//! - [`receive`]: a BLE sensor's receive path (driver → sample index → clock sync → gaps).
//! - [`simulated`]: a simulated sensor source (simulator → notifications → decode → clock
//!   sync → gap accounting → samples per placement).
//! - [`vendor_sim`]: SI samples → each family's notifications (simulated sensors on the wire).
//! - [`ble`]: real BLE sensors: transport trait over btleplug, registry, connection manager.

pub mod ble;
pub mod clock;
pub mod driver;
pub mod gaps;
pub mod receive;
pub mod simulated;
pub mod vendor_sim;
