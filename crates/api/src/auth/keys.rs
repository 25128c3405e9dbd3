//! The JWT signing key set. Several keys may be valid at once so that keys rotate
//! without signing anyone out: sign with the active key, accept any listed key by `kid`.
//!
//! A configured secret signs access tokens and nothing else. Every other use (unsubscribe
//! links, refresh-token successors, opaque session references) gets its own key, derived
//! with HKDF-SHA256 (RFC 5869) from the secret and a purpose label, so that no value made
//! for one purpose is ever valid for another.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hkdf::Hkdf;
use jsonwebtoken::{DecodingKey, EncodingKey};
use sha2::Sha256;

/// The key id of the built-in development key. Production mode refuses it.
pub const DEVELOPMENT_KID: &str = "dev";
/// The built-in development secret: public (here, in the source), so production refuses
/// it under any `kid`.
pub const DEVELOPMENT_SECRET: &[u8] = b"tandem-development-signing-key-not-for-production-use";
/// The shortest secret accepted, in bytes (HS256 wants at least its 256-bit output).
pub const MIN_SECRET_LEN: usize = 32;

/// A use of a derived key. Each has its own HKDF label; bump the version to make every
/// value of that purpose invalid at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Signs one-click unsubscribe links.
    Unsubscribe,
    /// Derives the refresh token that replaces a rotated one.
    RefreshSuccessor,
    /// Turns session ids into the opaque references shown in the audit log.
    SessionRef,
    /// Binds the CSRF token of a browser session to its refresh-token cookie.
    Csrf,
}

impl Purpose {
    const fn label(self) -> &'static [u8] {
        match self {
            Self::Unsubscribe => b"tandem unsubscribe v1",
            Self::RefreshSuccessor => b"tandem refresh successor v1",
            Self::SessionRef => b"tandem session ref v1",
            Self::Csrf => b"tandem csrf v1",
        }
    }
}

/// HKDF-SHA256 of `secret` for `purpose`: 32 bytes, unrelated to `secret` for anyone who
/// does not know it.
#[must_use]
pub fn derive(secret: &[u8], purpose: Purpose) -> [u8; 32] {
    let mut okm = [0u8; 32];
    // 32 bytes is far below HKDF-SHA256's limit of 255 * 32, so `expand` cannot fail.
    if Hkdf::<Sha256>::new(None, secret).expand(purpose.label(), &mut okm).is_err() {
        okm = [0u8; 32];
    }
    okm
}

/// Whether `secret` is the built-in development secret (public in the source).
#[must_use]
pub fn is_development_secret(secret: &[u8]) -> bool {
    secret == DEVELOPMENT_SECRET
}

/// HMAC-SHA256 keys by `kid`.
pub struct KeySet {
    active_kid: String,
    keys: HashMap<String, (EncodingKey, DecodingKey)>,
    /// The raw secrets, active first; only ever used through [`derive`].
    secrets: Vec<(String, Vec<u8>)>,
}

impl std::fmt::Debug for KeySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut kids: Vec<_> = self.keys.keys().collect();
        kids.sort();
        f.debug_struct("KeySet").field("active_kid", &self.active_kid).field("kids", &kids).finish()
    }
}

