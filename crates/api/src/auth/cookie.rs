//! Browser sessions: the refresh token in an HttpOnly cookie instead of in JavaScript.
//!
//! Opt-in per sign-in (`refresh_cookie: true`). The refresh token then travels only in
//! `tandem_refresh` (HttpOnly, Secure, SameSite=Strict, path-scoped to the refresh route),
//! so script on the page (an XSS) cannot read or exfiltrate it. A cookie the browser sends
//! by itself needs CSRF protection: a refresh by cookie must carry `X-CSRF-Token`, the
//! keyed hash of that very cookie value (signed double submit, OWASP). The token is in the
//! response body and in the readable `tandem_csrf` cookie (so a reloaded page finds it);
//! it rotates with the refresh token. SameSite=Strict already keeps other sites' requests
//! from carrying the cookie; the header makes a forged same-site request fail too.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::auth::keys::{KeySet, Purpose};

/// The HttpOnly cookie holding the refresh token.
pub const REFRESH_COOKIE: &str = "tandem_refresh";
/// The readable cookie holding the CSRF token of the current refresh token.
pub const CSRF_COOKIE: &str = "tandem_csrf";
/// The header a refresh by cookie must carry.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The only route the refresh cookie is sent to.
pub const REFRESH_PATH: &str = "/api/v1/auth/refresh";

fn mac(key: &[u8], refresh_token: &str) -> String {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else { return String::new() };
    mac.update(refresh_token.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// The CSRF token bound to `refresh_token`.
#[must_use]
pub fn csrf_token(keys: &KeySet, refresh_token: &str) -> String {
    mac(&keys.derived(Purpose::Csrf), refresh_token)
}

/// Whether `presented` is the CSRF token of `refresh_token` under any listed key (so a key
/// rotation signs no browser out). Compared in constant time.
#[must_use]
pub fn csrf_matches(keys: &KeySet, refresh_token: &str, presented: &str) -> bool {
    use subtle_eq::eq;
    keys.derived_all(Purpose::Csrf).iter().any(|key| eq(mac(key, refresh_token).as_bytes(), presented.as_bytes()))
}

/// Constant-time equality (the length is not secret).
mod subtle_eq {
    pub fn eq(a: &[u8], b: &[u8]) -> bool {
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// The two cookies of a browser session whose refresh token is `refresh_token`, living
/// `max_age_secs` (the session's remaining lifetime).
#[must_use]
pub fn session_cookies(refresh_token: &str, csrf: &str, max_age_secs: i64) -> [Cookie<'static>; 2] {
    let refresh = Cookie::build(REFRESH_COOKIE, refresh_token.to_owned())
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .path(REFRESH_PATH)
        .max_age(CookieDuration::seconds(max_age_secs.max(0)))
        .finish();
    let csrf = Cookie::build(CSRF_COOKIE, csrf.to_owned())
        .secure(true)
        .same_site(SameSite::Strict)
        .path("/")
        .max_age(CookieDuration::seconds(max_age_secs.max(0)))
        .finish();
    [refresh, csrf]
}

/// Cookies that delete both (sign-out, a refused refresh).
#[must_use]
pub fn cleared_cookies() -> [Cookie<'static>; 2] {
    let mut refresh = Cookie::build(REFRESH_COOKIE, "").path(REFRESH_PATH).secure(true).http_only(true).finish();
    refresh.make_removal();
    let mut csrf = Cookie::build(CSRF_COOKIE, "").path("/").secure(true).finish();
    csrf.make_removal();
    [refresh, csrf]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csrf_token_is_bound_to_one_refresh_token() {
        let keys = KeySet::development();
        let token = csrf_token(&keys, "refresh-a");
        assert!(csrf_matches(&keys, "refresh-a", &token));
        assert!(!csrf_matches(&keys, "refresh-b", &token), "another session's token does not pass");
        assert!(!csrf_matches(&keys, "refresh-a", ""), "an empty header does not pass");
        assert!(!csrf_matches(&keys, "refresh-a", &token[1..]));
    }

    #[test]
    fn the_refresh_cookie_is_out_of_scripts_reach_and_scoped_to_refresh() {
        let [refresh, csrf] = session_cookies("r", "c", 60);
        let shown = refresh.to_string();
        for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/api/v1/auth/refresh", "Max-Age=60"] {
            assert!(shown.contains(attribute), "{shown}");
        }
        assert!(!csrf.to_string().contains("HttpOnly"), "the page reads the CSRF token");
    }
}
