//! Staff authentication: argon2id password hashes, random session tokens kept only as their SHA-256, and the
//! [`Staff`] extractor that every office handler takes (401 without a valid token, 403 for a role that may not).

use crate::error::ApiError;
use crate::state::AppState;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use domain::{OfficeId, ProvinceCode, Role};
use sha2::{Digest, Sha256};

/// An argon2id hash (PHC string) of a password.
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt_bytes: [u8; 16] = rand::random();
    let salt = SaltString::encode_b64(&salt_bytes)?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    check_password(password, hash).unwrap_or(false)
}

/// Whether `password` matches `hash`; `None` when `hash` is no PHC string (then no argon2 work was done).
pub fn check_password(password: &str, hash: &str) -> Option<bool> {
    let h = PasswordHash::new(hash).ok()?;
    Some(
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok(),
    )
}

/// An argon2id hash with [`hash_password`]'s parameters, of a password nobody knows: logins verify against it when
/// the user does not exist or is disabled, so that every refused login costs one argon2 verification and its
/// timing does not tell which usernames exist.
pub const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$WNnhXq/ib93sVCuypFKXsA$ZIiypw+7TeTm2qLoRKFkaebUnIOJWQUyxSJcTc2fg04";

/// A fresh session token (hex of 32 random bytes) and the hash the store keeps.
pub fn new_token() -> (String, String) {
    let bytes: [u8; 32] = rand::random();
    let token = hex::encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A logged-in member of staff.
#[derive(Debug, Clone)]
pub struct Staff {
    pub username: String,
    pub role: Role,
    pub office: Option<OfficeId>,
    /// The province of a province administrator.
    pub province: Option<ProvinceCode>,
}

impl Staff {
    /// The office of an operator or supervisor; 403 for roles without one.
    pub fn office(&self) -> Result<&OfficeId, ApiError> {
        match (&self.office, self.role.has_office()) {
            (Some(o), true) => Ok(o),
            _ => Err(ApiError::forbidden()),
        }
    }
}

impl Staff {
    /// The member of staff whose session this token is: 401 for an unknown, expired or disabled one.
    pub async fn from_token(state: &AppState, token: &str) -> Result<Self, ApiError> {
        let (user, expires) = state
            .store
            .session(&token_hash(token))
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        if user.disabled || expires <= chrono::Utc::now() {
            return Err(ApiError::unauthorized());
        }
        Ok(Staff {
            username: user.username,
            role: user.role,
            office: user.office,
            province: user.province,
        })
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_token)
            .ok_or_else(ApiError::unauthorized)?;
        Staff::from_token(state, token).await
    }
}

/// The token of an `Authorization: Bearer <token>` value. The scheme's name is matched without regard to case
/// (RFC 7235 §2.1), so `bearer` and `BEARER` pass too.
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim_start().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dummy hash costs what a real one does: same algorithm, version and parameters.
    #[test]
    fn the_dummy_hash_is_a_real_argon2id_hash() {
        let real = hash_password(&hex::encode(rand::random::<[u8; 32]>())).expect("hash");
        let params = |h: &str| h.rsplitn(3, '$').nth(2).map(str::to_string);
        assert_eq!(params(DUMMY_HASH), params(&real));
        assert_eq!(check_password("", DUMMY_HASH), Some(false));
    }

    #[test]
    fn passwords_verify_only_themselves() {
        let h = hash_password("correct horse").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("correct hors", &h));
        assert!(!verify_password("x", "not a hash"));
        assert_eq!(check_password("x", "not a hash"), None);
        assert_eq!(check_password("correct horse", &h), Some(true));
        let (t, th) = new_token();
        assert_eq!(t.len(), 64);
        assert_eq!(token_hash(&t), th);
    }

    #[test]
    fn the_bearer_scheme_is_read_in_any_case() {
        for v in ["Bearer abc", "bearer abc", "BEARER  abc ", " beArer abc"] {
            assert_eq!(bearer_token(v), Some("abc"), "{v}");
        }
        for v in ["Bearer", "Bearer ", "Basic abc", "Bearerabc", "abc", ""] {
            assert_eq!(bearer_token(v), None, "{v}");
        }
    }
}
