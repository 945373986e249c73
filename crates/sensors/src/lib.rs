//! Sensor acquisition.
//!
//! - [`clock`]: device clock → session timeline (offset and drift from the lower envelope of
//!   arrival times; timestamp unwrapping).
//! - [`gaps`]: lost-sample accounting from sequence numbers (explicit gaps, completeness).
//! - [`simulated`]: a simulated sensor source (simulator → notifications → decode → clock
//!   sync → gap accounting → samples per placement).

pub mod clock;
pub mod gaps;
pub mod simulated;
