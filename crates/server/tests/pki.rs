//! The national PKI through the service, on SQLite and on PostgreSQL, checked with the real `openssl` binary: a
//! card from enrollment to pickup, its EF.SOD verified by `openssl cms -verify` against the published CSCA and its
//! data-group hashes compared, its holder certificates refused by `openssl verify -crl_check` while on hold and
//! accepted after pickup (with sealed key files, and with every key in SoftHSM2 through PKCS#11), and `openssl ocsp` against the service on a real port answering revoked/certificateHold,
//! then good after pickup, on hold again while a reported loss suspends the card, good once it is found again and
//! the holder's finger matched at an office, then revoked (keyCompromise) when the holder files a lost-card
//! application. Verification by
//! document number, and the manufacturers' refusals (bad keys, cards not in the batch, results without
//! certificates). Skipped with a notice where `openssl` is missing, unless `SHENAS_REQUIRE_OPENSSL=1`.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use domain::{JalaliDate, NationalCode, Office, Person, Role};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use server::{AppState, Settings};
use sha2::Digest;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use testkit::TestStore;
use tower::ServiceExt;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn have_openssl() -> bool {
    let ok = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("SHENAS_REQUIRE_OPENSSL").as_deref() != Ok("1"),
            "SHENAS_REQUIRE_OPENSSL=1 but openssl is missing"
        );
        eprintln!("NOTICE: openssl not installed; skipping this test");
    }
    ok
}

fn today() -> JalaliDate {
    server::state::today()
}

fn code(n: u32) -> NationalCode {
    let nine = format!("{:09}", 310_000_000 + n);
    NationalCode::from_first_nine(nine.as_bytes().try_into().unwrap()).unwrap()
}

fn mobile(n: u32) -> String {
    format!("0913{:07}", n)
}

fn person(n: u32) -> Person {
    let nc = code(n);
    let m = mobile(n);
    let row: [&str; 16] = [
        nc.as_str(),
        "زهرا",
        "محمدی‌نژاد",
        "علی‌اکبر",
        "فاطمه",
        "female",
        "1370-05-12",
        "کرج",
        "islam",
        "ج",
        "12",
        "345678",
        &m,
        "3134567890",
        "کرج خیابان بهشتی",
        "",
    ];
    Person::from_row(&row, today()).unwrap()
}

fn filing(n: u32, reason: &str) -> Value {
    let birth = JalaliDate::parse("1370-05-12").unwrap();
    json!({
        "national_code": code(n).as_str(),
        "birth_certificate": {"series_letter": "ج", "series_number": "12", "serial": "345678"},
        "birth_date_jalali": "1370-05-12",
        "birth_date_hijri": birth.to_hijri().to_string(),
        "gender": "female",
        "religion": "islam",
        "mother_name": "فاطمه",
        "mobile": mobile(n),
        "reason": reason,
    })
}

fn enrollment(tc: &str, seed: u64) -> Value {
    let prints: Vec<Value> = intake::fixtures::ten_prints(seed)
        .into_iter()
        .map(|(p, rec)| json!({"position": p, "format": "iso19794_2", "data": B64.encode(rec)}))
        .collect();
    json!({
        "tracking_code": tc,
        "documents": {"birth_certificate_seen": true, "old_card_collected": false},
        "photo": B64.encode(intake::fixtures::photo_jpeg(600, 800, seed)),
        "fingerprints": prints,
        "signature": B64.encode(intake::fixtures::signature_png()),
    })
}

/// A P-256 public key as a chip would send it: SubjectPublicKeyInfo DER, base64.
fn chip_key() -> String {
    use p256::pkcs8::EncodePublicKey;
    let k = loop {
        if let Ok(k) = p256::ecdsa::SigningKey::from_slice(&rand::random::<[u8; 32]>()) {
            break k;
        }
    };
    B64.encode(k.verifying_key().to_public_key_der().unwrap().as_bytes())
}

struct App {
    router: axum::Router,
    state: AppState,
    db: TestStore,
    base: String,
    /// The database and the key store (`sqlite+pkcs11` for SoftHSM2).
    name: String,
}

