//! The printable summary of an application (`GET /applications/{tc}/print`): what an applicant takes to the
//! office. Printing is the browser's own command; the page's print styles leave out navigation and forms.

use crate::state::AppState;
use crate::web::access::open;
use crate::web::application::{applicant_name, booking, tracking_fa};
use crate::web::dates;
use crate::web::extract::PagePath;
use crate::web::form::respond;
use crate::web::html::{fa_digits, html, rials_fa};
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
    let booked = booking(&state, &o.app).await;
    let name = applicant_name(&state, &o.app).await;
    let body = html! {
        p.no-print.print-hint #print-hint {
            "برای چاپ این برگه از فرمان چاپ مرورگر استفاده کنید (کلیدهای Ctrl+P). "
            a href={ "/applications/" (tc) } { "بازگشت به صفحهٔ درخواست" }
        }
        section.card.sheet {
            p.steps { "سازمان ثبت احوال کشور · سامانهٔ کارت هوشمند ملی" }
            h1 { "برگهٔ درخواست کارت هوشمند ملی" }
            div.tracking {
                p.label { "کد رهگیری" }
                p.code #tracking-code { (tracking_fa(tc)) }
            }
            dl.summary {
                dt { "نام و نام خانوادگی" }
                dd id="print-name" { (name) }
                dt { "کد ملی" }
                dd { bdi dir="ltr" { (fa_digits(o.app.national_code.as_str())) } }
                dt { "وضعیت" }
                dd id="print-state" { (o.app.state.fa()) " (از " (dates::day_fa(o.app.updated_at)) ")" }
                dt { "هزینه" }
                dd { (rials_fa(o.app.fee_rials)) }
                @match &booked {
                    Some(b) => {
                        dt { "دفتر" }
                        dd id="print-office" { bdi { (b.office.name) } " (" (b.office.kind.fa()) ")" }
                        dt { "نشانی دفتر" }
                        dd { bdi { (b.office.city) } "، " bdi { (b.office.address) } }
                        dt { "نوبت" }
                        dd id="print-appointment" { (b.date_fa) "، ساعت " (b.time_fa) }
                    }
                    None => {
                        dt { "نوبت" }
                        dd { "هنوز نوبتی گرفته نشده است" }
                    }
                }
                dt { "تاریخ ثبت‌نام" }
                dd { (dates::day_fa(o.app.created_at)) }
                dt { "تاریخ چاپ" }
                dd { (crate::state::today().format_fa()) }
            }
            p.note {
                "در روز نوبت، اصل شناسنامهٔ عکس‌دار و کارت ملی قدیمی (اگر دارید) را همراه بیاورید. این برگه جای کارت ملی را نمی‌گیرد."
            }
        }
    };
    respond(StatusCode::OK, "نسخهٔ چاپی", body)
}
