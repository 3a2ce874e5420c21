//! The Fellegi-Sunter model: per-field m and u probabilities, estimated without labels (u
//! from seeded random pairs, m and the match prior by expectation-maximisation over the
//! blocked pairs), refinable with reviewers' decisions, and explained field by field.

// Several tables (m, u, counts) are indexed by the same level, which reads more plainly
// with an index than with zipped iterators.
#![allow(clippy::needless_range_loop)]

use std::fmt;

use crate::compare::{self, Comparison, FIELD_COUNT, FIELDS, Field, MAX_LEVELS, Prepared};
use crate::record::Record;

/// Settings of the engine. There is deliberately no `Default`: callers choose
/// [`LinkageConfig::standard`] and change what they must, so that every setting in use is
/// visible where the engine is called.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkageConfig {
    /// Seed of every random choice (u sampling). Same seed, same input: same output.
    pub seed: u64,
    /// Number of random pairs used to estimate the u probabilities.
    pub u_sample_pairs: usize,
    /// Strength, in pairs, of the generic m values that EM starts from, kept as a prior
    /// (a maximum a posteriori estimate): it steadies EM on small registries and fades on
    /// large files.
    pub em_prior_pairs: f64,
    /// Below this many candidate pairs EM is not run: the generic m values are kept and the
    /// prior assumes one match for every other record.
    pub em_min_pairs: usize,
    /// Upper bound on EM iterations.
    pub em_max_iterations: usize,
    /// EM stops when no parameter moves by more than this.
    pub em_tolerance: f64,
    /// Data sets up to this many records (both sides together) also use the broad
    /// blocking keys (one name part with a year, a postcode or a locality; the name pair
    /// alone); larger ones use only the tight keys, whose blocks stay small.
    pub broad_blocking_max_records: usize,
    /// Blocks with more records than this (on either side, for linking) are skipped;
    /// other blocking keys still catch their true pairs.
    pub max_block_size: usize,
    /// Weigh an exact name agreement by how rare the name is (term-frequency adjustment).
    pub term_frequency: bool,
    /// Treat 1 January as a possible stand-in for "year only" (common when only the year
    /// of birth is known).
    pub january_first_is_placeholder: bool,
    /// Weight of the unsupervised estimates, in pairs, when reviewers' labels are added.
    pub label_prior_pairs: f64,
    /// Pairs at or above this match probability are reported.
    pub threshold: f64,
}

impl LinkageConfig {
    /// Settings tuned on FEBRL-style data and on cross-script name pairs.
    pub fn standard() -> Self {
        Self {
            seed: 0x686f_6d65_7761_7264,
            u_sample_pairs: 100_000,
            em_max_iterations: 100,
            em_prior_pairs: 20.0,
            em_min_pairs: 500,
            em_tolerance: 1e-5,
            max_block_size: 300,
            broad_blocking_max_records: 20_000,
            term_frequency: true,
            january_first_is_placeholder: true,
            label_prior_pairs: 50.0,
            threshold: 0.5,
        }
    }
}

/// A deterministic 64-bit generator (SplitMix64), so that no random-number dependency or
/// global state is needed.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

/// Probabilities per field and level; level 0 ("missing") is unused.
type Table = [[f64; MAX_LEVELS]; FIELD_COUNT];

/// A trained Fellegi-Sunter model.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    m: Table,
    u: Table,
    u_random: Table,
    lambda: f64,
    prior: f64,
    em_iterations: usize,
    converged: bool,
    term_frequency: bool,
    placeholder: bool,
}

/// How a model came to be, for reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Training {
    /// EM iterations run.
    pub em_iterations: usize,
    /// Whether EM stopped because the parameters settled (not at the iteration cap).
    pub converged: bool,
    /// Estimated share of matches among the blocked pairs.
    pub lambda: f64,
}

/// A pair a reviewer has decided: confirmed as the same person, or rejected.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledPair {
    /// One record.
    pub left: Record,
    /// The other record.
    pub right: Record,
    /// `true` when the reviewer confirmed that both are the same person.
    pub is_match: bool,
}

/// One field's part in a score.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldExplanation {
    /// The field.
    pub field: Field,
    /// The comparison level (0 = missing on either side).
    pub level: u8,
    /// Label of the level.
    pub level_label: &'static str,
    /// Evidence in bits: log2(m / u), possibly adjusted for how common the name is;
    /// positive for agreement, negative for disagreement, 0 when missing.
    pub weight: f64,
    /// A sentence for reviewers, e.g. `given name: exact ('svetlana' vs 'svetlana')`.
    pub reason: String,
}

