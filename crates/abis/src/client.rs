//! The service side: enrolments and removals into the gallery stream, searches fanned out to every shard and
//! gathered, and the cluster's status.

use crate::wire::{self, NodeStatus, SearchReply};
use crate::{shard_of, Namespace};
use anyhow::Context as _;
use async_nats::{jetstream, HeaderMap};
use bytes::Bytes;
use futures::StreamExt;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::time::Instant;

/// A connection to the matcher nodes of one namespace.
#[derive(Clone)]
pub struct Abis {
    client: async_nats::Client,
    js: jetstream::Context,
    ns: Namespace,
    shards: u32,
    deadline: Duration,
}

/// One person in a gathered candidate list.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub person_id: u64,
    /// The fused score, as [`biometrics::gallery::Candidate::score`]: absolute, so lists of shards merge.
    pub score: f32,
}

/// A gathered search.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    /// Best first, over the shards that answered.
    pub candidates: Vec<Candidate>,
    /// Shards that did not answer in time (or answered with an error). Not empty: the search is incomplete and
    /// no decision may be taken on it.
    pub missing: Vec<u32>,
}

impl Search {
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }
}

/// One shard as `shenas abis status` shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ShardStatus {
    pub shard: u32,
    /// Nodes answering searches for the shard.
    pub replicas: u32,
    /// Nodes still replaying.
    pub replaying: u32,
    pub persons: u64,
    pub fingers: u64,
    /// The highest stream sequence a replica of the shard has applied.
    pub last_seq: u64,
}

/// The whole cluster.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ClusterStatus {
    pub shards: Vec<ShardStatus>,
    /// The gallery stream: its last sequence and the events it keeps (one per person).
    pub stream_last_seq: u64,
    pub stream_messages: u64,
    /// Nodes that answered, as they said it.
    pub nodes: Vec<NodeStatus>,
}

impl Abis {
    /// Connects, and creates the gallery stream where it does not exist.
    pub async fn connect(
        url: &str,
        ns: Namespace,
        shards: u32,
        deadline: Duration,
    ) -> anyhow::Result<Self> {
        anyhow::ensure!(shards >= 1, "ABIS shards: at least 1");
        let client = async_nats::ConnectOptions::new()
            .name("shenas-service")
            .connect(url)
            .await
            .with_context(|| format!("NATS at {url}"))?;
        let js = jetstream::new(client.clone());
        crate::gallery_stream(&js, &ns).await?;
        Ok(Abis {
            client,
            js,
            ns,
            shards,
            deadline,
        })
    }

    pub fn shards(&self) -> u32 {
        self.shards
    }

    /// Puts (or replaces) a person's fingers (the [`biometrics::fingers`] blob) in the gallery; answers the
    /// event's stream sequence once JetStream has stored it.
    pub async fn enrol(&self, person: u64, fingers: &[u8]) -> anyhow::Result<u64> {
        self.event(person, wire::ENROL, Bytes::copy_from_slice(fingers))
            .await
    }

    /// Takes a person out of the gallery.
    pub async fn remove(&self, person: u64) -> anyhow::Result<u64> {
        self.event(person, wire::REMOVE, Bytes::new()).await
    }

    async fn event(&self, person: u64, op: &str, body: Bytes) -> anyhow::Result<u64> {
        let mut h = HeaderMap::new();
        h.insert(wire::OP, op);
        let subject = self
            .ns
            .gallery_person(shard_of(person, self.shards), person);
        let ack = self
            .js
            .publish_with_headers(subject, h, body)
            .await
            .map_err(|e| anyhow::anyhow!("ABIS {op}: {e}"))?
            .await
            .map_err(|e| anyhow::anyhow!("ABIS {op} not stored: {e}"))?;
        Ok(ack.sequence)
    }

