//! Single-leg stance test.
