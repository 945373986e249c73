//! steady's sensor wire protocol (see `PROTOCOL.md`). `no_std`, no allocation.
#![no_std]
