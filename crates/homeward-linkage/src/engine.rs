//! The batch pipeline shared by training, linking and deduplication: prepare records in
//! parallel, generate candidate pairs from blocking keys, compare, train, score.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::blocking;
use crate::compare::{self, Comparison, FIELD_COUNT, MAX_LEVELS, Prepared};
use crate::model::{LinkageConfig, Model, SplitMix};
use crate::normalize::Role;
use crate::record::Record;

/// Most blocked pairs fed to EM; beyond this a deterministic, evenly spread sample is used.
const EM_SAMPLE: usize = 400_000;

/// Prepared records of one job: `prepared[..n_left]` is the left file, the rest the right
/// file when linking.
pub(crate) struct Engine<'c> {
    pub config: &'c LinkageConfig,
    pub prepared: Vec<Prepared>,
    pub n_left: usize,
    pub linking: bool,
    /// `orig[k]` is the input position of `prepared[k]`: records are reordered so that
    /// records likely to be compared sit close together in memory.
    orig: Vec<u32>,
}

/// Sets every name part's term frequency from counts over the whole data set.
pub(crate) fn set_term_frequencies(prepared: &mut [Prepared]) {
    let mut counts: HashMap<Box<str>, u32> = HashMap::new();
    let mut total = 0u64;
    for p in prepared.iter() {
        for v in &p.names {
            for part in v
                .iter()
                .filter(|x| matches!(x.role, Role::Given | Role::Family | Role::Middle))
            {
                *counts.entry(part.latin.clone()).or_insert(0) += 1;
                total += 1;
            }
        }
    }
    let total = total.max(1) as f32;
    prepared.par_iter_mut().for_each(|p| {
        for v in &mut p.names {
            for part in v.iter_mut() {
                part.tf = counts.get(&part.latin).map_or(0.0, |&c| c as f32 / total);
            }
        }
    });
}

impl<'c> Engine<'c> {
    pub fn build(config: &'c LinkageConfig, left: &[Record], right: Option<&[Record]>) -> Self {
        let mut prepared: Vec<Prepared> = left.par_iter().map(Prepared::new).collect();
        if let Some(r) = right {
            prepared.par_extend(r.par_iter().map(Prepared::new));
        }
        Self::from_prepared(config, prepared, left.len(), right.is_some())
    }

    pub fn from_prepared(
        config: &'c LinkageConfig,
        mut prepared: Vec<Prepared>,
        n_left: usize,
        linking: bool,
    ) -> Self {
        if config.term_frequency {
            set_term_frequencies(&mut prepared);
        }
        let sort_keys: Vec<u64> = prepared.par_iter().map(blocking::locality_key).collect();
        let mut order: Vec<u32> = (0..prepared.len() as u32).collect();
        let (l, r) = order.split_at_mut(n_left.min(prepared.len()));
        l.par_sort_unstable_by_key(|&i| (sort_keys[i as usize], i));
        r.par_sort_unstable_by_key(|&i| (sort_keys[i as usize], i));
        let mut slots: Vec<Option<Prepared>> = prepared.into_iter().map(Some).collect();
        let prepared: Vec<Prepared> = order
            .iter()
            .map(|&i| slots[i as usize].take().unwrap_or_default())
            .collect();
        Self {
            config,
            prepared,
            n_left,
            linking,
            orig: order,
        }
    }

    /// Input positions `(i, j)` of a packed pair, `i` from the left file when linking and
    /// `i < j` when deduplicating.
    pub fn original(&self, packed: u64) -> (usize, usize) {
        let i = self.orig[(packed >> 32) as usize] as usize;
        let j = self.orig[(packed & 0xFFFF_FFFF) as usize] as usize;
        if self.linking || i < j {
            (i, j)
        } else {
            (j, i)
        }
    }

