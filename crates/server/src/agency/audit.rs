//! The audit of verifications, written with group commit: each call hands its record to one writer task and
//! waits until the transaction holding it has committed, so no answer leaves before its audit is durable, and
//! under load many calls share one transaction instead of queueing for the database one by one.

use std::sync::Mutex;
use store::agency::VerificationRecord;
use store::DynStore;
use tokio::sync::{mpsc, oneshot};

type Job = (VerificationRecord, oneshot::Sender<bool>);

/// Records per transaction at most.
const BATCH: usize = 2_000;

pub struct AuditWriter {
    tx: mpsc::UnboundedSender<Job>,
    /// Taken by the first call, which starts the writer on the running runtime.
    rx: Mutex<Option<(mpsc::UnboundedReceiver<Job>, DynStore)>>,
}

impl AuditWriter {
    pub fn new(store: DynStore) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Self {
            tx,
            rx: Mutex::new(Some((rx, store))),
        }
    }

    /// Writes `record`; `true` once it is committed, `false` when the database refused it.
    pub async fn record(&self, record: VerificationRecord) -> bool {
        if let Ok(mut slot) = self.rx.lock() {
            if let Some((rx, store)) = slot.take() {
                tokio::spawn(run(rx, store));
            }
        }
        let (done, wait) = oneshot::channel();
        if self.tx.send((record, done)).is_err() {
            return false;
        }
        wait.await.unwrap_or(false)
    }
}

async fn run(mut rx: mpsc::UnboundedReceiver<Job>, store: DynStore) {
    let mut jobs: Vec<Job> = Vec::with_capacity(BATCH);
    while let Some(first) = rx.recv().await {
        jobs.push(first);
        while jobs.len() < BATCH {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let records: Vec<VerificationRecord> = jobs.iter().map(|(r, _)| r.clone()).collect();
        let ok = match store.record_verifications(&records).await {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(error = %e, records = records.len(), "verification audit not written");
                false
            }
        };
        for (_, done) in jobs.drain(..) {
            let _ = done.send(ok);
        }
    }
}
