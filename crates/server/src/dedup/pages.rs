//! `GET /office/adjudications`: the supervisors' queue of de-duplication hits, the two enrolled photos side by
//! side with the score, and the decision (`POST /office/adjudications/{tracking_code}`: duplicate or distinct,
//! with an optional note). Others get a Persian 403 page. `GET /office/photos/{tracking_code}.jpg` serves an
//! enrolled photo by the shared `photo_for` (its rules decide who may see it).

use crate::dedup::adjudicate::{decide as decide_case, open_cases};
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::extract::{PageForm, PagePath, PageQuery};
use crate::web::form::{see_other, Errors};
use crate::web::html::{fa_digits, html, Markup};
use crate::web::office::{desk, failure, flash_line, message, reply, tracking_code, when_fa, Desk};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::{Decision, TrackingCode};
use serde::Deserialize;
use store::production::DedupCase;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Decided {
    pub decided: String,
    pub decision: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    pub decision: String,
    pub note: String,
}

/// A score with two decimals, Persian digits and the Persian decimal separator: `۰٫۴۳`.
pub fn score_fa(score: f64) -> String {
    fa_digits(&format!("{score:.2}")).replace('.', "٫")
}

fn forbidden(desk: &Desk) -> Response {
    message(
        Some(desk),
        StatusCode::FORBIDDEN,
        "دسترسی ندارید",
        "بررسی موارد تکرار اثر انگشت تنها با سرپرست دفتر است.",
    )
}

pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageQuery(q): PageQuery<Decided>,
) -> Response {
    let desk = match desk(&state, &headers).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let done = match (
        TrackingCode::parse(&q.decided),
        Decision::parse(&q.decision),
    ) {
        (Ok(tc), Some(d)) => flash_line(
            true,
            &format!(
                "برای درخواست {} تصمیم «{}» ثبت شد.",
                tc.as_str(),
                decision_fa(d)
            ),
        ),
        _ => html! {},
    };
    render(&state, &desk, done, &Errors::default(), StatusCode::OK).await
}

fn decision_fa(d: Decision) -> &'static str {
    match d {
        Decision::Duplicate => "تکراری: همان شخص",
        Decision::Distinct => "دو شخص متفاوت",
    }
}

async fn render(
    state: &AppState,
    desk: &Desk,
    done: Markup,
    errors: &Errors,
    status: StatusCode,
) -> Response {
    if !desk.is_supervisor() {
        return forbidden(desk);
    }
    let cases = match open_cases(state, &desk.staff).await {
        Ok(c) => c,
        Err(e) if e.status == StatusCode::FORBIDDEN => return forbidden(desk),
        Err(e) => return failure(Some(desk), &e),
    };
    // One card per application: a hit may name several earlier enrollments.
    let mut groups: Vec<(&TrackingCode, Vec<&DedupCase>)> = Vec::new();
    for c in &cases {
        match groups.iter_mut().find(|(tc, _)| *tc == &c.tracking_code) {
            Some((_, g)) => g.push(c),
            None => groups.push((&c.tracking_code, vec![c])),
        }
    }
    // The threshold the de-duplication pass uses, so that the page cannot drift from it.
    let threshold = score_fa(f64::from(
        biometrics::matcher::Thresholds::calibrated().dedup,
    ));
    let body = html! {
        section.card {
            h1 { "بررسی موارد تکرار اثر انگشت" }
            p.lead {
                "جست‌وجوی اثر انگشت، ثبت‌نام‌های زیر را به ثبت‌نام‌های پیشین نزدیک یافته است. دو عکس را مقایسه کنید "
                "و تصمیم بگیرید: «همان شخص» درخواست تازه را رد می‌کند؛ «دو شخص متفاوت» آن را به صدور می‌فرستد."
            }
            p.note #score-note {
                "امتیاز، جمع امتیاز انگشت‌هایی است که هر دو ثبت‌نام دارند (هر انگشت از ۰ تا ۱، "
                "پس برای ده انگشت از ۰ تا ۱۰)؛ از " (threshold) " به بالا تکرار احتمالی شمرده می‌شود."
            }
            (done)
            (errors.top_box())
        }
        @if groups.is_empty() {
            section.card { p.note #no-cases { "موردی برای بررسی نمانده است." } }
        }
        @for (tc, hits) in &groups {
            (case_card(tc.as_str(), hits))
        }
    };
    reply(status, "بررسی تکرار", Some(desk), body)
}

