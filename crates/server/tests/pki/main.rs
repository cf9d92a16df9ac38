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

mod chain;
