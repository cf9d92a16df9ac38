//! A matcher node: one shard of the gallery in memory, fed by the gallery stream, answering searches.
//!
//! On start the node creates an ephemeral pull consumer on its shard's subjects and applies every event (the
//! stream keeps one per person: the latest enrolment or removal). It subscribes to the search subjects in its
//! shard's queue group only once caught up, so a replica that is still replaying never answers. A probe may
//! carry the stream sequence of an enrolment the caller has just published (read-your-writes): the node answers
//! only after it has applied every event of its shard up to that point, or says it could not in time.

use crate::wire::{self, NodeStatus, SearchReply};
use crate::Namespace;
use anyhow::Context as _;
use async_nats::jetstream::{self, consumer::pull, consumer::AckPolicy, consumer::DeliverPolicy};
use biometrics::gallery::Gallery;
use bytes::Bytes;
use futures::StreamExt;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::watch;

/// What a node serves.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    pub nats_url: String,
    pub namespace: Namespace,
    pub shard: u32,
    pub shards: u32,
    /// Named in status answers and logs (host and process id by default).
    pub name: String,
}

impl NodeConfig {
    pub fn new(nats_url: &str, namespace: Namespace, shard: u32, shards: u32) -> Self {
        NodeConfig {
            nats_url: nats_url.into(),
            namespace,
            shard,
            shards,
            name: format!("node-{shard}-{}", std::process::id()),
        }
    }
}

struct Shared {
    cfg: NodeConfig,
    client: async_nats::Client,
    consumer: jetstream::consumer::Consumer<pull::Config>,
    gallery: RwLock<Gallery>,
    /// The stream sequence of the last event applied.
    applied: watch::Sender<u64>,
    /// The consumer sequence of the last event applied (what the consumer's "delivered" counts: its stream
    /// sequence runs ahead over other shards' events).
    applied_delivery: std::sync::atomic::AtomicU64,
    caught_up: watch::Sender<bool>,
    /// The node's tasks, aborted together when it stops.
    tasks: std::sync::Mutex<Vec<tokio::task::AbortHandle>>,
    /// Set when stopped: searches still running answer nothing, as after a crash.
    stopped: std::sync::atomic::AtomicBool,
}

