//! Token and session lifetimes (domain.md, "Limits and lifetimes").

use chrono::Duration;

use crate::UserKind;

/// How long an access JWT lives.
pub const ACCESS_TOKEN_TTL: Duration = Duration::minutes(15);
/// A reuse of a rotated refresh token within this window is a network retry and gets the
/// same new pair; a later reuse revokes the whole family.
pub const REFRESH_RETRY_GRACE: Duration = Duration::seconds(10);
/// How long an invitation link works.
pub const INVITATION_TTL: Duration = Duration::days(7);
/// How long a password-reset link works.
pub const PASSWORD_RESET_TTL: Duration = Duration::minutes(30);

/// Idle and absolute limits of a refresh-token family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// A session not refreshed for this long is over.
    pub idle: Duration,
    /// A session is over this long after sign-in, however active.
    pub absolute: Duration,
}

/// Staff sessions are short because staff see whole caseloads; clients use phones and
/// would otherwise sign in every day.
#[must_use]
pub fn session_limits(kind: UserKind) -> SessionLimits {
    match kind {
        UserKind::Staff => SessionLimits { idle: Duration::minutes(60), absolute: Duration::hours(12) },
        UserKind::Client => SessionLimits { idle: Duration::days(30), absolute: Duration::days(90) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_sessions_are_shorter_than_clients() {
        let staff = session_limits(UserKind::Staff);
        let client = session_limits(UserKind::Client);
        assert_eq!(staff.idle, Duration::minutes(60));
        assert_eq!(staff.absolute, Duration::hours(12));
        assert_eq!(client.idle, Duration::days(30));
        assert_eq!(client.absolute, Duration::days(90));
    }
}
