//! `GET/POST /admin/simulate`: administrators run a lifecycle simulation (`shenas-simulate`, docs/simulation.md)
//! from a shipped scenario or one they paste, and see the end state per province and the chart set; the same form
//! downloads the weekly rows as CSV or the whole report as JSON. Persian, right to left, no JavaScript.
//!
//! A run takes the CPU for a second or two (a national year): it runs on the blocking pool, one at a time; a
//! second request meanwhile is told to try again rather than queued.

use super::chart::{fa_count, fa_pct};
use super::figures;
use super::login;
use crate::state::AppState;
use crate::web::form::{message_page, respond, see_other};
use crate::web::html::{column_heads, fa_digits, html, Markup, PreEscaped};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use shenas_simulate::{presets, render, Report, Scenario};
use std::sync::LazyLock;
use tokio::sync::Semaphore;

/// The longest scenario text accepted (the shipped ones are under 4 KB).
const MAX_TEXT: usize = 64 * 1024;

static ONE_AT_A_TIME: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(1));

#[derive(Debug, Default, Deserialize)]
pub struct SimulateForm {
    /// A preset's key, or `custom` for the text below.
    #[serde(default)]
    pub preset: String,
    #[serde(default)]
    pub scenario: String,
    #[serde(default)]
    pub seed: String,
    /// `html` (default), `csv` or `json`.
    #[serde(default)]
    pub format: String,
}

fn form(f: &SimulateForm, error: &str) -> Markup {
    html! {
        section.card {
            h1 { "شبیه‌سازی چرخهٔ صدور کارت" }
            p.lead {
                "یک سال از تقاضا تا تحویل کارت را با فرض‌های یک سناریو پیش می‌برد: صف دفترها، ظرفیت و \
    توقف تولیدکنندگان، ارسال، پیامک (شمارهٔ واردشده یا شماره‌های متصل به کد ملی در «چاپار») و رفتار تحویل \
    (scenario TOML؛ راهنما در docs/simulation.md)."
            }
            @if !error.is_empty() {
                div class="alert" role="alert" {
                    p.error { "سناریو پذیرفته نشد:" }
                    p class="error" dir="ltr" { bdi { (error) } }
                }
            }
            form method="post" action="/admin/simulate" enctype="multipart/form-data" {
                div.field {
                    label for="preset" { "سناریو" }
                    select id="preset" name="preset" {
                        @for (key, title, _) in presets::ALL {
                            option value=(key) selected[f.preset == key] { (title) }
                        }
                        option value="custom" selected[f.preset == "custom"] { "سناریوی متن زیر (TOML)" }
                    }
                }
                div.field {
                    label for="scenario" { "متن سناریو (TOML)، برای گزینهٔ آخر" }
                    textarea id="scenario" name="scenario" dir="ltr" rows="12" cols="80" spellcheck="false" {
                        (f.scenario)
                    }
                }
                div.field {
                    label for="file" { "یا پروندهٔ سناریو (TOML)" }
                    input type="file" id="file" name="file" accept=".toml,text/plain";
                }
                div.field {
                    label for="seed" { "بذر تصادفی (اختیاری)" }
                    input id="seed" name="seed" dir="ltr" inputmode="numeric" value=(f.seed);
                }
                div.actions {
                    button class="primary" type="submit" name="format" value="html" { "اجرا" }
                    " "
                    button class="secondary" type="submit" name="format" value="csv" { "دریافت CSV هفتگی" }
                    " "
                    button class="secondary" type="submit" name="format" value="json" { "دریافت JSON" }
                }
            }
        }
    }
}

async fn allowed(state: &AppState, headers: &HeaderMap) -> Result<(), Response> {
    let Some(staff) = login::staff(state, headers).await else {
        return Err(see_other("/admin/login", None));
    };
    figures::scope(&staff).map(|_| ()).map_err(|_| {
        message_page(
            StatusCode::FORBIDDEN,
            "دسترسی ندارید",
            "شبیه‌سازی را تنها مدیران کشوری و استانی اجرا می‌کنند.",
        )
    })
}

pub async fn show(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(r) = allowed(&state, &headers).await {
        return r;
    }
    let f = SimulateForm {
        preset: presets::ALL[0].0.into(),
        ..SimulateForm::default()
    };
    respond(StatusCode::OK, "شبیه‌سازی", form(&f, ""))
}

/// The form as sent: urlencoded, or multipart with the scenario as an uploaded file (`file`), which then stands
/// for the text box.
async fn read_form(headers: &HeaderMap, body: Bytes) -> Option<SimulateForm> {
    let multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        return serde_urlencoded::from_bytes(&body).ok();
    }
    let fields = crate::web::office::multipart::request_fields(headers, body)
        .await
        .ok()?;
    let mut f = SimulateForm {
        preset: fields.text("preset"),
        scenario: fields.text("scenario"),
        seed: fields.text("seed"),
        format: fields.text("format"),
    };
    if let Some(file) = fields.file("file") {
        f.scenario = String::from_utf8_lossy(file).into_owned();
        f.preset = "custom".into();
    }
    Some(f)
}

