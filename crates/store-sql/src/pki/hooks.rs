//! The PKI's hooks that other features call inside their own transactions: document numbers for a new batch, a
//! card's holder certificates released at pickup, held when it is reported lost, revoked with the card.

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Encode, Executor, Type};
use store::{Result, StoreError};

use super::{FINAL, HOLDER_ROLES};
use crate::{db_err as err, Conn, Db, DbRow, Engine, Scalar, SqlStore};

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
    /// Gives every card of `batch_id` its document number, from the sequence (in the batch's transaction).
    pub(crate) async fn assign_document_numbers(
        conn: &mut Conn<E>,
        batch_id: i64,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT application_id FROM batch_cards WHERE batch_id = $1 ORDER BY application_id",
        )
        .bind(batch_id)
        .fetch_all(&mut *conn)
        .await
        .map_err(err)?;
        if ids.is_empty() {
            return Ok(());
        }
        let n = i64::try_from(ids.len()).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let last: i64 = sqlx::query_scalar(
            "UPDATE document_number_seq SET last_number = last_number + $1 WHERE id = 1 \
             RETURNING last_number",
        )
        .bind(n)
        .fetch_one(&mut *conn)
        .await
        .map_err(err)?;
        let first = last - n + 1;
        let numbers = (0..ids.len())
            .map(|k| {
                u64::try_from(first + i64::try_from(k).unwrap_or(i64::MAX))
                    .ok()
                    .and_then(domain::production::document_number)
                    .ok_or_else(|| StoreError::Conflict("document numbers exhausted".into()))
            })
            .collect::<Result<Vec<String>>>()?;
        for (chunk, numbers) in ids.chunks(200).zip(numbers.chunks(200)) {
            let mut q = sqlx::QueryBuilder::<Db<E>>::new(
                "INSERT INTO documents (document_number, application_id, batch_id, assigned_at) ",
            );
            q.push_values(chunk.iter().zip(numbers), |mut b, (id, number)| {
                b.push_bind(number.as_str())
                    .push_bind(*id)
                    .push_bind(batch_id)
                    .push_bind(at);
            });
            E::build(&mut q).execute(&mut *conn).await.map_err(err)?;
        }
        Ok(())
    }

    /// Lifts the holds on the holder certificates of the card `chip_serial` (its pickup, or the card found again).
    pub(crate) async fn release_certificates_of_card(
        conn: &mut Conn<E>,
        chip_serial: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        Self::change_holder_certificates(conn, chip_serial, "certificateHold", "removeFromCRL", at)
            .await
    }

    /// Puts on hold the holder certificates of the card `chip_serial` that are good (its loss reported).
    pub(crate) async fn hold_certificates_of_card(
        conn: &mut Conn<E>,
        chip_serial: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        Self::change_holder_certificates(conn, chip_serial, "removeFromCRL", "certificateHold", at)
            .await
    }

    /// Appends `to` for each holder certificate of the card whose last change is `from`.
    async fn change_holder_certificates(
        conn: &mut Conn<E>,
        chip_serial: &str,
        from: &str,
        to: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO pki_status_changes (authority, serial, reason, at) \
             SELECT c.authority, c.serial, $1, $2 FROM pki_certificates c \
             JOIN documents d ON d.document_number = c.document_number \
             JOIN batch_cards b ON b.batch_id = d.batch_id AND b.application_id = d.application_id \
             WHERE b.chip_serial = $3 AND c.role IN {HOLDER_ROLES} \
             AND (SELECT s.reason FROM pki_status_changes s WHERE s.serial = c.serial \
                  ORDER BY s.id DESC LIMIT 1) = $4"
        ))
        .bind(to)
        .bind(at)
        .bind(chip_serial)
        .bind(from)
        .execute(&mut *conn)
        .await
        .map_err(err)?;
        Ok(())
    }

    /// Revokes, with `reason`, every holder certificate of the application that is not revoked yet.
    pub(crate) async fn revoke_certificates_of(
        conn: &mut Conn<E>,
        application_id: i64,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO pki_status_changes (authority, serial, reason, at) \
             SELECT c.authority, c.serial, $1, $2 FROM pki_certificates c \
             WHERE c.application_id = $3 AND c.role IN {HOLDER_ROLES} \
             AND NOT EXISTS (SELECT 1 FROM pki_status_changes s WHERE s.serial = c.serial \
                             AND s.reason IN {FINAL})"
        ))
        .bind(reason)
        .bind(at)
        .bind(application_id)
        .execute(&mut *conn)
        .await
        .map_err(err)?;
        Ok(())
    }
}
