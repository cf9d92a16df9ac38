//! `GET /admin/stats`: the statistics page (Persian, right to left, no JavaScript): the national funnel as an
//! SVG chart, and a table per province, with a logout button. Without a staff cookie it sends the visitor to
//! `/admin/login`.

use super::chart::{fa_count, fa_pct, funnel};
use super::figures::{self, Figures, Scope};
use super::login;
use crate::state::AppState;
use crate::web::form::{html, message_page, see_other};
use crate::web::html::escape;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

const COLUMNS: [&str; 9] = [
    "استان",
    "واجدان شرایط",
    "متقاضیان",
    "ثبت‌نام‌شده",
    "در حال صدور",
    "آمادهٔ تحویل",
    "تحویل‌شده",
    "تحویل‌نگرفته",
    "پوشش",
];

fn cells(name: &str, f: &Figures) -> String {
    let mut row = format!("<th scope=\"row\">{}</th>", escape(name));
    for n in [
        f.eligible,
        f.applied,
        f.enrolled,
        f.in_production,
        f.ready_for_pickup,
        f.delivered,
        f.uncollected,
    ] {
        row.push_str(&format!("<td>{}</td>", fa_count(n)));
    }
    row.push_str(&format!("<td>{}</td>", fa_pct(f.coverage_pct)));
    row
}

