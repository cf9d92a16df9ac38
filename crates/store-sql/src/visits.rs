//! The SQL of `store::visits`: mobile units' visits, the people booked onto them (each booking one transaction:
//! a place of the visit, the application, its fee decision, its appointment at the unit, the booking row), the
//! institutions and their liaisons, invoices, home-visit requests and the units' figures.

use chrono::{DateTime, Utc};
use domain::{
    ApplicationState, Event, FeePolicy, HistoryEvent, HistoryReason, InstitutionKind, JalaliDate,
    NationalCode, OfficeId, ProvinceCode, TrackingCode,
};
use sqlx::{ColumnIndex, Encode, Executor, Type};
use store::applications::{Change, NewApplication};
use store::appointments::Appointment;
use store::visits::*;
use store::{Result, StoreError, Visits};

use crate::{
    back,
    columns::is_unique,
    corrupt, db_err as err, get,
    rows::{office, state, tracking},
    u, Columns, Conn, Db, DbRow, Engine, Scalar, SqlStore,
};

const VISIT_COLUMNS: &str = "id, unit_office_id, province_code, institution_kind, institution_id, \
    institution_name, address, day, CAST(capacity AS BIGINT) AS capacity, \
    CAST(booked AS BIGINT) AS booked, liaison, area, created_by, created_at, updated_at";

const REQUEST_COLUMNS: &str = "r.id, r.application_id, a.tracking_code, r.province_code, r.area, \
    r.address, r.state, r.visit_id, r.welfare_ref, r.requested_at";

fn count32(row: &impl Columns, col: &'static str) -> Result<u32> {
    let n: i64 = get(row, col)?;
    u32::try_from(n).map_err(corrupt(col))
}

fn kind(row: &impl Columns, col: &'static str) -> Result<InstitutionKind> {
    InstitutionKind::parse(&get::<String, _>(row, col)?).map_err(corrupt(col))
}

fn province(row: &impl Columns) -> Result<ProvinceCode> {
    ProvinceCode::parse(&get::<String, _>(row, "province_code")?).map_err(corrupt("province_code"))
}

