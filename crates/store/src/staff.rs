//! Staff accounts and their sessions. Only a hash of a session token is kept.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{OfficeId, ProvinceCode, Role};

use crate::Result;

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub office: Option<OfficeId>,
    pub province: Option<ProvinceCode>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub office: Option<OfficeId>,
    pub province: Option<ProvinceCode>,
    pub created_at: DateTime<Utc>,
    pub disabled: bool,
}

#[async_trait]
pub trait Staff: Send + Sync {
    async fn create_user(&self, user: &NewUser) -> Result<i64>;

    async fn user_by_name(&self, username: &str) -> Result<Option<User>>;

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        expires_at: DateTime<Utc>,
    ) -> Result<()>;

    /// The user of a session token (by its hash), with the session's expiry.
    async fn session(&self, token_hash: &str) -> Result<Option<(User, DateTime<Utc>)>>;

    /// Ends a session (logout); `Ok(false)` when there was none.
    async fn end_session(&self, token_hash: &str) -> Result<bool>;

    /// Disables (or enables again) a user; disabling ends all their sessions in the same transaction.
    /// `Ok(false)` when there is no such user.
    async fn set_user_disabled(&self, username: &str, disabled: bool) -> Result<bool>;

    /// Replaces a user's password hash and ends all their sessions; `Ok(false)` when there is no such user.
    async fn set_user_password(&self, username: &str, password_hash: &str) -> Result<bool>;

    /// Ends every session of a user; how many there were.
    async fn end_user_sessions(&self, username: &str) -> Result<u64>;

    /// Deletes staff sessions that expired before `now`; the number deleted.
    async fn sessions_purge(&self, now: DateTime<Utc>) -> Result<u64>;

    /// How many staff accounts exist (disabled ones included).
    async fn count_users(&self) -> Result<u64>;
}
