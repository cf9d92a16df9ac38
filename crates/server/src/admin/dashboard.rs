//! `GET /admin/stats`: the statistics page (Persian, right to left, no JavaScript): the national funnel as an
//! SVG chart, and a table per province, with a logout button. Without a staff cookie it sends the visitor to
//! `/admin/login`.

use super::chart::{fa_count, fa_pct, funnel};
use super::figures::{self, Figures, Scope};
use super::login;
use crate::state::AppState;
use crate::web::form::{message_page, respond, see_other};
use crate::web::html::{column_heads, fa_digits, html, Markup};
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

/// A table row's cells: the place's name, then its figures.
fn cells(name: &str, f: &Figures) -> Markup {
    html! {
        th scope="row" { (name) }
        @for n in [
            f.eligible,
            f.applied,
            f.enrolled,
            f.in_production,
            f.ready_for_pickup,
            f.delivered,
            f.uncollected,
        ] {
            td { (fa_count(n)) }
        }
        td { (fa_pct(f.coverage_pct)) }
    }
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
    let today = crate::state::today();
    let (lead, unc, load, backlog, units) = match (
        super::cards::lead_times_in(&state, scope).await,
        super::cards::uncollected_in(&state, scope).await,
        super::cards::office_load_in(&state, scope, today, 10).await,
        crate::backlog::figures::compute(&state, scope).await,
        crate::visits::stats::compute(&state, scope).await,
    ) {
        (Ok(a), Ok(b), Ok(c), Ok(d), Ok(e)) => (a, b, c, d, e),
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
    let reached = backlog
        .total
        .reached_pct
        .map(fa_pct)
        .unwrap_or_else(|| "—".into());
    let day = fa_digits(&today.to_string().replace('-', "/"));
    let body = html! {
        section.card {
            h1 { "آمار کارت هوشمند ملی" }
            p.lead { "کاربر: " bdi { (staff.username) } }
            form method="post" action="/admin/logout" {
                button type="submit" class="secondary small" id="logout" { "خروج" }
            }
            h2 { (heading) }
            div.scroll { (funnel(&total)) }
            p.note { "پوشش: نسبت کارت‌های تحویل‌شده به جمعیت زندهٔ ۱۵ سال و بیشتر." }
        }
        section.card {
            h2 { "به تفکیک استان" }
            div.scroll {
                table class="history stats" {
                    (column_heads(&COLUMNS))
                    tbody {
                        @for (p, f) in &rows { tr { (cells(p.name_fa, f)) } }
                        @if scope == Scope::All { tr { (cells("کل کشور", &total)) } }
                    }
                }
            }
        }
        section.card id="lead-times" {
            h2 { "فاصلهٔ درخواست تا تحویل" }
            p.lead {
                "میانه: " strong { (days(lead.median_days)) }
                " · صدک نودم: " strong { (days(lead.p90_days)) }
                " · تحویل در کمتر از یک ماه: " strong { (fa_pct(lead.within_aim_pct)) }
                " از " (fa_count(lead.deliveries)) " کارت (هدف: یک ماه)"
            }
            div.scroll { (super::chart::lead_times(&lead)) }
        }
        section.card id="uncollected" {
            h2 { "کارت‌های تحویل‌نگرفته" }
            div.scroll { (super::chart::uncollected(&unc)) }
            div.scroll {
                table class="history stats" {
                    thead {
                        tr {
                            th scope="col" { "علت" }
                            @for a in store::stats::AgeBucket::ALL { th scope="col" { (a.fa()) } }
                            th scope="col" { "جمع" }
                        }
                    }
                    tbody {
                        @for r in domain::UncollectedReason::ALL {
                            tr {
                                th scope="row" { (r.fa()) }
                                @for a in store::stats::AgeBucket::ALL {
                                    td { (fa_count(unc.count(Some(r), Some(a)))) }
                                }
                                td { (fa_count(unc.count(Some(r), None))) }
                            }
                        }
                    }
                }
            }
        }
        section.card id="backlog" {
            h2 { "کارت‌های منتظر در دفترها" }
            p.lead {
                "منتظر: " strong { (fa_count(backlog.total.waiting)) }
                " · تحویل‌نگرفته پس از مهلت: " strong { (fa_count(backlog.total.uncollected)) }
                " · پیامک به دارنده رسید: " strong { (reached) }
                " · میانهٔ انتظار در دفتر تا تحویل: " strong { (days(backlog.total.median_days_to_delivery)) }
            }
            div.scroll { (super::chart::backlog(&backlog.over_time)) }
            p.note {
                "آبی: کارت‌های منتظر؛ قرمز: تحویل‌نگرفته‌ها. "
                a href="/admin/backlog" id="backlog-link" { "فهرست به تفکیک دفتر، علت و مدت؛ پویش پیامکی" }
            }
        }
        section.card id="mobile-units" {
            h2 { "واحدهای سیار، به تفکیک نوع مؤسسه" }
            (crate::visits::stats::table(&units))
            p.note {
                a href="/admin/visits" id="visits-link" { "بازدیدهای واحدهای سیار" }
            }
        }
        section.card id="office-load" {
            h2 { "پرکارترین دفترها، امروز " (day) }
            div.scroll {
                @if load.is_empty() {
                    p.note { "برای امروز نوبتی گرفته نشده است." }
                } @else {
                    (super::chart::office_load(&load))
                }
            }
        }
        section.card id="exports" {
            h2 { "خروجی CSV" }
            ul.exports {
                li { a href="/api/v1/stats/provinces?format=csv" { "آمار استان‌ها" } }
                li { a href="/api/v1/stats/national?format=csv" { "آمار کل" } }
                li { a href="/api/v1/stats/lead-times?format=csv" { "فاصلهٔ درخواست تا تحویل" } }
                li { a href="/api/v1/stats/uncollected?format=csv" { "کارت‌های تحویل‌نگرفته" } }
                li { a href="/api/v1/stats/offices/load?format=csv" { "بار دفترها" } }
                li { a href="/api/v1/backlog/figures?format=csv" { "کارت‌های منتظر به تفکیک دفتر" } }
                li { a href="/api/v1/stats/units" { "واحدهای سیار (JSON)" } }
            }
        }
        section.card id="simulation" {
            h2 { "شبیه‌سازی" }
            p.lead {
                "اثر ظرفیت سازندگان، ساعات دفاتر، پیامک و مهلت تحویل را پیش از اجرا ببینید: "
                a href="/admin/simulate" { "اجرای یک سناریو" }
            }
        }
    };
    respond(StatusCode::OK, "آمار استان‌ها", body)
}
