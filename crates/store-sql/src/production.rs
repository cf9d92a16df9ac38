/// Implements `store::Production` for a backend store, next to [`impl_journey!`](crate::impl_journey) (whose
/// history and counter helpers it uses). `$person_code` is the expression that turns `a.national_code` (text) into
/// the registry's key type for a join with `persons p`.
#[macro_export]
macro_rules! impl_production {
    ($store:ty, $db:ty, $begin:expr, $person_code:expr) => {
        mod production_sql {
            use super::journey_sql::{count, count_n, record_event, state};
            use chrono::{DateTime, Utc};
            use domain::{
                ApplicationState as S, ChipSerial, Decision, DedupStatus, Event, Mobile,
                NationalCode, OfficeId, TrackingCode, UncollectedReason, VendorRoom,
            };
            use std::collections::{HashMap, HashSet};
            use store::journey::Change;
            use store::production::*;
            use store::{Result, StoreError};

            type Db = $db;
            type DbRow = <Db as sqlx::Database>::Row;
            type Conn = <Db as sqlx::Database>::Connection;

            use $crate::column as get;
            use $crate::{back, corrupt, u};
            use $crate::db_err as err;


            fn tracking(row: &DbRow, col: &'static str) -> Result<TrackingCode> {
                TrackingCode::parse(&get::<String, _>(row, col)?).map_err(corrupt(col))
            }

            fn office(row: &DbRow, col: &'static str) -> Result<OfficeId> {
                OfficeId::parse(&get::<String, _>(row, col)?).map_err(corrupt(col))
            }

            fn serial(row: &DbRow, col: &'static str) -> Result<ChipSerial> {
                ChipSerial::parse(&get::<String, _>(row, col)?).map_err(corrupt(col))
            }

            fn holder_json(row: &DbRow, col: &'static str) -> Result<CardHolder> {
                let s: String = get(row, col)?;
                $crate::serde_json::from_str::<CardHolder>(&s).map_err(|e| StoreError::corrupt(col, e))
            }

            fn fingers_json(row: &DbRow, col: &'static str) -> Result<Vec<FingerRecord>> {
                let s: String = get(row, col)?;
                $crate::serde_json::from_str::<Vec<FingerRecord>>(&s)
                    .map_err(|e| StoreError::corrupt(col, e))
            }

            fn bad_json(e: $crate::serde_json::Error) -> StoreError {
                StoreError::Invalid(e.to_string())
            }



            /// Moves every application selected by `subquery` (which may use `$1`, bound to `key`) that is in
            /// `from` to `to`: history rows, counters and the state, set-wise, in the caller's transaction.
            /// Answers how many moved.
            async fn move_set(
                conn: &mut Conn,
                subquery: &str,
                key: i64,
                from: S,
                event: Event,
                change: &Change,
            ) -> Result<u64> {
                let to = from
                    .transition(event)
                    .map_err(|e| StoreError::Invalid(e.message_en))?;
                let groups = sqlx::query(&format!(
                    "SELECT province_code, COUNT(*) AS n FROM applications \
                     WHERE id IN ({subquery}) AND state = $2 GROUP BY province_code"
                ))
                .bind(key)
                .bind(from.as_str())
                .fetch_all(&mut *conn)
                .await
                .map_err(err)?;
                let mut moved = 0;
                for g in &groups {
                    let province: Option<String> = get(g, "province_code")?;
                    let n: i64 = get(g, "n")?;
                    count_n(&mut *conn, province.as_deref(), Some(from), to, n).await?;
                    moved += back(n);
                }
                if moved == 0 {
                    return Ok(0);
                }
                sqlx::query(&format!(
                    "INSERT INTO application_events (application_id, at, actor, from_state, to_state, \
                     event, reason) SELECT id, $3, $4, $2, $5, $6, $7 FROM applications \
                     WHERE id IN ({subquery}) AND state = $2 ORDER BY id"
                ))
                .bind(key)
                .bind(from.as_str())
                .bind(change.at)
                .bind(&change.actor)
                .bind(to.as_str())
                .bind(event.as_str())
                .bind(change.reason.as_deref())
                .execute(&mut *conn)
                .await
                .map_err(err)?;
                sqlx::query(&format!(
                    "UPDATE applications SET state = $3, active = $4, updated_at = $5 \
                     WHERE id IN ({subquery}) AND state = $2"
                ))
                .bind(key)
                .bind(from.as_str())
                .bind(to.as_str())
                .bind(to.is_active())
                .bind(change.at)
                .execute(&mut *conn)
                .await
                .map_err(err)?;
                Ok(moved)
            }

            /// One application's move, if it is in `from`; answers whether it moved.
            async fn move_one(
                conn: &mut Conn,
                application_id: i64,
                from: S,
                event: Event,
                change: &Change,
            ) -> Result<bool> {
                let to = from
                    .transition(event)
                    .map_err(|e| StoreError::Invalid(e.message_en))?;
                let row = sqlx::query(
                    "UPDATE applications SET state = $1, active = $2, updated_at = $3 \
                     WHERE id = $4 AND state = $5 RETURNING province_code",
                )
                .bind(to.as_str())
                .bind(to.is_active())
                .bind(change.at)
                .bind(application_id)
                .bind(from.as_str())
                .fetch_optional(&mut *conn)
                .await
                .map_err(err)?;
                let Some(row) = row else { return Ok(false) };
                let province: Option<String> = get(&row, "province_code")?;
                record_event(&mut *conn, application_id, Some(from), to, event.as_str(), change)
                    .await?;
                count(&mut *conn, province.as_deref(), Some(from), to).await?;
                if from == S::Uncollected {
                    uncollected_delta(&mut *conn, application_id, province.as_deref(), -1).await?;
                }
                Ok(true)
            }

            /// Moves the uncollected counter of an application's card (its reason and since-day) by `delta`.
            async fn uncollected_delta(
                conn: &mut Conn,
                application_id: i64,
                province: Option<&str>,
                delta: i64,
            ) -> Result<()> {
                let row = sqlx::query(
                    "SELECT uncollected_reason, uncollected_since FROM cards WHERE application_id = $1 \
                     AND uncollected_reason IS NOT NULL AND uncollected_since IS NOT NULL \
                     ORDER BY produced_at DESC LIMIT 1",
                )
                .bind(application_id)
                .fetch_optional(&mut *conn)
                .await
                .map_err(err)?;
                let Some(row) = row else { return Ok(()) };
                sqlx::query(
                    "INSERT INTO uncollected_counts (province_code, reason, since_day, n) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (province_code, reason, since_day) DO UPDATE SET n = uncollected_counts.n + $4",
                )
                .bind(province.unwrap_or(""))
                .bind(get::<String, _>(&row, "uncollected_reason")?)
                .bind(get::<String, _>(&row, "uncollected_since")?)
                .bind(delta)
                .execute(&mut *conn)
                .await
                .map_err(err)?;
                Ok(())
            }

            /// A history row that records something other than a change of state (a new destination).
            async fn note(
                conn: &mut Conn,
                application_id: i64,
                at_state: S,
                what: &str,
                change: &Change,
            ) -> Result<()> {
                record_event(&mut *conn, application_id, Some(at_state), at_state, what, change).await
            }

            async fn enqueue(conn: &mut Conn, application_id: i64, at: DateTime<Utc>) -> Result<()> {
                sqlx::query(
                    "INSERT INTO production_queue (application_id, queued_at) VALUES ($1, $2) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(application_id)
                .bind(at)
                .execute(&mut *conn)
                .await
                .map_err(err)?;
                Ok(())
            }

            /// Who puts a failed card back in the queue, and why.
            fn requeued(at: DateTime<Utc>) -> Change {
                Change {
                    actor: "system:production".into(),
                    at,
                    reason: Some("back in the production queue".into()),
                }
            }

            /// A failed card: `production_failed`, then straight back to `enrolled` and the queue.
            async fn fail_and_requeue(
                conn: &mut Conn,
                application_id: i64,
                from: S,
                event: Event,
                change: &Change,
            ) -> Result<bool> {
                if !move_one(&mut *conn, application_id, from, event, change).await? {
                    return Ok(false);
                }
                let requeue = requeued(change.at);
                move_one(&mut *conn, application_id, S::ProductionFailed, Event::Requeued, &requeue)
                    .await?;
                enqueue(&mut *conn, application_id, change.at).await?;
                Ok(true)
            }

            async fn queue_sms(
                conn: &mut Conn,
                application_id: Option<i64>,
                mobile: &str,
                kind: &str,
                text: &str,
                at: DateTime<Utc>,
            ) -> Result<Option<i64>> {
                sqlx::query_scalar::<_, i64>(
                    "INSERT INTO sms_outbox (application_id, mobile, kind, text, state, attempts, \
                     next_attempt_at, created_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5) \
                     ON CONFLICT DO NOTHING RETURNING id",
                )
                .bind(application_id)
                .bind(mobile)
                .bind(kind)
                .bind(text)
                .bind(at)
                .fetch_optional(&mut *conn)
                .await
                .map_err(err)
            }

            const ENROLLMENT_COLUMNS: &str = "e.application_id, a.tracking_code, a.state, e.office_id, \
                e.destination_office, e.operator, e.enrolled_at, e.birth_certificate_seen, \
                e.old_card_collected, e.holder, e.fingers, e.photo_key, e.card_photo_key, e.signature_key, \
                e.templates_key, e.personalisation_key, e.dedup";

            fn enrollment(row: &DbRow) -> Result<Enrollment> {
                let st: String = get(row, "state")?;
                let dedup: String = get(row, "dedup")?;
                Ok(Enrollment {
                    application_id: get(row, "application_id")?,
                    tracking_code: tracking(row, "tracking_code")?,
                    state: state(&st)?,
                    office: office(row, "office_id")?,
                    destination: office(row, "destination_office")?,
                    operator: get(row, "operator")?,
                    enrolled_at: get(row, "enrolled_at")?,
                    birth_certificate_seen: get(row, "birth_certificate_seen")?,
                    old_card_collected: get(row, "old_card_collected")?,
                    holder: holder_json(row, "holder")?,
                    fingers: fingers_json(row, "fingers")?,
                    photo_key: get(row, "photo_key")?,
                    card_photo_key: get(row, "card_photo_key")?,
                    signature_key: get(row, "signature_key")?,
                    templates_key: get(row, "templates_key")?,
                    personalisation_key: get(row, "personalisation_key")?,
                    dedup: DedupStatus::parse(&dedup)
                        .ok_or_else(|| StoreError::corrupt("dedup", &dedup))?,
                })
            }

            /// Enrollments after `after` (by application id) whose de-duplication status passes `filter`.
            async fn gallery_entries(
                pool: &sqlx::Pool<Db>,
                filter: &str,
                after: i64,
                limit: u32,
            ) -> Result<Vec<GalleryEntry>> {
                let rows = sqlx::query(&format!(
                    "SELECT application_id, templates_key FROM enrollments \
                     WHERE application_id > $1 AND {filter} ORDER BY application_id LIMIT $2"
                ))
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
                .map_err(err)?;
                rows.iter()
                    .map(|r| {
                        Ok(GalleryEntry {
                            application_id: get(r, "application_id")?,
                            templates_key: get(r, "templates_key")?,
                        })
                    })
                    .collect()
            }

            const CASE_SQL: &str = "SELECT h.application_id, a.tracking_code, e.office_id, \
                h.candidate_application_id, c.tracking_code AS candidate_tracking_code, h.score, h.found_at, \
                h.decision, h.decided_by, h.decided_at FROM dedup_hits h \
                JOIN applications a ON a.id = h.application_id \
                JOIN applications c ON c.id = h.candidate_application_id \
                JOIN enrollments e ON e.application_id = h.application_id";

            fn case(row: &DbRow) -> Result<DedupCase> {
                let decision: Option<String> = get(row, "decision")?;
                Ok(DedupCase {
                    application_id: get(row, "application_id")?,
                    tracking_code: tracking(row, "tracking_code")?,
                    office: office(row, "office_id")?,
                    candidate_application_id: get(row, "candidate_application_id")?,
                    candidate_tracking_code: tracking(row, "candidate_tracking_code")?,
                    score: get(row, "score")?,
                    found_at: get(row, "found_at")?,
                    decision: decision.as_deref().and_then(Decision::parse),
                    decided_by: get(row, "decided_by")?,
                    decided_at: get(row, "decided_at")?,
                })
            }

            fn vendor(row: &DbRow) -> Result<Vendor> {
                Ok(Vendor {
                    id: get(row, "id")?,
                    name: get(row, "name")?,
                    share_pct: u32::try_from(get::<i64, _>(row, "share_pct")?).unwrap_or(0),
                    daily_capacity: back(get(row, "daily_capacity")?),
                    created_at: get(row, "created_at")?,
                })
            }

            fn batch(row: &DbRow) -> Result<Batch> {
                let st: String = get(row, "state")?;
                Ok(Batch {
                    id: get(row, "id")?,
                    vendor_id: get(row, "vendor_id")?,
                    state: BatchState::parse(&st)
                        .ok_or_else(|| StoreError::corrupt("batches.state", &st))?,
                    cards: back(get(row, "cards")?),
                    created_at: get(row, "created_at")?,
                    claimed_at: get(row, "claimed_at")?,
                })
            }

            fn sms(row: &DbRow) -> Result<OutboxSms> {
                let st: String = get(row, "state")?;
                Ok(OutboxSms {
                    id: get(row, "id")?,
                    application_id: get(row, "application_id")?,
                    mobile: Mobile::parse(&get::<String, _>(row, "mobile")?)
                        .map_err(corrupt("mobile"))?,
                    kind: get(row, "kind")?,
                    text: get(row, "text")?,
                    state: SmsState::parse(&st)
                        .ok_or_else(|| StoreError::corrupt("sms_outbox.state", &st))?,
                    attempts: u32::try_from(get::<i64, _>(row, "attempts")?).unwrap_or(u32::MAX),
                    last_error: get(row, "last_error")?,
                    created_at: get(row, "created_at")?,
                })
            }

            const SMS_COLUMNS: &str =
                "id, application_id, mobile, kind, text, state, attempts, last_error, created_at";

            fn card(row: &DbRow) -> Result<Card> {
                let reason: Option<String> = get(row, "uncollected_reason")?;
                let office_id: Option<String> = get(row, "office_id")?;
                Ok(Card {
                    chip_serial: serial(row, "chip_serial")?,
                    application_id: get(row, "application_id")?,
                    tracking_code: tracking(row, "tracking_code")?,
                    national_code: NationalCode::parse(&get::<String, _>(row, "national_code")?)
                        .map_err(corrupt("national_code"))?,
                    status: get(row, "status")?,
                    office: office_id
                        .as_deref()
                        .map(OfficeId::parse)
                        .transpose()
                        .map_err(corrupt("office_id"))?,
                    uncollected_reason: reason.as_deref().and_then(UncollectedReason::parse),
                })
            }

            const CARD_SQL: &str = "SELECT c.chip_serial, c.application_id, a.tracking_code, c.national_code, \
                c.status, c.office_id, c.uncollected_reason FROM cards c \
                JOIN applications a ON a.id = c.application_id";

            async fn shipment_of(conn: &mut Conn, id: i64) -> Result<Option<Shipment>> {
                let Some(row) = sqlx::query(
                    "SELECT id, batch_id, from_office, to_office, state, created_at, received_at, \
                     received_by FROM shipments WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&mut *conn)
                .await
                .map_err(err)?
                else {
                    return Ok(None);
                };
                let cards = sqlx::query(
                    "SELECT a.tracking_code, s.chip_serial, s.arrived FROM shipment_cards s \
                     JOIN applications a ON a.id = s.application_id WHERE s.shipment_id = $1 \
                     ORDER BY s.application_id",
                )
                .bind(id)
                .fetch_all(&mut *conn)
                .await
                .map_err(err)?
                .iter()
                .map(|r| {
                    Ok(ShipmentCard {
                        tracking_code: tracking(r, "tracking_code")?,
                        chip_serial: serial(r, "chip_serial")?,
                        arrived: get(r, "arrived")?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
                let unexpected: Vec<String> = sqlx::query_scalar(
                    "SELECT chip_serial FROM shipment_unexpected WHERE shipment_id = $1 ORDER BY chip_serial",
                )
                .bind(id)
                .fetch_all(&mut *conn)
                .await
                .map_err(err)?;
                let st: String = get(&row, "state")?;
                let from: Option<String> = get(&row, "from_office")?;
                Ok(Some(Shipment {
                    id,
                    batch_id: get(&row, "batch_id")?,
                    from_office: from
                        .as_deref()
                        .map(OfficeId::parse)
                        .transpose()
                        .map_err(corrupt("from_office"))?,
                    to_office: office(&row, "to_office")?,
                    state: ShipmentState::parse(&st)
                        .ok_or_else(|| StoreError::corrupt("shipments.state", &st))?,
                    created_at: get(&row, "created_at")?,
                    received_at: get(&row, "received_at")?,
                    received_by: get(&row, "received_by")?,
                    cards,
                    unexpected,
                }))
            }

            /// Revokes one card and moves its application to `revoked` where the state machine allows.
            async fn revoke_one(
                conn: &mut Conn,
                serial: &str,
                application_id: i64,
                reason: &str,
                change: &Change,
            ) -> Result<()> {
                sqlx::query(
                    "UPDATE cards SET status = 'revoked', revoked_at = $1, revoke_reason = $2 \
                     WHERE chip_serial = $3",
                )
                .bind(change.at)
                .bind(reason)
                .bind(serial)
                .execute(&mut *conn)
                .await
                .map_err(err)?;
                let st: Option<String> =
                    sqlx::query_scalar("SELECT state FROM applications WHERE id = $1")
                        .bind(application_id)
                        .fetch_optional(&mut *conn)
                        .await
                        .map_err(err)?;
                if let Some(st) = st {
                    let from = state(&st)?;
                    if from.transition(Event::Revoked).is_ok() {
                        move_one(&mut *conn, application_id, from, Event::Revoked, change).await?;
                    }
                }
                Ok(())
            }

            #[async_trait::async_trait]
            impl Production for $store {
                async fn office_day(&self, at_office: &OfficeId, day: &str) -> Result<Vec<DayEntry>> {
                    let rows = sqlx::query(
                        "SELECT p.slot, a.tracking_code, a.national_code, a.state FROM appointments p \
                         JOIN applications a ON a.id = p.application_id \
                         WHERE p.office_id = $1 AND p.day = $2 ORDER BY p.slot",
                    )
                    .bind(at_office.as_str())
                    .bind(day)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(err)?;
                    rows.iter()
                        .map(|r| {
                            Ok(DayEntry {
                                slot: u32::try_from(get::<i64, _>(r, "slot")?).unwrap_or(0),
                                tracking_code: tracking(r, "tracking_code")?,
                                national_code: NationalCode::parse(&get::<String, _>(r, "national_code")?)
                                    .map_err(corrupt("national_code"))?,
                                state: state(&get::<String, _>(r, "state")?)?,
                            })
                        })
                        .collect()
                }

                async fn enroll(&self, e: &NewEnrollment) -> Result<Enrolled> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(err)?;
                    let row = sqlx::query(
                        "SELECT a.id, a.state, p.office_id FROM applications a \
                         LEFT JOIN appointments p ON p.application_id = a.id WHERE a.tracking_code = $1",
                    )
                    .bind(e.tracking_code.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(err)?;
                    let Some(row) = row else { return Ok(Enrolled::NotFound) };
                    let id: i64 = get(&row, "id")?;
                    let st = state(&get::<String, _>(&row, "state")?)?;
                    let booked_at: Option<String> = get(&row, "office_id")?;
                    if st != S::AppointmentBooked {
                        return Ok(Enrolled::WrongState(st));
                    }
                    if booked_at.as_deref() != Some(e.office.as_str()) {
                        return Ok(Enrolled::OtherOffice);
                    }
                    if !move_one(&mut tx, id, S::AppointmentBooked, Event::Enrolled, &e.change).await? {
                        let now: String =
                            sqlx::query_scalar("SELECT state FROM applications WHERE id = $1")
                                .bind(id)
                                .fetch_one(&mut *tx)
                                .await
                                .map_err(err)?;
                        return Ok(Enrolled::WrongState(state(&now)?));
                    }
                    sqlx::query(
                        "INSERT INTO enrollments (application_id, office_id, destination_office, operator, \
                         enrolled_at, birth_certificate_seen, old_card_collected, holder, fingers, photo_key, \
                         card_photo_key, signature_key, templates_key, personalisation_key, dedup) \
                         VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'pending')",
                    )
                    .bind(id)
                    .bind(e.office.as_str())
                    .bind(&e.change.actor)
                    .bind(e.change.at)
                    .bind(e.birth_certificate_seen)
                    .bind(e.old_card_collected)
                    .bind($crate::serde_json::to_string(&e.holder).map_err(bad_json)?)
                    .bind($crate::serde_json::to_string(&e.fingers).map_err(bad_json)?)
                    .bind(&e.photo_key)
                    .bind(&e.card_photo_key)
                    .bind(&e.signature_key)
                    .bind(&e.templates_key)
                    .bind(&e.personalisation_key)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                    tx.commit().await.map_err(err)?;
                    Ok(Enrolled::Done { application_id: id })
                }

                async fn enrollment(&self, t: &TrackingCode) -> Result<Option<Enrollment>> {
                    let sql = format!(
                        "SELECT {ENROLLMENT_COLUMNS} FROM enrollments e \
                         JOIN applications a ON a.id = e.application_id WHERE a.tracking_code = $1"
                    );
                    sqlx::query(&sql)
                        .bind(t.as_str())
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(err)?
                        .as_ref()
                        .map(enrollment)
                        .transpose()
                }

                async fn dedup_pending(&self, limit: u32) -> Result<Vec<GalleryEntry>> {
                    gallery_entries(&self.pool, "dedup = 'pending'", 0, limit).await
                }

                async fn gallery_page(&self, after: i64, limit: u32) -> Result<Vec<GalleryEntry>> {
                    gallery_entries(&self.pool, "dedup NOT IN ('pending', 'duplicate')", after, limit).await
                }

                async fn record_dedup(
                    &self,
                    application_id: i64,
                    hits: &[(i64, f64)],
                    at: DateTime<Utc>,
                ) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(err)?;
                    let outcome = if hits.is_empty() { DedupStatus::Clear } else { DedupStatus::Hit };
                    let done = sqlx::query(
                        "UPDATE enrollments SET dedup = $1, dedup_at = $2 \
                         WHERE application_id = $3 AND dedup = 'pending'",
                    )
                    .bind(outcome.as_str())
                    .bind(at)
                    .bind(application_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?
                    .rows_affected();
                    if done == 0 {
                        return Ok(());
                    }
                    if hits.is_empty() {
                        let st: String =
                            sqlx::query_scalar("SELECT state FROM applications WHERE id = $1")
                                .bind(application_id)
                                .fetch_one(&mut *tx)
                                .await
                                .map_err(err)?;
                        if state(&st)? == S::Enrolled {
                            enqueue(&mut tx, application_id, at).await?;
                        }
                    }
                    for (candidate, score) in hits {
                        sqlx::query(
                            "INSERT INTO dedup_hits (application_id, candidate_application_id, score, found_at) \
                             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                        )
                        .bind(application_id)
                        .bind(*candidate)
                        .bind(*score)
                        .bind(at)
                        .execute(&mut *tx)
                        .await
                        .map_err(err)?;
                    }
                    tx.commit().await.map_err(err)
                }

                async fn dedup_cases(
                    &self,
                    office_id: Option<&OfficeId>,
                    limit: u32,
                ) -> Result<Vec<DedupCase>> {
                    let rows = match office_id {
                        Some(o) => sqlx::query(&format!(
                            "{CASE_SQL} WHERE h.decision IS NULL AND e.office_id = $1 \
                             ORDER BY h.found_at, h.id LIMIT $2"
                        ))
                        .bind(o.as_str())
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await,
                        None => sqlx::query(&format!(
                            "{CASE_SQL} WHERE h.decision IS NULL ORDER BY h.found_at, h.id LIMIT $1"
                        ))
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await,
                    }
                    .map_err(err)?;
                    rows.iter().map(case).collect()
                }

                async fn dedup_cases_of(&self, t: &TrackingCode) -> Result<Vec<DedupCase>> {
                    let rows = sqlx::query(&format!(
                        "{CASE_SQL} WHERE a.tracking_code = $1 ORDER BY h.id"
                    ))
                    .bind(t.as_str())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(err)?;
                    rows.iter().map(case).collect()
                }

                async fn decide_dedup(
                    &self,
                    t: &TrackingCode,
                    decision: Decision,
                    change: &Change,
                ) -> Result<Decided> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(err)?;
                    let row = sqlx::query(
                        "SELECT a.id, a.state, (SELECT c.tracking_code FROM dedup_hits h \
                         JOIN applications c ON c.id = h.candidate_application_id \
                         WHERE h.application_id = a.id AND h.decision IS NULL ORDER BY h.score DESC LIMIT 1) \
                         AS other FROM applications a WHERE a.tracking_code = $1",
                    )
                    .bind(t.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(err)?;
                    let Some(row) = row else { return Ok(Decided::NothingToDecide) };
                    let id: i64 = get(&row, "id")?;
                    let st = state(&get::<String, _>(&row, "state")?)?;
                    let Some(other) = get::<Option<String>, _>(&row, "other")? else {
                        return Ok(Decided::NothingToDecide);
                    };
                    sqlx::query(
                        "UPDATE dedup_hits SET decision = $1, decided_by = $2, decided_at = $3 \
                         WHERE application_id = $4 AND decision IS NULL",
                    )
                    .bind(decision.as_str())
                    .bind(&change.actor)
                    .bind(change.at)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                    let status = match decision {
                        Decision::Duplicate => DedupStatus::Duplicate,
                        Decision::Distinct => DedupStatus::Distinct,
                    };
                    sqlx::query("UPDATE enrollments SET dedup = $1 WHERE application_id = $2")
                        .bind(status.as_str())
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(err)?;
                    match decision {
                        Decision::Duplicate if st == S::Enrolled => {
                            let reject = change.because(format!(
                                    "duplicate enrollment of {other}{}",
                                    change.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default()
                                ));
                            move_one(&mut tx, id, S::Enrolled, Event::Rejected, &reject).await?;
                        }
                        Decision::Distinct if st == S::Enrolled => {
                            note(&mut tx, id, st, "dedup_distinct", change).await?;
                            enqueue(&mut tx, id, change.at).await?;
                        }
                        _ => {}
                    }
                    tx.commit().await.map_err(err)?;
                    Ok(Decided::Done)
                }

                async fn create_vendor(
                    &self,
                    name: &str,
                    share_pct: u32,
                    daily_capacity: u64,
                    key_prefix: &str,
                    key_hash: &str,
                    at: DateTime<Utc>,
                ) -> Result<i64> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(err)?;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO vendors (name, share_pct, daily_capacity, created_at) \
                         VALUES ($1, $2, $3, $4) RETURNING id",
                    )
                    .bind(name)
                    .bind(i64::from(share_pct))
                    .bind(u(daily_capacity))
                    .bind(at)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(err)?;
                    sqlx::query(
                        "INSERT INTO vendor_keys (vendor_id, prefix, key_hash, created_at) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(id)
                    .bind(key_prefix)
                    .bind(key_hash)
                    .bind(at)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                    tx.commit().await.map_err(err)?;
                    Ok(id)
                }

                async fn vendors(&self) -> Result<Vec<Vendor>> {
                    sqlx::query("SELECT id, name, share_pct, daily_capacity, created_at FROM vendors ORDER BY id")
                        .fetch_all(&self.pool)
                        .await
                        .map_err(err)?
                        .iter()
                        .map(vendor)
                        .collect()
                }

                async fn update_vendor(
                    &self,
                    name: &str,
                    share_pct: u32,
                    daily_capacity: u64,
                ) -> Result<bool> {
                    let done = sqlx::query(
                        "UPDATE vendors SET share_pct = $1, daily_capacity = $2 WHERE name = $3",
                    )
                    .bind(i64::from(share_pct))
                    .bind(u(daily_capacity))
                    .bind(name)
                    .execute(&self.pool)
                    .await
                    .map_err(err)?
                    .rows_affected();
                    Ok(done > 0)
                }

                async fn vendor_by_key(&self, key_hash: &str) -> Result<Option<Vendor>> {
                    sqlx::query(
                        "SELECT v.id, v.name, v.share_pct, v.daily_capacity, v.created_at FROM vendors v \
                         JOIN vendor_keys k ON k.vendor_id = v.id WHERE k.key_hash = $1 AND k.revoked_at IS NULL",
                    )
                    .bind(key_hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?
                    .as_ref()
                    .map(vendor)
                    .transpose()
                }

                async fn add_vendor_key(
                    &self,
                    vendor_name: &str,
                    key_prefix: &str,
                    key_hash: &str,
                    at: DateTime<Utc>,
                ) -> Result<Option<i64>> {
                    sqlx::query_scalar(
                        "INSERT INTO vendor_keys (vendor_id, prefix, key_hash, created_at) \
                         SELECT id, $1, $2, $3 FROM vendors WHERE name = $4 RETURNING id",
                    )
                    .bind(key_prefix)
                    .bind(key_hash)
                    .bind(at)
                    .bind(vendor_name)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)
                }

                async fn revoke_vendor_key(&self, prefix: &str, at: DateTime<Utc>) -> Result<bool> {
                    let n = sqlx::query(
                        "UPDATE vendor_keys SET revoked_at = $1 WHERE prefix = $2 AND revoked_at IS NULL",
                    )
                    .bind(at)
                    .bind(prefix)
                    .execute(&self.pool)
                    .await
                    .map_err(err)?
                    .rows_affected();
                    Ok(n == 1)
                }

                async fn production_queue_len(&self) -> Result<u64> {
                    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM production_queue")
                        .fetch_one(&self.pool)
                        .await
                        .map_err(err)?;
                    Ok(back(n))
                }

                async fn form_batches(
                    &self,
                    day: &str,
                    batch_size: u32,
                    change: &Change,
                ) -> Result<Vec<Batch>> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(err)?;
                    // Applications that left `enrolled` while queued (cancelled, revoked) leave the queue.
                    sqlx::query(
                        "DELETE FROM production_queue WHERE application_id IN (SELECT q.application_id \
                         FROM production_queue q JOIN applications a ON a.id = q.application_id \
                         WHERE a.state <> 'enrolled')",
                    )
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                    let queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM production_queue")
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(err)?;
                    let rows = sqlx::query(
                        "SELECT v.id, v.share_pct, v.daily_capacity, COALESCE(d.assigned, 0) AS assigned \
                         FROM vendors v LEFT JOIN vendor_days d ON d.vendor_id = v.id AND d.day = $1 ORDER BY v.id",
                    )
                    .bind(day)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(err)?;
                    let mut ids = Vec::new();
                    let mut rooms = Vec::new();
                    for r in &rows {
                        ids.push(get::<i64, _>(r, "id")?);
                        let cap = back(get(r, "daily_capacity")?);
                        let assigned = back(get(r, "assigned")?);
                        rooms.push(VendorRoom {
                            share_pct: u32::try_from(get::<i64, _>(r, "share_pct")?).unwrap_or(0),
                            remaining_today: cap.saturating_sub(assigned),
                        });
                    }
                    let shares = domain::production::allocate(back(queued), &rooms);
                    let mut made = Vec::new();
                    for (vendor_id, mut n) in ids.into_iter().zip(shares) {
                        while n > 0 {
                            let size = n.min(u64::from(batch_size.max(1)));
                            let batch_id: i64 = sqlx::query_scalar(
                                "INSERT INTO batches (vendor_id, state, cards, created_at) \
                                 VALUES ($1, 'open', 0, $2) RETURNING id",
                            )
                            .bind(vendor_id)
                            .bind(change.at)
                            .fetch_one(&mut *tx)
                            .await
                            .map_err(err)?;
                            sqlx::query(
                                "INSERT INTO batch_cards (batch_id, application_id) SELECT $1, application_id \
                                 FROM production_queue ORDER BY queued_at, application_id LIMIT $2",
                            )
                            .bind(batch_id)
                            .bind(u(size))
                            .execute(&mut *tx)
                            .await
                            .map_err(err)?;
                            sqlx::query(
                                "DELETE FROM production_queue WHERE application_id IN \
                                 (SELECT application_id FROM batch_cards WHERE batch_id = $1)",
                            )
                            .bind(batch_id)
                            .execute(&mut *tx)
                            .await
                            .map_err(err)?;
                            let moved = move_set(
                                &mut tx,
                                "SELECT application_id FROM batch_cards WHERE batch_id = $1",
                                batch_id,
                                S::Enrolled,
                                Event::BatchedForProduction,
                                change,
                            )
                            .await?;
                            let row = sqlx::query(
                                "UPDATE batches SET cards = $1 WHERE id = $2 RETURNING id, vendor_id, state, \
                                 cards, created_at, claimed_at",
                            )
                            .bind(u(moved))
                            .bind(batch_id)
                            .fetch_one(&mut *tx)
                            .await
                            .map_err(err)?;
                            sqlx::query(
                                "INSERT INTO vendor_days (vendor_id, day, assigned) VALUES ($1, $2, $3) \
                                 ON CONFLICT (vendor_id, day) DO UPDATE SET assigned = vendor_days.assigned + $3",
                            )
                            .bind(vendor_id)
                            .bind(day)
                            .bind(u(moved))
                            .execute(&mut *tx)
                            .await
                            .map_err(err)?;
                            made.push(batch(&row)?);
                            n -= size;
                        }
                    }
                    tx.commit().await.map_err(err)?;
                    Ok(made)
                }

                async fn claim_batch(&self, vendor_id: i64, at: DateTime<Utc>) -> Result<Option<Batch>> {
                    for _ in 0..5 {
                        let next: Option<i64> = sqlx::query_scalar(
                            "SELECT id FROM batches WHERE vendor_id = $1 AND state = 'open' ORDER BY id LIMIT 1",
                        )
                        .bind(vendor_id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(err)?;
                        let Some(id) = next else { return Ok(None) };
                        let row = sqlx::query(
                            "UPDATE batches SET state = 'claimed', claimed_at = $1 WHERE id = $2 AND state = 'open' \
                             RETURNING id, vendor_id, state, cards, created_at, claimed_at",
                        )
                        .bind(at)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(err)?;
                        if let Some(row) = row {
                            return batch(&row).map(Some);
                        }
                    }
                    Ok(None)
                }

                async fn batch(&self, batch_id: i64) -> Result<Option<Batch>> {
                    sqlx::query(
                        "SELECT id, vendor_id, state, cards, created_at, claimed_at FROM batches WHERE id = $1",
                    )
                    .bind(batch_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?
                    .as_ref()
                    .map(batch)
                    .transpose()
                }

                async fn batch_cards(&self, batch_id: i64) -> Result<Vec<BatchCard>> {
                    let rows = sqlx::query(
                        "SELECT b.application_id, a.tracking_code, e.destination_office, e.holder, \
                         e.card_photo_key, e.templates_key, e.personalisation_key FROM batch_cards b \
                         JOIN applications a ON a.id = b.application_id \
                         JOIN enrollments e ON e.application_id = b.application_id \
                         WHERE b.batch_id = $1 ORDER BY b.application_id",
                    )
                    .bind(batch_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(err)?;
                    rows.iter()
                        .map(|r| {
                            Ok(BatchCard {
                                application_id: get(r, "application_id")?,
                                tracking_code: tracking(r, "tracking_code")?,
                                destination: office(r, "destination_office")?,
                                holder: holder_json(r, "holder")?,
                                card_photo_key: get(r, "card_photo_key")?,
                                templates_key: get(r, "templates_key")?,
                                personalisation_key: get(r, "personalisation_key")?,
                            })
                        })
                        .collect()
                }

                async fn batch_results(
                    &self,
                    vendor_id: i64,
                    batch_id: i64,
                    results: &[CardResult],
                    change: &Change,
                ) -> Result<ResultsApplied> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(err)?;
                    let row = sqlx::query(
                        "SELECT id, vendor_id, state, cards, created_at, claimed_at FROM batches WHERE id = $1",
                    )
                    .bind(batch_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(err)?;
                    let Some(row) = row else { return Ok(ResultsApplied::NoSuchBatch) };
                    let b = batch(&row)?;
                    if b.vendor_id != vendor_id {
                        return Ok(ResultsApplied::NoSuchBatch);
                    }
                    if !matches!(b.state, BatchState::Claimed | BatchState::Answered) {
                        return Ok(ResultsApplied::WrongState(b.state));
                    }
                    let rows = sqlx::query(
                        "SELECT b.application_id, a.tracking_code, a.national_code, b.outcome, b.chip_serial \
                         FROM batch_cards b JOIN applications a ON a.id = b.application_id WHERE b.batch_id = $1",
                    )
                    .bind(batch_id)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(err)?;
                    struct Known {
                        id: i64,
                        code: String,
                        outcome: Option<String>,
                        serial: Option<String>,
                    }
                    let mut known: HashMap<String, Known> = HashMap::with_capacity(rows.len());
                    for r in &rows {
                        known.insert(
                            get(r, "tracking_code")?,
                            Known {
                                id: get(r, "application_id")?,
                                code: get(r, "national_code")?,
                                outcome: get(r, "outcome")?,
                                serial: get(r, "chip_serial")?,
                            },
                        );
                    }
                    // Check everything before changing anything.
                    let mut seen: HashSet<&str> = HashSet::new();
                    let mut serials: HashSet<&str> = HashSet::new();
                    let mut fresh = Vec::new();
                    let mut repeated = 0u64;
                    for (index, r) in results.iter().enumerate() {
                        let refuse = |code: &'static str| -> Result<ResultsApplied> {
                            Ok(ResultsApplied::Refused { index, code })
                        };
                        let Some(k) = known.get(r.tracking_code.as_str()) else {
                            return refuse("card_not_in_batch");
                        };
                        if !seen.insert(r.tracking_code.as_str()) {
                            return refuse("card_answered_twice");
                        }
                        let (outcome, ser) = match &r.outcome {
                            CardOutcome::Personalized(s) => ("personalized", Some(s.as_str())),
                            CardOutcome::Failed(_) => ("failed", None),
                        };
                        if let Some(s) = ser {
                            if !serials.insert(s) {
                                return refuse("chip_serial_taken");
                            }
                        }
                        match &k.outcome {
                            Some(o) if o == outcome && k.serial.as_deref() == ser => repeated += 1,
                            Some(_) => return refuse("card_already_answered"),
                            None => fresh.push((k, r)),
                        }
                    }
                    let new_serials: Vec<&str> = fresh
                        .iter()
                        .filter_map(|(_, r)| match &r.outcome {
                            CardOutcome::Personalized(s) => Some(s.as_str()),
                            CardOutcome::Failed(_) => None,
                        })
                        .collect();
                    for chunk in new_serials.chunks(500) {
                        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
                        let sql = format!(
                            "SELECT chip_serial FROM cards WHERE chip_serial IN ({})",
                            marks.join(", ")
                        );
                        let mut q = sqlx::query_scalar::<_, String>(&sql);
                        for s in chunk {
                            q = q.bind(*s);
                        }
                        let taken = q.fetch_all(&mut *tx).await.map_err(err)?;
                        if let Some(t) = taken.first() {
                            let index = results
                                .iter()
                                .position(|r| matches!(&r.outcome, CardOutcome::Personalized(s) if s.as_str() == t))
                                .unwrap_or(0);
                            return Ok(ResultsApplied::Refused { index, code: "chip_serial_taken" });
                        }
                    }
                    let (mut personalized, mut failed) = (0u64, 0u64);
                    for (k, r) in fresh {
                        match &r.outcome {
                            CardOutcome::Personalized(s) => {
                                sqlx::query(
                                    "UPDATE batch_cards SET outcome = 'personalized', chip_serial = $1, \
                                     answered_at = $2 WHERE batch_id = $3 AND application_id = $4",
                                )
                                .bind(s.as_str())
                                .bind(change.at)
                                .bind(batch_id)
                                .bind(k.id)
                                .execute(&mut *tx)
                                .await
                                .map_err(err)?;
                                sqlx::query(
                                    "INSERT INTO cards (chip_serial, application_id, national_code, vendor_id, \
                                     batch_id, status, produced_at) VALUES ($1, $2, $3, $4, $5, 'produced', $6)",
                                )
                                .bind(s.as_str())
                                .bind(k.id)
                                .bind(&k.code)
                                .bind(vendor_id)
                                .bind(batch_id)
                                .bind(change.at)
                                .execute(&mut *tx)
                                .await
                                .map_err(err)?;
                                personalized += 1;
                            }
                            CardOutcome::Failed(reason) => {
                                sqlx::query(
                                    "UPDATE batch_cards SET outcome = 'failed', reason = $1, answered_at = $2 \
                                     WHERE batch_id = $3 AND application_id = $4",
                                )
                                .bind(reason)
                                .bind(change.at)
                                .bind(batch_id)
                                .bind(k.id)
                                .execute(&mut *tx)
                                .await
                                .map_err(err)?;
                                let why = change.because(reason.clone());
                                fail_and_requeue(&mut tx, k.id, S::InProduction, Event::ProductionFailed, &why)
                                    .await?;
                                failed += 1;
                            }
                        }
                    }
                    sqlx::query(
                        "UPDATE batches SET state = 'answered' WHERE id = $1 AND state = 'claimed' AND NOT EXISTS \
                         (SELECT 1 FROM batch_cards WHERE batch_id = $1 AND outcome IS NULL)",
                    )
                    .bind(batch_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                    tx.commit().await.map_err(err)?;
                    Ok(ResultsApplied::Done { personalized, failed, repeated })
                }

                async fn dispatch_batch(
                    &self,
                    vendor_id: i64,
                    batch_id: i64,
                    change: &Change,
                ) -> Result<Option<Vec<Shipment>>> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(err)?;
                    let owner: Option<i64> =
                        sqlx::query_scalar("SELECT vendor_id FROM batches WHERE id = $1")
                            .bind(batch_id)
                            .fetch_optional(&mut *tx)
                            .await
                            .map_err(err)?;
                    if owner != Some(vendor_id) {
                        return Ok(None);
                    }
                    let destinations: Vec<String> = sqlx::query_scalar(
                        "SELECT DISTINCT e.destination_office FROM batch_cards b \
                         JOIN enrollments e ON e.application_id = b.application_id \
                         JOIN applications a ON a.id = b.application_id \
                         WHERE b.batch_id = $1 AND b.outcome = 'personalized' AND b.shipment_id IS NULL \
                         AND a.state = 'in_production' ORDER BY e.destination_office",
                    )
                    .bind(batch_id)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(err)?;
                    for to in destinations {
                        let sid: i64 = sqlx::query_scalar(
                            "INSERT INTO shipments (batch_id, to_office, state, created_at) \
                             VALUES ($1, $2, 'in_transit', $3) RETURNING id",
                        )
                        .bind(batch_id)
                        .bind(&to)
                        .bind(change.at)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(err)?;
                        sqlx::query(
                            "INSERT INTO shipment_cards (shipment_id, application_id, chip_serial) \
                             SELECT $1, b.application_id, b.chip_serial FROM batch_cards b \
                             JOIN enrollments e ON e.application_id = b.application_id \
                             JOIN applications a ON a.id = b.application_id \
                             WHERE b.batch_id = $2 AND b.outcome = 'personalized' AND b.shipment_id IS NULL \
                             AND a.state = 'in_production' AND e.destination_office = $3",
                        )
                        .bind(sid)
                        .bind(batch_id)
                        .bind(&to)
                        .execute(&mut *tx)
                        .await
                        .map_err(err)?;
                        sqlx::query(
                            "UPDATE batch_cards SET shipment_id = $1 WHERE batch_id = $2 AND application_id IN \
                             (SELECT application_id FROM shipment_cards WHERE shipment_id = $1)",
                        )
                        .bind(sid)
                        .bind(batch_id)
                        .execute(&mut *tx)
                        .await
                        .map_err(err)?;
                        move_set(
                            &mut tx,
                            "SELECT application_id FROM shipment_cards WHERE shipment_id = $1",
                            sid,
                            S::InProduction,
                            Event::Dispatched,
                            change,
                        )
                        .await?;
                    }
                    sqlx::query(
                        "UPDATE batches SET state = 'dispatched' WHERE id = $1 AND state IN ('claimed', 'answered') \
                         AND NOT EXISTS (SELECT 1 FROM batch_cards WHERE batch_id = $1 AND (outcome IS NULL \
                         OR (outcome = 'personalized' AND shipment_id IS NULL)))",
                    )
                    .bind(batch_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                    let ids: Vec<i64> =
                        sqlx::query_scalar("SELECT id FROM shipments WHERE batch_id = $1 ORDER BY id")
                            .bind(batch_id)
                            .fetch_all(&mut *tx)
                            .await
                            .map_err(err)?;
                    let mut out = Vec::with_capacity(ids.len());
                    for id in ids {
                        if let Some(s) = shipment_of(&mut tx, id).await? {
                            out.push(s);
                        }
                    }
                    tx.commit().await.map_err(err)?;
                    Ok(Some(out))
                }

                async fn expire_batches(
                    &self,
                    claimed_before: DateTime<Utc>,
                    change: &Change,
                ) -> Result<u64> {
                    let stale: Vec<i64> = sqlx::query_scalar(
                        "SELECT b.id FROM batches b WHERE b.state = 'claimed' AND b.claimed_at < $1 AND EXISTS \
                         (SELECT 1 FROM batch_cards c WHERE c.batch_id = b.id AND c.outcome IS NULL) ORDER BY b.id",
                    )
                    .bind(claimed_before)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(err)?;
                    let mut total = 0;
                    for batch_id in stale {
                        let mut tx = self.pool.begin_with($begin).await.map_err(err)?;
                        let reason = change.reason.clone().unwrap_or_default();
                        sqlx::query(
                            "UPDATE batch_cards SET outcome = 'expired', reason = $1, answered_at = $2 \
                             WHERE batch_id = $3 AND outcome IS NULL",
                        )
                        .bind(&reason)
                        .bind(change.at)
                        .bind(batch_id)
                        .execute(&mut *tx)
                        .await
                        .map_err(err)?;
                        let subquery =
                            "SELECT application_id FROM batch_cards WHERE batch_id = $1 AND outcome = 'expired'";
                        let n = move_set(&mut tx, subquery, batch_id, S::InProduction, Event::ProductionFailed, change)
                            .await?;
                        let requeue = requeued(change.at);
                        move_set(&mut tx, subquery, batch_id, S::ProductionFailed, Event::Requeued, &requeue)
                            .await?;
                        sqlx::query(
                            "INSERT INTO production_queue (application_id, queued_at) SELECT b.application_id, $2 \
                             FROM batch_cards b JOIN applications a ON a.id = b.application_id \
                             WHERE b.batch_id = $1 AND b.outcome = 'expired' AND a.state = 'enrolled' \
                             ON CONFLICT DO NOTHING",
                        )
                        .bind(batch_id)
                        .bind(change.at)
                        .execute(&mut *tx)
                        .await
                        .map_err(err)?;
                        sqlx::query("UPDATE batches SET state = 'answered' WHERE id = $1 AND state = 'claimed'")
                            .bind(batch_id)
                            .execute(&mut *tx)
                            .await
                            .map_err(err)?;
                        tx.commit().await.map_err(err)?;
                        total += n;
                    }
                    Ok(total)
                }

                async fn shipments_to(&self, to: &OfficeId, limit: u32) -> Result<Vec<Shipment>> {
                    let mut conn = self.pool.acquire().await.map_err(err)?;
                    let ids: Vec<i64> = sqlx::query_scalar(
                        "SELECT id FROM shipments WHERE to_office = $1 ORDER BY id DESC LIMIT $2",
                    )
                    .bind(to.as_str())
                    .bind(i64::from(limit))
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(err)?;
                    let mut out = Vec::with_capacity(ids.len());
                    for id in ids {
                        if let Some(s) = shipment_of(&mut conn, id).await? {
                            out.push(s);
                        }
                    }
                    Ok(out)
                }

                async fn shipment(&self, id: i64) -> Result<Option<Shipment>> {
                    let mut conn = self.pool.acquire().await.map_err(err)?;
                    shipment_of(&mut conn, id).await
                }

                async fn receive_shipment(
                    &self,
                    id: i64,
                    at_office: &OfficeId,
                    scanned: Option<&[String]>,
                    change: &Change,
                ) -> Result<Received> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(err)?;
                    let row = sqlx::query("SELECT to_office, state FROM shipments WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(err)?;
                    let Some(row) = row else { return Ok(Received::NotFound) };
                    if get::<String, _>(&row, "to_office")? != at_office.as_str() {
                        return Ok(Received::OtherOffice);
                    }
                    let done = sqlx::query(
                        "UPDATE shipments SET state = 'received', received_at = $1, received_by = $2 \
                         WHERE id = $3 AND state = 'in_transit'",
                    )
                    .bind(change.at)
                    .bind(&change.actor)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?
                    .rows_affected();
                    if done == 0 {
                        return Ok(Received::AlreadyReceived);
                    }
                    let office_name: String =
                        sqlx::query_scalar("SELECT name FROM offices WHERE office_id = $1")
                            .bind(at_office.as_str())
                            .fetch_optional(&mut *tx)
                            .await
                            .map_err(err)?
                            .unwrap_or_else(|| at_office.as_str().to_string());
                    let cards = sqlx::query(
                        "SELECT s.application_id, s.chip_serial, a.tracking_code, a.mobile FROM shipment_cards s \
                         JOIN applications a ON a.id = s.application_id WHERE s.shipment_id = $1 \
                         ORDER BY s.application_id",
                    )
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(err)?;
                    let scanned: Option<HashSet<String>> = scanned.map(|s| {
                        s.iter().map(|x| x.trim().to_ascii_uppercase()).collect()
                    });
                    let mut in_shipment = HashSet::new();
                    let (mut ready, mut missing) = (0u64, Vec::new());
                    for c in &cards {
                        let app: i64 = get(c, "application_id")?;
                        let ser: String = get(c, "chip_serial")?;
                        in_shipment.insert(ser.clone());
                        let arrived = scanned.as_ref().is_none_or(|s| s.contains(&ser));
                        sqlx::query(
                            "UPDATE shipment_cards SET arrived = $1 WHERE shipment_id = $2 AND application_id = $3",
                        )
                        .bind(arrived)
                        .bind(id)
                        .bind(app)
                        .execute(&mut *tx)
                        .await
                        .map_err(err)?;
                        if arrived {
                            if !move_one(&mut tx, app, S::Dispatched, Event::ReceivedAtOffice, change).await? {
                                continue;
                            }
                            sqlx::query("UPDATE applications SET office_id = $1 WHERE id = $2")
                                .bind(at_office.as_str())
                                .bind(app)
                                .execute(&mut *tx)
                                .await
                                .map_err(err)?;
                            sqlx::query(
                                "UPDATE cards SET office_id = $1, ready_at = $2 WHERE chip_serial = $3",
                            )
                            .bind(at_office.as_str())
                            .bind(change.at)
                            .bind(&ser)
                            .execute(&mut *tx)
                            .await
                            .map_err(err)?;
                            let t = tracking(c, "tracking_code")?;
                            let mobile: String = get(c, "mobile")?;
                            let text = domain::production::sms_ready(&t, &office_name);
                            queue_sms(&mut tx, Some(app), &mobile, &format!("ready:{id}"), &text, change.at)
                                .await?;
                            ready += 1;
                        } else {
                            let lost = change.because(format!("card {ser} missing from shipment {id}"));
                            sqlx::query(
                                "UPDATE cards SET status = 'revoked', revoked_at = $1, \
                                 revoke_reason = 'lost_in_transit' WHERE chip_serial = $2",
                            )
                            .bind(change.at)
                            .bind(&ser)
                            .execute(&mut *tx)
                            .await
                            .map_err(err)?;
                            fail_and_requeue(&mut tx, app, S::Dispatched, Event::LostInTransit, &lost).await?;
                            missing.push(ChipSerial::parse(&ser).map_err(corrupt("chip_serial"))?);
                        }
                    }
                    let mut unexpected: Vec<String> = scanned
                        .map(|s| s.into_iter().filter(|x| !in_shipment.contains(x)).collect())
                        .unwrap_or_default();
                    unexpected.sort();
                    for ser in &unexpected {
                        sqlx::query(
                            "INSERT INTO shipment_unexpected (shipment_id, chip_serial) VALUES ($1, $2) \
                             ON CONFLICT DO NOTHING",
                        )
                        .bind(id)
                        .bind(ser)
                        .execute(&mut *tx)
                        .await
                        .map_err(err)?;
                    }
                    tx.commit().await.map_err(err)?;
                    Ok(Received::Done { ready, missing, unexpected })
                }

                async fn enqueue_sms(
                    &self,
                    application_id: Option<i64>,
                    mobile: &Mobile,
                    kind: &str,
                    text: &str,
                    at: DateTime<Utc>,
                ) -> Result<Option<i64>> {
                    let mut conn = self.pool.acquire().await.map_err(err)?;
                    queue_sms(&mut conn, application_id, mobile.as_str(), kind, text, at).await
                }

                async fn sms_due(
                    &self,
                    now: DateTime<Utc>,
                    lease_until: DateTime<Utc>,
                    limit: u32,
                ) -> Result<Vec<OutboxSms>> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(err)?;
                    let sql = format!(
                        "UPDATE sms_outbox SET next_attempt_at = $2, attempts = attempts + 1 \
                         WHERE id IN (SELECT id FROM sms_outbox WHERE state = 'pending' AND next_attempt_at <= $1 \
                         ORDER BY next_attempt_at, id LIMIT $3) AND state = 'pending' AND next_attempt_at <= $1 \
                         RETURNING {SMS_COLUMNS}"
                    );
                    let rows = sqlx::query(&sql)
                        .bind(now)
                        .bind(lease_until)
                        .bind(i64::from(limit))
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(err)?;
                    tx.commit().await.map_err(err)?;
                    let mut out: Vec<OutboxSms> = rows.iter().map(sms).collect::<Result<_>>()?;
                    out.sort_by_key(|m| m.id);
                    Ok(out)
                }

                async fn sms_sent(&self, id: i64, at: DateTime<Utc>) -> Result<()> {
                    sqlx::query(
                        "UPDATE sms_outbox SET state = 'sent', sent_at = $1, last_error = NULL \
                         WHERE id = $2 AND state = 'pending'",
                    )
                    .bind(at)
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map_err(err)?;
                    Ok(())
                }

                async fn sms_retry(&self, id: i64, error: &str, next_at: DateTime<Utc>) -> Result<()> {
                    sqlx::query(
                        "UPDATE sms_outbox SET next_attempt_at = $1, last_error = $2 WHERE id = $3 AND state = 'pending'",
                    )
                    .bind(next_at)
                    .bind(error)
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map_err(err)?;
                    Ok(())
                }

                async fn sms_failed(&self, id: i64, error: &str, at: DateTime<Utc>) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(err)?;
                    let app: Option<Option<i64>> = sqlx::query_scalar(
                        "UPDATE sms_outbox SET state = 'failed', last_error = $1, reported_at = $2 \
                         WHERE id = $3 AND state IN ('pending', 'sent') RETURNING application_id",
                    )
                    .bind(error)
                    .bind(at)
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(err)?;
                    if let Some(Some(app)) = app {
                        sqlx::query("UPDATE applications SET sms_failed = TRUE WHERE id = $1")
                            .bind(app)
                            .execute(&mut *tx)
                            .await
                            .map_err(err)?;
                    }
                    tx.commit().await.map_err(err)
                }

                async fn sms_report(
                    &self,
                    id: i64,
                    delivered: bool,
                    detail: &str,
                    at: DateTime<Utc>,
                ) -> Result<bool> {
                    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM sms_outbox WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(err)?;
                    if exists.is_none() {
                        return Ok(false);
                    }
                    if delivered {
                        sqlx::query(
                            "UPDATE sms_outbox SET state = 'delivered', reported_at = $1 \
                             WHERE id = $2 AND state IN ('pending', 'sent')",
                        )
                        .bind(at)
                        .bind(id)
                        .execute(&self.pool)
                        .await
                        .map_err(err)?;
                    } else {
                        self.sms_failed(id, detail, at).await?;
                    }
                    Ok(true)
                }

                async fn sms_of(&self, application_id: i64) -> Result<Vec<OutboxSms>> {
                    sqlx::query(&format!(
                        "SELECT {SMS_COLUMNS} FROM sms_outbox WHERE application_id = $1 ORDER BY id"
                    ))
                    .bind(application_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(err)?
                    .iter()
                    .map(sms)
                    .collect()
                }

                async fn sms_by_id(&self, id: i64) -> Result<Option<OutboxSms>> {
                    sqlx::query(&format!("SELECT {SMS_COLUMNS} FROM sms_outbox WHERE id = $1"))
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(err)?
                        .as_ref()
                        .map(sms)
                        .transpose()
                }

                async fn sms_flagged(&self, application_id: i64) -> Result<bool> {
                    let f: Option<bool> =
                        sqlx::query_scalar("SELECT sms_failed FROM applications WHERE id = $1")
                            .bind(application_id)
                            .fetch_optional(&self.pool)
                            .await
                            .map_err(err)?;
                    Ok(f.unwrap_or(false))
                }

                async fn waiting_without(
                    &self,
                    ready_before: DateTime<Utc>,
                    kind: &str,
                    limit: u32,
                ) -> Result<Vec<Waiting>> {
                    let rows = sqlx::query(
                        "SELECT c.application_id, a.tracking_code, c.ready_at FROM cards c \
                         JOIN applications a ON a.id = c.application_id \
                         WHERE c.status = 'produced' AND c.ready_at IS NOT NULL AND c.ready_at < $1 \
                         AND a.state = 'ready_for_pickup' AND NOT EXISTS (SELECT 1 FROM sms_outbox s \
                         WHERE s.application_id = c.application_id AND s.kind LIKE $2 AND s.created_at >= c.ready_at) \
                         ORDER BY c.ready_at LIMIT $3",
                    )
                    .bind(ready_before)
                    .bind(format!("{kind}%"))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(err)?;
                    rows.iter()
                        .map(|r| {
                            Ok(Waiting {
                                application_id: get(r, "application_id")?,
                                tracking_code: tracking(r, "tracking_code")?,
                                ready_at: get(r, "ready_at")?,
                            })
                        })
                        .collect()
                }

                async fn pickup_card(&self, t: &TrackingCode) -> Result<Option<PickupCard>> {
                    let row = sqlx::query(
                        "SELECT a.id, a.tracking_code, a.national_code, a.state, c.office_id, c.chip_serial, \
                         e.templates_key, e.fingers FROM applications a \
                         JOIN cards c ON c.application_id = a.id AND c.status <> 'revoked' \
                         JOIN enrollments e ON e.application_id = a.id WHERE a.tracking_code = $1",
                    )
                    .bind(t.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?;
                    let Some(r) = row else { return Ok(None) };
                    let office_id: Option<String> = get(&r, "office_id")?;
                    let Some(office_id) = office_id else { return Ok(None) };
                    Ok(Some(PickupCard {
                        application_id: get(&r, "id")?,
                        tracking_code: tracking(&r, "tracking_code")?,
                        national_code: NationalCode::parse(&get::<String, _>(&r, "national_code")?)
                            .map_err(corrupt("national_code"))?,
                        state: state(&get::<String, _>(&r, "state")?)?,
                        office: OfficeId::parse(&office_id).map_err(corrupt("office_id"))?,
                        chip_serial: serial(&r, "chip_serial")?,
                        templates_key: get(&r, "templates_key")?,
                        fingers: fingers_json(&r, "fingers")?,
                    }))
                }

                async fn record_pickup_attempt(
                    &self,
                    application_id: i64,
                    at_office: &OfficeId,
                    a: &PickupAttempt,
                ) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO pickup_attempts (application_id, office_id, operator, at, position, score, \
                         matched) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(application_id)
                    .bind(at_office.as_str())
                    .bind(&a.operator)
                    .bind(a.at)
                    .bind(i64::from(a.position))
                    .bind(a.score)
                    .bind(a.matched)
                    .execute(&self.pool)
                    .await
                    .map_err(err)?;
                    Ok(())
                }

                async fn pickup_attempts(&self, application_id: i64) -> Result<Vec<PickupAttempt>> {
                    let rows = sqlx::query(
                        "SELECT at, operator, position, score, matched FROM pickup_attempts \
                         WHERE application_id = $1 ORDER BY id",
                    )
                    .bind(application_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(err)?;
                    rows.iter()
                        .map(|r| {
                            Ok(PickupAttempt {
                                at: get(r, "at")?,
                                operator: get(r, "operator")?,
                                position: u8::try_from(get::<i64, _>(r, "position")?).unwrap_or(0),
                                score: get(r, "score")?,
                                matched: get(r, "matched")?,
                            })
                        })
                        .collect()
                }

                async fn deliver(
                    &self,
                    t: &TrackingCode,
                    at_office: &OfficeId,
                    pickup_fee_rials: u64,
                    change: &Change,
                ) -> Result<bool> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(err)?;
                    let row = sqlx::query(
                        "SELECT a.id, a.state, a.national_code, a.province_code, a.created_at, c.chip_serial \
                         FROM applications a JOIN cards c ON c.application_id = a.id AND c.status = 'produced' \
                         WHERE a.tracking_code = $1 AND c.office_id = $2",
                    )
                    .bind(t.as_str())
                    .bind(at_office.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(err)?;
                    let Some(row) = row else { return Ok(false) };
                    let id: i64 = get(&row, "id")?;
                    let st = state(&get::<String, _>(&row, "state")?)?;
                    let code: String = get(&row, "national_code")?;
                    let ser: String = get(&row, "chip_serial")?;
                    let event = match st {
                        S::ReadyForPickup => Event::PickedUp,
                        S::Uncollected => Event::CollectedLate,
                        _ => return Ok(false),
                    };
                    if !move_one(&mut tx, id, st, event, change).await? {
                        return Ok(false);
                    }
                    let created: DateTime<Utc> = get(&row, "created_at")?;
                    let province: Option<String> = get(&row, "province_code")?;
                    sqlx::query(
                        "INSERT INTO lead_time_counts (province_code, days, n) VALUES ($1, $2, 1) \
                         ON CONFLICT (province_code, days) DO UPDATE SET n = lead_time_counts.n + 1",
                    )
                    .bind(province.as_deref().unwrap_or(""))
                    .bind((change.at - created).num_days().max(0))
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                    // The card the new one replaces stops being valid.
                    let old = sqlx::query(
                        "SELECT chip_serial, application_id FROM cards WHERE national_code = $1 \
                         AND status = 'active' AND application_id <> $2",
                    )
                    .bind(&code)
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(err)?;
                    for o in &old {
                        let replaced = change.because(format!("replaced by card {ser}"));
                        revoke_one(
                            &mut tx,
                            &get::<String, _>(o, "chip_serial")?,
                            get(o, "application_id")?,
                            "replaced",
                            &replaced,
                        )
                        .await?;
                    }
                    sqlx::query(
                        "UPDATE cards SET status = 'active', activated_at = $1, pickup_fee_rials = $2 \
                         WHERE chip_serial = $3",
                    )
                    .bind(change.at)
                    .bind(u(pickup_fee_rials))
                    .bind(&ser)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                    tx.commit().await.map_err(err)?;
                    Ok(true)
                }

                async fn expire_pickups(
                    &self,
                    ready_before: DateTime<Utc>,
                    change: &Change,
                    limit: u32,
                ) -> Result<u64> {
                    let rows = sqlx::query(&format!(
                        "SELECT a.id, a.province_code, c.chip_serial, a.sms_failed, e.holder, p.death_date_jalali, \
                         p.postal_code FROM cards c JOIN applications a ON a.id = c.application_id \
                         JOIN enrollments e ON e.application_id = a.id \
                         LEFT JOIN persons p ON p.national_code = {} \
                         WHERE c.status = 'produced' AND c.ready_at < $1 AND a.state = 'ready_for_pickup' \
                         ORDER BY c.ready_at LIMIT $2",
                        $person_code
                    ))
                    .bind(ready_before)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(err)?;
                    let mut n = 0;
                    for r in &rows {
                        let id: i64 = get(r, "id")?;
                        let holder: CardHolder = holder_json(r, "holder")?;
                        let death: Option<String> = get(r, "death_date_jalali")?;
                        let postal: Option<String> = get(r, "postal_code")?;
                        let reason = UncollectedReason::infer(
                            death.is_some(),
                            postal.is_some() && postal != holder.postal_code,
                            get(r, "sms_failed")?,
                        );
                        let mut tx = self.pool.begin_with($begin).await.map_err(err)?;
                        let why = change.because(reason.as_str());
                        if move_one(&mut tx, id, S::ReadyForPickup, Event::PickupPeriodExpired, &why).await? {
                            sqlx::query(
                                "UPDATE cards SET uncollected_reason = $1, uncollected_since = $2 WHERE chip_serial = $3",
                            )
                            .bind(reason.as_str())
                            .bind(change.at.format("%Y-%m-%d").to_string())
                            .bind(get::<String, _>(r, "chip_serial")?)
                            .execute(&mut *tx)
                            .await
                            .map_err(err)?;
                            let province: Option<String> = get(r, "province_code")?;
                            uncollected_delta(&mut tx, id, province.as_deref(), 1).await?;
                            n += 1;
                        }
                        tx.commit().await.map_err(err)?;
                    }
                    Ok(n)
                }

                async fn card(&self, s: &ChipSerial) -> Result<Option<Card>> {
                    sqlx::query(&format!("{CARD_SQL} WHERE c.chip_serial = $1"))
                        .bind(s.as_str())
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(err)?
                        .as_ref()
                        .map(card)
                        .transpose()
                }

                async fn card_of_application(&self, application_id: i64) -> Result<Option<Card>> {
                    sqlx::query(&format!(
                        "{CARD_SQL} WHERE c.application_id = $1 ORDER BY c.status = 'revoked', c.produced_at DESC"
                    ))
                    .bind(application_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?
                    .as_ref()
                    .map(card)
                    .transpose()
                }

                async fn transfer(
                    &self,
                    t: &TrackingCode,
                    to: &OfficeId,
                    change: &Change,
                ) -> Result<Transferred> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(err)?;
                    let row = sqlx::query(
                        "SELECT a.id, a.state, e.destination_office FROM applications a \
                         JOIN enrollments e ON e.application_id = a.id WHERE a.tracking_code = $1",
                    )
                    .bind(t.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(err)?;
                    let Some(row) = row else { return Ok(Transferred::NotFound) };
                    let id: i64 = get(&row, "id")?;
                    let st = state(&get::<String, _>(&row, "state")?)?;
                    let from: String = get(&row, "destination_office")?;
                    if from == to.as_str() {
                        return Ok(Transferred::SameOffice);
                    }
                    let exists: Option<String> =
                        sqlx::query_scalar("SELECT office_id FROM offices WHERE office_id = $1")
                            .bind(to.as_str())
                            .fetch_optional(&mut *tx)
                            .await
                            .map_err(err)?;
                    if exists.is_none() {
                        return Ok(Transferred::NotFound);
                    }
                    let outcome = match st {
                        S::Enrolled | S::InProduction | S::ProductionFailed => {
                            let why = change.because(format!("destination {from} -> {}", to.as_str()));
                            note(&mut tx, id, st, "destination_changed", &why).await?;
                            Transferred::Redirected
                        }
                        S::ReadyForPickup | S::Uncollected => {
                            let ser: String = sqlx::query_scalar(
                                "SELECT chip_serial FROM cards WHERE application_id = $1 AND status = 'produced'",
                            )
                            .bind(id)
                            .fetch_one(&mut *tx)
                            .await
                            .map_err(err)?;
                            let why = change.because(format!("card sent from {from} to {}", to.as_str()));
                            move_one(&mut tx, id, st, Event::Transferred, &why).await?;
                            let sid: i64 = sqlx::query_scalar(
                                "INSERT INTO shipments (from_office, to_office, state, created_at) \
                                 VALUES ($1, $2, 'in_transit', $3) RETURNING id",
                            )
                            .bind(&from)
                            .bind(to.as_str())
                            .bind(change.at)
                            .fetch_one(&mut *tx)
                            .await
                            .map_err(err)?;
                            sqlx::query(
                                "INSERT INTO shipment_cards (shipment_id, application_id, chip_serial) VALUES ($1, $2, $3)",
                            )
                            .bind(sid)
                            .bind(id)
                            .bind(&ser)
                            .execute(&mut *tx)
                            .await
                            .map_err(err)?;
                            sqlx::query(
                                "UPDATE cards SET office_id = NULL, ready_at = NULL, uncollected_reason = NULL, \
                                 uncollected_since = NULL WHERE chip_serial = $1",
                            )
                            .bind(&ser)
                            .execute(&mut *tx)
                            .await
                            .map_err(err)?;
                            sqlx::query("UPDATE applications SET office_id = NULL WHERE id = $1")
                                .bind(id)
                                .execute(&mut *tx)
                                .await
                                .map_err(err)?;
                            Transferred::Shipped { shipment_id: sid }
                        }
                        other => return Ok(Transferred::WrongState(other)),
                    };
                    sqlx::query("UPDATE enrollments SET destination_office = $1 WHERE application_id = $2")
                        .bind(to.as_str())
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(err)?;
                    let shipment_id = match &outcome {
                        Transferred::Shipped { shipment_id } => Some(*shipment_id),
                        _ => None,
                    };
                    sqlx::query(
                        "INSERT INTO transfers (application_id, from_office, to_office, shipment_id, actor, at) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(id)
                    .bind(&from)
                    .bind(to.as_str())
                    .bind(shipment_id)
                    .bind(&change.actor)
                    .bind(change.at)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                    tx.commit().await.map_err(err)?;
                    Ok(outcome)
                }

                async fn revoke_cards_of(
                    &self,
                    code: &NationalCode,
                    change: &Change,
                ) -> Result<Vec<ChipSerial>> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(err)?;
                    let rows = sqlx::query(
                        "SELECT chip_serial, application_id FROM cards WHERE national_code = $1 \
                         AND status IN ('produced', 'active') ORDER BY chip_serial",
                    )
                    .bind(code.as_str())
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(err)?;
                    let mut out = Vec::new();
                    for r in &rows {
                        let ser: String = get(r, "chip_serial")?;
                        let reason = change.reason.clone().unwrap_or_else(|| "revoked".into());
                        revoke_one(&mut tx, &ser, get(r, "application_id")?, &reason, change).await?;
                        out.push(ChipSerial::parse(&ser).map_err(corrupt("chip_serial"))?);
                    }
                    tx.commit().await.map_err(err)?;
                    Ok(out)
                }

                async fn apply_deaths(&self, change: &Change, limit: u32) -> Result<u64> {
                    let rows = sqlx::query(&format!(
                        "SELECT a.id, a.state, a.national_code FROM applications a \
                         JOIN persons p ON p.national_code = {} WHERE p.death_date_jalali IS NOT NULL \
                         AND (a.active OR a.state = 'delivered') ORDER BY a.id LIMIT $1",
                        $person_code
                    ))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(err)?;
                    let mut n = 0;
                    for r in &rows {
                        let id: i64 = get(r, "id")?;
                        let st = state(&get::<String, _>(r, "state")?)?;
                        let mut tx = self.pool.begin_with($begin).await.map_err(err)?;
                        let moved = if st.transition(Event::Cancelled).is_ok() {
                            if st == S::AppointmentBooked {
                                // The booked place is given back.
                                let appt = sqlx::query(
                                    "DELETE FROM appointments WHERE application_id = $1 RETURNING office_id, day",
                                )
                                .bind(id)
                                .fetch_optional(&mut *tx)
                                .await
                                .map_err(err)?;
                                if let Some(p) = appt {
                                    sqlx::query(
                                        "UPDATE office_days SET booked = booked - 1 WHERE office_id = $1 \
                                         AND day = $2 AND booked > 0",
                                    )
                                    .bind(get::<String, _>(&p, "office_id")?)
                                    .bind(get::<String, _>(&p, "day")?)
                                    .execute(&mut *tx)
                                    .await
                                    .map_err(err)?;
                                }
                            }
                            move_one(&mut tx, id, st, Event::Cancelled, change).await?
                        } else {
                            let cards: Vec<String> = sqlx::query_scalar(
                                "SELECT chip_serial FROM cards WHERE application_id = $1 \
                                 AND status IN ('produced', 'active')",
                            )
                            .bind(id)
                            .fetch_all(&mut *tx)
                            .await
                            .map_err(err)?;
                            for ser in &cards {
                                sqlx::query(
                                    "UPDATE cards SET status = 'revoked', revoked_at = $1, \
                                     revoke_reason = 'deceased' WHERE chip_serial = $2",
                                )
                                .bind(change.at)
                                .bind(ser)
                                .execute(&mut *tx)
                                .await
                                .map_err(err)?;
                            }
                            if st.transition(Event::Revoked).is_ok() {
                                move_one(&mut tx, id, st, Event::Revoked, change).await?
                            } else {
                                false
                            }
                        };
                        tx.commit().await.map_err(err)?;
                        if moved {
                            n += 1;
                        }
                    }
                    Ok(n)
                }
            }
        }
    };
}
