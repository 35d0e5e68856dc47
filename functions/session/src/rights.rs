//! Manager rights current within a minute (issue 15, FAQ-R9). A session records the
//! establishments a manager was designated for at sign-in and lives up to 12 hours;
//! `rpps-admin revoke-manager` must not leave them those rights. Every manager request therefore
//! re-reads the person's designations (one `Query` of GSI1), cached in the process for at most
//! [`MAX_AGE`]: a revocation takes effect on every route within a minute, at the cost of one read
//! per manager per minute per running instance.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use rpps_domain::Finess;
use rpps_store::{Store, StoreError};

/// How long a read of someone's designations answers for them.
pub const MAX_AGE: Duration = Duration::from_secs(60);
/// Past this many people, the expired entries go (and everything, if none had expired).
const MAX_ENTRIES: usize = 10_000;

/// (registry table, national identifier): one process may serve several tables (tests).
type Key = (String, String);

/// The designations read recently, with when.
#[derive(Default)]
pub struct RightsCache {
    entries: HashMap<Key, (Instant, Vec<Finess>)>,
}

impl RightsCache {
    /// What was read for `key` less than [`MAX_AGE`] before `now`.
    pub fn get(&self, key: &Key, now: Instant) -> Option<Vec<Finess>> {
        self.entries
            .get(key)
            .filter(|(at, _)| now.saturating_duration_since(*at) < MAX_AGE)
            .map(|(_, managed)| managed.clone())
    }

    pub fn put(&mut self, key: Key, now: Instant, managed: Vec<Finess>) {
        if self.entries.len() >= MAX_ENTRIES {
            self.entries
                .retain(|_, (at, _)| now.saturating_duration_since(*at) < MAX_AGE);
            if self.entries.len() >= MAX_ENTRIES {
                self.entries.clear();
            }
        }
        self.entries.insert(key, (now, managed));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn cache() -> MutexGuard<'static, RightsCache> {
    static CACHE: OnceLock<Mutex<RightsCache>> = OnceLock::new();
    // A panic while holding the lock leaves a map that is still consistent: keep using it.
    CACHE
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The establishments `national_id` manages now (at most [`MAX_AGE`] old).
pub async fn managed_now(store: &Store, national_id: &str) -> Result<Vec<Finess>, StoreError> {
    let key = (store.tables().registry.clone(), national_id.to_owned());
    if let Some(managed) = cache().get(&key, Instant::now()) {
        return Ok(managed);
    }
    let managed = store.establishments_managed_by(national_id).await?;
    cache().put(key, Instant::now(), managed.clone());
    Ok(managed)
}

/// Forgets what was read of `national_id` on this store's table, as if a minute had passed
/// (tests: a revocation seen at once; round-trip counts that include the read).
pub fn forget(store: &Store, national_id: &str) {
    cache()
        .entries
        .remove(&(store.tables().registry.clone(), national_id.to_owned()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str) -> Key {
        ("registry".to_owned(), id.to_owned())
    }

    #[test]
    fn a_read_answers_for_less_than_a_minute() {
        let start = Instant::now();
        let a = Finess::parse("750012346").unwrap();
        let mut cache = RightsCache::default();
        cache.put(key("3750012346/1"), start, vec![a.clone()]);
        assert_eq!(
            cache.get(&key("3750012346/1"), start + Duration::from_secs(59)),
            Some(vec![a])
        );
        assert_eq!(cache.get(&key("3750012346/1"), start + MAX_AGE), None);
        assert_eq!(cache.get(&key("someone else"), start), None);
        // Another table's read is not this one's.
        assert_eq!(
            cache.get(&("other".to_owned(), "3750012346/1".to_owned()), start),
            None
        );
    }

    #[test]
    fn the_cache_stays_bounded() {
        let start = Instant::now();
        let mut cache = RightsCache::default();
        for i in 0..MAX_ENTRIES {
            cache.put(key(&i.to_string()), start, Vec::new());
        }
        // Full of fresh entries: cleared, then the new one.
        cache.put(key("new"), start, Vec::new());
        assert_eq!(cache.len(), 1);
        // Full again, all expired a minute later: only the expired ones go.
        for i in 0..MAX_ENTRIES - 1 {
            cache.put(key(&i.to_string()), start, Vec::new());
        }
        let later = start + MAX_AGE;
        cache.put(key("later"), later, Vec::new());
        assert_eq!(cache.len(), 1);
        assert!(cache.get(&key("later"), later).is_some());
    }
}
