#![allow(clippy::unwrap_used)]
//! Blob store tests: round trip, overwrite, delete, key rules, sealing (no plaintext at rest,
//! tamper, wrong key, moved blob), the key file, and atomicity under concurrent access.

use blobs::{load_or_create_key, BlobError, BlobStore, FsBlobStore, MemoryBlobStore, Sealed};
use std::sync::Arc;

const KEY: [u8; 32] = [7; 32];

async fn contract(store: &dyn BlobStore) {
    assert_eq!(store.get("photos/1.jpg").await.unwrap(), None);
    store.put("photos/1.jpg", b"first").await.unwrap();
    assert_eq!(
        store.get("photos/1.jpg").await.unwrap().as_deref(),
        Some(&b"first"[..])
    );
    // Overwrite, including with a shorter and an empty blob.
    store
        .put("photos/1.jpg", b"second, longer blob")
        .await
        .unwrap();
    assert_eq!(
        store.get("photos/1.jpg").await.unwrap().as_deref(),
        Some(&b"second, longer blob"[..])
    );
    store.put("photos/1.jpg", b"").await.unwrap();
    assert_eq!(
        store.get("photos/1.jpg").await.unwrap().as_deref(),
        Some(&b""[..])
    );
    // Keys that share a prefix or differ only by '/' are distinct blobs.
    store.put("photos", b"a").await.unwrap();
    store.put("photos/1", b"b").await.unwrap();
    store.put("photos-1", b"c").await.unwrap();
    assert_eq!(store.get("photos").await.unwrap().unwrap(), b"a");
    assert_eq!(store.get("photos/1").await.unwrap().unwrap(), b"b");
    assert_eq!(store.get("photos-1").await.unwrap().unwrap(), b"c");
    // Delete, and delete of a missing key.
    store.delete("photos/1.jpg").await.unwrap();
    assert_eq!(store.get("photos/1.jpg").await.unwrap(), None);
    store.delete("photos/1.jpg").await.unwrap();
    store.delete("never/was").await.unwrap();
    // Binary content survives.
    let bin: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    store.put("t/9/3", &bin).await.unwrap();
    assert_eq!(store.get("t/9/3").await.unwrap().unwrap(), bin);
    // Invalid keys are refused by every operation.
    for bad in [
        "",
        "/etc/passwd",
        "../x",
        "a/../../b",
        "A",
        "a b",
        "a//b",
        "a/",
    ] {
        assert!(matches!(
            store.put(bad, b"x").await,
            Err(BlobError::InvalidKey(_))
        ));
        assert!(matches!(
            store.get(bad).await,
            Err(BlobError::InvalidKey(_))
        ));
        assert!(matches!(
            store.delete(bad).await,
            Err(BlobError::InvalidKey(_))
        ));
    }
    let long = "k".repeat(201);
    assert!(matches!(
        store.put(&long, b"x").await,
        Err(BlobError::InvalidKey(_))
    ));
    store.put(&"k".repeat(200), b"max").await.unwrap();
}

#[tokio::test]
async fn memory_store_contract() {
    contract(&MemoryBlobStore::new()).await;
}

#[tokio::test]
async fn fs_store_contract_and_layout() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("nested/root");
    let store = FsBlobStore::new(&root).unwrap();
    assert!(root.is_dir());
    contract(&store).await;
    // Fan-out: two levels of two hex digits under the root, the key flattened into a name.
    let p = store.path_of("t/9/3").unwrap();
    let rel = p.strip_prefix(&root).unwrap();
    let parts: Vec<_> = rel
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    assert_eq!(parts.len(), 3, "{parts:?}");
    assert!(parts[..2]
        .iter()
        .all(|s| s.len() == 2 && s.chars().all(|c| c.is_ascii_hexdigit())));
    assert_eq!(parts[2], "t+9+3");
    assert!(p.is_file());
    // Keys spread over many directories.
    let mut dirs = std::collections::HashSet::new();
    for i in 0..200 {
        let p = store.path_of(&format!("photos/{i}.jpg")).unwrap();
        dirs.insert(p.parent().unwrap().to_path_buf());
    }
    assert!(dirs.len() > 190, "{} directories", dirs.len());
    // No temporary file is left behind.
    let mut stray = Vec::new();
    walk(&root, &mut |f| {
        if f.file_name().unwrap().to_string_lossy().starts_with("~tmp") {
            stray.push(f.to_path_buf());
        }
    });
    assert!(stray.is_empty(), "{stray:?}");
    // A store reopened on the same root sees the same blobs.
    let again = FsBlobStore::new(&root).unwrap();
    assert_eq!(again.get("photos").await.unwrap().unwrap(), b"a");
}

