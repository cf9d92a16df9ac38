//! The SQL of `store::nationality`: cases, their conflicts, evidence, inquiries, decisions and history. Every
//! change is conditional on the state the caller saw, and the approval writes the registry's new person in the
//! same transaction as the case's link and decision.

use chrono::{DateTime, Utc};
use domain::nationality::{Decision, EvidenceKind, Ground, InquiryKind, InquiryOutcome};
use domain::{CaseNumber, CaseState, Gender, Mobile, NationalCode, OfficeId, Person, ProvinceCode};
use sqlx::{ColumnIndex, Encode, Executor, Type};
use store::codec::PersonColumns;
use store::nationality::*;
use store::{Nationality, Result, StoreError};

use crate::{corrupt, db_err as err, get, Columns, Conn, Db, DbRow, Engine, Scalar, SqlStore};

const CASE_COLUMNS: &str = "id, case_number, province_code, office_id, state, first_name, last_name, \
    father_name, mother_name, gender, birth_place, birth_year, religion, address, mobile, photo_key, \
    templates_key, opened_by, opened_at, updated_at, national_code";

fn state(s: &str) -> Result<CaseState> {
    CaseState::parse(s).ok_or_else(|| StoreError::corrupt("nationality_cases.state", s))
}

fn case_row(r: &impl Columns) -> Result<Case> {
    let mobile: Option<String> = get(r, "mobile")?;
    let code: Option<String> = get(r, "national_code")?;
    let gender: String = get(r, "gender")?;
    Ok(Case {
        id: get(r, "id")?,
        number: CaseNumber::parse(&get::<String, _>(r, "case_number")?)
            .map_err(corrupt("case_number"))?,
        province: ProvinceCode::parse(&get::<String, _>(r, "province_code")?)
            .map_err(corrupt("province_code"))?,
        office: OfficeId::parse(&get::<String, _>(r, "office_id")?)
            .map_err(corrupt("office_id"))?,
        state: state(&get::<String, _>(r, "state")?)?,
        applicant: Applicant {
            first_name: get(r, "first_name")?,
            last_name: get(r, "last_name")?,
            father_name: get(r, "father_name")?,
            mother_name: get(r, "mother_name")?,
            gender: Gender::parse(&gender).map_err(corrupt("gender"))?,
            birth_place: get(r, "birth_place")?,
            birth_year: i32::try_from(get::<i64, _>(r, "birth_year")?)
                .map_err(corrupt("birth_year"))?,
            religion: get(r, "religion")?,
            address: get(r, "address")?,
            mobile: mobile
                .map(|m| Mobile::parse(&m))
                .transpose()
                .map_err(corrupt("mobile"))?,
        },
        photo_key: get(r, "photo_key")?,
        templates_key: get(r, "templates_key")?,
        opened_by: get(r, "opened_by")?,
        opened_at: get(r, "opened_at")?,
        updated_at: get(r, "updated_at")?,
        national_code: code
            .map(|c| NationalCode::parse(&c))
            .transpose()
            .map_err(corrupt("national_code"))?,
    })
}

