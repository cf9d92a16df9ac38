//! The 1:N identification service past one machine (an ABIS: automated biometric identification system).
//!
//! The gallery of enrolled fingers is split into shards by a stable hash of the person, all of a person's fingers
//! on one shard. A **matcher node** ([`node`]) holds one shard in memory, fed by the JetStream stream of enrolments
//! and removals, which it replays on start and follows after; it answers searches only once caught up. Several
//! nodes may serve one shard: they share a NATS queue group, so one replica answers each search and a dead
//! replica's work goes to the other. The **service side** ([`client::Abis`]) publishes enrolments and removals,
//! fans a probe out to every shard with one publish and gathers the candidate lists until every shard answered or
//! the deadline passed. A search that misses a shard is *incomplete*: the caller takes no decision on it.
//!
//! Subjects and the stream live under a [`Namespace`] (`abis` by default; the tests use one each):
//!
//! | subject | what |
//! |---|---|
//! | `<ns>.v1.gallery.<shard>.<person>` | stream `<NS>_GALLERY`, one message kept per subject: the person's latest event, `enrol` (the fingers) or `remove` |
//! | `<ns>.v1.search` | a probe, to every shard (queue group `<ns>-shard-<n>` per shard) |
//! | `<ns>.v1.search.<shard>` | a probe sent again to one shard that did not answer in time |
//! | `<ns>.v1.status` | every node answers with its shard, size and stream position |

pub mod client;
pub mod node;
pub mod testing;
mod wire;

pub use client::{Abis, ClusterStatus, Search, ShardStatus};
pub use node::{NodeConfig, NodeHandle};
pub use wire::NodeStatus;

/// Where one deployment's subjects and stream live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Namespace(String);

impl Default for Namespace {
    fn default() -> Self {
        Namespace("abis".into())
    }
}

impl Namespace {
    /// Lower-case letters, digits and `_`, 1 to 32 of them (it is a subject token and part of a stream name).
    pub fn new(name: &str) -> anyhow::Result<Self> {
        let ok = !name.is_empty()
            && name.len() <= 32
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        anyhow::ensure!(
            ok,
            "ABIS namespace {name:?}: use 1 to 32 lower-case letters, digits or _"
        );
        Ok(Namespace(name.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The JetStream stream holding the gallery's events.
    pub fn stream(&self) -> String {
        format!("{}_GALLERY", self.0.to_uppercase())
    }

    fn gallery_all(&self) -> String {
        format!("{}.v1.gallery.>", self.0)
    }

    fn gallery_shard(&self, shard: u32) -> String {
        format!("{}.v1.gallery.{shard}.*", self.0)
    }

    fn gallery_person(&self, shard: u32, person: u64) -> String {
        format!("{}.v1.gallery.{shard}.{person}", self.0)
    }

    fn search(&self) -> String {
        format!("{}.v1.search", self.0)
    }

    fn search_shard(&self, shard: u32) -> String {
        format!("{}.v1.search.{shard}", self.0)
    }

    fn queue(&self, shard: u32) -> String {
        format!("{}-shard-{shard}", self.0)
    }

    fn status(&self) -> String {
        format!("{}.v1.status", self.0)
    }
}

/// The shard of a person among `shards`: Lamping and Veach's jump consistent hash of the person id (mixed first,
/// since ids are sequential), so that going from `S` to `S + 1` shards moves only `1/(S+1)` of the persons.
pub fn shard_of(person: u64, shards: u32) -> u32 {
    let mut key = splitmix64(person);
    let (mut b, mut j): (i64, i64) = (-1, 0);
    while j < i64::from(shards.max(1)) {
        b = j;
        key = key.wrapping_mul(2_862_933_555_777_941_757).wrapping_add(1);
        j = ((b + 1) as f64 * ((1u64 << 31) as f64 / ((key >> 33) + 1) as f64)) as i64;
    }
    b as u32
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Creates the gallery stream where it does not exist: subjects `<ns>.v1.gallery.>`, one message kept per
/// person (the latest enrolment or removal), on disk.
pub(crate) async fn gallery_stream(
    js: &async_nats::jetstream::Context,
    ns: &Namespace,
) -> anyhow::Result<async_nats::jetstream::stream::Stream> {
    use async_nats::jetstream::stream;
    js.get_or_create_stream(stream::Config {
        name: ns.stream(),
        subjects: vec![ns.gallery_all()],
        max_messages_per_subject: 1,
        storage: stream::StorageType::File,
        ..Default::default()
    })
    .await
    .map_err(|e| anyhow::anyhow!("ABIS gallery stream {}: {e}", ns.stream()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_stable_balanced_and_move_little_when_one_is_added() {
        let n = 60_000u64;
        let mut counts = [0u32; 4];
        let mut moved = 0;
        for p in 1..=n {
            let s = shard_of(p, 4);
            assert_eq!(s, shard_of(p, 4));
            counts[s as usize] += 1;
            let s5 = shard_of(p, 5);
            if s5 != s {
                assert_eq!(s5, 4, "a person only ever moves to the new shard");
                moved += 1;
            }
        }
        for c in counts {
            assert!((14_000..16_000).contains(&c), "{counts:?}");
        }
        // One fifth should move.
        assert!((11_000..13_000).contains(&moved), "{moved}");
        assert_eq!(shard_of(7, 1), 0);
    }

    #[test]
    fn namespaces_are_checked() {
        assert!(Namespace::new("abis").is_ok());
        assert!(Namespace::new("t_12").is_ok());
        assert!(Namespace::new("").is_err());
        assert!(Namespace::new("a.b").is_err());
        assert!(Namespace::new("A").is_err());
        assert_eq!(Namespace::default().stream(), "ABIS_GALLERY");
    }
}
