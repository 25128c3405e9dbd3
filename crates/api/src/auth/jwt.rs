//! Access tokens: short-lived HS256 JWTs with `typ: at+jwt` (RFC 9068) and a `kid`.
//!
//! jsonwebtoken checks `exp` against the system clock and ignores `typ`; we check both
//! ourselves, `exp` against the injectable clock so tests can move time.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, Header, Validation, decode, decode_header, encode};
use serde::{Deserialize, Serialize};
use tandem_domain::lifetimes::ACCESS_TOKEN_TTL;

use crate::auth::keys::KeySet;
use crate::config::ApiConfig;
use crate::error::ApiError;

/// The header `typ` of our access tokens.
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

/// What an access token says.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    /// The user id.
    pub sub: String,
    /// The session family; revoking it stops this token within the cache lifetime.
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
    /// The refresh-token row this token was issued with; makes retried refreshes return
    /// byte-identical tokens.
    pub jti: String,
}

/// Issues an access token for a session, valid from `issued_at`.
pub fn issue(
    keys: &KeySet,
    config: &ApiConfig,
    user_id: &str,
    family_id: &str,
    jti: &str,
    issued_at: DateTime<Utc>,
) -> Result<(String, DateTime<Utc>), ApiError> {
    let expires_at = issued_at + ACCESS_TOKEN_TTL;
    let (kid, key) = keys.active();
    let mut header = Header::new(Algorithm::HS256);
    header.typ = Some(ACCESS_TOKEN_TYP.to_owned());
    header.kid = Some(kid.to_owned());
    let claims = AccessClaims {
        iss: config.issuer.clone(),
        aud: config.audience.clone(),
        sub: user_id.to_owned(),
        sid: family_id.to_owned(),
        iat: issued_at.timestamp(),
        exp: expires_at.timestamp(),
        jti: jti.to_owned(),
    };
    let token = encode(&header, &claims, key).map_err(|e| ApiError::internal(format!("jwt encode: {e}")))?;
    Ok((token, expires_at))
}

/// Verifies signature, algorithm, `typ`, `kid`, `iss`, `aud` and `exp`.
pub fn verify(keys: &KeySet, config: &ApiConfig, token: &str, now: DateTime<Utc>) -> Result<AccessClaims, ApiError> {
    let invalid = ApiError::Unauthorized("the access token is invalid");
    let header = decode_header(token).map_err(|_| ApiError::Unauthorized("the access token is invalid"))?;
    if header.alg != Algorithm::HS256 || header.typ.as_deref() != Some(ACCESS_TOKEN_TYP) {
        return Err(invalid);
    }
    let Some(key) = header.kid.as_deref().and_then(|kid| keys.decoding(kid)) else {
        return Err(invalid);
    };
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&[&config.audience]);
    validation.set_issuer(&[&config.issuer]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.validate_exp = false;
    validation.leeway = 0;
    let claims = decode::<AccessClaims>(token, key, &validation)
        .map_err(|_| ApiError::Unauthorized("the access token is invalid"))?
        .claims;
    if claims.exp <= now.timestamp() {
        return Err(ApiError::Unauthorized("the access token has expired"));
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_until_it_expires() -> Result<(), ApiError> {
        let keys = KeySet::development();
        let config = ApiConfig::default();
        let now = Utc::now();
        let (token, exp) = issue(&keys, &config, "u1", "f1", "t1", now)?;
        assert_eq!(verify(&keys, &config, &token, now)?.sub, "u1");
        assert!(verify(&keys, &config, &token, exp).is_err());
        let other = ApiConfig { audience: "someone-else".into(), ..ApiConfig::default() };
        assert!(verify(&keys, &other, &token, now).is_err());
        Ok(())
    }

    #[test]
    fn the_same_inputs_give_the_same_token() -> Result<(), ApiError> {
        let keys = KeySet::development();
        let config = ApiConfig::default();
        let now = Utc::now();
        assert_eq!(issue(&keys, &config, "u", "f", "t", now)?.0, issue(&keys, &config, "u", "f", "t", now)?.0);
        Ok(())
    }
}
