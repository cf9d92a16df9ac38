//! `shenas users add|disable|enable|password|sessions-revoke`: office staff and administrators, and their
//! offboarding. A password comes from standard input (`--password-stdin`) or is drawn at random and printed once;
//! only its argon2id hash is kept. Disabling a user, or giving them a new password, ends their sessions at once.

use crate::config::Config;
use domain::{OfficeId, ProvinceCode, Role};
use std::io::BufRead;
use store::journey::NewUser;

pub struct AddUser {
    pub username: String,
    pub role: String,
    pub office: Option<String>,
    pub province: Option<String>,
    pub password_stdin: bool,
    pub json: bool,
}

pub async fn add(cfg: &Config, a: AddUser) -> anyhow::Result<()> {
    let bad = |e: domain::ValidationError| anyhow::anyhow!("{}", e.message_en);
    let username = domain::staff::parse_username(&a.username).map_err(bad)?;
    let role = Role::parse(&a.role).map_err(bad)?;
    let office = a
        .office
        .as_deref()
        .map(OfficeId::parse)
        .transpose()
        .map_err(bad)?;
    let province = a
        .province
        .as_deref()
        .map(ProvinceCode::parse)
        .transpose()
        .map_err(bad)?;
    match role {
        Role::Operator | Role::Supervisor => {
            anyhow::ensure!(office.is_some(), "an {} needs --office", role.as_str())
        }
        Role::ProvinceAdmin => anyhow::ensure!(
            province.is_some() && office.is_none(),
            "a province_admin needs --province and no --office"
        ),
        Role::NationalAdmin => anyhow::ensure!(
            province.is_none() && office.is_none(),
            "a national_admin has no --office or --province"
        ),
        Role::Liaison => anyhow::ensure!(office.is_none(), "a liaison has no --office"),
        Role::NationalityCommittee => anyhow::ensure!(
            province.is_some() && office.is_none(),
            "a nationality_committee member needs --province and no --office"
        ),
    }
    let store = crate::db::open(&cfg.database_url).await?;
    if let Some(o) = &office {
        anyhow::ensure!(
            store.office(o).await?.is_some(),
            "no office {} (load the offices first)",
            o.as_str()
        );
    }
    let (password, generated) = new_password(a.password_stdin)?;
    let hash = server::auth::hash_password(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let id = store
        .create_user(&NewUser {
            username: username.clone(),
            password_hash: hash,
            role,
            office: office.clone(),
            province,
            at: chrono::Utc::now(),
        })
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict(_) => anyhow::anyhow!("the username {username} is taken"),
            e => e.into(),
        })?;
    if generated {
        eprintln!("password (shown once): {password}");
    }
    if a.json {
        let mut v = serde_json::json!({
            "id": id, "username": username, "role": role.as_str(),
            "office_id": office.map(|o| o.as_str().to_string()),
        });
        if generated {
            v["password"] = serde_json::Value::String(password);
        }
        super::print_json(&v);
    } else {
        println!("user {username} ({}) created", role.as_str());
    }
    Ok(())
}

/// A password from standard input (at least 10 characters), or one drawn at random; `true` when drawn.
fn new_password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let p = line.trim_end_matches(['\r', '\n']).to_string();
        anyhow::ensure!(
            p.chars().count() >= 10,
            "the password needs at least 10 characters"
        );
        Ok((p, false))
    } else {
        let bytes: [u8; 12] = rand::random();
        Ok((hex::encode(bytes), true))
    }
}

fn username(input: &str) -> anyhow::Result<String> {
    domain::staff::parse_username(input).map_err(|e| anyhow::anyhow!("{}", e.message_en))
}

/// `users disable` (`disabled = true`, ending the user's sessions) and `users enable`.
pub async fn set_disabled(
    cfg: &Config,
    name: &str,
    disabled: bool,
    json: bool,
) -> anyhow::Result<()> {
    let name = username(name)?;
    let store = crate::db::open(&cfg.database_url).await?;
    anyhow::ensure!(
        store.set_user_disabled(&name, disabled).await?,
        "no user {name}"
    );
    if json {
        super::print_json(&serde_json::json!({"username": name, "disabled": disabled}));
    } else if disabled {
        println!("user {name} disabled; their sessions are ended");
    } else {
        println!("user {name} enabled");
    }
    Ok(())
}

/// `users password`: a new password (from standard input, or drawn and printed once); the user's sessions end.
pub async fn set_password(
    cfg: &Config,
    name: &str,
    password_stdin: bool,
    json: bool,
) -> anyhow::Result<()> {
    let name = username(name)?;
    let store = crate::db::open(&cfg.database_url).await?;
    anyhow::ensure!(store.user_by_name(&name).await?.is_some(), "no user {name}");
    let (password, generated) = new_password(password_stdin)?;
    let hash = server::auth::hash_password(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
    anyhow::ensure!(
        store.set_user_password(&name, &hash).await?,
        "no user {name}"
    );
    if generated {
        eprintln!("password (shown once): {password}");
    }
    if json {
        let mut v = serde_json::json!({"username": name, "sessions_ended": true});
        if generated {
            v["password"] = serde_json::Value::String(password);
        }
        super::print_json(&v);
    } else {
        println!("password of {name} changed; their sessions are ended");
    }
    Ok(())
}

/// `users sessions-revoke`: ends every session of the user (they log in again).
pub async fn revoke_sessions(cfg: &Config, name: &str, json: bool) -> anyhow::Result<()> {
    let name = username(name)?;
    let store = crate::db::open(&cfg.database_url).await?;
    anyhow::ensure!(store.user_by_name(&name).await?.is_some(), "no user {name}");
    let ended = store.end_user_sessions(&name).await?;
    if json {
        super::print_json(&serde_json::json!({"username": name, "sessions_ended": ended}));
    } else {
        println!("{ended} session(s) of {name} ended");
    }
    Ok(())
}
