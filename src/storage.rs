//! Where uploaded files live. Files are addressed by the SHA-256 of their content, so the same file uploaded twice is
//! stored once. [`BlobStore`] is the seam for other back ends (S3-compatible storage); [`LocalDisk`] keeps files
//! under the data dir.

use std::io::Write;
use std::path::PathBuf;

/// A content-addressed file store. Methods block: call them from `spawn_blocking`.
pub trait BlobStore: Send + Sync + 'static {
    /// Stores `bytes` under their hash (a no-op when already present).
    fn put(&self, sha256: &str, bytes: &[u8]) -> std::io::Result<()>;
    /// Reads the file with this hash.
    fn get(&self, sha256: &str) -> std::io::Result<Vec<u8>>;
    /// Removes the file with this hash (a no-op when absent).
    fn delete(&self, sha256: &str) -> std::io::Result<()>;
}

/// Files under `<root>/<first two hex digits>/<hash>`.
pub struct LocalDisk {
    root: PathBuf,
}

impl LocalDisk {
    /// A store rooted at `root` (created on first write).
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    fn path(&self, sha256: &str) -> std::io::Result<PathBuf> {
        if sha256.len() != 64 || !sha256.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()) {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a lower-case SHA-256 hex digest"));
        }
        Ok(self.root.join(&sha256[..2]).join(sha256))
    }
}

impl BlobStore for LocalDisk {
    fn put(&self, sha256: &str, bytes: &[u8]) -> std::io::Result<()> {
        let path = self.path(sha256)?;
        if path.exists() {
            return Ok(());
        }
        let dir = path.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(dir)?;
        // Write to a temporary name, flush to disk, then rename: a crash never leaves a half file under the hash.
        let temporary = dir.join(format!(".{sha256}.{}", uuid::Uuid::now_v7().simple()));
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, &path)
    }

    fn get(&self, sha256: &str) -> std::io::Result<Vec<u8>> {
        std::fs::read(self.path(sha256)?)
    }

    fn delete(&self, sha256: &str) -> std::io::Result<()> {
        match std::fs::remove_file(self.path(sha256)?) {
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_round_trip_by_hash_and_bad_hashes_are_refused() {
        let root = std::env::temp_dir().join(format!("pengaduan-blobs-{}", uuid::Uuid::now_v7().simple()));
        let store = LocalDisk::new(root.clone());
        let hash = "ab".repeat(32);
        store.put(&hash, b"%PDF-1.7").unwrap();
        store.put(&hash, b"%PDF-1.7").unwrap();
        assert_eq!(store.get(&hash).unwrap(), b"%PDF-1.7");
        assert!(root.join("ab").join(&hash).is_file());
        store.delete(&hash).unwrap();
        store.delete(&hash).unwrap();
        assert!(store.get(&hash).is_err());
        assert!(store.put("../../etc/passwd", b"x").is_err());
        std::fs::remove_dir_all(root).unwrap();
    }
}
