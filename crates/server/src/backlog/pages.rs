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
use crate::web::form::{html, message_page, see_other, select_field, text_field, Errors};
use crate::web::html::{escape, fa_digits};
use crate::web::office::{desk, failure, flash, respond, Desk};
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

fn places_table(id: &str, first: &str, rows: &[Place], office_links: bool) -> String {
    let ages: String = AgeBucket::ALL
        .iter()
        .map(|a| format!("<th scope=\"col\">{}</th>", a.fa()))
        .collect();
    let body: String = rows
        .iter()
        .map(|p| {
            let name = if office_links {
                format!(
                    "<bdi>{}</bdi> <a href=\"/api/v1/backlog/call-list/{id}?format=csv\">فهرست تماس</a>",
                    escape(&p.name),
                    id = escape(&p.id)
                )
            } else {
                format!("<bdi>{}</bdi>", escape(&p.name))
            };
            format!(
                "<tr><th scope=\"row\">{name}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
<td>{}</td><td>{}</td><td>{}</td></tr>",
                fa_count(p.waiting_under_30_days),
                fa_count(p.waiting_30_to_90_days),
                fa_count(p.waiting_90_to_365_days),
                fa_count(p.waiting_over_a_year),
                fa_count(p.waiting),
                fa_count(p.uncollected),
                p.reached_pct.map(fa_pct).unwrap_or_else(|| "—".into()),
                days_fa(p.median_days_to_delivery),
            )
        })
        .collect();
    format!(
        "<div class=\"scroll\"><table class=\"history stats\" id=\"{id}\"><thead><tr><th scope=\"col\">{first}</th>{ages}\
<th scope=\"col\">جمع منتظر</th><th scope=\"col\">تحویل‌نگرفته</th><th scope=\"col\">پیامک رسید</th>\
<th scope=\"col\">میانهٔ انتظار تا تحویل</th></tr></thead><tbody>{body}</tbody></table></div>"
    )
}

fn cards_table(cards: &[BacklogCard], full: bool) -> String {
    if cards.is_empty() {
        return "<p class=\"note\" id=\"no-cards\">کارتی با این شرایط منتظر نیست.</p>".into();
    }
    let name_head = if full {
        "<th scope=\"col\">نام</th>"
    } else {
        ""
    };
    let rows: String = cards
        .iter()
        .map(|c| {
            let name = if full {
                format!("<td>{}</td>", escape(&c.name))
            } else {
                String::new()
            };
            format!(
                "<tr>{name}<td><bdi class=\"code\">{}</bdi></td><td><bdi class=\"code\">{}</bdi></td>\
<td><bdi class=\"code\">{}</bdi></td><td><bdi>{}</bdi></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&fa_digits(&c.tracking_code)),
                escape(&fa_digits(&c.national_code)),
                escape(&fa_digits(&c.mobile)),
                escape(&c.office_id),
                days_fa(u32::try_from(c.waited_days).ok()),
                reason_fa(c.reason.as_deref()),
                if c.reached { "رسید" } else { "نرسید" },
            )
        })
        .collect();
    format!(
        "<div class=\"scroll\"><table class=\"history stats\" id=\"cards\"><thead><tr>{name_head}\
<th scope=\"col\">کد رهگیری</th><th scope=\"col\">کد ملی</th><th scope=\"col\">همراه</th><th scope=\"col\">دفتر</th>\
<th scope=\"col\">انتظار</th><th scope=\"col\">علت</th><th scope=\"col\">پیامک</th></tr></thead><tbody>{rows}</tbody></table></div>"
    )
}

fn campaigns_table(f: &BacklogFigures) -> String {
    if f.campaigns.is_empty() {
        return "<p class=\"note\">هنوز پویشی اجرا نشده است.</p>".into();
    }
    let rows: String = f
        .campaigns
        .iter()
        .map(|c| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} ({})</td></tr>",
                fa_digits(&c.id.to_string()),
                day_fa(c.created_at),
                CampaignKind::parse(&c.kind).map_or("", |k| k.fa()),
                escape(&c.created_by),
                fa_count(c.cards),
                fa_count(c.messages),
                fa_count(c.delivered),
                fa_count(c.skipped),
                fa_count(c.collected_within_14_days),
                fa_pct(c.collected_pct),
            )
        })
        .collect();
    format!(
        "<div class=\"scroll\"><table class=\"history stats\" id=\"campaigns\"><thead><tr><th scope=\"col\">شماره</th>\
<th scope=\"col\">روز</th><th scope=\"col\">نوع</th><th scope=\"col\">به دستور</th><th scope=\"col\">کارت</th>\
<th scope=\"col\">پیامک</th><th scope=\"col\">رسیده</th><th scope=\"col\">کنارگذاشته (همان روز)</th>\
<th scope=\"col\">تحویل تا ۱۴ روز</th></tr></thead><tbody>{rows}</tbody></table></div>"
    )
}

