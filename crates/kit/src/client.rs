//! `init` and `load`: the kit's two calls to the service besides `sync`.

use crate::dir::{KitDir, KitFile};
use anyhow::{anyhow, bail, Context};
use domain::{
    Channel, JalaliDate, Mobile, NationalCode, Office, OfficeId, OfficeKind, Person, ProvinceCode,
    Reason, TrackingCode,
};
use server::kits::load::VisitLoad;
use server::kits::KitRegistered;
use std::time::Duration;
use store::appointments::Appointment;
use store::journey::{Change, NewApplication};
use store::kits::KitApplication;

pub(crate) fn http() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(60))
        .build()?)
}

/// The error an answer carried, as `code: message`.
pub(crate) async fn refusal_of(r: reqwest::Response) -> (u16, String, String) {
    let status = r.status().as_u16();
    let body: serde_json::Value = r.json().await.unwrap_or_default();
    let code = body["error"]["code"]
        .as_str()
        .unwrap_or("unknown")
        .to_string();
    let message = body["error"]["message_en"]
        .as_str()
        .or(body["error"]["message"].as_str())
        .unwrap_or("")
        .to_string();
    (status, code, message)
}

/// Draws the kit's key (when it has none), registers it with the service for `unit_id`, and writes `kit.json`.
/// The kit is `pending` until an administrator approves it.
pub async fn init(dir: &KitDir, server: &str, unit_id: &str) -> anyhow::Result<KitRegistered> {
    std::fs::create_dir_all(&dir.root)
        .with_context(|| format!("creating {}", dir.root.display()))?;
    let key = dir.key()?;
    let public_key = hex::encode(key.public());
    let signature =
        hex::encode(key.sign(&server::kits::registration_message(unit_id, &public_key)));
    let server = server.trim_end_matches('/').to_string();
    let r = http()?
        .post(format!("{server}/api/v1/kits"))
        .json(&serde_json::json!({
            "unit_id": unit_id, "public_key": public_key, "signature": signature
        }))
        .send()
        .await
        .with_context(|| format!("the service at {server} cannot be reached"))?;
    if !r.status().is_success() {
        let (status, code, message) = refusal_of(r).await;
        bail!("the service refused the registration: {status} {code}: {message}");
    }
    let registered: KitRegistered = r.json().await?;
    let visits = dir.read().map(|f| f.visits).unwrap_or_default();
    dir.write(&KitFile {
        server,
        unit_id: registered.unit_id.clone(),
        kit_id: registered.kit_id.clone(),
        service_public_key: registered.service_public_key.clone(),
        visits,
    })?;
    dir.store().await?;
    Ok(registered)
}

/// What `load` brought.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Loaded {
    pub visit_id: i64,
    /// People on the roster waiting for enrollment.
    pub people: usize,
    /// Of them, those not on the kit before.
    pub new: u32,
}

/// Fetches a visit (signed with the kit's key) and stores its unit, people and applications in the kit's
/// database.
pub async fn load(dir: &KitDir, visit_id: i64) -> anyhow::Result<Loaded> {
    let mut file = dir.read()?;
    let key = dir.key()?;
    let path = format!("/api/v1/kits/visits/{visit_id}");
    let time = chrono::Utc::now().timestamp();
    let mut req = http()?.get(format!("{}{path}", file.server));
    for (name, value) in server::kits::auth::sign_request(&file.kit_id, &key, "GET", &path, time) {
        req = req.header(name, value);
    }
    let r = req
        .send()
        .await
        .with_context(|| format!("the service at {} cannot be reached", file.server))?;
    if !r.status().is_success() {
        let (status, code, message) = refusal_of(r).await;
        bail!("the service refused the visit: {status} {code}: {message}");
    }
    let visit: VisitLoad = r.json().await?;
    let store = dir.store().await?;
    let unit = office(&visit)?;
    store.upsert_offices(std::slice::from_ref(&unit)).await?;
    let today = server::state::today();
    let mut persons = Vec::with_capacity(visit.people.len());
    let mut apps = Vec::with_capacity(visit.people.len());
    let at = chrono::Utc::now();
    for p in &visit.people {
        let row: [&str; 16] = std::array::from_fn(|i| p.registry.get(i).map_or("", String::as_str));
        persons.push(
            Person::from_row(&row, today)
                .map_err(|e| anyhow!("line {}: registry row: {e:?}", p.line))?,
        );
        apps.push(application(&file.kit_id, unit.province, &p.application)?);
    }
    store.upsert_persons(&persons).await?;
    let change = Change {
        actor: format!("kit:{}/load", file.kit_id),
        at,
        reason: None,
    };
    let new = store.load_kit_applications(&apps, &change).await?;
    file.visits.insert(
        visit_id,
        visit
            .people
            .iter()
            .map(|p| p.application.tracking_code.clone())
            .collect(),
    );
    dir.write(&file)?;
    Ok(Loaded {
        visit_id,
        people: visit.people.len(),
        new,
    })
}

fn office(v: &VisitLoad) -> anyhow::Result<Office> {
    let u = &v.unit;
    let bad = |what: &str| anyhow!("the service sent a unit with a bad {what}");
    Ok(Office {
        id: OfficeId::parse(&u.office_id).map_err(|_| bad("office_id"))?,
        name: u.name.clone(),
        kind: OfficeKind::parse(&u.kind).map_err(|_| bad("kind"))?,
        province: ProvinceCode::parse(&u.province_code).map_err(|_| bad("province_code"))?,
        city: u.city.clone(),
        address: u.address.clone(),
        daily_capacity: u.daily_capacity.max(1),
    })
}

fn application(
    kit_id: &str,
    province: ProvinceCode,
    a: &server::kits::load::LoadedApplication,
) -> anyhow::Result<KitApplication> {
    let bad = |what: &str| anyhow!("application {}: bad {what}", a.tracking_code);
    Ok(KitApplication {
        application: NewApplication {
            tracking_code: TrackingCode::parse(&a.tracking_code)
                .map_err(|_| bad("tracking_code"))?,
            national_code: NationalCode::parse(&a.national_code)
                .map_err(|_| bad("national_code"))?,
            reason: Reason::parse(&a.reason).map_err(|_| bad("reason"))?,
            channel: Channel::parse(&a.channel).ok_or_else(|| bad("channel"))?,
            mobile: Mobile::parse(&a.mobile).map_err(|_| bad("mobile"))?,
            fee_rials: a.fee_rials,
            filing_office: a
                .filing_office
                .as_deref()
                .map(OfficeId::parse)
                .transpose()
                .map_err(|_| bad("filing_office"))?,
            province: Some(province),
            actor: format!("kit:{kit_id}/load"),
            at: a.created_at,
        },
        appointment: Appointment {
            office_id: OfficeId::parse(&a.office_id).map_err(|_| bad("office_id"))?,
            date: JalaliDate::parse(&a.date_jalali).map_err(|_| bad("date_jalali"))?,
            slot: a.slot,
        },
    })
}