fn case_card(tc: &str, hits: &[&DedupCase]) -> Markup {
    html! {
        section.card.case id={ "case-" (tc) } {
            h2 { "درخواست " (tracking_code(tc)) }
            div.photos {
                figure.photo {
                    img src={ "/office/photos/" (tc) ".jpg" } alt={ "عکس ثبت‌نام تازه " (fa_digits(tc)) }
                        width="180" height="240";
                    figcaption {
                        "ثبت‌نام تازه" br; (tracking_code(tc)) br;
                        a href={ "/office/applications/" (tc) } { "پروندهٔ درخواست" }
                    }
                }
                @for c in hits {
                    @let other = c.candidate_tracking_code.as_str();
                    figure.photo {
                        img src={ "/office/photos/" (other) ".jpg" }
                            alt={ "عکس ثبت‌نام پیشین " (fa_digits(other)) } width="180" height="240";
                        figcaption {
                            "ثبت‌نام پیشین" br; (tracking_code(other)) br;
                            "امتیاز " strong.score { (score_fa(c.score)) } br;
                            span.muted { (when_fa(c.found_at)) }
                        }
                    }
                }
            }
            form method="post" action={ "/office/adjudications/" (tc) } class="decide" {
                div.field {
                    label for={ "note-" (tc) } { "یادداشت (اختیاری)" }
                    input id={ "note-" (tc) } name="note" maxlength="500" class="wide";
                }
                div.actions {
                    button type="submit" name="decision" value="duplicate" class="danger" {
                        "همان شخص است (تکراری)"
                    }
                    button type="submit" name="decision" value="distinct" class="primary" {
                        "دو شخص متفاوت‌اند"
                    }
                }
            }
        }
    }
}

pub async fn decide(
    State(state): State<AppState>,
    headers: HeaderMap,
    PagePath(code): PagePath<String>,
    PageForm(f): PageForm<DecisionForm>,
) -> Response {
    let desk = match desk(&state, &headers).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    if !desk.is_supervisor() {
        return forbidden(&desk);
    }
    let mut errors = Errors::default();
    let tc = match TrackingCode::parse(&code) {
        Ok(t) => t,
        Err(e) => return failure(Some(&desk), &ApiError::validation(e)),
    };
    let Some(decision) = Decision::parse(&f.decision) else {
        errors.top("یکی از دو دکمهٔ تصمیم را بزنید.");
        return render(
            &state,
            &desk,
            html! {},
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let note = Some(f.note.trim().to_string()).filter(|n| !n.is_empty());
    match decide_case(&state, &desk.staff, &tc, decision, note).await {
        Ok(()) => see_other(
            &format!(
                "/office/adjudications?decided={}&decision={}",
                tc.as_str(),
                decision.as_str()
            ),
            None,
        ),
        Err(e) if e.status == StatusCode::UNAUTHORIZED => failure(Some(&desk), &e),
        Err(e) => {
            errors.top(format!("درخواست {}: {}", tc.as_str(), e.detail.message));
            render(&state, &desk, html! {}, &errors, e.status).await
        }
    }
}

pub async fn photo(
    State(state): State<AppState>,
    headers: HeaderMap,
    PagePath(file): PagePath<String>,
) -> Response {
    let desk = match desk(&state, &headers).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let tc = match file.strip_suffix(".jpg").map(TrackingCode::parse) {
        Some(Ok(t)) => t,
        _ => return failure(Some(&desk), &ApiError::not_found("عکس", "photo")),
    };
    match crate::dedup::api::photo_for(&state, &desk.staff, &tc).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "image/jpeg"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => failure(Some(&desk), &e),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn scores_in_persian() {
        assert_eq!(super::score_fa(0.4321), "۰٫۴۳");
        assert_eq!(super::score_fa(1.0), "۱٫۰۰");
    }
}
