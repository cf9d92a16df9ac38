//! `GET /applications/{tc}/verifications`: which banks and agencies verified the person, when, for what, and
//! whether it matched, as the verification audit recorded it. Behind the citizen cookie like every page of an
//! application.

use crate::state::AppState;
use crate::web::access::open;
use crate::web::dates::{day_fa, time_fa};
use crate::web::extract::PagePath;
use crate::web::form::html;
use crate::web::html::{escape, fa_digits};
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
    let rows: String = seen
        .iter()
        .map(|v| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                day_fa(v.at),
                time_fa(v.at),
                escape(&v.agency),
                escape(&v.purpose),
                if v.matched {
                    "تأیید شد"
                } else {
                    "تأیید نشد"
                },
            )
        })
        .collect();
    let table = if seen.is_empty() {
        "<p id=\"no-verifications\">تاکنون هیچ بانک یا سازمانی هویت شما را استعلام نکرده است.</p>"
            .to_string()
    } else {
        format!(
            "<table class=\"history\" id=\"verifications\"><thead><tr><th>تاریخ</th><th>ساعت</th><th>سازمان</th>\
             <th>منظور</th><th>نتیجه</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    };
    let body = format!(
        r#"<section class="card">
<h1>استعلام‌های هویت شما</h1>
<p class="note">بانک‌ها و سازمان‌ها فقط پاسخ «بله» یا «خیر» می‌گیرند؛ هیچ اطلاعات شخصی‌ای به آن‌ها داده نمی‌شود. {count} استعلام ثبت شده است.</p>
{table}
<p class="links"><a href="/applications/{tc}">بازگشت به صفحهٔ درخواست</a></p>
</section>"#,
        count = fa_digits(&seen.len().to_string()),
        tc = o.tracking.as_str(),
    );
    html(StatusCode::OK, "استعلام‌های هویت", &body)
}
