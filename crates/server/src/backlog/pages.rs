//! The backlog's pages (Persian, right to left, no JavaScript). `/admin/backlog`: the administrator's list of
//! waiting cards by office, reason and age, the figures, the campaign form and the campaigns' effect, and the
//! cards to destroy. `/office/backlog`: an office's call list (in full: the cards are the office's) and its cards
//! to destroy, each with the button that records it.

use super::api::BacklogCard;
use super::figures::{BacklogFigures, Place};
use super::{CampaignInput, Reader, Selection};
use crate::admin::chart::{fa_count, fa_pct};
use crate::admin::figures::{self, Scope};
use crate::admin::login;
use crate::state::AppState;
use crate::web::dates::day_fa;
use crate::web::extract::PagePath;
use crate::web::form::{
    hidden_input, message_page, respond, see_other, select_input, text_input, Errors, Input,
};
use crate::web::html::{column_heads, fa_digits, html, Markup};
use crate::web::office::{desk, failure, flash_line, reply, tracking_code, Desk};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::UncollectedReason;
use store::backlog::CampaignKind;
use store::stats::AgeBucket;

/// Cards shown on the page (the CSV has up to 10,000).
const SHOWN: u32 = 200;

fn days_fa(d: Option<u32>) -> String {
    d.map(|d| format!("{} روز", fa_count(u64::from(d))))
        .unwrap_or_else(|| "—".into())
}

fn reason_fa(r: Option<&str>) -> &'static str {
    r.and_then(UncollectedReason::parse)
        .map_or("در مهلت تحویل", |r| r.fa())
}

fn places_table(id: &str, first: &str, rows: &[Place], office_links: bool) -> Markup {
    html! {
        div.scroll {
            table class="history stats" id=(id) {
                thead {
                    tr {
                        th scope="col" { (first) }
                        @for a in AgeBucket::ALL { th scope="col" { (a.fa()) } }
                        th scope="col" { "جمع منتظر" }
                        th scope="col" { "تحویل‌نگرفته" }
                        th scope="col" { "پیامک رسید" }
                        th scope="col" { "میانهٔ انتظار تا تحویل" }
                    }
                }
                tbody {
                    @for p in rows {
                        tr {
                            th scope="row" {
                                bdi { (p.name) }
                                @if office_links {
                                    " "
                                    a href={ "/api/v1/backlog/call-list/" (p.id) "?format=csv" } { "فهرست تماس" }
                                }
                            }
                            td { (fa_count(p.waiting_under_30_days)) }
                            td { (fa_count(p.waiting_30_to_90_days)) }
                            td { (fa_count(p.waiting_90_to_365_days)) }
                            td { (fa_count(p.waiting_over_a_year)) }
                            td { (fa_count(p.waiting)) }
                            td { (fa_count(p.uncollected)) }
                            td { (p.reached_pct.map(fa_pct).unwrap_or_else(|| "—".into())) }
                            td { (days_fa(p.median_days_to_delivery)) }
                        }
                    }
                }
            }
        }
    }
}

