//! Transport (todo).
