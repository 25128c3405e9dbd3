//! A short-lived cache of live sessions, so that an authenticated request usually costs
//! no database query.
//!
//! On the replica that handles it, ending a session takes effect at once: logout,
//! refresh-token reuse, an idle session found on refresh ([`SessionCache::revoke_family`]),
//! and deactivation, a role change or a password reset ([`SessionCache::forget_user`]).
//! On PostgreSQL the transaction that ends a session also sends a notification
//! (see `tandem_service::sessions::Revocation`), and every replica's listener
//! ([`SessionCache::listen`]) applies it within milliseconds of the commit. Without that
//! news (SQLite is one process; a listener reconnecting after a lost connection drops
//! the whole cache), other replicas' caches learn of it from the database within
//! [`SESSION_CACHE_TTL`] (design: within 30 s). A session's absolute expiry needs no
//! news: each entry carries it, so it takes effect at once everywhere.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Instant;

use tandem_service::sessions::{LISTEN_PING, LISTEN_POLL, Listener, Revocation};

use chrono::{DateTime, Duration, Utc};
use tandem_domain::Actor;

/// How long a checked session is trusted without asking the database again.
pub const SESSION_CACHE_TTL: Duration = Duration::seconds(10);
/// Past this many entries the cache starts over rather than grow without bound.
const MAX_ENTRIES: usize = 50_000;

#[derive(Debug, Clone)]
enum Entry {
    /// Checked live at `checked_at`; ends at `expires_at` whatever happens.
    Live { checked_at: DateTime<Utc>, expires_at: DateTime<Utc>, actor: Actor },
    /// Ended on this replica. Kept so that a request that read the session from the
    /// database just before it ended cannot put it back.
    Revoked,
}

/// Session id → the actor it authenticates, as of a recent check.
#[derive(Debug, Clone, Default)]
pub struct SessionCache {
    inner: Arc<Mutex<HashMap<String, Entry>>>,
}

impl SessionCache {
    pub fn get(&self, family_id: &str, now: DateTime<Utc>) -> Option<Actor> {
        let map = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        match map.get(family_id)? {
            Entry::Live { checked_at, expires_at, actor }
                if now >= *checked_at && now - *checked_at < SESSION_CACHE_TTL && now < *expires_at =>
            {
                Some(actor.clone())
            }
            _ => None,
        }
    }

    /// Remembers a session just checked live in the database, unless it has been ended
    /// on this replica meanwhile.
    pub fn put(&self, family_id: &str, actor: Actor, expires_at: DateTime<Utc>, now: DateTime<Utc>) {
        let mut map = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if matches!(map.get(family_id), Some(Entry::Revoked)) {
            return;
        }
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(family_id.to_owned(), Entry::Live { checked_at: now, expires_at, actor });
    }

    /// Drops every session of a user (deactivation, role change, password reset) on this
    /// replica at once; other replicas follow on the announcement, or within the TTL.
    pub fn forget_user(&self, user_id: &str) {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, e| !matches!(e, Entry::Live { actor, .. } if actor.user_id == user_id));
    }

    /// Ends one session (logout, refresh-token reuse, idle) on this replica at once; other
    /// replicas follow on the announcement, or within the TTL. The session never becomes
    /// live again.
    pub fn revoke_family(&self, family_id: &str) {
        let mut map = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(family_id.to_owned(), Entry::Revoked);
    }

    /// Applies a revocation announced by any replica.
    pub fn apply(&self, revocation: &Revocation) {
        match revocation {
            Revocation::Family(id) => self.revoke_family(id),
            Revocation::User(id) => self.forget_user(id),
        }
    }

    /// Drops every live entry (revocations may have been missed); keeps the revoked ones.
    pub fn forget_all(&self) {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).retain(|_, e| matches!(e, Entry::Revoked));
    }

    /// Applies revocations announced on the PostgreSQL database at `url` as they arrive,
    /// on a thread with its own connection. The thread reconnects after a lost connection
    /// (every second while the server is away, dropping the cache each time it comes back,
    /// since news may have been missed) and ends once the cache itself is gone.
    pub fn listen(&self, url: &str) -> std::io::Result<std::thread::JoinHandle<()>> {
        let weak = Arc::downgrade(&self.inner);
        let url = url.to_owned();
        std::thread::Builder::new().name("session-listener".into()).spawn(move || listen_loop(&weak, &url))
    }
}

