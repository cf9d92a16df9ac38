//! `GET /applications/{tc}/verifications`: which banks and agencies verified the person, when, for what, and
//! whether it matched, as the verification audit recorded it. Behind the citizen cookie like every page of an
//! application.

use crate::state::AppState;
use crate::web::access::open;
use crate::web::dates::{day_fa, time_fa};
use crate::web::extract::PagePath;
use crate::web::form::respond;
use crate::web::html::{fa_digits, html};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

pub async fn show(
    State(state): State<AppState>,
    PagePath(tc): PagePath<String>,
    headers: HeaderMap,
) -> Response {
    let o = match open(&state, &headers, &tc).await {
        Ok(o) => o,
        Err(res) => return res,
    };
    let seen = match state
        .store
        .verifications_of(&o.app.national_code, 200)
        .await
    {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(error = %e, "verifications page: store failure");
            return crate::web::form::message_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "خطای سامانه",
                "خطای داخلی سامانه؛ لطفاً کمی بعد دوباره تلاش کنید.",
            );
        }
    };
    let tc = o.tracking.as_str();
    let body = html! {
        section.card {
            h1 { "استعلام‌های هویت شما" }
            p.note {
                "بانک‌ها و سازمان‌ها فقط پاسخ «بله» یا «خیر» می‌گیرند؛ هیچ اطلاعات شخصی‌ای به آن‌ها داده نمی‌شود. "
                (fa_digits(&seen.len().to_string())) " استعلام ثبت شده است."
            }
            @if seen.is_empty() {
                p id="no-verifications" { "تاکنون هیچ بانک یا سازمانی هویت شما را استعلام نکرده است." }
            } @else {
                table.history #verifications {
                    thead { tr { th { "تاریخ" } th { "ساعت" } th { "سازمان" } th { "منظور" } th { "نتیجه" } } }
                    tbody {
                        @for v in &seen {
                            tr {
                                td { (day_fa(v.at)) }
                                td { (time_fa(v.at)) }
                                td { (v.agency) }
                                td { (v.purpose) }
                                td { @if v.matched { "تأیید شد" } @else { "تأیید نشد" } }
                            }
                        }
                    }
                }
            }
            p.links { a href={ "/applications/" (tc) } { "بازگشت به صفحهٔ درخواست" } }
        }
    };
    respond(StatusCode::OK, "استعلام‌های هویت", body)
}
