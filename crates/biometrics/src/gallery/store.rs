//! The fingers enrolled at one finger position, in parallel arrays indexed by slot: signature,
//! key count, owner, template bytes, and the posting lists of the inverted index.
//!
//! Slots are only ever appended. A removed or replaced finger's slot is marked dead (owner
//! [`NONE`]): its template bytes and postings stay, and searches skip it by its owner. When
//! dead slots are a fifth of all (and at least [`MIN_DEAD`]), [`Store::compact`] renumbers
//! the live slots in order, drops the dead ones' bytes and postings, and returns the
//! renumbering so the gallery can update its persons. Appending only keeps every posting list
//! sorted, which its delta coding needs.

use super::index::Signature;
use super::postings::{Postings, DEAD};

/// No slot, no owner.
pub(crate) const NONE: u32 = u32::MAX;
/// Least dead slots before a compaction.
const MIN_DEAD: usize = if cfg!(test) { 8 } else { 4096 };

#[derive(Default)]
pub(crate) struct Store {
    pub(crate) sigs: Vec<Signature>,
    pub(crate) nkeys: Vec<u16>,
    pub(crate) owner: Vec<u32>,
    pub(crate) postings: Postings,
    /// Template bytes of all slots, slot `s`'s from `tpl_end[s - 1]` (0 for slot 0) to `tpl_end[s]`.
    tpl: Vec<u8>,
    tpl_end: Vec<u64>,
    dead: usize,
}

impl Store {
    /// Appends a finger; returns its slot.
    pub(crate) fn push(
        &mut self,
        owner: u32,
        sig: Signature,
        keys: &[u32],
        template: &[u8],
    ) -> u32 {
        let slot = self.sigs.len() as u32;
        grow(&mut self.sigs, 1);
        grow(&mut self.nkeys, 1);
        grow(&mut self.owner, 1);
        grow(&mut self.tpl_end, 1);
        grow(&mut self.tpl, template.len());
        self.sigs.push(sig);
        self.nkeys
            .push(keys.len().min(usize::from(u16::MAX)) as u16);
        self.owner.push(owner);
        self.tpl.extend_from_slice(template);
        self.tpl_end.push(self.tpl.len() as u64);
        self.postings.add(slot, keys);
        slot
    }

    /// Marks a slot dead; returns true when the store should now be compacted.
    pub(crate) fn kill(&mut self, slot: u32) -> bool {
        let s = slot as usize;
        if self.owner.get(s).is_some_and(|&o| o != NONE) {
            self.owner[s] = NONE;
            self.nkeys[s] = 0;
            self.dead += 1;
        }
        self.dead >= MIN_DEAD && self.dead * 5 >= self.sigs.len()
    }

    /// The template bytes of a slot (empty for an unknown slot).
    pub(crate) fn template(&self, slot: u32) -> &[u8] {
        let s = slot as usize;
        let start = match s {
            0 => 0,
            _ => self.tpl_end.get(s - 1).copied().unwrap_or(0),
        };
        let end = self.tpl_end.get(s).copied().unwrap_or(0);
        self.tpl
            .get(start as usize..end as usize)
            .unwrap_or_default()
    }

    /// Slots, dead ones included.
    pub(crate) fn slots(&self) -> usize {
        self.sigs.len()
    }

    /// Drops the dead slots and renumbers the live ones in order, freezes the staged postings
    /// and trims the vectors to their lengths; returns the live slots' new numbers, as
    /// `(new slot, owner)` pairs, so the caller can update its persons.
    pub(crate) fn compact(&mut self) -> Vec<(u32, u32)> {
        let mut renumber = Vec::with_capacity(self.sigs.len());
        let mut next = 0u32;
        for &o in &self.owner {
            if o == NONE {
                renumber.push(DEAD);
            } else {
                renumber.push(next);
                next += 1;
            }
        }
        let n = next as usize;
        self.sigs = keep_live(&self.sigs, &renumber, n);
        self.nkeys = keep_live(&self.nkeys, &renumber, n);
        self.owner = keep_live(&self.owner, &renumber, n);
        let mut tpl = Vec::new();
        let mut tpl_end = Vec::with_capacity(n);
        for s in (0..renumber.len()).filter(|&s| renumber[s] != DEAD) {
            tpl.extend_from_slice(self.template(s as u32));
            tpl_end.push(tpl.len() as u64);
        }
        tpl.shrink_to_fit();
        self.tpl = tpl;
        self.tpl_end = tpl_end;
        self.postings.rebuild(Some(&renumber));
        self.dead = 0;
        self.owner
            .iter()
            .enumerate()
            .map(|(s, &o)| (s as u32, o))
            .collect()
    }

    /// Heap bytes held (capacities).
    pub(crate) fn memory_bytes(&self) -> usize {
        vec_bytes(&self.sigs)
            + vec_bytes(&self.nkeys)
            + vec_bytes(&self.owner)
            + vec_bytes(&self.tpl)
            + vec_bytes(&self.tpl_end)
            + self.postings.memory_bytes()
    }
}

/// Makes room for `more` elements, growing by an eighth rather than doubling: the slot arrays
/// are most of the gallery's memory, and a doubled vector is a quarter empty on average. (Large
/// buffers are moved by remapping pages, so the extra reallocations cost little.)
fn grow<T>(v: &mut Vec<T>, more: usize) {
    if v.capacity() - v.len() < more {
        v.reserve_exact(v.len() / 8 + more.max(1024));
    }
}

/// The elements of live slots, in a vector of exactly `n` capacity.
fn keep_live<T: Copy>(v: &[T], renumber: &[u32], n: usize) -> Vec<T> {
    let mut out = Vec::with_capacity(n);
    out.extend(
        v.iter()
            .zip(renumber)
            .filter(|(_, &r)| r != DEAD)
            .map(|(x, _)| *x),
    );
    out
}

/// Heap bytes of a vector's buffer (its capacity, not its length).
pub(crate) fn vec_bytes<T>(v: &Vec<T>) -> usize {
    v.capacity() * std::mem::size_of::<T>()
}
