//! The 1:N identification benchmark: galleries of synthetic distractor persons (ten fingers
//! each) with the four FVC "persons" planted in them (a set's ten fingers as positions 1-10),
//! searched with ten-finger probes made of other impressions of the same fingers.
//!
//! For every gallery size it reports the latency of [`Gallery::search`] per probe and its
//! rank-1 identification rate, and compares it with exhaustive search (full matching against
//! every person). Exhaustive scores are computed incrementally while the gallery grows (each
//! distractor finger is matched once against the exhaustive probes when it is generated), so
//! the exhaustive reference costs one full pass over the largest gallery.

use super::fvc::{self, Frame, Impression};
use super::EvalError;
use crate::gallery::{Gallery, SearchParams};
use crate::matcher::score;
use crate::synth::{synthetic_template, Rng};
use crate::template::Template;
use serde::Serialize;
use std::path::Path;
use std::time::Instant;

/// Benchmark settings.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Gallery sizes in fingers, ascending (e.g. 10,000 … 1,000,000).
    pub gallery_sizes: Vec<usize>,
    /// Enrolment/probe impression pairs used per real person (at most 56).
    pub impression_pairs: usize,
    /// How many of the searches (the first ones) also get an exhaustive reference.
    pub exhaustive_searches: usize,
    /// Gallery search settings (pre-filter shortlist, threads).
    pub search: SearchParams,
    /// Seed of the distractor generator.
    pub seed: u64,
    /// Frame of the FVC templates.
    pub frame: Frame,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions {
            gallery_sizes: vec![10_000, 100_000, 1_000_000],
            impression_pairs: 8,
            exhaustive_searches: 8,
            search: SearchParams::default(),
            seed: 2002,
            frame: Frame::Stretched,
        }
    }
}

/// Figures for one gallery size.
#[derive(Debug, Clone, Serialize)]
pub struct BenchRow {
    /// Enrolled fingers.
    pub gallery_fingers: usize,
    /// Enrolled persons.
    pub gallery_persons: usize,
    /// Ten-finger searches run.
    pub searches: usize,
    /// Mean wall-clock latency of one search, milliseconds.
    pub mean_latency_ms: f64,
    /// Slowest search, milliseconds.
    pub max_latency_ms: f64,
    /// Share of searches whose rank-1 candidate is the mate.
    pub rank1_rate: f64,
    /// Searches with an exhaustive reference.
    pub exhaustive_searches: usize,
    /// Of those, how many exhaustive search ranks the mate first.
    pub exhaustive_rank1_found: usize,
    /// Of those, how many the pre-filtered search also ranks first.
    pub prefiltered_rank1_found_of_exhaustive: usize,
    /// Lowest mate fused score seen, and highest non-mate rank-1/2 score, for the de-dup threshold.
    pub min_mate_score: f64,
    /// Highest fused score of a non-mate candidate.
    pub max_nonmate_score: f64,
    /// For each search whose rank-1 was not the mate: the mate's rank in the index votes and
    /// in the code comparison (0 = not ranked).
    pub misses: Vec<(usize, usize)>,
}

/// The benchmark's result.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// One row per gallery size.
    pub rows: Vec<BenchRow>,
    /// Threads used by searches.
    pub threads: usize,
    /// Pre-filter shortlist (persons).
    pub shortlist: usize,
    /// Seconds spent generating and enrolling distractors (all sizes).
    pub build_seconds: f64,
}

struct Search {
    person: usize,
    enrol: u32,
    probe: Vec<(u8, Template)>,
    /// Highest exhaustive fused score over distractors so far (exhaustive searches only).
    best_distractor: f32,
}

const REAL_ID: u64 = 1 << 62;

fn ten_fingers(set: &[Impression], impression: u32, frame: Frame) -> Vec<(u8, Template)> {
    set.iter()
        .filter(|i| i.impression == impression)
        .map(|i| ((i.finger % 100).clamp(1, 10) as u8, i.template(frame)))
        .collect()
}

