//! Filing an application: every field parsed into a domain value (the first bad one answered with its path), the
//! registry inquiry, the mobile-ownership check, the fee of the year, a fresh tracking code. A refusal at an
//! office's desk is audited.

pub mod api;
pub mod desk;
pub mod details;
pub mod pages;
pub mod step_one;

use crate::error::{ApiError, ApiResult};
use crate::state::{today, AppState};
use axum::http::StatusCode;
use domain::inquiry::{self, Claim};
use domain::person::Religion;
use domain::{
    AtField, BirthCertificate, Channel, Gender, HijriDate, JalaliDate, Mobile, NationalCode,
    OfficeId, Reason, TrackingCode,
};
use serde::Deserialize;
use store::audit::InquiryRefusal;
use store::journey::{Application, Filed, NewApplication};
use utoipa::ToSchema;

/// The birth certificate's identifiers as typed.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct BirthCertificateInput {
    /// A Persian series letter, e.g. `ج` or `الف`.
    #[schema(example = "ج")]
    pub series_letter: String,
    #[schema(example = "12")]
    pub series_number: String,
    #[schema(example = "345678")]
    pub serial: String,
}

/// The pre-registration form (`POST /api/v1/applications`). Digits may be Persian or Arabic-Indic.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ApplicationInput {
    #[schema(example = "0499370899")]
    pub national_code: String,
    pub birth_certificate: BirthCertificateInput,
    #[schema(example = "1370-05-12")]
    pub birth_date_jalali: String,
    #[schema(example = "1411-01-21")]
    pub birth_date_hijri: String,
    /// `male` or `female`.
    #[schema(example = "male")]
    pub gender: String,
    #[schema(example = "islam")]
    pub religion: String,
    #[schema(example = "فاطمه")]
    pub mother_name: String,
    #[schema(example = "09121234567")]
    pub mobile: String,
    /// `first_issue`, `replace_old_card`, `lost` or `damaged`.
    #[schema(example = "first_issue")]
    pub reason: String,
    /// The captcha's id (`GET /api/v1/captcha`); required while the captcha is on.
    #[serde(default)]
    pub captcha_id: Option<String>,
    /// What the image shows (Persian or ASCII digits).
    #[serde(default)]
    pub captcha_answer: Option<String>,
}

/// The first step's identifiers, parsed.
pub struct Identity {
    pub national_code: NationalCode,
    pub birth_certificate: BirthCertificate,
}

pub fn parse_identity(
    national_code: &str,
    bc: &BirthCertificateInput,
) -> Result<Identity, ApiError> {
    Ok(Identity {
        national_code: NationalCode::parse(national_code).at("national_code")?,
        birth_certificate: BirthCertificate::parse(
            &bc.series_letter,
            &bc.series_number,
            &bc.serial,
        )
        .map_err(|e| {
            ApiError::validation(e.error).with_field(format!("birth_certificate.{}", e.field))
        })?,
    })
}

/// Checks a captcha answer, unless the captcha is switched off.
pub fn check_captcha(state: &AppState, id: Option<&str>, answer: Option<&str>) -> ApiResult<()> {
    if !state.settings.captcha {
        return Ok(());
    }
    let (Some(id), Some(answer)) = (id, answer) else {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "captcha_required",
            "کد امنیتی را وارد کنید",
            "the captcha is required",
        )
        .with_field("captcha_answer"));
    };
    state
        .services
        .captcha
        .verify(id, answer, std::time::SystemTime::now())
        .map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                e.code(),
                e.message_fa(),
                e.message_en(),
            )
            .with_field("captcha_answer")
        })
}

/// Who files and where.
pub struct Filer {
    pub channel: Channel,
    pub actor: String,
    pub office: Option<OfficeId>,
}

/// A registry inquiry refused at an office's desk is kept (who, where, when, the masked national code, the
/// answer) and logged, so that an operator probing the registry shows. Citizens' own filings are limited per
/// client and guarded by the captcha instead.
async fn audit_refusal(
    state: &AppState,
    filer: &Filer,
    code: &NationalCode,
    outcome: &'static str,
) -> ApiResult<()> {
    let Some(office) = &filer.office else {
        return Ok(());
    };
    tracing::info!(
        actor = %filer.actor,
        office = office.as_str(),
        national_code = %code.masked(),
        outcome,
        "registry inquiry refused at an office"
    );
    state
        .store
        .record_inquiry_refusal(&InquiryRefusal {
            operator: filer.actor.clone(),
            office: office.clone(),
            at: chrono::Utc::now(),
            national_code: code.masked(),
            outcome: outcome.into(),
        })
        .await?;
    Ok(())
}