impl KeySet {
    /// Parses `kid:base64secret,kid2:base64secret`. The first key signs unless `active`
    /// names another. Refuses malformed entries, repeated `kid`s and secrets shorter than
    /// [`MIN_SECRET_LEN`] bytes.
    pub fn parse(spec: &str, active: Option<&str>) -> Result<Self, String> {
        let mut keys = HashMap::new();
        let mut secrets: Vec<(String, Vec<u8>)> = Vec::new();
        for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (kid, secret) = entry
                .split_once(':')
                .ok_or_else(|| format!("signing key {entry:?} must look like kid:base64secret"))?;
            let (kid, secret) = (kid.trim(), secret.trim());
            if kid.is_empty() {
                return Err("a signing key has an empty kid; write kid:base64secret".into());
            }
            let bytes = STANDARD
                .decode(secret)
                .or_else(|_| URL_SAFE_NO_PAD.decode(secret))
                .map_err(|_| format!("signing key {kid:?} is not valid base64"))?;
            if bytes.len() < MIN_SECRET_LEN {
                return Err(format!(
                    "signing key {kid:?} is {} bytes; use at least {MIN_SECRET_LEN} random bytes, e.g. `{kid}:$(openssl rand -base64 32)`",
                    bytes.len()
                ));
            }
            if keys.contains_key(kid) {
                return Err(format!("signing key {kid:?} is listed twice"));
            }
            keys.insert(kid.to_owned(), (EncodingKey::from_secret(&bytes), DecodingKey::from_secret(&bytes)));
            secrets.push((kid.to_owned(), bytes));
        }
        let active_kid = match active {
            Some(kid) if keys.contains_key(kid) => kid.to_owned(),
            Some(kid) => {
                return Err(format!("the active signing key {kid:?} is not in the key set"));
            }
            None => secrets.first().map(|(kid, _)| kid.clone()).ok_or("the signing key set is empty")?,
        };
        // Active first: it derives new values; the others only check old ones.
        secrets.sort_by_key(|(kid, _)| *kid != active_kid);
        Ok(Self { active_kid, keys, secrets })
    }

    /// The well-known development key; fine on a laptop, refused in production.
    #[must_use]
    pub fn development() -> Self {
        let mut keys = HashMap::new();
        keys.insert(
            DEVELOPMENT_KID.to_owned(),
            (EncodingKey::from_secret(DEVELOPMENT_SECRET), DecodingKey::from_secret(DEVELOPMENT_SECRET)),
        );
        Self {
            active_kid: DEVELOPMENT_KID.to_owned(),
            keys,
            secrets: vec![(DEVELOPMENT_KID.to_owned(), DEVELOPMENT_SECRET.to_vec())],
        }
    }

    /// Whether any key is the development key: its `kid`, or its secret under any `kid`.
    #[must_use]
    pub fn uses_development_key(&self) -> bool {
        self.development_kids().next().is_some()
    }

    /// The `kid`s whose secret is the public development secret, or that are `dev`.
    pub fn development_kids(&self) -> impl Iterator<Item = &str> {
        self.secrets
            .iter()
            .filter(|(kid, secret)| kid == DEVELOPMENT_KID || is_development_secret(secret))
            .map(|(kid, _)| kid.as_str())
    }

    pub(crate) fn active(&self) -> (&str, &EncodingKey) {
        let (enc, _) = &self.keys[&self.active_kid];
        (&self.active_kid, enc)
    }

    pub(crate) fn decoding(&self, kid: &str) -> Option<&DecodingKey> {
        self.keys.get(kid).map(|(_, dec)| dec)
    }

    /// The key for `purpose`, derived from the active secret: makes new values.
    #[must_use]
    pub fn derived(&self, purpose: Purpose) -> [u8; 32] {
        self.secrets.first().map_or([0u8; 32], |(_, secret)| derive(secret, purpose))
    }

    /// The opaque reference under which a session appears in the audit log: a keyed hash
    /// of its id, shaped as a UUID (version 8). The same session always gets the same
    /// reference while the active signing key stays the same, so its sign-in, refresh
    /// and sign-out events can be matched; the session id itself (which, with a signing
    /// key, would make tokens) cannot be recovered from it.
    #[must_use]
    pub fn session_ref(&self, session_id: &str) -> String {
        use hmac::{Hmac, Mac};
        let key = self.derived(Purpose::SessionRef);
        let mut bytes = [0u8; 16];
        // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
        if let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key) {
            mac.update(session_id.as_bytes());
            bytes.copy_from_slice(&mac.finalize().into_bytes()[..16]);
        }
        uuid::Builder::from_custom_bytes(bytes).into_uuid().to_string()
    }

    /// The keys for `purpose` from every listed secret, active first: checks values made
    /// before a rotation, for as long as the old key stays listed.
    #[must_use]
    pub fn derived_all(&self, purpose: Purpose) -> Vec<[u8; 32]> {
        self.secrets.iter().map(|(_, secret)| derive(secret, purpose)).collect()
    }

    /// The unsubscribe-link signer of this key set: links are signed with the key derived
    /// from the active secret and accepted under any listed secret, so a key rotation
    /// leaves links in mail already sent working until the old key is removed.
    #[must_use]
    pub fn unsubscribe_signer(&self) -> tandem_notification::outbox::UnsubscribeSigner {
        tandem_notification::outbox::UnsubscribeSigner::with_older(
            self.derived(Purpose::Unsubscribe).to_vec(),
            self.derived_all(Purpose::Unsubscribe).into_iter().map(|k| k.to_vec()).collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_rotating_key_set() -> Result<(), String> {
        let a = STANDARD.encode([1u8; 32]);
        let b = STANDARD.encode([2u8; 32]);
        let set = KeySet::parse(&format!("old:{a},new:{b}"), Some("new"))?;
        assert_eq!(set.active().0, "new");
        assert!(set.decoding("old").is_some());
        assert!(!set.uses_development_key());
        assert_eq!(set.derived(Purpose::Unsubscribe), derive(&[2u8; 32], Purpose::Unsubscribe));
        assert_eq!(
            set.derived_all(Purpose::Unsubscribe),
            vec![derive(&[2u8; 32], Purpose::Unsubscribe), derive(&[1u8; 32], Purpose::Unsubscribe)]
        );
        Ok(())
    }

    #[test]
    fn refuses_short_or_malformed_keys() {
        assert!(KeySet::parse("k:c2hvcnQ=", None).is_err());
        assert!(KeySet::parse(&format!("k:{}", STANDARD.encode([1u8; 31])), None).is_err());
        assert!(KeySet::parse("nocolon", None).is_err());
        assert!(KeySet::parse("", None).is_err());
        let a = STANDARD.encode([1u8; 32]);
        assert!(KeySet::parse(&format!("a:{a}"), Some("b")).is_err());
        assert!(KeySet::parse(&format!(":{a}"), None).is_err());
        assert!(KeySet::parse(&format!("a:{a},a:{a}"), None).is_err());
    }

    #[test]
    fn the_development_secret_is_recognised_under_any_kid() -> Result<(), String> {
        assert!(KeySet::development().uses_development_key());
        for encoded in [STANDARD.encode(DEVELOPMENT_SECRET), URL_SAFE_NO_PAD.encode(DEVELOPMENT_SECRET)] {
            let a = STANDARD.encode([1u8; 32]);
            let set = KeySet::parse(&format!("real:{a},k1:{encoded}"), None)?;
            assert!(set.uses_development_key());
            assert_eq!(set.development_kids().collect::<Vec<_>>(), ["k1"]);
        }
        Ok(())
    }

    #[test]
    fn session_refs_are_stable_opaque_uuids() -> Result<(), String> {
        let set = KeySet::parse(&format!("k:{}", STANDARD.encode([3u8; 32])), None)?;
        let id = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
        let r = set.session_ref(id);
        assert_eq!(r, set.session_ref(id));
        assert_ne!(r, set.session_ref("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c"));
        assert_ne!(r, id);
        let parsed = uuid::Uuid::try_parse(&r).map_err(|e| e.to_string())?;
        assert_eq!(parsed.get_version_num(), 8);
        Ok(())
    }

    #[test]
    fn derived_keys_differ_by_purpose_and_from_the_secret() {
        let secret = [7u8; 32];
        let keys = [Purpose::Unsubscribe, Purpose::RefreshSuccessor, Purpose::SessionRef].map(|p| derive(&secret, p));
        assert_ne!(keys[0], keys[1]);
        assert_ne!(keys[1], keys[2]);
        assert_ne!(keys[0], keys[2]);
        assert!(keys.iter().all(|k| k != &secret));
        assert_eq!(derive(&secret, Purpose::Unsubscribe), keys[0], "deterministic");
    }
}