/// Why a pair got its probability: the prior and each field's evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// Prior evidence in bits, log2(p / (1 - p)) for the prior match probability p of a
    /// candidate pair ([`Model::prior_probability`]).
    pub prior_weight: f64,
    /// Every field, in [`FIELDS`] order.
    pub fields: Vec<FieldExplanation>,
    /// Prior plus all field weights.
    pub total_weight: f64,
    /// Match probability, 1 / (1 + 2^-total).
    pub probability: f64,
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "probability {:.4} (total {:+.2} bits, prior {:+.2})",
            self.probability, self.total_weight, self.prior_weight
        )?;
        for fe in self.fields.iter().filter(|fe| fe.level > 0) {
            writeln!(f, "  {:+6.2}  {}", fe.weight, fe.reason)?;
        }
        Ok(())
    }
}

fn initial_m() -> Table {
    let mut m = [[0.0; MAX_LEVELS]; FIELD_COUNT];
    for f in FIELDS {
        let n = f.levels().len();
        let row = &mut m[f.index()];
        match f {
            Field::GivenName | Field::FamilyName | Field::MotherName | Field::FatherName => {
                // An exact or same-sound agreement is what a true pair usually shows.
                row[1..].copy_from_slice(&[0.03, 0.04, 0.08, 0.25, 0.60]);
                continue;
            }
            Field::DateOfBirth => {
                row[1..].copy_from_slice(&[0.03, 0.04, 0.10, 0.15, 0.68]);
                continue;
            }
            _ => {}
        }
        // Other fields: the strongest level gets most of the mass.
        let k = n - 1;
        for (l, slot) in row.iter_mut().enumerate().take(n).skip(1) {
            *slot = if l == k {
                0.8
            } else {
                0.2 / (k as f64 - 1.0).max(1.0)
            };
        }
        let total: f64 = row[1..n].iter().sum();
        for slot in row.iter_mut().take(n).skip(1) {
            *slot /= total;
        }
    }
    m
}

fn initial_u() -> Table {
    let mut u = [[0.0; MAX_LEVELS]; FIELD_COUNT];
    for f in FIELDS {
        let n = f.levels().len();
        if f == Field::DateOfBirth {
            // About one random pair in ten has overlapping estimated birth years.
            u[f.index()][1..].copy_from_slice(&[0.85, 0.04, 0.10, 0.008, 0.002]);
            continue;
        }
        for (l, slot) in u[f.index()].iter_mut().enumerate().take(n).skip(1) {
            *slot = if l == 1 {
                0.95
            } else {
                0.05 / (n as f64 - 2.0)
            };
        }
    }
    u
}

const FLOOR: f64 = 1e-6;

impl Model {
    /// A model with generic starting values and no data behind it; useful before any data
    /// exists, and as the starting point of EM.
    pub fn prior(config: &LinkageConfig) -> Model {
        Model {
            m: initial_m(),
            u: initial_u(),
            u_random: initial_u(),
            lambda: 0.1,
            prior: 1e-4,
            em_iterations: 0,
            converged: false,
            term_frequency: config.term_frequency,
            placeholder: config.january_first_is_placeholder,
        }
    }

    /// Trains a model on records without labels: u from random pairs, m and the prior by EM
    /// over the blocked pairs. `right` is `None` to deduplicate `left` within itself.
    pub fn train(config: &LinkageConfig, left: &[Record], right: Option<&[Record]>) -> Model {
        let engine = crate::engine::Engine::build(config, left, right);
        let pairs = engine.candidate_pairs();
        engine.train_on_pairs(&pairs)
    }

    /// m probability of `level` for `field` (share of true matches at that level).
    pub fn m(&self, field: Field, level: u8) -> f64 {
        self.m[field.index()]
            .get(usize::from(level))
            .copied()
            .unwrap_or(0.0)
    }

    /// u probability of `level` for `field`: the share of random pairs at that level (what
    /// scores weigh agreement against), adjusted by rejected pairs.
    pub fn u(&self, field: Field, level: u8) -> f64 {
        self.u_random[field.index()]
            .get(usize::from(level))
            .copied()
            .unwrap_or(0.0)
    }

