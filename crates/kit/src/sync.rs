//! `sync` and `export`: the kit's packets to the service, by network or by USB stick.

use crate::client::{http, refusal_of};
use crate::dir::{packet_file, KitDir};
use anyhow::Context;
use std::path::Path;

/// A packet the service refused, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Refusal {
    pub packet_id: String,
    pub tracking_code: String,
    pub code: String,
    pub message: String,
}

/// What `sync` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncReport {
    /// Packets sent in this run.
    pub sent: usize,
    /// Taken now (201).
    pub taken: usize,
    /// Taken before (200, the same answer).
    pub duplicates: usize,
    /// Every packet the service refuses, with its reason (sent again at each sync: a kit approved since, or a
    /// corrected record, may let it through).
    pub refused: Vec<Refusal>,
    /// Packets not answered yet (kept for the next sync or an export).
    pub waiting: usize,
    /// The service could not be reached: nothing was lost, the packets wait.
    pub unreachable: bool,
}

/// Sends every packet the service has not taken yet, oldest first, and records each answer. When the service
/// cannot be reached, stops and says so; the packets stay.
pub async fn sync(dir: &KitDir) -> anyhow::Result<SyncReport> {
    let file = dir.read()?;
    let store = dir.store().await?;
    let client = http()?;
    let mut report = SyncReport::default();
    let url = format!("{}/api/v1/packets", file.server);
    for p in store.kit_packets().await? {
        if p.state == "taken" {
            continue;
        }
        if report.unreachable {
            report.waiting += 1;
            continue;
        }
        let sent = client
            .post(&url)
            .header("content-type", "application/octet-stream")
            .body(p.sealed.clone())
            .send()
            .await;
        let r = match sent {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, server = %file.server, "the service cannot be reached; packets kept");
                report.unreachable = true;
                report.waiting += 1;
                continue;
            }
        };
        report.sent += 1;
        let now = chrono::Utc::now();
        let status = r.status();
        if status.is_success() {
            let body = r.text().await.unwrap_or_default();
            store
                .answer_kit_packet(&p.packet_id, "taken", None, &body, now)
                .await?;
            if status.as_u16() == 201 {
                report.taken += 1;
            } else {
                report.duplicates += 1;
            }
        } else if status.is_client_error() {
            let (_, code, message) = refusal_of(r).await;
            let answer = serde_json::json!({"error": {"code": code, "message_en": message}});
            store
                .answer_kit_packet(
                    &p.packet_id,
                    "refused",
                    Some(&code),
                    &answer.to_string(),
                    now,
                )
                .await?;
            report.refused.push(Refusal {
                packet_id: p.packet_id.clone(),
                tracking_code: p.tracking_code.clone(),
                code,
                message,
            });
        } else {
            // A 5xx: the service's fault, not the packet's; it waits for the next sync.
            tracing::warn!(status = status.as_u16(), packet = %p.packet_id, "the service failed; packet kept");
            report.waiting += 1;
        }
    }
    Ok(report)
}

/// Writes every packet the service has not taken yet into `out` as `{packet_id}.shpk`; how many.
pub async fn export(dir: &KitDir, out: &Path) -> anyhow::Result<usize> {
    let store = dir.store().await?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut n = 0;
    for p in store.kit_packets().await? {
        if p.state == "taken" {
            continue;
        }
        let path = packet_file(out, &p.packet_id);
        std::fs::write(&path, &p.sealed).with_context(|| format!("writing {}", path.display()))?;
        n += 1;
    }
    Ok(n)
}
