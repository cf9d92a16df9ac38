//! `GET /office/packets`, on a kit only: the packets this kit made, each with the service's answer (waiting,
//! taken, or refused with its reason), so the unit sees at a glance what `shenas kit sync` still has to send and
//! what the service refused. On the service (no kit) the page does not exist.

use crate::state::AppState;
use crate::web::html::{column_heads, fa_count, html, Markup};
use crate::web::office::{desk, failure, reply, tracking_code, when_fa};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use store::kits::KitPacket;

fn answer_fa(p: &KitPacket) -> Markup {
    html! {
        @match p.state.as_str() {
            "taken" => "پذیرفته شد",
            "refused" => {
                "رد شد: " bdi.code { (p.code.as_deref().unwrap_or("")) }
            },
            _ => "در انتظار ارسال",
        }
    }
}

pub async fn list(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if state.services.kit.is_none() {
        return failure(None, &crate::error::ApiError::not_found("صفحه", "page"));
    }
    let desk = match desk(&state, &headers).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let packets = match state.store.kit_packets().await {
        Ok(p) => p,
        Err(e) => return failure(Some(&desk), &e.into()),
    };
    let waiting = packets.iter().filter(|p| p.state != "taken").count() as u64;
    let body = html! {
        section.card {
            h1 { "بسته‌های ثبت‌نام این کیت" }
            p { (fa_count(waiting)) " بسته هنوز پذیرفته نشده است؛ با «shenas kit sync» یا «shenas kit export» فرستاده می‌شوند." }
            table {
                (column_heads(&["کد رهگیری", "زمان ثبت‌نام", "پاسخ سامانه"]))
                tbody {
                    @for p in &packets {
                        tr {
                            td { (tracking_code(&p.tracking_code)) }
                            td { (when_fa(p.made_at)) }
                            td { (answer_fa(p)) }
                        }
                    }
                }
            }
        }
    };
    reply(StatusCode::OK, "بسته‌های کیت", Some(&desk), body)
}