pub async fn show(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(staff) = login::staff(&state, &headers).await else {
        return see_other("/admin/login", None);
    };
    let scope = match figures::scope(&staff) {
        Ok(s) => s,
        Err(_) => {
            return message_page(
                StatusCode::FORBIDDEN,
                "دسترسی ندارید",
                "آمار استان‌ها را تنها مدیران کشوری و استانی می‌بینند.",
            )
        }
    };
    let (rows, total) = match (
        figures::provinces(&state, scope).await,
        figures::national(&state, scope).await,
    ) {
        (Ok(r), Ok(t)) => (r, t),
        _ => {
            return message_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "خطای سامانه",
                "آمار در دسترس نیست؛ لطفاً بعداً تلاش کنید.",
            )
        }
    };
    let heading = match scope {
        Scope::All => "قیف کشوری",
        Scope::One(_) => "قیف استان",
    };
    let head: String = COLUMNS
        .iter()
        .map(|c| format!("<th scope=\"col\">{c}</th>"))
        .collect();
    let mut body_rows: String = rows
        .iter()
        .map(|(p, f)| format!("<tr>{}</tr>", cells(p.name_fa, f)))
        .collect();
    if scope == Scope::All {
        body_rows.push_str(&format!("<tr>{}</tr>", cells("کل کشور", &total)));
    }
    let today = crate::state::today();
    let (lead, unc, load, backlog) = match (
        super::cards::lead_times_in(&state, scope).await,
        super::cards::uncollected_in(&state, scope).await,
        super::cards::office_load_in(&state, scope, today, 10).await,
        crate::backlog::figures::compute(&state, scope).await,
    ) {
        (Ok(a), Ok(b), Ok(c), Ok(d)) => (a, b, c, d),
        _ => {
            return message_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "خطای سامانه",
                "آمار در دسترس نیست؛ لطفاً بعداً تلاش کنید.",
            )
        }
    };
    let days = |d: Option<u32>| {
        d.map(|d| format!("{} روز", fa_count(u64::from(d))))
            .unwrap_or_else(|| "—".into())
    };
    let reasons: String = domain::UncollectedReason::ALL
        .iter()
        .map(|r| {
            let cells: String = store::stats::AgeBucket::ALL
                .iter()
                .map(|a| format!("<td>{}</td>", fa_count(unc.count(Some(*r), Some(*a)))))
                .collect();
            format!(
                "<tr><th scope=\"row\">{}</th>{cells}<td>{}</td></tr>",
                r.fa(),
                fa_count(unc.count(Some(*r), None))
            )
        })
        .collect();
    let ages: String = store::stats::AgeBucket::ALL
        .iter()
        .map(|a| format!("<th scope=\"col\">{}</th>", a.fa()))
        .collect();
    let load_chart = if load.is_empty() {
        "<p class=\"note\">برای امروز نوبتی گرفته نشده است.</p>".to_string()
    } else {
        super::chart::office_load(&load)
    };
    let cards_section = format!(
        "<section class=\"card\" id=\"lead-times\"><h2>فاصلهٔ درخواست تا تحویل</h2>\
<p class=\"lead\">میانه: <strong>{median}</strong> · صدک نودم: <strong>{p90}</strong> · \
تحویل در کمتر از یک ماه: <strong>{within}</strong> از {n} کارت (هدف: یک ماه)</p>\
<div class=\"scroll\">{lead_chart}</div></section>\
<section class=\"card\" id=\"uncollected\"><h2>کارت‌های تحویل‌نگرفته</h2>\
<div class=\"scroll\">{unc_chart}</div><div class=\"scroll\"><table class=\"history stats\">\
<thead><tr><th scope=\"col\">علت</th>{ages}<th scope=\"col\">جمع</th></tr></thead><tbody>{reasons}</tbody></table></div></section>\
<section class=\"card\" id=\"backlog\"><h2>کارت‌های منتظر در دفترها</h2>\
<p class=\"lead\">منتظر: <strong>{waiting}</strong> · تحویل‌نگرفته پس از مهلت: <strong>{unc_n}</strong> · \
پیامک به دارنده رسید: <strong>{reached}</strong> · میانهٔ انتظار در دفتر تا تحویل: <strong>{wait_median}</strong></p>\
<div class=\"scroll\">{backlog_chart}</div>\
<p class=\"note\">آبی: کارت‌های منتظر؛ قرمز: تحویل‌نگرفته‌ها. \
<a href=\"/admin/backlog\" id=\"backlog-link\">فهرست به تفکیک دفتر، علت و مدت؛ پویش پیامکی</a></p></section>\
<section class=\"card\" id=\"office-load\"><h2>پرکارترین دفترها، امروز {day}</h2><div class=\"scroll\">{load_chart}</div></section>\
<section class=\"card\" id=\"exports\"><h2>خروجی CSV</h2><ul class=\"exports\">\
<li><a href=\"/api/v1/stats/provinces?format=csv\">آمار استان‌ها</a></li>\
<li><a href=\"/api/v1/stats/national?format=csv\">آمار کل</a></li>\
<li><a href=\"/api/v1/stats/lead-times?format=csv\">فاصلهٔ درخواست تا تحویل</a></li>\
<li><a href=\"/api/v1/stats/uncollected?format=csv\">کارت‌های تحویل‌نگرفته</a></li>\
<li><a href=\"/api/v1/stats/offices/load?format=csv\">بار دفترها</a></li>\
<li><a href=\"/api/v1/backlog/figures?format=csv\">کارت‌های منتظر به تفکیک دفتر</a></li></ul></section>\
<section class=\"card\" id=\"simulation\"><h2>شبیه‌سازی</h2><p class=\"lead\">اثر ظرفیت سازندگان، ساعات دفاتر، \
پیامک و مهلت تحویل را پیش از اجرا ببینید: <a href=\"/admin/simulate\">اجرای یک سناریو</a></p></section>",
        median = days(lead.median_days),
        p90 = days(lead.p90_days),
        within = fa_pct(lead.within_aim_pct),
        n = fa_count(lead.deliveries),
        lead_chart = super::chart::lead_times(&lead),
        unc_chart = super::chart::uncollected(&unc),
        waiting = fa_count(backlog.total.waiting),
        unc_n = fa_count(backlog.total.uncollected),
        reached = backlog
            .total
            .reached_pct
            .map(fa_pct)
            .unwrap_or_else(|| "—".into()),
        wait_median = days(backlog.total.median_days_to_delivery),
        backlog_chart = super::chart::backlog(&backlog.over_time),
        day = crate::web::html::fa_digits(&today.to_string().replace('-', "/")),
    );
    let body = format!(
        "<section class=\"card\"><h1>آمار کارت هوشمند ملی</h1>\
<p class=\"lead\">کاربر: <bdi>{user}</bdi></p>\
<form method=\"post\" action=\"/admin/logout\"><button type=\"submit\" class=\"secondary small\" id=\"logout\">خروج</button></form>\
<h2>{heading}</h2><div class=\"scroll\">{chart}</div>\
<p class=\"note\">پوشش: نسبت کارت‌های تحویل‌شده به جمعیت زندهٔ ۱۵ سال و بیشتر.</p></section>\
<section class=\"card\"><h2>به تفکیک استان</h2><div class=\"scroll\"><table class=\"history stats\">\
<thead><tr>{head}</tr></thead><tbody>{body_rows}</tbody></table></div></section>{cards_section}",
        user = escape(&staff.username),
        chart = funnel(&total),
    );
    html(StatusCode::OK, "آمار استان‌ها", &body)
}