fn walk(dir: &std::path::Path, f: &mut dyn FnMut(&std::path::Path)) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, f);
        } else {
            f(&p);
        }
    }
}

#[tokio::test]
async fn sealed_store_contract() {
    contract(&Sealed::new(MemoryBlobStore::new(), KEY)).await;
    let dir = tempfile::tempdir().unwrap();
    contract(&Sealed::new(FsBlobStore::new(dir.path()).unwrap(), KEY)).await;
}

#[tokio::test]
async fn sealed_blobs_are_not_plaintext_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let fs = FsBlobStore::new(dir.path()).unwrap();
    let sealed = Sealed::new(fs.clone(), KEY);
    let plain = b"national code 0012345678, template of the right thumb".repeat(20);
    sealed.put("templates/0012345678/1", &plain).await.unwrap();
    let on_disk = std::fs::read(fs.path_of("templates/0012345678/1").unwrap()).unwrap();
    assert_eq!(on_disk.len(), plain.len() + 1 + 24 + 16);
    assert_eq!(on_disk[0], 1, "format version prefix");
    for needle in [&b"0012345678"[..], b"national code", b"right thumb"] {
        assert!(
            !on_disk.windows(needle.len()).any(|w| w == needle),
            "{:?} found on disk",
            String::from_utf8_lossy(needle)
        );
    }
    assert_eq!(
        sealed.get("templates/0012345678/1").await.unwrap().unwrap(),
        plain
    );
    // Two puts of the same content differ on disk (fresh nonce).
    sealed.put("templates/0012345678/1", &plain).await.unwrap();
    let again = std::fs::read(fs.path_of("templates/0012345678/1").unwrap()).unwrap();
    assert_ne!(on_disk, again);
}

#[tokio::test]
async fn tampered_blob_is_corrupt() {
    let mem = Arc::new(MemoryBlobStore::new());
    let sealed = Sealed::new(mem.clone(), KEY);
    sealed.put("photos/7.jpg", b"a photo").await.unwrap();
    let good = mem.raw("photos/7.jpg").unwrap();
    // Flip each byte in turn: version, nonce, ciphertext and tag are all covered.
    for i in 0..good.len() {
        let mut bad = good.clone();
        bad[i] ^= 0x01;
        mem.set_raw("photos/7.jpg", bad);
        assert!(
            matches!(sealed.get("photos/7.jpg").await, Err(BlobError::Corrupt(_))),
            "byte {i}"
        );
    }
    // Truncation and extension.
    for bad in [
        Vec::new(),
        good[..1].to_vec(),
        good[..good.len() - 1].to_vec(),
        [good.as_slice(), &[0]].concat(),
    ] {
        mem.set_raw("photos/7.jpg", bad);
        assert!(matches!(
            sealed.get("photos/7.jpg").await,
            Err(BlobError::Corrupt(_))
        ));
    }
    mem.set_raw("photos/7.jpg", good);
    assert_eq!(
        sealed.get("photos/7.jpg").await.unwrap().unwrap(),
        b"a photo"
    );
}

#[tokio::test]
async fn flipped_byte_on_disk_is_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let fs = FsBlobStore::new(dir.path()).unwrap();
    let sealed = Sealed::new(fs.clone(), KEY);
    sealed.put("sig/1.png", &[42u8; 1000]).await.unwrap();
    let path = fs.path_of("sig/1.png").unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[500] ^= 0x80;
    std::fs::write(&path, &bytes).unwrap();
    let err = sealed.get("sig/1.png").await.unwrap_err();
    assert!(matches!(err, BlobError::Corrupt(_)), "{err}");
}

#[tokio::test]
async fn wrong_key_fails() {
    let mem = Arc::new(MemoryBlobStore::new());
    Sealed::new(mem.clone(), KEY)
        .put("a", b"secret")
        .await
        .unwrap();
    let mut other = KEY;
    other[31] ^= 1;
    let wrong = Sealed::new(mem.clone(), other);
    assert!(matches!(wrong.get("a").await, Err(BlobError::Corrupt(_))));
    // Reading the raw ciphertext through an unsealed view gives no plaintext either.
    assert_ne!(mem.get("a").await.unwrap().unwrap(), b"secret");
}

