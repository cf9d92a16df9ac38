//! The inverted index's posting lists (for each index key, the slots of the fingers that have
//! it), kept small: about 2 bytes per posting instead of 4, and 4 bytes per key instead of a
//! 24-byte vector header — the key space (about a million keys per finger position) is
//! larger than the number of fingers a position holds, so per-key overhead matters.
//!
//! Two tiers:
//! - **frozen**: one byte vector for all keys, each key's slots in increasing order written
//!   as gaps in LEB128 varints (7 bits a byte), and for each key the end of its list
//!   (a `u32` relative to its group of [`GROUP`] keys, plus a `u64` start per group);
//! - **staged**: recent postings, as sorted runs of `key << 32 | slot` merged like a binary
//!   counter (a run merges into the one before it once as long), looked up by binary search.
//!
//! When the staged postings outnumber a sixteenth of the frozen ones (and at least
//! [`MIN_FREEZE`]), they are merged into a new frozen vector, so each posting is rewritten a
//! bounded number of times on average and the staged tier stays a small share of memory.
//! Removal is not done here: the gallery marks removed slots dead (their postings stay and
//! are ignored by the vote's owner check) and, when enough are dead, renumbers its slots and
//! calls [`Postings::rebuild`] with the renumbering, which drops the dead ones.
//!
//! This module must never change which slots a key lists: votes must equal those of a plain
//! `Vec<u32>` per key (the gallery's tests compare them).

use super::index::NKEYS;

/// Keys per offset group (the group's start is a `u64`, the keys' ends `u32`s within it).
const GROUP: usize = 1024;
/// Least staged postings before they are frozen.
const MIN_FREEZE: usize = if cfg!(test) { 3_000 } else { 1 << 18 };
/// A slot mapped to nothing by a renumbering.
pub(crate) const DEAD: u32 = u32::MAX;

/// Posting lists of one finger position.
#[derive(Default)]
pub(crate) struct Postings {
    /// Start of each key group's lists in `bytes` (empty while nothing is frozen).
    group_start: Vec<u64>,
    /// End of each key's list in `bytes`, relative to its group's start.
    end: Vec<u32>,
    bytes: Vec<u8>,
    frozen: usize,
    /// Sorted runs of `key << 32 | slot`, longest first.
    runs: Vec<Vec<u64>>,
    staged: usize,
}

impl Postings {
    /// Adds a slot under its keys (sorted, without repeats). Slots are added in increasing
    /// order between two rebuilds.
    pub(crate) fn add(&mut self, slot: u32, keys: &[u32]) {
        let run: Vec<u64> = keys
            .iter()
            .filter(|&&k| (k as usize) < NKEYS)
            .map(|&k| u64::from(k) << 32 | u64::from(slot))
            .collect();
        self.staged += run.len();
        self.runs.push(run);
        while let [.., a, b] = self.runs.as_slice() {
            if b.len() < a.len() {
                break;
            }
            let (b, a) = (self.runs.pop(), self.runs.pop());
            if let (Some(a), Some(b)) = (a, b) {
                self.runs.push(merge(&a, &b));
            }
        }
        if self.staged > (self.frozen / 16).max(MIN_FREEZE) {
            self.rebuild(None);
        }
    }

