//! The in-memory 1:N gallery: every enrolled finger of every person, searched with all the
//! fingers of a probe, with per-person score fusion.
//!
//! Search runs in two stages. The pre-filter compares each probe finger's LSH signature
//! ([`index`]) with every enrolled finger at the same position and sums the similarities per
//! person; only the `shortlist` best persons are then matched in full with
//! [`crate::matcher::score`], whose per-finger scores are summed into the candidate score.
//! Fingers are stored compactly (their template bytes and signature, see [`store`]; posting
//! lists delta-coded, see [`postings`]); a shortlisted finger's cylinders are rebuilt when it
//! is compared.
//!
//! `Gallery` is plain data: `Send + Sync`, to be shared behind an `RwLock` (searches take
//! `&self`, enrolment and removal `&mut self`).

pub(crate) mod index;
mod postings;
mod store;

use crate::matcher::score;
use crate::template::Template;
use index::{signature, Signature};
use std::collections::HashMap;
use std::fmt;
use store::{vec_bytes, Store, NONE};

fn finger_signature(t: &Template) -> Signature {
    let m = t.minutiae();
    signature(t.cylinders(), |i| m.get(i).map_or(0.0, |x| x.angle))
}

/// Finger positions are 0 (unknown) and 1-10 (right thumb … left little).
pub const POSITIONS: usize = 11;

/// One person in a candidate list.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// The enrolled person.
    pub person_id: u64,
    /// Fused score: the sum of the per-finger [`crate::matcher::score`]s over the fingers both
    /// the probe and the person have. Compare with [`crate::matcher::Thresholds::dedup`].
    pub score: f32,
}

/// Why an enrolment was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GalleryError {
    /// The finger position is not 0-10.
    BadPosition(u8),
}

impl fmt::Display for GalleryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GalleryError::BadPosition(p) => {
                write!(f, "finger position {p} is not 0 (unknown) or 1-10")
            }
        }
    }
}

impl std::error::Error for GalleryError {}

/// Search settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchParams {
    /// Persons kept by the pre-filter for full matching (at least `max_candidates` are kept).
    pub shortlist: usize,
    /// Persons kept by the index votes for the code comparison.
    pub vote_keep: usize,
    /// Threads a search uses.
    pub threads: usize,
}

impl Default for SearchParams {
    fn default() -> Self {
        SearchParams {
            shortlist: 50,
            vote_keep: 1000,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

struct Person {
    idx: u32,
    slots: [u32; POSITIONS],
}

/// The gallery of enrolled fingers.
#[derive(Default)]
pub struct Gallery {
    stores: [Store; POSITIONS],
    persons: HashMap<u64, Person>,
    person_ids: Vec<u64>,
    free_person: Vec<u32>,
    fingers: usize,
    params: SearchParams,
}

impl fmt::Debug for Gallery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Gallery {{ {} persons, {} fingers }}",
            self.persons.len(),
            self.fingers
        )
    }
}

impl Gallery {
    /// An empty gallery with default search settings.
    pub fn new() -> Self {
        Self::with_params(SearchParams::default())
    }

    /// An empty gallery with the given search settings.
    pub fn with_params(params: SearchParams) -> Self {
        Gallery {
            params,
            ..Default::default()
        }
    }

    /// Changes the search settings.
    pub fn set_params(&mut self, params: SearchParams) {
        self.params = params;
    }

    /// Enrolled fingers.
    pub fn len(&self) -> usize {
        self.fingers
    }

    /// True when no finger is enrolled.
    pub fn is_empty(&self) -> bool {
        self.fingers == 0
    }

    /// Enrolled persons.
    pub fn persons(&self) -> usize {
        self.persons.len()
    }

    /// Enrolled fingers (the same as [`Gallery::len`]).
    pub fn fingers(&self) -> usize {
        self.fingers
    }

