//! IMU simulator (see module docs).
