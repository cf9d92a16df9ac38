//! The figures of the cards' later life: lead times from application to delivery (median and 90th percentile,
//! against the one-month aim), uncollected cards by reason and by age, and the offices most loaded against their
//! daily capacity. JSON, CSV (`?format=csv`) and the dashboard's charts; all read kept counters (a histogram by day,
//! counts by reason and day), never the applications themselves.

use super::figures::{self, Scope, StatsQuery};
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::{JalaliDate, UncollectedReason};
use serde::{Deserialize, Serialize};
use store::stats::AgeBucket;
use utoipa::{IntoParams, ToSchema};

/// The programme's aim: a card in the holder's hand within a month of the application.
pub const AIM_DAYS: u32 = 30;

/// Histogram bins of the lead-time chart: (first day, last day), the last open-ended.
pub const BINS: [(u32, u32); 7] = [
    (0, 7),
    (8, 14),
    (15, 30),
    (31, 60),
    (61, 90),
    (91, 180),
    (181, u32::MAX),
];

#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct LeadTimeBin {
    pub from_days: u32,
    /// `null` for the last, open-ended bin.
    pub to_days: Option<u32>,
    pub deliveries: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct LeadTimes {
    /// Cards delivered (each counted once, at its delivery).
    pub deliveries: u64,
    /// Whole days from application to delivery; `null` with no deliveries.
    pub median_days: Option<u32>,
    pub p90_days: Option<u32>,
    /// Share delivered within the one-month aim (30 days), percent with one decimal.
    pub within_aim_pct: f64,
    pub aim_days: u32,
    pub bins: Vec<LeadTimeBin>,
}

