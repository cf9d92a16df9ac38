//! `GET /office/shipments`: the shipments addressed to the operator's office (where from, state, card count,
//! dates), each in-transit one with a reception form: the chip serials scanned out of the box, one per line (none:
//! every card arrived), posted to `POST /office/shipments/{id}/receive` (the shared `receive_at`), whose result
//! page lists the cards now ready, and the missing and unexpected serials.

use crate::error::ApiError;
use crate::shipments::receive_at;
use crate::state::AppState;
use crate::web::extract::{PageForm, PagePath};
use crate::web::form::Errors;
use crate::web::html::{column_heads, fa_count, fa_digits, html, Markup};
use crate::web::office::{desk, failure, flash_line, reply, tracking_code, when_fa, Desk};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::text::to_ascii_digits;
use serde::Deserialize;
use store::production::{Shipment, ShipmentState};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReceiveForm {
    pub scanned: String,
}

/// The scanned serials, one per line (Persian digits folded); `None` when none were scanned.
pub fn scanned(text: &str) -> Option<Vec<String>> {
    let lines: Vec<String> = text
        .lines()
        .map(|l| to_ascii_digits(l.trim()))
        .filter(|l| !l.is_empty())
        .collect();
    (!lines.is_empty()).then_some(lines)
}

fn state_fa(s: ShipmentState) -> &'static str {
    match s {
        ShipmentState::InTransit => "در راه",
        ShipmentState::Received => "تحویل گرفته شد",
    }
}

fn origin(s: &Shipment) -> Markup {
    html! {
        @match (&s.from_office, s.batch_id) {
            (Some(o), _) => { "انتقال از دفتر " bdi { (o.as_str()) } },
            (None, Some(b)) => { "سازندهٔ کارت · دستهٔ " (fa_digits(&b.to_string())) },
            (None, None) => "سازندهٔ کارت",
        }
    }
}

fn serial(s: &str) -> Markup {
    html! { bdi.code { (s) } }
}

pub async fn list(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let desk = match desk(&state, &headers).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    render(&state, &desk, None, "", &Errors::default(), StatusCode::OK).await
}

