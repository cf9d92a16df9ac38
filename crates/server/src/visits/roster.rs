//! `POST /api/v1/visits/{visit_id}/roster`: an institution's roster (`text/csv`, header `national_code,mobile`).
//! Each row goes through the registry inquiry (the person is known, alive, 15 or older), the mobile-ownership
//! check where a number is given, and is then filed and booked onto the visit in one transaction with the fee
//! decided by the institution kind's policy. Good rows land even when others are refused; each refused row comes
//! back with its line and code, and writes nothing.

use super::{actor, visit_for_roster};
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiPath;
use crate::state::{today, AppState};
use axum::extract::State;
use axum::http::{header::CONTENT_TYPE, HeaderMap, StatusCode};
use axum::Json;
use domain::inquiry;
use domain::{Channel, Mobile, NationalCode, Reason, TrackingCode};
use serde::Serialize;
use std::collections::HashSet;
use store::audit::InquiryRefusal;
use store::journey::{Change, NewApplication};
use store::visits::{Visit, VisitBooked};
use utoipa::ToSchema;

/// Rows one roster may hold (a roster is one visit's people; the largest visit holds 1000).
pub const MAX_ROWS: usize = 2000;

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct AcceptedRow {
    /// The CSV's line (the header is line 1).
    pub line: u32,
    pub tracking_code: String,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct RejectedRow {
    pub line: u32,
    /// `invalid_row`, `invalid_national_code`, `invalid_mobile`, `duplicate_row`, `registry_mismatch`,
    /// `deceased`, `underage`, `mobile_not_owned`, `no_mobile`, `active_application_exists`, `no_capacity`,
    /// `ownership_unavailable`.
    pub code: String,
    /// The reason in Persian, for the liaison's page.
    pub message: String,
}

/// The answer to a roster.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct RosterAnswer {
    pub accepted: Vec<AcceptedRow>,
    pub rejected: Vec<RejectedRow>,
}

fn refused(line: u32, e: ApiError) -> RejectedRow {
    RejectedRow {
        line,
        code: e.detail.code,
        message: e.detail.message,
    }
}

fn row_error(code: &str, fa: &str, en: &str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, fa, en)
}

/// One data row's fields, parsed.
struct Row {
    line: u32,
    code: NationalCode,
    mobile: Option<Mobile>,
}

/// Splits the CSV into rows; a missing or wrong header refuses the whole roster (422 `invalid_roster`).
fn parse(body: &str) -> ApiResult<(Vec<Row>, Vec<RejectedRow>)> {
    let body = body.strip_prefix('\u{feff}').unwrap_or(body);
    let mut lines = body.lines().enumerate();
    let header_ok = lines.next().is_some_and(|(_, h)| {
        let cols: Vec<String> = h
            .split(',')
            .map(|c| c.trim().trim_matches('"').to_ascii_lowercase())
            .collect();
        cols == ["national_code", "mobile"]
    });
    if !header_ok {
        return Err(row_error(
            "invalid_roster",
            "فهرست باید پروندهٔ CSV با سطر سرستون national_code,mobile باشد",
            "the roster must be a CSV with the header row national_code,mobile",
        )
        .with_field("body"));
    }
    let mut rows = Vec::new();
    let mut rejected = Vec::new();
    let mut seen = HashSet::new();
    for (i, text) in lines {
        let line = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if text.trim().is_empty() {
            continue;
        }
        if rows.len() + rejected.len() >= MAX_ROWS {
            return Err(row_error(
                "roster_too_long",
                "فهرست بیش از ۲۰۰۰ سطر دارد؛ آن را در چند بخش بفرستید",
                "the roster has more than 2000 rows; send it in parts",
            )
            .with_field("body"));
        }
        let cols: Vec<&str> = text
            .split(',')
            .map(|c| c.trim().trim_matches('"'))
            .collect();
        if cols.len() != 2 {
            rejected.push(refused(
                line,
                row_error(
                    "invalid_row",
                    "هر سطر باید دو ستون کد ملی و شمارهٔ همراه داشته باشد",
                    "each row must have two columns: national code and mobile",
                ),
            ));
            continue;
        }
        let code = match NationalCode::parse(cols[0]) {
            Ok(c) => c,
            Err(e) => {
                rejected.push(refused(line, ApiError::validation(e)));
                continue;
            }
        };
        let mobile = if cols[1].is_empty() {
            None
        } else {
            match Mobile::parse(cols[1]) {
                Ok(m) => Some(m),
                Err(e) => {
                    rejected.push(refused(line, ApiError::validation(e)));
                    continue;
                }
            }
        };
        if !seen.insert(code) {
            rejected.push(refused(
                line,
                row_error(
                    "duplicate_row",
                    "این کد ملی پیش‌تر در همین فهرست آمده است",
                    "this national code is already on this roster",
                ),
            ));
            continue;
        }
        rows.push(Row { line, code, mobile });
    }
    Ok((rows, rejected))
}

