//! What a kit takes with it to a visit (`GET /api/v1/kits/visits/{visit_id}`, signed by an approved kit of the
//! visit's unit): the visit, the unit office, and for each person on the roster still waiting for enrollment their
//! civil registry row, application and appointment, so the desk's enrollment runs on the kit's own database as it
//! does at an office. People already enrolled, cancelled or deceased are left out.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use domain::{ApplicationState, OfficeId, Person, TrackingCode};
use serde::{Deserialize, Serialize};
use store::kits::Kit;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VisitLoad {
    pub visit_id: i64,
    pub date_jalali: String,
    pub institution_name: String,
    pub unit: UnitOffice,
    pub people: Vec<RosterPerson>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnitOffice {
    pub office_id: String,
    pub name: String,
    pub kind: String,
    pub province_code: String,
    pub city: String,
    pub address: String,
    pub daily_capacity: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RosterPerson {
    /// The roster's line.
    pub line: u32,
    /// The person's civil registry row, in the registry CSV's sixteen columns.
    pub registry: Vec<String>,
    pub application: LoadedApplication,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LoadedApplication {
    pub tracking_code: String,
    pub national_code: String,
    pub reason: String,
    pub channel: String,
    pub mobile: String,
    pub fee_rials: u64,
    pub filing_office: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The appointment at the unit on the visit's day.
    pub office_id: String,
    pub date_jalali: String,
    pub slot: u32,
}

/// The visit an application is booked on, if any.
pub async fn visit_of(state: &AppState, tracking: &TrackingCode) -> ApiResult<Option<i64>> {
    Ok(state.store.visit_of(tracking).await?)
}

/// The unit office of a visit, if it exists.
pub async fn visit_unit(state: &AppState, visit_id: i64) -> ApiResult<Option<OfficeId>> {
    Ok(state.store.visit(visit_id).await?.map(|v| v.unit))
}

/// The person as a registry CSV row.
pub fn registry_row(p: &Person) -> Vec<String> {
    vec![
        p.national_code.as_str().into(),
        p.first_name.clone(),
        p.last_name.clone(),
        p.father_name.clone(),
        p.mother_name.clone(),
        p.gender.as_str().into(),
        p.birth_date.to_string(),
        p.birth_place.clone(),
        p.religion.as_str().into(),
        p.birth_certificate.series_letter().as_str().into(),
        p.birth_certificate.series_number(),
        p.birth_certificate.serial().into(),
        p.mobiles
            .iter()
            .map(|m| m.as_str())
            .collect::<Vec<_>>()
            .join(";"),
        p.postal_code
            .as_ref()
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
        p.address.clone(),
        p.death_date.map(|d| d.to_string()).unwrap_or_default(),
    ]
}

/// The visit's load for this kit: 404 for a visit that does not exist or is another unit's.
pub async fn load(state: &AppState, kit: &Kit, visit_id: i64) -> ApiResult<VisitLoad> {
    let visit = state
        .store
        .visit(visit_id)
        .await?
        .filter(|v| v.unit == kit.unit_office)
        .ok_or_else(|| ApiError::not_found("بازدید", "visit"))?;
    let unit = state
        .store
        .office(&visit.unit)
        .await?
        .ok_or_else(ApiError::internal)?;
    let mut people = Vec::new();
    for entry in state.store.visit_roster(visit_id).await? {
        let Some(app) = state.store.application(&entry.tracking_code).await? else {
            continue;
        };
        let Some(appt) = app.appointment.as_ref() else {
            continue;
        };
        if app.state != ApplicationState::AppointmentBooked || appt.office_id != visit.unit {
            continue;
        }
        let Some(person) = state.store.person(&app.national_code).await? else {
            continue;
        };
        if person.death_date.is_some() {
            continue;
        }
        people.push(RosterPerson {
            line: entry.line,
            registry: registry_row(&person),
            application: LoadedApplication {
                tracking_code: app.tracking_code.as_str().into(),
                national_code: app.national_code.as_str().into(),
                reason: app.reason.as_str().into(),
                channel: app.channel.as_str().into(),
                mobile: app.mobile.as_str().into(),
                fee_rials: app.fee_rials,
                filing_office: app.filing_office.as_ref().map(|o| o.as_str().into()),
                created_at: app.created_at,
                office_id: appt.office_id.as_str().into(),
                date_jalali: appt.date.to_string(),
                slot: appt.slot,
            },
        });
    }
    Ok(VisitLoad {
        visit_id,
        date_jalali: visit.date.to_string(),
        institution_name: visit.institution_name.clone(),
        unit: UnitOffice {
            office_id: unit.id.as_str().into(),
            name: unit.name.clone(),
            kind: unit.kind.as_str().into(),
            province_code: unit.province.as_str().into(),
            city: unit.city.clone(),
            address: unit.address.clone(),
            daily_capacity: unit.daily_capacity,
        },
        people,
    })
}
