//! One thin module per headless command: resolve inputs, call the client, print.

pub mod deployments;
pub mod doctor;
pub mod login;
pub mod models;
pub mod run;
pub mod sessions;
pub mod simulate;
mod table;
