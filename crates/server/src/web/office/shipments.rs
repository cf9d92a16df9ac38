//! `GET /office/shipments`: the shipments addressed to the operator's office (where from, state, card count,
//! dates), each in-transit one with a reception form: the chip serials scanned out of the box, one per line (none:
//! every card arrived), posted to `POST /office/shipments/{id}/receive` (the shared `receive_at`), whose result
//! page lists the cards now ready, and the missing and unexpected serials.

use super::{desk, failure, respond, tc_fa, when_fa, Desk};
use crate::error::ApiError;
use crate::shipments::receive_at;
use crate::state::AppState;
use crate::web::extract::{PageForm, PagePath};
use crate::web::form::Errors;
use crate::web::html::{escape, fa_count, fa_digits};
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

fn origin(s: &Shipment) -> String {
    match (&s.from_office, s.batch_id) {
        (Some(o), _) => format!("انتقال از دفتر <bdi>{}</bdi>", escape(o.as_str())),
        (None, Some(b)) => format!("سازندهٔ کارت · دستهٔ {}", fa_digits(&b.to_string())),
        (None, None) => "سازندهٔ کارت".to_string(),
    }
}

fn serial(s: &str) -> String {
    format!("<bdi class=\"code\">{}</bdi>", escape(s))
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
    let rows: String = all
        .iter()
        .map(|s| {
            let received = match (&s.received_at, &s.received_by) {
                (Some(at), by) => format!(
                    "{}{}",
                    when_fa(*at),
                    by.as_deref()
                        .map(|b| format!(" · {}", super::record::actor_fa(b)))
                        .unwrap_or_default()
                ),
                _ => "—".to_string(),
            };
            format!(
                "<tr><td class=\"num\">{id}</td><td>{from}</td><td><span class=\"state {class}\">{st}</span></td>\
<td class=\"num\">{count}</td><td>{created}</td><td>{received}</td></tr>",
                id = fa_digits(&s.id.to_string()),
                from = origin(s),
                class = if s.state == ShipmentState::InTransit { "waiting" } else { "done" },
                st = state_fa(s.state),
                count = fa_count(s.cards.len() as u64),
                created = when_fa(s.created_at),
            )
        })
        .collect();
    let table = if all.is_empty() {
        "<p class=\"note\" id=\"no-shipments\">محموله‌ای به این دفتر فرستاده نشده است.</p>"
            .to_string()
    } else {
        format!(
            "<div class=\"scroll\"><table class=\"history\" id=\"shipments\"><thead><tr>\
<th scope=\"col\">شماره</th><th scope=\"col\">از</th><th scope=\"col\">وضعیت</th><th scope=\"col\">کارت‌ها</th>\
<th scope=\"col\">ارسال</th><th scope=\"col\">تحویل</th></tr></thead><tbody>{rows}</tbody></table></div>"
        )
    };
    let forms: String = all
        .iter()
        .filter(|s| s.state == ShipmentState::InTransit)
        .map(|s| receive_card(s, failed_id, typed, errors))
        .collect();
    // A refusal goes with its shipment's form when that form is shown, else at the top.
    let in_form = failed_id.is_some_and(|id| {
        all.iter()
            .any(|s| s.id == id && s.state == ShipmentState::InTransit)
    });
    let top = if in_form {
        String::new()
    } else {
        errors.render_top()
    };
    let body = format!(
        "<section class=\"card\"><h1>محموله‌های دفتر</h1>\
<p class=\"lead\">محموله‌هایی که سازندگان کارت یا دفترهای دیگر به این دفتر فرستاده‌اند، تازه‌ترین در بالا.</p>{top}{table}</section>{forms}"
    );
    respond(status, "محموله‌ها", Some(desk), &body)
}

