//! The backlog's figures, per province and per office: cards waiting by age since they reached the office, the
//! share of holders a message reached (any number, typed or linked, delivered after the card arrived), the median
//! days from arrival to delivery, each campaign's effect (its cards collected within 14 days), and the backlog by
//! day. All read kept counters or the waiting cards' partial index, never the applications as a whole.

use crate::admin::figures::Scope;
use crate::error::ApiResult;
use crate::state::AppState;
use chrono::{Duration, NaiveDate, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use store::backlog::{tehran_day, Campaign};
use store::stats::AgeBucket;
use utoipa::ToSchema;

/// Arrivals counted for the reached share: those of the last year.
const REACH_WINDOW_DAYS: i64 = 365;
/// The backlog's history drawn on the dashboard.
pub const HISTORY_DAYS: i64 = 180;

#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Place {
    /// A province code (`""` unknown) or an office id.
    pub id: String,
    /// The province's or office's Persian name.
    pub name: String,
    /// Cards at the office by days since they arrived: under 30, 30–89, 90–364, a year or more.
    pub waiting_under_30_days: u64,
    pub waiting_30_to_90_days: u64,
    pub waiting_90_to_365_days: u64,
    pub waiting_over_a_year: u64,
    pub waiting: u64,
    /// Of them, past the pickup period.
    pub uncollected: u64,
    /// Cards that reached an office in the last year, and how many of their holders a message reached.
    pub arrived: u64,
    pub reached: u64,
    /// `reached / arrived × 100`, one decimal; `null` with no arrivals.
    pub reached_pct: Option<f64>,
    /// Cards collected, and the median whole days they waited at the office.
    pub deliveries: u64,
    pub median_days_to_delivery: Option<u32>,
}