/// A refused inquiry is kept like one refused at an office's desk (the unit's office, the sender, the masked
/// code), so that someone probing the registry through rosters shows.
async fn audit(state: &AppState, visit: &Visit, who: &str, code: &NationalCode, outcome: &str) {
    let refusal = InquiryRefusal {
        operator: who.to_string(),
        office: visit.unit.clone(),
        at: chrono::Utc::now(),
        national_code: code.masked(),
        outcome: outcome.into(),
    };
    if let Err(e) = state.store.record_inquiry_refusal(&refusal).await {
        tracing::error!(error = %e, "a roster's refused inquiry could not be recorded");
    }
}

/// The inquiry of one row, and its mobile: the one given (which must be the person's), or the first the registry
/// lists for them.
async fn inquire(state: &AppState, visit: &Visit, who: &str, row: &Row) -> ApiResult<Mobile> {
    let person = state.store.person(&row.code).await?;
    if let Err(e) = inquiry::check_person(person.as_ref(), today()) {
        audit(state, visit, who, &row.code, e.code).await;
        return Err(ApiError::validation(e));
    }
    match row.mobile {
        Some(m) => {
            let owns = state
                .services
                .ownership
                .owns(&row.code, &m)
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "mobile ownership check failed (roster)");
                    row_error(
                        "ownership_unavailable",
                        "استعلام مالکیت شماره همراه در دسترس نبود؛ این سطر را دوباره بفرستید",
                        "the mobile-ownership service was unavailable; send this row again",
                    )
                })?;
            if !owns {
                audit(state, visit, who, &row.code, "mobile_not_owned").await;
                return Err(row_error(
                    "mobile_not_owned",
                    "این شماره همراه به نام این کد ملی ثبت نشده است",
                    "this mobile number is not registered to this national code",
                ));
            }
            Ok(m)
        }
        None => person
            .and_then(|p| p.mobiles.first().copied())
            .ok_or_else(|| {
                row_error(
                    "no_mobile",
                    "برای این شخص شمارهٔ همراهی نه در فهرست آمده و نه در ثبت احوال هست",
                    "no mobile number for this person, neither on the roster nor in the registry",
                )
            }),
    }
}

/// Files and books one row; the tracking code.
async fn book(
    state: &AppState,
    visit: &Visit,
    who: &str,
    row: &Row,
    mobile: Mobile,
) -> ApiResult<TrackingCode> {
    let policy = state.settings.unit_fees.of(visit.kind);
    // A unit's visit adds no office service fee: the issuance fee only.
    let fee = state
        .settings
        .fees
        .application_fee(today().year(), Channel::Portal);
    for _ in 0..8 {
        let body: u64 = rand::random::<u64>() % 100_000_000_000;
        let new = NewApplication {
            tracking_code: TrackingCode::from_body(body),
            national_code: row.code,
            reason: Reason::FirstIssue,
            channel: Channel::Office,
            mobile,
            fee_rials: fee,
            filing_office: Some(visit.unit.clone()),
            province: domain::prefixes::province_of(row.code.prefix()),
            actor: who.to_string(),
            at: chrono::Utc::now(),
        };
        match state
            .store
            .visit_book_new(visit.id, row.line, policy, &new)
            .await?
        {
            VisitBooked::Booked { tracking_code, .. } => return Ok(tracking_code),
            VisitBooked::TrackingCodeTaken => continue,
            VisitBooked::ActiveExists => {
                return Err(ApiError::conflict(
                    "active_application_exists",
                    "برای این کد ملی درخواست در جریانی وجود دارد",
                    "this person already has an application in progress",
                ))
            }
            VisitBooked::NoCapacity => return Err(no_capacity()),
            VisitBooked::VisitNotFound => return Err(super::visit_not_found()),
            VisitBooked::WrongState(_) | VisitBooked::AlreadyBooked => {
                return Err(ApiError::internal())
            }
        }
    }
    Err(ApiError::internal())
}

