//! Structured logs: readable on a laptop, JSON in production. Each request's log lines
//! carry its request id (tracing-actix-web). Logs go to stderr, so that what a command
//! prints on stdout (`tandem openapi`, `tandem demo`) stays clean.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; `RUST_LOG` overrides the default level.
pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_writer(std::io::stderr);
    let result = if json { builder.json().try_init() } else { builder.compact().try_init() };
    if result.is_err() {
        // Already installed (tests start several apps in one process).
    }
}