impl App {
    /// The service on a real port (OpenSSL's OCSP client needs one), with its PKI's URLs pointing there: on each
    /// database with sealed key files, and on SQLite with its keys in SoftHSM2 (PKCS#11) where it is installed.
    async fn all() -> Vec<Self> {
        let mut v = Vec::new();
        let mut runs: Vec<(TestStore, Option<Arc<dyn pki::KeyStore>>)> = TestStore::all()
            .await
            .into_iter()
            .map(|d| (d, None))
            .collect();
        if let Some(hsm) = pki::softhsm::process_key_store() {
            runs.push((TestStore::sqlite().await, Some(hsm)));
        }
        for (db, hsm) in runs {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let base = format!("http://{}", listener.local_addr().unwrap());
            let state = AppState::new(
                db.store.clone(),
                Settings {
                    captcha: false,
                    rate_limits: false,
                    public_url: base.clone(),
                    ..Settings::default()
                },
            );
            let name = match &hsm {
                Some(_) => format!("{}+pkcs11", db.name),
                None => db.name.to_string(),
            };
            let state = match hsm {
                None => state,
                Some(keys) => state.with_services(|s| {
                    let config = pki::PkiConfig::new(&base).unwrap();
                    s.pki = Arc::new(server::pki::PkiHandle::new(keys, config, true));
                }),
            };
            let router = server::router(state.clone());
            let served = router.clone();
            tokio::spawn(async move {
                axum::serve(
                    listener,
                    served.into_make_service_with_connect_info::<std::net::SocketAddr>(),
                )
                .await
                .unwrap();
            });
            v.push(Self {
                router,
                state,
                db,
                base,
                name,
            });
        }
        v
    }

    async fn raw(&self, req: Request<Body>) -> (StatusCode, Vec<u8>) {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        (
            status,
            res.into_body().collect().await.unwrap().to_bytes().to_vec(),
        )
    }