fn listen_loop(weak: &Weak<Mutex<HashMap<String, Entry>>>, url: &str) {
    let alive = || weak.upgrade().map(|inner| SessionCache { inner });
    let mut first = true;
    while let Some(cache) = alive() {
        let mut listener = match Listener::connect(url) {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "session listener: cannot connect; revocations follow the cache TTL meanwhile");
                drop(cache);
                std::thread::sleep(std::time::Duration::from_secs(1));
                continue;
            }
        };
        if !first {
            tracing::info!("session listener: reconnected; dropping the session cache");
            cache.forget_all();
        }
        first = false;
        drop(cache);
        let mut pinged = Instant::now();
        let lost = loop {
            let Some(cache) = alive() else { return };
            match listener.poll() {
                Ok(revocations) => revocations.iter().for_each(|r| cache.apply(r)),
                Err(e) => break e,
            }
            drop(cache);
            if pinged.elapsed() >= LISTEN_PING {
                if let Err(e) = listener.ping() {
                    break e;
                }
                pinged = Instant::now();
            }
            std::thread::sleep(LISTEN_POLL);
        };
        tracing::warn!(error = %lost, "session listener: connection lost; reconnecting");
    }
}

#[cfg(test)]
mod tests {
    use tandem_domain::{Actor, UserKind};

    use super::*;

    fn actor() -> Actor {
        Actor {
            user_id: "u".into(),
            practice_id: "p".into(),
            kind: UserKind::Staff,
            is_admin: true,
            is_clinician: false,
        }
    }

    #[test]
    fn entries_last_the_ttl_but_never_past_the_session_expiry() {
        let cache = SessionCache::default();
        let now = Utc::now();
        cache.put("f", actor(), now + Duration::seconds(5), now);
        assert!(cache.get("f", now + Duration::seconds(4)).is_some());
        assert!(cache.get("f", now + Duration::seconds(5)).is_none(), "expired session");
        cache.put("g", actor(), now + Duration::hours(1), now);
        assert!(cache.get("g", now + Duration::seconds(9)).is_some());
        assert!(cache.get("g", now + SESSION_CACHE_TTL).is_none(), "stale check");
    }

    #[test]
    fn announced_revocations_apply_and_forget_all_keeps_revoked_entries() {
        let cache = SessionCache::default();
        let now = Utc::now();
        cache.put("f", actor(), now + Duration::hours(1), now);
        cache.put("g", actor(), now + Duration::hours(1), now);
        cache.apply(&Revocation::Family("f".into()));
        assert!(cache.get("f", now).is_none());
        assert!(cache.get("g", now).is_some());
        cache.apply(&Revocation::User("u".into()));
        assert!(cache.get("g", now).is_none());
        cache.put("g", actor(), now + Duration::hours(1), now);
        cache.forget_all();
        assert!(cache.get("g", now).is_none());
        cache.put("f", actor(), now + Duration::hours(1), now);
        assert!(cache.get("f", now).is_none(), "still revoked");
    }

    #[test]
    fn a_revoked_session_cannot_be_put_back() {
        let cache = SessionCache::default();
        let now = Utc::now();
        cache.put("f", actor(), now + Duration::hours(1), now);
        cache.revoke_family("f");
        assert!(cache.get("f", now).is_none());
        cache.put("f", actor(), now + Duration::hours(1), now);
        assert!(cache.get("f", now).is_none());
    }
}
