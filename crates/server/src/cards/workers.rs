//! The work that runs by itself: the 1:N search after each enrollment, batching for the manufacturers, claims
//! that a manufacturer never answered, the SMS outbox, pickup reminders, the end of the pickup period, and deaths
//! reported by the registry. Each step is a function that does one pass (tests call them directly); [`spawn`]
//! runs them all on timers in `shenas serve`. Every pass is safe to run twice or on several instances at once: the
//! store's conditional writes, leases, pass lock and claimed runs decide who does what, each pass's in
//! `docs/several-instances.md` (proven by the store suite's `passes` races and the kill -9 drill).

use crate::state::{today, AppState};
use chrono::{Duration, Utc};
use domain::HistoryReason;
use futures::StreamExt;
use store::journey::Change;
use store::production::{Batch, OutboxSms};

fn system(actor: &str, reason: HistoryReason) -> Change {
    Change {
        actor: format!("system:{actor}"),
        at: Utc::now(),
        reason: Some(reason),
    }
}

/// Forms batches from the production queue for each manufacturer's share.
pub async fn form_batches(state: &AppState) -> store::Result<Vec<Batch>> {
    state
        .store
        .form_batches(
            &today().to_string(),
            state.settings.production_batch_size,
            &system("batcher", HistoryReason::BatchedForProduction),
        )
        .await
}

/// The name of batch forming's row in the store's record of runs.
const FORM_BATCHES_PASS: &str = "form_batches";

/// Forms batches when the schedule says they are due, once per period across every instance on the database:
/// the period's run goes to the instance whose claim on it lands first (its time is kept in the store, so a
/// restart does not form batches out of turn either).
pub async fn form_batches_on_schedule(state: &AppState) -> store::Result<Vec<Batch>> {
    let now = Utc::now();
    let wall = crate::state::tehran(now).naive_utc();
    let last = state.store.pass_last_run(FORM_BATCHES_PASS).await?;
    let last_wall = last.map(|l| crate::state::tehran(l).naive_utc());
    if !state.settings.batch_schedule.due(last_wall, wall) {
        return Ok(Vec::new());
    }
    // Claimed only while the run read above is still the last: of instances racing, one gets it.
    let ran_before = last.map_or(chrono::DateTime::<Utc>::UNIX_EPOCH, |l| {
        l + Duration::microseconds(1)
    });
    if !state
        .store
        .claim_pass(FORM_BATCHES_PASS, ran_before, now)
        .await?
    {
        return Ok(Vec::new());
    }
    form_batches(state).await
}

/// Claimed batches never answered within the timeout: their cards go back in the queue.
pub async fn expire_claims(state: &AppState) -> store::Result<u64> {
    let timeout =
        Duration::from_std(state.settings.vendor_answer_timeout).unwrap_or(Duration::hours(72));
    state
        .store
        .expire_batches(
            Utc::now() - timeout,
            &system("production", HistoryReason::VendorTimeout),
        )
        .await
}

/// What one outbox pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    pub sent: u64,
    pub retried: u64,
    pub failed: u64,
}

fn backoff(attempts: u32) -> Duration {
    let secs = 10i64.saturating_mul(1i64 << attempts.saturating_sub(1).min(9));
    Duration::seconds(secs.min(3600))
}

/// How long the outbox leases a message to the instance that took it: no other instance takes it before.
const SMS_LEASE_SECS: i64 = 120;
/// A message is sent only while this much of its lease is left, more than one send and its write take (the
/// gateway's timeout is 5 seconds): a send never outlives the lease, so no other instance sends it meanwhile.
const SMS_LEASE_MARGIN_SECS: i64 = 30;

/// Sends what is due in the outbox (up to `limit` messages), `concurrency` at a time. Each message is leased to
/// this instance for two minutes, and its outcome written as soon as the gateway answered.
pub async fn send_sms(state: &AppState, limit: u32, concurrency: usize) -> store::Result<Sent> {
    let now = Utc::now();
    let lease_until = now + Duration::seconds(SMS_LEASE_SECS);
    let due = state.store.sms_due(now, lease_until, limit).await?;
    let last_start = lease_until - Duration::seconds(SMS_LEASE_MARGIN_SECS);
    let outcomes: Vec<store::Result<Option<Outcome>>> = futures::stream::iter(due)
        .map(|m| send_one(state, m, last_start))
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut sent = Sent::default();
    for o in outcomes {
        match o? {
            Some(Outcome::Sent) => sent.sent += 1,
            Some(Outcome::Retried) => sent.retried += 1,
            Some(Outcome::Failed) => sent.failed += 1,
            None => {}
        }
    }
    Ok(sent)
}