    /// Freezes the staged postings; with `renumber`, slot `s` becomes `renumber[s]` and slots
    /// mapped to [`DEAD`] (or beyond its end) are dropped. The renumbering must keep order.
    pub(crate) fn rebuild(&mut self, renumber: Option<&[u32]>) {
        let staged = self
            .runs
            .drain(..)
            .reduce(|a, b| merge(&a, &b))
            .unwrap_or_default();
        let mut bytes = Vec::with_capacity(self.bytes.len() + staged.len() * 2);
        let mut group_start = Vec::with_capacity(NKEYS / GROUP + 1);
        let mut end = Vec::with_capacity(NKEYS);
        let mut frozen = 0usize;
        let mut next = 0usize;
        for key in 0..NKEYS {
            if key % GROUP == 0 {
                group_start.push(bytes.len() as u64);
            }
            let base = group_start.last().copied().unwrap_or(0);
            let mut old = self.list(key).peekable();
            let from = next;
            while staged.get(next).is_some_and(|&e| (e >> 32) as usize == key) {
                next += 1;
            }
            let mut new = staged[from..next].iter().map(|&e| e as u32).peekable();
            let mut prev = 0u32;
            loop {
                let slot = match (old.peek(), new.peek()) {
                    (Some(&a), Some(&b)) if a <= b => old.next(),
                    (Some(_), None) => old.next(),
                    (_, Some(_)) => new.next(),
                    (None, None) => None,
                };
                let Some(slot) = slot else { break };
                let slot = match renumber {
                    Some(r) => match r.get(slot as usize) {
                        Some(&s) if s != DEAD => s,
                        _ => continue,
                    },
                    None => slot,
                };
                write_varint(&mut bytes, slot - prev);
                prev = slot;
                frozen += 1;
            }
            // A group's lists stay far below 4 GiB (a group is 1/1024 of the keys).
            end.push(u32::try_from(bytes.len() as u64 - base).unwrap_or(u32::MAX));
        }
        group_start.push(bytes.len() as u64);
        bytes.shrink_to_fit();
        self.bytes = bytes;
        self.group_start = group_start;
        self.end = end;
        self.frozen = frozen;
        self.staged = 0;
    }

    /// The frozen slots of a key, in increasing order.
    fn list(&self, key: usize) -> impl Iterator<Item = u32> + '_ {
        let range = self.range(key);
        let mut pos = range.start;
        let mut prev = 0u32;
        std::iter::from_fn(move || {
            if pos >= range.end {
                return None;
            }
            prev += read_varint(&self.bytes, &mut pos);
            Some(prev)
        })
    }

    fn range(&self, key: usize) -> std::ops::Range<usize> {
        let (Some(&base), Some(&stop)) = (self.group_start.get(key / GROUP), self.end.get(key))
        else {
            return 0..0;
        };
        let start = match key % GROUP {
            0 => 0,
            _ => self.end.get(key - 1).copied().unwrap_or(0),
        };
        (base + u64::from(start)) as usize..(base + u64::from(stop)) as usize
    }

    /// Adds one vote per shared key to `votes[slot]`, recording first-touched slots.
    pub(crate) fn vote(&self, keys: &[u32], votes: &mut [u16], touched: &mut Vec<u32>) {
        let mut count = |s: u32| {
            if let Some(v) = votes.get_mut(s as usize) {
                if *v == 0 {
                    touched.push(s);
                }
                *v = v.saturating_add(1);
            }
        };
        for &k in keys {
            if (k as usize) >= NKEYS {
                continue;
            }
            self.list(k as usize).for_each(&mut count);
            let lo = u64::from(k) << 32;
            let hi = lo + (1 << 32);
            for run in &self.runs {
                let from = run.partition_point(|&e| e < lo);
                let to = from + run[from..].partition_point(|&e| e < hi);
                run[from..to].iter().for_each(|&e| count(e as u32));
            }
        }
    }

    /// Heap bytes held (capacities).
    pub(crate) fn memory_bytes(&self) -> usize {
        self.group_start.capacity() * 8
            + self.end.capacity() * 4
            + self.bytes.capacity()
            + self.runs.capacity() * std::mem::size_of::<Vec<u64>>()
            + self.runs.iter().map(|r| r.capacity() * 8).sum::<usize>()
    }

    /// Postings held, frozen and staged (dead slots included until a renumbering).
    #[cfg(test)]
    pub(crate) fn counts(&self) -> (usize, usize) {
        (self.frozen, self.staged)
    }
}

fn merge(a: &[u64], b: &[u64]) -> Vec<u64> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] <= b[j] {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

fn write_varint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn read_varint(bytes: &[u8], pos: &mut usize) -> u32 {
    let mut v = 0u32;
    let mut shift = 0;
    while let Some(&b) = bytes.get(*pos) {
        *pos += 1;
        v |= u32::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip() {
        let mut out = Vec::new();
        let values = [0u32, 1, 127, 128, 16_383, 16_384, u32::MAX];
        for &v in &values {
            write_varint(&mut out, v);
        }
        let mut pos = 0;
        let back: Vec<u32> = values.iter().map(|_| read_varint(&out, &mut pos)).collect();
        assert_eq!(back, values);
        assert_eq!(pos, out.len());
    }
}