fn filter_form(sel: &Selection, errors: &Errors) -> String {
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
    format!(
        "<form method=\"get\" action=\"/admin/backlog\" id=\"filter-form\"><div class=\"row\">{office}{state}</div>\
<div class=\"row\">{reason}{days}</div><div class=\"actions\"><button type=\"submit\" class=\"primary\" id=\"filter-submit\">نمایش</button></div></form>",
        office = text_field(
            errors,
            "office_id",
            "دفتر (مثلاً ۲۳-۰۰۰۱)",
            sel.office_id.as_deref().unwrap_or(""),
            "خالی: همهٔ دفترها",
            "dir=\"ltr\"",
        ),
        state = select_field(
            errors,
            "state",
            "کارت‌ها",
            &state_choices,
            sel.state.as_deref().unwrap_or("waiting"),
        ),
        reason = select_field(
            errors,
            "reason",
            "علت تحویل‌نگرفتن",
            &reasons,
            sel.reason.as_deref().unwrap_or(""),
        ),
        days = text_field(
            errors,
            "min_days",
            "دست‌کم چند روز انتظار",
            &sel.min_days.unwrap_or(0).to_string(),
            "",
            "inputmode=\"numeric\" dir=\"ltr\"",
        ),
    )
}

fn hidden(sel: &Selection) -> String {
    let f = |name: &str, v: &str| {
        format!(
            "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
            escape(v)
        )
    };
    [
        f("office_id", sel.office_id.as_deref().unwrap_or("")),
        f("state", sel.state.as_deref().unwrap_or("")),
        f("reason", sel.reason.as_deref().unwrap_or("")),
        f("min_days", &sel.min_days.unwrap_or(0).to_string()),
    ]
    .concat()
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
    let notice = match q.started {
        Some(id) => flash(
            true,
            &format!(
                "پویش {} آغاز شد؛ پیامک‌ها به‌تدریج از صف ارسال می‌روند.",
                fa_digits(&id.to_string())
            ),
        ),
        None => String::new(),
    };
    let kinds: Vec<(String, String)> = CampaignKind::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), k.fa().to_string()))
        .collect();
    let t = &f.total;
    let body = format!(
        "<section class=\"card\"><h1>کارت‌های منتظر تحویل</h1><p class=\"lead\">کاربر: <bdi>{user}</bdi> · \
<a href=\"/admin/stats\">آمار</a></p>{notice}\
<dl class=\"summary\" id=\"backlog-summary\"><dt>منتظر در دفترها</dt><dd>{waiting}</dd><dt>تحویل‌نگرفته (پس از مهلت)</dt><dd>{unc}</dd>\
<dt>پیامک به دارنده رسید</dt><dd>{reached}</dd><dt>میانهٔ انتظار تا تحویل</dt><dd>{median}</dd></dl></section>\
<section class=\"card\"><h2>به تفکیک دفتر (پرانبوه‌ترین‌ها)</h2>{offices}</section>\
<section class=\"card\"><h2>فهرست کارت‌ها</h2>{top}{filter}\
<p class=\"note\">{n} کارت نخست، از قدیمی‌ترین؛ کد ملی و شماره‌ها پوشیده‌اند. \
<a href=\"/api/v1/backlog/cards?{qs}&amp;format=csv&amp;limit=10000\" id=\"cards-csv\">خروجی CSV</a></p>{cards}</section>\
<section class=\"card\" id=\"campaign\"><h2>پویش پیامکی برای همین فهرست</h2>\
<p class=\"note\">به شمارهٔ ثبت‌شده و شماره‌های به نام دارنده نزد اپراتورها (جز شماره‌هایی که برای همیشه ناموفق بوده‌اند) \
فرستاده می‌شود؛ هر شماره در یک روز بیش از یک پیامک پویش نمی‌گیرد و ارسال با آهنگ {rate} پیامک در دقیقه است.</p>\
<form method=\"post\" action=\"/admin/backlog/campaigns\" id=\"campaign-form\">{hidden}<div class=\"row\">{kind}</div>\
<div class=\"actions\"><button type=\"submit\" class=\"primary\" id=\"campaign-submit\">آغاز پویش</button></div></form>\
<h3>پویش‌ها و اثرشان</h3>{campaigns}</section>\
<section class=\"card\" id=\"destroy\"><h2>کارت‌های باطل‌شده برای امحا</h2><p class=\"note\">کارت‌هایی که در دفتر منتظر \
بودند و باطل شدند (فوت دارنده، صدور کارت جایگزین): {destroy} کارت. دفترها امحا را در صفحهٔ خود ثبت می‌کنند.</p></section>",
        user = escape(&user),
        waiting = fa_count(t.waiting),
        unc = fa_count(t.uncollected),
        reached = t.reached_pct.map(fa_pct).unwrap_or_else(|| "—".into()),
        median = days_fa(t.median_days_to_delivery),
        offices = places_table("offices", "دفتر", &f.offices, true),
        top = errors.render_top(),
        filter = filter_form(&q.selection, &errors),
        n = fa_count(shown.len() as u64),
        qs = escape(&query_string(&q.selection)),
        cards = cards_table(&shown, false),
        rate = fa_count(u64::from(state.settings.campaign_sms_per_minute)),
        hidden = hidden(&q.selection),
        kind = select_field(&Errors::default(), "kind", "پیام", &kinds, "reminder"),
        campaigns = campaigns_table(&f),
        destroy = fa_count(destroy.len() as u64),
    );
    html(status, "کارت‌های منتظر تحویل", &body)
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

