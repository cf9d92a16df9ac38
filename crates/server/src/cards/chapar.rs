//! Chapar: a card's "ready" message (and its reminders) also goes to every mobile number registered to the
//! holder's national code at the operators, not only to the number typed at pre-registration: a wrong, dead or
//! changed number is the first cause of uncollected cards. The numbers come from the mobile-ownership port (the
//! registry's list by default, the operators' service over HTTP when configured). A number that already failed
//! for good for this application is skipped. Each message is one outbox row with its own state (sent, delivered,
//! failed); the holder counts as unreachable (`sms_failed`) only when every "ready" message failed.

use crate::state::AppState;
use chrono::{DateTime, Utc};
use domain::Mobile;
use store::production::SmsState;

/// The linked numbers to write to for application `application_id`: registered to `code`, not the typed `typed`,
/// and not failed for good for this application before. `None` when the lookup failed (tried again later).
pub async fn numbers(
    state: &AppState,
    application_id: i64,
    code: &domain::NationalCode,
    typed: &Mobile,
) -> store::Result<Option<Vec<Mobile>>> {
    let failed = failed(state, application_id).await?;
    Ok(linked_except(state, code, typed, &failed).await)
}

/// Every number a message to the holder may go to: the typed one unless it failed for good for this application,
/// then the linked ones as [`numbers`] gives them (none when their lookup failed).
pub async fn reachable(
    state: &AppState,
    application_id: i64,
    code: &domain::NationalCode,
    typed: &Mobile,
) -> store::Result<Vec<Mobile>> {
    let failed = failed(state, application_id).await?;
    let mut out = Vec::new();
    if !failed.contains(typed) {
        out.push(*typed);
    }
    out.extend(
        linked_except(state, code, typed, &failed)
            .await
            .unwrap_or_default(),
    );
    Ok(out)
}

/// The numbers that failed for good for this application.
async fn failed(state: &AppState, application_id: i64) -> store::Result<Vec<Mobile>> {
    Ok(state
        .store
        .sms_of(application_id)
        .await?
        .into_iter()
        .filter(|m| m.state == SmsState::Failed)
        .map(|m| m.mobile)
        .collect())
}

/// The numbers registered to `code`, less `typed` and `failed`, each once; `None` when the lookup failed.
async fn linked_except(
    state: &AppState,
    code: &domain::NationalCode,
    typed: &Mobile,
    failed: &[Mobile],
) -> Option<Vec<Mobile>> {
    let linked = match state.services.ownership.linked_numbers(code).await {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(error = %e, "Chapar: the linked numbers could not be looked up; tried again later");
            return None;
        }
    };
    let mut out: Vec<Mobile> = Vec::new();
    for m in linked {
        if &m != typed && !failed.contains(&m) && !out.contains(&m) {
            out.push(m);
        }
    }
    Some(out)
}

/// A number's mark in a message kind: unique per number, without the number (kinds are shown on records).
pub fn mark(m: &Mobile) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(m.as_str().as_bytes())[..6])
}

/// Queues `text` to each linked number of the application, the kind `{kind}:{mark}` (one per number).
pub async fn queue(
    state: &AppState,
    application_id: i64,
    to: &[Mobile],
    kind: &str,
    text: &str,
    at: DateTime<Utc>,
) -> store::Result<u64> {
    let mut n = 0;
    for m in to {
        let k = format!("{kind}:{}", mark(m));
        n += u64::from(
            state
                .store
                .enqueue_sms(Some(application_id), m, &k, text, at)
                .await?
                .is_some(),
        );
    }
    Ok(n)
}

/// Sends the "ready" message of each card that reached an office to the holder's linked numbers (once per
/// arrival). Answers how many messages were queued.
pub async fn notify_ready(state: &AppState) -> store::Result<u64> {
    let mut queued = 0;
    for w in state.store.ready_without_linked(500).await? {
        let (Some(app), Some(card)) = (
            state.store.application(&w.tracking_code).await?,
            state.store.pickup_card(&w.tracking_code).await?,
        ) else {
            continue;
        };
        let Some(to) = numbers(state, app.id, &app.national_code, &app.mobile).await? else {
            continue;
        };
        let office = match state.store.office(&card.office).await? {
            Some(o) => o.name,
            None => card.office.as_str().into(),
        };
        let text = domain::production::sms_ready(&w.tracking_code, &office);
        let kind = format!("ready_linked:{}", w.ready_at.timestamp());
        queued += queue(state, app.id, &to, &kind, &text, Utc::now()).await?;
        state.store.linked_notified(app.id, Utc::now()).await?;
    }
    Ok(queued)
}
