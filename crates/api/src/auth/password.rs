//! Password hashing with argon2id at OWASP's parameters (19 MiB, 2 passes, 1 lane).
//!
//! Every hash and verify computes into a reused memory-block buffer instead of letting
//! argon2 allocate (and free) 19 MiB per call: glibc keeps freed blocks of that size in
//! its heap (its mmap threshold rises to their size after the first free), so a few
//! hundred logins grew the server to ~570 MiB. A small pool keeps at most one buffer per
//! core; the login handlers already allow only that many hashes at once, so the buffers
//! are allocated once and live for the process. The PHC strings are the ones the
//! standard `PasswordHasher`/`PasswordVerifier` API makes and accepts (tested below).

use std::sync::{Mutex, OnceLock};

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::error::ApiError;

/// The parameters of new hashes.
fn params() -> Result<Params, ApiError> {
    Params::new(19_456, 2, 1, None).map_err(|e| ApiError::internal(format!("argon2 params: {e}")))
}

/// Memory-block buffers kept for reuse, at most one per core (see the module comment).
fn pool() -> &'static Mutex<Vec<Vec<Block>>> {
    static POOL: OnceLock<Mutex<Vec<Vec<Block>>>> = OnceLock::new();
    POOL.get_or_init(|| Mutex::new(Vec::new()))
}

fn pool_capacity() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
}

/// Runs argon2 with `params` into `out`, on a buffer from the pool (or a new one when all
/// are in use), and returns the buffer to the pool afterwards.
fn compute(
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    let needed = params.block_count();
    // A poisoned lock only means another hash panicked; the buffers are plain memory.
    let taken = pool().lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop();
    let mut blocks = taken.unwrap_or_default();
    if blocks.len() < needed {
        blocks.resize(needed, Block::new());
    }
    let result = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password,
        salt,
        out,
        &mut blocks[..needed],
    );
    let mut pool = pool().lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if pool.len() < pool_capacity() {
        pool.push(blocks);
    }
    result
}

/// Hashes a new password into a PHC string (salt and parameters included).
pub fn hash(password: &str) -> Result<String, ApiError> {
    let internal = |e: &dyn std::fmt::Display| ApiError::internal(format!("argon2 hash: {e}"));
    let params = params()?;
    let salt_bytes = argon2::password_hash::try_generate_salt().map_err(|e| internal(&e))?;
    let salt = Salt::new(&salt_bytes).map_err(|e| internal(&e))?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(Algorithm::Argon2id, Version::V0x13, params.clone(), password.as_bytes(), &salt, &mut out)
        .map_err(|e| internal(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| internal(&e))?,
        salt: Some(salt),
        hash: Some(Output::new(&out).map_err(|e| internal(&e))?),
    };
    Ok(phc.to_string())
}

/// Recomputes `stored`'s hash of `password` with its own algorithm, version, parameters
/// and salt; compares in constant time (`Output`'s equality).
fn matches(password: &str, stored: &PasswordHash) -> Option<bool> {
    let algorithm = Algorithm::try_from(stored.algorithm.as_str()).ok()?;
    let version = stored.version.map_or(Ok(Version::default()), Version::try_from).ok()?;
    let params = Params::try_from(stored).ok()?;
    let salt = stored.salt.as_ref()?;
    let expected = stored.hash.as_ref()?;
    let mut buffer = [0u8; Output::MAX_LENGTH];
    let out = buffer.get_mut(..expected.len())?;
    compute(algorithm, version, params, password.as_bytes(), salt, out).ok()?;
    Some(Output::new(out).ok()? == *expected)
}

/// Checks a password against a stored hash. A missing hash (an invited user who has not
/// chosen one yet) is checked against a dummy so that the time taken does not reveal it.
#[must_use]
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let dummy = dummy_hash();
    let (stored, real) = match stored {
        Some(s) => (s, true),
        None => (dummy, false),
    };
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    matches(password, &parsed).unwrap_or(false) && real
}

/// Spends the same effort as a real check, for unknown emails.
pub fn burn_time(password: &str) {
    let _ = verify(password, None);
}

/// Runs password hashing off the async workers: argon2 takes tens of milliseconds of
/// CPU and must not stall them. At most one hash per core runs at once: each holds
/// 19 MiB, so the bound caps the memory that logins can take (the rest wait).
pub async fn off_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
    static HASHES: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    let permits = HASHES.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZero::get))
    });
    let _permit = permits.acquire().await.map_err(|e| ApiError::internal(format!("hash limiter: {e}")))?;
    actix_web::web::block(f).await.map_err(|e| ApiError::internal(format!("blocking pool: {e}")))
}

/// Checks a new password against the policy (422 naming `password`) and hashes it.
pub async fn hash_new(password: String) -> Result<String, ApiError> {
    tandem_domain::validation::check_password(&password).map_err(|m| ApiError::validation("password", m))?;
    off_thread(move || hash(&password)).await?
}

/// Which of `stored` (one hash per account with the email) `password` opens; with none,
/// it still spends the time one check takes, so an unknown email costs what a known one does.
pub async fn verify_each(password: String, stored: Vec<Option<String>>) -> Result<Vec<bool>, ApiError> {
    off_thread(move || {
        if stored.is_empty() {
            burn_time(&password);
        }
        stored.iter().map(|h| verify(&password, h.as_deref())).collect()
    })
    .await
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash("tandem-dummy-password-for-timing").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    use super::*;

    #[test]
    fn hashes_verify_and_use_argon2id_owasp_parameters() -> Result<(), ApiError> {
        let h = hash("correct horse battery staple")?;
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery staple", Some(&h)));
        assert!(!verify("wrong horse battery staple", Some(&h)));
        assert!(!verify("tandem-dummy-password-for-timing", None));
        Ok(())
    }

    #[test]
    fn pooled_hashes_interoperate_with_the_standard_api() -> Result<(), Box<dyn std::error::Error>> {
        let standard = Argon2::new(Algorithm::Argon2id, Version::V0x13, params()?);
        // Ours verify with the standard verifier …
        let ours = hash("a pooled password")?;
        standard.verify_password(b"a pooled password", &PasswordHash::new(&ours)?)?;
        assert!(standard.verify_password(b"another password", &PasswordHash::new(&ours)?).is_err());
        // … and stored hashes made by the standard hasher verify with ours, including
        // other parameters and variants (the buffer grows to fit).
        for hasher in [
            standard.clone(),
            Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(32_768, 3, 1, Some(16))?),
            Argon2::new(Algorithm::Argon2i, Version::V0x10, Params::new(8_192, 1, 2, None)?),
        ] {
            let theirs = hasher.hash_password(b"a standard password")?.to_string();
            assert!(verify("a standard password", Some(&theirs)), "{theirs}");
            assert!(!verify("a standard passwore", Some(&theirs)), "{theirs}");
        }
        // Same salt and password: byte-identical to the standard hasher's string.
        let salt = [7u8; 16];
        let reference = standard.hash_password_with_salt(b"same", &salt)?.to_string();
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        compute(Algorithm::Argon2id, Version::V0x13, params()?, b"same", &salt, &mut out)?;
        assert!(reference.ends_with(&Output::new(&out)?.to_string()), "{reference}");
        assert!(!verify("x", Some("not a phc string")));
        Ok(())
    }
}