    /// Heap bytes the gallery holds, by accounting: for every vector (per-slot signatures, key
    /// counts, owners, template bytes and their offsets, posting-list bytes, offsets and
    /// staged runs, person ids) its capacity times its element size — so unused capacity and
    /// removed fingers not yet compacted away count — and for the person map its capacity
    /// times (entry size + 1 control byte). Not counted: the allocator's own overhead per
    /// allocation, the `Gallery` struct itself, and the transient buffers of a search or of
    /// a compaction.
    pub fn memory_bytes(&self) -> usize {
        let stores: usize = self.stores.iter().map(Store::memory_bytes).sum();
        let map = self.persons.capacity() * (std::mem::size_of::<(u64, Person)>() + 1);
        stores + map + vec_bytes(&self.person_ids) + vec_bytes(&self.free_person)
    }

    /// Enrols (or replaces) one finger of a person.
    pub fn insert(
        &mut self,
        person_id: u64,
        position: u8,
        template: Template,
    ) -> Result<(), GalleryError> {
        let pos = usize::from(position);
        if pos >= POSITIONS {
            return Err(GalleryError::BadPosition(position));
        }
        let person = match self.persons.get(&person_id) {
            Some(p) => p.idx,
            None => {
                let idx = match self.free_person.pop() {
                    Some(i) => {
                        self.person_ids[i as usize] = person_id;
                        i
                    }
                    None => {
                        self.person_ids.push(person_id);
                        (self.person_ids.len() - 1) as u32
                    }
                };
                self.persons.insert(
                    person_id,
                    Person {
                        idx,
                        slots: [NONE; POSITIONS],
                    },
                );
                idx
            }
        };
        let sig = finger_signature(&template);
        let keys = index::keys(template.cylinders());
        let bytes = template.to_bytes();
        let store = &mut self.stores[pos];
        let slot = store.push(person, sig, &keys, &bytes);
        let old = self
            .persons
            .get_mut(&person_id)
            .map_or(NONE, |p| std::mem::replace(&mut p.slots[pos], slot));
        if old == NONE {
            self.fingers += 1;
        } else if store.kill(old) {
            self.compact_store(pos);
        }
        Ok(())
    }

    /// Removes every finger of a person; returns whether the person was enrolled.
    pub fn remove_person(&mut self, person_id: u64) -> bool {
        let Some(p) = self.persons.remove(&person_id) else {
            return false;
        };
        for (pos, &slot) in p.slots.iter().enumerate() {
            if slot == NONE {
                continue;
            }
            self.fingers -= 1;
            if self.stores[pos].kill(slot) {
                self.compact_store(pos);
            }
        }
        self.free_person.push(p.idx);
        true
    }

    /// Drops removed fingers' data and freezes recently added index entries in every finger
    /// position, and trims the storage to its contents. Searches answer the same before and
    /// after; this only gives memory back (insertion and removal also compact on their own,
    /// in steps).
    pub fn compact(&mut self) {
        for pos in 0..POSITIONS {
            self.compact_store(pos);
        }
        self.person_ids.shrink_to_fit();
        self.free_person.shrink_to_fit();
        self.persons.shrink_to_fit();
    }

    fn compact_store(&mut self, pos: usize) {
        for (slot, owner) in self.stores[pos].compact() {
            let id = self.person_ids.get(owner as usize);
            if let Some(p) = id.and_then(|id| self.persons.get_mut(id)) {
                p.slots[pos] = slot;
            }
        }
    }

    /// The enrolled template of a person's finger, for 1:1 verification.
    pub fn get(&self, person_id: u64, position: u8) -> Option<Template> {
        let p = self.persons.get(&person_id)?;
        let slot = *p.slots.get(usize::from(position))?;
        if slot == NONE {
            return None;
        }
        Template::from_bytes(self.stores[usize::from(position)].template(slot)).ok()
    }

