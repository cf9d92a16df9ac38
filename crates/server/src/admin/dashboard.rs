//! `GET /admin/stats`: the statistics page (Persian, right to left, no JavaScript): the national funnel as an
//! SVG chart, and a table per province. Without a staff cookie it sends the visitor to `/admin/login`.

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
    let body = format!(
        "<section class=\"card\"><h1>آمار کارت هوشمند ملی</h1>\
<p class=\"lead\">کاربر: <bdi>{user}</bdi></p>\
<h2>{heading}</h2><div class=\"scroll\">{chart}</div>\
<p class=\"note\">پوشش: نسبت کارت‌های تحویل‌شده به جمعیت زندهٔ ۱۵ سال و بیشتر.</p></section>\
<section class=\"card\"><h2>به تفکیک استان</h2><div class=\"scroll\"><table class=\"history stats\">\
<thead><tr>{head}</tr></thead><tbody>{body_rows}</tbody></table></div></section>",
        user = escape(&staff.username),
        chart = funnel(&total),
    );
    html(StatusCode::OK, "آمار استان‌ها", &body)
}