enum Outcome {
    Sent,
    Retried,
    Failed,
}

/// Sends one leased message and records what became of it; `None` when too little of the lease was left to
/// start (the message is sent on a later pass, by whichever instance leases it then).
async fn send_one(
    state: &AppState,
    m: OutboxSms,
    last_start: chrono::DateTime<Utc>,
) -> store::Result<Option<Outcome>> {
    if Utc::now() > last_start {
        return Ok(None);
    }
    let out = sms::OutgoingSms {
        id: m.id,
        to: m.mobile.as_str().to_string(),
        text: m.text.clone(),
    };
    let r = state.services.sms.send(&out).await;
    let at = Utc::now();
    Ok(Some(match r {
        Ok(()) => {
            state.store.sms_sent(m.id, at).await?;
            Outcome::Sent
        }
        Err(sms::SendError::Temporary(e)) if m.attempts < state.settings.sms_max_attempts => {
            state
                .store
                .sms_retry(m.id, &e, at + backoff(m.attempts))
                .await?;
            Outcome::Retried
        }
        Err(e) => {
            tracing::warn!(
                id = m.id,
                to = %sms::mask_msisdn(m.mobile.as_str()),
                error = %e,
                "SMS failed for good: the number is flagged"
            );
            state.store.sms_failed(m.id, &e.to_string(), at).await?;
            Outcome::Failed
        }
    }))
}

/// Queues the reminders due (7 and 30 days by default) for cards still waiting.
pub async fn remind(state: &AppState) -> store::Result<u64> {
    let mut n = 0;
    for &days in &state.settings.reminder_days {
        let kind = format!("reminder_{days}:");
        let waiting = state
            .store
            .waiting_without(Utc::now() - Duration::days(i64::from(days)), &kind, 1000)
            .await?;
        for w in waiting {
            let Some(app) = state.store.application(&w.tracking_code).await? else {
                continue;
            };
            let Some(card) = state.store.pickup_card(&w.tracking_code).await? else {
                continue;
            };
            let office = state.store.office(&card.office).await?;
            let name = office
                .map(|o| o.name)
                .unwrap_or_else(|| card.office.as_str().into());
            let text = domain::production::sms_reminder(&w.tracking_code, &name, days);
            let kind = format!("{kind}{}", w.ready_at.timestamp());
            // The linked numbers too (Chapar).
            if let Some(to) =
                super::chapar::numbers(state, w.application_id, &app.national_code, &app.mobile)
                    .await?
            {
                super::chapar::queue(state, w.application_id, &to, &kind, &text, Utc::now())
                    .await?;
            }
            if state
                .store
                .enqueue_sms(
                    Some(w.application_id),
                    &app.mobile,
                    &kind,
                    &text,
                    Utc::now(),
                )
                .await?
                .is_some()
            {
                n += 1;
            }
        }
    }
    Ok(n)
}

/// Holders whose receipt will stop standing in for their waiting card within a week (half the grace period when
/// it is shorter) are told so, once per card's arrival at an office.
pub async fn warn_receipt_ending(state: &AppState) -> store::Result<u64> {
    let grace = state.settings.receipt_grace_days;
    if grace == 0 {
        return Ok(0);
    }
    let ahead = grace.min(14) / 2;
    let before = Utc::now() - Duration::days(i64::from(grace - ahead));
    let mut n = 0;
    for w in state
        .store
        .waiting_without(before, "receipt_ending:", 1000)
        .await?
    {
        let (Some(app), Some(card)) = (
            state.store.application(&w.tracking_code).await?,
            state.store.pickup_card(&w.tracking_code).await?,
        ) else {
            continue;
        };
        let name = match state.store.office(&card.office).await? {
            Some(o) => o.name,
            None => card.office.as_str().into(),
        };
        let Some(ends) =
            super::receipt::receipt_end(state, w.ready_at).and_then(crate::state::tehran_day)
        else {
            continue;
        };
        let text = domain::production::sms_receipt_ending(&w.tracking_code, &name, &ends);
        let kind = format!("receipt_ending:{}", w.ready_at.timestamp());
        let queued = state
            .store
            .enqueue_sms(
                Some(w.application_id),
                &app.mobile,
                &kind,
                &text,
                Utc::now(),
            )
            .await?;
        n += u64::from(queued.is_some());
    }
    Ok(n)
}

