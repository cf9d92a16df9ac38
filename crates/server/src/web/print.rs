//! The printable summary of an application (`GET /applications/{tc}/print`): what an applicant takes to the
//! office. Printing is the browser's own command; the page's print styles leave out navigation and forms.

use crate::state::AppState;
use crate::web::access::open;
use crate::web::application::{applicant_name, booking, tracking_fa};
use crate::web::dates;
use crate::web::extract::PagePath;
use crate::web::form::html;
use crate::web::html::{escape, fa_digits, rials_fa};
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
    let tc = o.tracking.as_str();
    let appointment = match booking(&state, &o.app).await {
        Some(b) => format!(
            r#"<dt>دفتر</dt><dd id="print-office"><bdi>{name}</bdi> ({kind})</dd>
<dt>نشانی دفتر</dt><dd><bdi>{city}</bdi>، <bdi>{address}</bdi></dd>
<dt>نوبت</dt><dd id="print-appointment">{date}، ساعت {time}</dd>"#,
            name = escape(&b.office.name),
            kind = b.office.kind.fa(),
            city = escape(&b.office.city),
            address = escape(&b.office.address),
            date = b.date_fa,
            time = b.time_fa,
        ),
        None => "<dt>نوبت</dt><dd>هنوز نوبتی گرفته نشده است</dd>".into(),
    };
    let body = format!(
        r#"<p class="no-print print-hint" id="print-hint">برای چاپ این برگه از فرمان چاپ مرورگر استفاده کنید (کلیدهای Ctrl+P). <a href="/applications/{tc}">بازگشت به صفحهٔ درخواست</a></p>
<section class="card sheet">
<p class="steps">سازمان ثبت احوال کشور · سامانهٔ کارت هوشمند ملی</p>
<h1>برگهٔ درخواست کارت هوشمند ملی</h1>
<div class="tracking">
<p class="label">کد رهگیری</p>
<p class="code" id="tracking-code">{tc_fa}</p>
</div>
<dl class="summary">
<dt>نام و نام خانوادگی</dt><dd id="print-name">{name}</dd>
<dt>کد ملی</dt><dd><bdi dir="ltr">{nc}</bdi></dd>
<dt>وضعیت</dt><dd id="print-state">{state_fa} (از {since})</dd>
<dt>هزینه</dt><dd>{fee}</dd>
{appointment}
<dt>تاریخ ثبت‌نام</dt><dd>{created}</dd>
<dt>تاریخ چاپ</dt><dd>{printed}</dd>
</dl>
<p class="note">در روز نوبت، اصل شناسنامهٔ عکس‌دار و کارت ملی قدیمی (اگر دارید) را همراه بیاورید. این برگه جای کارت ملی را نمی‌گیرد.</p>
</section>"#,
        tc_fa = tracking_fa(tc),
        name = escape(&applicant_name(&state, &o.app).await),
        nc = fa_digits(o.app.national_code.as_str()),
        state_fa = o.app.state.fa(),
        since = dates::day_fa(o.app.updated_at),
        fee = rials_fa(o.app.fee_rials),
        created = dates::day_fa(o.app.created_at),
        printed = crate::state::today().format_fa(),
    );
    html(StatusCode::OK, "نسخهٔ چاپی", &body)
}
