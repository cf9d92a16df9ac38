//! `GET /office/applications/{tracking_code}`: an application's record as its offices see it (the shared
//! `crate::office::records::record`): state, offices, card, messages, pickup attempts and the whole history in
//! Tehran's Solar Hijri time. With the form that sends the card to the operator's own office for a holder who
//! moved and is at the desk ([`crate::transfer::pages`]): it is offered even when the record belongs to other offices,
//! whose record stays closed (403) until the holder's finger has matched.

use super::{desk, failure, finger_fa, flash_line, reply, rfc3339_fa, tracking_code, Desk};
use crate::error::ApiError;
use crate::office::records::{record, ApplicationRecord};
use crate::state::AppState;
use crate::transfer::pages::{self as transfer, TransferForm};
use crate::web::extract::{PagePath, PageQuery};
use crate::web::form::Errors;
use crate::web::html::{column_heads, fa_digits, html, Markup};
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

/// A state's Persian name; a name no version of the service wrote is shown as written.
fn state_fa(s: &str) -> &str {
    ApplicationState::parse(s).map_or(s, |s| s.fa())
}

/// An event of the history in Persian (`domain::HistoryEvent`'s label; a name no version of the service wrote
/// is shown as written).
pub fn event_html(e: &str) -> Markup {
    html! { (HistoryEvent::parse(e).map_or(e, |e| e.fa())) }
}

/// A history row's reason (`domain::HistoryReason`): the service's own reasons in Persian, anything else (a
/// supervisor's note, a manufacturer's fault) as written, isolated so that its direction does not upset the
/// row.
pub fn reason_html(reason: &str) -> Markup {
    let parsed = HistoryReason::parse(reason);
    if let Some(fa) = parsed.fa() {
        return html! { (fa) };
    }
    match parsed {
        HistoryReason::FingerMatched(p) => html! { "تطبیق " (finger_fa(p)) },
        HistoryReason::Booking { office, day, slot } => html! {
            bdi { (office.as_str()) } " · " (day.format_fa()) " · نوبت " (fa_digits(&slot.to_string()))
        },
        _ => html! { bdi dir="auto" { (reason) } },
    }
}

