//! The sealing key file: 32 random bytes as 64 lowercase hex digits and a newline, mode 0600.

use crate::BlobError;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

/// Reads the 32-byte key at `path`, or creates it (with parent directories) from the operating
/// system's random source when the file does not exist.
///
/// The file holds 64 hex digits, optionally followed by a newline; anything else is refused
/// ([`BlobError::Corrupt`]) rather than replaced, since a replaced key would make every sealed
/// blob unreadable. Creation is race-free: the key is written to a private temporary file and
/// hard-linked into place, so of two processes starting together both end up with the same key.
pub fn load_or_create_key(path: &Path) -> Result<[u8; 32], BlobError> {
    match fs::read(path) {
        Ok(bytes) => return parse_key_file(path, &bytes),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e.into()),
    }
    let mut key = [0u8; 32];
    rand::fill(&mut key);
    let text = format!("{}\n", hex::encode(key));
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    fs::create_dir_all(&dir)?;
    let tmp = dir.join(format!(".key-{:016x}.tmp", rand::random::<u64>()));
    let written = (|| {
        let mut f = private_create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e.into());
    }
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            tracing::info!(path = %path.display(), "created a new blob sealing key");
            Ok(key)
        }
        // Someone else created it first: use theirs.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            parse_key_file(path, &fs::read(path)?)
        }
        Err(e) => Err(e.into()),
    }
}

fn private_create(path: &Path) -> io::Result<fs::File> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
}

fn parse_key_file(path: &Path, bytes: &[u8]) -> Result<[u8; 32], BlobError> {
    let bad = |why: &str| {
        Err(BlobError::Corrupt(format!(
            "key file {} is malformed: {why}; it must hold exactly 64 hex digits",
            path.display()
        )))
    };
    let text = bytes
        .strip_suffix(b"\n")
        .map(|b| b.strip_suffix(b"\r").unwrap_or(b))
        .unwrap_or(bytes);
    if text.len() != 64 {
        return bad(&format!("{} characters found", text.len()));
    }
    let mut key = [0u8; 32];
    if let Err(e) = hex::decode_to_slice(text, &mut key) {
        return bad(&e.to_string());
    }
    warn_if_shared(path);
    Ok(key)
}

fn warn_if_shared(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                tracing::warn!(
                    path = %path.display(),
                    mode = format!("{mode:o}"),
                    "the blob sealing key file is readable by other users; chmod 600 it"
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}
