//! The portal's home page (`GET /`): what the service is and where to start.

use crate::web::form::respond;
use crate::web::html::html;
use axum::http::StatusCode;
use axum::response::Response;

pub async fn home() -> Response {
    let body = html! {
        section.card.hero {
            h1 { "سامانهٔ کارت هوشمند ملی" }
            p.lead { "در این سامانه برای دریافت کارت هوشمند ملی ثبت‌نام می‌کنید، هزینهٔ آن را می‌پردازید، برای ثبت اثر انگشت و عکس در دفتری نزدیک خود نوبت می‌گیرید و وضعیت درخواست را تا تحویل کارت پیگیری می‌کنید." }
            div.actions {
                a.button.primary href="/register" #register-link { "ثبت‌نام کارت هوشمند ملی" }
                a.button href="/track" #track-link { "پیگیری وضعیت" }
            }
        }
        section.card {
            h2 { "مراحل دریافت کارت" }
            ol.steps-list {
                li { strong { "ثبت‌نام:" } " کد ملی، مشخصات شناسنامه، تاریخ تولد و شمارهٔ همراهی که به نام خودتان است." }
                li { strong { "پرداخت:" } " هزینهٔ صدور کارت را با کارت بانکی می‌پردازید و کد رهگیری می‌گیرید." }
                li { strong { "نوبت‌گیری:" } " دفتر پیشخوان، ادارهٔ پست یا ثبت احوال نزدیک خود و روز مراجعه را انتخاب می‌کنید." }
                li { strong { "مراجعه:" } " با اصل شناسنامه و کارت ملی قدیمی می‌روید تا عکس و اثر انگشت شما ثبت شود." }
                li { strong { "تحویل:" } " وقتی کارت آماده شد پیامک می‌گیرید و آن را با اثر انگشت تحویل می‌گیرید." }
            }
            p.note { "شرط ثبت‌نام: دست‌کم پانزده سال سن و شمارهٔ همراهی که به نام خود متقاضی ثبت شده باشد." }
        }
    };
    respond(StatusCode::OK, "کارت هوشمند ملی", body)
}
