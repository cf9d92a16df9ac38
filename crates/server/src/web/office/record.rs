//! `GET /office/applications/{tracking_code}`: an application's record as its offices see it (the shared
//! `crate::office::records::record`): state, offices, card, messages, pickup attempts and the whole history in
//! Tehran's Solar Hijri time. With the form that sends the card to the operator's own office for a holder who
//! moved and is at the desk ([`super::transfer`]): it is offered even when the record belongs to other offices,
//! whose record stays closed (403) until the holder's finger has matched.

use super::transfer::{self, TransferForm};
use super::{desk, failure, finger_fa, flash, respond, rfc3339_fa, tc_fa, Desk};
use crate::error::ApiError;
use crate::office::records::{record, ApplicationRecord};
use crate::state::AppState;
use crate::web::extract::{PagePath, PageQuery};
use crate::web::form::Errors;
use crate::web::html::{escape, fa_digits};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::{
    ApplicationState, DedupStatus, HistoryEvent, HistoryReason, OfficeId, Reason, TrackingCode,
    UncollectedReason,
};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Flash {
    /// `shipped` or `redirected` after a transfer.
    pub transferred: String,
}

fn state_fa(s: &str) -> String {
    ApplicationState::parse(s)
        .map(|s| s.fa().to_string())
        .unwrap_or_else(|| escape(s))
}

/// An event of the history in Persian (`domain::HistoryEvent`'s label; a name no version of the service wrote
/// is shown as written).
pub fn event_fa(e: &str) -> String {
    HistoryEvent::parse(e).map_or_else(|| escape(e), |e| e.fa().to_string())
}

/// A history row's reason (`domain::HistoryReason`): the service's own reasons in Persian, anything else (a
/// supervisor's note, a manufacturer's fault) as written, isolated so that its direction does not upset the
/// row.
pub fn reason_fa(reason: &str) -> String {
    let parsed = HistoryReason::parse(reason);
    if let Some(fa) = parsed.fa() {
        return escape(&fa);
    }
    match parsed {
        HistoryReason::FingerMatched(p) => format!("تطبیق {}", finger_fa(p)),
        HistoryReason::Booking { office, day, slot } => format!(
            "<bdi>{}</bdi> · {} · نوبت {}",
            escape(office.as_str()),
            day.format_fa(),
            fa_digits(&slot.to_string())
        ),
        _ => format!("<bdi dir=\"auto\">{}</bdi>", escape(reason)),
    }
}

pub fn actor_fa(actor: &str) -> String {
    let (kind, who) = actor.split_once(':').unwrap_or((actor, ""));
    let kind_fa = match kind {
        "operator" => "متصدی",
        "supervisor" => "سرپرست",
        "citizen" => "متقاضی",
        "system" => "سامانه",
        "vendor" => "سازندهٔ کارت",
        "bank" | "gateway" => "بانک",
        "registry" => "ثبت احوال",
        _ => return format!("<bdi>{}</bdi>", escape(actor)),
    };
    if who.is_empty() {
        kind_fa.to_string()
    } else {
        format!("{kind_fa} <bdi class=\"muted\">{}</bdi>", escape(who))
    }
}

fn sms_kind_fa(kind: &str) -> &'static str {
    if kind.starts_with("ready") {
        "آماده بودن کارت"
    } else if kind.starts_with("reminder") {
        "یادآوری تحویل"
    } else if kind.starts_with("receipt_ending") {
        "پایان اعتبار رسید"
    } else if kind.starts_with("card_suspended") {
        "تعلیق کارت"
    } else if kind.starts_with("card_reactivated") {
        "فعال‌سازی دوبارهٔ کارت"
    } else if kind.starts_with("receipt") || kind.starts_with("filed") {
        "ثبت درخواست"
    } else {
        "پیامک"
    }
}

