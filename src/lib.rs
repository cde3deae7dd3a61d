//! sapcode: a terminal coding assistant for SAP AI Core.
//!
//! The library holds everything the binary does so integration tests can drive the
//! simulator and the client in-process; `main.rs` only parses arguments and exits.

pub mod agent;
pub mod aicore;
pub mod byte_size;
pub mod cli;
pub mod commands;
pub mod config;
pub mod connect;
pub mod crash;
pub mod credentials;
pub mod fsutil;
pub mod logging;
pub mod redact;
pub mod report;
pub mod secrets;
pub mod serve;
pub mod sim;
pub mod stdout;
pub mod terminal_text;
pub mod tui;
