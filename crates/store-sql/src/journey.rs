/// Implements `store::Journey` for a backend store with a `pool: sqlx::Pool<$db>` field. `$begin` is the
/// statement that opens a write transaction (`BEGIN IMMEDIATE` on SQLite, so two writers never deadlock on a
/// lock upgrade; `BEGIN` on PostgreSQL, where row locks order writers).
///
/// The expanding crate needs `sqlx`, `async_trait`, `chrono`, `shenas-domain` (as `domain`) and `shenas-store`
/// (as `store`) among its dependencies.
#[macro_export]
macro_rules! impl_journey {
    ($store:ty, $db:ty, $begin:expr) => {
        mod journey_sql {
            use chrono::{DateTime, Utc};
            use domain::{
                ApplicationState, Channel, Event, JalaliDate, Mobile, NationalCode, Office,
                OfficeId, PaymentState, ProvinceCode, Reason, Role, TrackingCode,
            };
            use sqlx::Row;
            use store::codec::OfficeColumns;
            use store::journey::*;
            use store::{Result, StoreError};

            type Db = $db;
            type DbRow = <Db as sqlx::Database>::Row;

            pub(super) use $crate::db_err as err;

            fn is_unique(e: &sqlx::Error) -> bool {
                matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
            }

            use $crate::column as get;
            use $crate::{back, corrupt, u};


            pub(super) fn state(s: &str) -> Result<ApplicationState> {
                ApplicationState::parse(s).ok_or_else(|| StoreError::corrupt("state", s))
            }

            fn payment_state(s: &str) -> Result<PaymentState> {
                PaymentState::parse(s).ok_or_else(|| StoreError::corrupt("payment.state", s))
            }



            pub(super) const APPLICATION_COLUMNS: &str = "a.id, a.tracking_code, a.national_code, a.reason, \
                a.channel, a.mobile, a.fee_rials, a.state, a.filing_office, a.created_at, a.updated_at, \
                p.office_id AS appt_office, p.day AS appt_day, p.slot AS appt_slot";

            pub(super) const APPLICATION_FROM: &str =
                "applications a LEFT JOIN appointments p ON p.application_id = a.id";

            pub(super) fn application(row: &DbRow) -> Result<Application> {
                let appt_office: Option<String> = get(row, "appt_office")?;
                let appointment = match appt_office {
                    Some(o) => {
                        let day: String = get(row, "appt_day")?;
                        let slot: i64 = get(row, "appt_slot")?;
                        Some(Appointment {
                            office_id: OfficeId::parse(&o).map_err(corrupt("appt_office"))?,
                            date: JalaliDate::parse(&day).map_err(corrupt("appt_day"))?,
                            slot: u32::try_from(slot)
                                .map_err(|e| StoreError::corrupt("appt_slot", e))?,
                        })
                    }
                    None => None,
                };
                let filing: Option<String> = get(row, "filing_office")?;
                let channel: String = get(row, "channel")?;
                let state_s: String = get(row, "state")?;
                Ok(Application {
                    id: get(row, "id")?,
                    tracking_code: TrackingCode::parse(&get::<String, _>(row, "tracking_code")?)
                        .map_err(corrupt("tracking_code"))?,
                    national_code: NationalCode::parse(&get::<String, _>(row, "national_code")?)
                        .map_err(corrupt("national_code"))?,
                    reason: Reason::parse(&get::<String, _>(row, "reason")?)
                        .map_err(corrupt("reason"))?,
                    channel: Channel::parse(&channel)
                        .ok_or_else(|| StoreError::corrupt("channel", &channel))?,
                    mobile: Mobile::parse(&get::<String, _>(row, "mobile")?)
                        .map_err(corrupt("mobile"))?,
                    fee_rials: back(get(row, "fee_rials")?),
                    state: state(&state_s)?,
                    filing_office: filing
                        .as_deref()
                        .map(OfficeId::parse)
                        .transpose()
                        .map_err(corrupt("filing_office"))?,
                    appointment,
                    created_at: get(row, "created_at")?,
                    updated_at: get(row, "updated_at")?,
                })
            }

            const PAYMENT_COLUMNS: &str = "y.id, y.application_id, a.tracking_code, y.amount_rials, \
                y.gateway, y.token, y.state, y.bank_ref, y.created_at, y.updated_at";
            const PAYMENT_FROM: &str = "payments y JOIN applications a ON a.id = y.application_id";

            fn payment(row: &DbRow) -> Result<Payment> {
                let st: String = get(row, "state")?;
                Ok(Payment {
                    id: get(row, "id")?,
                    application_id: get(row, "application_id")?,
                    tracking_code: TrackingCode::parse(&get::<String, _>(row, "tracking_code")?)
                        .map_err(corrupt("tracking_code"))?,
                    amount_rials: back(get(row, "amount_rials")?),
                    gateway: get(row, "gateway")?,
                    token: get(row, "token")?,
                    state: payment_state(&st)?,
                    bank_ref: get(row, "bank_ref")?,
                    created_at: get(row, "created_at")?,
                    updated_at: get(row, "updated_at")?,
                })
            }

            fn user(row: &DbRow) -> Result<User> {
                let role: String = get(row, "role")?;
                let office: Option<String> = get(row, "office_id")?;
                let province: Option<String> = get(row, "province_code")?;
                Ok(User {
                    id: get(row, "id")?,
                    username: get(row, "username")?,
                    password_hash: get(row, "password_hash")?,
                    role: Role::parse(&role).map_err(corrupt("role"))?,
                    office: office
                        .as_deref()
                        .map(OfficeId::parse)
                        .transpose()
                        .map_err(corrupt("office_id"))?,
                    province: province
                        .as_deref()
                        .map(ProvinceCode::parse)
                        .transpose()
                        .map_err(corrupt("province_code"))?,
                    created_at: get(row, "created_at")?,
                    disabled: get(row, "disabled")?,
                })
            }

            fn bank(row: &DbRow) -> Result<BankTransaction> {
                Ok(BankTransaction {
                    token: get(row, "token")?,
                    order_id: get(row, "order_id")?,
                    amount_rials: back(get(row, "amount_rials")?),
                    callback_url: get(row, "callback_url")?,
                    state: get(row, "state")?,
                    ref_id: get(row, "ref_id")?,
                    created_at: get(row, "created_at")?,
                })
            }

            pub(super) async fn record_event(
                conn: &mut <Db as sqlx::Database>::Connection,
                application_id: i64,
                from: Option<ApplicationState>,
                to: ApplicationState,
                event: &str,
                change: &Change,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO application_events (application_id, at, actor, from_state, to_state, \
                     event, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(application_id)
                .bind(change.at)
                .bind(&change.actor)
                .bind(from.map(|s| s.as_str()))
                .bind(to.as_str())
                .bind(event)
                .bind(change.reason.as_deref())
                .execute(&mut *conn)
                .await
                .map_err(err)?;
                Ok(())
            }

            /// Moves one application between the per-province counters (`from` None: a new application), in the
            /// caller's transaction. Rows are touched in state order, so two opposite moves never deadlock.
            pub(super) async fn count(
                conn: &mut <Db as sqlx::Database>::Connection,
                province: Option<&str>,
                from: Option<ApplicationState>,
                to: ApplicationState,
            ) -> Result<()> {
                count_n(conn, province, from, to, 1).await
            }

            /// As [`count`], for `n` applications of one province moving together.
            pub(super) async fn count_n(
                conn: &mut <Db as sqlx::Database>::Connection,
                province: Option<&str>,
                from: Option<ApplicationState>,
                to: ApplicationState,
                n: i64,
            ) -> Result<()> {
                if from == Some(to) || n == 0 {
                    return Ok(());
                }
                let mut deltas = vec![(to.as_str(), n)];
                if let Some(f) = from {
                    deltas.push((f.as_str(), -n));
                }
                deltas.sort_unstable();
                // Any shard will do; spreading writers over them is all that matters.
                let shard = i64::from(
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.subsec_nanos() >> 10)
                        .unwrap_or(0)
                        % 16,
                );
                for (st, delta) in deltas {
                    sqlx::query(
                        "INSERT INTO application_counts (province_code, state, shard, n) VALUES ($1, $2, $4, $3) \
                         ON CONFLICT (province_code, state, shard) DO UPDATE SET n = application_counts.n + $3",
                    )
                    .bind(province.unwrap_or(""))
                    .bind(st)
                    .bind(delta)
                    .bind(shard)
                    .execute(&mut *conn)
                    .await
                    .map_err(err)?;
                }
                Ok(())
            }

            async fn log_payment(
                conn: &mut <Db as sqlx::Database>::Connection,
                payment_id: i64,
                state: &str,
                detail: &str,
                at: DateTime<Utc>,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO payment_log (payment_id, at, state, detail) VALUES ($1, $2, $3, $4)",
                )
                .bind(payment_id)
                .bind(at)
                .bind(state)
                .bind(detail)
                .execute(&mut *conn)
                .await
                .map_err(err)?;
                Ok(())
            }

            #[async_trait::async_trait]
            impl Journey for $store {
                async fn file_application(&self, new: &NewApplication) -> Result<Filed> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(err)?;
                    let active: Option<i64> = sqlx::query_scalar(
                        "SELECT id FROM applications WHERE national_code = $1 AND active",
                    )
                    .bind(new.national_code.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(err)?;
                    if active.is_some() {
                        return Ok(Filed::ActiveExists);
                    }
                    let state = ApplicationState::AwaitingPayment;
                    let inserted = sqlx::query_scalar::<_, i64>(
                        "INSERT INTO applications (tracking_code, national_code, reason, channel, mobile, \
                         fee_rials, state, active, filing_office, province_code, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
                    )
                    .bind(new.tracking_code.as_str())
                    .bind(new.national_code.as_str())
                    .bind(new.reason.as_str())
                    .bind(new.channel.as_str())
                    .bind(new.mobile.as_str())
                    .bind(u(new.fee_rials))
                    .bind(state.as_str())
                    .bind(true)
                    .bind(new.filing_office.as_ref().map(|o| o.as_str()))
                    .bind(new.province.map(|p| p.as_str()))
                    .bind(new.at)
                    .fetch_one(&mut *tx)
                    .await;
                    let id = match inserted {
                        Ok(id) => id,
                        Err(e) if is_unique(&e) => {
                            // PostgreSQL aborts the transaction on the violation: ask outside it.
                            tx.rollback().await.map_err(err)?;
                            let taken: Option<i64> = sqlx::query_scalar(
                                "SELECT id FROM applications WHERE tracking_code = $1",
                            )
                            .bind(new.tracking_code.as_str())
                            .fetch_optional(&self.pool)
                            .await
                            .map_err(err)?;
                            return Ok(if taken.is_some() {
                                Filed::TrackingCodeTaken
                            } else {
                                Filed::ActiveExists
                            });
                        }
                        Err(e) => return Err(err(e)),
                    };
                    let change = Change {
                        actor: new.actor.clone(),
                        at: new.at,
                        reason: Some(new.reason.as_str().to_string()),
                    };
                    record_event(&mut tx, id, None, state, "filed", &change).await?;
                    count(&mut tx, new.province.map(|p| p.as_str()), None, state).await?;
                    tx.commit().await.map_err(err)?;
                    Ok(Filed::Created(Box::new(Application {
                        id,
                        tracking_code: new.tracking_code,
                        national_code: new.national_code,
                        reason: new.reason,
                        channel: new.channel,
                        mobile: new.mobile.clone(),
                        fee_rials: new.fee_rials,
                        state,
                        filing_office: new.filing_office.clone(),
                        appointment: None,
                        created_at: new.at,
                        updated_at: new.at,
                    })))
                }

                async fn application(
                    &self,
                    tracking: &TrackingCode,
                ) -> Result<Option<Application>> {
                    let sql = format!(
                        "SELECT {APPLICATION_COLUMNS} FROM {APPLICATION_FROM} WHERE a.tracking_code = $1"
                    );
                    let row = sqlx::query(&sql)
                        .bind(tracking.as_str())
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(err)?;
                    row.as_ref().map(application).transpose()
                }

                async fn active_application(
                    &self,
                    code: &NationalCode,
                ) -> Result<Option<Application>> {
                    let sql = format!(
                        "SELECT {APPLICATION_COLUMNS} FROM {APPLICATION_FROM} \
                         WHERE a.national_code = $1 AND a.active"
                    );
                    let row = sqlx::query(&sql)
                        .bind(code.as_str())
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(err)?;
                    row.as_ref().map(application).transpose()
                }

                async fn owner_and_state(
                    &self,
                    tracking: &TrackingCode,
                ) -> Result<Option<(NationalCode, ApplicationState)>> {
                    let row = sqlx::query(
                        "SELECT national_code, state FROM applications WHERE tracking_code = $1",
                    )
                    .bind(tracking.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?;
                    let Some(row) = row else { return Ok(None) };
                    let st: String = get(&row, "state")?;
                    Ok(Some((
                        NationalCode::parse(&get::<String, _>(&row, "national_code")?)
                            .map_err(corrupt("national_code"))?,
                        state(&st)?,
                    )))
                }

                async fn status(&self, tracking: &TrackingCode) -> Result<Option<StatusView>> {
                    let row = sqlx::query(
                        "SELECT a.national_code, a.state, a.updated_at, a.office_id, o.name AS office_name \
                         FROM applications a LEFT JOIN offices o ON o.office_id = a.office_id \
                         WHERE a.tracking_code = $1",
                    )
                    .bind(tracking.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?;
                    let Some(row) = row else { return Ok(None) };
                    let office_id: Option<String> = get(&row, "office_id")?;
                    let office_name: Option<String> = get(&row, "office_name")?;
                    let st: String = get(&row, "state")?;
                    Ok(Some(StatusView {
                        national_code: NationalCode::parse(&get::<String, _>(&row, "national_code")?)
                            .map_err(corrupt("national_code"))?,
                        state: state(&st)?,
                        updated_at: get(&row, "updated_at")?,
                        office: match (office_id, office_name) {
                            (Some(id), Some(name)) => Some((
                                OfficeId::parse(&id).map_err(corrupt("office_id"))?,
                                name,
                            )),
                            _ => None,
                        },
                    }))
                }

                async fn transition(
                    &self,
                    tracking: &TrackingCode,
                    from: ApplicationState,
                    event: Event,
                    change: &Change,
                ) -> Result<bool> {
                    let to = from
                        .transition(event)
                        .map_err(|e| StoreError::Invalid(e.message_en))?;
                    let mut tx = self.pool.begin_with($begin).await.map_err(err)?;
                    let row = sqlx::query(
                        "UPDATE applications SET state = $1, active = $2, updated_at = $3 \
                         WHERE tracking_code = $4 AND state = $5 RETURNING id, province_code",
                    )
                    .bind(to.as_str())
                    .bind(to.is_active())
                    .bind(change.at)
                    .bind(tracking.as_str())
                    .bind(from.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(err)?;
                    let Some(row) = row else { return Ok(false) };
                    let id: i64 = get(&row, "id")?;
                    let province: Option<String> = get(&row, "province_code")?;
                    record_event(&mut tx, id, Some(from), to, event.as_str(), change).await?;
                    count(&mut tx, province.as_deref(), Some(from), to).await?;
                    tx.commit().await.map_err(err)?;
                    Ok(true)
                }

                async fn history(&self, tracking: &TrackingCode) -> Result<Vec<HistoryEntry>> {
                    let rows = sqlx::query(
                        "SELECT e.at, e.actor, e.from_state, e.to_state, e.event, e.reason \
                         FROM application_events e JOIN applications a ON a.id = e.application_id \
                         WHERE a.tracking_code = $1 ORDER BY e.id",
                    )
                    .bind(tracking.as_str())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(err)?;
                    rows.iter()
                        .map(|r| {
                            let from: Option<String> = get(r, "from_state")?;
                            let to: String = get(r, "to_state")?;
                            Ok(HistoryEntry {
                                at: get(r, "at")?,
                                actor: get(r, "actor")?,
                                from: from.as_deref().map(state).transpose()?,
                                to: state(&to)?,
                                event: get(r, "event")?,
                                reason: get(r, "reason")?,
                            })
                        })
                        .collect()
                }

                async fn seed_applications(&self, batch: &[SeedApplication]) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(err)?;
                    for chunk in batch.chunks(500) {
                        let mut q = sqlx::QueryBuilder::<Db>::new(
                            "INSERT INTO applications (tracking_code, national_code, reason, channel, \
                             mobile, fee_rials, state, active, filing_office, province_code, created_at, \
                             updated_at) ",
                        );
                        q.push_values(chunk, |mut b, s| {
                            let a = &s.application;
                            b.push_bind(a.tracking_code.as_str())
                                .push_bind(a.national_code.as_str())
                                .push_bind(a.reason.as_str())
                                .push_bind(a.channel.as_str())
                                .push_bind(a.mobile.as_str())
                                .push_bind(u(a.fee_rials))
                                .push_bind(s.state.as_str())
                                .push_bind(s.state.is_active())
                                .push_bind(a.filing_office.as_ref().map(|o| o.as_str()))
                                .push_bind(a.province.map(|p| p.as_str()))
                                .push_bind(a.at)
                                .push_bind(a.at);
                        });
                        q.build().execute(&mut *tx).await.map_err(err)?;
                        let mut h = sqlx::QueryBuilder::<Db>::new(
                            "INSERT INTO application_events (application_id, at, actor, from_state, \
                             to_state, event, reason) SELECT id, created_at, 'seed', NULL, state, 'seeded', \
                             NULL FROM applications WHERE tracking_code IN (",
                        );
                        let mut sep = h.separated(", ");
                        for s in chunk {
                            sep.push_bind(s.application.tracking_code.as_str());
                        }
                        h.push(")");
                        h.build().execute(&mut *tx).await.map_err(err)?;
                        let mut c = sqlx::QueryBuilder::<Db>::new(
                            "INSERT INTO application_counts (province_code, state, n) \
                             SELECT COALESCE(province_code, ''), state, COUNT(*) FROM applications \
                             WHERE tracking_code IN (",
                        );
                        let mut sep = c.separated(", ");
                        for s in chunk {
                            sep.push_bind(s.application.tracking_code.as_str());
                        }
                        c.push(
                            ") GROUP BY COALESCE(province_code, ''), state ORDER BY 1, 2 \
                             ON CONFLICT (province_code, state, shard) DO UPDATE SET n = application_counts.n + excluded.n",
                        );
                        c.build().execute(&mut *tx).await.map_err(err)?;
                    }
                    tx.commit().await.map_err(err)?;
                    Ok(())
                }

                async fn count_applications(&self) -> Result<u64> {
                    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM applications")
                        .fetch_one(&self.pool)
                        .await
                        .map_err(err)?;
                    Ok(back(n))
                }

                async fn create_payment(
                    &self,
                    application_id: i64,
                    amount_rials: u64,
                    gateway: &str,
                    at: DateTime<Utc>,
                ) -> Result<i64> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(err)?;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO payments (application_id, amount_rials, gateway, state, created_at, \
                         updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
                    )
                    .bind(application_id)
                    .bind(u(amount_rials))
                    .bind(gateway)
                    .bind(PaymentState::Pending.as_str())
                    .bind(at)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(err)?;
                    log_payment(&mut tx, id, "pending", "created", at).await?;
                    tx.commit().await.map_err(err)?;
                    Ok(id)
                }

                async fn set_payment_token(&self, payment_id: i64, token: &str) -> Result<()> {
                    sqlx::query("UPDATE payments SET token = $1 WHERE id = $2")
                        .bind(token)
                        .bind(payment_id)
                        .execute(&self.pool)
                        .await
                        .map_err(err)?;
                    Ok(())
                }

                async fn payment_by_token(&self, token: &str) -> Result<Option<Payment>> {
                    let sql = format!("SELECT {PAYMENT_COLUMNS} FROM {PAYMENT_FROM} WHERE y.token = $1");
                    let row = sqlx::query(&sql)
                        .bind(token)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(err)?;
                    row.as_ref().map(payment).transpose()
                }

                async fn payment(&self, payment_id: i64) -> Result<Option<Payment>> {
                    let sql = format!("SELECT {PAYMENT_COLUMNS} FROM {PAYMENT_FROM} WHERE y.id = $1");
                    let row = sqlx::query(&sql)
                        .bind(payment_id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(err)?;
                    row.as_ref().map(payment).transpose()
                }

                async fn payments_of(&self, tracking: &TrackingCode) -> Result<Vec<Payment>> {
                    let sql = format!(
                        "SELECT {PAYMENT_COLUMNS} FROM {PAYMENT_FROM} WHERE a.tracking_code = $1 \
                         ORDER BY y.id"
                    );
                    let rows = sqlx::query(&sql)
                        .bind(tracking.as_str())
                        .fetch_all(&self.pool)
                        .await
                        .map_err(err)?;
                    rows.iter().map(payment).collect()
                }

                async fn apply_payment(
                    &self,
                    payment_id: i64,
                    bank_ref: &str,
                    change: &Change,
                ) -> Result<PaymentApplied> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(err)?;
                    let app: Option<i64> = sqlx::query_scalar(
                        "UPDATE payments SET state = 'verified', bank_ref = $1, updated_at = $2 \
                         WHERE id = $3 AND state = 'pending' RETURNING application_id",
                    )
                    .bind(bank_ref)
                    .bind(change.at)
                    .bind(payment_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(err)?;
                    let Some(app) = app else {
                        let st: Option<String> =
                            sqlx::query_scalar("SELECT state FROM payments WHERE id = $1")
                                .bind(payment_id)
                                .fetch_optional(&mut *tx)
                                .await
                                .map_err(err)?;
                        let st = st.ok_or_else(|| StoreError::Invalid("no such payment".into()))?;
                        return Ok(PaymentApplied::AlreadyDone(payment_state(&st)?));
                    };
                    log_payment(&mut tx, payment_id, "verified", bank_ref, change.at).await?;
                    let from = ApplicationState::AwaitingPayment;
                    let to = from
                        .transition(Event::PaymentSettled)
                        .map_err(|e| StoreError::Invalid(e.message_en))?;
                    let moved: Option<Option<String>> = sqlx::query_scalar(
                        "UPDATE applications SET state = $1, paid_payment_id = $2, updated_at = $3 \
                         WHERE id = $4 AND state = $5 AND paid_payment_id IS NULL RETURNING province_code",
                    )
                    .bind(to.as_str())
                    .bind(payment_id)
                    .bind(change.at)
                    .bind(app)
                    .bind(from.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(err)?;
                    let outcome = if let Some(province) = moved {
                        record_event(&mut tx, app, Some(from), to, Event::PaymentSettled.as_str(), change)
                            .await?;
                        count(&mut tx, province.as_deref(), Some(from), to).await?;
                        PaymentApplied::Applied
                    } else {
                        log_payment(
                            &mut tx,
                            payment_id,
                            "verified",
                            "the application cannot take this payment: to be reversed",
                            change.at,
                        )
                        .await?;
                        PaymentApplied::MustReverse
                    };
                    tx.commit().await.map_err(err)?;
                    Ok(outcome)
                }

                async fn set_payment_state(
                    &self,
                    payment_id: i64,
                    from: PaymentState,
                    to: PaymentState,
                    detail: &str,
                    at: DateTime<Utc>,
                ) -> Result<bool> {
                    if !from.may_become(to) {
                        return Err(StoreError::Invalid(format!(
                            "a payment cannot go from {} to {}",
                            from.as_str(),
                            to.as_str()
                        )));
                    }
                    let mut tx = self.pool.begin_with($begin).await.map_err(err)?;
                    let n = sqlx::query(
                        "UPDATE payments SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4",
                    )
                    .bind(to.as_str())
                    .bind(at)
                    .bind(payment_id)
                    .bind(from.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?
                    .rows_affected();
                    if n == 1 {
                        log_payment(&mut tx, payment_id, to.as_str(), detail, at).await?;
                    }
                    tx.commit().await.map_err(err)?;
                    Ok(n == 1)
                }

                async fn payment_is_applied(&self, payment_id: i64) -> Result<bool> {
                    let n: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM applications WHERE paid_payment_id = $1",
                    )
                    .bind(payment_id)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(err)?;
                    Ok(n > 0)
                }

                async fn unfinished_payments(&self, limit: u32) -> Result<Vec<Payment>> {
                    let sql = format!(
                        "SELECT {PAYMENT_COLUMNS} FROM {PAYMENT_FROM} \
                         WHERE y.state IN ('pending', 'verified') ORDER BY y.id LIMIT $1"
                    );
                    let rows = sqlx::query(&sql)
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(err)?;
                    rows.iter().map(payment).collect()
                }

                async fn payment_log(
                    &self,
                    payment_id: i64,
                ) -> Result<Vec<(DateTime<Utc>, String, String)>> {
                    let rows = sqlx::query(
                        "SELECT at, state, detail FROM payment_log WHERE payment_id = $1 ORDER BY id",
                    )
                    .bind(payment_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(err)?;
                    rows.iter()
                        .map(|r| Ok((get(r, "at")?, get(r, "state")?, get(r, "detail")?)))
                        .collect()
                }

                async fn offices_by_free_capacity(
                    &self,
                    province: ProvinceCode,
                    date: JalaliDate,
                    limit: u32,
                ) -> Result<Vec<OfficeAvailability>> {
                    let rows = sqlx::query(
                        "SELECT o.office_id, o.name, o.kind, o.province_code, o.city, o.address, \
                         CAST(o.daily_capacity AS BIGINT) AS daily_capacity, \
                         CAST(o.daily_capacity - COALESCE(d.booked, 0) AS BIGINT) AS free \
                         FROM offices o LEFT JOIN office_days d ON d.office_id = o.office_id AND d.day = $2 \
                         WHERE o.province_code = $1 ORDER BY free DESC, o.office_id LIMIT $3",
                    )
                    .bind(province.as_str())
                    .bind(date.to_string())
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(err)?;
                    rows.iter()
                        .map(|r| {
                            let office: Office = OfficeColumns {
                                office_id: get(r, "office_id")?,
                                name: get(r, "name")?,
                                kind: get(r, "kind")?,
                                province_code: get(r, "province_code")?,
                                city: get(r, "city")?,
                                address: get(r, "address")?,
                                daily_capacity: get(r, "daily_capacity")?,
                            }
                            .into_office()?;
                            let free: i64 = get(r, "free")?;
                            Ok(OfficeAvailability {
                                office,
                                free: u32::try_from(free.max(0)).unwrap_or(0),
                            })
                        })
                        .collect()
                }

                async fn book_from(
                    &self,
                    tracking: &TrackingCode,
                    office: &OfficeId,
                    date: JalaliDate,
                    first_slot: u32,
                    change: &Change,
                ) -> Result<Booked> {
                    let first = i64::from(first_slot.max(1));
                    let day = date.to_string();
                    let mut tx = self.pool.begin_with($begin).await.map_err(err)?;
                    let row = sqlx::query("SELECT id, state FROM applications WHERE tracking_code = $1")
                        .bind(tracking.as_str())
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(err)?;
                    let Some(row) = row else { return Ok(Booked::NotFound) };
                    let app: i64 = get(&row, "id")?;
                    let st: String = get(&row, "state")?;
                    let from = state(&st)?;
                    if from != ApplicationState::AwaitingAppointment {
                        return Ok(Booked::WrongState(from));
                    }
                    let cap: Option<i64> = sqlx::query_scalar(
                        "SELECT CAST(daily_capacity AS BIGINT) FROM offices WHERE office_id = $1",
                    )
                    .bind(office.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(err)?;
                    let Some(cap) = cap else { return Ok(Booked::UnknownOffice) };
                    // The office-day row is the lock that orders bookings of one office on one day.
                    let taken: Option<i64> = sqlx::query_scalar(
                        "INSERT INTO office_days (office_id, day, booked) VALUES ($1, $2, 1) \
                         ON CONFLICT (office_id, day) DO UPDATE SET booked = office_days.booked + 1 \
                         WHERE office_days.booked < $3 RETURNING CAST(booked AS BIGINT)",
                    )
                    .bind(office.as_str())
                    .bind(&day)
                    .bind(cap)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(err)?;
                    if taken.is_none_or(|t| t > cap) {
                        return Ok(Booked::NoCapacity);
                    }
                    // The lowest free place from `first` on: `first` itself, or the first gap after the run of
                    // taken places that starts there.
                    let slot: i64 = sqlx::query_scalar(
                        "SELECT CAST(CASE WHEN NOT EXISTS (SELECT 1 FROM appointments \
                             WHERE office_id = $1 AND day = $2 AND slot = $3) THEN $3 \
                         ELSE (SELECT MIN(x.slot) + 1 FROM appointments x WHERE x.office_id = $1 \
                             AND x.day = $2 AND x.slot >= $3 AND NOT EXISTS (SELECT 1 FROM appointments y \
                             WHERE y.office_id = $1 AND y.day = $2 AND y.slot = x.slot + 1)) END AS BIGINT)",
                    )
                    .bind(office.as_str())
                    .bind(&day)
                    .bind(first)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(err)?;
                    if slot > cap {
                        // Only places before `first` are free (today's, whose time is over): dropping the
                        // transaction gives the counted place back.
                        return Ok(Booked::NoCapacity);
                    }
                    sqlx::query(
                        "INSERT INTO appointments (application_id, office_id, day, slot, booked_at) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(app)
                    .bind(office.as_str())
                    .bind(&day)
                    .bind(slot)
                    .bind(change.at)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                    let to = from
                        .transition(Event::AppointmentBooked)
                        .map_err(|e| StoreError::Invalid(e.message_en))?;
                    let moved: Option<Option<String>> = sqlx::query_scalar(
                        "UPDATE applications SET state = $1, office_id = $2, updated_at = $3 \
                         WHERE id = $4 AND state = $5 RETURNING province_code",
                    )
                    .bind(to.as_str())
                    .bind(office.as_str())
                    .bind(change.at)
                    .bind(app)
                    .bind(from.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(err)?;
                    let Some(province) = moved else {
                        return Ok(Booked::WrongState(from));
                    };
                    count(&mut tx, province.as_deref(), Some(from), to).await?;
                    let mut change = change.clone();
                    change.reason = Some(format!("{} {} #{}", office.as_str(), day, slot));
                    record_event(&mut tx, app, Some(from), to, Event::AppointmentBooked.as_str(), &change)
                        .await?;
                    tx.commit().await.map_err(err)?;
                    Ok(Booked::Booked(Appointment {
                        office_id: office.clone(),
                        date,
                        slot: u32::try_from(slot).unwrap_or(0),
                    }))
                }

                async fn cancel_booking(
                    &self,
                    tracking: &TrackingCode,
                    change: &Change,
                ) -> Result<Option<Appointment>> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(err)?;
                    let row = sqlx::query(
                        "SELECT a.id, p.office_id, p.day, p.slot FROM applications a \
                         JOIN appointments p ON p.application_id = a.id \
                         WHERE a.tracking_code = $1 AND a.state = 'appointment_booked'",
                    )
                    .bind(tracking.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(err)?;
                    let Some(row) = row else { return Ok(None) };
                    let app: i64 = get(&row, "id")?;
                    let office: String = get(&row, "office_id")?;
                    let day: String = get(&row, "day")?;
                    let slot: i64 = get(&row, "slot")?;
                    let from = ApplicationState::AppointmentBooked;
                    let to = from
                        .transition(Event::AppointmentCancelled)
                        .map_err(|e| StoreError::Invalid(e.message_en))?;
                    let moved: Option<Option<String>> = sqlx::query_scalar(
                        "UPDATE applications SET state = $1, office_id = NULL, updated_at = $2 \
                         WHERE id = $3 AND state = $4 RETURNING province_code",
                    )
                    .bind(to.as_str())
                    .bind(change.at)
                    .bind(app)
                    .bind(from.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(err)?;
                    let Some(province) = moved else { return Ok(None) };
                    sqlx::query("DELETE FROM appointments WHERE application_id = $1")
                        .bind(app)
                        .execute(&mut *tx)
                        .await
                        .map_err(err)?;
                    sqlx::query(
                        "UPDATE office_days SET booked = booked - 1 WHERE office_id = $1 AND day = $2 \
                         AND booked > 0",
                    )
                    .bind(&office)
                    .bind(&day)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                    // The counters last, as in `book`: both lock the office day before them.
                    count(&mut tx, province.as_deref(), Some(from), to).await?;
                    let mut change = change.clone();
                    change.reason = Some(format!("{office} {day} #{slot}"));
                    record_event(
                        &mut tx,
                        app,
                        Some(from),
                        to,
                        Event::AppointmentCancelled.as_str(),
                        &change,
                    )
                    .await?;
                    tx.commit().await.map_err(err)?;
                    Ok(Some(Appointment {
                        office_id: OfficeId::parse(&office).map_err(corrupt("office_id"))?,
                        date: JalaliDate::parse(&day).map_err(corrupt("day"))?,
                        slot: u32::try_from(slot).unwrap_or(0),
                    }))
                }

                async fn booked(&self, office: &OfficeId, date: JalaliDate) -> Result<u32> {
                    let n: Option<i64> = sqlx::query_scalar(
                        "SELECT CAST(booked AS BIGINT) FROM office_days WHERE office_id = $1 AND day = $2",
                    )
                    .bind(office.as_str())
                    .bind(date.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?;
                    Ok(u32::try_from(n.unwrap_or(0)).unwrap_or(0))
                }

                async fn create_user(&self, user: &NewUser) -> Result<i64> {
                    sqlx::query_scalar(
                        "INSERT INTO users (username, password_hash, role, office_id, province_code, \
                         created_at, disabled) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                    )
                    .bind(&user.username)
                    .bind(&user.password_hash)
                    .bind(user.role.as_str())
                    .bind(user.office.as_ref().map(|o| o.as_str()))
                    .bind(user.province.map(|p| p.as_str()))
                    .bind(user.at)
                    .bind(false)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(err)
                }

                async fn user_by_name(&self, username: &str) -> Result<Option<User>> {
                    let row = sqlx::query(
                        "SELECT id, username, password_hash, role, office_id, province_code, created_at, \
                         disabled FROM users WHERE username = $1",
                    )
                    .bind(username)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?;
                    row.as_ref().map(user).transpose()
                }

                async fn create_session(
                    &self,
                    token_hash: &str,
                    user_id: i64,
                    expires_at: DateTime<Utc>,
                ) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) \
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(token_hash)
                    .bind(user_id)
                    .bind(Utc::now())
                    .bind(expires_at)
                    .execute(&self.pool)
                    .await
                    .map_err(err)?;
                    Ok(())
                }

                async fn session(&self, token_hash: &str) -> Result<Option<(User, DateTime<Utc>)>> {
                    let row = sqlx::query(
                        "SELECT u.id, u.username, u.password_hash, u.role, u.office_id, u.province_code, \
                         u.created_at, u.disabled, s.expires_at FROM sessions s \
                         JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
                    )
                    .bind(token_hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?;
                    let Some(row) = row else { return Ok(None) };
                    Ok(Some((user(&row)?, get(&row, "expires_at")?)))
                }

                async fn end_session(&self, token_hash: &str) -> Result<bool> {
                    let done = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                        .bind(token_hash)
                        .execute(&self.pool)
                        .await
                        .map_err(err)?
                        .rows_affected();
                    Ok(done > 0)
                }

                async fn set_user_disabled(&self, username: &str, disabled: bool) -> Result<bool> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(err)?;
                    let done = sqlx::query("UPDATE users SET disabled = $1 WHERE username = $2")
                        .bind(disabled)
                        .bind(username)
                        .execute(&mut *tx)
                        .await
                        .map_err(err)?
                        .rows_affected();
                    if disabled {
                        sqlx::query(
                            "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE username = $1)",
                        )
                        .bind(username)
                        .execute(&mut *tx)
                        .await
                        .map_err(err)?;
                    }
                    tx.commit().await.map_err(err)?;
                    Ok(done > 0)
                }

                async fn set_user_password(&self, username: &str, password_hash: &str) -> Result<bool> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(err)?;
                    let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE username = $2")
                        .bind(password_hash)
                        .bind(username)
                        .execute(&mut *tx)
                        .await
                        .map_err(err)?
                        .rows_affected();
                    sqlx::query(
                        "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE username = $1)",
                    )
                    .bind(username)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                    tx.commit().await.map_err(err)?;
                    Ok(done > 0)
                }

                async fn end_user_sessions(&self, username: &str) -> Result<u64> {
                    Ok(sqlx::query(
                        "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE username = $1)",
                    )
                    .bind(username)
                    .execute(&self.pool)
                    .await
                    .map_err(err)?
                    .rows_affected())
                }

                async fn idempotency_claim(
                    &self,
                    scope: &str,
                    key: &str,
                    request_hash: &str,
                    at: DateTime<Utc>,
                    abandoned_before: DateTime<Utc>,
                    expired_before: DateTime<Utc>,
                ) -> Result<IdempotencyClaim> {
                    let inserted = sqlx::query(
                        "INSERT INTO idempotency_keys (scope, idem_key, request_hash, created_at) \
                         VALUES ($1, $2, $3, $4) ON CONFLICT (scope, idem_key) DO NOTHING",
                    )
                    .bind(scope)
                    .bind(key)
                    .bind(request_hash)
                    .bind(at)
                    .execute(&self.pool)
                    .await
                    .map_err(err)?
                    .rows_affected();
                    if inserted == 1 {
                        return Ok(IdempotencyClaim::Fresh);
                    }
                    // An abandoned or expired claim is taken over, in one statement so two takers cannot both win.
                    let taken = sqlx::query(
                        "UPDATE idempotency_keys SET request_hash = $3, status = NULL, body = NULL, created_at = $4 \
                         WHERE scope = $1 AND idem_key = $2 \
                         AND ((status IS NULL AND created_at < $5) OR created_at < $6)",
                    )
                    .bind(scope)
                    .bind(key)
                    .bind(request_hash)
                    .bind(at)
                    .bind(abandoned_before)
                    .bind(expired_before)
                    .execute(&self.pool)
                    .await
                    .map_err(err)?
                    .rows_affected();
                    if taken == 1 {
                        return Ok(IdempotencyClaim::Fresh);
                    }
                    let row = sqlx::query(
                        "SELECT request_hash, status, body FROM idempotency_keys \
                         WHERE scope = $1 AND idem_key = $2",
                    )
                    .bind(scope)
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?;
                    // Released between our insert and this read: treat as a race and let the client retry.
                    let Some(row) = row else { return Ok(IdempotencyClaim::InProgress) };
                    let hash: String = get(&row, "request_hash")?;
                    if hash != request_hash {
                        return Ok(IdempotencyClaim::Mismatch);
                    }
                    let status: Option<i64> = get(&row, "status")?;
                    let body: Option<Vec<u8>> = get(&row, "body")?;
                    Ok(match status {
                        Some(s) => IdempotencyClaim::Replay {
                            status: u16::try_from(s).unwrap_or(500),
                            body: body.unwrap_or_default(),
                        },
                        None => IdempotencyClaim::InProgress,
                    })
                }

                async fn idempotency_finish(
                    &self,
                    scope: &str,
                    key: &str,
                    status: u16,
                    body: &[u8],
                ) -> Result<()> {
                    sqlx::query(
                        "UPDATE idempotency_keys SET status = $1, body = $2 WHERE scope = $3 AND idem_key = $4",
                    )
                    .bind(i64::from(status))
                    .bind(body)
                    .bind(scope)
                    .bind(key)
                    .execute(&self.pool)
                    .await
                    .map_err(err)?;
                    Ok(())
                }

                async fn idempotency_release(&self, scope: &str, key: &str) -> Result<()> {
                    sqlx::query(
                        "DELETE FROM idempotency_keys WHERE scope = $1 AND idem_key = $2 AND status IS NULL",
                    )
                    .bind(scope)
                    .bind(key)
                    .execute(&self.pool)
                    .await
                    .map_err(err)?;
                    Ok(())
                }

                async fn idempotency_purge(&self, before: DateTime<Utc>) -> Result<u64> {
                    let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
                        .bind(before)
                        .execute(&self.pool)
                        .await
                        .map_err(err)?
                        .rows_affected();
                    Ok(done)
                }

                async fn sessions_purge(&self, now: DateTime<Utc>) -> Result<u64> {
                    let done = sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
                        .bind(now)
                        .execute(&self.pool)
                        .await
                        .map_err(err)?
                        .rows_affected();
                    Ok(done)
                }

                async fn count_users(&self) -> Result<u64> {
                    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
                        .fetch_one(&self.pool)
                        .await
                        .map_err(err)?;
                    Ok(u64::try_from(n).unwrap_or(0))
                }

                async fn bank_insert(&self, t: &BankTransaction) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO bank_transactions (token, order_id, amount_rials, callback_url, state, \
                         ref_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
                    )
                    .bind(&t.token)
                    .bind(t.order_id)
                    .bind(u(t.amount_rials))
                    .bind(&t.callback_url)
                    .bind(&t.state)
                    .bind(t.ref_id.as_deref())
                    .bind(t.created_at)
                    .execute(&self.pool)
                    .await
                    .map_err(err)?;
                    Ok(())
                }

                async fn bank_get(&self, token: &str) -> Result<Option<BankTransaction>> {
                    let row = sqlx::query(
                        "SELECT token, order_id, amount_rials, callback_url, state, ref_id, created_at \
                         FROM bank_transactions WHERE token = $1",
                    )
                    .bind(token)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?;
                    row.as_ref().map(bank).transpose()
                }

                async fn bank_update(
                    &self,
                    token: &str,
                    from: &[&str],
                    to: &str,
                    ref_id: Option<&str>,
                ) -> Result<bool> {
                    let mut q = sqlx::QueryBuilder::<Db>::new("UPDATE bank_transactions SET state = ");
                    q.push_bind(to)
                        .push(", ref_id = COALESCE(")
                        .push_bind(ref_id)
                        .push(", ref_id), updated_at = ")
                        .push_bind(Utc::now())
                        .push(" WHERE token = ")
                        .push_bind(token)
                        .push(" AND state IN (");
                    let mut sep = q.separated(", ");
                    for f in from {
                        sep.push_bind(*f);
                    }
                    q.push(")");
                    let n = q.build().execute(&self.pool).await.map_err(err)?.rows_affected();
                    Ok(n == 1)
                }
            }
        }
    };
}
