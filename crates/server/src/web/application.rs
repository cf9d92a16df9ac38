//! The application's page (`GET /applications/{tc}`): tracking code, applicant, stage, fee, the next step (pay,
//! book, the booked appointment with a cancel button, or the delivered card with its loss report) and the history; and its two actions,
//! `POST /applications/{tc}/pay` (to the bank) and `POST /applications/{tc}/appointment/cancel`.

use crate::state::AppState;
use crate::web::access::{open, Opened};
use crate::web::dates;
use crate::web::extract::{PagePath, PageQuery};
use crate::web::form::{respond, see_other, Errors};
use crate::web::html::{fa_digits, html, rials_fa, Markup};
use crate::{appointments as book, payment as pay};
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
pub fn tracking_fa(tc: &str) -> Markup {
    let groups: Vec<String> = tc
        .as_bytes()
        .chunks(4)
        .map(|c| fa_digits(&String::from_utf8_lossy(c)))
        .collect();
    html! { bdi dir="ltr" { (groups.join(" ")) } }
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

fn flash(q: &Notices) -> Markup {
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
        _ => return html! {},
    };
    let class = if ok { "flash ok" } else { "flash fail" };
    html! { p class=(class) id="flash" role="status" { (text) } }
}

async fn next_step(state: &AppState, o: &Opened) -> Markup {
    let tc = o.tracking.as_str();
    match o.app.state {
        ApplicationState::AwaitingPayment => html! {
            section.card.next {
                h2 { "گام بعد: پرداخت هزینه" }
                p {
                    "هزینهٔ صدور کارت، " (rials_fa(o.app.fee_rials))
                    "، را با کارت بانکی عضو شتاب بپردازید. پس از پرداخت به همین صفحه بازمی‌گردید."
                }
                form method="post" action={ "/applications/" (tc) "/pay" } id="pay-form" {
                    button type="submit" class="primary" id="pay-button" { "پرداخت هزینه" }
                }
            }
        },
        ApplicationState::AwaitingAppointment => html! {
            section.card.next {
                h2 { "گام بعد: گرفتن نوبت" }
                p { "دفتری نزدیک خود و روزی را برای ثبت اثر انگشت و عکس انتخاب کنید." }
                p {
                    a.button.primary href={ "/applications/" (tc) "/appointment" } id="appointment-link" {
                        "گرفتن نوبت"
                    }
                }
            }
        },
        ApplicationState::AppointmentBooked => {
            let Some(b) = booking(state, &o.app).await else {
                return html! {};
            };
            html! {
                section.card.next {
                    h2 { "نوبت شما" }
                    dl.summary #appointment {
                        dt { "دفتر" }
                        dd id="office-name" {
                            bdi { (b.office.name) } " " span.muted { "(" (b.office.kind.fa()) ")" }
                        }
                        dt { "نشانی" }
                        dd id="office-address" { bdi { (b.office.city) } "، " bdi { (b.office.address) } }
                        dt { "روز" }
                        dd id="appointment-date" { (b.date_fa) }
                        dt { "ساعت" }
                        dd id="appointment-time" { (b.time_fa) }
                    }
                    p.note { "اصل شناسنامهٔ عکس‌دار و کارت ملی قدیمی (اگر دارید) را همراه بیاورید." }
                    form method="post" action={ "/applications/" (tc) "/appointment/cancel" } id="cancel-form" {
                        button type="submit" class="secondary" id="cancel-button" { "لغو نوبت" }
                    }
                }
            }
        }
        ApplicationState::Delivered => crate::suspension::pages::card_box(state, o).await,
        s if crate::transfer::destination::movable(s) => html! {
            section.card.next #destination-box {
                h2 { "دفتر تحویل کارت" }
                p { "اگر جای دیگری زندگی می‌کنید یا دفتر دیگری برایتان آسان‌تر است، دفتر تحویل را تغییر دهید." }
                p {
                    a.button href={ "/applications/" (tc) "/office" } id="destination-link" { "تغییر دفتر تحویل" }
                }
            }
        },
        _ => html! {},
    }
}

async fn history(state: &AppState, o: &Opened) -> Markup {
    let events = match state.store.history(&o.tracking).await {
        Ok(h) => h,
        Err(e) => {
            tracing::error!(error = %e, "application page: history failed");
            Vec::new()
        }
    };
    html! {
        section.card {
            h2 { "سابقهٔ درخواست" }
            table.history #history {
                thead { tr { th { "تاریخ" } th { "ساعت" } th { "وضعیت" } } }
                tbody {
                    @for e in &events {
                        tr {
                            td { (dates::day_fa(e.at)) }
                            td { (dates::time_fa(e.at)) }
                            // A row that did not move the state (a suspension, say) is shown by what it records.
                            td {
                                @match e.event {
                                    domain::HistoryEvent::Note(_) => (e.event.fa()),
                                    _ => (e.to.fa()),
                                }
                            }
                        }
                    }
                }
            }
        }
    }
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
    let paid = paid_ref(state, o).await;
    let next = next_step(state, o).await;
    let history = history(state, o).await;
    let body = html! {
        section.card {
            p.steps { "درخواست کارت هوشمند ملی" }
            h1 {
                @if name.is_empty() { "درخواست شما" } @else { "درخواست " (name) }
            }
            (flash(q))
            (errors.top_box())
            div.tracking {
                p.label { "کد رهگیری" }
                p.code #tracking-code { (tracking_fa(tc)) }
                p.hint {
                    "برای رونوشت: " span dir="ltr" id="tracking-code-ascii" { (tc) }
                    " · این کد را نگه دارید؛ برای پیگیری لازم است."
                }
            }
            dl.summary {
                dt { "متقاضی" }
                dd id="applicant" { (name) }
                dt { "وضعیت" }
                dd id="state" {
                    span.badge { (o.app.state.fa()) } " " span.muted { "از " (dates::day_fa(o.app.updated_at)) }
                }
                dt { "هزینه" }
                dd id="fee" {
                    (rials_fa(o.app.fee_rials))
                    @match &paid {
                        Some(r) if !r.is_empty() => {
                            " " span.muted { "(پرداخت شد؛ شمارهٔ مرجع بانک " bdi dir="ltr" { (fa_digits(r)) } ")" }
                        }
                        Some(_) => { " " span.muted { "(پرداخت شد)" } }
                        None => {}
                    }
                }
            }
        }
        (next)
        (history)
        p.links {
            a href={ "/applications/" (tc) "/print" } id="print-link" { "نسخهٔ چاپی" }
            " · "
            a href={ "/applications/" (tc) "/verifications" } id="verifications-link" { "استعلام‌های هویت شما" }
            " · "
            a href="/track" { "پیگیری درخواست دیگر" }
        }
    };
    respond(status, "درخواست شما", body)
}