/// Who did something (`operator:op1`, `system:batcher`): the kind in Persian, the name isolated.
pub fn actor_html(actor: &str) -> Markup {
    let (kind, who) = actor.split_once(':').unwrap_or((actor, ""));
    let kind_fa = match kind {
        "operator" => "متصدی",
        "supervisor" => "سرپرست",
        "citizen" => "متقاضی",
        "system" => "سامانه",
        "vendor" => "سازندهٔ کارت",
        "bank" | "gateway" => "بانک",
        "registry" => "ثبت احوال",
        _ => return html! { bdi { (actor) } },
    };
    html! {
        (kind_fa)
        @if !who.is_empty() { " " bdi.muted { (who) } }
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

async fn office_label(state: &AppState, id: Option<&str>) -> Markup {
    let Some(id) = id else {
        return html! { "—" };
    };
    let name = match OfficeId::parse(id) {
        Ok(o) => state.store.office(&o).await.ok().flatten().map(|o| o.name),
        Err(_) => None,
    };
    html! {
        @match name {
            Some(n) => { (n) " " bdi.muted { (id) } },
            None => bdi { (id) },
        }
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
        "shipped" => flash_line(true, "کارت از دفتر فعلی به این دفتر فرستاده می‌شود."),
        "redirected" => flash_line(true, "کارت پس از صدور به این دفتر فرستاده می‌شود."),
        _ => html! {},
    };
    render(
        &state,
        &desk,
        &tc,
        done,
        &Errors::default(),
        &TransferForm::default(),
        None,
    )
    .await
}

/// The record page (or, for another office's application, the refusal with the transfer form); `done` is a flash
/// line above it, `errors` and `form` are the transfer form's, `status` overrides 200 / 403.
pub async fn render(
    state: &AppState,
    desk: &Desk,
    tc: &TrackingCode,
    done: Markup,
    errors: &Errors,
    form: &TransferForm,
    status: Option<StatusCode>,
) -> Response {
    let r = match record(state, &desk.staff, tc).await {
        Ok(r) => r,
        Err(e) if e.status == StatusCode::FORBIDDEN && e.detail.code == "forbidden" => {
            // Another office's work: no record, but the holder may ask for the card here.
            let body = html! {
                section.card {
                    h1 { "درخواست " (tracking_code(tc.as_str())) }
                    p.error role="alert" { (e.detail.message) }
                }
                (transfer::section(tc.as_str(), desk, form, errors))
            };
            return reply(
                status.unwrap_or(StatusCode::FORBIDDEN),
                "پروندهٔ درخواست",
                Some(desk),
                body,
            );
        }
        Err(e) => return failure(Some(desk), &e),
    };
    let body = page_body(state, desk, &r, done, errors, form).await;
    reply(
        status.unwrap_or(StatusCode::OK),
        "پروندهٔ درخواست",
        Some(desk),
        body,
    )
}

async fn page_body(
    state: &AppState,
    desk: &Desk,
    r: &ApplicationRecord,
    done: Markup,
    errors: &Errors,
    form: &TransferForm,
) -> Markup {
    let tc = r.tracking_code.as_str();
    let booked = office_label(state, r.booked_office_id.as_deref()).await;
    let enrolled = office_label(state, r.enrolled_office_id.as_deref()).await;
    let destination = office_label(state, r.destination_office_id.as_deref()).await;
    let reason = Reason::parse(&r.reason).map_or(r.reason.as_str(), |x| x.fa());
    let dedup = r
        .dedup
        .as_deref()
        .and_then(DedupStatus::parse)
        .map(|d| d.fa())
        .unwrap_or("—");
    let card = r.card_status.as_deref().map(card_status_fa).unwrap_or("—");
    let uncollected = r
        .uncollected_reason
        .as_deref()
        .and_then(UncollectedReason::parse);
    let st = ApplicationState::parse(&r.state);
    let can_pickup = matches!(
        st,
        Some(ApplicationState::ReadyForPickup | ApplicationState::Uncollected)
    );
    let can_enroll = st == Some(ApplicationState::AppointmentBooked);
    let can_print = r.enrolled_office_id.as_deref() == Some(desk.office.as_str())
        && crate::cards::receipt::refusal(st.unwrap_or(ApplicationState::Cancelled)).is_none();
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
    html! {
        section.card {
            h1 { "پروندهٔ درخواست " (tracking_code(tc)) }
            (done)
            @if r.sms_failed {
                p.notice { "پیامک‌ها به شمارهٔ همراه دارنده نمی‌رسد." }
            }
            dl.summary #record {
                dt { "وضعیت" }
                dd { span.badge #state { (state_fa(&r.state)) } }
                dt { "علت درخواست" }
                dd { (reason) }
                dt { "دفتر نوبت" }
                dd { (booked) }
                dt { "دفتر ثبت‌نام" }
                dd { (enrolled) }
                dt { "دفتر تحویل" }
                dd { (destination) }
                dt { "بررسی تکرار اثر انگشت" }
                dd { (dedup) }
                dt { "سریال تراشه" }
                dd {
                    @match r.chip_serial.as_deref() {
                        Some(s) => bdi.code { (s) },
                        None => "—",
                    }
                }
                dt { "وضعیت کارت" }
                dd { (card) }
                @if let Some(u) = uncollected {
                    dt { "علت تحویل‌نگرفتن" }
                    dd { (u.fa()) }
                }
            }
            @if can_enroll || can_pickup || can_print {
                div.actions {
                    @if can_enroll {
                        a.button.primary href={ "/office/enroll/" (tc) } { "ثبت‌نام" }
                    }
                    @if can_pickup {
                        a.button.primary href={ "/office/pickup?tc=" (tc) } { "تحویل کارت" }
                    }
                    @if can_print {
                        a.button href={ "/office/receipts/" (tc) ".pdf" } { "چاپ رسید (PDF)" }
                    }
                }
            }
        }
        @if can_transfer || !errors.is_empty() {
            (transfer::section(tc, desk, form, errors))
        }
        section.card {
            h2 { "پیامک‌ها" }
            @if r.messages.is_empty() {
                p.note { "پیامکی برای این درخواست فرستاده نشده است." }
            } @else {
                div.scroll {
                    table.history #messages {
                        (column_heads(&["زمان", "پیامک", "گیرنده", "وضعیت", "تلاش‌ها", "آخرین خطا"]))
                        tbody {
                            @for m in &r.messages {
                                tr {
                                    td.when { (rfc3339_fa(&m.created_at)) }
                                    td { (sms_kind_fa(&m.kind)) }
                                    td dir="ltr" { (fa_digits(&m.to)) }
                                    td { (sms_state_fa(&m.state)) }
                                    td.num { (fa_digits(&m.attempts.to_string())) }
                                    td { (m.last_error.as_deref().unwrap_or_default()) }
                                }
                            }
                        }
                    }
                }
            }
        }
        section.card {
            h2 { "تلاش‌های تحویل" }
            @if r.pickup_attempts.is_empty() {
                p.note { "تلاشی برای تحویل کارت ثبت نشده است." }
            } @else {
                div.scroll {
                    table.history #attempts {
                        (column_heads(&["زمان", "متصدی", "انگشت", "نتیجه"]))
                        tbody {
                            @for a in &r.pickup_attempts {
                                tr {
                                    td.when { (rfc3339_fa(&a.at)) }
                                    td { bdi { (a.operator) } }
                                    td { (finger_fa(a.position)) }
                                    td {
                                        @if a.matched {
                                            span.state.done { "مطابقت داشت" }
                                        } @else {
                                            span.state.closed { "مطابقت نداشت" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section.card {
            h2 { "تاریخچه" }
            div.scroll {
                table.history #history {
                    (column_heads(&["زمان", "انجام‌دهنده", "از ← به", "رویداد", "توضیح"]))
                    tbody {
                        @for h in &r.history {
                            tr {
                                td.when { (rfc3339_fa(&h.at)) }
                                td { (actor_html(&h.actor)) }
                                td {
                                    (h.from_state.as_deref().map_or("—", state_fa)) " ← " (state_fa(&h.to_state))
                                }
                                td { (event_html(&h.event)) }
                                td {
                                    @if let Some(reason) = &h.reason { (reason_html(reason)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_and_actors_in_persian() {
        assert_eq!(event_html("payment_settled").into_string(), "پرداخت هزینه");
        assert_eq!(event_html("<x>").into_string(), "&lt;x&gt;");
        assert_eq!(
            actor_html("system:batcher").into_string(),
            "سامانه <bdi class=\"muted\">batcher</bdi>"
        );
        assert_eq!(actor_html("weird<").into_string(), "<bdi>weird&lt;</bdi>");
        assert_eq!(
            reason_html("first_issue").into_string(),
            "صدور برای نخستین بار"
        );
        assert_eq!(
            reason_html("finger 2 matched").into_string(),
            "تطبیق انگشت اشارهٔ دست راست"
        );
        assert_eq!(
            reason_html("30-0001 1405-08-30 #6").into_string(),
            "<bdi>30-0001</bdi> · ۳۰ آبان ۱۴۰۵ · نوبت ۶"
        );
        assert_eq!(
            reason_html("دو <b>").into_string(),
            "<bdi dir=\"auto\">دو &lt;b&gt;</bdi>"
        );
    }
}