/// The waiting cards; `full` (the office's own list) adds the holder's name.
fn cards_table(cards: &[BacklogCard], full: bool) -> Markup {
    html! {
        @if cards.is_empty() {
            p.note id="no-cards" { "کارتی با این شرایط منتظر نیست." }
        } @else {
            div.scroll {
                table class="history stats" id="cards" {
                    thead {
                        tr {
                            @if full { th scope="col" { "نام" } }
                            th scope="col" { "کد رهگیری" }
                            th scope="col" { "کد ملی" }
                            th scope="col" { "همراه" }
                            th scope="col" { "دفتر" }
                            th scope="col" { "انتظار" }
                            th scope="col" { "علت" }
                            th scope="col" { "پیامک" }
                        }
                    }
                    tbody {
                        @for c in cards {
                            tr {
                                @if full { td { (c.name) } }
                                td { (tracking_code(&c.tracking_code)) }
                                td { bdi.code { (fa_digits(&c.national_code)) } }
                                td { bdi.code { (fa_digits(&c.mobile)) } }
                                td { bdi { (c.office_id) } }
                                td { (days_fa(u32::try_from(c.waited_days).ok())) }
                                td { (reason_fa(c.reason.as_deref())) }
                                td { (if c.reached { "رسید" } else { "نرسید" }) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn campaigns_table(f: &BacklogFigures) -> Markup {
    html! {
        @if f.campaigns.is_empty() {
            p.note { "هنوز پویشی اجرا نشده است." }
        } @else {
            div.scroll {
                table class="history stats" id="campaigns" {
                    (column_heads(&["شماره", "روز", "نوع", "به دستور", "کارت", "پیامک", "رسیده", "کنارگذاشته (همان روز)", "تحویل تا ۱۴ روز"]))
                    tbody {
                        @for c in &f.campaigns {
                            tr {
                                td { (fa_digits(&c.id.to_string())) }
                                td { (day_fa(c.created_at)) }
                                td { (CampaignKind::parse(&c.kind).map_or("", |k| k.fa())) }
                                td { (c.created_by) }
                                td { (fa_count(c.cards)) }
                                td { (fa_count(c.messages)) }
                                td { (fa_count(c.delivered)) }
                                td { (fa_count(c.skipped)) }
                                td { (fa_count(c.collected_within_14_days)) " (" (fa_pct(c.collected_pct)) ")" }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn filter_form(sel: &Selection, errors: &Errors) -> Markup {
    let state_choices = [
        ("waiting".to_string(), "همهٔ کارت‌های منتظر".to_string()),
        ("uncollected".to_string(), "تنها تحویل‌نگرفته‌ها".to_string()),
    ];
    let mut reasons = vec![(String::new(), "همهٔ علت‌ها".to_string())];
    reasons.extend(
        UncollectedReason::ALL
            .iter()
            .map(|r| (r.as_str().to_string(), r.fa().to_string())),
    );
    let ltr = Input {
        dir: Some("ltr"),
        ..Input::default()
    };
    let digits = Input {
        inputmode: Some("numeric"),
        ..ltr
    };
    html! {
        form method="get" action="/admin/backlog" id="filter-form" {
            div.row {
                (text_input(
                    errors,
                    "office_id",
                    "دفتر (مثلاً ۲۳-۰۰۰۱)",
                    sel.office_id.as_deref().unwrap_or(""),
                    "خالی: همهٔ دفترها",
                    ltr,
                ))
                (select_input(
                    errors,
                    "state",
                    "کارت‌ها",
                    &state_choices,
                    sel.state.as_deref().unwrap_or("waiting"),
                ))
            }
            div.row {
                (select_input(errors, "reason", "علت تحویل‌نگرفتن", &reasons, sel.reason.as_deref().unwrap_or("")))
                (text_input(
                    errors,
                    "min_days",
                    "دست‌کم چند روز انتظار",
                    &sel.min_days.unwrap_or(0).to_string(),
                    "",
                    digits,
                ))
            }
            div.actions { button type="submit" class="primary" id="filter-submit" { "نمایش" } }
        }
    }
}

/// The list's selection as hidden fields, for the campaign's form.
fn hidden_selection(sel: &Selection) -> Markup {
    html! {
        (hidden_input("office_id", sel.office_id.as_deref().unwrap_or("")))
        (hidden_input("state", sel.state.as_deref().unwrap_or("")))
        (hidden_input("reason", sel.reason.as_deref().unwrap_or("")))
        (hidden_input("min_days", &sel.min_days.unwrap_or(0).to_string()))
    }
}

fn query_string(sel: &Selection) -> String {
    serde_urlencoded::to_string([
        ("office_id", sel.office_id.clone().unwrap_or_default()),
        ("state", sel.state.clone().unwrap_or_default()),
        ("reason", sel.reason.clone().unwrap_or_default()),
        ("min_days", sel.min_days.unwrap_or(0).to_string()),
    ])
    .unwrap_or_default()
}

async fn administrator(state: &AppState, headers: &HeaderMap) -> Result<(String, Scope), Response> {
    let Some(staff) = login::staff(state, headers).await else {
        return Err(see_other("/admin/login", None));
    };
    match figures::scope(&staff) {
        Ok(s) => Ok((staff.username, s)),
        Err(_) => Err(message_page(
            StatusCode::FORBIDDEN,
            "دسترسی ندارید",
            "کارت‌های منتظر را تنها مدیران کشوری و استانی می‌بینند.",
        )),
    }
}

fn unavailable() -> Response {
    message_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "خطای سامانه",
        "فهرست در دسترس نیست؛ لطفاً بعداً تلاش کنید.",
    )
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct AdminQuery {
    #[serde(flatten)]
    selection: Selection,
    /// The campaign just started, to say so.
    started: Option<i64>,
}

/// `GET /admin/backlog`.
pub async fn admin(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let (user, scope) = match administrator(&state, &headers).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let mut errors = Errors::default();
    let mut status = StatusCode::OK;
    let q: AdminQuery = match serde_urlencoded::from_str(query.as_deref().unwrap_or("")) {
        Ok(q) => q,
        Err(_) => {
            errors.top("نشانی صفحه درست نیست؛ شرایط فهرست را دوباره انتخاب کنید.");
            status = StatusCode::UNPROCESSABLE_ENTITY;
            AdminQuery::default()
        }
    };
    let cards = match q.selection.check() {
        Ok(f) => match super::cards(&state, scope, &f, SHOWN).await {
            Ok(c) => c,
            Err(e) if e.status.is_client_error() => {
                errors.top(e.detail.message.clone());
                status = e.status;
                Vec::new()
            }
            Err(_) => return unavailable(),
        },
        Err(e) => {
            match e.detail.field.clone() {
                Some(field) => errors.field(&field, e.detail.message.clone()),
                None => errors.top(e.detail.message.clone()),
            }
            status = e.status;
            Vec::new()
        }
    };
    let (Ok(f), Ok(destroy)) = (
        super::figures::compute(&state, scope).await,
        state
            .store
            .cards_to_destroy(None, scope.province().as_ref().map(|p| p.as_str()))
            .await,
    ) else {
        return unavailable();
    };
    let shown: Vec<BacklogCard> = cards
        .iter()
        .map(|c| BacklogCard::of(c, Reader::Administrator))
        .collect();
    let notice = html! {
        @if let Some(id) = q.started {
            (flash_line(
                true,
                &format!(
                    "پویش {} آغاز شد؛ پیامک‌ها به‌تدریج از صف ارسال می‌روند.",
                    fa_digits(&id.to_string())
                ),
            ))
        }
    };
    let kinds: Vec<(String, String)> = CampaignKind::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), k.fa().to_string()))
        .collect();
    let t = &f.total;
    let body = html! {
        section.card {
            h1 { "کارت‌های منتظر تحویل" }
            p.lead { "کاربر: " bdi { (user) } " · " a href="/admin/stats" { "آمار" } }
            (notice)
            dl.summary id="backlog-summary" {
                dt { "منتظر در دفترها" } dd { (fa_count(t.waiting)) }
                dt { "تحویل‌نگرفته (پس از مهلت)" } dd { (fa_count(t.uncollected)) }
                dt { "پیامک به دارنده رسید" } dd { (t.reached_pct.map(fa_pct).unwrap_or_else(|| "—".into())) }
                dt { "میانهٔ انتظار تا تحویل" } dd { (days_fa(t.median_days_to_delivery)) }
            }
        }
        section.card {
            h2 { "به تفکیک دفتر (پرانبوه‌ترین‌ها)" }
            (places_table("offices", "دفتر", &f.offices, true))
        }
        section.card {
            h2 { "فهرست کارت‌ها" }
            (errors.top_box())
            (filter_form(&q.selection, &errors))
            p.note {
                (fa_count(shown.len() as u64)) " کارت نخست، از قدیمی‌ترین؛ کد ملی و شماره‌ها پوشیده‌اند. "
                a href={ "/api/v1/backlog/cards?" (query_string(&q.selection)) "&format=csv&limit=10000" }
                    id="cards-csv" { "خروجی CSV" }
            }
            (cards_table(&shown, false))
        }
        section.card id="campaign" {
            h2 { "پویش پیامکی برای همین فهرست" }
            p.note {
                "به شمارهٔ ثبت‌شده و شماره‌های به نام دارنده نزد اپراتورها (جز شماره‌هایی که برای همیشه ناموفق \
    بوده‌اند) فرستاده می‌شود؛ هر شماره در یک روز بیش از یک پیامک پویش نمی‌گیرد و ارسال با آهنگ "
                (fa_count(u64::from(state.settings.campaign_sms_per_minute))) " پیامک در دقیقه است."
            }
            form method="post" action="/admin/backlog/campaigns" id="campaign-form" {
                (hidden_selection(&q.selection))
                div.row { (select_input(&Errors::default(), "kind", "پیام", &kinds, "reminder")) }
                div.actions { button type="submit" class="primary" id="campaign-submit" { "آغاز پویش" } }
            }
            h3 { "پویش‌ها و اثرشان" }
            (campaigns_table(&f))
        }
        section.card id="destroy" {
            h2 { "کارت‌های باطل‌شده برای امحا" }
            p.note {
                "کارت‌هایی که در دفتر منتظر بودند و باطل شدند (فوت دارنده، صدور کارت جایگزین): "
                (fa_count(destroy.len() as u64)) " کارت. دفترها امحا را در صفحهٔ خود ثبت می‌کنند."
            }
        }
    };
    respond(status, "کارت‌های منتظر تحویل", body)
}

/// `POST /admin/backlog/campaigns` (urlencoded: the list's selection and the campaign's kind).
pub async fn start_campaign(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(staff) = login::staff(&state, &headers).await else {
        return see_other("/admin/login", None);
    };
    let Ok(scope) = figures::scope(&staff) else {
        return message_page(
            StatusCode::FORBIDDEN,
            "دسترسی ندارید",
            "پویش را تنها مدیران کشوری و استانی آغاز می‌کنند.",
        );
    };
    let Ok(input) = serde_urlencoded::from_bytes::<CampaignInput>(&body) else {
        return message_page(
            StatusCode::BAD_REQUEST,
            "پویش آغاز نشد",
            "فرم کامل نرسید؛ لطفاً دوباره بفرستید.",
        );
    };
    match super::start_campaign(&state, &staff, scope, &input).await {
        Ok(s) => see_other(
            &format!(
                "/admin/backlog?{}&started={}",
                query_string(&input.selection),
                s.id
            ),
            None,
        ),
        Err(e) => message_page(e.status, "پویش آغاز نشد", &e.detail.message),
    }
}

fn destroy_table(list: &[store::backlog::ToDestroy]) -> Markup {
    html! {
        @if list.is_empty() {
            p.note id="none-to-destroy" { "کارت باطل‌شده‌ای در این دفتر نمانده است." }
        } @else {
            div.scroll {
                table class="history stats" id="to-destroy" {
                    (column_heads(&["سریال", "کد رهگیری", "علت ابطال", "روز ابطال", ""]))
                    tbody {
                        @for d in list {
                            tr {
                                td { bdi.code { (d.chip_serial.as_str()) } }
                                td { (tracking_code(d.tracking_code.as_str())) }
                                td { (d.revoke_reason.as_deref().unwrap_or("")) }
                                td { (d.revoked_at.map(day_fa).unwrap_or_default()) }
                                td {
                                    form method="post" action={ "/office/backlog/destroyed/" (d.chip_serial.as_str()) } {
                                        button type="submit" class="secondary small" { "امحا شد" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The office's page; `notice` goes under its title.
async fn office_page(state: &AppState, desk: &Desk, notice: Markup) -> Response {
    let (list, destroy) = match (
        super::call_list(state, &desk.staff, &desk.office).await,
        state.store.cards_to_destroy(Some(&desk.office), None).await,
    ) {
        (Ok((_, l)), Ok(d)) => (l, d),
        (Err(e), _) => return failure(Some(desk), &e),
        (_, Err(e)) => return failure(Some(desk), &e.into()),
    };
    let cards: Vec<BacklogCard> = list
        .iter()
        .map(|c| BacklogCard::of(c, Reader::Office))
        .collect();
    let body = html! {
        section.card {
            h1 { "کارت‌های منتظر در این دفتر" }
            (notice)
            p.lead {
                (fa_count(cards.len() as u64)) " کارت منتظر دارنده است، از قدیمی‌ترین. با دارندگانی که پیامک به \
    آن‌ها نرسیده تماس بگیرید. "
                a href={ "/api/v1/backlog/call-list/" (desk.office.as_str()) "?format=csv" } id="call-list-csv" {
                    "فهرست تماس (CSV)"
                }
            }
            (cards_table(&cards, true))
        }
        section.card id="destroy" {
            h2 { "کارت‌های باطل‌شده برای امحا" }
            (destroy_table(&destroy))
        }
    };
    reply(StatusCode::OK, "کارت‌های منتظر", Some(desk), body)
}

/// `GET /office/backlog`.
pub async fn office(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match desk(&state, &headers).await {
        Ok(d) => office_page(&state, &d, html! {}).await,
        Err(r) => r,
    }
}

/// `POST /office/backlog/destroyed/{serial}`.
pub async fn destroyed(
    State(state): State<AppState>,
    headers: HeaderMap,
    PagePath(serial): PagePath<String>,
) -> Response {
    let d = match desk(&state, &headers).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    match super::destroyed(&state, &d.staff, &serial).await {
        Ok(()) => {
            let text = format!("امحای کارت {} ثبت شد.", serial.trim().to_uppercase());
            office_page(&state, &d, flash_line(true, &text)).await
        }
        Err(e) => failure(Some(&d), &e),
    }
}