    /// Searches with the probe's fingers (position, template); returns up to `max_candidates`
    /// persons with a positive fused score, best first.
    pub fn search(&self, probe: &[(u8, Template)], max_candidates: usize) -> Vec<Candidate> {
        let shortlist = self.params.shortlist.max(max_candidates);
        let persons = self.prefilter(probe, shortlist);
        self.full_match(probe, &persons, max_candidates)
    }

    /// Searches by full matching against every enrolled person (no pre-filter): the reference
    /// the benchmark compares [`Gallery::search`] with.
    pub fn search_exhaustive(
        &self,
        probe: &[(u8, Template)],
        max_candidates: usize,
    ) -> Vec<Candidate> {
        let all: Vec<u32> = self.persons.values().map(|p| p.idx).collect();
        self.full_match(probe, &all, max_candidates)
    }

    /// Pre-filter, in two tiers: votes of the inverted index (shared code keys, normalised per
    /// finger and summed per person) keep `vote_keep` persons; the code similarity of their
    /// fingers (summed per person) keeps the `keep` best, returned as person indices.
    fn prefilter(&self, probe: &[(u8, Template)], keep: usize) -> Vec<u32> {
        self.prefilter_scores(probe, keep).2
    }

    /// Where the pre-filter ranks a person (1-based; `None` when not kept): in the index
    /// votes and in the code comparison. A diagnostic for the benchmark.
    pub fn prefilter_ranks(
        &self,
        probe: &[(u8, Template)],
        person_id: u64,
    ) -> (Option<usize>, Option<usize>) {
        let Some(idx) = self.persons.get(&person_id).map(|p| p.idx) else {
            return (None, None);
        };
        let keep = self.params.shortlist;
        let (first, second, _) = self.prefilter_scores(probe, keep);
        let rank = |v: &[f32]| {
            let own = v.get(idx as usize).copied().unwrap_or(0.0);
            (own > 0.0).then(|| 1 + v.iter().filter(|&&x| x > own).count())
        };
        (rank(&first), rank(&second))
    }