fn visit(row: &impl Columns) -> Result<Visit> {
    Ok(Visit {
        id: get(row, "id")?,
        unit: office(row, "unit_office_id")?,
        province: province(row)?,
        kind: kind(row, "institution_kind")?,
        institution_id: get(row, "institution_id")?,
        institution_name: get(row, "institution_name")?,
        address: get(row, "address")?,
        date: JalaliDate::parse(&get::<String, _>(row, "day")?).map_err(corrupt("day"))?,
        capacity: count32(row, "capacity")?,
        booked: count32(row, "booked")?,
        liaison: get(row, "liaison")?,
        area: get(row, "area")?,
        created_by: get(row, "created_by")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}

fn institution(row: &impl Columns) -> Result<Institution> {
    Ok(Institution {
        id: get(row, "id")?,
        province: province(row)?,
        kind: kind(row, "kind")?,
        name: get(row, "name")?,
    })
}

fn request(row: &impl Columns) -> Result<HomeVisitRequest> {
    Ok(HomeVisitRequest {
        id: get(row, "id")?,
        application_id: get(row, "application_id")?,
        tracking_code: tracking(row, "tracking_code")?,
        province: province(row)?,
        area: get(row, "area")?,
        address: get(row, "address")?,
        state: get(row, "state")?,
        visit_id: get(row, "visit_id")?,
        welfare_ref: get(row, "welfare_ref")?,
        requested_at: get(row, "requested_at")?,
    })
}

/// Where and when a visit's people get their appointments.
struct Place {
    unit: OfficeId,
    date: JalaliDate,
    kind: InstitutionKind,
    institution_id: Option<i64>,
}

impl<E: Engine> SqlStore<E>
where
    for<'c> &'c mut Conn<E>: Executor<'c, Database = Db<E>>,
    for<'q> &'q str: Encode<'q, Db<E>> + Type<Db<E>>,
    for<'q> Option<&'q str>: Encode<'q, Db<E>>,
    for<'q> &'q [u8]: Encode<'q, Db<E>> + Type<Db<E>>,
    usize: ColumnIndex<DbRow<E>>,
    i64: Scalar<Db<E>>,
    Option<i64>: Scalar<Db<E>>,
    String: Scalar<Db<E>>,
    bool: Scalar<Db<E>>,
    f64: Scalar<Db<E>>,
    DateTime<Utc>: Scalar<Db<E>>,
{
    async fn visit_event(
        conn: &mut Conn<E>,
        visit_id: i64,
        what: &str,
        change: &Change,
    ) -> Result<()> {
        sqlx::query("INSERT INTO visit_events (visit_id, at, actor, what) VALUES ($1, $2, $3, $4)")
            .bind(visit_id)
            .bind(change.at)
            .bind(&change.actor)
            .bind(what)
            .execute(&mut *conn)
            .await
            .map_err(err)?;
        Ok(())
    }

    /// Takes one place of a visit; the visit's row is the lock that orders its bookings. `Err` with the answer
    /// when there is no such visit or no place left.
    async fn take_place(
        conn: &mut Conn<E>,
        visit_id: i64,
    ) -> Result<std::result::Result<Place, VisitBooked>> {
        let row = sqlx::query(
            "UPDATE visits SET booked = booked + 1 WHERE id = $1 AND booked < capacity \
             RETURNING unit_office_id, day, institution_kind, institution_id",
        )
        .bind(visit_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(err)?;
        let Some(row) = row else {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM visits WHERE id = $1")
                .bind(visit_id)
                .fetch_optional(&mut *conn)
                .await
                .map_err(err)?;
            return Ok(Err(if exists.is_some() {
                VisitBooked::NoCapacity
            } else {
                VisitBooked::VisitNotFound
            }));
        };
        Ok(Ok(Place {
            unit: office(&row, "unit_office_id")?,
            date: JalaliDate::parse(&get::<String, _>(&row, "day")?).map_err(corrupt("day"))?,
            kind: kind(&row, "institution_kind")?,
            institution_id: get(&row, "institution_id")?,
        }))
    }

    /// Settles the fee of an application awaiting payment by the visit's policy: `waived` and `institution`
    /// move it on at once with the reason recorded (`institution` adds the fee to the visit's invoice);
    /// `person` leaves it waiting for the person's payment. Answers the state it is in afterwards.
    async fn settle_by_policy(
        conn: &mut Conn<E>,
        application_id: i64,
        visit_id: i64,
        place: &Place,
        policy: FeePolicy,
        fee_rials: u64,
        change: &Change,
    ) -> Result<ApplicationState> {
        let from = ApplicationState::AwaitingPayment;
        let why = match policy {
            FeePolicy::Person => return Ok(from),
            FeePolicy::Waived => format!(
                "fee waived (0 rials): mobile unit visit #{visit_id} to a {}",
                place.kind.as_str()
            ),
            FeePolicy::Institution => format!(
                "fee of {fee_rials} rials paid by the institution: mobile unit visit #{visit_id} invoice"
            ),
        };
        let moved = Self::move_one(
            &mut *conn,
            application_id,
            from,
            Event::PaymentSettled,
            &change.because(HistoryReason::note(why)),
        )
        .await?;
        if !moved {
            return Err(StoreError::Invalid(
                "the application left awaiting_payment during its booking".into(),
            ));
        }
        if policy == FeePolicy::Institution {
            sqlx::query(
                "INSERT INTO visit_invoices (visit_id, institution_id, people, amount_rials, state, \
                 created_at, updated_at) VALUES ($1, $2, 1, $3, 'open', $4, $4) \
                 ON CONFLICT (visit_id) DO UPDATE SET people = visit_invoices.people + 1, \
                 amount_rials = visit_invoices.amount_rials + $3, state = 'open', updated_at = $4",
            )
            .bind(visit_id)
            .bind(place.institution_id)
            .bind(u(fee_rials))
            .bind(change.at)
            .execute(&mut *conn)
            .await
            .map_err(err)?;
        }
        Ok(ApplicationState::AwaitingAppointment)
    }

    /// An ordinary appointment at the unit on the visit's day for an application awaiting one, in the caller's
    /// transaction. The visit's capacity (already taken) is the limit, not the unit's daily capacity: the unit
    /// works at the institution that day.
    pub(crate) async fn book_at_unit(
        conn: &mut Conn<E>,
        application_id: i64,
        unit: &OfficeId,
        date: JalaliDate,
        change: &Change,
    ) -> Result<Option<Appointment>> {
        let day = date.to_string();
        sqlx::query(
            "INSERT INTO office_days (office_id, day, booked) VALUES ($1, $2, 1) \
             ON CONFLICT (office_id, day) DO UPDATE SET booked = office_days.booked + 1",
        )
        .bind(unit.as_str())
        .bind(&day)
        .execute(&mut *conn)
        .await
        .map_err(err)?;
        let slot: i64 = sqlx::query_scalar(
            "SELECT CAST(CASE WHEN NOT EXISTS (SELECT 1 FROM appointments \
                 WHERE office_id = $1 AND day = $2 AND slot = 1) THEN 1 \
             ELSE (SELECT MIN(x.slot) + 1 FROM appointments x WHERE x.office_id = $1 \
                 AND x.day = $2 AND NOT EXISTS (SELECT 1 FROM appointments y \
                 WHERE y.office_id = $1 AND y.day = $2 AND y.slot = x.slot + 1)) END AS BIGINT)",
        )
        .bind(unit.as_str())
        .bind(&day)
        .fetch_one(&mut *conn)
        .await
        .map_err(err)?;
        sqlx::query(
            "INSERT INTO appointments (application_id, office_id, day, slot, booked_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(application_id)
        .bind(unit.as_str())
        .bind(&day)
        .bind(slot)
        .bind(change.at)
        .execute(&mut *conn)
        .await
        .map_err(err)?;
        let from = ApplicationState::AwaitingAppointment;
        let to = from
            .transition(Event::AppointmentBooked)
            .map_err(|e| StoreError::Invalid(e.message_en))?;
        let moved: Option<Option<String>> = sqlx::query_scalar(
            "UPDATE applications SET state = $1, office_id = $2, updated_at = $3 \
             WHERE id = $4 AND state = $5 RETURNING province_code",
        )
        .bind(to.as_str())
        .bind(unit.as_str())
        .bind(change.at)
        .bind(application_id)
        .bind(from.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(err)?;
        let Some(province) = moved else {
            return Err(StoreError::Invalid(
                "the application left awaiting_appointment during its booking".into(),
            ));
        };
        Self::count(&mut *conn, province.as_deref(), Some(from), to).await?;
        let slot = u32::try_from(slot).map_err(corrupt("slot"))?;
        let booking = change.because(HistoryReason::Booking {
            office: unit.clone(),
            day: date,
            slot,
        });
        Self::record_event(
            &mut *conn,
            application_id,
            Some(from),
            to,
            HistoryEvent::Transition(Event::AppointmentBooked),
            &booking,
        )
        .await?;
        Ok(Some(Appointment {
            office_id: unit.clone(),
            date,
            slot,
        }))
    }

    /// For a payment just applied (in the caller's transaction): when the application is booked onto a visit,
    /// its appointment at the unit on the visit's day.
    pub(crate) async fn book_paid_onto_visit(
        conn: &mut Conn<E>,
        application_id: i64,
        change: &Change,
    ) -> Result<Option<Appointment>> {
        let row = sqlx::query(
            "SELECT v.unit_office_id, v.day FROM visit_bookings b JOIN visits v ON v.id = b.visit_id \
             WHERE b.application_id = $1",
        )
        .bind(application_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(err)?;
        let Some(row) = row else { return Ok(None) };
        let unit = office(&row, "unit_office_id")?;
        let date = JalaliDate::parse(&get::<String, _>(&row, "day")?).map_err(corrupt("day"))?;
        Self::book_at_unit(conn, application_id, &unit, date, change).await
    }

    async fn insert_booking(
        conn: &mut Conn<E>,
        visit_id: i64,
        application_id: i64,
        line: u32,
        policy: FeePolicy,
        fee_rials: u64,
        change: &Change,
    ) -> Result<()> {
        let fee = if policy == FeePolicy::Waived {
            0
        } else {
            fee_rials
        };
        sqlx::query(
            "INSERT INTO visit_bookings (visit_id, application_id, line, fee_policy, fee_rials, \
             booked_by, booked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(visit_id)
        .bind(application_id)
        .bind(i64::from(line))
        .bind(policy.as_str())
        .bind(u(fee))
        .bind(&change.actor)
        .bind(change.at)
        .execute(&mut *conn)
        .await
        .map_err(err)?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl<E: Engine> Visits for SqlStore<E>
where
    for<'c> &'c mut Conn<E>: Executor<'c, Database = Db<E>>,
    for<'q> &'q str: Encode<'q, Db<E>> + Type<Db<E>>,
    for<'q> Option<&'q str>: Encode<'q, Db<E>>,
    for<'q> &'q [u8]: Encode<'q, Db<E>> + Type<Db<E>>,
    usize: ColumnIndex<DbRow<E>>,
    i64: Scalar<Db<E>>,
    Option<i64>: Scalar<Db<E>>,
    String: Scalar<Db<E>>,
    bool: Scalar<Db<E>>,
    f64: Scalar<Db<E>>,
    DateTime<Utc>: Scalar<Db<E>>,
{
    async fn visit_create(&self, v: &NewVisit) -> Result<i64> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO visits (unit_office_id, province_code, institution_kind, institution_id, \
             institution_name, address, day, capacity, booked, liaison, area, created_by, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11, $12, $12) RETURNING id",
        )
        .bind(v.unit.as_str())
        .bind(v.province.as_str())
        .bind(v.kind.as_str())
        .bind(v.institution_id)
        .bind(&v.institution_name)
        .bind(&v.address)
        .bind(v.date.to_string())
        .bind(i64::from(v.capacity))
        .bind(v.liaison.as_deref())
        .bind(v.area.as_deref())
        .bind(&v.created_by)
        .bind(v.at)
        .fetch_one(&mut *tx)
        .await
        .map_err(err)?;
        let change = Change {
            actor: v.created_by.clone(),
            at: v.at,
            reason: None,
        };
        let what = format!(
            "planned: unit {} on {} for {} places",
            v.unit.as_str(),
            v.date,
            v.capacity
        );
        Self::visit_event(&mut tx, id, &what, &change).await?;
        tx.commit().await.map_err(err)?;
        Ok(id)
    }

    async fn visit(&self, id: i64) -> Result<Option<Visit>> {
        let row = sqlx::query(&format!("SELECT {VISIT_COLUMNS} FROM visits WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        row.as_ref().map(visit).transpose()
    }

    async fn visits(&self, province: Option<ProvinceCode>) -> Result<Vec<Visit>> {
        let rows = sqlx::query(&format!(
            "SELECT {VISIT_COLUMNS} FROM visits WHERE ($1 = '' OR province_code = $1) \
             ORDER BY day, id"
        ))
        .bind(province.map_or("", |p| p.as_str()))
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter().map(visit).collect()
    }

    async fn visit_roster(&self, visit_id: i64) -> Result<Vec<RosterEntry>> {
        let rows = sqlx::query(
            "SELECT b.application_id, a.tracking_code, a.national_code, b.line, a.state, b.fee_policy \
             FROM visit_bookings b JOIN applications a ON a.id = b.application_id \
             WHERE b.visit_id = $1 ORDER BY b.line, b.application_id",
        )
        .bind(visit_id)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter()
            .map(|r| {
                Ok(RosterEntry {
                    application_id: get(r, "application_id")?,
                    tracking_code: tracking(r, "tracking_code")?,
                    national_code: NationalCode::parse(&get::<String, _>(r, "national_code")?)
                        .map_err(corrupt("national_code"))?,
                    line: count32(r, "line")?,
                    state: state(&get::<String, _>(r, "state")?)?,
                    fee_policy: FeePolicy::parse(&get::<String, _>(r, "fee_policy")?)
                        .map_err(corrupt("fee_policy"))?,
                })
            })
            .collect()
    }

    async fn visit_update(
        &self,
        id: i64,
        edit: &VisitEdit,
        change: &Change,
    ) -> Result<VisitEdited> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        // Taking the row's lock first (a no-op write), so no booking slips in between the check and the update.
        let row = sqlx::query(&format!(
            "UPDATE visits SET updated_at = updated_at WHERE id = $1 RETURNING {VISIT_COLUMNS}"
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        let Some(row) = row else {
            return Ok(VisitEdited::NotFound);
        };
        let before = visit(&row)?;
        if edit.capacity < before.booked {
            return Ok(VisitEdited::BelowBooked(before.booked));
        }
        if edit.date != before.date && before.booked > 0 {
            return Ok(VisitEdited::HasBookings);
        }
        sqlx::query(
            "UPDATE visits SET institution_name = $1, address = $2, day = $3, capacity = $4, \
             liaison = $5, updated_at = $6 WHERE id = $7",
        )
        .bind(&edit.institution_name)
        .bind(&edit.address)
        .bind(edit.date.to_string())
        .bind(i64::from(edit.capacity))
        .bind(edit.liaison.as_deref())
        .bind(change.at)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        let mut what = Vec::new();
        if edit.institution_name != before.institution_name {
            what.push(format!(
                "institution {:?} → {:?}",
                before.institution_name, edit.institution_name
            ));
        }
        if edit.address != before.address {
            what.push("address changed".to_string());
        }
        if edit.date != before.date {
            what.push(format!("day {} → {}", before.date, edit.date));
        }
        if edit.capacity != before.capacity {
            what.push(format!("capacity {} → {}", before.capacity, edit.capacity));
        }
        if edit.liaison != before.liaison {
            what.push(format!(
                "liaison {} → {}",
                before.liaison.as_deref().unwrap_or("-"),
                edit.liaison.as_deref().unwrap_or("-")
            ));
        }
        if what.is_empty() {
            what.push("saved unchanged".to_string());
        }
        Self::visit_event(&mut tx, id, &format!("edited: {}", what.join("; ")), change).await?;
        tx.commit().await.map_err(err)?;
        Ok(VisitEdited::Edited)
    }

    async fn visit_events(&self, visit_id: i64) -> Result<Vec<VisitEvent>> {
        let rows =
            sqlx::query("SELECT at, actor, what FROM visit_events WHERE visit_id = $1 ORDER BY id")
                .bind(visit_id)
                .fetch_all(&self.pool)
                .await
                .map_err(err)?;
        rows.iter()
            .map(|r| {
                Ok(VisitEvent {
                    at: get(r, "at")?,
                    actor: get(r, "actor")?,
                    what: get(r, "what")?,
                })
            })
            .collect()
    }

    async fn visit_note(&self, visit_id: i64, what: &str, change: &Change) -> Result<()> {
        let mut conn = self.pool.acquire().await.map_err(err)?;
        Self::visit_event(&mut conn, visit_id, what, change).await
    }

    async fn visit_book_new(
        &self,
        visit_id: i64,
        line: u32,
        policy: FeePolicy,
        new: &NewApplication,
    ) -> Result<VisitBooked> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let place = match Self::take_place(&mut tx, visit_id).await? {
            Ok(p) => p,
            Err(answer) => return Ok(answer),
        };
        let active: Option<i64> =
            sqlx::query_scalar("SELECT id FROM applications WHERE national_code = $1 AND active")
                .bind(new.national_code.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(err)?;
        if active.is_some() {
            return Ok(VisitBooked::ActiveExists);
        }
        let id = match Self::insert_application(&mut tx, new).await {
            Ok(id) => id,
            Err(e) if is_unique(&e) => {
                // PostgreSQL aborts the transaction on the violation: ask outside it.
                tx.rollback().await.map_err(err)?;
                let taken: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM applications WHERE tracking_code = $1")
                        .bind(new.tracking_code.as_str())
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(err)?;
                return Ok(if taken.is_some() {
                    VisitBooked::TrackingCodeTaken
                } else {
                    VisitBooked::ActiveExists
                });
            }
            Err(e) => return Err(err(e)),
        };
        Self::record_filed(&mut tx, id, new).await?;
        let change = Change {
            actor: new.actor.clone(),
            at: new.at,
            reason: None,
        };
        let now = Self::settle_by_policy(
            &mut tx,
            id,
            visit_id,
            &place,
            policy,
            new.fee_rials,
            &change,
        )
        .await?;
        let appointment = if now == ApplicationState::AwaitingAppointment {
            Self::book_at_unit(&mut tx, id, &place.unit, place.date, &change).await?
        } else {
            None
        };
        Self::insert_booking(&mut tx, visit_id, id, line, policy, new.fee_rials, &change).await?;
        tx.commit().await.map_err(err)?;
        Ok(VisitBooked::Booked {
            application_id: id,
            tracking_code: new.tracking_code,
            appointment,
        })
    }

    async fn visit_book_existing(
        &self,
        visit_id: i64,
        line: u32,
        policy: FeePolicy,
        tracking_code: &TrackingCode,
        change: &Change,
    ) -> Result<VisitBooked> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let row = sqlx::query(
            "SELECT a.id, a.state, a.fee_rials, b.visit_id FROM applications a \
             LEFT JOIN visit_bookings b ON b.application_id = a.id WHERE a.tracking_code = $1",
        )
        .bind(tracking_code.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        let Some(row) = row else {
            return Err(StoreError::Invalid("no such application".into()));
        };
        if get::<Option<i64>, _>(&row, "visit_id")?.is_some() {
            return Ok(VisitBooked::AlreadyBooked);
        }
        let id: i64 = get(&row, "id")?;
        let fee = back(get(&row, "fee_rials")?);
        let from = state(&get::<String, _>(&row, "state")?)?;
        if !matches!(
            from,
            ApplicationState::AwaitingPayment | ApplicationState::AwaitingAppointment
        ) {
            return Ok(VisitBooked::WrongState(from));
        }
        let place = match Self::take_place(&mut tx, visit_id).await? {
            Ok(p) => p,
            Err(answer) => return Ok(answer),
        };
        let now = if from == ApplicationState::AwaitingPayment {
            Self::settle_by_policy(&mut tx, id, visit_id, &place, policy, fee, change).await?
        } else {
            from
        };
        let appointment = if now == ApplicationState::AwaitingAppointment {
            Self::book_at_unit(&mut tx, id, &place.unit, place.date, change).await?
        } else {
            None
        };
        // A person who had already paid owes nothing more.
        let (policy, fee) = if from == ApplicationState::AwaitingAppointment {
            (FeePolicy::Person, fee)
        } else {
            (policy, fee)
        };
        Self::insert_booking(&mut tx, visit_id, id, line, policy, fee, change).await?;
        tx.commit().await.map_err(err)?;
        Ok(VisitBooked::Booked {
            application_id: id,
            tracking_code: *tracking_code,
            appointment,
        })
    }

    async fn visit_of(&self, tracking_code: &TrackingCode) -> Result<Option<i64>> {
        sqlx::query_scalar(
            "SELECT b.visit_id FROM visit_bookings b JOIN applications a ON a.id = b.application_id \
             WHERE a.tracking_code = $1",
        )
        .bind(tracking_code.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(err)
    }

    async fn institution_ensure(
        &self,
        province: ProvinceCode,
        kind: InstitutionKind,
        name: &str,
        at: DateTime<Utc>,
    ) -> Result<Institution> {
        let row = sqlx::query(
            "INSERT INTO institutions (province_code, kind, name, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (province_code, kind, name) DO UPDATE SET name = excluded.name \
             RETURNING id, province_code, kind, name",
        )
        .bind(province.as_str())
        .bind(kind.as_str())
        .bind(name)
        .bind(at)
        .fetch_one(&self.pool)
        .await
        .map_err(err)?;
        institution(&row)
    }

    async fn institution(&self, id: i64) -> Result<Option<Institution>> {
        let row =
            sqlx::query("SELECT id, province_code, kind, name FROM institutions WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(err)?;
        row.as_ref().map(institution).transpose()
    }

    async fn user_set_institution(&self, username: &str, institution_id: i64) -> Result<bool> {
        let done = sqlx::query("UPDATE users SET institution_id = $1 WHERE username = $2")
            .bind(institution_id)
            .bind(username)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(E::rows_affected(&done) > 0)
    }

    async fn user_institution(&self, username: &str) -> Result<Option<Institution>> {
        let row = sqlx::query(
            "SELECT i.id, i.province_code, i.kind, i.name FROM users u \
             JOIN institutions i ON i.id = u.institution_id WHERE u.username = $1",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        row.as_ref().map(institution).transpose()
    }

    async fn visit_invoice(&self, visit_id: i64) -> Result<Option<VisitInvoice>> {
        let row = sqlx::query(
            "SELECT visit_id, institution_id, CAST(people AS BIGINT) AS people, \
             CAST(amount_rials AS BIGINT) AS amount_rials, state, paid_ref, updated_at \
             FROM visit_invoices WHERE visit_id = $1",
        )
        .bind(visit_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(VisitInvoice {
            visit_id: get(&r, "visit_id")?,
            institution_id: get(&r, "institution_id")?,
            people: count32(&r, "people")?,
            amount_rials: back(get(&r, "amount_rials")?),
            state: get(&r, "state")?,
            paid_ref: get(&r, "paid_ref")?,
            updated_at: get(&r, "updated_at")?,
        }))
    }

    async fn visit_invoice_paid(
        &self,
        visit_id: i64,
        paid_ref: &str,
        change: &Change,
    ) -> Result<bool> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let done = sqlx::query(
            "UPDATE visit_invoices SET state = 'paid', paid_ref = $1, updated_at = $2 \
             WHERE visit_id = $3 AND state = 'open'",
        )
        .bind(paid_ref)
        .bind(change.at)
        .bind(visit_id)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        if E::rows_affected(&done) == 0 {
            return Ok(false);
        }
        Self::visit_event(
            &mut tx,
            visit_id,
            &format!("invoice paid by the institution (reference {paid_ref})"),
            change,
        )
        .await?;
        tx.commit().await.map_err(err)?;
        Ok(true)
    }

    async fn home_visit_request(&self, new: &NewHomeVisitRequest) -> Result<HomeVisitFiled> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let app: Option<i64> =
            sqlx::query_scalar("SELECT id FROM applications WHERE tracking_code = $1")
                .bind(new.tracking_code.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(err)?;
        let Some(app) = app else {
            return Ok(HomeVisitFiled::NotFound);
        };
        let existing = sqlx::query(&format!(
            "SELECT {REQUEST_COLUMNS} FROM home_visit_requests r \
             JOIN applications a ON a.id = r.application_id WHERE r.application_id = $1"
        ))
        .bind(app)
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        if let Some(r) = existing {
            return Ok(HomeVisitFiled::Exists(request(&r)?));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO home_visit_requests (application_id, province_code, area, address, state, \
             welfare_ref, requested_by, requested_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'confirmed', $5, $6, $7, $7) RETURNING id",
        )
        .bind(app)
        .bind(new.province.as_str())
        .bind(&new.area)
        .bind(&new.address)
        .bind(&new.welfare_ref)
        .bind(&new.requested_by)
        .bind(new.at)
        .fetch_one(&mut *tx)
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(HomeVisitFiled::Created(HomeVisitRequest {
            id,
            application_id: app,
            tracking_code: new.tracking_code,
            province: new.province,
            area: new.area.clone(),
            address: new.address.clone(),
            state: "confirmed".into(),
            visit_id: None,
            welfare_ref: new.welfare_ref.clone(),
            requested_at: new.at,
        }))
    }

    async fn home_visit_requests_waiting(
        &self,
        province: Option<ProvinceCode>,
    ) -> Result<Vec<HomeVisitRequest>> {
        let rows = sqlx::query(&format!(
            "SELECT {REQUEST_COLUMNS} FROM home_visit_requests r \
             JOIN applications a ON a.id = r.application_id \
             WHERE r.state = 'confirmed' AND ($1 = '' OR r.province_code = $1) \
             ORDER BY r.province_code, r.area, r.id"
        ))
        .bind(province.map_or("", |p| p.as_str()))
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter().map(request).collect()
    }

    async fn home_visit_request_booked(
        &self,
        request_id: i64,
        visit_id: i64,
        change: &Change,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE home_visit_requests SET state = 'booked', visit_id = $1, updated_at = $2 \
             WHERE id = $3 AND state = 'confirmed'",
        )
        .bind(visit_id)
        .bind(change.at)
        .bind(request_id)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(E::rows_affected(&done) > 0)
    }

    async fn unit_stats(&self, province: Option<ProvinceCode>) -> Result<Vec<UnitKindStats>> {
        let key = province.map_or("", |p| p.as_str());
        let visits = sqlx::query(
            "SELECT institution_kind, COUNT(*) AS n FROM visits \
             WHERE ($1 = '' OR province_code = $1) GROUP BY institution_kind",
        )
        .bind(key)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        let work = sqlx::query(
            "SELECT v.institution_kind, COUNT(*) AS booked, \
             CAST(SUM(CASE WHEN EXISTS (SELECT 1 FROM application_events e \
                 WHERE e.application_id = a.id AND e.to_state = 'enrolled') THEN 1 ELSE 0 END) AS BIGINT) AS enrolled, \
             CAST(SUM(CASE WHEN a.state = 'delivered' THEN 1 ELSE 0 END) AS BIGINT) AS delivered, \
             CAST(SUM(CASE WHEN a.state = 'uncollected' THEN 1 ELSE 0 END) AS BIGINT) AS uncollected \
             FROM visit_bookings b JOIN visits v ON v.id = b.visit_id \
             JOIN applications a ON a.id = b.application_id \
             WHERE ($1 = '' OR v.province_code = $1) GROUP BY v.institution_kind",
        )
        .bind(key)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        let mut out: Vec<UnitKindStats> = InstitutionKind::ALL
            .into_iter()
            .map(|kind| UnitKindStats {
                kind,
                visits: 0,
                booked: 0,
                enrolled: 0,
                delivered: 0,
                uncollected: 0,
            })
            .collect();
        for r in &visits {
            let k = kind(r, "institution_kind")?;
            if let Some(s) = out.iter_mut().find(|s| s.kind == k) {
                s.visits = back(get(r, "n")?);
            }
        }
        for r in &work {
            let k = kind(r, "institution_kind")?;
            if let Some(s) = out.iter_mut().find(|s| s.kind == k) {
                s.booked = back(get(r, "booked")?);
                s.enrolled = back(get(r, "enrolled")?);
                s.delivered = back(get(r, "delivered")?);
                s.uncollected = back(get(r, "uncollected")?);
            }
        }
        Ok(out)
    }
}