fn parse_named<T>(
    col: &'static str,
    s: &str,
    f: fn(&str) -> std::result::Result<T, domain::ValidationError>,
) -> Result<T> {
    f(s).map_err(corrupt(col))
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
    /// Moves the case from `m.from` to `m.to` (the same state allowed) and adds its history row when it moved;
    /// false, with nothing written, when the case was not in `m.from`.
    async fn move_in(conn: &mut Conn<E>, case_id: i64, m: &Move) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE nationality_cases SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4",
        )
        .bind(m.to.as_str())
        .bind(m.by.at)
        .bind(case_id)
        .bind(m.from.as_str())
        .execute(&mut *conn)
        .await
        .map_err(err)?;
        if E::rows_affected(&done) == 0 {
            return Ok(false);
        }
        if m.from != m.to || m.reason.is_some() {
            Self::history(
                conn,
                case_id,
                Some(m.from),
                m.to,
                &m.by,
                m.reason.as_deref(),
            )
            .await?;
        }
        Ok(true)
    }

    async fn history(
        conn: &mut Conn<E>,
        case_id: i64,
        from: Option<CaseState>,
        to: CaseState,
        by: &Actor,
        reason: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO nationality_history (case_id, from_state, to_state, actor, at, reason) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(case_id)
        .bind(from.map(CaseState::as_str))
        .bind(to.as_str())
        .bind(by.actor.as_str())
        .bind(by.at)
        .bind(reason)
        .execute(&mut *conn)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn record_decision(conn: &mut Conn<E>, case_id: i64, d: &CaseDecision) -> Result<()> {
        let members =
            serde_json::to_string(&d.members).map_err(|e| StoreError::Invalid(e.to_string()))?;
        sqlx::query(
            "INSERT INTO nationality_decisions (case_id, decision, ground, members, note, actor, at, \
             national_code) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(case_id)
        .bind(d.decision.as_str())
        .bind(d.ground.as_str())
        .bind(members.as_str())
        .bind(d.note.as_str())
        .bind(d.by.actor.as_str())
        .bind(d.by.at)
        .bind(d.national_code.as_ref().map(|c| c.as_str()))
        .execute(&mut *conn)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn queue(conn: &mut Conn<E>, sms: Option<&CaseSms>, at: DateTime<Utc>) -> Result<()> {
        if let Some(s) = sms {
            Self::queue_sms(conn, None, s.mobile.as_str(), &s.kind, &s.text, at).await?;
        }
        Ok(())
    }

    /// The registry's key for a national code or a mobile number bound as `$n` (an integer on SQLite).
    fn key(n: u8) -> String {
        E::PERSON_CODE.replace("a.national_code", &format!("${n}"))
    }

    /// Adds a new person to the registry, with their mobile numbers; false when the code is taken.
    async fn insert_person(conn: &mut Conn<E>, p: &Person, at: DateTime<Utc>) -> Result<bool> {
        let taken: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM persons WHERE national_code = {}",
            Self::key(1)
        ))
        .bind(p.national_code.as_str())
        .fetch_one(&mut *conn)
        .await
        .map_err(err)?;
        if taken > 0 {
            return Ok(false);
        }
        let c = PersonColumns::from_person(p);
        sqlx::query(&format!(
            "INSERT INTO persons (national_code, first_name, last_name, father_name, mother_name, gender, \
             birth_date_jalali, birth_place, religion, bc_series_letter, bc_series_number, bc_serial, mobiles, \
             postal_code, address, death_date_jalali, province_code, updated_at) VALUES ({}, $2, $3, $4, $5, \
             $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
            Self::key(1)
        ))
        .bind(c.national_code.as_str())
        .bind(c.first_name.as_str())
        .bind(c.last_name.as_str())
        .bind(c.father_name.as_str())
        .bind(c.mother_name.as_str())
        .bind(c.gender.as_str())
        .bind(c.birth_date_jalali.as_str())
        .bind(c.birth_place.as_str())
        .bind(c.religion.as_str())
        .bind(c.bc_series_letter.as_str())
        .bind(c.bc_series_number.as_str())
        .bind(c.bc_serial.as_str())
        .bind(c.mobiles.as_str())
        .bind(c.postal_code.as_deref())
        .bind(c.address.as_str())
        .bind(c.death_date_jalali.as_deref())
        .bind(c.province_code)
        .bind(at)
        .execute(&mut *conn)
        .await
        .map_err(err)?;
        for m in &p.mobiles {
            sqlx::query(&format!(
                "INSERT INTO person_mobiles (mobile, national_code) VALUES ({}, {}) ON CONFLICT DO NOTHING",
                Self::key(1),
                Self::key(2)
            ))
            .bind(m.as_str())
            .bind(p.national_code.as_str())
            .execute(&mut *conn)
            .await
            .map_err(err)?;
        }
        Ok(true)
    }
}

