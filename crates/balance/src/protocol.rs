//! Guided protocol.
