//! The application's page (`GET /applications/{tc}`): tracking code, applicant, stage, fee, the next step (pay,
//! book, the booked appointment with a cancel button, or the delivered card with its loss report) and the history; and its two actions,
//! `POST /applications/{tc}/pay` (to the bank) and `POST /applications/{tc}/appointment/cancel`.

use crate::journey::{book, pay};
use crate::state::AppState;
use crate::web::access::{open, Opened};
use crate::web::dates;
use crate::web::extract::{PagePath, PageQuery};
use crate::web::form::{html, see_other, Errors};
use crate::web::html::{escape, fa_digits, rials_fa};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::{ApplicationState, Office, PaymentState};
use serde::Deserialize;
use store::journey::Application;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Notices {
    /// Set by the payment callback: `pending`, `verified`, `settled`, `failed` or `reversed`.
    pub payment: String,
    /// Set by this module's actions: `booked` or `cancelled`.
    pub notice: String,
}

/// A booked appointment as the pages show it.
pub struct Booking {
    pub office: Office,
    pub date_fa: String,
    pub time_fa: String,
}

/// The appointment of `app`, with its office, when one is booked.
pub async fn booking(state: &AppState, app: &Application) -> Option<Booking> {
    let a = app.appointment.as_ref()?;
    let office = match state.store.office(&a.office_id).await {
        Ok(o) => o?,
        Err(e) => {
            tracing::error!(error = %e, "application page: office lookup failed");
            return None;
        }
    };
    Some(Booking {
        time_fa: fa_digits(&book::slot_time(state, a.slot, office.daily_capacity)),
        date_fa: dates::with_weekday(a.date),
        office,
    })
}

/// The applicant's name from the registry (empty when it cannot be read).
pub async fn applicant_name(state: &AppState, app: &Application) -> String {
    match state.store.person(&app.national_code).await {
        Ok(Some(p)) => format!("{} {}", p.first_name, p.last_name),
        _ => String::new(),
    }
}

/// The twelve digits in groups of four, Persian digits, kept left to right.
pub fn tracking_fa(tc: &str) -> String {
    let groups: Vec<String> = tc
        .as_bytes()
        .chunks(4)
        .map(|c| fa_digits(&String::from_utf8_lossy(c)))
        .collect();
    format!("<bdi dir=\"ltr\">{}</bdi>", groups.join(" "))
}

pub async fn show(
    State(state): State<AppState>,
    PagePath(tc): PagePath<String>,
    PageQuery(q): PageQuery<Notices>,
    headers: HeaderMap,
) -> Response {
    match open(&state, &headers, &tc).await {
        Ok(o) => render(&state, &o, &q, &Errors::default(), StatusCode::OK).await,
        Err(res) => res,
    }
}

pub async fn pay(
    State(state): State<AppState>,
    PagePath(tc): PagePath<String>,
    headers: HeaderMap,
) -> Response {
    let o = match open(&state, &headers, &tc).await {
        Ok(o) => o,
        Err(res) => return res,
    };
    match pay::start(&state, &o.tracking).await {
        Ok(started) => see_other(&started.redirect_url, None),
        Err(e) => {
            let mut errors = Errors::default();
            errors.api(&e, &[]);
            render(&state, &o, &Notices::default(), &errors, e.status).await
        }
    }
}

pub async fn cancel(
    State(state): State<AppState>,
    PagePath(tc): PagePath<String>,
    headers: HeaderMap,
) -> Response {
    let o = match open(&state, &headers, &tc).await {
        Ok(o) => o,
        Err(res) => return res,
    };
    match book::cancel(&state, &o.tracking, "citizen").await {
        Ok(_) => see_other(
            &format!("/applications/{}?notice=cancelled", o.tracking.as_str()),
            None,
        ),
        Err(e) => {
            let mut errors = Errors::default();
            errors.api(&e, &[]);
            render(&state, &o, &Notices::default(), &errors, e.status).await
        }
    }
}

