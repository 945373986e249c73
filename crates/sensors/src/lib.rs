//! Sensor acquisition.
