//! The `tandem` binary's wiring, as a library so black-box tests start the very same app.

pub mod bench;
pub mod cli;
pub mod config;
pub mod demo;
pub mod loadbench;
pub mod setup;
pub mod startup;
pub mod telemetry;

pub use config::Config;
pub use startup::{Running, Shutdown, StartupError, build_state, migrate, start};
