//! `Idempotency-Key`: a write runs once per (user, route, key) for 24 hours. A replay gets
//! the stored status and body; the same key with a different body is 422. The claim, the
//! write and the stored answer commit together, so concurrent duplicates create one.

use chrono::{DateTime, Utc};
use tandem_domain::refusal::Code;
use tandem_store::idempotency::{self, Prior};
use tandem_store::{AnyConnection, DbError, Pool, StoreError, pooled_write_tx};

use crate::error::Error;

/// One use of a key.
#[derive(Debug, Clone)]
pub struct Key {
    pub user_id: String,
    pub practice_id: String,
    pub route: &'static str,
    pub key: String,
    /// A digest of the request body.
    pub request_hash: String,
}

/// What the caller answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The write ran now; its answer body.
    Fresh(String),
    /// An earlier request with this key finished: its status and body.
    Replay(u16, String),
}

/// Runs `write` (which returns the answer body) once per key, in one write transaction
/// with the claim and the stored answer (`status`); without a key it simply runs.
pub fn once<E>(
    pool: &Pool,
    key: Option<&Key>,
    status: u16,
    now: DateTime<Utc>,
    write: impl FnOnce(&mut AnyConnection) -> Result<String, E>,
) -> Result<Answer, E>
where
    E: From<Error> + From<DbError> + From<StoreError>,
{
    pooled_write_tx(pool, |conn| {
        if let Some(k) = key {
            match idempotency::claim(conn, &k.user_id, &k.practice_id, k.route, &k.key, &k.request_hash, now)? {
                Prior::New => {}
                Prior::Replay { status, body } => {
                    return Ok(Answer::Replay(u16::try_from(status).unwrap_or(200), body));
                }
                Prior::Mismatch => {
                    return Err(
                        Error::invalid("Idempotency-Key", "was already used with a different request body").into()
                    );
                }
                Prior::InFlight => {
                    return Err(Error::refused(
                        Code::RequestInProgress,
                        "a request with this Idempotency-Key is still in progress",
                    )
                    .into());
                }
            }
        }
        let body = write(conn)?;
        if let Some(k) = key {
            idempotency::complete(conn, &k.user_id, k.route, &k.key, i32::from(status), &body)?;
        }
        Ok(Answer::Fresh(body))
    })
}