pub async fn submit(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = allowed(&state, &headers).await {
        return r;
    }
    let Some(f) = read_form(&headers, body).await else {
        return respond(
            StatusCode::BAD_REQUEST,
            "شبیه‌سازی",
            form(
                &SimulateForm::default(),
                "the form did not arrive whole; send it again",
            ),
        );
    };
    let text = match presets::ALL.iter().find(|p| p.0 == f.preset) {
        Some(p) => p.2.to_string(),
        None => f.scenario.clone(),
    };
    let refuse = |message: String| {
        respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            "شبیه‌سازی",
            form(&f, &message),
        )
    };
    if text.len() > MAX_TEXT {
        return refuse(format!("the scenario is longer than {MAX_TEXT} bytes"));
    }
    let mut scenario = match Scenario::from_toml(&text) {
        Ok(s) => s,
        Err(e) => return refuse(e.to_string()),
    };
    let seed = f.seed.trim();
    if !seed.is_empty() {
        match domain::text::to_ascii_digits(seed).parse::<u64>() {
            Ok(s) => scenario.seed = s,
            Err(_) => return refuse(format!("seed {seed:?} is not a whole number")),
        }
    }
    let Ok(_permit) = ONE_AT_A_TIME.try_acquire() else {
        return message_page(
            StatusCode::SERVICE_UNAVAILABLE,
            "شبیه‌سازی دیگری در حال اجراست",
            "چند ثانیهٔ دیگر دوباره تلاش کنید.",
        );
    };
    let report = match tokio::task::spawn_blocking(move || shenas_simulate::run(&scenario)).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "simulation: the run failed");
            return message_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "خطای سامانه",
                "شبیه‌سازی کامل نشد.",
            );
        }
    };
    match f.format.as_str() {
        "csv" => download(
            render::csv::weeks(&report),
            "text/csv; charset=utf-8",
            "simulation.csv",
        ),
        "json" => download(render::json(&report), "application/json", "simulation.json"),
        _ => respond(
            StatusCode::OK,
            "شبیه‌سازی",
            html! { (form(&f, "")) (results(&report)) },
        ),
    }
}

fn download(body: String, content_type: &'static str, name: &'static str) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

/// The run's end state per province and its charts. The charts are SVG that `shenas_simulate::render::svg` wrote,
/// escaping the scenario's names itself.
fn results(r: &Report) -> Markup {
    let days = |d: Option<u32>| {
        d.map_or_else(|| "—".into(), |d| format!("{} روز", fa_count(u64::from(d))))
    };
    let name = |province: &str| match province {
        "all" => "همهٔ استان‌های سناریو".to_string(),
        code => domain::ProvinceCode::parse(code)
            .map(|c| c.province().name_fa.to_string())
            .unwrap_or_else(|_| code.to_string()),
    };
    html! {
        section.card id="results" {
            h2 { (r.scenario) }
            p.lead {
                (fa_count(u64::from(r.days))) " روز از " (fa_digits(&r.start.replace('-', "/"))) "، "
                (fa_count(r.offices)) " دفتر، بذر " (fa_digits(&r.seed.to_string()))
                ". «در حال صدور» یعنی ثبت‌نام‌شده، در صف تولید یا در راه دفتر؛ زمان‌ها از درخواست تا تحویل \
    کارت‌هایی است که در این دوره تحویل شده‌اند."
            }
            div.scroll {
                table class="history stats" {
                    (column_heads(&["استان", "واجدان شرایط", "متقاضیان", "تحویل‌شده", "در حال صدور", "در دفترها", "درخواست در روز کاری", "میانهٔ زمان", "صدک نودم", "کمتر از یک ماه"]))
                    tbody {
                        @for s in &r.end {
                            tr {
                                th scope="row" { (name(s.province.as_str())) }
                                td { (fa_count(s.eligible)) }
                                td { (fa_count(s.applied)) }
                                td { (fa_count(s.delivered)) }
                                td { (fa_count(s.in_production)) }
                                td { (fa_count(s.at_offices)) }
                                td { (fa_count(s.applications_per_working_day.round() as u64)) }
                                td { (days(s.lead_times.p50_days)) }
                                td { (days(s.lead_times.p90_days)) }
                                td { (fa_pct(s.lead_times.within_30_days.unwrap_or(0.0) * 100.0)) }
                            }
                        }
                    }
                }
            }
        }
        section.card {
            h2 { "صف‌ها در پایان هر هفته" }
            div.scroll { (PreEscaped(render::svg::stages(r, "all"))) }
        }
        section.card {
            h2 { "فاصلهٔ درخواست تا تحویل (هدف: یک ماه)" }
            div.scroll { (PreEscaped(render::svg::lead_times(r, "all"))) }
        }
        section.card {
            h2 { "کارت‌های منتظر در دفترها به تفکیک مدت" }
            div.scroll { (PreEscaped(render::svg::waiting_by_age(r, "all"))) }
        }
    }
}
