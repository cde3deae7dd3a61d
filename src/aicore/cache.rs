//! TTL caches for the catalog (15 min) and deployments (5 min): in memory and, when a cache
//! directory is given, one JSON file per (base URL + resource group, kind), written
//! atomically. A corrupt file counts as a miss. Tokens are never cached here.

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
    pub fn new(ttl: Duration, file: Option<PathBuf>) -> Self {
        TtlCache {
            ttl,
            file,
            memory: Mutex::new(None),
        }
    }

    fn is_fresh(&self, fetched_at: SystemTime, now: SystemTime) -> bool {
        // A fetched_at in the future (clock change) is treated as stale.
        now.duration_since(fetched_at)
            .is_ok_and(|age| age < self.ttl)
    }

    /// A fresh entry from memory, else from disk; `None` on a miss.
    pub fn get(&self, now: SystemTime) -> Option<Cached<T>> {
        if let Ok(guard) = self.memory.lock() {
            if let Some((data, at)) = guard.as_ref() {
                if self.is_fresh(*at, now) {
                    return Some(Cached {
                        data: data.clone(),
                        fetched_at: *at,
                        from_cache: true,
                    });
                }
            }
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
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
                .unwrap_or(0);
            if let Ok(bytes) = serde_json::to_vec(&OnDisk {
                fetched_at_ms: ms,
                data: &data,
            }) {
                let _ignored = write_atomically(file, &bytes);
            }
        }
        Cached {
            data,
            fetched_at,
            from_cache: false,
        }
    }

    fn read_disk(&self) -> Option<OnDisk<T>> {
        let bytes = std::fs::read(self.file.as_ref()?).ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

/// Temp file in the same directory, then rename: readers see the old or the new file whole.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("cache");
    let tmp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        fastrand::u64(..)
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ignored = std::fs::remove_file(&tmp);
    }
    result
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
    fn atomic_write_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("f.json");
        write_atomically(&path, b"one").unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path().join("sub")).unwrap().collect();
        assert_eq!(names.len(), 1);
    }
}
