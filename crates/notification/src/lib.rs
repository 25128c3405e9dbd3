//! The email seam: discreet templates and the transports that carry them.
//!
//! Every email Tandem sends says only that something is waiting in the app. The
//! templates get a small allowlist of variables (a link, a greeting name for the
//! recipient themself, the practice's public name is deliberately absent) and a test
//! checks every rendering against a denylist of revealing words.

pub mod mailer;
pub mod outbox;
pub mod templates;

pub use mailer::{MailConfig, MailError, Mailer, SmtpConfig, SmtpTls, TransportConfig};
pub use templates::{Email, EmailKind, render, render_with};
