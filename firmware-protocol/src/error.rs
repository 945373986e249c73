//! Typed errors of every decoder and encoder of the crate.

/// Why bytes could not be decoded. Every malformed input maps to one of these; no decoder
/// panics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Fewer bytes than the smallest valid frame of this kind.
    #[error("truncated frame: {got} bytes, at least {needed} needed")]
    Truncated {
        /// Minimum length for this frame kind.
        needed: usize,
        /// Bytes received.
        got: usize,
    },
    /// More bytes than the largest valid frame of this kind.
    #[error("absurd frame length: {got} bytes, at most {max} allowed")]
    TooLong {
        /// Maximum length for this frame kind.
        max: usize,
        /// Bytes received.
        got: usize,
    },
    /// A length between the limits that no frame of this kind has (e.g. a data frame that is
    /// not `20` or `9 + 12·N` bytes, or a command whose payload does not match its opcode).
    #[error("bad frame length: {got} bytes")]
    BadLength {
        /// Bytes received.
        got: usize,
    },
    /// The protocol version nibble is not one this decoder knows.
    #[error("unknown protocol version {0}")]
    UnknownVersion(u8),
    /// The integrity check failed.
    #[error("bad CRC: frame says {found:#06x}, bytes give {computed:#06x}")]
    BadCrc {
        /// CRC carried by the frame.
        found: u16,
        /// CRC computed over the received bytes.
        computed: u16,
    },
    /// Bits reserved in this version are set.
    #[error("reserved bits set in {field}")]
    ReservedBits {
        /// Which field.
        field: &'static str,
    },
    /// A code that this version does not define (sample rate, range, result code, …).
    #[error("invalid value {value} in {field}")]
    InvalidField {
        /// Which field.
        field: &'static str,
        /// The raw value.
        value: u16,
    },
    /// A command opcode this version does not define.
    #[error("unknown command opcode {0:#04x}")]
    UnknownCommand(u8),
    /// A status kind this version does not define.
    #[error("unknown status kind {0:#04x}")]
    UnknownStatus(u8),
}

/// Why a value could not be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// The output buffer is shorter than the encoded frame.
    #[error("output buffer too small: {got} bytes, {needed} needed")]
    BufferTooSmall {
        /// Encoded length.
        needed: usize,
        /// Buffer length.
        got: usize,
    },
    /// A data frame needs 1 to 19 samples.
    #[error("a data frame carries 1 to 19 samples, not {0}")]
    SampleCount(usize),
    /// A field value outside the range the protocol defines.
    #[error("value {value} out of range for {field}")]
    OutOfRange {
        /// Which field.
        field: &'static str,
        /// The value.
        value: u16,
    },
}