/// Files an application after the registry inquiry. The captcha is the caller's business.
pub async fn file(
    state: &AppState,
    input: &ApplicationInput,
    filer: Filer,
) -> ApiResult<Application> {
    let id = parse_identity(&input.national_code, &input.birth_certificate)?;
    let birth_date = JalaliDate::parse(&input.birth_date_jalali).at("birth_date_jalali")?;
    let birth_date_hijri = HijriDate::parse(&input.birth_date_hijri).at("birth_date_hijri")?;
    let gender = Gender::parse(&input.gender).at("gender")?;
    Religion::parse(&input.religion).at("religion")?;
    let mother_name = domain::person::parse_name(&input.mother_name).at("mother_name")?;
    let mobile = Mobile::parse(&input.mobile).at("mobile")?;
    let reason = Reason::parse(&input.reason).at("reason")?;

    let claim = Claim {
        birth_certificate: id.birth_certificate,
        birth_date,
        birth_date_hijri,
        gender,
        mother_name,
    };
    let today = today();
    let person = state.store.person(&id.national_code).await?;
    if let Err(e) = inquiry::check(&claim, person.as_ref(), today) {
        if e.code == "lunar_date_mismatch" {
            // The two stated dates disagree: no registry was asked.
            return Err(ApiError::validation(e).with_field("birth_date_hijri"));
        }
        audit_refusal(state, &filer, &id.national_code, e.code).await?;
        return Err(ApiError::validation(e));
    }
    let owns = state
        .services
        .ownership
        .owns(&id.national_code, &mobile)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "mobile ownership check failed");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "ownership_unavailable",
                "استعلام مالکیت شماره همراه در دسترس نیست؛ کمی بعد تلاش کنید",
                "the mobile-ownership service is unavailable; try again shortly",
            )
        })?;
    if !owns {
        audit_refusal(state, &filer, &id.national_code, "mobile_not_owned").await?;
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "mobile_not_owned",
            "این شماره همراه به نام این کد ملی ثبت نشده است؛ شماره‌ای را وارد کنید که به نام خودتان است",
            "this mobile number is not registered to this national code",
        )
        .with_field("mobile"));
    }
    let fee = state
        .settings
        .fees
        .application_fee(today.year(), filer.channel);
    let province = domain::prefixes::province_of(id.national_code.prefix());
    for _ in 0..8 {
        let body: u64 = rand::random::<u64>() % 100_000_000_000;
        let new = NewApplication {
            tracking_code: TrackingCode::from_body(body),
            national_code: id.national_code,
            reason,
            channel: filer.channel,
            mobile,
            fee_rials: fee,
            filing_office: filer.office.clone(),
            province,
            actor: filer.actor.clone(),
            at: chrono::Utc::now(),
        };
        match state.store.file_application(&new).await? {
            Filed::Created(app) => {
                tracing::info!(
                    national_code = %id.national_code.masked(),
                    tracking_code = %app.tracking_code.masked(),
                    channel = filer.channel.as_str(),
                    "application filed"
                );
                if app.reason == domain::Reason::Lost {
                    // A card reported lost stops being valid at once, before the new one is made.
                    let change = store::journey::Change {
                        actor: new.actor.clone(),
                        at: new.at,
                        reason: Some(domain::HistoryReason::ReportedLost(app.tracking_code)),
                    };
                    let revoked = state
                        .store
                        .revoke_cards_of(&app.national_code, &change)
                        .await?;
                    if !revoked.is_empty() {
                        // Its certificates were revoked with it (keyCompromise).
                        crate::pki::status_changed(state).await;
                        tracing::info!(
                            national_code = %app.national_code.masked(),
                            cards = revoked.len(),
                            "lost card revoked"
                        );
                    }
                }
                return Ok(*app);
            }
            Filed::ActiveExists => return Err(ApiError::conflict(
                "active_application_exists",
                "برای این کد ملی درخواست در جریانی وجود دارد؛ وضعیت آن را با کد رهگیری پیگیری کنید",
                "this person already has an application in progress",
            )),
            Filed::TrackingCodeTaken => continue,
        }
    }
    Err(ApiError::internal())
}

/// The routes of this feature (filing by API with its captcha, the portal's two steps, the office's walk-in
/// form), with their OpenAPI paths.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use axum::routing::{get, post};
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(api::create))
        .routes(routes!(api::new_captcha))
        .routes(routes!(api::captcha_image))
        .route("/register", get(pages::form).post(pages::submit))
        .route("/register/details", post(details::submit))
        .route("/office/file", get(desk::form).post(desk::submit))
}