    /// Candidate pairs, packed as `(i << 32) | j` with `i < j` (for linking, `i` is a left
    /// record and `j` a right one), sorted and without duplicates.
    pub fn candidate_pairs(&self) -> Vec<u64> {
        let set = if self.prepared.len() <= self.config.broad_blocking_max_records {
            blocking::KeySet::Broad
        } else {
            blocking::KeySet::Tight
        };
        // Keys go straight into one (key, record) list: no per-record vectors kept.
        let mut entries: Vec<(u64, u32)> = self
            .prepared
            .par_iter()
            .enumerate()
            .flat_map_iter(|(i, p)| {
                blocking::keys_of(p, set)
                    .into_iter()
                    .map(move |k| (k, i as u32))
            })
            .collect();
        entries.par_sort_unstable();
        let cap = self.config.max_block_size.max(2);
        let n_left = self.n_left as u32;
        // Find block boundaries, then emit pairs per block in parallel.
        let mut bounds: Vec<(usize, usize)> = Vec::new();
        let mut start = 0;
        for i in 1..=entries.len() {
            if i == entries.len() || entries[i].0 != entries[start].0 {
                if i - start >= 2 {
                    bounds.push((start, i));
                }
                start = i;
            }
        }
        let linking = self.linking;
        let mut pairs: Vec<u64> = bounds
            .par_iter()
            .flat_map_iter(|&(s, e)| {
                let block = &entries[s..e];
                let mut out: Vec<u64> = Vec::new();
                if linking {
                    let split = block.partition_point(|x| x.1 < n_left);
                    let (l, r) = block.split_at(split);
                    if !l.is_empty() && !r.is_empty() && l.len() <= cap && r.len() <= cap {
                        out.reserve(l.len() * r.len());
                        for a in l {
                            for b in r {
                                out.push((u64::from(a.1) << 32) | u64::from(b.1));
                            }
                        }
                    }
                } else if block.len() <= cap {
                    for (k, a) in block.iter().enumerate() {
                        for b in &block[k + 1..] {
                            out.push((u64::from(a.1) << 32) | u64::from(b.1));
                        }
                    }
                }
                out.into_iter()
            })
            .collect();
        drop(entries);
        pairs.par_sort_unstable();
        pairs.dedup();
        pairs
    }

    pub fn pair(&self, packed: u64) -> (&Prepared, &Prepared) {
        (
            &self.prepared[(packed >> 32) as usize],
            &self.prepared[(packed & 0xFFFF_FFFF) as usize],
        )
    }

    pub fn compare_all(&self, pairs: &[u64]) -> Vec<Comparison> {
        let placeholder = self.config.january_first_is_placeholder;
        pairs
            .par_iter()
            .map(|&pk| {
                let (a, b) = self.pair(pk);
                compare::compare(a, b, placeholder).0
            })
            .collect()
    }

    /// u from seeded random pairs.
    fn u_counts(&self) -> [[u64; MAX_LEVELS]; FIELD_COUNT] {
        let n = self.prepared.len();
        let mut rng = SplitMix::new(self.config.seed);
        let mut sample: Vec<u64> = Vec::with_capacity(self.config.u_sample_pairs);
        if n >= 2 {
            for _ in 0..self.config.u_sample_pairs {
                let (i, j) = if self.linking && self.n_left > 0 && n > self.n_left {
                    (
                        rng.below(self.n_left),
                        self.n_left + rng.below(n - self.n_left),
                    )
                } else {
                    let i = rng.below(n);
                    let mut j = rng.below(n - 1);
                    if j >= i {
                        j += 1;
                    }
                    (i.min(j), i.max(j))
                };
                sample.push(((i as u64) << 32) | j as u64);
            }
        }
        let comps = self.compare_all(&sample);
        let mut counts = [[0u64; MAX_LEVELS]; FIELD_COUNT];
        for c in &comps {
            for (f, &l) in c.levels.iter().enumerate() {
                counts[f][usize::from(l)] += 1;
            }
        }
        counts
    }

    /// Trains a model: u from random pairs, then EM over (a sample of) the blocked pairs.
    pub fn train_on_pairs(&self, pairs: &[u64]) -> Model {
        if pairs.len() < self.config.em_min_pairs {
            // Too few candidates for EM: generic m, u from random pairs, and a prior that
            // expects one match for every other record.
            let mut model = Model::prior(self.config);
            model.set_u_from_counts(&self.u_counts());
            let n = self.prepared.len() as f64;
            let expected = if self.linking {
                (self.n_left as f64).min(n - self.n_left as f64) / 2.0
            } else {
                n / 4.0
            };
            model.set_prior((expected / self.all_pairs().max(1.0)).clamp(1e-12, 0.5));
            return model;
        }
        let step = pairs.len().div_ceil(EM_SAMPLE).max(1);
        let sample: Vec<u64> = pairs.iter().step_by(step).copied().collect();
        let comps = self.compare_all(&sample);
        let mut model = self.train(&comps);
        model.set_prior_from_blocking(pairs.len(), self.all_pairs());
        model
    }

    /// Number of possible pairs.
    pub fn all_pairs(&self) -> f64 {
        let n = self.prepared.len() as f64;
        if self.linking {
            let l = self.n_left as f64;
            l * (n - l)
        } else {
            n * (n - 1.0) / 2.0
        }
    }

    pub fn train(&self, comps: &[Comparison]) -> Model {
        let mut model = Model::prior(self.config);
        model.set_u_from_counts(&self.u_counts());
        let mut patterns: Vec<u64> = comps.iter().map(Comparison::pattern).collect();
        patterns.par_sort_unstable();
        let mut counted: Vec<(u64, u64)> = Vec::new();
        for p in patterns {
            match counted.last_mut() {
                Some((q, c)) if *q == p => *c += 1,
                _ => counted.push((p, 1)),
            }
        }
        model.em_restarts(&counted, self.config);
        model
    }

