//! Throughput of the OCSP responder core, without HTTP: cached answers (the path nearly every
//! request takes) on one thread and on every core, and fresh signing (a cache miss: lookup,
//! encode, ECDSA P-256 sign) with the sealed-file keys and, where SoftHSM2 is installed, through
//! PKCS#11.
//!
//! `cargo run --release -p shenas-pki --example ocsp_bench`

use der::asn1::{AnyRef, IntRef, Null, OctetStringRef};
use der::{Decode, Encode};
use pki::ocsp::{CertId, OcspConfig, OcspRequest, Request, TbsRequest, Version};
use pki::{Authority, CertStatus, KeyStore, Pki, PkiConfig, SealedFileKeys, Serial};
use sha1::Digest;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use x509_cert::Certificate;

const SERIALS: usize = 10_000;

fn request(pki: &Pki, serial: &Serial) -> Vec<u8> {
    let ca =
        Certificate::from_der(&pki.authority(Authority::CitizenCa).expect("ca").der).expect("cert");
    let name = ca.tbs_certificate().subject().to_der().expect("name");
    let key = ca
        .tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes();
    let (nh, kh) = (sha1::Sha1::digest(&name), sha1::Sha1::digest(key));
    OcspRequest {
        tbs_request: TbsRequest {
            version: Version::V1,
            requestor_name: None,
            request_list: vec![Request {
                req_cert: CertId {
                    hash_algorithm: spki::AlgorithmIdentifierRef {
                        oid: const_oid::db::rfc5912::ID_SHA_1,
                        parameters: Some(AnyRef::from(Null)),
                    },
                    issuer_name_hash: OctetStringRef::new(&nh).expect("hash"),
                    issuer_key_hash: OctetStringRef::new(&kh).expect("hash"),
                    serial_number: IntRef::new(serial.as_bytes()).expect("serial"),
                },
                single_request_extensions: None,
            }],
            request_extensions: None,
        },
        optional_signature: None,
    }
    .to_der()
    .expect("request")
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p) as usize]
}

fn bench(name: &str, keys: Arc<dyn KeyStore>) {
    let mut pki = Pki::new(
        PkiConfig::new("https://shenas.test").expect("config"),
        keys,
        vec![],
    )
    .expect("pki");
    pki.init(SystemTime::now()).expect("init");
    let serials: Vec<Serial> = (0..SERIALS).map(|_| Serial::random()).collect();
    let requests: Vec<Vec<u8>> = serials.iter().map(|s| request(&pki, s)).collect();
    let lookup = |_: Authority, _: &[u8]| Some(CertStatus::Good);
    let now = SystemTime::now();

    // Fresh signing: every answer signed anew (refresh_after = 0).
    let fresh = pki
        .ocsp_responder(OcspConfig {
            refresh_after: Duration::ZERO,
            ..OcspConfig::default()
        })
        .expect("responder");
    let n = if name == "pkcs11" { 2_000 } else { SERIALS };
    let t = Instant::now();
    for r in &requests[..n] {
        std::hint::black_box(fresh.respond(r, lookup, now));
    }
    let fresh_rate = n as f64 / t.elapsed().as_secs_f64();
    println!("{name}: fresh signing, 1 thread: {fresh_rate:.0} responses/s");

    // Cached: pre-produce every answer once, then serve.
    let responder = Arc::new(
        pki.ocsp_responder(OcspConfig::default())
            .expect("responder"),
    );
    for r in &requests {
        responder.respond(r, lookup, now);
    }
    let rounds = 50;
    let mut samples = Vec::with_capacity(SERIALS);
    let t = Instant::now();
    for round in 0..rounds {
        for r in &requests {
            if round == 0 {
                let s = Instant::now();
                std::hint::black_box(responder.respond(r, |_, _| panic!("cache miss"), now));
                samples.push(s.elapsed());
            } else {
                std::hint::black_box(responder.respond(r, |_, _| panic!("cache miss"), now));
            }
        }
    }
    let rate = (rounds * SERIALS) as f64 / t.elapsed().as_secs_f64();
    samples.sort();
    println!(
        "{name}: cached, 1 thread: {rate:.0} responses/s, p50 {:?}, p99 {:?}, max {:?}",
        percentile(&samples, 0.5),
        percentile(&samples, 0.99),
        samples[samples.len() - 1]
    );

    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let requests = Arc::new(requests);
    let t = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (responder, requests) = (Arc::clone(&responder), Arc::clone(&requests));
            std::thread::spawn(move || {
                for _ in 0..rounds {
                    for r in requests.iter() {
                        std::hint::black_box(responder.respond(
                            r,
                            |_, _| panic!("cache miss"),
                            now,
                        ));
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread");
    }
    let rate = (threads * rounds * SERIALS) as f64 / t.elapsed().as_secs_f64();
    println!("{name}: cached, {threads} threads: {rate:.0} responses/s");
}

fn main() {
    println!(
        "cores (available_parallelism): {:?}",
        std::thread::available_parallelism()
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let keys = SealedFileKeys::open(&dir.path().join("keys"), [9; 32]).expect("keys");
    bench("sealed-files", Arc::new(keys));
    if let Some(keys) = softhsm() {
        bench("pkcs11", keys);
    } else {
        println!("pkcs11: SoftHSM2 not installed, skipped");
    }
}

fn softhsm() -> Option<Arc<dyn KeyStore>> {
    const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
    if !std::path::Path::new(MODULE).exists() {
        return None;
    }
    let dir = tempfile::tempdir().ok()?.keep();
    std::fs::create_dir_all(dir.join("tokens")).ok()?;
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\n",
            dir.join("tokens").display()
        ),
    )
    .ok()?;
    let ok = std::process::Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args([
            "--init-token",
            "--free",
            "--label",
            "bench",
            "--pin",
            "1234",
            "--so-pin",
            "5678",
        ])
        .output()
        .ok()?
        .status
        .success();
    if !ok {
        return None;
    }
    std::env::set_var("SOFTHSM2_CONF", &conf);
    let keys = pki::Pkcs11Keys::open(&pki::Pkcs11Config {
        module: MODULE.into(),
        token_label: "bench".into(),
        pin: "1234".into(),
    })
    .ok()?;
    Some(Arc::new(keys))
}
