//! Holder certificates: the manufacturer sends the two public keys each chip generated (authentication, signing),
//! the citizen CA certifies them, on hold until the holder collects the card with a matching fingerprint
//! (`POST /api/v1/vendor/batches/{batch_id}/certificates`). Everything in a request is checked before anything is
//! issued: a card not in this manufacturer's batch, a key that is not a point on an accepted curve, the same key
//! twice, or a key already certified for another card refuses the whole request. A repeat answers the
//! certificates issued the first time.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;
use crate::vendor::key::VendorKey;
use axum::extract::State;
use axum::Json;
use base64::Engine;
use domain::TrackingCode;
use pki::{HolderRequest, PublicKey};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::time::SystemTime;
use store::pki::{CertificateChange, HolderIssued, StoredCertificate};
use store::production::BatchState;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
pub struct CertificateRequest {
    pub tracking_code: String,
    /// The chip's authentication public key: SubjectPublicKeyInfo DER, base64 (P-256 or P-384).
    pub authentication_key: String,
    /// The chip's signing public key: SubjectPublicKeyInfo DER, base64.
    pub signing_key: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedCertificates {
    pub tracking_code: String,
    /// The card's document number (printed on the card and in the MRZ).
    pub document_number: String,
    /// X.509 DER, base64: digitalSignature, clientAuth; issued by IRAN Digital Citizen CA.
    pub authentication_certificate: String,
    /// X.509 DER, base64: nonRepudiation.
    pub signing_certificate: String,
}

fn refuse(index: usize, field: &str, code: &'static str, en: &str, fa: &str) -> ApiError {
    ApiError::validation(domain::ValidationError::new(code, en, fa))
        .with_field(format!("[{index}].{field}"))
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// A key as sent: decoded, checked to be a point on an accepted curve; its SHA-256 for the reuse check.
fn key(index: usize, field: &str, text: &str) -> ApiResult<(Vec<u8>, String)> {
    let der = b64().decode(text.trim()).map_err(|_| {
        refuse(
            index,
            field,
            "invalid_base64",
            "the key is not valid base64",
            "کلید با قالب base64 نیست",
        )
    })?;
    let parsed = PublicKey::from_spki_der(&der).map_err(|e| {
        refuse(
            index,
            field,
            "invalid_public_key",
            &format!("not a public key the citizen CA certifies: {e}"),
            "کلید عمومی معتبر نیست (باید SubjectPublicKeyInfo یک نقطهٔ منحنی P-256 یا P-384 باشد)",
        )
    })?;
    // Hashed as the certificate will carry it, so that it compares with the keys certified before.
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(parsed.spki_der()))
    };
    Ok((der, sha))
}

/// The holder's name, written as the MRZ writes it (Doc 9303 Part 3), for the certificate's subject.
fn latin(name: &str) -> Option<String> {
    chip::mrz::translit::components(&super::chip::persian_letters(name))
        .ok()
        .map(|c| c.join(" "))
}

fn view(
    tracking_code: &TrackingCode,
    document_number: &str,
    certs: &[StoredCertificate],
) -> Option<IssuedCertificates> {
    let find = |role: &str| {
        certs
            .iter()
            .find(|c| c.role == role)
            .map(|c| b64().encode(&c.der))
    };
    Some(IssuedCertificates {
        tracking_code: tracking_code.as_str().into(),
        document_number: document_number.into(),
        authentication_certificate: find("holder_authentication")?,
        signing_certificate: find("holder_signing")?,
    })
}

