//! D-Bus property values as plain data (converted to `dbus` variants only in [`crate::server`]),
//! and UUID text forms.

/// A 128-bit UUID as `u128` (same convention as `steady_protocol`).
pub type Uuid = u128;

/// The lower-case text form BlueZ uses, `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
pub fn uuid_string(u: Uuid) -> String {
    let h = format!("{u:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The full UUID of a 16-bit SIG UUID (base `0000xxxx-0000-1000-8000-00805f9b34fb`).
pub const fn sig_uuid(short: u16) -> Uuid {
    ((short as u128) << 96) | 0x0000_0000_0000_1000_8000_0080_5f9b_34fb
}

/// One property value, typed as BlueZ types it (pitfall: wrong types make bluez-async drop
/// the object silently, see `shared/research/ble-testing.md` §6).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `b`.
    Bool(bool),
    /// `s`.
    Str(String),
    /// `n` (RSSI, TxPower).
    I16(i16),
    /// `q` (MTU, Appearance).
    U16(u16),
    /// `u` (Class).
    U32(u32),
    /// `as` (UUIDs, Flags).
    Strs(Vec<String>),
    /// `ay` (Value).
    Bytes(Vec<u8>),
    /// `o`.
    Path(String),
    /// `a{qv}` with `ay` values (ManufacturerData).
    ManufacturerData(Vec<(u16, Vec<u8>)>),
    /// `a{sv}` with `ay` values (ServiceData).
    ServiceData(Vec<(String, Vec<u8>)>),
}

/// Named properties of one interface, in a stable order.
pub type Props = Vec<(&'static str, Value)>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_text_form() {
        assert_eq!(
            uuid_string(0x0000ffe5_0000_1000_8000_00805f9a34fb),
            "0000ffe5-0000-1000-8000-00805f9a34fb"
        );
        assert_eq!(
            uuid_string(sig_uuid(0x2A19)),
            "00002a19-0000-1000-8000-00805f9b34fb"
        );
    }
}