async fn render(
    state: &AppState,
    desk: &Desk,
    failed_id: Option<i64>,
    typed: &str,
    errors: &Errors,
    status: StatusCode,
) -> Response {
    let all = match state.store.shipments_to(&desk.office, 100).await {
        Ok(s) => s,
        Err(e) => return failure(Some(desk), &ApiError::from(e)),
    };
    // A refusal goes with its shipment's form when that form is shown, else at the top.
    let in_form = failed_id.is_some_and(|id| {
        all.iter()
            .any(|s| s.id == id && s.state == ShipmentState::InTransit)
    });
    let body = html! {
        section.card {
            h1 { "محموله‌های دفتر" }
            p.lead { "محموله‌هایی که سازندگان کارت یا دفترهای دیگر به این دفتر فرستاده‌اند، تازه‌ترین در بالا." }
            @if !in_form { (errors.top_box()) }
            @if all.is_empty() {
                p.note #no-shipments { "محموله‌ای به این دفتر فرستاده نشده است." }
            } @else {
                div.scroll {
                    table.history #shipments {
                        (column_heads(&["شماره", "از", "وضعیت", "کارت‌ها", "ارسال", "تحویل"]))
                        tbody {
                            @for s in &all {
                                tr {
                                    td.num { (fa_digits(&s.id.to_string())) }
                                    td { (origin(s)) }
                                    td {
                                        span class={
                                            "state "
                                            (if s.state == ShipmentState::InTransit { "waiting" } else { "done" })
                                        } { (state_fa(s.state)) }
                                    }
                                    td.num { (fa_count(s.cards.len() as u64)) }
                                    td { (when_fa(s.created_at)) }
                                    td {
                                        @match s.received_at {
                                            Some(at) => {
                                                (when_fa(at))
                                                @if let Some(by) = &s.received_by {
                                                    " · " (crate::web::office::record::actor_html(by))
                                                }
                                            },
                                            None => "—",
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @for s in all.iter().filter(|s| s.state == ShipmentState::InTransit) {
            (receive_card(s, failed_id, typed, errors))
        }
    };
    reply(status, "محموله‌ها", Some(desk), body)
}

fn receive_card(s: &Shipment, failed_id: Option<i64>, typed: &str, errors: &Errors) -> Markup {
    let id = s.id;
    let mine = failed_id == Some(id);
    html! {
        section.card id={ "receive-" (id) } {
            h2 { "تحویل محمولهٔ " (fa_digits(&id.to_string())) }
            p.note { (fa_count(s.cards.len() as u64)) " کارت · " (origin(s)) }
            @if mine { (errors.top_box()) }
            details {
                summary { "فهرست کارت‌های محموله" }
                div.scroll {
                    table.history {
                        (column_heads(&["کد رهگیری", "سریال تراشه"]))
                        tbody {
                            @for c in &s.cards {
                                tr {
                                    td { (tracking_code(c.tracking_code.as_str())) }
                                    td { (serial(c.chip_serial.as_str())) }
                                }
                            }
                        }
                    }
                }
            }
            form method="post" action={ "/office/shipments/" (id) "/receive" } {
                div.field {
                    label for={ "scanned-" (id) } { "سریال تراشهٔ کارت‌های رسیده" }
                    textarea id={ "scanned-" (id) } name="scanned" rows="5" dir="ltr" spellcheck="false" {
                        @if mine { (typed) }
                    }
                    p.hint {
                        "هر سریال در یک سطر، همان‌گونه که دستگاه خوان می‌خواند. اگر خالی بماند، همهٔ کارت‌های محموله رسیده شمرده می‌شوند."
                    }
                }
                div.actions { button type="submit" class="primary" { "تحویل گرفتم" } }
            }
        }
    }
}

pub async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    PagePath(id): PagePath<String>,
    PageForm(f): PageForm<ReceiveForm>,
) -> Response {
    let desk = match desk(&state, &headers).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let Ok(id) = id.parse::<i64>() else {
        return failure(Some(&desk), &ApiError::not_found("محموله", "shipment"));
    };
    let outcome = match receive_at(&state, &desk.staff, id, scanned(&f.scanned)).await {
        Ok(o) => o,
        Err(e) if e.status == StatusCode::UNAUTHORIZED => return failure(Some(&desk), &e),
        Err(e) => {
            let mut errors = Errors::default();
            errors.top(e.detail.message.clone());
            return render(&state, &desk, Some(id), &f.scanned, &errors, e.status).await;
        }
    };
    let list = |title: &str, id: &str, serials: &[String], empty: &str| {
        html! {
            h2 { (title) " (" (fa_count(serials.len() as u64)) ")" }
            @if serials.is_empty() {
                p.note { (empty) }
            } @else {
                ul.serials id=(id) {
                    @for s in serials { li { (serial(s)) } }
                }
            }
        }
    };
    let clean = outcome.missing.is_empty() && outcome.unexpected.is_empty();
    let body = html! {
        section.card #received {
            h1 { "محمولهٔ " (fa_digits(&outcome.shipment_id.to_string())) " تحویل گرفته شد" }
            (flash_line(
                clean,
                if clean {
                    "همهٔ کارت‌های محموله رسیدند."
                } else {
                    "محموله با مغایرت تحویل گرفته شد."
                }
            ))
            dl {
                dt { "کارت‌های آمادهٔ تحویل" }
                dd #ready { (fa_count(outcome.ready)) }
            }
            p.note { "برای دارندگان کارت‌های آماده پیامک فرستاده می‌شود." }
            (list(
                "کارت‌های نرسیده",
                "missing",
                &outcome.missing,
                "همهٔ کارت‌های محموله رسیدند."
            ))
            @if !outcome.missing.is_empty() {
                p.notice { "کارت‌های نرسیده باطل می‌شوند و دوباره صادر خواهند شد." }
            }
            (list(
                "سریال‌های خارج از محموله",
                "unexpected",
                &outcome.unexpected,
                "سریال ناشناخته‌ای خوانده نشد."
            ))
            div.actions {
                a.button.primary href="/office/shipments" { "بازگشت به محموله‌ها" }
                a.button href="/office" { "میز دفتر" }
            }
        }
    };
    reply(StatusCode::OK, "تحویل محموله", Some(&desk), body)
}

#[cfg(test)]
mod tests {
    #[test]
    fn scanned_serials() {
        assert_eq!(super::scanned(" \n\r\n"), None);
        assert_eq!(
            super::scanned("AB-۱۲۳۴۵۶۷\r\n\r\n CD-99999999 \n"),
            Some(vec!["AB-1234567".to_string(), "CD-99999999".to_string()])
        );
    }
}