#[utoipa::path(
    post,
    path = "/api/v1/vendor/batches/{batch_id}/certificates",
    tag = "vendor",
    params(("batch_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body = [CertificateRequest],
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The two certificates of each card, issued by IRAN Digital Citizen CA and on hold until the holder collects the card (a repeat answers the same certificates)", body = [IssuedCertificates]),
        (status = 401, description = "`invalid_api_key`", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`: no such batch of this manufacturer", body = crate::error::ErrorBody),
        (status = 409, description = "`batch_not_claimed`, `batch_dispatched`, `certificates_already_issued` (other keys were certified for this card), `key_already_certified` (a key is another card's); nothing issued", body = crate::error::ErrorBody),
        (status = 422, description = "`card_not_in_batch`, `card_listed_twice`, `invalid_base64`, `invalid_public_key` (not a point on P-256 or P-384), `same_key_twice` (the two keys of a card, or of two cards, are one key), `invalid_holder`; nothing issued", body = crate::error::ErrorBody),
        (status = 503, description = "`pki_unavailable`", body = crate::error::ErrorBody),
    )
)]
pub async fn issue(
    State(state): State<AppState>,
    VendorKey(vendor): VendorKey,
    ApiPath(batch_id): ApiPath<i64>,
    ApiJson(input): ApiJson<Vec<CertificateRequest>>,
) -> ApiResult<Json<Vec<IssuedCertificates>>> {
    let batch = state
        .store
        .batch(batch_id)
        .await?
        .filter(|b| b.vendor_id == vendor.id)
        .ok_or_else(|| ApiError::not_found("دسته", "batch"))?;
    match batch.state {
        BatchState::Claimed | BatchState::Answered => {}
        BatchState::Open => {
            return Err(ApiError::conflict(
                "batch_not_claimed",
                "این دسته هنوز دریافت نشده است",
                "the batch was not claimed",
            ))
        }
        BatchState::Dispatched => {
            return Err(ApiError::conflict(
                "batch_dispatched",
                "این دسته ارسال شده است",
                "the batch was dispatched",
            ))
        }
    }
    let cards: HashMap<String, store::production::BatchCard> = state
        .store
        .batch_cards(batch_id)
        .await?
        .into_iter()
        .map(|c| (c.tracking_code.as_str().to_owned(), c))
        .collect();
    let documents: HashMap<i64, String> = state
        .store
        .batch_documents(batch_id)
        .await?
        .into_iter()
        .map(|d| (d.application_id, d.document_number))
        .collect();
    // Check everything first.
    struct Checked<'a> {
        card: &'a store::production::BatchCard,
        document_number: &'a str,
        auth: (Vec<u8>, String),
        sign: (Vec<u8>, String),
    }
    let mut checked = Vec::with_capacity(input.len());
    let mut seen_cards = HashSet::new();
    let mut seen_keys: HashSet<String> = HashSet::new();
    for (i, r) in input.iter().enumerate() {
        let tc = TrackingCode::parse(&r.tracking_code)
            .map_err(|e| ApiError::validation(e).with_field(format!("[{i}].tracking_code")))?;
        let not_in_batch = || {
            refuse(
                i,
                "tracking_code",
                "card_not_in_batch",
                "this card is not in the batch",
                "این کارت در این دسته نیست",
            )
        };
        let card = cards.get(tc.as_str()).ok_or_else(not_in_batch)?;
        let document_number = documents
            .get(&card.application_id)
            .ok_or_else(not_in_batch)?;
        if !seen_cards.insert(tc) {
            return Err(refuse(
                i,
                "tracking_code",
                "card_listed_twice",
                "the card appears twice in the request",
                "این کارت دو بار در درخواست آمده است",
            ));
        }
        let auth = key(i, "authentication_key", &r.authentication_key)?;
        let sign = key(i, "signing_key", &r.signing_key)?;
        for (field, k) in [("authentication_key", &auth), ("signing_key", &sign)] {
            if !seen_keys.insert(k.1.clone()) {
                return Err(refuse(
                    i,
                    field,
                    "same_key_twice",
                    "this key appears twice: every chip key pair is certified once",
                    "این کلید دو بار آمده است؛ هر جفت کلید تراشه یک بار گواهی می‌شود",
                ));
            }
        }
        checked.push(Checked {
            card,
            document_number,
            auth,
            sign,
        });
    }
    let mut answers = Vec::with_capacity(checked.len());
    let mut to_issue = Vec::new();
    for (i, c) in checked.iter().enumerate() {
        let existing = state.store.document_certificates(c.document_number).await?;
        if existing.is_empty() {
            to_issue.push((i, c));
            answers.push(None);
            continue;
        }
        let same = existing
            .iter()
            .any(|x| x.role == "holder_authentication" && x.key_sha256 == c.auth.1)
            && existing
                .iter()
                .any(|x| x.role == "holder_signing" && x.key_sha256 == c.sign.1);
        if !same {
            return Err(ApiError::conflict(
                "certificates_already_issued",
                "برای این کارت پیش‌تر با کلیدهای دیگری گواهی صادر شده است",
                "certificates were issued for this card with other keys",
            )
            .with_field(format!("[{i}].tracking_code")));
        }
        answers.push(view(&c.card.tracking_code, c.document_number, &existing));
    }
    let rt = super::current(&state).await?;
    let now = SystemTime::now();
    let mut issued = Vec::with_capacity(to_issue.len());
    for &(i, c) in &to_issue {
        let h = &c.card.holder;
        let (Some(given), Some(surname)) = (latin(&h.first_name), latin(&h.last_name)) else {
            return Err(refuse(
                i,
                "tracking_code",
                "invalid_holder",
                "the holder's name cannot be written in a certificate",
                "نام دارنده را نمی‌توان در گواهی نوشت",
            ));
        };
        let request = HolderRequest {
            given_name: &given,
            surname: &surname,
            national_code: &h.national_code,
            authentication_key: &c.auth.0,
            signing_key: &c.sign.0,
        };
        let made = match rt.pki.issue_holder_certificates(&request, now) {
            Ok(m) => m,
            Err(pki::PkiError::DuplicateKey) => {
                return Err(refuse(
                    i,
                    "signing_key",
                    "same_key_twice",
                    "the authentication and signing keys are one key",
                    "کلید امضا و کلید احراز هویت یکی است",
                ))
            }
            Err(pki::PkiError::InvalidPublicKey(e)) => {
                return Err(refuse(
                    i,
                    "authentication_key",
                    "invalid_public_key",
                    &format!("invalid public key: {e}"),
                    "کلید عمومی معتبر نیست",
                ))
            }
            Err(pki::PkiError::InvalidHolder(e)) => {
                return Err(refuse(
                    i,
                    "tracking_code",
                    "invalid_holder",
                    &format!("the holder cannot be named in a certificate: {e}"),
                    "مشخصات دارنده را نمی‌توان در گواهی نوشت",
                ))
            }
            Err(e) => return Err(super::unavailable(&e.into())),
        };
        issued.push((i, c, made));
    }
    // A key certified for another card already refuses the request before anything is recorded.
    for (i, c, _) in &issued {
        for (field, k) in [
            ("authentication_key", &c.auth.1),
            ("signing_key", &c.sign.1),
        ] {
            if state.store.certificate_with_key(k).await?.is_some() {
                return Err(ApiError::conflict(
                    "key_already_certified",
                    "این کلید پیش‌تر برای کارت دیگری گواهی شده است",
                    "this key is certified for another card",
                )
                .with_field(format!("[{i}].{field}")));
            }
        }
    }
    for (i, c, made) in issued {
        let rows = [&made.authentication, &made.signing]
            .into_iter()
            .map(|r| {
                super::runtime::stored(r, Some(c.card.application_id), Some(c.document_number))
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| super::unavailable(&e))?;
        let holds: Vec<CertificateChange> = made
            .holds
            .iter()
            .map(|h| CertificateChange {
                id: 0,
                authority: h.authority.as_str().into(),
                serial: h.serial.to_hex(),
                reason: h.reason.as_str().into(),
                at: super::runtime::to_utc(h.at),
            })
            .collect();
        let certs = match state
            .store
            .record_holder_certificates(&rows, &holds)
            .await?
        {
            HolderIssued::Issued => rows,
            HolderIssued::Existing(existing) => existing,
            HolderIssued::KeyTaken => {
                return Err(ApiError::conflict(
                    "key_already_certified",
                    "این کلید پیش‌تر برای کارت دیگری گواهی شده است",
                    "this key is certified for another card",
                )
                .with_field(format!("[{i}].authentication_key")))
            }
        };
        answers[i] = view(&c.card.tracking_code, c.document_number, &certs);
    }
    super::status_changed(&state).await;
    tracing::info!(vendor = %vendor.name, batch = batch_id, cards = answers.len(), "holder certificates issued");
    answers
        .into_iter()
        .map(|a| a.ok_or_else(ApiError::internal))
        .collect::<ApiResult<Vec<_>>>()
        .map(Json)
        .inspect_err(|_| {
            tracing::error!("a card's holder certificates are incomplete in the store")
        })
}
