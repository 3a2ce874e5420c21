//! Identity resolution for homeward: finds records that describe the same person across
//! scripts, spellings and partial descriptions.
//!
//! The pipeline is *normalise → block → compare → score → cluster*:
//!
//! - [`normalize`] turns a name in Latin, Arabic or Cyrillic script into folded ASCII and a
//!   script-independent consonant skeleton, and recognises particles (`al-`, `bin`),
//!   patronymics (`-ovna`, `oglu`) and kunyas (`Umm Abdullah`).
//! - Blocking builds several keys per record from skeletons, dates, document numbers and
//!   addresses, so a true pair is lost only if it disagrees on all of them; oversized blocks
//!   are skipped instead of compared quadratically.
//! - Each candidate pair gets a comparison level per [`Field`]; a Fellegi-Sunter [`Model`]
//!   turns levels into evidence (log2 m/u) and a match probability. The model is trained
//!   without labels (u from seeded random pairs, m by EM) and can take reviewers'
//!   decisions ([`Model::with_labels`]). Every score comes with an [`Explanation`].
//! - [`cluster`] groups accepted pairs into persons; [`Index`] answers single-record
//!   lookups (the possible-duplicates panel, tracing requests); [`batch`] reads and writes
//!   the CSV files of `homeward match link|dedupe`.
//!
//! Design decisions: the crate is pure and deterministic. It reads no clock and no global
//! state, randomness is a seeded generator, and no hash-map iteration order reaches a result
//! (pairs are sorted). [`LinkageConfig`] has no `Default`, so every caller states its
//! settings. The crate knows nothing of cases, storage or HTTP: the application adapts its
//! people into [`Record`]s.
#![deny(missing_docs)]

pub mod batch;
mod blocking;
mod cluster;
mod compare;
mod engine;
mod index;
mod model;
pub mod normalize;
mod record;
mod strsim;
#[cfg(test)]
mod testdata;

pub use cluster::cluster;
pub use compare::{FIELDS, Field, NameAgreement, name_agreement};
pub use index::{Candidate, Index};
pub use model::{Explanation, FieldExplanation, LabelledPair, LinkageConfig, Model, Training};
pub use record::{BirthDate, PersonName, Record, Sex};

/// A candidate pair of records with its match probability and the reasons for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    /// Index of one record (in the left slice when linking).
    pub left: usize,
    /// Index of the other record (in the right slice when linking; `left < right` when
    /// deduplicating).
    pub right: usize,
    /// Match probability.
    pub probability: f64,
    /// Field-by-field explanation of the probability.
    pub explanation: Explanation,
}

/// The result of [`link`] or [`dedupe`]: the trained model and the pairs at or above the
/// configured threshold, sorted by (left, right).
#[derive(Debug, Clone)]
pub struct Linkage {
    /// The model trained on the input.
    pub model: Model,
    /// Candidate pairs scored at or above `config.threshold`.
    pub pairs: Vec<Pair>,
    /// Number of candidate pairs compared.
    pub compared: usize,
}

fn run(config: &LinkageConfig, left: &[Record], right: Option<&[Record]>) -> Linkage {
    let engine = engine::Engine::build(config, left, right);
    let candidates = engine.candidate_pairs();
    let model = engine.train_on_pairs(&candidates);
    let scored = engine.score(&model, &candidates, config.threshold);
    let offset = if right.is_some() { left.len() } else { 0 };
    let pairs = scored
        .iter()
        .map(|&(pk, p)| {
            let (a, b) = engine.pair(pk);
            let (i, j) = engine.original(pk);
            Pair {
                left: i,
                right: j - offset,
                probability: p,
                explanation: model.explain_prepared(a, b),
            }
        })
        .collect();
    Linkage {
        model,
        pairs,
        compared: candidates.len(),
    }
}

/// Links two sets of records: finds the pairs (one record from each) that describe the same
/// person. Trains a model on the input first.
pub fn link(config: &LinkageConfig, left: &[Record], right: &[Record]) -> Linkage {
    run(config, left, Some(right))
}

/// Finds the pairs of records within one set that describe the same person. Trains a model
/// on the input first.
pub fn dedupe(config: &LinkageConfig, records: &[Record]) -> Linkage {
    run(config, records, None)
}