/// Cards past the pickup period become `uncollected`, each with its reason.
pub async fn expire_pickups(state: &AppState) -> store::Result<u64> {
    let before = Utc::now() - Duration::days(i64::from(state.settings.pickup_period_days));
    let mut total = 0;
    loop {
        let n = state
            .store
            .expire_pickups(
                before,
                &system("pickup", HistoryReason::PickupPeriodOver),
                500,
            )
            .await?;
        total += n;
        if n == 0 {
            return Ok(total);
        }
    }
}

/// Deaths in the registry: pending work cancelled, cards revoked.
pub async fn deaths(state: &AppState) -> store::Result<u64> {
    let mut total = 0;
    loop {
        let n = state
            .store
            .apply_deaths(&system("registry", HistoryReason::HolderDied), 500)
            .await?;
        total += n;
        if n == 0 {
            return Ok(total);
        }
    }
}

/// What one housekeeping pass deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub idempotency_keys: u64,
    pub sessions: u64,
}

/// Deletes idempotency answers past their time and staff sessions that have expired.
pub async fn purge(state: &AppState) -> store::Result<Purged> {
    let now = Utc::now();
    let ttl = Duration::from_std(state.settings.idempotency_ttl).unwrap_or(Duration::hours(24));
    Ok(Purged {
        idempotency_keys: state.store.idempotency_purge(now - ttl).await?,
        sessions: state.store.sessions_purge(now).await?,
    })
}

/// Runs `f` now and then every `period`, logging a failed pass and going on.
async fn every<F, Fut>(name: &'static str, period: std::time::Duration, f: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    loop {
        if let Err(e) = f().await {
            tracing::error!(worker = name, error = %e, "background pass failed");
        }
        tokio::time::sleep(period).await;
    }
}

/// Starts every background pass (for `shenas serve`).
pub fn spawn(state: &AppState) {
    crate::pki::housekeeping::spawn(state);
    let s = state.clone();
    tokio::spawn(async move {
        loop {
            if let Err(e) = s.services.dedup.run_pending(&s).await {
                tracing::error!(error = %e, "de-duplication pass failed");
            }
            let _ = tokio::time::timeout(
                std::time::Duration::from_secs(5),
                s.services.dedup.wake.notified(),
            )
            .await;
        }
    });
    let s = state.clone();
    tokio::spawn(every("sms", std::time::Duration::from_secs(1), move || {
        let s = s.clone();
        async move {
            // Drain what is due, a page at a time.
            loop {
                let r = send_sms(&s, 1000, 64).await?;
                if r.sent + r.retried + r.failed < 1000 {
                    return Ok(());
                }
            }
        }
    }));
    let s = state.clone();
    tokio::spawn(every(
        "chapar",
        std::time::Duration::from_secs(30),
        move || {
            let s = s.clone();
            async move {
                super::chapar::notify_ready(&s).await?;
                Ok(())
            }
        },
    ));
    let s = state.clone();
    tokio::spawn(every(
        "production",
        std::time::Duration::from_secs(60),
        move || {
            let s = s.clone();
            async move {
                let n = expire_claims(&s).await?;
                if n > 0 {
                    tracing::warn!(cards = n, "unanswered claims expired: cards requeued");
                }
                let made = form_batches_on_schedule(&s).await?;
                if !made.is_empty() {
                    tracing::info!(batches = made.len(), "production batches formed");
                }
                // The chip data of cards batched here or by `shenas production batch`.
                let chips = crate::pki::chip::make_pending(&s).await?;
                if chips > 0 {
                    tracing::info!(cards = chips, "chip data made");
                }
                Ok(())
            }
        },
    ));
    let s = state.clone();
    tokio::spawn(every(
        "pickup",
        std::time::Duration::from_secs(3600),
        move || {
            let s = s.clone();
            async move {
                remind(&s).await?;
                warn_receipt_ending(&s).await?;
                expire_pickups(&s).await?;
                crate::suspension::revoke_overdue(&s).await?;
                crate::backlog::figures::snapshot(&s).await?;
                if deaths(&s).await? > 0 {
                    crate::pki::status_changed(&s).await;
                }
                let p = purge(&s).await?;
                if p != Purged::default() {
                    tracing::info!(
                        idempotency_keys = p.idempotency_keys,
                        sessions = p.sessions,
                        "expired idempotency answers and sessions purged"
                    );
                }
                Ok(())
            }
        },
    ));
}
