//! Every email as it goes out: subject, text and HTML, rendered with the inputs the
//! outbox worker gives each kind (fixed here, so the snapshots are deterministic). A
//! change to a template shows up as a snapshot diff to review.

// Tests may unwrap: a panic is how a test reports a broken expectation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tandem_notification::{EmailKind, render_with};

const BASE: &str = "https://app.tandem.test";

#[test]
fn every_email_kind_renders_as_reviewed() {
    for &kind in EmailKind::ALL {
        let (link, expires_in) = match kind {
            EmailKind::Invitation => (format!("{BASE}/invitation#token=invitation-token"), "7 days"),
            EmailKind::PasswordReset => (format!("{BASE}/password-reset#token=reset-token"), "30 minutes"),
            _ => (format!("{BASE}/"), ""),
        };
        let unsubscribe = kind.is_reminder().then(|| format!("{BASE}/unsubscribe/signed-unsubscribe-token"));
        let email = render_with(kind, "ana@example.org", &link, expires_in, unsubscribe.as_deref()).unwrap();
        let rendered = format!(
            "To: {}\nSubject: {}\nList-Unsubscribe: {}\n\n----- text -----\n{}\n----- html -----\n{}",
            email.to,
            email.subject,
            email.unsubscribe.as_deref().unwrap_or("(none)"),
            email.text,
            email.html
        );
        insta::assert_snapshot!(kind.as_str(), rendered);
    }
}
