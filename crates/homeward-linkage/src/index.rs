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

    /// The records a query is compared with, in index order without repeats. The query's
    /// blocks are taken smallest (most selective) first until about twice `max_block_size`
    /// records are gathered (600 with the standard settings: about half a millisecond of
    /// comparisons), so a vague query compares a bounded number of records however large the
    /// registry; when even the smallest block is larger than that, a sample of it is taken
    /// (see below).
    fn candidates(&self, q: &Prepared, k: usize) -> Vec<u32> {
        let qkeys = blocking::keys_of(q, blocking::KeySet::Query);
        let cap = self.config.max_block_size.saturating_mul(2).max(2);
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
            // Every block is larger than the budget: the description is too vague to single
            // anyone out (one common name shared by tens of thousands). Ranking more of the
            // block would not make the answer less arbitrary, only slower, so a fixed sample
            // of `max_block_size` records (or `k`, if more) is ranked.
            let sample = self.config.max_block_size.max(k).max(1);
            found.extend(smallest.iter().take(sample).map(|e| e.1));
        }
        found.sort_unstable();
        found.dedup();
        found
    }

    /// The `k` most probable matches of a (possibly partial) description, best first, with
    /// explanations. See [`Index::candidates`] for which records are compared.
    pub fn query(&self, query: &Record, k: usize) -> Vec<Candidate> {
        let q = Prepared::new(query);
        let found = self.candidates(&q, k);
        let w = self.model.weights();
        let prior = self.model.prior_weight();
        let placeholder = self.model.placeholder();
        // A few hundred comparisons are cheaper on the calling thread than handed to the pool.
        let mut scored: Vec<(f64, u32)> = found
            .par_iter()
            .with_min_len(512)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::PersonName;

    /// An index with `max_block_size` 20 (a budget of 40) over `common` women named Fatima
    /// and three named Svetlana Ivanova.
    fn index(common: usize) -> Index {
        let config = LinkageConfig {
            max_block_size: 20,
            ..LinkageConfig::standard()
        };
        let family = ["Petrova", "Aliyeva", "Demir", "Karimova", "Martin"];
        let mut records: Vec<Record> = (0..common)
            .map(|i| {
                Record::new(format!("c{i}"))
                    .with_name(PersonName::parts("Fatima", family[i % family.len()]))
            })
            .collect();
        records.extend((0..3).map(|i| {
            Record::new(format!("r{i}")).with_name(PersonName::parts("Svetlana", "Ivanova"))
        }));
        Index::build(&config, &records, Model::train(&config, &records, None))
    }

    fn named(text: &str) -> Record {
        Record::new("q").with_name(PersonName::full(text))
    }

    #[test]
    fn a_name_shared_by_more_than_the_budget_is_ranked_on_a_sample() {
        let index = index(1_000);

        let vague = index.candidates(&Prepared::new(&named("Fatima")), 5);
        let vague_many = index.candidates(&Prepared::new(&named("Fatima")), 50);
        let precise = index.query(&named("Svetlana Ivanova"), 5);

        assert_eq!(
            vague.len(),
            20,
            "max_block_size records, not the whole block"
        );
        assert_eq!(vague_many.len(), 50, "at least k records");
        assert_eq!(precise.len(), 3);
        assert!(
            precise.iter().all(|c| c.id.starts_with('r')),
            "{precise:#?}"
        );
    }

    #[test]
    fn small_blocks_are_compared_whole_up_to_the_budget() {
        let index = index(30);

        let found = index.candidates(&Prepared::new(&named("Fatima")), 5);

        assert_eq!(
            found.len(),
            30,
            "a block within the budget is compared whole"
        );
    }
}