/// A running node (for tests and for `shenas abis node`).
pub struct NodeHandle {
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl NodeHandle {
    /// Starts a node; it replays its shard in the background and joins the searches once caught up.
    pub async fn start(cfg: NodeConfig) -> anyhow::Result<Self> {
        anyhow::ensure!(
            cfg.shards >= 1 && cfg.shard < cfg.shards,
            "shard {} of {}: the shard is 0 to shards - 1",
            cfg.shard,
            cfg.shards
        );
        let client = async_nats::ConnectOptions::new()
            .name(&cfg.name)
            .connect(&cfg.nats_url)
            .await
            .with_context(|| format!("NATS at {}", cfg.nats_url))?;
        let js = jetstream::new(client.clone());
        let stream = crate::gallery_stream(&js, &cfg.namespace).await?;
        let consumer = stream
            .create_consumer(pull::Config {
                filter_subject: cfg.namespace.gallery_shard(cfg.shard),
                deliver_policy: DeliverPolicy::All,
                ack_policy: AckPolicy::None,
                inactive_threshold: Duration::from_secs(60),
                ..Default::default()
            })
            .await
            .map_err(|e| anyhow::anyhow!("ABIS consumer for shard {}: {e}", cfg.shard))?;
        let shared = Arc::new(Shared {
            cfg,
            client,
            consumer,
            gallery: RwLock::new(Gallery::new()),
            applied: watch::channel(0).0,
            applied_delivery: Default::default(),
            caught_up: watch::channel(false).0,
            tasks: Default::default(),
            stopped: Default::default(),
        });
        let task = tokio::spawn(run(shared.clone()));
        shared.keep(task.abort_handle());
        Ok(NodeHandle { shared, task })
    }

    /// Waits until the node has replayed its shard and answers searches.
    pub async fn caught_up(&self) {
        let mut rx = self.shared.caught_up.subscribe();
        let _ = rx.wait_for(|c| *c).await;
    }

    pub fn status(&self) -> NodeStatus {
        self.shared.status()
    }

    /// Runs until the node fails (its connection or consumer lost) or is stopped.
    pub async fn join(self) -> anyhow::Result<()> {
        self.task.await.context("the node's task")?
    }

    /// Stops the node at once, as a crash would: no answer leaves it after this, and its subscriptions go with
    /// its tasks, so NATS routes the shard's searches to the other replicas.
    pub fn stop(self) {
        self.shared
            .stopped
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let tasks =
            std::mem::take(&mut *self.shared.tasks.lock().unwrap_or_else(|p| p.into_inner()));
        for t in tasks {
            t.abort();
        }
        self.task.abort();
    }
}

async fn run(shared: Arc<Shared>) -> anyhow::Result<()> {
    let follow = tokio::spawn(follow(shared.clone()));
    shared.keep(follow.abort_handle());
    // Join the searches once every event of the shard published before now is applied.
    loop {
        if shared.is_caught_up(0).await? {
            break;
        }
        if follow.is_finished() {
            return follow.await.context("the node's consumer")?;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let c = &shared.cfg;
    let ns = &c.namespace;
    let searches = futures::stream::select(
        shared
            .client
            .queue_subscribe(ns.search(), ns.queue(c.shard))
            .await?,
        shared
            .client
            .queue_subscribe(ns.search_shard(c.shard), ns.queue(c.shard))
            .await?,
    );
    let statuses = shared.client.subscribe(ns.status()).await?;
    shared.caught_up.send_replace(true);
    tracing::info!(
        shard = c.shard,
        shards = c.shards,
        persons = shared.status().persons,
        applied_seq = *shared.applied.borrow(),
        "matcher node caught up: answering searches"
    );
    let answer = tokio::spawn({
        let shared = shared.clone();
        async move {
            let mut searches = searches;
            while let Some(msg) = searches.next().await {
                tokio::spawn(search(shared.clone(), msg));
            }
        }
    });
    shared.keep(answer.abort_handle());
    let status = tokio::spawn({
        let shared = shared.clone();
        async move {
            let mut statuses = statuses;
            while let Some(msg) = statuses.next().await {
                if let Some(reply) = msg.reply {
                    let body = serde_json::to_vec(&shared.status()).unwrap_or_default();
                    let _ = shared.client.publish(reply, Bytes::from(body)).await;
                }
            }
        }
    });
    shared.keep(status.abort_handle());
    let out = follow.await.context("the node's consumer")?;
    answer.abort();
    status.abort();
    out
}

/// Applies the shard's events as they come.
async fn follow(shared: Arc<Shared>) -> anyhow::Result<()> {
    let mut messages = shared
        .consumer
        .messages()
        .await
        .map_err(|e| anyhow::anyhow!("ABIS consumer: {e}"))?;
    while let Some(msg) = messages.next().await {
        let msg = msg.map_err(|e| anyhow::anyhow!("ABIS consumer: {e}"))?;
        let (seq, delivery) = msg
            .info()
            .map(|i| (i.stream_sequence, i.consumer_sequence))
            .map_err(|e| anyhow::anyhow!("ABIS event without stream metadata: {e}"))?;
        let person = msg
            .subject
            .rsplit('.')
            .next()
            .and_then(|p| p.parse::<u64>().ok());
        let op = msg
            .headers
            .as_ref()
            .and_then(|h| h.get(wire::OP))
            .map(|v| v.as_str().to_string());
        match (person, op.as_deref()) {
            (Some(person), Some(wire::ENROL)) => {
                match biometrics::fingers::decode(&msg.payload) {
                    Ok(fingers) => {
                        // Cylinders and index keys are built here: CPU work, off the runtime's threads.
                        let s = shared.clone();
                        tokio::task::spawn_blocking(move || {
                            let mut g = s.gallery.write().unwrap_or_else(|p| p.into_inner());
                            g.remove_person(person);
                            for (position, t) in fingers {
                                if let Err(e) = g.insert(person, position, t) {
                                    tracing::warn!(person, error = %e, "ABIS enrolment: finger skipped");
                                }
                            }
                        })
                        .await
                        .context("applying an enrolment")?;
                    }
                    Err(e) => tracing::warn!(person, seq, error = %e, "ABIS enrolment unreadable"),
                }
            }
            (Some(person), Some(wire::REMOVE)) => {
                let mut g = shared.gallery.write().unwrap_or_else(|p| p.into_inner());
                g.remove_person(person);
            }
            _ => tracing::warn!(subject = %msg.subject, seq, "ABIS event not understood"),
        }
        shared
            .applied_delivery
            .store(delivery, std::sync::atomic::Ordering::SeqCst);
        shared.applied.send_replace(seq);
    }
    anyhow::bail!("the ABIS consumer's message stream ended")
}

impl Shared {
    fn keep(&self, task: tokio::task::AbortHandle) {
        self.tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(task);
    }

    fn status(&self) -> NodeStatus {
        let (persons, fingers) = self
            .gallery
            .read()
            .map(|g| (g.persons() as u64, g.len() as u64))
            .unwrap_or((0, 0));
        NodeStatus {
            node: self.cfg.name.clone(),
            shard: self.cfg.shard,
            shards: self.cfg.shards,
            persons,
            fingers,
            applied_seq: *self.applied.borrow(),
            caught_up: *self.caught_up.borrow(),
        }
    }

    /// Whether every event of this shard up to stream sequence `min` — and, in any case, every one published
    /// before the consumer's state was read — is applied.
    async fn is_caught_up(&self, min: u64) -> anyhow::Result<bool> {
        let applied = *self.applied.borrow();
        if min > 0 && applied >= min {
            return Ok(true);
        }
        let info = self
            .consumer
            .get_info()
            .await
            .map_err(|e| anyhow::anyhow!("ABIS consumer info: {e}"))?;
        let applied = self
            .applied_delivery
            .load(std::sync::atomic::Ordering::SeqCst);
        Ok(info.num_pending == 0 && applied >= info.delivered.consumer_sequence)
    }

    /// Waits (up to `wait`) until the shard has applied its events up to `min`.
    async fn catch_up(&self, min: u64, wait: Duration) -> anyhow::Result<bool> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut applied = self.applied.subscribe();
        loop {
            if self.is_caught_up(min).await? {
                return Ok(true);
            }
            let next = tokio::time::Instant::now() + Duration::from_millis(20);
            if next >= deadline {
                return Ok(false);
            }
            let _ = tokio::time::timeout_at(next, applied.changed()).await;
        }
    }
}

/// Answers one probe.
async fn search(shared: Arc<Shared>, msg: async_nats::Message) {
    let Some(reply_to) = msg.reply.clone() else {
        return;
    };
    let h = msg.headers.as_ref();
    let min = wire::header_u64(h, wire::MIN_SEQ).unwrap_or(0);
    let max = wire::header_u64(h, wire::MAX).unwrap_or(10).clamp(1, 100) as usize;
    let exclude = wire::header_u64(h, wire::EXCLUDE);
    let shards = wire::header_u64(h, wire::SHARDS);
    let wait = Duration::from_millis(
        wire::header_u64(h, wire::WAIT_MS)
            .unwrap_or(1500)
            .min(30_000),
    );
    let mut reply = SearchReply {
        shard: shared.cfg.shard,
        shards: shared.cfg.shards,
        node: shared.cfg.name.clone(),
        applied_seq: 0,
        candidates: Vec::new(),
        error: None,
    };
    if shards.is_some_and(|s| s != u64::from(shared.cfg.shards)) {
        reply.error = Some(format!(
            "this node is shard {} of {}, the probe assumes {} shards",
            shared.cfg.shard,
            shared.cfg.shards,
            shards.unwrap_or(0)
        ));
    } else {
        match shared.catch_up(min, wait).await {
            Ok(true) => match biometrics::fingers::decode(&msg.payload) {
                Ok(probe) => {
                    let s = shared.clone();
                    let found = tokio::task::spawn_blocking(move || {
                        let g = s.gallery.read().unwrap_or_else(|p| p.into_inner());
                        // One more than asked, in case the person searching is among them.
                        g.search(&probe, max + 1)
                    })
                    .await;
                    match found {
                        Ok(c) => {
                            reply.candidates = c
                                .into_iter()
                                .filter(|c| Some(c.person_id) != exclude)
                                .take(max)
                                .map(|c| (c.person_id, c.score))
                                .collect()
                        }
                        Err(e) => reply.error = Some(format!("search failed: {e}")),
                    }
                }
                Err(e) => reply.error = Some(format!("probe unreadable: {e}")),
            },
            Ok(false) => reply.error = Some(format!("not caught up to sequence {min} in time")),
            Err(e) => reply.error = Some(e.to_string()),
        }
    }
    reply.applied_seq = *shared.applied.borrow();
    if shared.stopped.load(std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    let body = serde_json::to_vec(&reply).unwrap_or_default();
    if let Err(e) = shared.client.publish(reply_to, Bytes::from(body)).await {
        tracing::warn!(error = %e, "ABIS reply not sent");
    }
}
