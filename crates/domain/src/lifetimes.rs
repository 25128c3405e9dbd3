//! Token and session lifetimes (domain.md, "Limits and lifetimes").

use chrono::{DateTime, Duration, Utc};

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

/// What is known about a presented refresh token's session when it comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshFacts {
    pub now: DateTime<Utc>,
    /// The session was ended (logout, reuse, idle, deactivation, password reset).
    pub revoked: bool,
    /// The session's absolute end.
    pub expires_at: DateTime<Utc>,
    /// The account can sign in.
    pub user_active: bool,
    /// The session's last sign-in or refresh.
    pub last_used_at: DateTime<Utc>,
    pub limits: SessionLimits,
    /// When this token was exchanged already, if it was.
    pub rotated_at: Option<DateTime<Utc>>,
}

/// What a refresh does (domain.md, "Limits and lifetimes": rotation, retry grace, idle
/// limit, reuse).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshVerdict {
    /// The session already ended (revoked or past its absolute lifetime).
    Ended,
    /// The account cannot sign in any more.
    Inactive,
    /// Idle too long: the session ends now.
    Idle,
    /// A fresh token: exchange it for its successor.
    Rotate,
    /// Exchanged a moment ago: a network retry gets the same successor (if it is still
    /// the newest); otherwise it is a reuse.
    Replay,
    /// An old token came back: treated as theft, the session ends now.
    Reuse,
}

/// Decides what a presented refresh token gets.
#[must_use]
pub fn refresh_verdict(f: &RefreshFacts) -> RefreshVerdict {
    if f.revoked || f.expires_at <= f.now {
        RefreshVerdict::Ended
    } else if !f.user_active {
        RefreshVerdict::Inactive
    } else if f.now - f.last_used_at > f.limits.idle {
        RefreshVerdict::Idle
    } else {
        match f.rotated_at {
            None => RefreshVerdict::Rotate,
            Some(at) if f.now - at <= REFRESH_RETRY_GRACE => RefreshVerdict::Replay,
            Some(_) => RefreshVerdict::Reuse,
        }
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

    #[test]
    fn refresh_verdicts() {
        let now = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        let base = RefreshFacts {
            now,
            revoked: false,
            expires_at: now + Duration::hours(1),
            user_active: true,
            last_used_at: now - Duration::minutes(5),
            limits: session_limits(UserKind::Staff),
            rotated_at: None,
        };
        let cases = [
            (base, RefreshVerdict::Rotate),
            (RefreshFacts { revoked: true, ..base }, RefreshVerdict::Ended),
            (RefreshFacts { expires_at: now, ..base }, RefreshVerdict::Ended),
            (RefreshFacts { user_active: false, ..base }, RefreshVerdict::Inactive),
            (RefreshFacts { revoked: true, user_active: false, ..base }, RefreshVerdict::Ended),
            (RefreshFacts { last_used_at: now - Duration::minutes(61), ..base }, RefreshVerdict::Idle),
            (RefreshFacts { last_used_at: now - Duration::minutes(60), ..base }, RefreshVerdict::Rotate),
            (RefreshFacts { rotated_at: Some(now - Duration::seconds(10)), ..base }, RefreshVerdict::Replay),
            (RefreshFacts { rotated_at: Some(now - Duration::seconds(11)), ..base }, RefreshVerdict::Reuse),
            (
                RefreshFacts { rotated_at: Some(now), last_used_at: now - Duration::hours(2), ..base },
                RefreshVerdict::Idle,
            ),
        ];
        for (facts, want) in cases {
            assert_eq!(refresh_verdict(&facts), want, "{facts:?}");
        }
    }
}