    /// Estimated share of matches among blocked candidate pairs.
    pub fn lambda(&self) -> f64 {
        self.lambda
    }

    /// Prior match probability of a pair drawn at random, which scores start from (they
    /// weigh evidence against u of random pairs): λ times the number of candidate pairs,
    /// over the number of all pairs.
    pub fn prior_probability(&self) -> f64 {
        self.prior
    }

    /// How the model was trained.
    pub fn training(&self) -> Training {
        Training {
            em_iterations: self.em_iterations,
            converged: self.converged,
            lambda: self.lambda,
        }
    }

    /// Sets u from level counts of random pairs (null levels ignored).
    pub(crate) fn set_u_from_counts(&mut self, counts: &[[u64; MAX_LEVELS]; FIELD_COUNT]) {
        for f in FIELDS {
            let n = f.levels().len();
            let c = &counts[f.index()];
            let total: f64 = c[1..n].iter().map(|&x| x as f64).sum();
            if total < 1.0 {
                continue;
            }
            // The estimated-age level, when no random pair reached it (a file without
            // estimated ages), keeps its generic u rather than a near-zero one that would
            // make any later estimate decisive.
            let generic = initial_u()[f.index()];
            for l in 1..n {
                let estimate_level = f == Field::DateOfBirth && l == 3;
                self.u[f.index()][l] = if c[l] == 0 && estimate_level {
                    generic[l]
                } else {
                    ((c[l] as f64) + 0.1) / (total + 0.1 * (n - 1) as f64)
                };
            }
            let t: f64 = self.u[f.index()][1..n].iter().sum();
            for l in 1..n {
                self.u[f.index()][l] /= t;
            }
            self.u_random[f.index()] = self.u[f.index()];
        }
    }

    /// Runs EM over the distinct comparison patterns of the blocked pairs with their counts,
    /// estimating m, λ and (if `estimate_u`) a u of the candidate pairs, which starts from
    /// the random-pair values. Non-matches among candidates agree far more often than
    /// random pairs (they share a key), so EM needs its own u to separate the classes;
    /// scores then use m with u of random pairs and the all-pairs prior, as in
    /// Fellegi-Sunter.
    pub(crate) fn em(
        &mut self,
        patterns: &[(u64, u64)],
        max_iter: usize,
        tol: f64,
        estimate_u: bool,
        prior_pairs: f64,
    ) {
        if patterns.is_empty() {
            return;
        }
        let unpacked: Vec<([u8; FIELD_COUNT], f64)> = patterns
            .iter()
            .map(|&(p, c)| (compare::unpack(p), c as f64))
            .collect();
        let total: f64 = unpacked.iter().map(|(_, c)| c).sum();
        let prior_m = initial_m();
        self.converged = false;
        for it in 0..max_iter {
            let w = self.em_weights();
            let prior = (self.lambda / (1.0 - self.lambda)).log2();
            let mut num = [[0.0f64; MAX_LEVELS]; FIELD_COUNT];
            let mut unum = [[0.0f64; MAX_LEVELS]; FIELD_COUNT];
            let mut lam = 0.0;
            for (levels, count) in &unpacked {
                let mut s = prior;
                for (f, &l) in levels.iter().enumerate() {
                    s += w[f][usize::from(l)];
                }
                let p = 1.0 / (1.0 + (-s).exp2());
                let pc = p * count;
                lam += pc;
                for (f, &l) in levels.iter().enumerate() {
                    num[f][usize::from(l)] += pc;
                    unum[f][usize::from(l)] += count - pc;
                }
            }
            let mut delta: f64 = 0.0;
            for fld in FIELDS {
                let f = fld.index();
                let n = fld.levels().len();
                let t: f64 = num[f][1..n].iter().sum();
                if t <= 0.0 {
                    continue;
                }
                for l in 1..n {
                    let v =
                        ((num[f][l] + prior_pairs * prior_m[f][l]) / (t + prior_pairs)).max(FLOOR);
                    delta = delta.max((v - self.m[f][l]).abs());
                    self.m[f][l] = v;
                }
                let tu: f64 = unum[f][1..n].iter().sum();
                if estimate_u && tu > 0.0 {
                    for l in 1..n {
                        let v = ((unum[f][l] + 1e-3) / (tu + 1e-3 * (n - 1) as f64)).max(FLOOR);
                        delta = delta.max((v - self.u[f][l]).abs());
                        self.u[f][l] = v;
                    }
                }
                self.keep_orientation(f, n);
            }
            let new_lambda = (lam / total).clamp(1e-9, 1.0 - 1e-9);
            delta = delta.max((new_lambda - self.lambda).abs());
            self.lambda = new_lambda;
            self.em_iterations = it + 1;
            if delta < tol {
                self.converged = true;
                break;
            }
        }
    }