pub fn no_capacity() -> ApiError {
    ApiError::conflict(
        "no_capacity",
        "ظرفیت این بازدید پر شده است",
        "this visit has no place left",
    )
}

/// Takes a roster: every row answered, accepted or rejected with its reason.
pub async fn take(
    state: &AppState,
    staff: &Staff,
    visit: &Visit,
    body: &str,
) -> ApiResult<RosterAnswer> {
    let (rows, mut rejected) = parse(body)?;
    let who = actor(staff);
    let mut accepted = Vec::new();
    for row in &rows {
        let done = match inquire(state, visit, &who, row).await {
            Ok(mobile) => book(state, visit, &who, row, mobile).await,
            Err(e) => Err(e),
        };
        match done {
            Ok(tc) => accepted.push(AcceptedRow {
                line: row.line,
                tracking_code: tc.as_str().into(),
            }),
            // A failure of the service itself (not a refusal of the row) stops the roster: rows already
            // booked stay booked, and the liaison sends the rest again.
            Err(e) if e.status.is_server_error() => return Err(e),
            Err(e) => rejected.push(refused(row.line, e)),
        }
    }
    rejected.sort_by_key(|r| r.line);
    tracing::info!(
        visit = visit.id,
        accepted = accepted.len(),
        rejected = rejected.len(),
        by = %who,
        "roster taken"
    );
    let change = Change {
        actor: who,
        at: chrono::Utc::now(),
        reason: None,
    };
    state
        .store
        .visit_note(
            visit.id,
            &format!(
                "roster: {} accepted, {} rejected",
                accepted.len(),
                rejected.len()
            ),
            &change,
        )
        .await?;
    Ok(RosterAnswer { accepted, rejected })
}

#[utoipa::path(
    post,
    path = "/api/v1/visits/{visit_id}/roster",
    tag = "admin",
    params(("visit_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body(content = String, content_type = "text/csv",
        description = "Header `national_code,mobile`, one person a row; the mobile may be empty (the registry's \
            first number is used)"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every row answered: accepted rows are filed and booked onto the visit (fee by \
            the institution kind's policy); rejected rows wrote nothing", body = RosterAnswer),
        (status = 401, description = "`unauthorized`", body = crate::error::ErrorBody),
        (status = 403, description = "`forbidden`: not an administrator or a liaison", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`: no such visit, or not one this liaison is named on", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: the body is not `text/csv`", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_roster` (no `national_code,mobile` header), `roster_too_long`", body = crate::error::ErrorBody),
    )
)]
pub async fn upload(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(visit_id): ApiPath<i64>,
    headers: HeaderMap,
    body: String,
) -> ApiResult<Json<RosterAnswer>> {
    if !super::is_liaison(&staff) {
        super::admin_scope(&staff)?;
    }
    let visit = visit_for_roster(&state, &staff, visit_id).await?;
    let csv = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/csv"));
    if !csv {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "فهرست باید با نوع text/csv فرستاده شود",
            "the roster must be sent as text/csv",
        ));
    }
    Ok(Json(take(&state, &staff, &visit, &body).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_with_their_lines_and_bad_ones_refused() {
        let (rows, rejected) = parse(
            "\u{feff}national_code,mobile\n0499370899,09121234567\n\n0012345678,\n123,0912\n\
             0499370899,\n0084575948,0912\nx\n",
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        let lines: Vec<u32> = rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2]);
        let codes: Vec<(u32, &str)> = rejected.iter().map(|r| (r.line, r.code.as_str())).collect();
        assert_eq!(
            codes,
            [
                (4, "invalid_national_code"),
                (5, "invalid_national_code"),
                (6, "duplicate_row"),
                (7, "invalid_mobile"),
                (8, "invalid_row")
            ]
        );
        assert!(parse("code,mobile\n0499370899,\n").is_err());
        assert!(parse("").is_err());
    }
}