fn flash(q: &Notices) -> String {
    let (ok, text) = match (q.payment.as_str(), q.notice.as_str()) {
        ("settled" | "verified", _) => (true, "پرداخت با موفقیت انجام شد"),
        ("failed", _) => (false, "پرداخت انجام نشد؛ دوباره تلاش کنید"),
        ("reversed", _) => (
            false,
            "این پرداخت برای درخواست پذیرفته نشد و مبلغ به حساب شما بازگردانده می‌شود",
        ),
        ("pending", _) => (
            false,
            "نتیجهٔ پرداخت هنوز از بانک نرسیده است؛ چند دقیقهٔ دیگر این صفحه را دوباره باز کنید",
        ),
        (_, "booked") => (true, "نوبت شما ثبت شد"),
        (_, "cancelled") => (true, "نوبت شما لغو شد؛ می‌توانید نوبت تازه‌ای بگیرید"),
        (_, "moved") => (
            true,
            "دفتر تحویل کارت تغییر کرد؛ وقتی کارت به دفتر تازه برسد پیامک می‌گیرید",
        ),
        (_, "suspended") => (
            true,
            "کارت شما معلق شد و دیگر برای استعلام پذیرفته نمی‌شود؛ پیامکی با همین خبر برایتان فرستادیم",
        ),
        _ => return String::new(),
    };
    let class = if ok { "flash ok" } else { "flash fail" };
    format!("<p class=\"{class}\" id=\"flash\" role=\"status\">{text}</p>")
}

async fn next_step(state: &AppState, o: &Opened) -> String {
    let tc = o.tracking.as_str();
    match o.app.state {
        ApplicationState::AwaitingPayment => format!(
            r#"<section class="card next"><h2>گام بعد: پرداخت هزینه</h2>
<p>هزینهٔ صدور کارت، {fee}، را با کارت بانکی عضو شتاب بپردازید. پس از پرداخت به همین صفحه بازمی‌گردید.</p>
<form method="post" action="/applications/{tc}/pay" id="pay-form">
<button type="submit" class="primary" id="pay-button">پرداخت هزینه</button>
</form></section>"#,
            fee = rials_fa(o.app.fee_rials),
        ),
        ApplicationState::AwaitingAppointment => format!(
            r#"<section class="card next"><h2>گام بعد: گرفتن نوبت</h2>
<p>دفتری نزدیک خود و روزی را برای ثبت اثر انگشت و عکس انتخاب کنید.</p>
<p><a class="button primary" href="/applications/{tc}/appointment" id="appointment-link">گرفتن نوبت</a></p>
</section>"#
        ),
        ApplicationState::AppointmentBooked => {
            let Some(b) = booking(state, &o.app).await else {
                return String::new();
            };
            format!(
                r#"<section class="card next"><h2>نوبت شما</h2>
<dl class="summary" id="appointment">
<dt>دفتر</dt><dd id="office-name"><bdi>{name}</bdi> <span class="muted">({kind})</span></dd>
<dt>نشانی</dt><dd id="office-address"><bdi>{city}</bdi>، <bdi>{address}</bdi></dd>
<dt>روز</dt><dd id="appointment-date">{date}</dd>
<dt>ساعت</dt><dd id="appointment-time">{time}</dd>
</dl>
<p class="note">اصل شناسنامهٔ عکس‌دار و کارت ملی قدیمی (اگر دارید) را همراه بیاورید.</p>
<form method="post" action="/applications/{tc}/appointment/cancel" id="cancel-form">
<button type="submit" class="secondary" id="cancel-button">لغو نوبت</button>
</form></section>"#,
                name = escape(&b.office.name),
                kind = b.office.kind.fa(),
                city = escape(&b.office.city),
                address = escape(&b.office.address),
                date = b.date_fa,
                time = b.time_fa,
            )
        }
        ApplicationState::Delivered => crate::suspension::pages::card_section(state, o).await,
        s if crate::web::destination::movable(s) => format!(
            r#"<section class="card next" id="destination-box"><h2>دفتر تحویل کارت</h2>
<p>اگر جای دیگری زندگی می‌کنید یا دفتر دیگری برایتان آسان‌تر است، دفتر تحویل را تغییر دهید.</p>
<p><a class="button" href="/applications/{tc}/office" id="destination-link">تغییر دفتر تحویل</a></p></section>"#
        ),
        _ => String::new(),
    }
}