    /// Log-likelihood of the patterns under the model's mixture.
    fn log_likelihood(&self, patterns: &[(u64, u64)]) -> f64 {
        let mut ll = 0.0;
        for &(p, c) in patterns {
            let levels = compare::unpack(p);
            let (mut pm, mut pu) = (self.lambda, 1.0 - self.lambda);
            for (f, &l) in levels.iter().enumerate() {
                if l > 0 {
                    pm *= self.m[f][usize::from(l)].max(FLOOR);
                    pu *= self.u[f][usize::from(l)].max(FLOOR);
                }
            }
            ll += c as f64 * (pm + pu).max(f64::MIN_POSITIVE).ln();
        }
        ll
    }

    /// Runs [`Model::em`] from several starting shares of matches and keeps the most likely
    /// fit: EM finds a local optimum, and on small registries the start decides which.
    pub(crate) fn em_restarts(&mut self, patterns: &[(u64, u64)], config: &LinkageConfig) {
        let mut best: Option<(f64, Model)> = None;
        for start in [0.01, 0.1, 0.3] {
            let mut m = self.clone();
            m.lambda = start;
            m.em(
                patterns,
                config.em_max_iterations,
                config.em_tolerance,
                true,
                config.em_prior_pairs,
            );
            let ll = m.log_likelihood(patterns);
            if best.as_ref().is_none_or(|(b, _)| ll > *b) {
                best = Some((ll, m));
            }
        }
        if let Some((_, m)) = best {
            *self = m;
        }
    }

    /// Keeps a field's evidence pointing the right way: exact agreement may not count against
    /// a match, nor plain disagreement for it. Without this, EM on candidate pairs that
    /// mostly share a name can swap its two classes and call "born in another year" a match.
    fn keep_orientation(&mut self, f: usize, n: usize) {
        let top = n - 1;
        let mut changed = false;
        if self.m[f][top] < self.u[f][top] {
            self.m[f][top] = self.u[f][top];
            changed = true;
        }
        if self.m[f][1] > self.u[f][1] {
            self.m[f][1] = (self.u[f][1] * 0.5).max(FLOOR);
            changed = true;
        }
        if changed {
            let t: f64 = self.m[f][1..n].iter().sum();
            for l in 1..n {
                self.m[f][l] /= t;
            }
        }
    }

    /// Returns a copy whose m (and u) probabilities also reflect reviewers' decisions:
    /// confirmed pairs update m, rejected pairs update u, each blended with the current
    /// estimates as if those were `config.label_prior_pairs` pairs.
    pub fn with_labels(&self, config: &LinkageConfig, labelled: &[LabelledPair]) -> Model {
        let mut m_counts = [[0.0f64; MAX_LEVELS]; FIELD_COUNT];
        let mut u_counts = [[0.0f64; MAX_LEVELS]; FIELD_COUNT];
        for lp in labelled {
            let a = Prepared::new(&lp.left);
            let b = Prepared::new(&lp.right);
            let (c, _) = compare::compare(&a, &b, self.placeholder);
            let target = if lp.is_match {
                &mut m_counts
            } else {
                &mut u_counts
            };
            for (f, &l) in c.levels.iter().enumerate() {
                target[f][usize::from(l)] += 1.0;
            }
        }
        let mut out = self.clone();
        let k = config.label_prior_pairs.max(1e-9);
        for fld in FIELDS {
            let f = fld.index();
            let n = fld.levels().len();
            for (table, counts) in [(&mut out.m, &m_counts), (&mut out.u_random, &u_counts)] {
                let t: f64 = counts[f][1..n].iter().sum();
                if t == 0.0 {
                    continue;
                }
                for l in 1..n {
                    table[f][l] = ((k * table[f][l] + counts[f][l]) / (k + t)).max(FLOOR);
                }
            }
        }
        out
    }