fn sms_state_fa(s: &str) -> &'static str {
    match s {
        "pending" => "در صف ارسال",
        "sent" => "فرستاده شد",
        "delivered" => "رسید",
        "failed" => "ناموفق",
        _ => "نامعلوم",
    }
}

fn card_status_fa(s: &str) -> &'static str {
    match s {
        "produced" => "ساخته‌شده",
        "active" => "فعال",
        "suspended" => "معلق (اعلام مفقودی)",
        "revoked" => "باطل",
        _ => "نامعلوم",
    }
}

async fn office_label(state: &AppState, id: Option<&str>) -> String {
    let Some(id) = id else {
        return "—".into();
    };
    let name = match OfficeId::parse(id) {
        Ok(o) => state.store.office(&o).await.ok().flatten().map(|o| o.name),
        Err(_) => None,
    };
    match name {
        Some(n) => format!("{} <bdi class=\"muted\">{}</bdi>", escape(&n), escape(id)),
        None => format!("<bdi>{}</bdi>", escape(id)),
    }
}

pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    PagePath(code): PagePath<String>,
    PageQuery(q): PageQuery<Flash>,
) -> Response {
    let desk = match desk(&state, &headers).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let tc = match TrackingCode::parse(&code) {
        Ok(t) => t,
        Err(e) => return failure(Some(&desk), &ApiError::validation(e)),
    };
    let done = match q.transferred.as_str() {
        "shipped" => flash(true, "کارت از دفتر فعلی به این دفتر فرستاده می‌شود."),
        "redirected" => flash(true, "کارت پس از صدور به این دفتر فرستاده می‌شود."),
        _ => String::new(),
    };
    render(
        &state,
        &desk,
        &tc,
        &done,
        &Errors::default(),
        &TransferForm::default(),
        None,
    )
    .await
}

/// The record page (or, for another office's application, the refusal with the transfer form); `errors` and
/// `form` are the transfer form's, `status` overrides 200 / 403.
pub async fn render(
    state: &AppState,
    desk: &Desk,
    tc: &TrackingCode,
    done: &str,
    errors: &Errors,
    form: &TransferForm,
    status: Option<StatusCode>,
) -> Response {
    let r = match record(state, &desk.staff, tc).await {
        Ok(r) => r,
        Err(e) if e.status == StatusCode::FORBIDDEN && e.detail.code == "forbidden" => {
            // Another office's work: no record, but the holder may ask for the card here.
            let body = format!(
                "<section class=\"card\"><h1>درخواست {code}</h1>\
<p class=\"error\" role=\"alert\">{msg}</p></section>{transfer}",
                code = tc_fa(tc.as_str()),
                msg = escape(&e.detail.message),
                transfer = transfer::section(tc.as_str(), desk, form, errors),
            );
            return respond(
                status.unwrap_or(StatusCode::FORBIDDEN),
                "پروندهٔ درخواست",
                Some(desk),
                &body,
            );
        }
        Err(e) => return failure(Some(desk), &e),
    };
    let body = page_body(state, desk, &r, done, errors, form).await;
    respond(
        status.unwrap_or(StatusCode::OK),
        "پروندهٔ درخواست",
        Some(desk),
        &body,
    )
}

