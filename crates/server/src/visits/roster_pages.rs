//! `GET/POST /admin/visits/{id}/roster`: the liaison's (or an administrator's) page to send a visit's roster,
//! pasted as CSV (`national_code,mobile`), and to see the answer row by row: accepted with the tracking code,
//! or rejected with the reason. The rules are those of `POST /api/v1/visits/{visit_id}/roster`.

use super::pages::signed_in;
use super::roster::{self, RosterAnswer};
use super::visit_for_roster;
use crate::state::AppState;
use crate::web::extract::{PageForm, PagePath};
use crate::web::form::{message_page, respond};
use crate::web::html::{column_heads, fa_count, fa_digits, html, Markup};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use store::visits::Visit;

#[derive(Debug, Default, Deserialize)]
pub struct RosterForm {
    #[serde(default)]
    pub csv: String,
}

fn answer_table(a: &RosterAnswer) -> Markup {
    html! {
        section.card id="answer" {
            h2 { "پاسخ فهرست" }
            p.lead {
                "پذیرفته: " strong id="accepted-count" { (fa_count(a.accepted.len() as u64)) }
                " · ردشده: " strong id="rejected-count" { (fa_count(a.rejected.len() as u64)) }
            }
            @if !a.accepted.is_empty() {
                h3 { "پذیرفته‌شده‌ها (نوبت روی این بازدید)" }
                div.scroll {
                    table class="history" id="accepted" {
                        (column_heads(&["سطر", "کد رهگیری"]))
                        tbody {
                            @for r in &a.accepted {
                                tr { td { (fa_digits(&r.line.to_string())) } td { bdi dir="ltr" { (r.tracking_code) } } }
                            }
                        }
                    }
                }
            }
            @if !a.rejected.is_empty() {
                h3 { "ردشده‌ها" }
                div.scroll {
                    table class="history" id="rejected" {
                        (column_heads(&["سطر", "علت", "کد"]))
                        tbody {
                            @for r in &a.rejected {
                                tr {
                                    td { (fa_digits(&r.line.to_string())) }
                                    td { (r.message) }
                                    td { bdi dir="ltr" { (r.code) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn page(v: &Visit, csv: &str, error: Option<&str>, answer: Option<&RosterAnswer>) -> Markup {
    html! {
        section.card {
            h1 { "فهرست افراد برای بازدید " (fa_digits(&v.id.to_string())) }
            p.lead {
                (v.institution_name) " · " (v.kind.fa()) " · " (v.date.format_fa())
                " · جای خالی: " (fa_count(u64::from(v.capacity.saturating_sub(v.booked))))
            }
            p {
                "هر سطر کد ملی و شمارهٔ همراه یک نفر است (شماره اختیاری است). سطر نخست باید "
                bdi dir="ltr" { code { "national_code,mobile" } } " باشد. "
                "هر سطر جداگانه با ثبت احوال استعلام می‌شود؛ سطرهای درست حتی اگر سطرهای دیگر رد شوند ثبت می‌شوند."
            }
            @if let Some(e) = error {
                div class="alert" role="alert" { p.error { (e) } }
            }
            form method="post" action={ "/admin/visits/" (v.id) "/roster" } {
                div.field {
                    label for="csv" { "فهرست (CSV)" }
                    textarea id="csv" name="csv" dir="ltr" rows="12" cols="40" required
                        placeholder="national_code,mobile" { (csv) }
                }
                div.actions { button class="primary" type="submit" id="send-roster" { "فرستادن فهرست" } }
            }
            p { a href="/admin/visits" { "بازدیدها" } }
        }
        @if let Some(a) = answer { (answer_table(a)) }
    }
}

pub async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    PagePath(id): PagePath<i64>,
) -> Response {
    let staff = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match visit_for_roster(&state, &staff, id).await {
        Ok(v) => respond(
            StatusCode::OK,
            "فهرست بازدید",
            page(&v, "national_code,mobile\n", None, None),
        ),
        Err(e) => message_page(e.status, "دسترسی ندارید", &e.detail.message),
    }
}

pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<RosterForm>,
) -> Response {
    let staff = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let v = match visit_for_roster(&state, &staff, id).await {
        Ok(v) => v,
        Err(e) => return message_page(e.status, "دسترسی ندارید", &e.detail.message),
    };
    match roster::take(&state, &staff, &v, &f.csv).await {
        Ok(a) => {
            // The places left, after the roster.
            let v = state.store.visit(id).await.ok().flatten().unwrap_or(v);
            respond(StatusCode::OK, "فهرست بازدید", page(&v, "", None, Some(&a)))
        }
        Err(e) => respond(
            e.status,
            "فهرست بازدید",
            page(&v, &f.csv, Some(&e.detail.message), None),
        ),
    }
}
