//! Foot-IMU part of `steady validate` (gaitmap example data with motion-capture reference).
