//! The backlog of uncollected cards, and the levers that empty it (issue 14).
//!
//! A province administrator lists the cards waiting at offices by office, reason and age (page, JSON, CSV), starts
//! an SMS campaign to a selection (each message through the outbox, spread at `campaign_sms_per_minute`, recorded
//! per number; no number gets two campaign messages in one Tehran day), and hands each office its call list: the
//! office that holds the cards sees names and numbers, anyone else sees them masked. Cards revoked while they
//! waited (their holder died, or the card was replaced) are listed for destruction at their office, which records
//! it. The figures (cards waiting by age, holders reached by SMS, days from arrival to delivery, each campaign's
//! effect, the backlog over time) are in [`figures`].
//!
//! One feature, one folder: the operations here, the JSON API in [`api`], the pages in [`pages`].

pub mod api;
pub mod figures;
pub mod pages;

use crate::admin::figures::Scope;
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use domain::{ChipSerial, OfficeId, Role, UncollectedReason};
use serde::Deserialize;
use store::applications::Change;
use store::backlog::{
    BacklogQuery, CampaignKind, CampaignMessage, CampaignStarted, NewCampaign, ToDestroy,
    WaitingCard,
};
use utoipa::{IntoParams, ToSchema};

/// The routes of this feature: its JSON API and its pages.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use axum::routing::{get, post};
    api::routes()
        .route("/admin/backlog", get(pages::admin))
        .route("/admin/backlog/campaigns", post(pages::start_campaign))
        .route("/office/backlog", get(pages::office))
        .route(
            "/office/backlog/destroyed/{chip_serial}",
            post(pages::destroyed),
        )
}

/// At most this many cards in one campaign (a larger selection is narrowed by office or age first).
pub const MAX_CAMPAIGN_CARDS: u32 = 50_000;

/// Which waiting cards, as a query string or a form says it.
#[derive(Debug, Clone, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct Selection {
    /// One office (`PP-NNNN`); all offices in scope when absent.
    pub office_id: Option<String>,
    /// `waiting` (every card at an office, the default) or `uncollected` (past the pickup period).
    pub state: Option<String>,
    /// Only uncollected cards with this reason: `sms_failed`, `moved`, `deceased`, `none`.
    pub reason: Option<String>,
    /// Only cards that have waited at least this many days (0–3650, default 0).
    #[serde(default, deserialize_with = "whole_days")]
    #[param(value_type = Option<u32>)]
    #[schema(value_type = Option<u32>)]
    pub min_days: Option<u32>,
}

/// A number of days from JSON (a number) or a form (text, Persian digits allowed, empty for none): forms reach
/// [`Selection`] through `#[serde(flatten)]`, where only strings arrive.
fn whole_days<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Days {
        N(u32),
        S(String),
    }
    match Option::<Days>::deserialize(d)? {
        None => Ok(None),
        Some(Days::N(n)) => Ok(Some(n)),
        Some(Days::S(s)) if s.trim().is_empty() => Ok(None),
        Some(Days::S(s)) => domain::text::to_ascii_digits(s.trim())
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom("min_days is a whole number of days")),
    }
}

/// A [`Selection`] checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub office: Option<OfficeId>,
    pub uncollected_only: bool,
    pub reason: Option<UncollectedReason>,
    pub min_days: u32,
}

fn invalid(field: &str, code: &str, fa: &str, en: &str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, fa, en).with_field(field)
}

impl Selection {
    pub fn check(&self) -> ApiResult<Filter> {
        fn blank(s: &Option<String>) -> Option<&str> {
            s.as_deref().map(str::trim).filter(|s| !s.is_empty())
        }
        let office = blank(&self.office_id)
            .map(OfficeId::parse)
            .transpose()
            .map_err(|e| ApiError::validation(e).with_field("office_id"))?;
        let uncollected_only = match blank(&self.state) {
            None | Some("waiting") => false,
            Some("uncollected") => true,
            Some(_) => {
                return Err(invalid(
                    "state",
                    "invalid_state",
                    "وضعیت باید waiting یا uncollected باشد",
                    "state is waiting or uncollected",
                ))
            }
        };
        let reason = match blank(&self.reason) {
            None => None,
            Some(r) => Some(UncollectedReason::parse(r).ok_or_else(|| {
                invalid(
                    "reason",
                    "invalid_reason",
                    "علت باید یکی از sms_failed، moved، deceased یا none باشد",
                    "reason is sms_failed, moved, deceased or none",
                )
            })?),
        };
        let min_days = self.min_days.unwrap_or(0);
        if min_days > 3650 {
            return Err(invalid(
                "min_days",
                "invalid_min_days",
                "حداقل روز انتظار باید بین ۰ و ۳۶۵۰ باشد",
                "min_days is 0 to 3650",
            ));
        }
        Ok(Filter {
            office,
            uncollected_only: uncollected_only || reason.is_some(),
            reason,
            min_days,
        })
    }
}