#[tokio::test]
async fn moved_blob_fails_to_open() {
    let mem = Arc::new(MemoryBlobStore::new());
    let sealed = Sealed::new(mem.clone(), KEY);
    sealed.put("photos/1.jpg", b"person one").await.unwrap();
    sealed.put("photos/2.jpg", b"person two").await.unwrap();
    // An attacker with disk access swaps the two people's photos.
    let one = mem.raw("photos/1.jpg").unwrap();
    mem.set_raw("photos/2.jpg", one.clone());
    mem.set_raw("photos/3.jpg", one);
    assert!(matches!(
        sealed.get("photos/2.jpg").await,
        Err(BlobError::Corrupt(_))
    ));
    assert!(matches!(
        sealed.get("photos/3.jpg").await,
        Err(BlobError::Corrupt(_))
    ));
    assert_eq!(
        sealed.get("photos/1.jpg").await.unwrap().unwrap(),
        b"person one"
    );
}

#[test]
fn key_file_created_private_and_reloaded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys/blob.key");
    let k1 = load_or_create_key(&path).unwrap();
    assert_ne!(k1, [0u8; 32]);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.trim_end().len(), 64);
    assert!(text.trim_end().chars().all(|c| c.is_ascii_hexdigit()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "mode {mode:o}");
    }
    let k2 = load_or_create_key(&path).unwrap();
    assert_eq!(k1, k2);
    // No temporary file left beside it.
    let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    // A different path gets a different key.
    let k3 = load_or_create_key(&dir.path().join("other.key")).unwrap();
    assert_ne!(k1, k3);
}

#[test]
fn malformed_key_file_is_refused_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blob.key");
    for bad in [
        &b""[..],
        b"abc",
        &[b'z'; 64],
        &[b'a'; 63],
        &[b'a'; 66],
        b"00112233445566778899aabbccddeeff00112233445566778899aabbccddeef\n",
    ] {
        std::fs::write(&path, bad).unwrap();
        assert!(
            matches!(load_or_create_key(&path), Err(BlobError::Corrupt(_))),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
        assert_eq!(std::fs::read(&path).unwrap(), bad, "file left untouched");
    }
    // Upper-case hex and a missing newline are fine.
    std::fs::write(&path, "AB".repeat(32)).unwrap();
    assert_eq!(load_or_create_key(&path).unwrap(), [0xab; 32]);
}

#[test]
fn concurrent_key_creation_agrees() {
    let dir = tempfile::tempdir().unwrap();
    let path = Arc::new(dir.path().join("race.key"));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let p = path.clone();
            std::thread::spawn(move || load_or_create_key(&p).unwrap())
        })
        .collect();
    let keys: Vec<[u8; 32]> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(keys.iter().all(|k| *k == keys[0]));
}

/// Writers alternate two very different blobs under one key while readers check that every
/// read is exactly one of them.
async fn no_partial_reads(store: Arc<dyn BlobStore>) {
    let a = Arc::new(vec![0xaa; 300_000]);
    let b = Arc::new(vec![0xbb; 200_000]);
    store.put("hot/key", &a).await.unwrap();
    let mut tasks = Vec::new();
    for w in 0..4 {
        let (s, a, b) = (store.clone(), a.clone(), b.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0..15 {
                let blob = if (i + w) % 2 == 0 { &a } else { &b };
                s.put("hot/key", blob).await.unwrap();
            }
        }));
    }
    for _ in 0..4 {
        let (s, a, b) = (store.clone(), a.clone(), b.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..40 {
                let got = s.get("hot/key").await.unwrap().unwrap();
                assert!(
                    got == *a || got == *b,
                    "partial read of {} bytes",
                    got.len()
                );
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_puts_and_gets_never_see_partial_data() {
    let dir = tempfile::tempdir().unwrap();
    let fs = FsBlobStore::new(dir.path()).unwrap();
    no_partial_reads(Arc::new(fs.clone())).await;
    no_partial_reads(Arc::new(Sealed::new(fs, KEY))).await;
    no_partial_reads(Arc::new(MemoryBlobStore::new())).await;
}
