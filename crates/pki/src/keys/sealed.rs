//! The default key store: one file per key under a directory, each private key sealed with
//! XChaCha20-Poly1305 under a 32-byte master key, files mode 0600 in a 0700 directory.
//!
//! File form: `[version = 1][curve: 1 = P-256, 2 = P-384][24-byte nonce][ciphertext + tag]`; the
//! plaintext is the private scalar. The associated data binds the version, the curve and the
//! label, so a key file renamed to another label, or sealed under another master key, does not
//! open. Keys are created with `create_new` and hard-linked into place: never overwritten.
//!
//! Loaded keys stay in memory (zeroised on drop) so that signing does not decrypt every time.
//! This module must never log or return a private scalar or the master key.

use super::{Curve, KeyLabel, KeyStore, PublicKey};
use crate::PkiError;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use std::collections::HashMap;
use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const VERSION: u8 = 1;
const NONCE_LEN: usize = 24;
const SUFFIX: &str = ".key";

/// Keys sealed in files; see the module documentation.
pub struct SealedFileKeys {
    dir: PathBuf,
    cipher: XChaCha20Poly1305,
    loaded: Mutex<HashMap<KeyLabel, Arc<Signer>>>,
}

enum Signer {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
}

impl fmt::Debug for SealedFileKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealedFileKeys")
            .field("dir", &self.dir)
            .field("cipher", &"XChaCha20-Poly1305 (master key hidden)")
            .finish_non_exhaustive()
    }
}

impl SealedFileKeys {
    /// Opens (creating it, mode 0700, if missing) the key directory `dir`, sealing with
    /// `master_key` (the wiring keeps it in its own 0600 file, like the blob store's key).
    pub fn open(dir: &Path, master_key: [u8; 32]) -> Result<Self, PkiError> {
        create_private_dir(dir).map_err(|e| io_error(dir, e))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            cipher: XChaCha20Poly1305::new(Key::from_slice(&master_key)),
            loaded: Mutex::new(HashMap::new()),
        })
    }

    fn path(&self, label: &KeyLabel) -> PathBuf {
        self.dir.join(format!("{label}{SUFFIX}"))
    }

    fn load(&self, label: &KeyLabel) -> Result<Arc<Signer>, PkiError> {
        if let Some(s) = self.lock().get(label) {
            return Ok(Arc::clone(s));
        }
        let path = self.path(label);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(PkiError::KeyNotFound(label.to_string()))
            }
            Err(e) => return Err(io_error(&path, e)),
        };
        let signer = Arc::new(self.unseal(label, &bytes)?);
        self.lock().insert(label.clone(), Arc::clone(&signer));
        Ok(signer)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<KeyLabel, Arc<Signer>>> {
        // A panic while holding this lock cannot leave the map half-updated.
        self.loaded.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn seal(&self, label: &KeyLabel, curve: Curve, scalar: &[u8]) -> Result<Vec<u8>, PkiError> {
        let nonce: [u8; NONCE_LEN] = rand::random();
        let aad = associated_data(label, curve_tag(curve));
        let ct = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: scalar,
                    aad: &aad,
                },
            )
            .map_err(|_| PkiError::KeyStore(format!("{label}: sealing failed")))?;
        let mut out = Vec::with_capacity(2 + NONCE_LEN + ct.len());
        out.push(VERSION);
        out.push(curve_tag(curve));
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    fn unseal(&self, label: &KeyLabel, bytes: &[u8]) -> Result<Signer, PkiError> {
        let corrupt = |why: &str| PkiError::KeyStore(format!("key file for {label}: {why}"));
        if bytes.len() < 2 + NONCE_LEN + 16 || bytes[0] != VERSION {
            return Err(corrupt("not a sealed key file of version 1"));
        }
        let tag = bytes[1];
        let (nonce, ct) = bytes[2..].split_at(NONCE_LEN);
        let aad = associated_data(label, tag);
        let scalar = zeroize::Zeroizing::new(
            self.cipher
                .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad: &aad })
                .map_err(|_| {
                    corrupt("does not open (altered, renamed, or sealed under another master key)")
                })?,
        );
        match tag {
            1 => p256::ecdsa::SigningKey::from_slice(&scalar)
                .map(Signer::P256)
                .map_err(|_| corrupt("not a P-256 private key")),
            2 => p384::ecdsa::SigningKey::from_slice(&scalar)
                .map(Signer::P384)
                .map_err(|_| corrupt("not a P-384 private key")),
            _ => Err(corrupt("unknown curve")),
        }
    }
}

