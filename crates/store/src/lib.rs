//! Session store and exports.