    /// Scores pairs; returns those at or above `threshold` with their probability.
    pub fn score(&self, model: &Model, pairs: &[u64], threshold: f64) -> Vec<(u64, f64)> {
        let w = model.weights();
        let prior = model.prior_weight();
        let placeholder = model.placeholder();
        pairs
            .par_iter()
            .filter_map(|&pk| {
                let (a, b) = self.pair(pk);
                let (c, _) = compare::compare(a, b, placeholder);
                let p = model.probability(&w, prior, &c);
                (p >= threshold).then_some((pk, p))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LabelledPair;
    use crate::testdata;

    #[test]
    fn blocking_keeps_nearly_all_true_pairs_across_scripts() {
        let config = LinkageConfig::standard();
        let (records, truth) = testdata::registry(400, 11);
        let engine = Engine::build(&config, &records, None);

        let pairs: std::collections::BTreeSet<(usize, usize)> = engine
            .candidate_pairs()
            .iter()
            .map(|&pk| engine.original(pk))
            .collect();

        let want = testdata::true_pairs(&truth);
        let kept = want.iter().filter(|p| pairs.contains(p)).count();
        let recall = kept as f64 / want.len() as f64;
        let all = records.len() * (records.len() - 1) / 2;
        assert!(
            recall >= 0.98,
            "blocking recall {recall:.4} ({kept} of {})",
            want.len()
        );
        assert!(
            pairs.len() * 5 < all,
            "{} candidate pairs of {all}",
            pairs.len()
        );
    }

    fn quality(pairs: &[(usize, usize, f64)], want: &[(usize, usize)]) -> (f64, f64) {
        let want: std::collections::BTreeSet<&(usize, usize)> = want.iter().collect();
        let got: Vec<(usize, usize)> = pairs
            .iter()
            .filter(|p| p.2 >= 0.5)
            .map(|p| (p.0, p.1))
            .collect();
        let tp = got.iter().filter(|p| want.contains(p)).count() as f64;
        (tp / got.len().max(1) as f64, tp / want.len().max(1) as f64)
    }

    #[test]
    fn reviewed_pairs_fix_a_weak_unsupervised_model_on_a_small_multi_script_registry() {
        // Arrange: 400 women, each registered up to three times in Latin, Cyrillic or
        // Arabic script, from a small pool of names, so that names alone decide little.
        let config = LinkageConfig::standard();
        let (records, truth) = testdata::registry(150, 12);
        let want = testdata::true_pairs(&truth);
        let unsupervised = crate::dedupe(&config, &records);
        let before: Vec<(usize, usize, f64)> = unsupervised
            .pairs
            .iter()
            .map(|p| (p.left, p.right, p.probability))
            .collect();
        // Reviewers decide 40 pairs: 20 confirmed, 20 rejected candidates.
        let rejected = unsupervised
            .pairs
            .iter()
            .filter(|p| truth[p.left] != truth[p.right]);
        let labelled: Vec<LabelledPair> = want
            .iter()
            .take(20)
            .map(|&(i, j)| (i, j, true))
            .chain(rejected.take(20).map(|p| (p.left, p.right, false)))
            .map(|(i, j, is_match)| LabelledPair {
                left: records[i].clone(),
                right: records[j].clone(),
                is_match,
            })
            .collect();

        // Act
        let reviewed = unsupervised.model.with_labels(&config, &labelled);
        let engine = Engine::build(&config, &records, None);
        let after: Vec<(usize, usize, f64)> = engine
            .score(&reviewed, &engine.candidate_pairs(), 0.0)
            .into_iter()
            .map(|(pk, p)| {
                let (i, j) = engine.original(pk);
                (i, j, p)
            })
            .collect();

        // Assert: the unsupervised model is weak here (FIXME: with few fields and a small
        // name pool, EM misjudges how often true pairs differ in an estimated age);
        // reviewed pairs fix it.
        let (p0, r0) = quality(&before, &want);
        let (p1, r1) = quality(&after, &want);
        eprintln!("unsupervised: precision {p0:.3} recall {r0:.3}; reviewed: {p1:.3} {r1:.3}");
        assert!(
            p1 >= 0.9 && r1 >= 0.85,
            "reviewed: precision {p1:.3} recall {r1:.3}"
        );
        assert!(p1 + r1 > p0 + r0);
    }

    #[test]
    fn results_do_not_depend_on_the_run() {
        let config = LinkageConfig::standard();
        let (records, _) = testdata::registry(150, 13);

        let a = crate::dedupe(&config, &records);
        let b = crate::dedupe(&config, &records);

        assert_eq!(a.pairs, b.pairs);
        assert_eq!(a.model, b.model);
    }
}