    /// log2(m/u) per field and level; 0 for "missing".
    pub(crate) fn weights(&self) -> [[f64; MAX_LEVELS]; FIELD_COUNT] {
        Self::weights_of(&self.m, &self.u_random)
    }

    /// EM's own weights: against u of the candidate pairs.
    fn em_weights(&self) -> [[f64; MAX_LEVELS]; FIELD_COUNT] {
        Self::weights_of(&self.m, &self.u)
    }

    fn weights_of(m: &Table, u: &Table) -> [[f64; MAX_LEVELS]; FIELD_COUNT] {
        let mut w = [[0.0; MAX_LEVELS]; FIELD_COUNT];
        for fld in FIELDS {
            let f = fld.index();
            for l in 1..fld.levels().len() {
                w[f][l] = (m[f][l].max(FLOOR) / u[f][l].max(FLOOR)).log2();
            }
        }
        w
    }

    pub(crate) fn set_prior(&mut self, prior: f64) {
        self.prior = prior;
    }

    /// Sets the scoring prior: the matches EM expects among the `blocked` candidate pairs,
    /// spread over `all` possible pairs, because scores weigh evidence against u of random
    /// pairs.
    pub(crate) fn set_prior_from_blocking(&mut self, blocked: usize, all: f64) {
        if all > 0.0 {
            self.prior = (self.lambda * blocked as f64 / all).clamp(1e-12, 0.5);
        }
    }

    pub(crate) fn prior_weight(&self) -> f64 {
        (self.prior / (1.0 - self.prior)).log2()
    }

    /// Weight of an exact name agreement on a value of relative frequency `tf`: the average
    /// weight, moved by how much rarer (or commoner) the value is than the average exact
    /// agreement of random pairs.
    fn tf_weight(&self, field: Field, tf: f32, default: f64) -> f64 {
        if !self.term_frequency || tf <= 0.0 {
            return default;
        }
        let top = field.levels().len() - 1;
        let average = self.u_random[field.index()][top].max(FLOOR);
        let shift = (average / f64::from(tf)).log2().clamp(-6.0, 6.0);
        default + shift
    }

    /// Field weights of a comparison, term-frequency adjustment included.
    pub(crate) fn field_weights(
        &self,
        w: &[[f64; MAX_LEVELS]; FIELD_COUNT],
        c: &Comparison,
    ) -> [f64; FIELD_COUNT] {
        let mut out = [0.0; FIELD_COUNT];
        for (f, &l) in c.levels.iter().enumerate() {
            out[f] = w[f][usize::from(l)];
        }
        let g = Field::GivenName.index();
        if usize::from(c.levels[g]) == Field::GivenName.levels().len() - 1 {
            out[g] = self.tf_weight(Field::GivenName, c.given_tf, out[g]);
        }
        let fm = Field::FamilyName.index();
        if usize::from(c.levels[fm]) == Field::FamilyName.levels().len() - 1 {
            out[fm] = self.tf_weight(Field::FamilyName, c.family_tf, out[fm]);
        }
        out
    }

    /// Match probability of a comparison.
    pub(crate) fn probability(
        &self,
        w: &[[f64; MAX_LEVELS]; FIELD_COUNT],
        prior: f64,
        c: &Comparison,
    ) -> f64 {
        let s: f64 = prior + self.field_weights(w, c).iter().sum::<f64>();
        1.0 / (1.0 + (-s).exp2())
    }

    pub(crate) fn placeholder(&self) -> bool {
        self.placeholder
    }

    pub(crate) fn explain_prepared(&self, a: &Prepared, b: &Prepared) -> Explanation {
        let (c, names) = compare::compare(a, b, self.placeholder);
        self.explain_comparison(a, b, &c, &names)
    }

    pub(crate) fn explain_comparison(
        &self,
        a: &Prepared,
        b: &Prepared,
        c: &Comparison,
        names: &compare::NameMatch,
    ) -> Explanation {
        let w = self.weights();
        let fw = self.field_weights(&w, c);
        let prior = self.prior_weight();
        let fields: Vec<FieldExplanation> = FIELDS
            .iter()
            .map(|&f| {
                let level = c.levels[f.index()];
                FieldExplanation {
                    field: f,
                    level,
                    level_label: f.levels().get(usize::from(level)).copied().unwrap_or("?"),
                    weight: fw[f.index()],
                    reason: compare::reason(f, level, a, b, names),
                }
            })
            .collect();
        let total = prior + fw.iter().sum::<f64>();
        Explanation {
            prior_weight: prior,
            fields,
            total_weight: total,
            probability: 1.0 / (1.0 + (-total).exp2()),
        }
    }

