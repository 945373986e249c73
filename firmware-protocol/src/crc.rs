//! The two integrity checks of the protocol (parameters as in the "Catalogue of parametrised
//! CRC algorithms", R. Williams' model, reveng.sourceforge.io/crc-catalogue):
//!
//! - [`crc8`]: **CRC-8/SAE-J1850** — width 8, poly 0x1D, init 0xFF, refin/refout false,
//!   xorout 0xFF, check ("123456789") 0x4B. Used by single-sample data frames and by every
//!   command and status frame (all ≤ 20 bytes; Hamming distance 3 up to 247 data bits).
//! - [`crc16`]: **CRC-16/IBM-3740** (a.k.a. CRC-16/CCITT-FALSE) — width 16, poly 0x1021,
//!   init 0xFFFF, refin/refout false, xorout 0x0000, check 0x29B1. Used by batched data
//!   frames (2–19 samples, up to 237 bytes; Hamming distance 4 up to 32751 data bits).
//!
//! Bitwise implementations: a few hundred bytes per frame, no 256-entry table in firmware flash.

/// CRC-8/SAE-J1850 of `bytes` (check value 0x4B).
pub const fn crc8(bytes: &[u8]) -> u8 {
    let mut crc: u8 = 0xFF;
    let mut i = 0;
    while i < bytes.len() {
        crc ^= bytes[i];
        let mut b = 0;
        while b < 8 {
            crc = if crc & 0x80 != 0 {
                (crc << 1) ^ 0x1D
            } else {
                crc << 1
            };
            b += 1;
        }
        i += 1;
    }
    crc ^ 0xFF
}

/// CRC-16/IBM-3740 of `bytes` (check value 0x29B1).
pub const fn crc16(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    let mut i = 0;
    while i < bytes.len() {
        crc ^= (bytes[i] as u16) << 8;
        let mut b = 0;
        while b < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
            b += 1;
        }
        i += 1;
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_check_values() {
        // Check values from the CRC catalogue, not from this code.
        assert_eq!(crc8(b"123456789"), 0x4B);
        assert_eq!(crc16(b"123456789"), 0x29B1);
    }

    #[test]
    fn empty_input_is_init_xor_out() {
        assert_eq!(crc8(&[]), 0x00);
        assert_eq!(crc16(&[]), 0xFFFF);
    }
}