#[async_trait::async_trait]
impl<E: Engine> Nationality for SqlStore<E>
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
    async fn open_case(&self, c: &NewCase) -> Result<Case> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO nationality_sequences (province_code, last_value) VALUES ($1, 1) \
             ON CONFLICT (province_code) DO UPDATE SET last_value = nationality_sequences.last_value + 1 \
             RETURNING last_value",
        )
        .bind(c.province.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(err)?;
        let number = CaseNumber::new(c.province, crate::back(seq)).ok_or_else(|| {
            StoreError::Conflict(format!(
                "province {} has no case numbers left",
                c.province.as_str()
            ))
        })?;
        let opened = if c.conflicts.is_empty() {
            CaseState::Open
        } else {
            CaseState::IdentityConflict
        };
        let a = &c.applicant;
        let row = sqlx::query(&format!(
            "INSERT INTO nationality_cases (case_number, province_code, office_id, state, first_name, last_name, \
             father_name, mother_name, gender, birth_place, birth_year, religion, address, mobile, photo_key, \
             templates_key, opened_by, opened_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
             $11, $12, $13, $14, $15, $16, $17, $18, $18) RETURNING {CASE_COLUMNS}"
        ))
        .bind(number.to_string().as_str())
        .bind(c.province.as_str())
        .bind(c.office.as_str())
        .bind(opened.as_str())
        .bind(a.first_name.as_str())
        .bind(a.last_name.as_str())
        .bind(a.father_name.as_deref())
        .bind(a.mother_name.as_deref())
        .bind(a.gender.as_str())
        .bind(a.birth_place.as_str())
        .bind(i64::from(a.birth_year))
        .bind(a.religion.as_str())
        .bind(a.address.as_str())
        .bind(a.mobile.as_ref().map(|m| m.as_str()))
        .bind(c.photo_key.as_str())
        .bind(c.templates_key.as_str())
        .bind(c.opened.actor.as_str())
        .bind(c.opened.at)
        .fetch_one(&mut *tx)
        .await
        .map_err(err)?;
        let case = case_row(&row)?;
        for (application_id, score) in &c.conflicts {
            sqlx::query(
                "INSERT INTO nationality_conflicts (case_id, application_id, score) VALUES ($1, $2, $3)",
            )
            .bind(case.id)
            .bind(*application_id)
            .bind(*score)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        }
        let reason = (!c.conflicts.is_empty()).then(|| {
            format!(
                "fingerprints matched {} enrolled person(s)",
                c.conflicts.len()
            )
        });
        Self::history(&mut tx, case.id, None, opened, &c.opened, reason.as_deref()).await?;
        tx.commit().await.map_err(err)?;
        Ok(case)
    }

    async fn case_by_number(&self, number: &CaseNumber) -> Result<Option<CaseFile>> {
        let Some(row) = sqlx::query(&format!(
            "SELECT {CASE_COLUMNS} FROM nationality_cases WHERE case_number = $1"
        ))
        .bind(number.to_string().as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?
        else {
            return Ok(None);
        };
        let case = case_row(&row)?;
        let id = case.id;
        let conflicts = sqlx::query(
            "SELECT application_id, score FROM nationality_conflicts WHERE case_id = $1 ORDER BY score DESC",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?
        .iter()
        .map(|r| Ok((get(r, "application_id")?, get(r, "score")?)))
        .collect::<Result<Vec<_>>>()?;
        let evidence = sqlx::query(
            "SELECT kind, note, document_key, details, actor, at FROM nationality_evidence \
             WHERE case_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?
        .iter()
        .map(|r| {
            Ok(Evidence {
                kind: parse_named("kind", &get::<String, _>(r, "kind")?, EvidenceKind::parse)?,
                note: get(r, "note")?,
                document_key: get(r, "document_key")?,
                details: get(r, "details")?,
                by: Actor {
                    actor: get(r, "actor")?,
                    at: get(r, "at")?,
                },
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let inquiries = sqlx::query(
            "SELECT id, kind, reference, sent_by, sent_at, outcome, answer, answered_at \
             FROM nationality_inquiries WHERE case_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?
        .iter()
        .map(|r| {
            let outcome: Option<String> = get(r, "outcome")?;
            Ok(Inquiry {
                id: get(r, "id")?,
                kind: parse_named("kind", &get::<String, _>(r, "kind")?, InquiryKind::parse)?,
                reference: get(r, "reference")?,
                sent: Actor {
                    actor: get(r, "sent_by")?,
                    at: get(r, "sent_at")?,
                },
                outcome: outcome
                    .map(|o| parse_named("outcome", &o, InquiryOutcome::parse))
                    .transpose()?,
                answer: get(r, "answer")?,
                answered_at: get(r, "answered_at")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let decisions = sqlx::query(
            "SELECT decision, ground, members, note, actor, at, national_code FROM nationality_decisions \
             WHERE case_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?
        .iter()
        .map(|r| {
            let members: String = get(r, "members")?;
            let code: Option<String> = get(r, "national_code")?;
            Ok(CaseDecision {
                decision: parse_named("decision", &get::<String, _>(r, "decision")?, Decision::parse)?,
                ground: parse_named("ground", &get::<String, _>(r, "ground")?, Ground::parse)?,
                members: serde_json::from_str(&members).map_err(corrupt("members"))?,
                note: get(r, "note")?,
                by: Actor {
                    actor: get(r, "actor")?,
                    at: get(r, "at")?,
                },
                national_code: code
                    .map(|c| NationalCode::parse(&c))
                    .transpose()
                    .map_err(corrupt("national_code"))?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let history = sqlx::query(
            "SELECT from_state, to_state, actor, at, reason FROM nationality_history \
             WHERE case_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?
        .iter()
        .map(|r| {
            let from: Option<String> = get(r, "from_state")?;
            Ok(CaseMove {
                from: from.as_deref().map(state).transpose()?,
                to: state(&get::<String, _>(r, "to_state")?)?,
                by: Actor {
                    actor: get(r, "actor")?,
                    at: get(r, "at")?,
                },
                reason: get(r, "reason")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let application = match &case.national_code {
            Some(code) => sqlx::query_scalar::<_, String>(
                "SELECT tracking_code FROM applications WHERE national_code = $1 ORDER BY id DESC LIMIT 1",
            )
            .bind(code.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?,
            None => None,
        };
        Ok(Some(CaseFile {
            case,
            conflicts,
            evidence,
            inquiries,
            decisions,
            history,
            application,
        }))
    }

    async fn add_evidence(&self, case_id: i64, moved: &Move, e: &Evidence) -> Result<Moved> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        if !Self::move_in(&mut tx, case_id, moved).await? {
            return Ok(Moved::Moved);
        }
        sqlx::query(
            "INSERT INTO nationality_evidence (case_id, kind, note, document_key, details, actor, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(case_id)
        .bind(e.kind.as_str())
        .bind(e.note.as_str())
        .bind(e.document_key.as_deref())
        .bind(e.details.as_str())
        .bind(e.by.actor.as_str())
        .bind(e.by.at)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(Moved::Done)
    }

    async fn send_inquiries(
        &self,
        case_id: i64,
        moved: &Move,
        kinds: &[InquiryKind],
    ) -> Result<Moved> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        if !Self::move_in(&mut tx, case_id, moved).await? {
            return Ok(Moved::Moved);
        }
        for k in kinds {
            sqlx::query(
                "INSERT INTO nationality_inquiries (case_id, kind, sent_by, sent_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (case_id, kind) DO NOTHING",
            )
            .bind(case_id)
            .bind(k.as_str())
            .bind(moved.by.actor.as_str())
            .bind(moved.by.at)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        }
        tx.commit().await.map_err(err)?;
        Ok(Moved::Done)
    }

    async fn answer_inquiry(
        &self,
        inquiry_id: i64,
        outcome: InquiryOutcome,
        answer: &str,
        reference: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE nationality_inquiries SET outcome = $1, answer = $2, reference = $3, answered_at = $4 \
             WHERE id = $5 AND outcome IS NULL",
        )
        .bind(outcome.as_str())
        .bind(answer)
        .bind(reference)
        .bind(at)
        .bind(inquiry_id)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(E::rows_affected(&done) == 1)
    }

    async fn move_case(&self, case_id: i64, moved: &Move) -> Result<Moved> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        if !Self::move_in(&mut tx, case_id, moved).await? {
            return Ok(Moved::Moved);
        }
        tx.commit().await.map_err(err)?;
        Ok(Moved::Done)
    }

    async fn decide(
        &self,
        case_id: i64,
        moved: &Move,
        decision: &CaseDecision,
        sms: Option<&CaseSms>,
    ) -> Result<Moved> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        if !Self::move_in(&mut tx, case_id, moved).await? {
            return Ok(Moved::Moved);
        }
        Self::record_decision(&mut tx, case_id, decision).await?;
        Self::queue(&mut tx, sms, moved.by.at).await?;
        tx.commit().await.map_err(err)?;
        Ok(Moved::Done)
    }

    async fn approve(
        &self,
        case_id: i64,
        moved: &Move,
        decision: &CaseDecision,
        person: &Person,
        sms: Option<&CaseSms>,
    ) -> Result<Approved> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        if !Self::move_in(&mut tx, case_id, moved).await? {
            return Ok(Approved::Moved);
        }
        if !Self::insert_person(&mut tx, person, moved.by.at).await? {
            return Ok(Approved::CodeTaken);
        }
        let linked = sqlx::query(
            "UPDATE nationality_cases SET national_code = $1 WHERE id = $2 AND national_code IS NULL",
        )
        .bind(person.national_code.as_str())
        .bind(case_id)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        if E::rows_affected(&linked) != 1 {
            return Ok(Approved::Moved);
        }
        Self::record_decision(&mut tx, case_id, decision).await?;
        Self::queue(&mut tx, sms, moved.by.at).await?;
        tx.commit().await.map_err(err)?;
        Ok(Approved::Done)
    }

    async fn open_cases(&self) -> Result<Vec<OpenCase>> {
        sqlx::query(
            "SELECT province_code, state, birth_year FROM nationality_cases \
             WHERE state NOT IN ('approved', 'rejected')",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(err)?
        .iter()
        .map(|r| {
            Ok(OpenCase {
                province: ProvinceCode::parse(&get::<String, _>(r, "province_code")?)
                    .map_err(corrupt("province_code"))?,
                state: state(&get::<String, _>(r, "state")?)?,
                birth_year: i32::try_from(get::<i64, _>(r, "birth_year")?)
                    .map_err(corrupt("birth_year"))?,
            })
        })
        .collect()
    }

    async fn cases_of_office(&self, office: &OfficeId, limit: u32) -> Result<Vec<Case>> {
        sqlx::query(&format!(
            "SELECT {CASE_COLUMNS} FROM nationality_cases WHERE office_id = $1 ORDER BY id DESC LIMIT $2"
        ))
        .bind(office.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(err)?
        .iter()
        .map(case_row)
        .collect()
    }

    async fn cases_for_committee(
        &self,
        province: Option<ProvinceCode>,
        limit: u32,
    ) -> Result<Vec<Case>> {
        sqlx::query(&format!(
            "SELECT {CASE_COLUMNS} FROM nationality_cases WHERE state NOT IN ('approved', 'rejected') \
             AND ($1 IS NULL OR province_code = $1) ORDER BY id LIMIT $2"
        ))
        .bind(province.map(|p| p.as_str()))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(err)?
        .iter()
        .map(case_row)
        .collect()
    }
}
