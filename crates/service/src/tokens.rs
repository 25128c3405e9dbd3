//! Opaque tokens (refresh, invitation, password reset): 256 random bits, base64url.
//! Only their SHA-256 is stored, so a database leak yields no usable token.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tandem_domain::UserStatus;
use tandem_store::AnyConnection;
use tandem_store::tokens::{self as one_time, OneTimeToken, TokenKind};

use crate::error::{Error, Result};

/// A fresh random token.
#[must_use]
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a token.
#[must_use]
pub fn hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// The refresh token that replaces `token` on rotation. Deriving it (HMAC with a server
/// secret) rather than drawing it at random lets a client's retried refresh, within the
/// grace window, get the very same new token without the server storing it in clear.
#[must_use]
pub fn successor(secret: &[u8], token: &str) -> String {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return generate();
    };
    mac.update(b"tandem-refresh-successor:");
    mac.update(token.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Spends a live one-time token whose user is in `expected` state; anything else (unknown,
/// used, replaced, expired, or a user in another state) is the same 404.
pub(crate) fn redeem(
    conn: &mut AnyConnection,
    kind: TokenKind,
    token: &str,
    expected: UserStatus,
    now: DateTime<Utc>,
) -> Result<OneTimeToken> {
    let token = one_time::find_live(conn, kind, &hash(token), now)?.ok_or(Error::NotFound)?;
    if token.user.status()? != expected || !one_time::spend(conn, kind, &token.id, now)? {
        return Err(Error::NotFound);
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        let (a, b) = (generate(), generate());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash(&a), hash(&a));
        assert_ne!(hash(&a), a);
    }

    #[test]
    fn successors_are_deterministic_per_secret() {
        assert_eq!(successor(b"k", "t"), successor(b"k", "t"));
        assert_ne!(successor(b"k", "t"), successor(b"other", "t"));
        assert_ne!(successor(b"k", "t"), successor(b"k", "u"));
    }
}
