//! A short-lived cache of live sessions, so that an authenticated request usually costs
//! no database query, while a deactivation or logout still reaches every replica's live
//! access tokens within [`SESSION_CACHE_TTL`] (design: within 30 s).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};
use tandem_domain::Actor;

/// How long a checked session is trusted without asking the database again.
pub const SESSION_CACHE_TTL: Duration = Duration::seconds(10);
/// Past this many entries the cache starts over rather than grow without bound.
const MAX_ENTRIES: usize = 50_000;

#[derive(Debug, Clone)]
struct Entry {
    checked_at: DateTime<Utc>,
    actor: Actor,
}

/// Session id → the actor it authenticates, as of a recent check.
#[derive(Debug, Clone, Default)]
pub struct SessionCache {
    inner: Arc<Mutex<HashMap<String, Entry>>>,
}

impl SessionCache {
    pub fn get(&self, family_id: &str, now: DateTime<Utc>) -> Option<Actor> {
        let map = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(family_id)
            .filter(|e| now - e.checked_at < SESSION_CACHE_TTL && now >= e.checked_at)
            .map(|e| e.actor.clone())
    }

    pub fn put(&self, family_id: &str, actor: Actor, now: DateTime<Utc>) {
        let mut map = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(family_id.to_owned(), Entry { checked_at: now, actor });
    }

    /// Drops every session of a user (deactivation, role change, password reset) on this
    /// replica at once; other replicas follow within the TTL.
    pub fn forget_user(&self, user_id: &str) {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).retain(|_, e| e.actor.user_id != user_id);
    }

    pub fn forget_family(&self, family_id: &str) {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).remove(family_id);
    }
}
