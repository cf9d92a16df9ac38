//! The supervisors' adjudication queue: a 1:N hit waits here until a supervisor of the enrolling office compares
//! the two records and decides. `duplicate` rejects the newer application (naming the other one); `distinct` lets
//! it go on to production. Every decision is recorded with who and when.

use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use domain::{Decision, Role, TrackingCode};
use store::journey::Change;
use store::production::{Decided, DedupCase};

/// The supervisor's office; 403 for anyone else.
pub fn supervisor(staff: &Staff) -> ApiResult<&domain::OfficeId> {
    if staff.role != Role::Supervisor {
        return Err(ApiError::forbidden());
    }
    staff.office()
}

pub async fn open_cases(state: &AppState, staff: &Staff) -> ApiResult<Vec<DedupCase>> {
    let office = supervisor(staff)?;
    Ok(state.store.dedup_cases(Some(office), 200).await?)
}

/// The cases of one application, if it was enrolled at the supervisor's office.
pub async fn cases_of(
    state: &AppState,
    staff: &Staff,
    tracking: &TrackingCode,
) -> ApiResult<Vec<DedupCase>> {
    let office = supervisor(staff)?;
    let cases = state.store.dedup_cases_of(tracking).await?;
    if cases.is_empty() {
        return Err(ApiError::not_found("پروندهٔ تکرار", "de-duplication case"));
    }
    if cases.iter().any(|c| &c.office != office) {
        return Err(crate::enrollment::other_office());
    }
    Ok(cases)
}

pub async fn decide(
    state: &AppState,
    staff: &Staff,
    tracking: &TrackingCode,
    decision: Decision,
    note: Option<String>,
) -> ApiResult<()> {
    let cases = cases_of(state, staff, tracking).await?;
    let change = Change {
        actor: format!("supervisor:{}", staff.username),
        at: chrono::Utc::now(),
        reason: note
            .filter(|n| !n.trim().is_empty())
            .map(domain::HistoryReason::Note),
    };
    match state
        .store
        .decide_dedup(tracking, decision, &change)
        .await?
    {
        Decided::Done => {
            if decision == Decision::Duplicate {
                if let Some(c) = cases.first() {
                    state.services.dedup.remove(c.application_id).await;
                }
            }
            Ok(())
        }
        Decided::NothingToDecide => Err(ApiError::conflict(
            "already_decided",
            "برای این پرونده پیش‌تر تصمیم گرفته شده است",
            "this case was decided already",
        )),
    }
}