/// Runs the 1:N benchmark over `data_dir` (the folder holding `fvc2002/`).
pub fn bench_identification(
    data_dir: &Path,
    opts: &BenchOptions,
) -> Result<BenchReport, EvalError> {
    let sets: Vec<Vec<Impression>> = fvc::SETS
        .iter()
        .map(|s| fvc::load_set(data_dir, s))
        .collect::<Result<_, _>>()?;
    // Impression pairs (enrolled, probe): e → e+1, then e → e+2, … over 1..=8.
    let mut pairs = Vec::new();
    for step in 1..8u32 {
        for e in 1..=8u32 {
            pairs.push((e, (e - 1 + step) % 8 + 1));
        }
    }
    pairs.truncate(opts.impression_pairs.clamp(1, 56));
    let mut searches = Vec::new();
    for &(e, q) in &pairs {
        for (p, set) in sets.iter().enumerate() {
            searches.push(Search {
                person: p,
                enrol: e,
                probe: ten_fingers(set, q, opts.frame),
                best_distractor: 0.0,
            });
        }
    }
    let n_exh = opts.exhaustive_searches.min(searches.len());
    // Full scores of each exhaustive probe against the other real persons (their enrolled
    // impression in that search's round).
    for s in searches.iter_mut().take(n_exh) {
        for (p, set) in sets.iter().enumerate() {
            if p == s.person {
                continue;
            }
            let other = ten_fingers(set, s.enrol, opts.frame);
            s.best_distractor = s.best_distractor.max(fused(&s.probe, &other));
        }
    }

    let threads = opts.search.threads.max(1);
    let mut gallery = Gallery::with_params(opts.search);
    let mut rows = Vec::new();
    let mut build = 0.0;
    let mut next_person = 0u64;
    for &size in &opts.gallery_sizes {
        let t0 = Instant::now();
        let want_persons = (size.saturating_sub(sets.len() * 10) / 10) as u64;
        while next_person < want_persons {
            let batch = (want_persons - next_person).min(20_000);
            let ids: Vec<u64> = (next_person..next_person + batch).collect();
            let generated = generate(&ids, opts.seed, threads, &searches[..n_exh]);
            for (id, fingers, best) in generated {
                for (pos, t) in fingers {
                    // Positions are 1-10 by construction.
                    let _ = gallery.insert(id, pos, t);
                }
                for (s, b) in searches.iter_mut().zip(best) {
                    s.best_distractor = s.best_distractor.max(b);
                }
            }
            next_person += batch;
        }
        build += t0.elapsed().as_secs_f64();
        rows.push(run_size(&mut gallery, &sets, &searches, n_exh, opts.frame));
    }
    Ok(BenchReport {
        rows,
        threads,
        shortlist: opts.search.shortlist,
        build_seconds: build,
    })
}

/// Sum of per-finger scores over shared positions.
fn fused(probe: &[(u8, Template)], enrolled: &[(u8, Template)]) -> f32 {
    let mut total = 0.0;
    for (pos, t) in probe {
        if let Some((_, e)) = enrolled.iter().find(|(p, _)| p == pos) {
            total += score(t, e);
        }
    }
    total
}

type Generated = (u64, Vec<(u8, Template)>, Vec<f32>);

/// Generates distractor persons in parallel, with their fused scores against each exhaustive
/// probe.
fn generate(ids: &[u64], seed: u64, threads: usize, exh: &[Search]) -> Vec<Generated> {
    let chunk = ids.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = ids
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|&id| {
                            let mut rng = Rng::new(seed ^ id.wrapping_mul(0x9e37_79b9_7f4a_7c15));
                            let fingers: Vec<(u8, Template)> = (1..=10u8)
                                .map(|p| (p, synthetic_template(&mut rng)))
                                .collect();
                            let best = exh.iter().map(|s| fused(&s.probe, &fingers)).collect();
                            (id, fingers, best)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

fn run_size(
    gallery: &mut Gallery,
    sets: &[Vec<Impression>],
    searches: &[Search],
    n_exh: usize,
    frame: Frame,
) -> BenchRow {
    let mut latencies = Vec::new();
    let mut rank1 = 0usize;
    let (mut exh_found, mut both_found) = (0usize, 0usize);
    let mut min_mate = f64::INFINITY;
    let mut max_nonmate: f64 = 0.0;
    let mut enrolled_round = 0u32;
    let mut misses = Vec::new();
    for (k, s) in searches.iter().enumerate() {
        if s.enrol != enrolled_round {
            for (p, set) in sets.iter().enumerate() {
                for (pos, t) in ten_fingers(set, s.enrol, frame) {
                    let _ = gallery.insert(REAL_ID + p as u64, pos, t);
                }
            }
            enrolled_round = s.enrol;
        }
        let t0 = Instant::now();
        let found = gallery.search(&s.probe, 10);
        latencies.push(t0.elapsed().as_secs_f64() * 1000.0);
        let mate = REAL_ID + s.person as u64;
        let hit = found.first().is_some_and(|c| c.person_id == mate);
        if hit {
            rank1 += 1;
        } else {
            let (v, c) = gallery.prefilter_ranks(&s.probe, mate);
            misses.push((v.unwrap_or(0), c.unwrap_or(0)));
        }
        for c in &found {
            if c.person_id == mate {
                min_mate = min_mate.min(f64::from(c.score));
            } else {
                max_nonmate = max_nonmate.max(f64::from(c.score));
            }
        }
        if k < n_exh {
            let mate_full = sets.get(s.person).map_or(0.0, |set| {
                fused(&s.probe, &ten_fingers(set, s.enrol, frame))
            });
            if mate_full > s.best_distractor {
                exh_found += 1;
                if hit {
                    both_found += 1;
                }
            }
        }
    }
    let n = latencies.len().max(1) as f64;
    BenchRow {
        gallery_fingers: gallery.len(),
        gallery_persons: gallery.persons(),
        searches: searches.len(),
        mean_latency_ms: latencies.iter().sum::<f64>() / n,
        max_latency_ms: latencies.iter().copied().fold(0.0, f64::max),
        rank1_rate: rank1 as f64 / n,
        exhaustive_searches: n_exh,
        exhaustive_rank1_found: exh_found,
        prefiltered_rank1_found_of_exhaustive: both_found,
        min_mate_score: if min_mate.is_finite() { min_mate } else { 0.0 },
        max_nonmate_score: max_nonmate,
        misses,
    }
}
