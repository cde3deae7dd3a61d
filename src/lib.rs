//! sapcode: a terminal coding assistant for SAP AI Core.
//!
//! The library holds everything the binary does so integration tests can drive the
//! simulator and the client in-process; `main.rs` only parses arguments and exits.

pub mod aicore;
pub mod sim;