impl Place {
    fn add_waiting(&mut self, age: AgeBucket, uncollected: bool, n: u64) {
        match age {
            AgeBucket::Under30Days => self.waiting_under_30_days += n,
            AgeBucket::Days30To90 => self.waiting_30_to_90_days += n,
            AgeBucket::Days90To365 => self.waiting_90_to_365_days += n,
            AgeBucket::OverAYear => self.waiting_over_a_year += n,
        }
        self.waiting += n;
        if uncollected {
            self.uncollected += n;
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CampaignFigures {
    pub id: i64,
    /// `reminder` or `moved`.
    pub kind: String,
    pub province_code: Option<String>,
    pub office_id: Option<String>,
    pub reason: Option<String>,
    pub min_days: u32,
    pub created_by: String,
    /// RFC 3339.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: chrono::DateTime<Utc>,
    pub cards: u64,
    pub messages: u64,
    /// Messages left out: the number had a campaign message that day already.
    pub skipped: u64,
    pub delivered: u64,
    pub failed: u64,
    /// Of the campaign's cards, collected within 14 days of its start.
    pub collected_within_14_days: u64,
    pub collected_pct: f64,
}

impl From<&Campaign> for CampaignFigures {
    fn from(c: &Campaign) -> Self {
        Self {
            id: c.id,
            kind: c.kind.as_str().into(),
            province_code: c.province.clone(),
            office_id: c.office.as_ref().map(|o| o.as_str().to_string()),
            reason: c.reason.map(|r| r.as_str().to_string()),
            min_days: c.min_days,
            created_by: c.created_by.clone(),
            created_at: c.created_at,
            cards: c.cards,
            messages: c.messages,
            skipped: c.skipped,
            delivered: c.delivered,
            failed: c.failed,
            collected_within_14_days: c.collected_within_14_days,
            collected_pct: pct(c.collected_within_14_days, c.cards).unwrap_or(0.0),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BacklogPoint {
    /// Solar Hijri `YYYY-MM-DD` (Tehran).
    pub day_jalali: String,
    pub waiting: u64,
    pub uncollected: u64,
    pub in_production: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct BacklogFigures {
    /// The whole scope (the country, or the province).
    pub total: Place,
    pub provinces: Vec<Place>,
    /// The 50 offices with the most cards waiting.
    pub offices: Vec<Place>,
    /// The latest 20 campaigns.
    pub campaigns: Vec<CampaignFigures>,
    /// The backlog by day over the last 180 days, as the hourly pass wrote it.
    pub over_time: Vec<BacklogPoint>,
}

fn pct(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

fn finish(p: &mut Place, waits: &BTreeMap<u32, u64>) {
    p.reached_pct = pct(p.reached, p.arrived);
    let h: Vec<(u32, u64)> = waits.iter().map(|(d, n)| (*d, *n)).collect();
    let lt = crate::admin::cards::lead_times(&h);
    p.deliveries = lt.deliveries;
    p.median_days_to_delivery = lt.median_days;
}

pub async fn compute(state: &AppState, scope: Scope) -> ApiResult<BacklogFigures> {
    let now = Utc::now();
    let province = scope.province().map(|p| p.as_str().to_string());
    let mut provinces: BTreeMap<String, (Place, BTreeMap<u32, u64>)> = BTreeMap::new();
    let mut offices: BTreeMap<String, (Place, BTreeMap<u32, u64>)> = BTreeMap::new();
    let mut total = (Place::default(), BTreeMap::new());
    let place = |id: &str| Place {
        id: id.to_string(),
        ..Place::default()
    };
    for r in state
        .store
        .backlog_by_office(province.as_deref(), now)
        .await?
    {
        let unc = r.reason.is_some();
        total.0.add_waiting(r.age, unc, r.n);
        let p = provinces
            .entry(r.province_code.clone())
            .or_insert_with(|| (place(&r.province_code), BTreeMap::new()));
        p.0.add_waiting(r.age, unc, r.n);
        let o = offices
            .entry(r.office.as_str().to_string())
            .or_insert_with(|| (place(r.office.as_str()), BTreeMap::new()));
        o.0.name = r.office_name.clone();
        o.0.add_waiting(r.age, unc, r.n);
    }
    let since = tehran_day(now - Duration::days(REACH_WINDOW_DAYS));
    for r in state
        .store
        .reach_counts(province.as_deref(), &since)
        .await?
    {
        for p in [
            &mut total.0,
            &mut provinces
                .entry(r.province_code.clone())
                .or_insert_with(|| (place(&r.province_code), BTreeMap::new()))
                .0,
            &mut offices
                .entry(r.office.clone())
                .or_insert_with(|| (place(&r.office), BTreeMap::new()))
                .0,
        ] {
            p.arrived += r.arrived;
            p.reached += r.reached;
        }
    }
    for w in state.store.wait_counts(province.as_deref()).await? {
        *total.1.entry(w.days).or_default() += w.n;
        *provinces
            .entry(w.province_code.clone())
            .or_insert_with(|| (place(&w.province_code), BTreeMap::new()))
            .1
            .entry(w.days)
            .or_default() += w.n;
        *offices
            .entry(w.office.clone())
            .or_insert_with(|| (place(&w.office), BTreeMap::new()))
            .1
            .entry(w.days)
            .or_default() += w.n;
    }
    finish(&mut total.0, &total.1);
    let provinces: Vec<Place> = provinces
        .into_values()
        .map(|(mut p, w)| {
            finish(&mut p, &w);
            p.name = domain::ProvinceCode::parse(&p.id)
                .map(|c| c.province().name_fa.to_string())
                .unwrap_or_else(|_| "نامعلوم".into());
            p
        })
        .collect();
    let mut offices: Vec<Place> = offices
        .into_values()
        .map(|(mut p, w)| {
            finish(&mut p, &w);
            p
        })
        .collect();
    offices.sort_by(|a, b| b.waiting.cmp(&a.waiting).then(a.id.cmp(&b.id)));
    offices.truncate(50);
    for o in offices.iter_mut().filter(|o| o.name.is_empty()) {
        if let Ok(id) = domain::OfficeId::parse(&o.id) {
            if let Some(office) = state.store.office(&id).await? {
                o.name = office.name;
            }
        }
    }
    let campaigns = state
        .store
        .campaigns(province.as_deref(), 20)
        .await?
        .iter()
        .map(CampaignFigures::from)
        .collect();
    let mut by_day: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    for d in state
        .store
        .backlog_days(&tehran_day(now - Duration::days(HISTORY_DAYS)))
        .await?
    {
        if scope.includes(&d.province_code) {
            let e = by_day.entry(d.day).or_default();
            e.0 += d.waiting;
            e.1 += d.uncollected;
            e.2 += d.in_production;
        }
    }
    let over_time = by_day
        .into_iter()
        .filter_map(|(day, (w, u, p))| {
            let g = NaiveDate::parse_from_str(&day, "%Y-%m-%d").ok()?;
            Some(BacklogPoint {
                day_jalali: domain::JalaliDate::from_gregorian(g).ok()?.to_string(),
                waiting: w,
                uncollected: u,
                in_production: p,
            })
        })
        .collect();
    Ok(BacklogFigures {
        total: total.0,
        provinces,
        offices,
        campaigns,
        over_time,
    })
}

/// The hourly pass: today's backlog written for the dashboard's history.
pub async fn snapshot(state: &AppState) -> store::Result<()> {
    state.store.snapshot_backlog(&tehran_day(Utc::now())).await
}
