//! The portal's home page (`GET /`): what the service is and where to start.

use crate::web::form::html;
use axum::http::StatusCode;
use axum::response::Response;

pub async fn home() -> Response {
    let body = r#"<section class="card hero">
<h1>سامانهٔ کارت هوشمند ملی</h1>
<p class="lead">در این سامانه برای دریافت کارت هوشمند ملی ثبت‌نام می‌کنید، هزینهٔ آن را می‌پردازید، برای ثبت اثر انگشت و عکس در دفتری نزدیک خود نوبت می‌گیرید و وضعیت درخواست را تا تحویل کارت پیگیری می‌کنید.</p>
<div class="actions">
<a class="button primary" href="/register" id="register-link">ثبت‌نام کارت هوشمند ملی</a>
<a class="button" href="/track" id="track-link">پیگیری وضعیت</a>
</div>
</section>
<section class="card">
<h2>مراحل دریافت کارت</h2>
<ol class="steps-list">
<li><strong>ثبت‌نام:</strong> کد ملی، مشخصات شناسنامه، تاریخ تولد و شمارهٔ همراهی که به نام خودتان است.</li>
<li><strong>پرداخت:</strong> هزینهٔ صدور کارت را با کارت بانکی می‌پردازید و کد رهگیری می‌گیرید.</li>
<li><strong>نوبت‌گیری:</strong> دفتر پیشخوان، ادارهٔ پست یا ثبت احوال نزدیک خود و روز مراجعه را انتخاب می‌کنید.</li>
<li><strong>مراجعه:</strong> با اصل شناسنامه و کارت ملی قدیمی می‌روید تا عکس و اثر انگشت شما ثبت شود.</li>
<li><strong>تحویل:</strong> وقتی کارت آماده شد پیامک می‌گیرید و آن را با اثر انگشت تحویل می‌گیرید.</li>
</ol>
<p class="note">شرط ثبت‌نام: دست‌کم پانزده سال سن و شمارهٔ همراهی که به نام خود متقاضی ثبت شده باشد.</p>
</section>"#;
    html(StatusCode::OK, "کارت هوشمند ملی", body)
}
