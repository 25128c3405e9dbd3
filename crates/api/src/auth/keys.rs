//! The JWT signing key set. Several keys may be valid at once so that keys rotate
//! without signing anyone out: sign with the active key, accept any listed key by `kid`.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{DecodingKey, EncodingKey};

/// The key id of the built-in development key. Production mode refuses it.
pub const DEVELOPMENT_KID: &str = "dev";
const DEVELOPMENT_SECRET: &[u8] = b"tandem-development-signing-key-not-for-production-use";
const MIN_SECRET_LEN: usize = 32;

/// HMAC-SHA256 keys by `kid`.
pub struct KeySet {
    active_kid: String,
    keys: HashMap<String, (EncodingKey, DecodingKey)>,
    /// Derives refresh-token successors (see `auth::tokens`); from the active key.
    derive_secret: Vec<u8>,
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
    /// names another.
    pub fn parse(spec: &str, active: Option<&str>) -> Result<Self, String> {
        let mut keys = HashMap::new();
        let mut first = None;
        let mut secrets = HashMap::new();
        for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (kid, secret) = entry
                .split_once(':')
                .ok_or_else(|| format!("signing key {entry:?} must look like kid:base64secret"))?;
            let bytes = STANDARD
                .decode(secret)
                .or_else(|_| URL_SAFE_NO_PAD.decode(secret))
                .map_err(|_| format!("signing key {kid:?} is not valid base64"))?;
            if bytes.len() < MIN_SECRET_LEN {
                return Err(format!(
                    "signing key {kid:?} is {} bytes; use at least {MIN_SECRET_LEN} random bytes",
                    bytes.len()
                ));
            }
            first.get_or_insert_with(|| kid.to_owned());
            keys.insert(kid.to_owned(), (EncodingKey::from_secret(&bytes), DecodingKey::from_secret(&bytes)));
            secrets.insert(kid.to_owned(), bytes);
        }
        let active_kid = match active {
            Some(kid) if keys.contains_key(kid) => kid.to_owned(),
            Some(kid) => {
                return Err(format!("the active signing key {kid:?} is not in the key set"));
            }
            None => first.ok_or("the signing key set is empty")?,
        };
        let derive_secret = secrets.remove(&active_kid).unwrap_or_default();
        Ok(Self { active_kid, keys, derive_secret })
    }

    /// The well-known development key; fine on a laptop, refused in production.
    #[must_use]
    pub fn development() -> Self {
        let mut keys = HashMap::new();
        keys.insert(
            DEVELOPMENT_KID.to_owned(),
            (EncodingKey::from_secret(DEVELOPMENT_SECRET), DecodingKey::from_secret(DEVELOPMENT_SECRET)),
        );
        Self { active_kid: DEVELOPMENT_KID.to_owned(), keys, derive_secret: DEVELOPMENT_SECRET.to_vec() }
    }

    #[must_use]
    pub fn uses_development_key(&self) -> bool {
        self.keys.contains_key(DEVELOPMENT_KID)
    }

    pub(crate) fn active(&self) -> (&str, &EncodingKey) {
        let (enc, _) = &self.keys[&self.active_kid];
        (&self.active_kid, enc)
    }

    pub(crate) fn decoding(&self, kid: &str) -> Option<&DecodingKey> {
        self.keys.get(kid).map(|(_, dec)| dec)
    }

    /// The secret for derived values (refresh-token successors, unsubscribe links).
    #[must_use]
    pub fn derive_secret(&self) -> &[u8] {
        &self.derive_secret
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
        Ok(())
    }

    #[test]
    fn refuses_short_or_malformed_keys() {
        assert!(KeySet::parse("k:c2hvcnQ=", None).is_err());
        assert!(KeySet::parse("nocolon", None).is_err());
        assert!(KeySet::parse("", None).is_err());
        let a = STANDARD.encode([1u8; 32]);
        assert!(KeySet::parse(&format!("a:{a}"), Some("b")).is_err());
    }
}
