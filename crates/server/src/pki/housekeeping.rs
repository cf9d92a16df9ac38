//! What keeps the PKI current while the service runs: status changes recorded by any process forgotten by the OCSP
//! cache and the CRLs within seconds; authorities reloaded when a DS was rotated beside the service; responder
//! certificates renewed; and every certificate's expiry exported to Prometheus and warned about in the log well
//! before it happens (90 days for CAs, 30 for the DS's signing period, 14 for responders). With several instances
//! on one database, one renews the responders (a claimed run, `store::passes`) and every one reloads.
//!
//! Metrics and logs carry roles, serials and dates only: never key material.

use super::runtime::PkiRuntime;
use crate::state::AppState;
use std::time::{Duration, SystemTime};

/// Exports each certificate's days left and days usable, and logs a warning for each that needs an operator.
pub fn report_expiry(rt: &PkiRuntime, now: SystemTime) -> Result<usize, pki::PkiError> {
    let status = rt.pki.status(now)?;
    let mut warnings = 0;
    for e in &status.certificates {
        if !e.current {
            continue;
        }
        let labels = [("role", e.role.as_str().to_owned())];
        metrics::gauge!("shenas_pki_certificate_days_left", &labels).set(e.days_left as f64);
        metrics::gauge!("shenas_pki_certificate_usable_days_left", &labels)
            .set(e.usable_days_left as f64);
        let not_after = e
            .not_after
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        metrics::gauge!("shenas_pki_certificate_not_after_seconds", &labels).set(not_after);
        if let Some(w) = &e.warning {
            warnings += 1;
            tracing::warn!(
                role = e.role.as_str(),
                serial = %e.serial,
                subject = %e.subject,
                days_left = e.days_left,
                usable_days_left = e.usable_days_left,
                warning = %w,
                "PKI certificate needs attention"
            );
        }
    }
    metrics::gauge!("shenas_pki_orphan_keys").set(status.orphan_keys.len() as f64);
    Ok(warnings)
}

/// One pass of the slow housekeeping: reload on new authorities, renew responders, report expiry.
pub async fn daily(state: &AppState) -> anyhow::Result<()> {
    let handle = &state.services.pki;
    let Some(rt) = handle.loaded() else {
        return Ok(());
    };
    let due = rt.pki.records().iter().any(|r| {
        matches!(r.role, pki::Role::CitizenOcsp | pki::Role::CscaOcsp)
            && r.not_after
                <= SystemTime::now()
                    + Duration::from_secs(
                        rt.pki.config().validity.ocsp_responder_renew_days * 86_400,
                    )
    });
    // With several instances, the one whose claim lands renews; the others pick the new certificates up
    // through `refresh` (the store holds more authority records than they loaded).
    let now = chrono::Utc::now();
    if due
        && state
            .store
            .claim_pass(
                "pki_responder_renewal",
                now - chrono::Duration::minutes(9),
                now,
            )
            .await?
    {
        handle.reload(&state.store, false).await?;
    } else {
        handle.refresh(&state.store).await?;
    }
    if let Some(rt) = handle.loaded() {
        report_expiry(&rt, SystemTime::now())?;
    }
    Ok(())
}

/// Starts the passes (for `shenas serve`): status changes every 2 seconds, the rest every 10 minutes.
pub fn spawn(state: &AppState) {
    let s = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(2));
        loop {
            tick.tick().await;
            if let Some(rt) = s.services.pki.loaded() {
                if let Err(e) = rt.sync(&s.store).await {
                    tracing::warn!(error = %e, "certificate status sync failed");
                }
            }
        }
    });
    let s = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            if let Err(e) = daily(&s).await {
                tracing::error!(error = %e, "PKI housekeeping failed");
            }
        }
    });
}