/// Median, 90th percentile and bins of a day histogram.
pub fn lead_times(histogram: &[(u32, u64)]) -> LeadTimes {
    let mut h: Vec<(u32, u64)> = histogram.iter().copied().filter(|(_, n)| *n > 0).collect();
    h.sort_unstable();
    let total: u64 = h.iter().map(|(_, n)| n).sum();
    let quantile = |q: f64| -> Option<u32> {
        if total == 0 {
            return None;
        }
        // The smallest day count with at least q of the deliveries at or below it.
        let rank = ((q * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        h.iter().find_map(|(d, n)| {
            seen += n;
            (seen >= rank).then_some(*d)
        })
    };
    let within: u64 = h
        .iter()
        .filter(|(d, _)| *d <= AIM_DAYS)
        .map(|(_, n)| n)
        .sum();
    LeadTimes {
        deliveries: total,
        median_days: quantile(0.5),
        p90_days: quantile(0.9),
        within_aim_pct: if total == 0 {
            0.0
        } else {
            (within as f64 * 1000.0 / total as f64).round() / 10.0
        },
        aim_days: AIM_DAYS,
        bins: BINS
            .iter()
            .map(|&(a, b)| LeadTimeBin {
                from_days: a,
                to_days: (b != u32::MAX).then_some(b),
                deliveries: h
                    .iter()
                    .filter(|(d, _)| (a..=b).contains(d))
                    .map(|(_, n)| n)
                    .sum(),
            })
            .collect(),
    }
}

pub async fn lead_times_in(state: &AppState, scope: Scope) -> ApiResult<LeadTimes> {
    let rows = state.store.lead_times().await?;
    let mut by_day: std::collections::BTreeMap<u32, u64> = Default::default();
    for r in rows.iter().filter(|r| scope.includes(&r.province_code)) {
        *by_day.entry(r.days).or_default() += r.n;
    }
    let h: Vec<(u32, u64)> = by_day.into_iter().collect();
    Ok(lead_times(&h))
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct UncollectedCell {
    /// `sms_failed`, `moved`, `deceased` or `none`.
    pub reason: String,
    /// `under_30_days`, `30_to_90_days`, `90_to_365_days` or `over_a_year` (since the card became uncollected).
    pub age: String,
    pub cards: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Uncollected {
    pub total: u64,
    pub by_reason: Vec<UncollectedCell>,
}

impl Uncollected {
    pub fn count(&self, reason: Option<UncollectedReason>, age: Option<AgeBucket>) -> u64 {
        self.by_reason
            .iter()
            .filter(|c| reason.is_none_or(|r| r.as_str() == c.reason))
            .filter(|c| age.is_none_or(|a| a.as_str() == c.age))
            .map(|c| c.cards)
            .sum()
    }
}

pub async fn uncollected_in(state: &AppState, scope: Scope) -> ApiResult<Uncollected> {
    let rows = state
        .store
        .uncollected(chrono::Utc::now().date_naive())
        .await?;
    let mut out = Uncollected::default();
    for reason in UncollectedReason::ALL {
        for age in AgeBucket::ALL {
            let cards: u64 = rows
                .iter()
                .filter(|r| r.reason == reason && r.age == age && scope.includes(&r.province_code))
                .map(|r| r.n)
                .sum();
            out.total += cards;
            out.by_reason.push(UncollectedCell {
                reason: reason.as_str().into(),
                age: age.as_str().into(),
                cards,
            });
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct OfficeLoadRow {
    pub office_id: String,
    pub name: String,
    pub province_code: String,
    pub booked: u64,
    pub daily_capacity: u64,
    /// `booked / daily_capacity × 100`, one decimal.
    pub load_pct: f64,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LoadQuery {
    /// The day (Solar Hijri `YYYY-MM-DD`); today in Tehran when absent.
    pub date_jalali: Option<String>,
    /// How many offices (1–500, default 20).
    pub limit: Option<u32>,
    /// `csv` for a CSV export.
    pub format: Option<String>,
}

pub async fn office_load_in(
    state: &AppState,
    scope: Scope,
    day: JalaliDate,
    limit: u32,
) -> ApiResult<Vec<OfficeLoadRow>> {
    let province = scope.province();
    let rows = state
        .store
        .office_load(
            &day.to_string(),
            province.as_ref().map(|p| p.as_str()),
            limit,
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| OfficeLoadRow {
            load_pct: if r.capacity == 0 {
                0.0
            } else {
                (r.booked as f64 * 1000.0 / r.capacity as f64).round() / 10.0
            },
            office_id: r.office_id,
            name: r.name,
            province_code: r.province_code,
            booked: r.booked,
            daily_capacity: r.capacity,
        })
        .collect())
}

#[utoipa::path(
    get,
    path = "/api/v1/stats/lead-times",
    tag = "admin",
    params(StatsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Days from application to delivery: median, 90th percentile, share within the \
            30-day aim and a histogram (`?format=csv`: the histogram)", body = LeadTimes),
        (status = 401, description = "`unauthorized`", body = crate::error::ErrorBody),
        (status = 403, description = "`forbidden`", body = crate::error::ErrorBody),
    )
)]
pub async fn lead_times_api(
    State(state): State<AppState>,
    staff: Staff,
    // Read after the role is checked: a 403 comes before a 422.
    query: Result<ApiQuery<StatsQuery>, ApiError>,
) -> ApiResult<Response> {
    let scope = figures::scope(&staff)?;
    let ApiQuery(q) = query?;
    let csv = q.csv()?;
    let lt = lead_times_in(&state, scope).await?;
    Ok(if csv {
        let mut out = String::from("from_days,to_days,deliveries\r\n");
        for b in &lt.bins {
            out.push_str(&format!(
                "{},{},{}\r\n",
                b.from_days,
                b.to_days.map(|d| d.to_string()).unwrap_or_default(),
                b.deliveries
            ));
        }
        figures::csv(out)
    } else {
        Json(lt).into_response()
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/stats/uncollected",
    tag = "admin",
    params(StatsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Uncollected cards by reason and by age (since the card became uncollected)", body = Uncollected),
        (status = 401, description = "`unauthorized`", body = crate::error::ErrorBody),
        (status = 403, description = "`forbidden`", body = crate::error::ErrorBody),
    )
)]
pub async fn uncollected_api(
    State(state): State<AppState>,
    staff: Staff,
    // Read after the role is checked: a 403 comes before a 422.
    query: Result<ApiQuery<StatsQuery>, ApiError>,
) -> ApiResult<Response> {
    let scope = figures::scope(&staff)?;
    let ApiQuery(q) = query?;
    let csv = q.csv()?;
    let u = uncollected_in(&state, scope).await?;
    Ok(if csv {
        let mut out = String::from("reason,age,cards\r\n");
        for c in &u.by_reason {
            out.push_str(&format!("{},{},{}\r\n", c.reason, c.age, c.cards));
        }
        figures::csv(out)
    } else {
        Json(u).into_response()
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/stats/offices/load",
    tag = "admin",
    params(LoadQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The offices with the most places booked against their daily capacity on the day", body = [OfficeLoadRow]),
        (status = 401, description = "`unauthorized`", body = crate::error::ErrorBody),
        (status = 403, description = "`forbidden`", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_date`, `invalid_format`, `invalid_limit`", body = crate::error::ErrorBody),
    )
)]
pub async fn office_load_api(
    State(state): State<AppState>,
    staff: Staff,
    // Read after the role is checked: a 403 comes before a 422.
    query: Result<ApiQuery<LoadQuery>, ApiError>,
) -> ApiResult<Response> {
    let scope = figures::scope(&staff)?;
    let ApiQuery(q) = query?;
    let csv = StatsQuery {
        format: q.format.clone(),
    }
    .csv()?;
    let day = match &q.date_jalali {
        Some(d) => {
            JalaliDate::parse(d).map_err(|e| ApiError::validation(e).with_field("date_jalali"))?
        }
        None => crate::state::today(),
    };
    let limit = q.limit.unwrap_or(20);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::validation(domain::ValidationError::new(
            "invalid_limit",
            "limit is 1 to 500",
            "تعداد باید بین ۱ و ۵۰۰ باشد",
        ))
        .with_field("limit"));
    }
    let rows = office_load_in(&state, scope, day, limit).await?;
    Ok(if csv {
        let mut out = String::from("office_id,province_code,booked,daily_capacity,load_pct\r\n");
        for r in &rows {
            out.push_str(&format!(
                "{},{},{},{},{}\r\n",
                r.office_id, r.province_code, r.booked, r.daily_capacity, r.load_pct
            ));
        }
        figures::csv(out)
    } else {
        Json(rows).into_response()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_of_a_histogram() {
        let lt = lead_times(&[(10, 5), (20, 4), (45, 1)]);
        assert_eq!(lt.deliveries, 10);
        assert_eq!(lt.median_days, Some(10));
        assert_eq!(lt.p90_days, Some(20));
        assert_eq!(lt.within_aim_pct, 90.0);
        assert_eq!(lt.bins[1].deliveries, 5);
        assert_eq!(lt.bins[3].deliveries, 1);
        let none = lead_times(&[]);
        assert_eq!(
            (none.median_days, none.p90_days, none.within_aim_pct),
            (None, None, 0.0)
        );
        assert_eq!(lead_times(&[(400, 1)]).bins[6].deliveries, 1);
    }
}
