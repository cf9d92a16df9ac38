//! `POST /api/v1/verify`. The answer never tells whether a national code exists: an unknown code and a wrong
//! tracking code take the same lookups and get the same answer. A receipt verifies from enrollment until the card
//! is delivered (or the application ends); card serials and document numbers verify once the card is in its holder's hands and not revoked.

use crate::agency::key::AgencyKey;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::text::normalize_name;
use domain::{ApplicationState, AtField, JalaliDate, NationalCode, TrackingCode};
use serde::{Deserialize, Serialize};
use store::agency::VerificationRecord;
use utoipa::ToSchema;

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct AttributesIn {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    #[schema(example = "1370-05-12")]
    pub birth_date_jalali: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct VerifyRequest {
    #[schema(example = "0499370899")]
    pub national_code: String,
    /// The tracking code printed on an enrollment receipt.
    pub tracking_code: Option<String>,
    /// The serial of a card.
    pub card_serial: Option<String>,
    /// The document number printed on a card and in its MRZ (9 characters), beside `card_serial`.
    #[schema(example = "A00000001")]
    pub document_number: Option<String>,
    pub attributes: Option<AttributesIn>,
    /// Why the agency asks (one of its allowed purposes); may be left out when the agency has only one.
    pub purpose: Option<String>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct AttributesOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date_jalali: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyAnswer {
    #[serde(rename = "match")]
    pub matched: bool,
    /// `receipt` or `card` when matched, else null.
    #[schema(value_type = Option<String>, example = "receipt")]
    pub document: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<AttributesOut>,
    /// Beside the contract: when a receipt no longer verifies because the person's card has waited at an office
    /// past the grace period, where it waits (the person must collect it); only for the receipt's own holder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_waiting: Option<crate::cards::receipt::CardWaiting>,
}

enum Document {
    Receipt(TrackingCode),
    Card(domain::ChipSerial),
    Number(chip::DocumentNumber),
}

/// States in which an enrollment receipt stands for the card.
fn receipt_valid(s: ApplicationState) -> bool {
    use ApplicationState as S;
    matches!(
        s,
        S::Enrolled
            | S::InProduction
            | S::ProductionFailed
            | S::Dispatched
            | S::ReadyForPickup
            | S::Uncollected
    )
}

fn purpose_of(key: &store::agency::ApiKey, asked: Option<&str>) -> ApiResult<String> {
    let allowed = &key.agency.purposes;
    match asked.map(str::trim) {
        Some(p) if allowed.iter().any(|a| a == p) => Ok(p.to_string()),
        Some(_) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "purpose_not_allowed",
            "این سازمان برای این منظور مجاز به استعلام نیست",
            "this agency may not verify for this purpose",
        )
        .with_field("purpose")),
        None if allowed.len() == 1 => Ok(allowed[0].clone()),
        None => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "purpose_required",
            "منظور استعلام را مشخص کنید",
            format!("name the purpose: one of {}", allowed.join(", ")),
        )
        .with_field("purpose")),
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/verify",
    tag = "agency",
    request_body = VerifyRequest,
    params(("X-Api-Key" = String, Header, description = "The agency's API key")),
    responses(
        (status = 200, description = "Yes or no; nothing else about the person", body = VerifyAnswer),
        (status = 401, description = "`invalid_api_key`", body = crate::error::ErrorBody),
        (status = 403, description = "`purpose_not_allowed`", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_national_code`, `invalid_tracking_code`, `invalid_chip_serial`, `invalid_document_number`, `document_required`, `purpose_required`", body = crate::error::ErrorBody),
        (status = 429, description = "Over the agency's rate", body = crate::error::ErrorBody),
    )
)]
pub async fn verify(
    State(state): State<AppState>,
    AgencyKey(key): AgencyKey,
    ApiJson(req): ApiJson<VerifyRequest>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    // A verification is a question about now: never answered from the idempotency cache, always checked,
    // limited and audited.
    let mut res = answer(state, key, req).await.into_response();
    res.extensions_mut().insert(crate::idempotency::NoStore);
    res
}

async fn answer(
    state: AppState,
    key: store::agency::ApiKey,
    req: VerifyRequest,
) -> ApiResult<Json<VerifyAnswer>> {
    if state.settings.rate_limits {
        state
            .services
            .limiter
            .check(
                &format!("verify:agency:{}", key.agency.id),
                key.agency.rate_per_minute,
            )
            .await
            .map_err(ApiError::rate_limited)?;
    }
    let purpose = purpose_of(&key, req.purpose.as_deref())?;
    let code = NationalCode::parse(&req.national_code).at("national_code")?;
    let document = match (&req.tracking_code, &req.card_serial, &req.document_number) {
        (Some(tc), None, None) => Document::Receipt(TrackingCode::parse(tc).at("tracking_code")?),
        (None, Some(serial), None) => {
            Document::Card(domain::ChipSerial::parse(serial).at("card_serial")?)
        }
        (None, None, Some(number)) => Document::Number(
            chip::DocumentNumber::parse(&number.trim().to_ascii_uppercase()).map_err(|_| {
                ApiError::validation(domain::ValidationError::new(
                    "invalid_document_number",
                    "a document number is 9 characters of 0-9 and A-Z",
                    "شمارهٔ مدرک ۹ نویسه از ارقام و حروف لاتین بزرگ است",
                ))
                .with_field("document_number")
            })?,
        ),
        _ => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "document_required",
                "یکی از کد رهگیری رسید، سریال کارت یا شمارهٔ مدرک کارت را بفرستید",
                "send exactly one of tracking_code, card_serial and document_number",
            ))
        }
    };
    let mut card_waiting = None;
    let (matched, document) = match document {
        Document::Receipt(tc) => {
            let app = state.store.owner_and_state(&tc).await?;
            let mut ok = app.is_some_and(|(owner, st)| owner == code && receipt_valid(st));
            let waiting = matches!(
                app,
                Some((
                    _,
                    ApplicationState::ReadyForPickup | ApplicationState::Uncollected
                ))
            );
            if ok && waiting {
                card_waiting = crate::cards::receipt::waiting_past_grace(&state, &tc).await?;
                ok = card_waiting.is_none();
            }
            (ok, ok.then_some("receipt"))
        }
        // Only a card handed to its holder, not revoked and not suspended, verifies.
        Document::Card(serial) => {
            let card = state.store.card(&serial).await?;
            let ok = card.is_some_and(|c| c.national_code == code && c.is_valid());
            (ok, ok.then_some("card"))
        }
        Document::Number(number) => {
            let card = state.store.card_by_document_number(number.as_str()).await?;
            let ok = card.is_some_and(|c| c.national_code == code && c.is_valid());
            (ok, ok.then_some("card"))
        }
    };
    let attributes = match &req.attributes {
        None => None,
        Some(want) => {
            // Looked up whether or not the document matched, so both answers cost the same.
            let person = state.store.person(&code).await?.filter(|_| matched);
            let same_name = |given: &Option<String>, f: &dyn Fn(&domain::Person) -> &str| {
                given.as_ref().map(|g| {
                    person
                        .as_ref()
                        .is_some_and(|p| normalize_name(f(p)) == normalize_name(g))
                })
            };
            Some(AttributesOut {
                first_name: same_name(&want.first_name, &|p| &p.first_name),
                last_name: same_name(&want.last_name, &|p| &p.last_name),
                birth_date_jalali: want.birth_date_jalali.as_ref().map(|d| {
                    let d = JalaliDate::parse(d).ok();
                    person.as_ref().is_some_and(|p| Some(p.birth_date) == d)
                }),
            })
        }
    };
    let record = VerificationRecord {
        agency_id: key.agency.id,
        key_id: key.id,
        purpose,
        national_code: code,
        document: document.unwrap_or("").to_string(),
        matched,
        at: chrono::Utc::now(),
    };
    if !state.services.audit.record(record).await {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "audit_unavailable",
            "ثبت سابقهٔ استعلام ممکن نشد؛ کمی بعد تلاش کنید",
            "the verification could not be audited; try again shortly",
        ));
    }
    Ok(Json(VerifyAnswer {
        matched,
        document,
        attributes,
        card_waiting,
    }))
}