    async fn get(&self, uri: &str) -> (StatusCode, Vec<u8>) {
        self.raw(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    async fn call(
        &self,
        method: &str,
        uri: &str,
        auth: Option<(&str, &str)>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        self.call_with(method, uri, auth.as_slice(), body).await
    }

    /// A call with these headers (credentials, an `Idempotency-Key`).
    async fn call_with(
        &self,
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let mut r = Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json");
        for (h, v) in headers {
            r = r.header(*h, *v);
        }
        let body = body.map(|b| Body::from(b.to_string())).unwrap_or_default();
        let (s, bytes) = self.raw(r.body(body).unwrap()).await;
        (s, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    async fn operator(&self, name: &str, office: &str) -> String {
        self.db
            .store
            .create_user(&store::journey::NewUser {
                username: name.into(),
                password_hash: server::auth::hash_password("a good long password").unwrap(),
                role: Role::Operator,
                office: Some(domain::OfficeId::parse(office).unwrap()),
                province: None,
                at: chrono::Utc::now(),
            })
            .await
            .unwrap();
        let (s, b) = self
            .call(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(&json!({"username": name, "password": "a good long password"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        format!("Bearer {}", b["token"].as_str().unwrap())
    }

    /// Files, pays, books and enrolls person `n` at office 30-0001.
    async fn enrolled(&self, n: u32, op: Option<(&str, &str)>) -> String {
        let (s, b) = self
            .call(
                "POST",
                "/api/v1/applications",
                None,
                Some(&filing(n, "first_issue")),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let tc = b["tracking_code"].as_str().unwrap().to_string();
        let (s, b) = self
            .call(
                "POST",
                &format!("/api/v1/applications/{tc}/payments"),
                None,
                Some(&json!({"national_code": code(n).as_str()})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let token = b["redirect_url"]
            .as_str()
            .unwrap()
            .split("token=")
            .nth(1)
            .unwrap()
            .to_string();
        let (s, _) = self
            .call(
                "POST",
                "/sandbox-bank/v1/pay",
                None,
                Some(&json!({"token": token, "outcome": "success"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let mut day = today().add_days(1).unwrap();
        while self.state.settings.holidays.closure(day).is_some() {
            day = day.add_days(1).unwrap();
        }
        let (s, b) = self
            .call(
                "POST",
                &format!("/api/v1/applications/{tc}/appointment"),
                None,
                Some(&json!({"national_code": code(n).as_str(), "office_id": "30-0001", "date_jalali": day.to_string()})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let (s, b) = self
            .call(
                "POST",
                "/api/v1/office/enrollments",
                op,
                Some(&enrollment(&tc, u64::from(n))),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        tc
    }
}

/// A work directory and the `openssl` binary.
struct Work(tempfile::TempDir);

impl Work {
    fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.path(name), bytes).unwrap();
    }

    fn pem(&self, name: &str, label: &str, der: &[u8]) {
        let body = B64.encode(der);
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        self.write(
            name,
            format!(
                "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
                lines.join("\n")
            )
            .as_bytes(),
        );
    }

    async fn openssl(&self, args: &[&str]) -> (bool, String) {
        let dir: PathBuf = self.0.path().to_path_buf();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        tokio::task::spawn_blocking(move || {
            let out = Command::new("openssl")
                .current_dir(&dir)
                .args(&args)
                .output()
                .unwrap();
            (
                out.status.success(),
                format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ),
            )
        })
        .await
        .unwrap()
    }

    async fn ok(&self, args: &[&str]) -> String {
        let (ok, text) = self.openssl(args).await;
        assert!(ok, "openssl {args:?} failed:\n{text}");
        text
    }
}

fn dir_of(w: &Work) -> &Path {
    w.0.path()
}

/// `openssl ocsp` against the running service for the holder's authentication certificate.
async fn ocsp(app: &App, w: &Work) -> String {
    w.ok(&[
        "ocsp",
        "-issuer",
        "citizen-ca.pem",
        "-cert",
        "auth.pem",
        "-url",
        &format!("{}/ocsp", app.base),
        "-CAfile",
        "root.pem",
        "-verify_other",
        "citizen-ca.pem",
        "-resp_text",
    ])
    .await
}

/// The citizen CA's CRL as published now, and `openssl verify -crl_check` of the authentication certificate.
async fn verify_with_crl(app: &App, w: &Work) -> (bool, String) {
    let (st, crl) = app.get("/api/v1/pki/citizen-ca.crl").await;
    assert_eq!(st, StatusCode::OK);
    w.pem("citizen-ca.crl.pem", "X509 CRL", &crl);
    w.openssl(&[
        "verify",
        "-crl_check",
        "-CAfile",
        "root.pem",
        "-untrusted",
        "citizen-ca.pem",
        "-CRLfile",
        "citizen-ca.crl.pem",
        "auth.pem",
    ])
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_from_enrollment_to_pickup_checked_with_openssl() {
    if !have_openssl() {
        return;
    }
    for app in App::all().await {
        let name = app.name.clone();
        eprintln!("the card through the PKI on {name}");
        let s = &app.db.store;
        s.upsert_persons(&[person(1), person(2)]).await.unwrap();
        s.upsert_offices(&[Office::from_row(&[
            "30-0001",
            "دفتر پیشخوان کرج",
            "counter",
            "30",
            "کرج",
            "026",
            "خیابان بهشتی",
            "50",
        ])
        .unwrap()])
            .await
            .unwrap();
        let op = app.operator("op1", "30-0001").await;
        let op = Some(("authorization", op.as_str()));
        let tc1 = app.enrolled(1, op).await;
        let tc2 = app.enrolled(2, op).await;
        app.state
            .services
            .dedup
            .run_pending(&app.state)
            .await
            .unwrap();
        let (key, prefix, hash) = server::agency::key::new_api_key();
        s.create_vendor(
            "pars-card",
            100,
            100_000,
            &prefix,
            &hash,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
        let vendor = Some(("x-api-key", key.as_str()));
        assert_eq!(
            server::cards::workers::form_batches(&app.state)
                .await
                .unwrap()
                .len(),
            1
        );
        // The chip data is made in the background after batching (here: now).
        assert_eq!(
            server::pki::chip::make_pending(&app.state).await.unwrap(),
            2,
            "{name}"
        );

        // --- Claim: document numbers and the LDS. ---
        let (st, batch) = app
            .call("POST", "/api/v1/vendor/batches/claim", vendor, None)
            .await;
        assert_eq!(st, StatusCode::OK, "{batch}");
        let batch_id = batch["batch_id"].as_i64().unwrap();
        let card = batch["cards"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["tracking_code"] == tc1.as_str())
            .unwrap()
            .clone();
        let document_number = card["document_number"].as_str().unwrap().to_string();
        assert_eq!(document_number.len(), 9);
        let w = Work(tempfile::tempdir().unwrap());
        let file = |f: &str| B64.decode(card["lds"][f].as_str().unwrap()).unwrap();
        for f in ["com", "dg1", "dg2", "dg3", "dg7", "dg11", "dg12", "sod"] {
            w.write(&format!("{f}.bin"), &file(f));
        }
        let mrz = String::from_utf8_lossy(&file("dg1")).to_string();
        assert!(mrz.contains(&format!("IDIRN{document_number}")), "{mrz}");
        assert!(
            mrz.contains(code(1).as_str()),
            "the national code in the MRZ's optional data"
        );
        // EF.SOD against the published CSCA; the data-group hashes it signs are the files' hashes.
        let (st, csca) = app.get("/api/v1/pki/csca.pem").await;
        assert_eq!(st, StatusCode::OK);
        w.write("csca.pem", &csca);
        w.ok(&[
            "asn1parse",
            "-inform",
            "DER",
            "-in",
            "sod.bin",
            "-strparse",
            "4",
            "-noout",
            "-out",
            "sod.der",
        ])
        .await;
        let out = w
            .ok(&[
                "cms", "-verify", "-inform", "DER", "-in", "sod.der", "-CAfile", "csca.pem",
                "-purpose", "any", "-binary", "-out", "lso.der",
            ])
            .await;
        assert!(out.contains("Verification successful"), "{out}");
        let lso = w
            .ok(&["asn1parse", "-inform", "DER", "-in", "lso.der"])
            .await
            .to_uppercase();
        for f in ["dg1", "dg2", "dg3", "dg7", "dg11", "dg12"] {
            let h = hex::encode(sha2::Sha256::digest(file(f))).to_uppercase();
            assert!(
                lso.contains(&h),
                "{f}'s hash is not in the LDSSecurityObject"
            );
        }
        // Another CSCA does not verify it.
        let (st, root) = app.get("/api/v1/pki/root.pem").await;
        assert_eq!(st, StatusCode::OK);
        w.write("root.pem", &root);
        let (ok, _) = w
            .openssl(&[
                "cms", "-verify", "-inform", "DER", "-in", "sod.der", "-CAfile", "root.pem",
                "-purpose", "any", "-binary", "-out", "x.der",
            ])
            .await;
        assert!(!ok, "the EF.SOD verified against the national root");

        // --- Results before certificates are refused. ---
        let results = format!("/api/v1/vendor/batches/{batch_id}/results");
        let both = json!([{"tracking_code": tc1, "outcome": "personalized", "chip_serial": "SC-0001-PKIA"},
                          {"tracking_code": tc2, "outcome": "personalized", "chip_serial": "SC-0002-PKIA"}]);
        let (st, b) = app.call("POST", &results, vendor, Some(&both)).await;
        assert_eq!(
            (st, b["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("certificates_not_issued")),
            "{b}"
        );

        // --- Holder certificates: refusals first, nothing issued. ---
        let certs = format!("/api/v1/vendor/batches/{batch_id}/certificates");
        let (k1a, k1s, k2a, k2s) = (chip_key(), chip_key(), chip_key(), chip_key());
        let mut off_curve = B64.decode(&k1a).unwrap();
        let last = off_curve.len() - 1;
        off_curve[last] ^= 1;
        for (body, code_, field) in [
            (
                json!([{"tracking_code": tc1, "authentication_key": B64.encode(&off_curve), "signing_key": k1s}]),
                "invalid_public_key",
                "[0].authentication_key",
            ),
            (
                json!([{"tracking_code": tc1, "authentication_key": k1a, "signing_key": k1a}]),
                "same_key_twice",
                "[0].signing_key",
            ),
            (
                json!([{"tracking_code": tc1, "authentication_key": k1a, "signing_key": k1s},
                    {"tracking_code": tc2, "authentication_key": k1s, "signing_key": k2s}]),
                "same_key_twice",
                "[1].authentication_key",
            ),
            (
                json!([{"tracking_code": domain::TrackingCode::from_body(5).as_str(), "authentication_key": k1a, "signing_key": k1s}]),
                "card_not_in_batch",
                "[0].tracking_code",
            ),
            (
                json!([{"tracking_code": tc1, "authentication_key": "not base64!", "signing_key": k1s}]),
                "invalid_base64",
                "[0].authentication_key",
            ),
        ] {
            let (st, b) = app.call("POST", &certs, vendor, Some(&body)).await;
            assert_eq!(
                (
                    st,
                    b["error"]["code"].as_str(),
                    b["error"]["field"].as_str()
                ),
                (StatusCode::UNPROCESSABLE_ENTITY, Some(code_), Some(field)),
                "{b}"
            );
        }
        let body = json!([{"tracking_code": tc1, "authentication_key": k1a, "signing_key": k1s},
                          {"tracking_code": tc2, "authentication_key": k2a, "signing_key": k2s}]);
        let (st, issued) = app.call("POST", &certs, vendor, Some(&body)).await;
        assert_eq!(st, StatusCode::OK, "{issued}");
        let (st, again) = app.call("POST", &certs, vendor, Some(&body)).await;
        assert_eq!(
            (st, &again),
            (StatusCode::OK, &issued),
            "a repeat answers the same certificates"
        );
        // Another manufacturer, no key, a replayed Idempotency-Key: the batch is this vendor's alone.
        let (other_key, other_prefix, other_hash) = server::agency::key::new_api_key();
        s.create_vendor(
            "other-card",
            100,
            100_000,
            &other_prefix,
            &other_hash,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
        let own = [("x-api-key", key.as_str()), ("idempotency-key", "certs-1")];
        let (st, keyed) = app.call_with("POST", &certs, &own, Some(&body)).await;
        assert_eq!((st, &keyed), (StatusCode::OK, &issued));
        for (headers, status, code_) in [
            (
                vec![
                    ("x-api-key", other_key.as_str()),
                    ("idempotency-key", "certs-1"),
                ],
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            (
                vec![("idempotency-key", "certs-1")],
                StatusCode::UNAUTHORIZED,
                "invalid_api_key",
            ),
            (
                vec![("x-api-key", "sk_nothing"), ("idempotency-key", "certs-1")],
                StatusCode::UNAUTHORIZED,
                "invalid_api_key",
            ),
        ] {
            let (st, b) = app.call_with("POST", &certs, &headers, Some(&body)).await;
            assert_eq!(
                (st, b["error"]["code"].as_str()),
                (status, Some(code_)),
                "{headers:?}: {b}"
            );
        }
        let (st, replayed) = app.call_with("POST", &certs, &own, Some(&body)).await;
        assert_eq!(
            (st, &replayed),
            (StatusCode::OK, &issued),
            "the key's own repeat"
        );
        let (st, b) = app
            .call("POST", &certs, vendor, Some(&json!([{"tracking_code": tc1, "authentication_key": chip_key(), "signing_key": chip_key()}])))
            .await;
        assert_eq!(
            (st, b["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("certificates_already_issued")),
            "{b}"
        );
        let mine = issued
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["tracking_code"] == tc1.as_str())
            .unwrap();
        assert_eq!(mine["document_number"], document_number.as_str());
        w.pem(
            "auth.pem",
            "CERTIFICATE",
            &B64.decode(mine["authentication_certificate"].as_str().unwrap())
                .unwrap(),
        );
        let (st, citizen) = app.get("/api/v1/pki/citizen-ca.pem").await;
        assert_eq!(st, StatusCode::OK);
        w.write("citizen-ca.pem", &citizen);
        let text = w.ok(&["x509", "-in", "auth.pem", "-noout", "-text"]).await;
        assert!(
            text.contains(code(1).as_str()),
            "the national code as the subject's serialNumber: {text}"
        );
        assert!(text.contains(&format!("{}/ocsp", app.base)), "{text}");

        // --- On hold until pickup: OCSP says revoked/certificateHold, the CRL refuses it. ---
        let out = ocsp(&app, &w).await;
        assert!(out.contains("Response verify OK"), "{out}");
        assert!(
            out.contains("auth.pem: revoked") && out.contains("certificateHold"),
            "{name}: {out}"
        );
        let (ok, out) = verify_with_crl(&app, &w).await;
        assert!(!ok && out.contains("revoked"), "{out}");

        // --- Produced, dispatched, received, collected with the right finger. ---
        let (st, b) = app.call("POST", &results, vendor, Some(&both)).await;
        assert_eq!(st, StatusCode::OK, "{b}");
        let (st, shipped) = app
            .call(
                "POST",
                &format!("/api/v1/vendor/batches/{batch_id}/dispatch"),
                vendor,
                None,
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{shipped}");
        let shipment = shipped[0]["shipment_id"].as_i64().unwrap();
        let (st, b) = app
            .call(
                "POST",
                &format!("/api/v1/office/shipments/{shipment}/receive"),
                op,
                None,
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}");
        let probe = json!({"tracking_code": tc1, "fingerprint": {"position": 2, "format": "iso19794_2",
            "data": B64.encode(intake::fixtures::iso_probe(2, intake::fixtures::finger_seed(1, 2), 1))}});
        let (st, b) = app
            .call("POST", "/api/v1/office/pickups", op, Some(&probe))
            .await;
        assert_eq!(st, StatusCode::OK, "{b}");
        let chip_serial = b["chip_serial"].as_str().unwrap().to_string();
        let out = ocsp(&app, &w).await;
        assert!(
            out.contains("auth.pem: good"),
            "{name}: after pickup: {out}"
        );
        let (ok, out) = verify_with_crl(&app, &w).await;
        assert!(ok, "after pickup: {out}");

        // --- Verification by document number. ---
        let agency = s
            .create_agency(
                "بانک آزمایشی",
                &["identity_check".to_string()],
                600,
                chrono::Utc::now(),
            )
            .await
            .unwrap();
        let (akey, aprefix, ahash) = server::agency::key::new_api_key();
        s.add_api_key(agency, &aprefix, &ahash, chrono::Utc::now())
            .await
            .unwrap();
        let agency = Some(("x-api-key", akey.as_str()));
        let (st, b) = app
            .call(
                "POST",
                "/api/v1/verify",
                agency,
                Some(
                    &json!({"national_code": code(1).as_str(), "document_number": document_number}),
                ),
            )
            .await;
        assert_eq!(
            (st, b["match"].as_bool(), b["document"].as_str()),
            (StatusCode::OK, Some(true), Some("card")),
            "{b}"
        );
        let (_, b) = app
            .call(
                "POST",
                "/api/v1/verify",
                agency,
                Some(
                    &json!({"national_code": code(2).as_str(), "document_number": document_number}),
                ),
            )
            .await;
        assert_eq!(b["match"], false, "another person's document");
        let (st, b) = app
            .call(
                "POST",
                "/api/v1/verify",
                agency,
                Some(&json!({"national_code": code(1).as_str(), "document_number": "A1"})),
            )
            .await;
        assert_eq!(
            (st, b["error"]["code"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("invalid_document_number")
            )
        );

        // --- Loss reported: suspended (on hold in OCSP and the CRL, no longer verifies); found again. ---
        let by_number =
            json!({"national_code": code(1).as_str(), "document_number": document_number});
        let report = format!("/api/v1/applications/{tc1}/report-lost");
        let who = json!({"national_code": code(1).as_str()});
        let (st, b) = app.call("POST", &report, None, Some(&who)).await;
        assert_eq!(
            (st, b["card_state"].as_str()),
            (StatusCode::OK, Some("suspended")),
            "{b}"
        );
        assert!(
            b["revoked_from_jalali"]
                .as_str()
                .is_some_and(|d| d.starts_with("14")),
            "{b}"
        );
        let (st, again) = app.call("POST", &report, None, Some(&who)).await;
        assert_eq!(
            (st, &again["suspended_at"]),
            (StatusCode::OK, &b["suspended_at"]),
            "a repeat"
        );
        let stranger = json!({"national_code": code(2).as_str()});
        let (st, b) = app.call("POST", &report, None, Some(&stranger)).await;
        assert_eq!(
            (st, b["error"]["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("not_found"))
        );
        let out = ocsp(&app, &w).await;
        assert!(
            out.contains("auth.pem: revoked") && out.contains("certificateHold"),
            "{name}: suspended: {out}"
        );
        let (ok, out) = verify_with_crl(&app, &w).await;
        assert!(!ok && out.contains("revoked"), "{out}");
        let (_, b) = app
            .call("POST", "/api/v1/verify", agency, Some(&by_number))
            .await;
        assert_eq!(b["match"], false, "a suspended card does not verify");
        let record = format!("/api/v1/office/applications/{tc1}");
        let (_, b) = app.call("GET", &record, op, None).await;
        assert_eq!(b["card_status"], "suspended", "{b}");
        let kinds: Vec<&str> = b["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m["kind"].as_str())
            .collect();
        assert!(kinds.iter().any(|k| k.starts_with("card_suspended")), "{b}");
        let finger = |person: u64| {
            json!({"position": 2, "format": "iso19794_2",
            "data": B64.encode(intake::fixtures::iso_probe(2, intake::fixtures::finger_seed(person, 2), 1))})
        };
        let found = |person: u64| {
            json!({"national_code": code(1).as_str(), "card_serial": chip_serial,
            "fingerprint": finger(person)})
        };
        let reactivate = "/api/v1/office/cards/reactivate";
        // Only staff reactivate: no token, or a manufacturer's key, is 401 and changes nothing.
        for who in [None, vendor] {
            let (st, b) = app.call("POST", reactivate, who, Some(&found(1))).await;
            assert_eq!(st, StatusCode::UNAUTHORIZED, "{b}");
        }
        let (st, b) = app.call("POST", reactivate, op, Some(&found(2))).await;
        assert_eq!(
            (st, b["error"]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("fingerprint_mismatch")),
            "{b}"
        );
        let (st, b) = app.call("POST", reactivate, op, Some(&found(1))).await;
        assert_eq!(
            (st, b["card_state"].as_str()),
            (StatusCode::OK, Some("active")),
            "{b}"
        );
        let (st, b) = app.call("POST", reactivate, op, Some(&found(1))).await;
        assert_eq!(
            (st, b["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("card_not_suspended"))
        );
        let out = ocsp(&app, &w).await;
        assert!(out.contains("auth.pem: good"), "{name}: found again: {out}");
        let (_, b) = app
            .call("POST", "/api/v1/verify", agency, Some(&by_number))
            .await;
        assert_eq!(b["match"], true, "a card found again verifies");
        let (_, b) = app.call("GET", &record, op, None).await;
        assert_eq!(b["card_status"], "active", "{b}");

        // --- Reported lost: revoked (keyCompromise) at once, in OCSP and the CRL. ---
        let (st, b) = app
            .call(
                "POST",
                "/api/v1/applications",
                None,
                Some(&filing(1, "lost")),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
        let out = ocsp(&app, &w).await;
        assert!(
            out.contains("auth.pem: revoked") && out.contains("keyCompromise"),
            "{name}: after the loss: {out}"
        );
        let (ok, out) = verify_with_crl(&app, &w).await;
        assert!(!ok && out.contains("revoked"), "{out}");
        let (_, b) = app
            .call(
                "POST",
                "/api/v1/verify",
                agency,
                Some(
                    &json!({"national_code": code(1).as_str(), "document_number": document_number}),
                ),
            )
            .await;
        assert_eq!(b["match"], false, "a lost card no longer verifies");

        // --- OCSP's own error statuses for bad input; the published files. ---
        let (st, bad) = app
            .raw(
                Request::post("/ocsp")
                    .header("content-type", "application/ocsp-request")
                    .body(Body::from("junk"))
                    .unwrap(),
            )
            .await;
        assert_eq!(
            (st, bad.as_slice()),
            (StatusCode::OK, &[0x30, 0x03, 0x0a, 0x01, 0x01][..]),
            "malformedRequest"
        );
        for f in ["root.crl", "csca.crl"] {
            let (st, crl) = app.get(&format!("/api/v1/pki/{f}")).await;
            assert_eq!(st, StatusCode::OK);
            w.write(f, &crl);
            w.ok(&["crl", "-inform", "DER", "-in", f, "-noout", "-text"])
                .await;
        }
        let (st, _) = app.get("/api/v1/pki/nothing.pem").await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let _ = dir_of(&w);
        app.db.cleanup().await;
    }
}
