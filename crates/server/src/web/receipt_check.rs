//! `GET /r/{tracking_code}?t=…`: where a receipt's QR code leads. A bank clerk sees whether the receipt in front
//! of them is valid now (the card not yet delivered, the application not closed), with the last digits of the
//! national code to compare; nothing else. The tag stops anyone from walking through tracking codes.

use crate::state::AppState;
use crate::web::extract::{PagePath, PageQuery};
use crate::web::form::respond;
use crate::web::html::{fa_digits, html};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use domain::{ApplicationState, TrackingCode};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Tag {
    pub t: String,
}

pub async fn show(
    State(state): State<AppState>,
    PagePath(code): PagePath<String>,
    PageQuery(tag): PageQuery<Tag>,
) -> Response {
    let invalid = |why: &str| {
        let body = html! {
            section.card #receipt-check {
                h1 { "رسید معتبر نیست" }
                p.lead #verdict data-valid="false" { (why) }
            }
        };
        respond(StatusCode::NOT_FOUND, "بررسی رسید", body)
    };
    let Ok(tracking) = TrackingCode::parse(&code) else {
        return invalid("این نشانی به رسیدی اشاره نمی‌کند.");
    };
    if !state
        .services
        .signer
        .receipt_tag_ok(tracking.as_str(), &tag.t)
    {
        return invalid("این نشانی به رسیدی اشاره نمی‌کند.");
    }
    let e = match state.store.enrollment(&tracking).await {
        Ok(Some(e)) => e,
        Ok(None) => return invalid("ثبت‌نامی با این رسید پیدا نشد."),
        Err(err) => {
            tracing::error!(error = %err, "receipt check failed");
            return respond(
                StatusCode::SERVICE_UNAVAILABLE,
                "بررسی رسید",
                html! { section.card { h1 { "سامانه موقتاً در دسترس نیست" } } },
            );
        }
    };
    // As for the banks' verification API: valid until the card is delivered or the application closed.
    if let Some(refused) = crate::cards::receipt::refusal(e.state).filter(|_| {
        !matches!(
            e.state,
            ApplicationState::ReadyForPickup | ApplicationState::Uncollected
        )
    }) {
        return invalid(&refused.detail.message);
    }
    if matches!(
        e.state,
        ApplicationState::ReadyForPickup | ApplicationState::Uncollected
    ) {
        let waiting = crate::cards::receipt::waiting_past_grace(&state, &tracking).await;
        if let Ok(Some(w)) = waiting {
            return invalid(&format!(
                "کارت دارندهٔ این رسید از {} در «{}» آمادهٔ تحویل است و این رسید از {} دیگر به جای کارت پذیرفته نمی‌شود؛ دارنده باید کارت را تحویل بگیرد.",
                fa_digits(&w.ready_since_jalali),
                w.office_name,
                fa_digits(&w.receipt_ended_jalali),
            ));
        }
    }
    let nc = &e.holder.national_code;
    let tail = &nc[nc.len().saturating_sub(4)..];
    let body = html! {
        section.card #receipt-check {
            h1 { "رسید معتبر است" }
            p.lead #verdict data-valid="true" { "این رسید ثبت‌نام کارت هوشمند ملی تا تحویل کارت معتبر است." }
            dl.facts {
                dt { "کد رهگیری" }
                dd dir="ltr" { (fa_digits(tracking.as_str())) }
                dt { "چهار رقم آخر کد ملی" }
                dd dir="ltr" { (fa_digits(tail)) }
                dt { "وضعیت" }
                dd { (e.state.fa()) }
            }
            p { "نام و عکس را با رسید کاغذی و شناسنامهٔ دارنده مقایسه کنید." }
        }
    };
    respond(StatusCode::OK, "بررسی رسید", body)
}
