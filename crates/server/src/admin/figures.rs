//! The statistics' figures, computed from the store's counters, and who may see which provinces.

use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::{ApplicationState as S, Province, ProvinceCode, Role};
use serde::{Deserialize, Serialize};
use store::stats::ProvinceCounts;
use utoipa::{IntoParams, ToSchema};

/// The provinces a member of staff may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    One(ProvinceCode),
}

impl Scope {
    /// Whether figures of the province with this code (`""` for unknown) are in scope.
    pub fn includes(self, province_code: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::One(p) => p.as_str() == province_code,
        }
    }

    /// The one province, for a province administrator.
    pub fn province(self) -> Option<ProvinceCode> {
        match self {
            Scope::All => None,
            Scope::One(p) => Some(p),
        }
    }
}

/// A national administrator sees all; a province administrator their province; anyone else is refused (403).
pub fn scope(staff: &Staff) -> ApiResult<Scope> {
    match staff.role {
        Role::NationalAdmin => Ok(Scope::All),
        Role::ProvinceAdmin => staff
            .province
            .map(Scope::One)
            .ok_or_else(ApiError::forbidden),
        _ => Err(ApiError::forbidden()),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct StatsQuery {
    /// `csv` for a CSV export (`text/csv`, header row); JSON otherwise.
    pub format: Option<String>,
}

impl StatsQuery {
    pub fn csv(&self) -> ApiResult<bool> {
        match self.format.as_deref() {
            None | Some("json") => Ok(false),
            Some("csv") => Ok(true),
            Some(_) => Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_format",
                "قالب باید json یا csv باشد",
                "format must be json or csv",
            )
            .with_field("format")),
        }
    }
}

/// The figures of one province or of the country. Each application counts once, in its current state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Figures {
    /// Living people aged 15 or more in the civil registry (recounted daily and after each registry import).
    pub eligible: u64,
    /// Every application filed, whatever its state now (rejected, cancelled and revoked included).
    pub applied: u64,
    /// Applications in state `enrolled` (biometrics taken, not yet sent for production).
    pub enrolled: u64,
    /// Applications in state `in_production` or `production_failed` (back in the production queue).
    pub in_production: u64,
    /// Applications in state `ready_for_pickup` (the card is at the office).
    pub ready_for_pickup: u64,
    /// Applications in state `delivered` (the card was handed over).
    pub delivered: u64,
    /// Applications in state `uncollected` (the pickup period ran out).
    pub uncollected: u64,
    /// `delivered / eligible × 100`, rounded to one decimal; 0 when `eligible` is 0.
    pub coverage_pct: f64,
}

/// One province's figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct ProvinceStats {
    /// The two-digit province code (`23` for Tehran).
    pub province_code: String,
    /// Living people aged 15 or more in the civil registry (recounted daily and after each registry import).
    pub eligible: u64,
    /// Every application filed, whatever its state now (rejected, cancelled and revoked included).
    pub applied: u64,
    /// Applications in state `enrolled` (biometrics taken, not yet sent for production).
    pub enrolled: u64,
    /// Applications in state `in_production` or `production_failed` (back in the production queue).
    pub in_production: u64,
    /// Applications in state `ready_for_pickup` (the card is at the office).
    pub ready_for_pickup: u64,
    /// Applications in state `delivered` (the card was handed over).
    pub delivered: u64,
    /// Applications in state `uncollected` (the pickup period ran out).
    pub uncollected: u64,
    /// `delivered / eligible × 100`, rounded to one decimal; 0 when `eligible` is 0.
    pub coverage_pct: f64,
}

pub fn coverage(delivered: u64, eligible: u64) -> f64 {
    if eligible == 0 {
        return 0.0;
    }
    (delivered as f64 * 1000.0 / eligible as f64).round() / 10.0
}

impl Figures {
    fn of(c: &ProvinceCounts) -> Self {
        let n = |s: S| c.by_state.get(&s).copied().unwrap_or(0);
        let mut f = Figures {
            eligible: c.eligible,
            applied: c.by_state.values().sum(),
            enrolled: n(S::Enrolled),
            in_production: n(S::InProduction) + n(S::ProductionFailed),
            ready_for_pickup: n(S::ReadyForPickup),
            delivered: n(S::Delivered),
            uncollected: n(S::Uncollected),
            coverage_pct: 0.0,
        };
        f.coverage_pct = coverage(f.delivered, f.eligible);
        f
    }

    fn add(&mut self, o: &Figures) {
        self.eligible += o.eligible;
        self.applied += o.applied;
        self.enrolled += o.enrolled;
        self.in_production += o.in_production;
        self.ready_for_pickup += o.ready_for_pickup;
        self.delivered += o.delivered;
        self.uncollected += o.uncollected;
        self.coverage_pct = coverage(self.delivered, self.eligible);
    }

    fn csv_fields(&self) -> String {
        format!(
            "{},{},{},{},{},{},{},{:.1}",
            self.eligible,
            self.applied,
            self.enrolled,
            self.in_production,
            self.ready_for_pickup,
            self.delivered,
            self.uncollected,
            self.coverage_pct
        )
    }
}

impl ProvinceStats {
    fn new(code: &str, f: Figures) -> Self {
        Self {
            province_code: code.to_string(),
            eligible: f.eligible,
            applied: f.applied,
            enrolled: f.enrolled,
            in_production: f.in_production,
            ready_for_pickup: f.ready_for_pickup,
            delivered: f.delivered,
            uncollected: f.uncollected,
            coverage_pct: f.coverage_pct,
        }
    }
}

const CSV_FIELDS: &str =
    "eligible,applied,enrolled,in_production,ready_for_pickup,delivered,uncollected,coverage_pct";

/// One row per province in scope (every one of the 31 for a national administrator), zeros where none.
pub async fn provinces(
    state: &AppState,
    scope: Scope,
) -> ApiResult<Vec<(&'static Province, Figures)>> {
    let counts = state.store.province_counts().await?;
    Ok(Province::all()
        .iter()
        .filter(|p| scope.includes(p.code))
        .map(|p| {
            let f = counts
                .iter()
                .find(|c| c.province_code == p.code)
                .map(Figures::of)
                .unwrap_or_default();
            (p, f)
        })
        .collect())
}

/// The figures summed over the scope; a national administrator's include applications whose province is
/// unknown.
pub async fn national(state: &AppState, scope: Scope) -> ApiResult<Figures> {
    let mut total = Figures::default();
    match scope {
        Scope::All => {
            for c in state.store.province_counts().await? {
                total.add(&Figures::of(&c));
            }
        }
        Scope::One(_) => {
            for (_, f) in provinces(state, scope).await? {
                total.add(&f);
            }
        }
    }
    Ok(total)
}

pub fn province_rows(rows: Vec<(&'static Province, Figures)>) -> Vec<ProvinceStats> {
    rows.into_iter()
        .map(|(p, f)| ProvinceStats::new(p.code, f))
        .collect()
}

pub fn provinces_csv(rows: &[(&'static Province, Figures)]) -> Response {
    let mut out = format!("province_code,{CSV_FIELDS}\r\n");
    for (p, f) in rows {
        out.push_str(&format!("{},{}\r\n", p.code, f.csv_fields()));
    }
    csv(out)
}

pub fn national_csv(f: &Figures) -> Response {
    csv(format!("{CSV_FIELDS}\r\n{}\r\n", f.csv_fields()))
}

pub(crate) fn csv(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}