async fn page_body(
    state: &AppState,
    desk: &Desk,
    r: &ApplicationRecord,
    done: &str,
    errors: &Errors,
    form: &TransferForm,
) -> String {
    let tc = r.tracking_code.as_str();
    let booked = office_label(state, r.booked_office_id.as_deref()).await;
    let enrolled = office_label(state, r.enrolled_office_id.as_deref()).await;
    let destination = office_label(state, r.destination_office_id.as_deref()).await;
    let reason = Reason::parse(&r.reason)
        .map(|x| x.fa().to_string())
        .unwrap_or_else(|_| escape(&r.reason));
    let dedup = r
        .dedup
        .as_deref()
        .and_then(DedupStatus::parse)
        .map(|d| d.fa())
        .unwrap_or("—");
    let chip = r
        .chip_serial
        .as_deref()
        .map(|s| format!("<bdi class=\"code\">{}</bdi>", escape(s)))
        .unwrap_or_else(|| "—".into());
    let card = r.card_status.as_deref().map(card_status_fa).unwrap_or("—");
    let uncollected = r
        .uncollected_reason
        .as_deref()
        .and_then(UncollectedReason::parse)
        .map(|u| format!("<dt>علت تحویل‌نگرفتن</dt><dd>{}</dd>", u.fa()))
        .unwrap_or_default();
    let sms_warning = if r.sms_failed {
        "<p class=\"notice\">پیامک‌ها به شمارهٔ همراه دارنده نمی‌رسد.</p>"
    } else {
        ""
    };
    let st = ApplicationState::parse(&r.state);
    let pickup_link = if matches!(
        st,
        Some(ApplicationState::ReadyForPickup | ApplicationState::Uncollected)
    ) {
        format!("<a class=\"button primary\" href=\"/office/pickup?tc={tc}\">تحویل کارت</a>")
    } else {
        String::new()
    };
    let enroll_link = if st == Some(ApplicationState::AppointmentBooked) {
        format!("<a class=\"button primary\" href=\"/office/enroll/{tc}\">ثبت‌نام</a>")
    } else {
        String::new()
    };
    let receipt_link = if r.enrolled_office_id.as_deref() == Some(desk.office.as_str())
        && crate::cards::receipt::refusal(st.unwrap_or(ApplicationState::Cancelled)).is_none()
    {
        format!("<a class=\"button\" href=\"/office/receipts/{tc}.pdf\">چاپ رسید (PDF)</a>")
    } else {
        String::new()
    };
    let history: String = r
        .history
        .iter()
        .map(|h| {
            let from = h.from_state.as_deref().map(state_fa).unwrap_or_else(|| "—".into());
            format!(
                "<tr><td class=\"when\">{at}</td><td>{actor}</td><td>{from} ← {to}</td><td>{event}</td><td>{reason}</td></tr>",
                at = rfc3339_fa(&h.at),
                actor = actor_fa(&h.actor),
                to = state_fa(&h.to_state),
                event = event_fa(&h.event),
                reason = h.reason.as_deref().map(reason_fa).unwrap_or_default(),
            )
        })
        .collect();
    let messages = if r.messages.is_empty() {
        "<p class=\"note\">پیامکی برای این درخواست فرستاده نشده است.</p>".to_string()
    } else {
        let rows: String = r
            .messages
            .iter()
            .map(|m| {
                format!(
                    "<tr><td class=\"when\">{}</td><td>{}</td><td dir=\"ltr\">{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                    rfc3339_fa(&m.created_at),
                    sms_kind_fa(&m.kind),
                    escape(&fa_digits(&m.to)),
                    sms_state_fa(&m.state),
                    fa_digits(&m.attempts.to_string()),
                    m.last_error.as_deref().map(escape).unwrap_or_default(),
                )
            })
            .collect();
        format!(
            "<div class=\"scroll\"><table class=\"history\" id=\"messages\"><thead><tr><th scope=\"col\">زمان</th>\
<th scope=\"col\">پیامک</th><th scope=\"col\">گیرنده</th><th scope=\"col\">وضعیت</th><th scope=\"col\">تلاش‌ها</th><th scope=\"col\">آخرین خطا</th>\
</tr></thead><tbody>{rows}</tbody></table></div>"
        )
    };
    let attempts = if r.pickup_attempts.is_empty() {
        "<p class=\"note\">تلاشی برای تحویل کارت ثبت نشده است.</p>".to_string()
    } else {
        let rows: String = r
            .pickup_attempts
            .iter()
            .map(|a| {
                format!(
                    "<tr><td class=\"when\">{}</td><td><bdi>{}</bdi></td><td>{}</td><td><span class=\"state {}\">{}</span></td></tr>",
                    rfc3339_fa(&a.at),
                    escape(&a.operator),
                    finger_fa(a.position),
                    if a.matched { "done" } else { "closed" },
                    if a.matched { "مطابقت داشت" } else { "مطابقت نداشت" },
                )
            })
            .collect();
        format!(
            "<div class=\"scroll\"><table class=\"history\" id=\"attempts\"><thead><tr><th scope=\"col\">زمان</th>\
<th scope=\"col\">متصدی</th><th scope=\"col\">انگشت</th><th scope=\"col\">نتیجه</th></tr></thead><tbody>{rows}</tbody></table></div>"
        )
    };
    let actions = [enroll_link, pickup_link, receipt_link].concat();
    let actions = if actions.is_empty() {
        String::new()
    } else {
        format!("<div class=\"actions\">{actions}</div>")
    };
    let can_transfer = matches!(
        st,
        Some(
            ApplicationState::Enrolled
                | ApplicationState::InProduction
                | ApplicationState::ProductionFailed
                | ApplicationState::Dispatched
                | ApplicationState::ReadyForPickup
                | ApplicationState::Uncollected
        )
    ) && r.destination_office_id.as_deref() != Some(desk.office.as_str());
    let transfer = if can_transfer || !errors.is_empty() {
        transfer::section(tc, desk, form, errors)
    } else {
        String::new()
    };
    format!(
        "<section class=\"card\"><h1>پروندهٔ درخواست {code}</h1>{done}{sms_warning}\
<dl class=\"summary\" id=\"record\"><dt>وضعیت</dt><dd><span class=\"badge\" id=\"state\">{state}</span></dd>\
<dt>علت درخواست</dt><dd>{reason}</dd>\
<dt>دفتر نوبت</dt><dd>{booked}</dd><dt>دفتر ثبت‌نام</dt><dd>{enrolled}</dd><dt>دفتر تحویل</dt><dd>{destination}</dd>\
<dt>بررسی تکرار اثر انگشت</dt><dd>{dedup}</dd><dt>سریال تراشه</dt><dd>{chip}</dd><dt>وضعیت کارت</dt><dd>{card}</dd>{uncollected}</dl>\
{actions}</section>{transfer}\
<section class=\"card\"><h2>پیامک‌ها</h2>{messages}</section>\
<section class=\"card\"><h2>تلاش‌های تحویل</h2>{attempts}</section>\
<section class=\"card\"><h2>تاریخچه</h2><div class=\"scroll\"><table class=\"history\" id=\"history\"><thead><tr>\
<th scope=\"col\">زمان</th><th scope=\"col\">انجام‌دهنده</th><th scope=\"col\">از ← به</th><th scope=\"col\">رویداد</th>\
<th scope=\"col\">توضیح</th></tr></thead><tbody>{history}</tbody></table></div></section>",
        code = tc_fa(tc),
        state = state_fa(&r.state),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_and_actors_in_persian() {
        assert_eq!(event_fa("payment_settled"), "پرداخت هزینه");
        assert_eq!(event_fa("<x>"), "&lt;x&gt;");
        assert_eq!(
            actor_fa("system:batcher"),
            "سامانه <bdi class=\"muted\">batcher</bdi>"
        );
        assert_eq!(actor_fa("weird<"), "<bdi>weird&lt;</bdi>");
        assert_eq!(reason_fa("first_issue"), "صدور برای نخستین بار");
        assert_eq!(reason_fa("finger 2 matched"), "تطبیق انگشت اشارهٔ دست راست");
        assert_eq!(
            reason_fa("30-0001 1405-08-30 #6"),
            "<bdi>30-0001</bdi> · ۳۰ آبان ۱۴۰۵ · نوبت ۶"
        );
        assert_eq!(reason_fa("دو <b>"), "<bdi dir=\"auto\">دو &lt;b&gt;</bdi>");
    }
}