fn receive_card(s: &Shipment, failed_id: Option<i64>, typed: &str, errors: &Errors) -> String {
    let id = s.id;
    let mine = failed_id == Some(id);
    let cards: String = s
        .cards
        .iter()
        .map(|c| {
            format!(
                "<tr><td>{}</td><td>{}</td></tr>",
                tc_fa(c.tracking_code.as_str()),
                serial(c.chip_serial.as_str())
            )
        })
        .collect();
    format!(
        "<section class=\"card\" id=\"receive-{id}\"><h2>تحویل محمولهٔ {id_fa}</h2>\
<p class=\"note\">{count} کارت · {from}</p>{top}\
<details><summary>فهرست کارت‌های محموله</summary><div class=\"scroll\"><table class=\"history\">\
<thead><tr><th scope=\"col\">کد رهگیری</th><th scope=\"col\">سریال تراشه</th></tr></thead><tbody>{cards}</tbody></table></div></details>\
<form method=\"post\" action=\"/office/shipments/{id}/receive\">\
<div class=\"field\"><label for=\"scanned-{id}\">سریال تراشهٔ کارت‌های رسیده</label>\
<textarea id=\"scanned-{id}\" name=\"scanned\" rows=\"5\" dir=\"ltr\" spellcheck=\"false\">{typed}</textarea>\
<p class=\"hint\">هر سریال در یک سطر، همان‌گونه که دستگاه خوان می‌خواند. اگر خالی بماند، همهٔ کارت‌های محموله رسیده شمرده می‌شوند.</p></div>\
<div class=\"actions\"><button type=\"submit\" class=\"primary\">تحویل گرفتم</button></div></form></section>",
        id_fa = fa_digits(&id.to_string()),
        count = fa_count(s.cards.len() as u64),
        from = origin(s),
        top = if mine { errors.render_top() } else { String::new() },
        typed = if mine { escape(typed) } else { String::new() },
    )
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
        let items = if serials.is_empty() {
            format!("<p class=\"note\">{empty}</p>")
        } else {
            let li: String = serials
                .iter()
                .map(|s| format!("<li>{}</li>", serial(s)))
                .collect();
            format!("<ul class=\"serials\" id=\"{id}\">{li}</ul>")
        };
        format!(
            "<h2>{title} ({})</h2>{items}",
            fa_count(serials.len() as u64)
        )
    };
    let missing_note = if outcome.missing.is_empty() {
        ""
    } else {
        "<p class=\"notice\">کارت‌های نرسیده باطل می‌شوند و دوباره صادر خواهند شد.</p>"
    };
    let clean = outcome.missing.is_empty() && outcome.unexpected.is_empty();
    let body = format!(
        "<section class=\"card\" id=\"received\"><h1>محمولهٔ {id} تحویل گرفته شد</h1>{flash}\
<dl><dt>کارت‌های آمادهٔ تحویل</dt><dd id=\"ready\">{ready}</dd></dl>\
<p class=\"note\">برای دارندگان کارت‌های آماده پیامک فرستاده می‌شود.</p>\
{missing}{missing_note}{unexpected}\
<div class=\"actions\"><a class=\"button primary\" href=\"/office/shipments\">بازگشت به محموله‌ها</a>\
<a class=\"button\" href=\"/office\">میز دفتر</a></div></section>",
        id = fa_digits(&outcome.shipment_id.to_string()),
        flash = super::flash(
            clean,
            if clean {
                "همهٔ کارت‌های محموله رسیدند."
            } else {
                "محموله با مغایرت تحویل گرفته شد."
            }
        ),
        ready = fa_count(outcome.ready),
        missing = list(
            "کارت‌های نرسیده",
            "missing",
            &outcome.missing,
            "همهٔ کارت‌های محموله رسیدند."
        ),
        unexpected = list(
            "سریال‌های خارج از محموله",
            "unexpected",
            &outcome.unexpected,
            "سریال ناشناخته‌ای خوانده نشد."
        ),
    );
    respond(StatusCode::OK, "تحویل محموله", Some(&desk), &body)
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
