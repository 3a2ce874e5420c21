//! Single-record lookups against a registry: the possible-duplicates panel of the
//! registration form and tracing requests ("Svetlana, born around 1990, from Dagestan").

use rayon::prelude::*;

use crate::blocking;
use crate::compare::{self, Prepared};
use crate::engine;
use crate::model::{Explanation, LinkageConfig, Model};
use crate::record::Record;

/// A registry record that may be the person a query describes.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Position of the record in the slice the index was built from.
    pub index: usize,
    /// The record's id.
    pub id: String,
    /// Match probability.
    pub probability: f64,
    /// Field-by-field explanation.
    pub explanation: Explanation,
}

/// Blocking keys of every registry record, for fast lookups of one partial description.
#[derive(Debug)]
pub struct Index {
    config: LinkageConfig,
    model: Model,
    ids: Vec<String>,
    prepared: Vec<Prepared>,
    keys: Vec<(u64, u32)>,
}

impl Index {
    /// Builds the index of `records` with a model (e.g. [`Model::train`] on the same
    /// records, refined with [`Model::with_labels`]).
    pub fn build(config: &LinkageConfig, records: &[Record], model: Model) -> Index {
        let mut prepared: Vec<Prepared> = records.par_iter().map(Prepared::new).collect();
        if config.term_frequency {
            engine::set_term_frequencies(&mut prepared);
        }
        let keyed: Vec<Vec<u64>> = prepared
            .par_iter()
            .map(|p| blocking::keys_of(p, blocking::KeySet::Query))
            .collect();
        let mut keys: Vec<(u64, u32)> = Vec::new();
        for (i, ks) in keyed.iter().enumerate() {
            keys.extend(ks.iter().map(|&k| (k, i as u32)));
        }
        keys.par_sort_unstable();
        Index {
            config: config.clone(),
            model,
            ids: records.iter().map(|r| r.id.clone()).collect(),
            prepared,
            keys,
        }
    }

    /// Number of records indexed.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the index holds no records.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The model used for scoring.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The `k` most probable matches of a (possibly partial) description, best first, with
    /// explanations. The query's blocks are taken smallest (most selective) first until about
    /// ten times `max_block_size` candidates are gathered, so a query as vague as one common
    /// given name compares a bounded number of records however large the registry; blocks
    /// larger than that budget are used only when no smaller block finds anything.
    pub fn query(&self, query: &Record, k: usize) -> Vec<Candidate> {
        let q = Prepared::new(query);
        let qkeys = blocking::keys_of(&q, blocking::KeySet::Query);
        let cap = self.config.max_block_size.saturating_mul(10).max(10);
        let mut blocks: Vec<&[(u64, u32)]> = qkeys
            .into_iter()
            .map(|key| {
                let lo = self.keys.partition_point(|e| e.0 < key);
                let hi = self.keys.partition_point(|e| e.0 <= key);
                &self.keys[lo..hi]
            })
            .filter(|b| !b.is_empty())
            .collect();
        blocks.sort_by_key(|b| b.len());
        let mut found: Vec<u32> = Vec::new();
        for block in &blocks {
            if block.len() > cap || (!found.is_empty() && found.len() + block.len() > cap) {
                break;
            }
            found.extend(block.iter().map(|e| e.1));
        }
        if found.is_empty()
            && let Some(smallest) = blocks.first()
        {
            found.extend(smallest.iter().take(cap).map(|e| e.1));
        }
        found.sort_unstable();
        found.dedup();
        let w = self.model.weights();
        let prior = self.model.prior_weight();
        let placeholder = self.model.placeholder();
        let mut scored: Vec<(f64, u32)> = found
            .par_iter()
            .map(|&i| {
                let (c, _) = compare::compare(&q, &self.prepared[i as usize], placeholder);
                (self.model.probability(&w, prior, &c), i)
            })
            .collect();
        scored.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.truncate(k);
        scored
            .into_iter()
            .map(|(p, i)| Candidate {
                index: i as usize,
                id: self.ids[i as usize].clone(),
                probability: p,
                explanation: self.model.explain_prepared(&q, &self.prepared[i as usize]),
            })
            .collect()
    }
}
