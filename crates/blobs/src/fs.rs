//! Blobs as files under a root directory.
//!
//! Layout: `root/ab/cd/<name>` where `abcd` are the first two bytes (hex) of the SHA-256 of
//! the key, so that a million blobs spread over 65,536 directories of about fifteen files, and
//! `<name>` is the key with `/` turned into `+` (a character keys cannot hold, so the mapping
//! is one to one and a key never becomes a directory).
//!
//! A put writes a temporary file `~tmp-<random>` in the target directory (`~` cannot appear in
//! a key), flushes it to disk, renames it over the target and flushes the directory: readers
//! see the old file or the new one, and a crash leaves at worst a stray temporary file.

use crate::{validate_key, BlobError, BlobStore};
use async_trait::async_trait;
use sha2::{Digest, Sha256};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A [`BlobStore`] on the local file system.
#[derive(Debug, Clone)]
pub struct FsBlobStore {
    root: PathBuf,
}

impl FsBlobStore {
    /// A store under `root`, which is created (with its parents) when missing.
    pub fn new(root: impl Into<PathBuf>) -> Result<Self, BlobError> {
        let root = root.into();
        fs::create_dir_all(&root)?;
        if !root.is_dir() {
            return Err(BlobError::Io(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("blob root {} is not a directory", root.display()),
            )));
        }
        Ok(Self { root })
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether any blob is stored (any file under the root).
    pub fn holds_blobs(&self) -> io::Result<bool> {
        fn any_file(dir: &Path, depth: u8) -> io::Result<bool> {
            for entry in fs::read_dir(dir)? {
                let entry = entry?;
                let kind = entry.file_type()?;
                if kind.is_file()
                    || (kind.is_dir() && depth > 0 && any_file(&entry.path(), depth - 1)?)
                {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        any_file(&self.root, 2)
    }

    /// Where the blob of `key` is (or would be) stored.
    pub fn path_of(&self, key: &str) -> Result<PathBuf, BlobError> {
        validate_key(key)?;
        let digest = Sha256::digest(key.as_bytes());
        let name = key.replace('/', "+");
        Ok(self
            .root
            .join(format!("{:02x}", digest[0]))
            .join(format!("{:02x}", digest[1]))
            .join(name))
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> Result<T, BlobError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| BlobError::Io(io::Error::other(format!("blob I/O task failed: {e}"))))?
        .map_err(BlobError::Io)
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), BlobError> {
        let path = self.path_of(key)?;
        let bytes = bytes.to_vec();
        blocking(move || write_atomically(&path, &bytes)).await
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError> {
        let path = self.path_of(key)?;
        blocking(move || match fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        })
        .await
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        let path = self.path_of(key)?;
        blocking(move || match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        })
        .await
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other(format!("{} has no parent directory", path.display())))?;
    fs::create_dir_all(dir)?;
    let tmp = dir.join(format!("~tmp-{:016x}", rand::random::<u64>()));
    let result = (|| {
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        // Sealed or not, a blob is nobody else's to read (security review F19).
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        sync_dir(dir);
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Flushes a directory entry change (the rename) to disk; best effort where unsupported.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Err(e) = File::open(dir).and_then(|d| d.sync_all()) {
        tracing::warn!(dir = %dir.display(), error = %e, "could not flush the blob directory");
    }
    #[cfg(not(unix))]
    let _ = dir;
}