    /// Scores one pair of records and explains the score. Name frequencies are unknown
    /// here, so no term-frequency adjustment applies.
    pub fn score(&self, a: &Record, b: &Record) -> Explanation {
        self.explain_prepared(&Prepared::new(a), &Prepared::new(b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Draws synthetic comparison patterns from known m, u and λ, and checks that EM finds
    /// them again from the patterns alone (with u given, as in training).
    #[test]
    fn em_recovers_known_parameters_on_a_synthetic_sample() {
        let config = LinkageConfig::standard();
        let mut truth = Model::prior(&config);
        let fields = [
            Field::GivenName,
            Field::FamilyName,
            Field::DateOfBirth,
            Field::Postcode,
        ];
        let true_m: [&[f64]; 4] = [
            &[0.0, 0.03, 0.02, 0.05, 0.05, 0.85],
            &[0.0, 0.05, 0.03, 0.07, 0.05, 0.80],
            &[0.0, 0.05, 0.05, 0.15, 0.75],
            &[0.0, 0.05, 0.10, 0.85],
        ];
        let true_u: [&[f64]; 4] = [
            &[0.0, 0.90, 0.06, 0.02, 0.01, 0.01],
            &[0.0, 0.92, 0.05, 0.015, 0.01, 0.005],
            &[0.0, 0.95, 0.04, 0.009, 0.001],
            &[0.0, 0.97, 0.02, 0.01],
        ];
        for (k, f) in fields.iter().enumerate() {
            truth.m[f.index()] = [0.0; MAX_LEVELS];
            truth.u[f.index()] = [0.0; MAX_LEVELS];
            truth.m[f.index()][..true_m[k].len()].copy_from_slice(true_m[k]);
            truth.u[f.index()][..true_u[k].len()].copy_from_slice(true_u[k]);
        }
        let mut rng = SplitMix::new(7);
        let draw = |rng: &mut SplitMix, p: &[f64]| {
            let x = rng.next_u64() as f64 / u64::MAX as f64;
            let mut acc = 0.0;
            for (l, &v) in p.iter().enumerate() {
                acc += v;
                if x < acc {
                    return l as u8;
                }
            }
            (p.len() - 1) as u8
        };
        let mut counts = std::collections::BTreeMap::new();
        let n = 200_000;
        for _ in 0..n {
            let is_match = rng.below(100) < 20;
            let mut c = Comparison::default();
            for (k, f) in fields.iter().enumerate() {
                let p = if is_match { true_m[k] } else { true_u[k] };
                c.levels[f.index()] = draw(&mut rng, p);
            }
            *counts.entry(c.pattern()).or_insert(0u64) += 1;
        }
        let patterns: Vec<(u64, u64)> = counts.into_iter().collect();
        let mut model = Model::prior(&config);
        model.u = truth.u;

        model.em(&patterns, 200, 1e-7, false, 1e-3);

        assert!(
            model.converged,
            "EM did not converge in {} iterations",
            model.em_iterations
        );
        assert!((model.lambda - 0.2).abs() < 0.01, "lambda {}", model.lambda);
        for (k, f) in fields.iter().enumerate() {
            for (l, &want) in true_m[k].iter().enumerate().skip(1) {
                let got = model.m(*f, l as u8);
                assert!(
                    (got - want).abs() < 0.02,
                    "{f:?} level {l}: m {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn labels_move_m_towards_confirmed_pairs() {
        let config = LinkageConfig::standard();
        let model = Model::prior(&config);
        let mut a = Record::new("a");
        a.sex = Some(crate::record::Sex::Female);
        let mut b = Record::new("b");
        b.sex = Some(crate::record::Sex::Male);
        let labelled: Vec<LabelledPair> = (0..50)
            .map(|_| LabelledPair {
                left: a.clone(),
                right: b.clone(),
                is_match: true,
            })
            .collect();

        let updated = model.with_labels(&config, &labelled);

        assert!(updated.m(Field::Sex, 1) > model.m(Field::Sex, 1) + 0.3);
        assert_eq!(updated.u(Field::Sex, 1), model.u(Field::Sex, 1));
    }
}
