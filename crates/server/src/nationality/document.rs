//! The temporary identity document printed at the registry office for an open case (`receipt::render_temporary`):
//! issued again as often as needed while the case is undecided; refused once it is decided (approved, the person
//! has a birth certificate; rejected, the case is with the foreign-nationals bureau).

use crate::error::{ApiError, ApiResult};
use crate::state::{tehran_day, AppState};
use store::nationality::CaseFile;

pub async fn pdf(state: &AppState, office: &domain::Office, file: &CaseFile) -> ApiResult<Vec<u8>> {
    let case = &file.case;
    if case.state.is_final() {
        return Err(ApiError::conflict(
            "case_decided",
            "پرونده تعیین تکلیف شده است؛ سند موقت دیگر صادر نمی‌شود",
            "the case is decided; the temporary document is no longer issued",
        ));
    }
    let photo = crate::cards::stored(state, &case.photo_key, "case photo").await?;
    let a = case.applicant.clone();
    let number = case.number.to_string();
    let opened = tehran_day(case.opened_at)
        .map(|d| d.to_string())
        .unwrap_or_default();
    let office = office.clone();
    tokio::task::spawn_blocking(move || {
        receipt::render_temporary(&receipt::TemporaryIdentity {
            case_number: &number,
            first_name: &a.first_name,
            last_name: &a.last_name,
            father_name: a.father_name.as_deref().unwrap_or(""),
            birth_year_jalali: &a.birth_year.to_string(),
            birth_place: &a.birth_place,
            office_name: &office.name,
            office_address: &office.address,
            opened_on_jalali: &opened,
            photo: &photo,
        })
    })
    .await
    .map_err(|_| ApiError::internal())?
    .map_err(|e| {
        tracing::error!(error = %e, "temporary identity document not rendered");
        ApiError::internal()
    })
}
