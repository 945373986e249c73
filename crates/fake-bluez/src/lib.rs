//! Simulated BlueZ for tests (dev-only).
