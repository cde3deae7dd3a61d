//! TTL caches for the catalog (15 min) and deployments (5 min): in memory and, when a cache
//! directory is given, one JSON file per (base URL + resource group, kind), written
//! atomically (`fsutil::write_atomic`). A corrupt file counts as a miss and is reported in
//! the `-v` log. Tokens are never cached here.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize, de::DeserializeOwned};

use super::Cached;

pub const CATALOG_TTL: Duration = Duration::from_secs(15 * 60);
pub const DEPLOYMENTS_TTL: Duration = Duration::from_secs(5 * 60);

#[derive(Serialize, Deserialize)]
struct OnDisk<T> {
    fetched_at_ms: u64,
    data: T,
}

/// One kind of cached listing for one (base URL, resource group).
#[derive(Debug)]
pub struct TtlCache<T> {
    ttl: Duration,
    file: Option<PathBuf>,
    memory: Mutex<Option<(T, SystemTime)>>,
    /// Held while the listing is fetched, so callers that miss at once (`serve`'s clients)
    /// wait for one request instead of each sending their own.
    fetching: tokio::sync::Mutex<()>,
}

/// FNV-1a: a hash that stays the same across Rust releases, so file names stay stable.
fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

pub fn cache_file(dir: &Path, api_base: &str, resource_group: &str, kind: &str) -> PathBuf {
    let key = stable_hash(&format!("{api_base}\n{resource_group}"));
    dir.join(format!("{kind}-{key:016x}.json"))
}

impl<T: Clone + Serialize + DeserializeOwned> TtlCache<T> {
    /// A fresh entry, unless the caller asked for a refresh.
    pub fn hit(&self, refresh: bool) -> Option<Cached<T>> {
        if refresh {
            return None;
        }
        self.get(SystemTime::now())
    }

    pub fn new(ttl: Duration, file: Option<PathBuf>) -> Self {
        TtlCache {
            ttl,
            file,
            memory: Mutex::new(None),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    fn is_fresh(&self, fetched_at: SystemTime, now: SystemTime) -> bool {
        // A fetched_at in the future (clock change) is treated as stale.
        now.duration_since(fetched_at)
            .is_ok_and(|age| age < self.ttl)
    }

    /// Taken around a fetch; look at the cache again once holding it.
    pub async fn fetch_gate(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.fetching.lock().await
    }

    /// A fresh entry from memory, else from disk; `None` on a miss.
    pub fn get(&self, now: SystemTime) -> Option<Cached<T>> {
        if let Ok(guard) = self.memory.lock()
            && let Some((data, at)) = guard.as_ref()
            && self.is_fresh(*at, now)
        {
            return Some(Cached {
                data: data.clone(),
                fetched_at: *at,
                from_cache: true,
            });
        }
        let disk = self.read_disk()?;
        let at = UNIX_EPOCH + Duration::from_millis(disk.fetched_at_ms);
        if !self.is_fresh(at, now) {
            return None;
        }
        if let Ok(mut guard) = self.memory.lock() {
            *guard = Some((disk.data.clone(), at));
        }
        Some(Cached {
            data: disk.data,
            fetched_at: at,
            from_cache: true,
        })
    }

    /// Stores a fresh fetch; a failed disk write only costs a later miss.
    pub fn put(&self, data: T, fetched_at: SystemTime) -> Cached<T> {
        if let Ok(mut guard) = self.memory.lock() {
            *guard = Some((data.clone(), fetched_at));
        }
        if let Some(file) = &self.file {
            let ms = fetched_at
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
            if let Some(dir) = file.parent() {
                crate::fsutil::remove_stale_temps(
                    dir,
                    crate::fsutil::STALE_TEMP_AGE,
                    SystemTime::now(),
                );
            }
            if let Ok(bytes) = serde_json::to_vec(&OnDisk {
                fetched_at_ms: ms,
                data: &data,
            }) && let Err(err) = crate::fsutil::write_atomic(file, &bytes, false)
            {
                tracing::warn!(file = %file.display(), %err, "cache not saved");
            }
        }
        Cached {
            data,
            fetched_at,
            from_cache: false,
        }
    }

    /// The file's entry; a missing file is a quiet miss, an unreadable or corrupt one a miss
    /// that is reported (`-v`) and left alone until the next fetch replaces it atomically.
    fn read_disk(&self) -> Option<OnDisk<T>> {
        let file = self.file.as_ref()?;
        let bytes = match std::fs::read(file) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return None,
            Err(err) => {
                tracing::warn!(
                    target: crate::logging::NOTICE,
                    "sapcode: cache file {} unreadable ({err}); fetching afresh",
                    file.display()
                );
                return None;
            }
        };
        match serde_json::from_slice(&bytes) {
            Ok(disk) => Some(disk),
            Err(err) => {
                tracing::warn!(
                    target: crate::logging::NOTICE,
                    "sapcode: cache file {} is corrupt ({err}); ignoring it and fetching afresh",
                    file.display()
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(dir: &Path) -> TtlCache<Vec<String>> {
        TtlCache::new(
            Duration::from_secs(60),
            Some(cache_file(dir, "https://a/v2", "default", "catalog")),
        )
    }

    #[test]
    fn hit_then_expiry() {
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path());
        let t0 = SystemTime::now();
        assert!(c.get(t0).is_none());
        let stored = c.put(vec!["x".into()], t0);
        assert!(!stored.from_cache);
        let hit = c.get(t0 + Duration::from_secs(59)).unwrap();
        assert!(hit.from_cache);
        assert_eq!(hit.data, vec!["x".to_string()]);
        assert!(c.get(t0 + Duration::from_secs(61)).is_none());
    }

    #[test]
    fn disk_survives_a_new_process_and_keys_differ() {
        let dir = tempfile::tempdir().unwrap();
        let t0 = SystemTime::now();
        cache(dir.path()).put(vec!["y".into()], t0);
        let again = cache(dir.path()).get(t0 + Duration::from_secs(1)).unwrap();
        assert_eq!(again.data, vec!["y".to_string()]);
        let a = cache_file(dir.path(), "https://a/v2", "default", "catalog");
        let b = cache_file(dir.path(), "https://a/v2", "other", "catalog");
        let c = cache_file(dir.path(), "https://a/v2", "default", "deployments");
        assert!(a != b && a != c);
    }

    #[test]
    fn corrupt_file_is_a_miss_and_gets_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let file = cache_file(dir.path(), "https://a/v2", "default", "catalog");
        std::fs::write(&file, b"{ not json").unwrap();
        let t0 = SystemTime::now();
        assert!(cache(dir.path()).get(t0).is_none());
        cache(dir.path()).put(vec!["z".into()], t0);
        assert!(cache(dir.path()).get(t0).is_some());
    }

    #[test]
    fn a_write_removes_temp_files_a_killed_process_left() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(".catalog.json.999.1.tmp");
        let fresh = dir.path().join(".catalog.json.999.2.tmp");
        for path in [&stale, &fresh] {
            std::fs::write(path, b"half a cache").unwrap();
        }
        let long_ago = SystemTime::now() - crate::fsutil::STALE_TEMP_AGE * 3;
        std::fs::File::options()
            .write(true)
            .open(&stale)
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
        cache(dir.path()).put(vec!["z".into()], SystemTime::now());
        assert!(!stale.exists());
        assert!(fresh.exists(), "a recent temp file may be a live write");
    }
}