impl KeyStore for SealedFileKeys {
    fn backend(&self) -> &'static str {
        "sealed-files"
    }

    fn generate(&self, label: &KeyLabel, curve: Curve) -> Result<PublicKey, PkiError> {
        let path = self.path(label);
        if path.exists() {
            return Err(PkiError::KeyExists(label.to_string()));
        }
        let (signer, scalar) = random_key(curve);
        let sealed = self.seal(label, curve, &scalar)?;
        write_new(&self.dir, &path, &sealed).map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => PkiError::KeyExists(label.to_string()),
            _ => io_error(&path, e),
        })?;
        let public = signer.public_key()?;
        self.lock().insert(label.clone(), Arc::new(signer));
        tracing::info!(label = %label, %curve, backend = "sealed-files", "generated a key");
        Ok(public)
    }

    fn public_key(&self, label: &KeyLabel) -> Result<PublicKey, PkiError> {
        self.load(label)?.public_key()
    }

    fn sign(&self, label: &KeyLabel, message: &[u8]) -> Result<Vec<u8>, PkiError> {
        use signature::Signer as _;
        Ok(match &*self.load(label)? {
            Signer::P256(k) => {
                let sig: p256::ecdsa::DerSignature = k.sign(message);
                sig.as_bytes().to_vec()
            }
            Signer::P384(k) => {
                let sig: p384::ecdsa::DerSignature = k.sign(message);
                sig.as_bytes().to_vec()
            }
        })
    }

    fn labels(&self) -> Result<Vec<KeyLabel>, PkiError> {
        let mut out = Vec::new();
        for entry in fs::read_dir(&self.dir).map_err(|e| io_error(&self.dir, e))? {
            let entry = entry.map_err(|e| io_error(&self.dir, e))?;
            let name = entry.file_name();
            if let Some(label) = name.to_str().and_then(|n| n.strip_suffix(SUFFIX)) {
                if let Ok(label) = KeyLabel::parse(label) {
                    out.push(label);
                }
            }
        }
        out.sort();
        Ok(out)
    }
}

impl Signer {
    fn public_key(&self) -> Result<PublicKey, PkiError> {
        match self {
            Signer::P256(k) => PublicKey::from_sec1(
                Curve::P256,
                &k.verifying_key().to_sec1_point(false).to_bytes(),
            ),
            Signer::P384(k) => PublicKey::from_sec1(
                Curve::P384,
                &k.verifying_key().to_sec1_point(false).to_bytes(),
            ),
        }
    }
}

/// A new key from the operating system's random source, with its scalar for sealing.
fn random_key(curve: Curve) -> (Signer, zeroize::Zeroizing<Vec<u8>>) {
    loop {
        let mut scalar = zeroize::Zeroizing::new(vec![0u8; curve.field_len()]);
        rand::fill(&mut scalar[..]);
        // A draw outside [1, n-1] (probability about 2^-32 for P-256) is drawn again.
        let signer = match curve {
            Curve::P256 => p256::ecdsa::SigningKey::from_slice(&scalar).map(Signer::P256),
            Curve::P384 => p384::ecdsa::SigningKey::from_slice(&scalar).map(Signer::P384),
        };
        if let Ok(signer) = signer {
            return (signer, scalar);
        }
    }
}

fn curve_tag(curve: Curve) -> u8 {
    match curve {
        Curve::P256 => 1,
        Curve::P384 => 2,
    }
}

fn associated_data(label: &KeyLabel, curve_tag: u8) -> Vec<u8> {
    let mut aad = b"shenas-pki-key".to_vec();
    aad.push(VERSION);
    aad.push(curve_tag);
    aad.extend_from_slice(label.as_str().as_bytes());
    aad
}

fn io_error(path: &Path, e: io::Error) -> PkiError {
    PkiError::KeyStore(format!("{}: {e}", path.display()))
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Writes `bytes` to a private temporary file, flushes it and links it to `path`; fails with
/// `AlreadyExists` if `path` exists.
fn write_new(dir: &Path, path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = dir.join(format!(".new-{:016x}.tmp", rand::random::<u64>()));
    let written = (|| {
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    let linked = written.and_then(|()| fs::hard_link(&tmp, path));
    let _ = fs::remove_file(&tmp);
    linked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_is_private_and_bound_to_its_label_and_master_key() {
        let dir = tempfile::tempdir().unwrap();
        let keys = SealedFileKeys::open(dir.path(), [7; 32]).unwrap();
        let label = KeyLabel::parse("csca-1").unwrap();
        let public = keys.generate(&label, Curve::P384).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(keys.path(&label))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // The scalar is not in the file in clear.
        let file = fs::read(keys.path(&label)).unwrap();
        let Signer::P384(k) = &*keys.load(&label).unwrap() else {
            panic!("wrong curve")
        };
        let scalar = k.to_bytes();
        assert!(!file.windows(scalar.len()).any(|w| w == scalar.as_slice()));

        // Another master key, or the file under another label, does not open.
        let other = SealedFileKeys::open(dir.path(), [8; 32]).unwrap();
        assert!(matches!(
            other.sign(&label, b"x"),
            Err(PkiError::KeyStore(_))
        ));
        fs::copy(keys.path(&label), dir.path().join("csca-2.key")).unwrap();
        let fresh = SealedFileKeys::open(dir.path(), [7; 32]).unwrap();
        let moved = KeyLabel::parse("csca-2").unwrap();
        assert!(matches!(
            fresh.sign(&moved, b"x"),
            Err(PkiError::KeyStore(_))
        ));

        // A fresh store with the right master key signs what the public key verifies.
        let sig = fresh.sign(&label, b"message").unwrap();
        assert!(public.verify(b"message", &sig));
        assert!(!public.verify(b"other", &sig));
        assert!(matches!(
            fresh.generate(&label, Curve::P256),
            Err(PkiError::KeyExists(_))
        ));
    }
}
