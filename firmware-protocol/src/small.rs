//! The envelope shared by command and status frames:
//! `[version << 4] [opcode or kind] [request id] [payload …] [CRC-8/SAE-J1850]`.

use crate::crc::crc8;
use crate::error::{DecodeError, EncodeError};
use crate::VERSION;

/// Envelope bytes around a payload.
pub(crate) const OVERHEAD: usize = 4;

/// Write an envelope with `payload`; returns the length.
pub(crate) fn encode(
    out: &mut [u8],
    code: u8,
    request_id: u8,
    payload: &[u8],
) -> Result<usize, EncodeError> {
    let len = OVERHEAD + payload.len();
    if out.len() < len {
        return Err(EncodeError::BufferTooSmall {
            needed: len,
            got: out.len(),
        });
    }
    out[0] = VERSION << 4;
    out[1] = code;
    out[2] = request_id;
    out[3..3 + payload.len()].copy_from_slice(payload);
    out[len - 1] = crc8(&out[..len - 1]);
    Ok(len)
}

/// Check version, length limits, CRC and reserved bits; returns (code, request id, payload).
pub(crate) fn decode(bytes: &[u8], max_len: usize) -> Result<(u8, u8, &[u8]), DecodeError> {
    let Some(&b0) = bytes.first() else {
        return Err(DecodeError::Truncated {
            needed: OVERHEAD,
            got: 0,
        });
    };
    if b0 >> 4 != VERSION {
        return Err(DecodeError::UnknownVersion(b0 >> 4));
    }
    let len = bytes.len();
    if len < OVERHEAD {
        return Err(DecodeError::Truncated {
            needed: OVERHEAD,
            got: len,
        });
    }
    if len > max_len {
        return Err(DecodeError::TooLong {
            max: max_len,
            got: len,
        });
    }
    let found = bytes[len - 1];
    let computed = crc8(&bytes[..len - 1]);
    if found != computed {
        return Err(DecodeError::BadCrc {
            found: found as u16,
            computed: computed as u16,
        });
    }
    if b0 & 0x0F != 0 {
        return Err(DecodeError::ReservedBits { field: "header" });
    }
    Ok((bytes[1], bytes[2], &bytes[3..len - 1]))
}

/// Check that `payload` has exactly `n` bytes (full frame length `OVERHEAD + n`).
pub(crate) fn expect_len(payload: &[u8], n: usize) -> Result<(), DecodeError> {
    let got = payload.len() + OVERHEAD;
    if payload.len() < n {
        Err(DecodeError::Truncated {
            needed: n + OVERHEAD,
            got,
        })
    } else if payload.len() > n {
        Err(DecodeError::BadLength { got })
    } else {
        Ok(())
    }
}