async fn history(state: &AppState, o: &Opened) -> String {
    let rows: String = match state.store.history(&o.tracking).await {
        Ok(h) => h
            .iter()
            .map(|e| {
                // A row that did not move the state (a suspension, say) is shown by what it records.
                let what = match e.event {
                    domain::HistoryEvent::Note(_) => e.event.fa(),
                    _ => e.to.fa(),
                };
                format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                    dates::day_fa(e.at),
                    dates::time_fa(e.at),
                    what
                )
            })
            .collect(),
        Err(e) => {
            tracing::error!(error = %e, "application page: history failed");
            String::new()
        }
    };
    format!(
        r#"<section class="card"><h2>سابقهٔ درخواست</h2>
<table class="history" id="history"><thead><tr><th>تاریخ</th><th>ساعت</th><th>وضعیت</th></tr></thead>
<tbody>{rows}</tbody></table></section>"#
    )
}

/// What was paid: the bank's reference of the settled payment, when there is one.
async fn paid_ref(state: &AppState, o: &Opened) -> Option<String> {
    let payments = state.store.payments_of(&o.tracking).await.ok()?;
    payments
        .iter()
        .find(|p| p.state == PaymentState::Settled)
        .map(|p| p.bank_ref.clone().unwrap_or_default())
}

async fn render(
    state: &AppState,
    o: &Opened,
    q: &Notices,
    errors: &Errors,
    status: StatusCode,
) -> Response {
    let tc = o.tracking.as_str();
    let name = applicant_name(state, &o.app).await;
    let fee = match paid_ref(state, o).await {
        Some(r) if !r.is_empty() => format!(
            "{} <span class=\"muted\">(پرداخت شد؛ شمارهٔ مرجع بانک <bdi dir=\"ltr\">{}</bdi>)</span>",
            rials_fa(o.app.fee_rials),
            escape(&fa_digits(&r))
        ),
        Some(_) => format!("{} <span class=\"muted\">(پرداخت شد)</span>", rials_fa(o.app.fee_rials)),
        None => rials_fa(o.app.fee_rials),
    };
    let body = format!(
        r#"<section class="card">
<p class="steps">درخواست کارت هوشمند ملی</p>
<h1>{heading}</h1>
{flash}{top}
<div class="tracking">
<p class="label">کد رهگیری</p>
<p class="code" id="tracking-code">{tc_fa}</p>
<p class="hint">برای رونوشت: <span dir="ltr" id="tracking-code-ascii">{tc}</span> · این کد را نگه دارید؛ برای پیگیری لازم است.</p>
</div>
<dl class="summary">
<dt>متقاضی</dt><dd id="applicant">{name}</dd>
<dt>وضعیت</dt><dd id="state"><span class="badge">{state_fa}</span> <span class="muted">از {since}</span></dd>
<dt>هزینه</dt><dd id="fee">{fee}</dd>
</dl>
</section>
{next}
{history}
<p class="links"><a href="/applications/{tc}/print" id="print-link">نسخهٔ چاپی</a> · <a href="/applications/{tc}/verifications" id="verifications-link">استعلام‌های هویت شما</a> · <a href="/track">پیگیری درخواست دیگر</a></p>"#,
        heading = if name.is_empty() {
            "درخواست شما".to_string()
        } else {
            format!("درخواست {}", escape(&name))
        },
        flash = flash(q),
        top = errors.render_top(),
        tc_fa = tracking_fa(tc),
        name = escape(&name),
        state_fa = o.app.state.fa(),
        since = dates::day_fa(o.app.updated_at),
        next = next_step(state, o).await,
        history = history(state, o).await,
    );
    html(status, "درخواست شما", &body)
}
