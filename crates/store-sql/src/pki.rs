//! The SQL of `store::pki`: certificates, their status changes, CRL numbers, and documents (document numbers
//! assigned at batching, chip data). Also the hooks other features call inside their own transactions: document
//! numbers for a new batch, a card's certificates released at pickup or revoked with the card.

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Encode, Executor, Type};
use store::pki::*;
use store::{Result, StoreError};

mod hooks;

use crate::{db_err as err, get, Columns, Conn, Db, DbRow, Engine, Scalar, SqlStore};

const CERT_COLUMNS: &str =
    "serial, authority, role, subject, not_before, not_after, signing_until, \
    key_label, der, key_sha256, application_id, document_number, issued_at";

const DOCUMENT_COLUMNS: &str =
    "document_number, application_id, batch_id, assigned_at, lds_key, ds_serial";

/// The holders' roles.
const HOLDER_ROLES: &str = "('holder_authentication', 'holder_signing')";

/// The reasons that end a certificate for good.
const FINAL: &str = "('keyCompromise', 'superseded', 'cessationOfOperation')";

fn certificate(row: &impl Columns) -> Result<StoredCertificate> {
    Ok(StoredCertificate {
        serial: get(row, "serial")?,
        authority: get(row, "authority")?,
        role: get(row, "role")?,
        subject: get(row, "subject")?,
        not_before: get(row, "not_before")?,
        not_after: get(row, "not_after")?,
        signing_until: get(row, "signing_until")?,
        key_label: get(row, "key_label")?,
        der: get::<Option<Vec<u8>>, _>(row, "der")?.unwrap_or_default(),
        key_sha256: get(row, "key_sha256")?,
        application_id: get(row, "application_id")?,
        document_number: get(row, "document_number")?,
        issued_at: get(row, "issued_at")?,
    })
}

fn change(row: &impl Columns) -> Result<CertificateChange> {
    Ok(CertificateChange {
        id: get(row, "id")?,
        authority: get(row, "authority")?,
        serial: get(row, "serial")?,
        reason: get(row, "reason")?,
        at: get(row, "at")?,
    })
}

