//! `GET /api/v1/calendar/convert`: one date in any of the three calendars, answered in all three. The portal's
//! form uses it to propose the lunar birth date from the solar one.

use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use axum::http::StatusCode;
use axum::Json;
use domain::calendar::{parse_gregorian, HijriDate, JalaliDate, LUNAR_TOLERANCE_DAYS, WEEKDAYS_FA};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConvertQuery {
    /// A Solar Hijri date, `YYYY-MM-DD` (Persian digits accepted).
    #[param(example = "1403-08-19")]
    pub jalali: Option<String>,
    /// A Gregorian date, `YYYY-MM-DD`.
    #[param(example = "2024-11-09")]
    pub gregorian: Option<String>,
    /// A lunar Hijri date, `YYYY-MM-DD`.
    #[param(example = "1446-05-07")]
    pub hijri: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConvertResponse {
    #[schema(example = "1403-08-19")]
    pub jalali: String,
    #[schema(example = "2024-11-09")]
    pub gregorian: String,
    /// The computed (tabular) lunar date; official dates follow sightings and may differ by a day or two.
    #[schema(example = "1446-05-07")]
    pub hijri: String,
    /// The Solar Hijri date in Persian, e.g. `۱۹ آبان ۱۴۰۳`.
    pub jalali_fa: String,
    pub hijri_fa: String,
    pub weekday_fa: String,
    /// The lunar dates accepted as a birth date for this day (the tolerance window), first and last.
    pub hijri_accepted_from: String,
    pub hijri_accepted_to: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/calendar/convert",
    tag = "citizen",
    params(ConvertQuery),
    responses(
        (status = 200, description = "The same day in the three calendars", body = ConvertResponse),
        (status = 422, description = "No date, more than one, or an invalid date", body = crate::error::ErrorBody),
    )
)]
pub async fn convert(ApiQuery(q): ApiQuery<ConvertQuery>) -> ApiResult<Json<ConvertResponse>> {
    let given = [
        ("jalali", &q.jalali),
        ("gregorian", &q.gregorian),
        ("hijri", &q.hijri),
    ];
    let mut present = given.iter().filter(|(_, v)| v.is_some());
    let (Some((field, Some(value))), None) = (present.next(), present.next()) else {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_query",
            "دقیقاً یکی از jalali، gregorian یا hijri را بفرستید",
            "send exactly one of jalali, gregorian or hijri",
        ));
    };
    let day = match *field {
        "jalali" => JalaliDate::parse(value).map(|d| d.day_number()),
        "gregorian" => parse_gregorian(value).map(|d| i64::from(chrono_days(d))),
        _ => HijriDate::parse(value).map(|d| d.day_number()),
    }
    .map_err(|e| ApiError::validation(e).with_field(*field))?;
    let jalali =
        JalaliDate::from_day_number(day).map_err(|e| ApiError::validation(e).with_field(*field))?;
    let hijri = HijriDate::from_day_number(day);
    Ok(Json(ConvertResponse {
        jalali: jalali.to_string(),
        gregorian: jalali.to_gregorian().to_string(),
        hijri: hijri.to_string(),
        jalali_fa: jalali.format_fa(),
        hijri_fa: hijri.format_fa(),
        weekday_fa: WEEKDAYS_FA[jalali.weekday() as usize].to_string(),
        hijri_accepted_from: HijriDate::from_day_number(day - LUNAR_TOLERANCE_DAYS).to_string(),
        hijri_accepted_to: HijriDate::from_day_number(day + LUNAR_TOLERANCE_DAYS).to_string(),
    }))
}

fn chrono_days(d: domain::GregorianDate) -> i32 {
    use domain::calendar::Datelike;
    d.num_days_from_ce()
}
