//! Opaque tokens live with the use cases that issue them; re-exported for the routes
//! that still mint them here.

pub use tandem_service::tokens::{generate, hash, successor};
