//! Batches: claim, results, dispatch.

use super::key::VendorKey;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
use crate::idempotency::{ReplayWith, Replaying};
use crate::shipments::ShipmentView;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::{ChipSerial, TrackingCode};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use store::journey::Change;
use store::production::{BatchCard, CardOutcome, CardResult, ResultsApplied};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchCardView {
    pub tracking_code: String,
    pub destination_office_id: String,
    /// The personalisation data as a JSON string (`Personalisation`, signed at enrollment): write what it says,
    /// byte for byte.
    pub payload: String,
    /// Ed25519 signature (base64) of `payload`'s UTF-8 bytes by the issuing authority.
    pub signature: String,
    /// The document number (9 characters), assigned when the card entered the batch: printed on the card and in
    /// the MRZ.
    pub document_number: Option<String>,
    /// The chip's ICAO LDS files (Doc 9303, TD1), each in base64; the EF.SOD is signed by the current document
    /// signer under the CSCA (`GET /api/v1/pki/csca.pem`). Absent only if the card's data could not be made
    /// (logged for the operators).
    // The stored files' JSON, passed through as it was written.
    #[schema(value_type = Option<crate::pki::chip::LdsFiles>)]
    pub lds: Option<Box<serde_json::value::RawValue>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimedBatch {
    pub batch_id: i64,
    pub claimed_at: String,
    /// Answer before this time, or the unanswered cards go back in the queue.
    pub answer_by: String,
    pub cards: Vec<BatchCardView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SigningKey {
    #[schema(example = "Ed25519")]
    pub algorithm: String,
    /// Base64 of the 32-byte public key.
    pub public_key: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/vendor/signing-key",
    tag = "vendor",
    responses((status = 200, description = "The key card personalisation data is signed with", body = SigningKey))
)]
pub async fn signing_key(State(state): State<AppState>) -> Json<SigningKey> {
    Json(SigningKey {
        algorithm: "Ed25519".into(),
        public_key: state.services.signer.public_key_base64(),
    })
}

/// One card of a claimed batch, as JSON: its signed personalisation data and its chip data, read from the blob
/// store. Runs as a task of its own, so a batch's cards are read, opened and written on every core.
async fn personalise(
    state: AppState,
    c: BatchCard,
    document: Option<store::pki::Document>,
) -> ApiResult<Vec<u8>> {
    let blob = crate::cards::stored(&state, &c.personalisation_key, "personalisation data").await?;
    let Some((signature, payload)) = crate::cards::personalisation::signed_parts(blob) else {
        tracing::error!(
            tracking = %c.tracking_code.masked(),
            "personalisation data malformed"
        );
        return Err(ApiError::internal());
    };
    let lds = match document.as_ref().and_then(|d| d.lds_key.as_deref()) {
        Some(key) => crate::pki::chip::stored_lds_json(&state, key).await,
        None => None,
    };
    let view = BatchCardView {
        tracking_code: c.tracking_code.as_str().into(),
        destination_office_id: c.destination.as_str().into(),
        payload,
        signature,
        document_number: document.map(|d| d.document_number),
        lds,
    };
    serde_json::to_vec(&view).map_err(|e| {
        tracing::error!(error = %e, "a claimed card could not be written");
        ApiError::internal()
    })
}

/// The claim's answer, [`ClaimedBatch`] written around the cards' JSON made apart.
fn claimed_batch_json(head: &ClaimedBatch, cards: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(cards.iter().map(|c| c.len() + 1).sum::<usize>() + 256);
    let head = serde_json::to_vec(head).unwrap_or_default();
    // `{"batch_id":…,"cards":[]}`: the cards go between the brackets.
    out.extend_from_slice(&head[..head.len().saturating_sub(2)]);
    for (i, c) in cards.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(c);
    }
    out.extend_from_slice(b"]}");
    out
}