fn destroy_table(list: &[store::backlog::ToDestroy]) -> String {
    if list.is_empty() {
        return "<p class=\"note\" id=\"none-to-destroy\">کارت باطل‌شده‌ای در این دفتر نمانده است.</p>".into();
    }
    let rows: String = list
        .iter()
        .map(|d| {
            format!(
                "<tr><td><bdi class=\"code\">{serial}</bdi></td><td><bdi class=\"code\">{tc}</bdi></td><td>{why}</td><td>{at}</td>\
<td><form method=\"post\" action=\"/office/backlog/destroyed/{serial}\"><button type=\"submit\" class=\"secondary small\">امحا شد</button></form></td></tr>",
                serial = escape(d.chip_serial.as_str()),
                tc = escape(&fa_digits(d.tracking_code.as_str())),
                why = escape(d.revoke_reason.as_deref().unwrap_or("")),
                at = d.revoked_at.map(day_fa).unwrap_or_default(),
            )
        })
        .collect();
    format!(
        "<div class=\"scroll\"><table class=\"history stats\" id=\"to-destroy\"><thead><tr><th scope=\"col\">سریال</th>\
<th scope=\"col\">کد رهگیری</th><th scope=\"col\">علت ابطال</th><th scope=\"col\">روز ابطال</th><th scope=\"col\"></th></tr></thead>\
<tbody>{rows}</tbody></table></div>"
    )
}

async fn office_page(state: &AppState, desk: &Desk, notice: &str) -> Response {
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
    let body = format!(
        "<section class=\"card\"><h1>کارت‌های منتظر در این دفتر</h1>{notice}<p class=\"lead\">{n} کارت منتظر دارنده است، \
از قدیمی‌ترین. با دارندگانی که پیامک به آن‌ها نرسیده تماس بگیرید. \
<a href=\"/api/v1/backlog/call-list/{office}?format=csv\" id=\"call-list-csv\">فهرست تماس (CSV)</a></p>{cards}</section>\
<section class=\"card\" id=\"destroy\"><h2>کارت‌های باطل‌شده برای امحا</h2>{destroy}</section>",
        n = fa_count(cards.len() as u64),
        office = escape(desk.office.as_str()),
        cards = cards_table(&cards, true),
        destroy = destroy_table(&destroy),
    );
    respond(StatusCode::OK, "کارت‌های منتظر", Some(desk), &body)
}

/// `GET /office/backlog`.
pub async fn office(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match desk(&state, &headers).await {
        Ok(d) => office_page(&state, &d, "").await,
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
            office_page(&state, &d, &flash(true, &text)).await
        }
        Err(e) => failure(Some(&d), &e),
    }
}
