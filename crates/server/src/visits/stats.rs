//! `GET /api/v1/stats/units`: mobile units' work by institution kind (visits, people booked, enrolled,
//! delivered, uncollected), and its table on the administrators' dashboard.

use crate::admin::figures::{self, Scope};
use crate::auth::Staff;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::web::html::{column_heads, fa_count, html, Markup};
use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitKindFigures {
    pub institution_kind: String,
    pub institution_kind_fa: String,
    pub visits: u64,
    /// People booked onto the kind's visits.
    pub booked: u64,
    /// Of them, enrolled by the unit (whatever happened since).
    pub enrolled: u64,
    /// Cards handed over.
    pub delivered: u64,
    /// Cards not collected within the pickup period.
    pub uncollected: u64,
}

pub async fn compute(state: &AppState, scope: Scope) -> ApiResult<Vec<UnitKindFigures>> {
    let province = match scope {
        Scope::All => None,
        Scope::One(p) => Some(p),
    };
    Ok(state
        .store
        .unit_stats(province)
        .await?
        .into_iter()
        .map(|s| UnitKindFigures {
            institution_kind: s.kind.as_str().into(),
            institution_kind_fa: s.kind.fa().into(),
            visits: s.visits,
            booked: s.booked,
            enrolled: s.enrolled,
            delivered: s.delivered,
            uncollected: s.uncollected,
        })
        .collect())
}

#[utoipa::path(
    get,
    path = "/api/v1/stats/units",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Mobile units' work by institution kind, every kind answered (of the \
            administrator's province for a province administrator)", body = Vec<UnitKindFigures>),
        (status = 401, description = "`unauthorized`", body = crate::error::ErrorBody),
        (status = 403, description = "`forbidden`: not a national or province administrator", body = crate::error::ErrorBody),
    )
)]
pub async fn units_api(
    State(state): State<AppState>,
    staff: Staff,
) -> ApiResult<Json<Vec<UnitKindFigures>>> {
    let scope = figures::scope(&staff)?;
    Ok(Json(compute(&state, scope).await?))
}

/// The dashboard's table.
pub fn table(rows: &[UnitKindFigures]) -> Markup {
    html! {
        div.scroll {
            table class="history stats" id="unit-stats" {
                (column_heads(&["نوع مؤسسه", "بازدیدها", "نوبت‌گرفته", "ثبت‌نام‌شده", "تحویل‌شده", "تحویل‌نگرفته"]))
                tbody {
                    @for r in rows {
                        tr {
                            th scope="row" { (r.institution_kind_fa) }
                            @for n in [r.visits, r.booked, r.enrolled, r.delivered, r.uncollected] {
                                td { (fa_count(n)) }
                            }
                        }
                    }
                }
            }
        }
    }
}