    /// Tier scores per person index (votes, codes) and the kept persons.
    fn prefilter_scores(
        &self,
        probe: &[(u8, Template)],
        keep: usize,
    ) -> (Vec<f32>, Vec<f32>, Vec<u32>) {
        let probes: Vec<(usize, Signature, Vec<u32>)> = probe
            .iter()
            .filter(|(p, _)| usize::from(*p) < POSITIONS)
            .map(|(p, t)| {
                let sig = finger_signature(t);
                let keys = index::keys(t.cylinders());
                (usize::from(*p), sig, keys)
            })
            .collect();
        let n = self.person_ids.len();
        let threads = self.params.threads.max(1);
        // Tier 1: index votes, the probe's fingers spread over the threads; the per-finger
        // contributions are summed in probe order, as a single thread would.
        let chunk = probes.len().div_ceil(threads).max(1);
        let votes: Vec<Vec<(u32, f32)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = probes
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|(pos, _, keys)| self.votes(*pos, keys))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        });
        let mut total = vec![0.0f32; n];
        for (owner, v) in votes.into_iter().flatten() {
            total[owner as usize] += v;
        }
        let first = top_k(&total, self.params.vote_keep.max(keep));
        // Tier 2: code similarity on the survivors, in parallel.
        let chunk = first.len().div_ceil(threads).max(1);
        let scored: Vec<(u32, f32)> = std::thread::scope(|scope| {
            let handles: Vec<_> = first
                .chunks(chunk)
                .map(|part| {
                    let probes = &probes;
                    scope.spawn(move || {
                        part.iter()
                            .map(|&idx| (idx, self.code_score(probes, idx)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        });
        let mut second = vec![0.0f32; n];
        for &(idx, v) in &scored {
            second[idx as usize] = v;
        }
        let mut kept = top_k(&second, keep);
        kept.retain(|&i| second[i as usize] > 0.0);
        (total, second, kept)
    }

    /// One probe finger's index votes at a position: for each person with a shared key, the
    /// shared keys over the geometric mean of both fingers' key counts.
    fn votes(&self, pos: usize, keys: &[u32]) -> Vec<(u32, f32)> {
        let store = &self.stores[pos];
        let mut votes = vec![0u16; store.slots()];
        let mut touched = Vec::new();
        store.postings.vote(keys, &mut votes, &mut touched);
        let kp = keys.len().max(1) as f32;
        touched
            .iter()
            .filter_map(|&slot| {
                let s = slot as usize;
                let owner = store.owner[s];
                let kg = f32::from(store.nkeys[s].max(1));
                (owner != NONE).then(|| (owner, f32::from(votes[s]) / (kp * kg).sqrt()))
            })
            .collect()
    }

    /// Summed code similarity of a person's fingers with the probe's.
    fn code_score(&self, probes: &[(usize, Signature, Vec<u32>)], idx: u32) -> f32 {
        let Some(person) = self
            .person_ids
            .get(idx as usize)
            .and_then(|id| self.persons.get(id))
        else {
            return 0.0;
        };
        let mut v = 0.0;
        for (pos, sig, _) in probes {
            let slot = person.slots[*pos];
            if slot != NONE {
                v += index::similarity(sig, &self.stores[*pos].sigs[slot as usize]);
            }
        }
        v
    }

    /// Full matching of the given persons; fused scores, best first.
    fn full_match(&self, probe: &[(u8, Template)], persons: &[u32], max: usize) -> Vec<Candidate> {
        let threads = self.params.threads.max(1);
        let chunk = persons.len().div_ceil(threads).max(1);
        let mut out: Vec<Candidate> = std::thread::scope(|scope| {
            let handles: Vec<_> = persons
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .filter_map(|&idx| self.fused(probe, idx))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        });
        out.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.person_id.cmp(&b.person_id))
        });
        out.truncate(max);
        out
    }

    fn fused(&self, probe: &[(u8, Template)], idx: u32) -> Option<Candidate> {
        let person_id = *self.person_ids.get(idx as usize)?;
        let person = self.persons.get(&person_id)?;
        let mut total = 0.0f32;
        for (pos, t) in probe {
            let Some(&slot) = person.slots.get(usize::from(*pos)) else {
                continue;
            };
            if slot == NONE {
                continue;
            }
            let bytes = self.stores[usize::from(*pos)].template(slot);
            if let Ok(enrolled) = Template::from_bytes(bytes) {
                total += score(t, &enrolled);
            }
        }
        (total > 0.0).then_some(Candidate {
            person_id,
            score: total,
        })
    }
}

/// Index-vote similarity of two fingers (shared index keys over the geometric mean of their key
/// counts), exposed for the evaluation of the index.
pub fn vote_similarity(a: &Template, b: &Template) -> f32 {
    let (ka, kb) = (index::keys(a.cylinders()), index::keys(b.cylinders()));
    let shared = ka.iter().filter(|k| kb.binary_search(k).is_ok()).count();
    if ka.is_empty() || kb.is_empty() {
        return 0.0;
    }
    shared as f32 / ((ka.len() * kb.len()) as f32).sqrt()
}

/// Pre-filter similarity of two fingers (the signature comparison the gallery's first stage
/// uses), exposed for the evaluation of the index.
pub fn prefilter_similarity(a: &Template, b: &Template) -> f32 {
    index::similarity(&finger_signature(a), &finger_signature(b))
}

/// Indices of the `k` largest positive values, best first.
fn top_k(values: &[f32], k: usize) -> Vec<u32> {
    let mut idx: Vec<u32> = (0..values.len() as u32)
        .filter(|&i| values[i as usize] > 0.0)
        .collect();
    let by = |a: &u32, b: &u32| {
        values[*b as usize]
            .total_cmp(&values[*a as usize])
            .then(a.cmp(b))
    };
    if idx.len() > k {
        idx.select_nth_unstable_by(k, by);
        idx.truncate(k);
    }
    idx.sort_unstable_by(by);
    idx
}

#[cfg(test)]
mod tests;