#[utoipa::path(
    post,
    path = "/api/v1/vendor/batches/claim",
    tag = "vendor",
    params(("Idempotency-Key" = Option<String>, Header)),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The next batch, now claimed by this manufacturer", body = ClaimedBatch),
        (status = 204, description = "No batch is waiting"),
        (status = 401, description = "`invalid_api_key`", body = crate::error::ErrorBody),
    )
)]
pub async fn claim(
    State(state): State<AppState>,
    VendorKey(vendor): VendorKey,
    replaying: Option<axum::Extension<Replaying>>,
) -> ApiResult<Response> {
    // A repeat of a claim with the same Idempotency-Key gets the same batch, rebuilt from its id: the batch's
    // personal data is never kept in the idempotency table.
    let batch = match replaying {
        Some(axum::Extension(Replaying(recipe))) => {
            let id = std::str::from_utf8(&recipe)
                .ok()
                .and_then(|s| s.parse::<i64>().ok());
            match id {
                Some(id) => state
                    .store
                    .batch(id)
                    .await?
                    .filter(|b| b.vendor_id == vendor.id)
                    .ok_or_else(|| ApiError::not_found("دستهٔ کارت", "batch"))?,
                None => return Ok(StatusCode::NO_CONTENT.into_response()),
            }
        }
        None => match state
            .store
            .claim_batch(vendor.id, chrono::Utc::now())
            .await?
        {
            Some(b) => b,
            None => {
                let mut res = StatusCode::NO_CONTENT.into_response();
                res.extensions_mut().insert(ReplayWith(b"none".to_vec()));
                return Ok(res);
            }
        },
    };
    let now = batch.claimed_at.unwrap_or_else(chrono::Utc::now);
    let cards = state.store.batch_cards(batch.id).await?;
    let mut documents = state.store.batch_documents(batch.id).await?;
    // Chip data not made yet (the background pass had not reached this batch) is made now.
    let missing: Vec<_> = documents
        .iter()
        .filter(|d| d.lds_key.is_none())
        .cloned()
        .collect();
    if !missing.is_empty() {
        if let Err(e) = crate::pki::chip::make_chip_data(&state, missing).await {
            tracing::error!(batch = batch.id, error = %e, "chip data could not be made at claim");
        }
        documents = state.store.batch_documents(batch.id).await?;
    }
    let mut documents: std::collections::HashMap<i64, store::pki::Document> = documents
        .into_iter()
        .map(|d| (d.application_id, d))
        .collect();
    let views: Vec<Result<ApiResult<Vec<u8>>, tokio::task::JoinError>> =
        futures::stream::iter(cards)
            .map(|c| {
                let d = documents.remove(&c.application_id);
                tokio::spawn(personalise(state.clone(), c, d))
            })
            .buffered(64)
            .collect()
            .await;
    let cards = views
        .into_iter()
        .map(|r| r.map_err(|_| ApiError::internal())?)
        .collect::<ApiResult<Vec<_>>>()?;
    let timeout = chrono::Duration::from_std(state.settings.vendor_answer_timeout)
        .unwrap_or(chrono::Duration::hours(72));
    tracing::info!(vendor = %vendor.name, batch = batch.id, cards = cards.len(), "batch claimed");
    let head = ClaimedBatch {
        batch_id: batch.id,
        claimed_at: now.to_rfc3339(),
        answer_by: (now + timeout).to_rfc3339(),
        cards: Vec::new(),
    };
    let mut res = (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        claimed_batch_json(&head, &cards),
    )
        .into_response();
    res.extensions_mut()
        .insert(ReplayWith(batch.id.to_string().into_bytes()));
    Ok(res)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CardResultInput {
    pub tracking_code: String,
    /// `personalized` or `failed`.
    pub outcome: String,
    /// The chip's serial, for a personalised card.
    #[serde(default)]
    pub chip_serial: Option<String>,
    /// Why it failed, for a failed card.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResultsOutcome {
    pub batch_id: i64,
    pub personalized: u64,
    /// Failed cards go back in the production queue automatically.
    pub failed: u64,
    /// Cards answered the same way before (a repeated request).
    pub repeated: u64,
}

fn result_error(index: usize, field: &str, code: &'static str, en: &str, fa: &str) -> ApiError {
    ApiError::validation(domain::ValidationError::new(code, en, fa))
        .with_field(format!("[{index}].{field}"))
}

/// A card reported personalised must have its holder certificates (`POST …/certificates`) first: 409
/// `certificates_not_issued` otherwise. (Another manufacturer's batch, or a card not in it, is left for the store's
/// own answers.)
async fn certificates_issued(
    state: &AppState,
    vendor_id: i64,
    batch_id: i64,
    results: &[CardResult],
) -> ApiResult<()> {
    if !matches!(state.store.batch(batch_id).await?, Some(b) if b.vendor_id == vendor_id) {
        return Ok(());
    }
    let ids: std::collections::HashMap<String, i64> = state
        .store
        .batch_cards(batch_id)
        .await?
        .into_iter()
        .map(|c| (c.tracking_code.as_str().to_owned(), c.application_id))
        .collect();
    let wanted: Vec<(usize, i64)> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r.outcome, CardOutcome::Personalized(_)))
        .filter_map(|(i, r)| ids.get(r.tracking_code.as_str()).map(|id| (i, *id)))
        .collect();
    let list: Vec<i64> = wanted.iter().map(|(_, id)| *id).collect();
    let certified: std::collections::HashSet<i64> = state
        .store
        .certified_in_batch(batch_id, &list)
        .await?
        .into_iter()
        .collect();
    match wanted.iter().find(|(_, id)| !certified.contains(id)) {
        Some((i, _)) => Err(ApiError::conflict(
            "certificates_not_issued",
            "برای این کارت هنوز گواهی دارنده صادر نشده است؛ نخست کلیدهای تراشه را به \
             /api/v1/vendor/batches/{batch_id}/certificates بفرستید",
            "the card's holder certificates were not issued: send the chip's keys to \
             /api/v1/vendor/batches/{batch_id}/certificates first",
        )
        .with_field(format!("[{i}].outcome"))),
        None => Ok(()),
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/vendor/batches/{batch_id}/results",
    tag = "vendor",
    params(("batch_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body = [CardResultInput],
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Applied, all together", body = ResultsOutcome),
        (status = 401, description = "`invalid_api_key`", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`: no such batch of this manufacturer", body = crate::error::ErrorBody),
        (status = 409, description = "`batch_not_claimed`, `batch_dispatched`, `card_already_answered`, `chip_serial_taken`, `certificates_not_issued` (a card reported personalised without its holder certificates)", body = crate::error::ErrorBody),
        (status = 422, description = "`card_not_in_batch`, `card_answered_twice`, `invalid_outcome`, `invalid_chip_serial`, `reason_required`, `invalid_text` (a reason with control or directional formatting characters); nothing is applied", body = crate::error::ErrorBody),
    )
)]
pub async fn results(
    State(state): State<AppState>,
    VendorKey(vendor): VendorKey,
    ApiPath(batch_id): ApiPath<i64>,
    ApiJson(input): ApiJson<Vec<CardResultInput>>,
) -> ApiResult<Json<ResultsOutcome>> {
    let mut parsed = Vec::with_capacity(input.len());
    for (i, r) in input.iter().enumerate() {
        let tracking_code = TrackingCode::parse(&r.tracking_code)
            .map_err(|e| ApiError::validation(e).with_field(format!("[{i}].tracking_code")))?;
        let outcome = match r.outcome.as_str() {
            "personalized" => CardOutcome::Personalized(
                ChipSerial::parse(r.chip_serial.as_deref().unwrap_or("")).map_err(|e| {
                    ApiError::validation(e).with_field(format!("[{i}].chip_serial"))
                })?,
            ),
            "failed" => {
                let reason = r.reason.as_deref().map(str::trim).unwrap_or("");
                if reason.is_empty() {
                    return Err(result_error(
                        i,
                        "reason",
                        "reason_required",
                        "a failed card needs its reason",
                        "برای کارت ناموفق علت لازم است",
                    ));
                }
                // Shown on the offices' record pages: no control or directional formatting characters.
                let reason = domain::person::parse_text(reason, usize::MAX, true)
                    .map_err(|e| ApiError::validation(e).with_field(format!("[{i}].reason")))?;
                CardOutcome::Failed(reason.chars().take(500).collect())
            }
            _ => {
                return Err(result_error(
                    i,
                    "outcome",
                    "invalid_outcome",
                    "outcome is personalized or failed",
                    "نتیجه باید personalized یا failed باشد",
                ))
            }
        };
        parsed.push(CardResult {
            tracking_code,
            outcome,
        });
    }
    certificates_issued(&state, vendor.id, batch_id, &parsed).await?;
    let change = Change {
        actor: format!("vendor:{}", vendor.name),
        at: chrono::Utc::now(),
        reason: None,
    };
    match state
        .store
        .batch_results(vendor.id, batch_id, &parsed, &change)
        .await?
    {
        ResultsApplied::Done {
            personalized,
            failed,
            repeated,
        } => Ok(Json(ResultsOutcome {
            batch_id,
            personalized,
            failed,
            repeated,
        })),
        ResultsApplied::NoSuchBatch => Err(ApiError::not_found("دسته", "batch")),
        ResultsApplied::WrongState(s) => Err(match s {
            store::production::BatchState::Open => ApiError::conflict(
                "batch_not_claimed",
                "این دسته هنوز دریافت نشده است",
                "the batch was not claimed",
            ),
            _ => ApiError::conflict(
                "batch_dispatched",
                "این دسته ارسال شده است و نتیجه نمی‌پذیرد",
                "the batch was dispatched and takes no more results",
            ),
        }),
        ResultsApplied::Refused { index, code } => Err(match code {
            "card_not_in_batch" => result_error(
                index,
                "tracking_code",
                "card_not_in_batch",
                "this card is not in the batch",
                "این کارت در این دسته نیست",
            ),
            "card_answered_twice" => result_error(
                index,
                "tracking_code",
                "card_answered_twice",
                "the card appears twice in the request",
                "این کارت دو بار در درخواست آمده است",
            ),
            "chip_serial_taken" => ApiError::conflict(
                "chip_serial_taken",
                "این شمارهٔ سریال تراشه برای کارت دیگری ثبت شده است",
                "another card has this chip serial",
            )
            .with_field(format!("[{index}].chip_serial")),
            _ => ApiError::conflict(
                "card_already_answered",
                "برای این کارت پیش‌تر نتیجهٔ دیگری ثبت شده است",
                "the card was answered differently before",
            )
            .with_field(format!("[{index}].outcome")),
        }),
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/vendor/batches/{batch_id}/dispatch",
    tag = "vendor",
    params(("batch_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The batch's shipments, one per destination office (a repeat ships nothing more)", body = [ShipmentView]),
        (status = 401, description = "`invalid_api_key`", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
    )
)]
pub async fn dispatch(
    State(state): State<AppState>,
    VendorKey(vendor): VendorKey,
    ApiPath(batch_id): ApiPath<i64>,
) -> ApiResult<Json<Vec<ShipmentView>>> {
    let change = Change {
        actor: format!("vendor:{}", vendor.name),
        at: chrono::Utc::now(),
        reason: None,
    };
    let shipped = state
        .store
        .dispatch_batch(vendor.id, batch_id, &change)
        .await?
        .ok_or_else(|| ApiError::not_found("دسته", "batch"))?;
    Ok(Json(shipped.iter().map(ShipmentView::from).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_claim_is_one_json_document_with_its_cards_in_order() {
        let head = ClaimedBatch {
            batch_id: 7,
            claimed_at: "2026-12-02T10:00:00+00:00".into(),
            answer_by: "2026-12-05T10:00:00+00:00".into(),
            cards: Vec::new(),
        };
        let cards = [
            br#"{"tracking_code":"a"}"#.to_vec(),
            br#"{"tracking_code":"b"}"#.to_vec(),
        ];
        let v: serde_json::Value =
            serde_json::from_slice(&claimed_batch_json(&head, &cards)).expect("JSON");
        assert_eq!(v["batch_id"], 7);
        assert_eq!(v["answer_by"], "2026-12-05T10:00:00+00:00");
        assert_eq!(v["cards"][1]["tracking_code"], "b");
        let none: serde_json::Value =
            serde_json::from_slice(&claimed_batch_json(&head, &[])).expect("JSON");
        assert_eq!(none["cards"], serde_json::json!([]));
    }
}
