//! The SQL of `store::staff`: staff accounts and their sessions.

use chrono::{DateTime, Utc};
use domain::{OfficeId, ProvinceCode, Role};
use sqlx::{ColumnIndex, Encode, Executor, Type};
use store::staff::*;
use store::{Result, Staff};

use crate::{corrupt, db_err as err, get, Columns, Conn, Db, DbRow, Engine, Scalar, SqlStore};

fn user(row: &impl Columns) -> Result<User> {
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

#[async_trait::async_trait]
impl<E: Engine> Staff for SqlStore<E>
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
        let done = E::rows_affected(
            &sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(&self.pool)
                .await
                .map_err(err)?,
        );
        Ok(done > 0)
    }

    async fn set_user_disabled(&self, username: &str, disabled: bool) -> Result<bool> {
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let done = E::rows_affected(
            &sqlx::query("UPDATE users SET disabled = $1 WHERE username = $2")
                .bind(disabled)
                .bind(username)
                .execute(&mut *tx)
                .await
                .map_err(err)?,
        );
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
        let mut tx = self.pool.begin_with(E::BEGIN).await.map_err(err)?;
        let done = E::rows_affected(
            &sqlx::query("UPDATE users SET password_hash = $1 WHERE username = $2")
                .bind(password_hash)
                .bind(username)
                .execute(&mut *tx)
                .await
                .map_err(err)?,
        );
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
        Ok(E::rows_affected(
            &sqlx::query(
                "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE username = $1)",
            )
            .bind(username)
            .execute(&self.pool)
            .await
            .map_err(err)?,
        ))
    }

    async fn sessions_purge(&self, now: DateTime<Utc>) -> Result<u64> {
        let done = E::rows_affected(
            &sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
                .bind(now)
                .execute(&self.pool)
                .await
                .map_err(err)?,
        );
        Ok(done)
    }

    async fn count_users(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await
            .map_err(err)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