    /// Searches every shard with a probe (the [`biometrics::fingers`] blob): one publish reaches one replica of
    /// each shard; a shard silent after a quarter and after half of the deadline is asked again on its own
    /// subject (so the other replica answers when one died with the probe); at the deadline the search is
    /// returned with the shards still missing. `min_seq`: the stream sequence each shard must have applied
    /// first; `exclude`: the person searching.
    pub async fn search(
        &self,
        probe: &[u8],
        exclude: Option<u64>,
        max: usize,
        min_seq: u64,
    ) -> anyhow::Result<Search> {
        let inbox = self.client.new_inbox();
        let mut replies = self.client.subscribe(inbox.clone()).await?;
        let mut h = HeaderMap::new();
        h.insert(wire::MIN_SEQ, min_seq.to_string().as_str());
        h.insert(wire::MAX, max.to_string().as_str());
        h.insert(wire::SHARDS, self.shards.to_string().as_str());
        // Nodes stop waiting to catch up a little before the caller stops listening.
        let wait = self.deadline.as_millis().saturating_sub(100).max(50) as u64;
        h.insert(wire::WAIT_MS, wait.to_string().as_str());
        if let Some(p) = exclude {
            h.insert(wire::EXCLUDE, p.to_string().as_str());
        }
        let body = Bytes::copy_from_slice(probe);
        self.client
            .publish_with_reply_and_headers(
                self.ns.search(),
                inbox.clone(),
                h.clone(),
                body.clone(),
            )
            .await?;
        let start = Instant::now();
        let deadline = start + self.deadline;
        let mut resend = vec![start + self.deadline / 4, start + self.deadline / 2];
        let mut answered: BTreeMap<u32, Vec<(u64, f32)>> = BTreeMap::new();
        while answered.len() < self.shards as usize {
            let until = resend.first().copied().unwrap_or(deadline).min(deadline);
            match tokio::time::timeout_at(until, replies.next()).await {
                Ok(Some(msg)) => match serde_json::from_slice::<SearchReply>(&msg.payload) {
                    Ok(r)
                        if r.error.is_none()
                            && r.shards == self.shards
                            && r.shard < self.shards =>
                    {
                        answered.entry(r.shard).or_insert(r.candidates);
                    }
                    Ok(r) => {
                        tracing::warn!(shard = r.shard, node = %r.node, error = ?r.error, "ABIS shard could not search")
                    }
                    Err(e) => tracing::warn!(error = %e, "ABIS reply unreadable"),
                },
                Ok(None) => break,
                Err(_) if until >= deadline => break,
                Err(_) => {
                    resend.remove(0);
                    for shard in (0..self.shards).filter(|s| !answered.contains_key(s)) {
                        self.client
                            .publish_with_reply_and_headers(
                                self.ns.search_shard(shard),
                                inbox.clone(),
                                h.clone(),
                                body.clone(),
                            )
                            .await?;
                    }
                }
            }
        }
        let missing = (0..self.shards)
            .filter(|s| !answered.contains_key(s))
            .collect();
        let mut candidates: Vec<Candidate> = answered
            .into_values()
            .flatten()
            .filter(|(p, _)| Some(*p) != exclude)
            .map(|(person_id, score)| Candidate { person_id, score })
            .collect();
        candidates.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.person_id.cmp(&b.person_id))
        });
        candidates.truncate(max);
        Ok(Search {
            candidates,
            missing,
        })
    }

    /// Deletes the gallery stream and every event in it (tests and teardown; the registry can fill it again).
    pub async fn delete_gallery(&self) -> anyhow::Result<()> {
        self.js
            .delete_stream(self.ns.stream())
            .await
            .map_err(|e| anyhow::anyhow!("ABIS stream: {e}"))?;
        Ok(())
    }

    /// Asks every node for its status (answers gathered for `wait`) and the stream for its position.
    pub async fn status(&self, wait: Duration) -> anyhow::Result<ClusterStatus> {
        let inbox = self.client.new_inbox();
        let mut replies = self.client.subscribe(inbox.clone()).await?;
        self.client
            .publish_with_reply(self.ns.status(), inbox, Bytes::new())
            .await?;
        let until = Instant::now() + wait;
        let mut nodes = Vec::new();
        while let Ok(Some(msg)) = tokio::time::timeout_at(until, replies.next()).await {
            if let Ok(n) = serde_json::from_slice::<NodeStatus>(&msg.payload) {
                nodes.push(n);
            }
        }
        nodes.sort_by(|a, b| (a.shard, &a.node).cmp(&(b.shard, &b.node)));
        let mut shards: Vec<ShardStatus> = (0..self.shards)
            .map(|shard| ShardStatus {
                shard,
                replicas: 0,
                replaying: 0,
                persons: 0,
                fingers: 0,
                last_seq: 0,
            })
            .collect();
        for n in &nodes {
            let Some(s) = shards.get_mut(n.shard as usize) else {
                continue;
            };
            if !n.caught_up {
                s.replaying += 1;
                continue;
            }
            s.replicas += 1;
            if n.applied_seq >= s.last_seq {
                s.last_seq = n.applied_seq;
                s.persons = n.persons;
                s.fingers = n.fingers;
            }
        }
        let info = self
            .js
            .get_stream(self.ns.stream())
            .await
            .map_err(|e| anyhow::anyhow!("ABIS stream: {e}"))?
            .get_info()
            .await
            .map_err(|e| anyhow::anyhow!("ABIS stream info: {e}"))?;
        Ok(ClusterStatus {
            shards,
            stream_last_seq: info.state.last_sequence,
            stream_messages: info.state.messages,
            nodes,
        })
    }
}