/// An office in the caller's scope: a province administrator's office must be in their province (another
/// province's office answers 403, as the statistics do).
async fn office_in_scope(state: &AppState, scope: Scope, office: &OfficeId) -> ApiResult<()> {
    let Some(o) = state.store.office(office).await? else {
        return Err(ApiError::not_found("دفتر", "office"));
    };
    if scope.includes(o.province.as_str()) {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

/// Waiting cards in the administrator's scope, longest waiting first.
pub async fn cards(
    state: &AppState,
    scope: Scope,
    f: &Filter,
    limit: u32,
) -> ApiResult<Vec<WaitingCard>> {
    if let Some(o) = &f.office {
        office_in_scope(state, scope, o).await?;
    }
    Ok(state
        .store
        .waiting_cards(&BacklogQuery {
            province: scope.province().map(|p| p.as_str().to_string()),
            office: f.office.clone(),
            uncollected_only: f.uncollected_only,
            reason: f.reason,
            ready_before: Utc::now() - Duration::days(i64::from(f.min_days)),
            limit,
        })
        .await?)
}

/// What a campaign says, to whom.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CampaignInput {
    /// `reminder` (the card waits; come and collect it) or `moved` (have it sent to an office near you, with the
    /// portal's link).
    pub kind: String,
    #[serde(flatten)]
    pub selection: Selection,
}

/// Starts a campaign to the selected cards: one message per reachable number of each card, at most one campaign
/// message per number per day, spread at the configured rate.
pub async fn start_campaign(
    state: &AppState,
    staff: &Staff,
    scope: Scope,
    input: &CampaignInput,
) -> ApiResult<CampaignStarted> {
    let kind = CampaignKind::parse(input.kind.trim()).ok_or_else(|| {
        invalid(
            "kind",
            "invalid_kind",
            "نوع پویش باید reminder یا moved باشد",
            "kind is reminder or moved",
        )
    })?;
    let f = input.selection.check()?;
    let targets = cards(state, scope, &f, MAX_CAMPAIGN_CARDS).await?;
    let at = Utc::now();
    let mark = at.timestamp_millis();
    let mut messages = Vec::new();
    let mut names: std::collections::HashMap<OfficeId, String> = Default::default();
    for card in &targets {
        if !names.contains_key(&card.office) {
            let name = match state.store.office(&card.office).await? {
                Some(o) => o.name,
                None => card.office.as_str().to_string(),
            };
            names.insert(card.office.clone(), name);
        }
        let office = &names[&card.office];
        let text = match kind {
            CampaignKind::Reminder => domain::production::sms_campaign_reminder(
                &card.tracking_code,
                office,
                u32::try_from((at - card.ready_at).num_days().max(0)).unwrap_or(u32::MAX),
            ),
            CampaignKind::Moved => domain::production::sms_campaign_moved(
                &card.tracking_code,
                office,
                &format!(
                    "{}/applications/{}/office",
                    state.settings.public_url.trim_end_matches('/'),
                    card.tracking_code.as_str()
                ),
            ),
        };
        let to = crate::cards::chapar::reachable(
            state,
            card.application_id,
            &card.national_code,
            &card.mobile,
        )
        .await?;
        for m in to {
            messages.push(CampaignMessage {
                application_id: card.application_id,
                kind: format!("campaign:{mark}:{}", crate::cards::chapar::mark(&m)),
                mobile: m,
                text: text.clone(),
            });
        }
    }
    let per_minute = i64::from(state.settings.campaign_sms_per_minute.max(1));
    let started = state
        .store
        .start_campaign(
            &NewCampaign {
                province: scope.province().map(|p| p.as_str().to_string()),
                kind,
                office: f.office.clone(),
                reason: f.reason,
                min_days: f.min_days,
                created_by: staff.username.clone(),
                at,
                spacing: Duration::microseconds(60_000_000 / per_minute),
            },
            &messages,
        )
        .await?;
    tracing::info!(
        campaign = started.id,
        kind = kind.as_str(),
        cards = started.cards,
        messages = started.messages,
        skipped = started.skipped,
        by = %staff.username,
        "backlog campaign started"
    );
    Ok(started)
}

/// Who reads a call list, and how much of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// The staff of the office that holds the cards: names and numbers in full.
    Office,
    /// An administrator with the office in scope: identities masked.
    Administrator,
}

/// The call list of an office: its waiting cards, for the staff of that office in full, for an administrator
/// masked; other offices' staff are refused.
pub async fn call_list(
    state: &AppState,
    staff: &Staff,
    office: &OfficeId,
) -> ApiResult<(Reader, Vec<WaitingCard>)> {
    let reader = if staff.role.has_office() {
        if staff.office()? != office {
            return Err(ApiError::forbidden());
        }
        Reader::Office
    } else {
        let scope = crate::admin::figures::scope(staff)?;
        office_in_scope(state, scope, office).await?;
        Reader::Administrator
    };
    let f = Filter {
        office: Some(office.clone()),
        uncollected_only: false,
        reason: None,
        min_days: 0,
    };
    let list = cards(state, Scope::All, &f, MAX_CAMPAIGN_CARDS).await?;
    Ok((reader, list))
}

/// Revoked cards to destroy: an office's staff see their office's; an administrator those in scope.
pub async fn to_destroy(state: &AppState, staff: &Staff) -> ApiResult<Vec<ToDestroy>> {
    if staff.role.has_office() {
        return Ok(state
            .store
            .cards_to_destroy(Some(staff.office()?), None)
            .await?);
    }
    let scope = crate::admin::figures::scope(staff)?;
    let province = scope.province().map(|p| p.as_str().to_string());
    Ok(state
        .store
        .cards_to_destroy(None, province.as_deref())
        .await?)
}

/// The office destroyed a revoked card that waited there (operators and supervisors of that office).
pub async fn destroyed(state: &AppState, staff: &Staff, serial: &str) -> ApiResult<()> {
    let office = staff.office()?;
    let serial =
        ChipSerial::parse(serial).map_err(|e| ApiError::validation(e).with_field("chip_serial"))?;
    let change = Change {
        actor: format!("{}:{}", role_name(staff.role), staff.username),
        at: Utc::now(),
        reason: None,
    };
    if state.store.card_destroyed(&serial, office, &change).await? {
        Ok(())
    } else {
        Err(ApiError::not_found(
            "کارت باطل‌شده‌ای با این سریال در این دفتر",
            "revoked card waiting at this office",
        ))
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Supervisor => "supervisor",
        _ => "operator",
    }
}

/// A CSV cell: quoted where it must be, and never read as a formula by a spreadsheet.
pub fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}
