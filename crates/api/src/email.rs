//! Sends the transactional emails (invitations, password resets) after their
//! transaction commits. The send runs in the background so the response time does not
//! reveal whether an address exists. (The outbox, with retries, replaces this seam in
//! the reminders issue.)

use tandem_notification::{EmailKind, render};

use crate::state::AppState;

/// The front-end route that receives each kind of link. The token rides in the URL
/// fragment, which browsers never send to servers, so it stays out of access logs.
fn link(state: &AppState, kind: EmailKind, token: &str) -> String {
    let base = state.config.public_url.trim_end_matches('/');
    match kind {
        EmailKind::Invitation => format!("{base}/invitation#token={token}"),
        EmailKind::PasswordReset => format!("{base}/password-reset#token={token}"),
        // No token: the clinician signs in as usual.
        EmailKind::ClinicianAlert => format!("{base}/"),
    }
}

/// Renders and sends in the background; failures are logged with the kind, never the
/// address or token.
pub fn send(state: &AppState, kind: EmailKind, to: &str, token: &str, expires_in: &str) {
    let email = match render(kind, to, &link(state, kind, token), expires_in) {
        Ok(email) => email,
        Err(e) => {
            tracing::error!(kind = kind.as_str(), error = %e, "email did not render");
            return;
        }
    };
    let mailer = state.mailer.clone();
    tokio::spawn(async move {
        if let Err(e) = mailer.send(&email).await {
            tracing::error!(kind = kind.as_str(), error = %e, "email not sent");
        }
    });
}
