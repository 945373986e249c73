//! GATT service and characteristics of a steady sensor. All UUIDs derive from one random
//! (version 4) 128-bit base of our own, `d46dXXXX-3f50-4143-91f2-022bf9e83aa1`, with a
//! 16-bit number in bytes 2–3 (the `XXXX`), as Nordic's UART service does with its base.

/// The base UUID (`XXXX` = 0000).
pub const BASE_UUID: u128 = 0xd46d0000_3f50_4143_91f2_022bf9e83aa1;

/// The UUID with 16-bit number `short` put into the base.
pub const fn uuid_from_short(short: u16) -> u128 {
    BASE_UUID | ((short as u128) << 96)
}

/// Primary service `d46d0001-3f50-4143-91f2-022bf9e83aa1` (advertised, so a scan filter can
/// find steady sensors).
pub const SERVICE_UUID: u128 = uuid_from_short(0x0001);
/// Data characteristic `d46d0002-…`: notify only; one [`crate::DataFrame`] per notification.
pub const DATA_CHAR_UUID: u128 = uuid_from_short(0x0002);
/// Command characteristic `d46d0003-…`: write (with response) and write without response;
/// one [`crate::Command`] per write.
pub const COMMAND_CHAR_UUID: u128 = uuid_from_short(0x0003);
/// Status characteristic `d46d0004-…`: notify and read; one [`crate::Status`] per
/// notification, a read returns the latest `Report`.
pub const STATUS_CHAR_UUID: u128 = uuid_from_short(0x0004);

/// A UUID as the 16 bytes in the little-endian order BLE stacks (the air, Zephyr's
/// `BT_UUID_128_ENCODE`, ESP-IDF's `uuid128`) use.
pub const fn uuid_le_bytes(uuid: u128) -> [u8; 16] {
    uuid.to_le_bytes()
}

/// A UUID as the 16 bytes of its text form (big-endian), as `uuid::Uuid::from_u128` builds.
pub const fn uuid_be_bytes(uuid: u128) -> [u8; 16] {
    uuid.to_be_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_forms() {
        // The canonical text form, written by hand.
        assert_eq!(SERVICE_UUID, 0xd46d0001_3f50_4143_91f2_022bf9e83aa1);
        assert_eq!(DATA_CHAR_UUID, 0xd46d0002_3f50_4143_91f2_022bf9e83aa1);
        assert_eq!(COMMAND_CHAR_UUID, 0xd46d0003_3f50_4143_91f2_022bf9e83aa1);
        assert_eq!(STATUS_CHAR_UUID, 0xd46d0004_3f50_4143_91f2_022bf9e83aa1);
        assert_eq!(uuid_be_bytes(SERVICE_UUID)[..4], [0xd4, 0x6d, 0x00, 0x01]);
        assert_eq!(uuid_le_bytes(SERVICE_UUID)[12..], [0x01, 0x00, 0x6d, 0xd4]);
        // Random UUID (RFC 9562 version 4, variant 10xx).
        assert_eq!((BASE_UUID >> 76) & 0xF, 4);
        assert_eq!((BASE_UUID >> 62) & 0x3, 0b10);
    }
}