fn document(row: &impl Columns) -> Result<Document> {
    Ok(Document {
        document_number: get(row, "document_number")?,
        application_id: get(row, "application_id")?,
        batch_id: get(row, "batch_id")?,
        assigned_at: get(row, "assigned_at")?,
        lds_key: get(row, "lds_key")?,
        ds_serial: get(row, "ds_serial")?,
    })
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
    async fn insert_certificate(conn: &mut Conn<E>, c: &StoredCertificate) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO pki_certificates ({CERT_COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, CASE WHEN $14 THEN $7 ELSE NULL END, $8, $9, $10, $11, $12, $13)"
        ))
        .bind(c.serial.as_str())
        .bind(c.authority.as_deref())
        .bind(c.role.as_str())
        .bind(c.subject.as_str())
        .bind(c.not_before)
        .bind(c.not_after)
        // Bound as a value and a flag: the shared SQL binds instants, not optional ones.
        .bind(c.signing_until.unwrap_or(c.not_after))
        .bind(c.key_label.as_deref())
        .bind(c.der.as_slice())
        .bind(c.key_sha256.as_str())
        .bind(c.application_id)
        .bind(c.document_number.as_deref())
        .bind(c.issued_at)
        .bind(c.signing_until.is_some())
        .execute(&mut *conn)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn insert_changes(conn: &mut Conn<E>, changes: &[CertificateChange]) -> Result<()> {
        for c in changes {
            sqlx::query(
                "INSERT INTO pki_status_changes (authority, serial, reason, at) VALUES ($1, $2, $3, $4)",
            )
            .bind(c.authority.as_str())
            .bind(c.serial.as_str())
            .bind(c.reason.as_str())
            .bind(c.at)
            .execute(&mut *conn)
            .await
            .map_err(err)?;
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl<E: Engine> Pki for SqlStore<E>
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
    async fn pki_authorities(&self) -> Result<Vec<StoredCertificate>> {
        let rows = sqlx::query(&format!(
            "SELECT {CERT_COLUMNS} FROM pki_certificates WHERE application_id IS NULL \
             ORDER BY not_before, serial"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter().map(certificate).collect()
    }

    async fn record_authorities(
        &self,
        certificates: &[StoredCertificate],
        initialising: bool,
    ) -> Result<bool> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        if initialising {
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM pki_certificates WHERE application_id IS NULL \
                 AND role IN ('root_ca', 'citizen_ca', 'csca')",
            )
            .fetch_one(&mut *tx)
            .await
            .map_err(err)?;
            if n > 0 {
                return Ok(false);
            }
        }
        for c in certificates {
            if c.application_id.is_some() {
                return Err(StoreError::Invalid(
                    "a holder certificate is not an authority".into(),
                ));
            }
            Self::insert_certificate(&mut tx, c).await?;
        }
        tx.commit().await.map_err(err)?;
        Ok(true)
    }

    async fn document_certificates(&self, document_number: &str) -> Result<Vec<StoredCertificate>> {
        let rows = sqlx::query(&format!(
            "SELECT {CERT_COLUMNS} FROM pki_certificates WHERE document_number = $1 \
             AND role IN {HOLDER_ROLES} ORDER BY role"
        ))
        .bind(document_number)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter().map(certificate).collect()
    }

    async fn certified_in_batch(&self, batch_id: i64, application_ids: &[i64]) -> Result<Vec<i64>> {
        let mut out = Vec::new();
        for chunk in application_ids.chunks(500) {
            let marks: Vec<String> = (2..=chunk.len() + 1).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT DISTINCT d.application_id FROM documents d \
                 JOIN pki_certificates c ON c.document_number = d.document_number \
                 WHERE d.batch_id = $1 AND d.application_id IN ({})",
                marks.join(", ")
            );
            let mut q = sqlx::query_scalar::<_, i64>(&sql).bind(batch_id);
            for id in chunk {
                q = q.bind(*id);
            }
            out.extend(q.fetch_all(&self.pool).await.map_err(err)?);
        }
        Ok(out)
    }

    async fn certificate_with_key(&self, key_sha256: &str) -> Result<Option<String>> {
        sqlx::query_scalar(
            "SELECT serial FROM pki_certificates WHERE key_sha256 = $1 AND application_id IS NOT NULL",
        )
        .bind(key_sha256)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)
    }

    async fn record_holder_certificates(
        &self,
        certificates: &[StoredCertificate],
        holds: &[CertificateChange],
    ) -> Result<HolderIssued> {
        let Some(document_number) = certificates.first().and_then(|c| c.document_number.clone())
        else {
            return Err(StoreError::Invalid(
                "holder certificates need their document".into(),
            ));
        };
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let existing = sqlx::query(&format!(
            "SELECT {CERT_COLUMNS} FROM pki_certificates WHERE document_number = $1 \
             AND role IN {HOLDER_ROLES} ORDER BY role"
        ))
        .bind(document_number.as_str())
        .fetch_all(&mut *tx)
        .await
        .map_err(err)?;
        if !existing.is_empty() {
            return Ok(HolderIssued::Existing(
                existing.iter().map(certificate).collect::<Result<_>>()?,
            ));
        }
        for c in certificates {
            let taken: Option<String> = sqlx::query_scalar(
                "SELECT serial FROM pki_certificates WHERE key_sha256 = $1 AND application_id IS NOT NULL",
            )
            .bind(c.key_sha256.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(err)?;
            if taken.is_some() {
                return Ok(HolderIssued::KeyTaken);
            }
        }
        for c in certificates {
            Self::insert_certificate(&mut tx, c).await?;
        }
        Self::insert_changes(&mut tx, holds).await?;
        tx.commit().await.map_err(err)?;
        Ok(HolderIssued::Issued)
    }

    async fn certificate_changes(
        &self,
        authority: &str,
        serial: &str,
    ) -> Result<Option<Vec<CertificateChange>>> {
        let issued: Option<String> = sqlx::query_scalar(
            "SELECT serial FROM pki_certificates WHERE serial = $1 AND authority = $2",
        )
        .bind(serial)
        .bind(authority)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        if issued.is_none() {
            return Ok(None);
        }
        let rows = sqlx::query(
            "SELECT id, authority, serial, reason, at FROM pki_status_changes WHERE serial = $1 \
             ORDER BY id",
        )
        .bind(serial)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter().map(change).collect::<Result<_>>().map(Some)
    }

    async fn authority_changes(&self, authority: &str) -> Result<Vec<CertificateChange>> {
        let rows = sqlx::query(
            "SELECT id, authority, serial, reason, at FROM pki_status_changes WHERE authority = $1 \
             ORDER BY id",
        )
        .bind(authority)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter().map(change).collect()
    }

    async fn changes_since(&self, after_id: i64, limit: u32) -> Result<Vec<CertificateChange>> {
        let rows = sqlx::query(
            "SELECT id, authority, serial, reason, at FROM pki_status_changes WHERE id > $1 \
             ORDER BY id LIMIT $2",
        )
        .bind(after_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter().map(change).collect()
    }

    async fn last_change_id(&self) -> Result<i64> {
        let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM pki_status_changes")
            .fetch_one(&self.pool)
            .await
            .map_err(err)?;
        Ok(id.unwrap_or(0))
    }

    async fn record_changes(&self, changes: &[CertificateChange]) -> Result<()> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        Self::insert_changes(&mut tx, changes).await?;
        tx.commit().await.map_err(err)?;
        Ok(())
    }

    async fn next_crl_number(&self, authority: &str) -> Result<u64> {
        let n: i64 = sqlx::query_scalar(
            "INSERT INTO pki_crl_numbers (authority, last_number) VALUES ($1, 1) \
             ON CONFLICT (authority) DO UPDATE SET last_number = pki_crl_numbers.last_number + 1 \
             RETURNING last_number",
        )
        .bind(authority)
        .fetch_one(&self.pool)
        .await
        .map_err(err)?;
        u64::try_from(n).map_err(|e| StoreError::corrupt("last_number", e))
    }

    async fn documents_without_chip_data(&self, limit: u32) -> Result<Vec<Document>> {
        let rows = sqlx::query(&format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE lds_key IS NULL \
             ORDER BY batch_id, application_id LIMIT $1"
        ))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter().map(document).collect()
    }

    async fn set_chip_data(
        &self,
        document_number: &str,
        lds_key: &str,
        ds_serial: &str,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE documents SET lds_key = $1, ds_serial = $2 WHERE document_number = $3 \
             AND lds_key IS NULL",
        )
        .bind(lds_key)
        .bind(ds_serial)
        .bind(document_number)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(E::rows_affected(&done) == 1)
    }

    async fn document(&self, document_number: &str) -> Result<Option<Document>> {
        sqlx::query(&format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE document_number = $1"
        ))
        .bind(document_number)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?
        .as_ref()
        .map(document)
        .transpose()
    }

    async fn batch_documents(&self, batch_id: i64) -> Result<Vec<Document>> {
        let rows = sqlx::query(&format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE batch_id = $1 ORDER BY application_id"
        ))
        .bind(batch_id)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter().map(document).collect()
    }
}
