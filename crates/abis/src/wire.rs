//! What travels: the headers of gallery events and probes (their bodies are the fingers' blob,
//! [`biometrics::fingers`]), and the JSON of replies.

use async_nats::HeaderMap;
use serde::{Deserialize, Serialize};

/// `enrol` or `remove`, on a gallery event.
pub(crate) const OP: &str = "Abis-Op";
pub(crate) const ENROL: &str = "enrol";
pub(crate) const REMOVE: &str = "remove";

/// On a probe: the stream sequence a shard must have applied before it searches (read-your-writes).
pub(crate) const MIN_SEQ: &str = "Abis-Min-Seq";
/// On a probe: candidates wanted.
pub(crate) const MAX: &str = "Abis-Max";
/// On a probe: the person searching, left out of the answer (it is in the gallery already).
pub(crate) const EXCLUDE: &str = "Abis-Exclude";
/// On a probe: the shard count the caller assumes (a node of another layout answers with an error).
pub(crate) const SHARDS: &str = "Abis-Shards";
/// On a probe: milliseconds the caller waits (a node does not wait longer to catch up).
pub(crate) const WAIT_MS: &str = "Abis-Wait-Ms";

pub(crate) fn header_u64(h: Option<&HeaderMap>, name: &str) -> Option<u64> {
    h?.get(name)?.as_str().parse().ok()
}

/// One shard's answer to a probe.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SearchReply {
    pub shard: u32,
    pub shards: u32,
    pub node: String,
    /// The stream sequence of the last event this shard applied.
    pub applied_seq: u64,
    /// `(person, fused score)`, best first.
    #[serde(default)]
    pub candidates: Vec<(u64, f32)>,
    /// Set when the shard could not search (not caught up in time, a bad probe, another layout).
    #[serde(default)]
    pub error: Option<String>,
}

/// What a node says about itself on the status subject.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct NodeStatus {
    pub node: String,
    pub shard: u32,
    pub shards: u32,
    pub persons: u64,
    pub fingers: u64,
    /// The stream sequence of the last event applied.
    pub applied_seq: u64,
    /// Whether it has replayed its shard and answers searches.
    pub caught_up: bool,
}
