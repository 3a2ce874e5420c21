//! Field-by-field comparison of two prepared records into comparison levels, the input of
//! the Fellegi-Sunter model.
//!
//! Records are first *prepared* once (names parsed, text folded, skeletons computed) so that
//! comparing a pair allocates nothing. Each field compares to a small integer level: 0 means
//! "missing on either side" (no evidence), 1 means "different", and higher levels mean
//! stronger agreement, the highest being exact agreement.

use std::fmt::Write as _;

use crate::normalize::{self, NamePart, ParsedName, Role, Script};
use crate::record::{BirthDate, Record, Sex};
use crate::strsim::{byte_mask, jaro_winkler, jaro_winkler_bound, osa_distance};

/// A field the model compares. Some are derived: the house number and the street are both
/// read from the record's address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// Given name(s) and kunya.
    GivenName,
    /// Family name.
    FamilyName,
    /// Date of birth or estimated age.
    DateOfBirth,
    /// Sex.
    Sex,
    /// Nationality.
    Nationality,
    /// Place of birth.
    PlaceOfBirth,
    /// Mother's name.
    MotherName,
    /// Father's name, including patronymics and `bin X` in the person's own name.
    FatherName,
    /// Document number.
    DocumentNumber,
    /// House number, read from the address.
    HouseNumber,
    /// Street, read from the address.
    Street,
    /// Locality (town, suburb, village).
    Locality,
    /// Postcode.
    Postcode,
}

/// Number of compared fields.
pub const FIELD_COUNT: usize = 13;
/// Highest level count of any field, including level 0 ("missing").
pub const MAX_LEVELS: usize = 6;

/// Every compared field, in the order used by models and explanations.
pub const FIELDS: [Field; FIELD_COUNT] = [
    Field::GivenName,
    Field::FamilyName,
    Field::DateOfBirth,
    Field::Sex,
    Field::Nationality,
    Field::PlaceOfBirth,
    Field::MotherName,
    Field::FatherName,
    Field::DocumentNumber,
    Field::HouseNumber,
    Field::Street,
    Field::Locality,
    Field::Postcode,
];

const NAME_LEVELS: &[&str] = &[
    "missing",
    "different",
    "similar spelling",
    "one typo apart",
    "same sound in another spelling or script",
    "exact",
];

impl Field {
    /// Position of the field in [`FIELDS`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Human-readable name.
    pub fn label(self) -> &'static str {
        match self {
            Field::GivenName => "given name",
            Field::FamilyName => "family name",
            Field::DateOfBirth => "date of birth",
            Field::Sex => "sex",
            Field::Nationality => "nationality",
            Field::PlaceOfBirth => "place of birth",
            Field::MotherName => "mother's name",
            Field::FatherName => "father's name",
            Field::DocumentNumber => "document number",
            Field::HouseNumber => "house number",
            Field::Street => "street",
            Field::Locality => "locality",
            Field::Postcode => "postcode",
        }
    }

    /// Labels of the field's levels; index 0 is "missing", the last is the strongest.
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Field::GivenName | Field::FamilyName | Field::MotherName | Field::FatherName => {
                NAME_LEVELS
            }
            Field::DateOfBirth => &[
                "missing",
                "different",
                "within a year",
                "consistent with the estimated age",
                "close: one typo, day and month swapped, year off by one, or same year at the coarser precision",
                "exact",
            ],
            Field::Sex | Field::Nationality => &["missing", "different", "same"],
            Field::PlaceOfBirth | Field::Street | Field::Locality => &[
                "missing",
                "different",
                "loosely similar",
                "similar",
                "exact",
            ],
            Field::DocumentNumber => &[
                "missing",
                "different",
                "two edits apart",
                "one edit apart",
                "exact",
            ],
            Field::HouseNumber | Field::Postcode => {
                &["missing", "different", "one edit apart", "exact"]
            }
        }
    }
}

/// A name part ready for comparison.
#[derive(Debug, Clone)]
pub(crate) struct Part {
    pub latin: Box<str>,
    pub skel: Box<str>,
    pub role: Role,
    pub foreign: bool,
    /// Byte set of `latin`, for fast rejection.
    pub mask: u32,
    /// Relative frequency of `latin` among name parts of the data set (0 when unknown).
    pub tf: f32,
}

impl Part {
    fn from_name_part(p: &NamePart) -> Part {
        Part {
            latin: p.latin.as_str().into(),
            skel: p.skeleton.as_str().into(),
            role: p.role,
            foreign: p.script != Script::Latin,
            mask: byte_mask(p.latin.as_bytes()),
            tf: 0.0,
        }
    }
}

/// A record ready for comparison: everything normalised once.
#[derive(Debug, Clone, Default)]
pub(crate) struct Prepared {
    pub names: Vec<Vec<Part>>,
    pub father: Vec<Part>,
    pub mother: Vec<Part>,
    pub dob: Option<BirthDate>,
    pub sex: Option<Sex>,
    pub nationality: Option<Box<str>>,
    pub place_of_birth: Option<Box<str>>,
    pub document: Option<Box<str>>,
    pub house: Option<Box<str>>,
    pub street: Option<Box<str>>,
    pub locality: Option<Box<str>>,
    pub postcode: Option<Box<str>>,
}

const STREET_TYPES: &[&str] = &[
    "street",
    "st",
    "road",
    "rd",
    "avenue",
    "ave",
    "av",
    "place",
    "pl",
    "crescent",
    "cres",
    "circuit",
    "cct",
    "close",
    "cl",
    "drive",
    "dr",
    "court",
    "ct",
    "lane",
    "ln",
    "way",
    "parade",
    "terrace",
    "tce",
    "grove",
    "boulevard",
    "blvd",
    "highway",
    "hwy",
    "square",
    "sq",
    "retreat",
    "ulitsa",
    "ul",
    "prospekt",
    "pr",
    "cadde",
    "caddesi",
    "sokak",
    "sokagi",
    "shari",
    "strasse",
    "str",
    "rue",
];

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn code(s: &str) -> Option<Box<str>> {
    let c: String = normalize::to_latin(&normalize::normalize_text(s))
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (!c.is_empty()).then(|| c.into_boxed_str())
}

fn nationality_code(s: &str) -> Option<Box<str>> {
    let f = normalize::fold_text(s);
    if f.is_empty() {
        return None;
    }
    let canon = match f.as_str() {
        "tr" | "tur" | "turkey" | "turkiye" | "turkish" | "turk" => "TUR",
        "ru" | "rus" | "russia" | "russian" | "russian federation" | "rossiya" => "RUS",
        "tj" | "tjk" | "tajikistan" | "tajik" | "tadzhikistan" => "TJK",
        "az" | "aze" | "azerbaijan" | "azerbaijani" | "azerbaycan" => "AZE",
        "fr" | "fra" | "france" | "french" => "FRA",
        "de" | "deu" | "ger" | "germany" | "german" | "deutschland" => "DEU",
        "kz" | "kaz" | "kazakhstan" | "kazakh" => "KAZ",
        "uz" | "uzb" | "uzbekistan" | "uzbek" => "UZB",
        "kg" | "kgz" | "kyrgyzstan" | "kyrgyz" => "KGZ",
        "iq" | "irq" | "iraq" | "iraqi" => "IRQ",
        "sy" | "syr" | "syria" | "syrian" => "SYR",
        "gb" | "gbr" | "uk" | "united kingdom" | "british" => "GBR",
        "be" | "bel" | "belgium" | "belgian" => "BEL",
        "nl" | "nld" | "netherlands" | "dutch" => "NLD",
        "ua" | "ukr" | "ukraine" | "ukrainian" => "UKR",
        "ge" | "geo" | "georgia" | "georgian" => "GEO",
        "tn" | "tun" | "tunisia" | "tunisian" => "TUN",
        "ma" | "mar" | "morocco" | "moroccan" => "MAR",
        "eg" | "egy" | "egypt" | "egyptian" => "EGY",
        other => return Some(other.to_ascii_uppercase().into_boxed_str()),
    };
    Some(canon.into())
}

fn split_address(s: &str) -> (Option<Box<str>>, Option<Box<str>>) {
    let f = normalize::fold_text(s);
    let mut house = None;
    let mut words: Vec<&str> = Vec::new();
    for w in f.split(' ') {
        if house.is_none() && w.bytes().any(|b| b.is_ascii_digit()) {
            house = Some(w.to_ascii_uppercase().into_boxed_str());
        } else if !STREET_TYPES.contains(&w) {
            words.push(w);
        }
    }
    let street = words.join(" ");
    (house, (!street.is_empty()).then(|| street.into_boxed_str()))
}

fn parts_of(name: &ParsedName) -> Vec<Part> {
    name.parts.iter().map(Part::from_name_part).collect()
}

impl Prepared {
    pub(crate) fn new(r: &Record) -> Prepared {
        let mut names: Vec<Vec<Part>> = Vec::new();
        let mut father: Vec<Part> = Vec::new();
        for n in &r.names {
            let given = non_empty(&n.given);
            let family = non_empty(&n.family);
            if given.is_some() || family.is_some() {
                let p = normalize::parse_structured(given, family);
                if !p.parts.is_empty() {
                    names.push(parts_of(&p));
                }
            }
            if let Some(full) = non_empty(&n.full) {
                let p = normalize::parse_full_name(full);
                if !p.parts.is_empty() {
                    names.push(parts_of(&p));
                }
            }
        }
        for v in &names {
            for p in v.iter().filter(|p| p.role == Role::Father) {
                if !father.iter().any(|f| f.latin == p.latin) {
                    father.push(p.clone());
                }
            }
        }
        if let Some(f) = non_empty(&r.father_name) {
            father.extend(
                parts_of(&normalize::parse_full_name(f))
                    .into_iter()
                    .filter(|p| p.role != Role::Kunya),
            );
        }
        let mother = non_empty(&r.mother_name)
            .map(|m| parts_of(&normalize::parse_full_name(m)))
            .unwrap_or_default();
        let (house, street) = non_empty(&r.address)
            .map(split_address)
            .unwrap_or((None, None));
        let folded = |s: &Option<String>| {
            non_empty(s)
                .map(normalize::fold_text)
                .filter(|s| !s.is_empty())
                .map(String::into_boxed_str)
        };
        Prepared {
            names,
            father,
            mother,
            dob: r.date_of_birth,
            sex: r.sex,
            nationality: non_empty(&r.nationality).and_then(nationality_code),
            place_of_birth: folded(&r.place_of_birth),
            document: non_empty(&r.document_number).and_then(code),
            house,
            street,
            locality: folded(&r.locality),
            postcode: non_empty(&r.postcode).and_then(code),
        }
    }
}

/// Skeletons equal once `J` (sh, ch, j) and `H` (h, kh, g) are merged, since Arabic writes
/// a European `g` as `ج` and Russian writes it as `г`; and, when the Latin side has a `w`
/// (German and Polish `w` is Cyrillic `в`), once `F` is ignored.
fn soft_equal(a: &Part, b: &Part) -> bool {
    let ignore_f = a.latin.contains('w') || b.latin.contains('w');
    let soft = |s: &str| -> Vec<u8> {
        let mut out: Vec<u8> = Vec::with_capacity(s.len());
        for c in s.bytes() {
            let c = if c == b'J' { b'H' } else { c };
            if (ignore_f && c == b'F') || out.last() == Some(&c) {
                continue;
            }
            out.push(c);
        }
        out
    };
    let (x, y) = (soft(&a.skel), soft(&b.skel));
    !x.is_empty() && x == y
}

/// Token level: 0 different, 1 similar, 2 typo, 3 same skeleton, 4 exact.
#[inline]
pub(crate) fn token_level(a: &Part, b: &Part) -> (u8, f32) {
    if a.latin == b.latin {
        return (4, 1.0);
    }
    let (la, lb) = (a.latin.as_bytes(), b.latin.as_bytes());
    let skel_equal =
        !a.skel.is_empty() && (a.skel == b.skel || (a.foreign != b.foreign && soft_equal(a, b)));
    if !skel_equal && !a.foreign && !b.foreign {
        let bound = jaro_winkler_bound(la, a.mask, lb, b.mask) as f32;
        if bound < 0.8 {
            return (0, bound);
        }
    }
    let jw = jaro_winkler(la, lb) as f32;
    if skel_equal && (a.skel.len() >= 2 || jw >= 0.7) {
        return (3, jw);
    }
    if jw >= 0.92 || (jw >= 0.8 && la.len().min(lb.len()) >= 4 && osa_distance(la, lb, 1) <= 1) {
        return (2, jw);
    }
    if jw >= 0.8 {
        return (1, jw);
    }
    if (a.foreign || b.foreign)
        && a.skel.len().min(b.skel.len()) >= 3
        && osa_distance(a.skel.as_bytes(), b.skel.as_bytes(), 1) <= 1
    {
        return (1, jw);
    }
    (0, jw)
}

/// How well two names agree, from [`name_agreement`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NameAgreement {
    /// Nothing in common worth noting.
    Different,
    /// Similar spelling (Jaro-Winkler at least 0.8, or skeletons one edit apart across
    /// scripts).
    Similar,
    /// One typing error apart (or Jaro-Winkler at least 0.92).
    OneTypo,
    /// Same consonant skeleton: the same name in another spelling or script.
    SameSound,
    /// The same after normalisation.
    Exact,
}

/// Compares two names written in any script: the best agreement between any part of one
/// and any part of the other (kunyas only with kunyas).
///
/// ```
/// use homeward_linkage::{NameAgreement, name_agreement};
/// assert_eq!(name_agreement("Svetlana", "Светлана"), NameAgreement::Exact);
/// assert_eq!(name_agreement("Svetlana", "سفيتلانا"), NameAgreement::SameSound);
/// assert_eq!(name_agreement("Muhammad", "Mohamed"), NameAgreement::SameSound);
/// ```
pub fn name_agreement(a: &str, b: &str) -> NameAgreement {
    let pa = normalize::parse_full_name(a);
    let pb = normalize::parse_full_name(b);
    let mut best = 0u8;
    for x in &pa.parts {
        for y in &pb.parts {
            if (x.role == Role::Kunya) != (y.role == Role::Kunya) {
                continue;
            }
            let (l, _) = token_level(&Part::from_name_part(x), &Part::from_name_part(y));
            best = best.max(l);
        }
    }
    match best {
        4 => NameAgreement::Exact,
        3 => NameAgreement::SameSound,
        2 => NameAgreement::OneTypo,
        1 => NameAgreement::Similar,
        _ => NameAgreement::Different,
    }
}

/// Where two aligned parts sit: (variant a, part a, variant b, part b).
type PartPair = (usize, usize, usize, usize);

/// Result of comparing the names of two records.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NameMatch {
    pub given: u8,
    pub family: u8,
    /// (variant a, part a, variant b, part b) of the given and family alignments.
    pub given_at: Option<(usize, usize, usize, usize)>,
    pub family_at: Option<(usize, usize, usize, usize)>,
    pub given_tf: f32,
    pub family_tf: f32,
    pub kunya: bool,
}

const MAX_PARTS: usize = 8;

/// Best order-insensitive alignment of the parts of two name variants.
fn align(va: &[Part], vb: &[Part]) -> ([i8; MAX_PARTS], [u8; MAX_PARTS], f32) {
    let mut assigned_a = [-1i8; MAX_PARTS];
    let mut level_a = [0u8; MAX_PARTS];
    let mut cand: [(u8, f32, u8, u8); MAX_PARTS * MAX_PARTS] =
        [(0, 0.0, 0, 0); MAX_PARTS * MAX_PARTS];
    let mut n = 0;
    for (i, pa) in va.iter().enumerate().take(MAX_PARTS) {
        if matches!(pa.role, Role::Kunya | Role::Father) {
            continue;
        }
        for (j, pb) in vb.iter().enumerate().take(MAX_PARTS) {
            if matches!(pb.role, Role::Kunya | Role::Father) {
                continue;
            }
            let (l, s) = token_level(pa, pb);
            let bonus = if pa.role == pb.role { 0.001 } else { 0.0 };
            cand[n] = (l, s + bonus, i as u8, j as u8);
            n += 1;
        }
    }
    let cand = &mut cand[..n];
    cand.sort_unstable_by(|x, y| {
        y.0.cmp(&x.0)
            .then(y.1.total_cmp(&x.1))
            .then(x.2.cmp(&y.2))
            .then(x.3.cmp(&y.3))
    });
    let mut used_b = [false; MAX_PARTS];
    let mut total = 0.0;
    for &(l, s, i, j) in cand.iter() {
        let (i, j) = (i as usize, j as usize);
        if assigned_a[i] >= 0 || used_b[j] {
            continue;
        }
        assigned_a[i] = j as i8;
        used_b[j] = true;
        level_a[i] = l;
        total += s + f32::from(l);
    }
    (assigned_a, level_a, total)
}

fn first_with(v: &[Part], role: Role) -> Option<usize> {
    v.iter().take(MAX_PARTS).position(|p| p.role == role)
}

pub(crate) fn compare_names(a: &[Vec<Part>], b: &[Vec<Part>]) -> NameMatch {
    let mut best = NameMatch::default();
    let mut best_score = -1.0f32;
    for (ia, va) in a.iter().enumerate() {
        for (ib, vb) in b.iter().enumerate() {
            let (assigned, levels, total) = align(va, vb);
            let mut m = NameMatch::default();
            let level_of = |role: Role| -> (u8, Option<PartPair>, f32) {
                match (first_with(va, role), first_with(vb, role)) {
                    (Some(i), Some(_)) => {
                        if assigned[i] >= 0 {
                            let j = assigned[i] as usize;
                            let tf = if levels[i] == 4 {
                                va[i].tf.max(vb[j].tf)
                            } else {
                                0.0
                            };
                            (1 + levels[i], Some((ia, i, ib, j)), tf)
                        } else {
                            (1, None, 0.0)
                        }
                    }
                    _ => (0, None, 0.0),
                }
            };
            (m.given, m.given_at, m.given_tf) = level_of(Role::Given);
            (m.family, m.family_at, m.family_tf) = level_of(Role::Family);
            let score = f32::from(m.given + m.family) * 10.0 + total;
            if score > best_score {
                best_score = score;
                best = m;
            }
        }
    }
    // Kunyas: `Umm Abdullah` against `Umm Abdallah` is evidence about the given name.
    for va in a {
        for vb in b {
            for pa in va.iter().filter(|p| p.role == Role::Kunya) {
                for pb in vb.iter().filter(|p| p.role == Role::Kunya) {
                    let (l, _) = token_level(pa, pb);
                    if l >= 3 && 1 + l > best.given {
                        best.given = 1 + l;
                        best.given_at = None;
                        best.given_tf = 0.0;
                        best.kunya = true;
                    }
                }
            }
        }
    }
    best
}

fn best_part_level(a: &[Part], b: &[Part]) -> u8 {
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    let mut best = 0;
    for pa in a {
        for pb in b {
            best = best.max(token_level(pa, pb).0);
        }
    }
    1 + best
}

fn is_placeholder(d: &BirthDate) -> bool {
    matches!(
        d,
        BirthDate::Day {
            month: 1,
            day: 1,
            ..
        }
    )
}

fn date_digits(d: &BirthDate) -> Option<[u8; 8]> {
    if let BirthDate::Day { year, month, day } = *d {
        let y = year.rem_euclid(10000) as u32;
        let (m, dd) = (u32::from(month % 100), u32::from(day % 100));
        let digit = |v: u32| b'0' + (v % 10) as u8;
        Some([
            digit(y / 1000),
            digit(y / 100),
            digit(y / 10),
            digit(y),
            digit(m / 10),
            digit(m),
            digit(dd / 10),
            digit(dd),
        ])
    } else {
        None
    }
}

pub(crate) fn compare_dates(a: &BirthDate, b: &BirthDate, placeholder: bool) -> u8 {
    use BirthDate::*;
    const DIFFERENT: u8 = 1;
    const WITHIN_A_YEAR: u8 = 2;
    const CONSISTENT: u8 = 3;
    const CLOSE: u8 = 4;
    const EXACT: u8 = 5;
    let (ya, yb) = (a.year(), b.year());
    match (*a, *b) {
        (
            Day {
                month: ma, day: da, ..
            },
            Day {
                month: mb, day: db, ..
            },
        ) => {
            if a == b {
                return EXACT;
            }
            let swapped = ya == yb && ma == db && da == mb;
            let year_off = (ya - yb).abs() == 1 && ma == mb && da == db;
            let typo = match (date_digits(a), date_digits(b)) {
                (Some(x), Some(y)) => osa_distance(&x, &y, 1) <= 1,
                _ => false,
            };
            let coarse = placeholder && ya == yb && (is_placeholder(a) || is_placeholder(b));
            if swapped || year_off || typo || coarse {
                CLOSE
            } else if (ya - yb).abs() <= 1 {
                WITHIN_A_YEAR
            } else {
                DIFFERENT
            }
        }
        (Estimated { .. }, _) | (_, Estimated { .. }) => {
            let (la, ha) = a.year_range();
            let (lb, hb) = b.year_range();
            if la <= hb && lb <= ha {
                CONSISTENT
            } else {
                DIFFERENT
            }
        }
        (
            Day { month: ma, .. } | Month { month: ma, .. },
            Day { month: mb, .. } | Month { month: mb, .. },
        ) => {
            if ya == yb && ma == mb {
                CLOSE
            } else if (ya - yb).abs() <= 1 {
                WITHIN_A_YEAR
            } else {
                DIFFERENT
            }
        }
        _ => {
            if ya == yb {
                CLOSE
            } else if (ya - yb).abs() <= 1 {
                WITHIN_A_YEAR
            } else {
                DIFFERENT
            }
        }
    }
}

fn text_level(a: &Option<Box<str>>, b: &Option<Box<str>>, hi: f64, lo: f64) -> u8 {
    match (a, b) {
        (Some(a), Some(b)) => {
            if a == b {
                4
            } else if contains_words(a, b) || contains_words(b, a) {
                // "Dagestan" against "Makhachkala, Dagestan".
                3
            } else {
                let (x, y) = (a.as_bytes(), b.as_bytes());
                // Masks are cheap next to Jaro-Winkler on long strings.
                if jaro_winkler_bound(x, byte_mask(x), y, byte_mask(y)) < lo {
                    return 1;
                }
                let jw = jaro_winkler(x, y);
                if jw >= hi {
                    3
                } else if jw >= lo {
                    2
                } else {
                    1
                }
            }
        }
        _ => 0,
    }
}

/// Whether every word of `short` is a word of `long` (and `short` has fewer words).
fn contains_words(short: &str, long: &str) -> bool {
    short.len() < long.len()
        && long.contains(' ')
        && short.split(' ').all(|w| long.split(' ').any(|x| x == w))
}

fn code_level(a: &Option<Box<str>>, b: &Option<Box<str>>, max_edits: usize) -> u8 {
    match (a, b) {
        (Some(a), Some(b)) => {
            let d = osa_distance(a.as_bytes(), b.as_bytes(), max_edits);
            (max_edits + 2 - d.min(max_edits + 1)) as u8
        }
        _ => 0,
    }
}

fn eq_level<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> u8 {
    match (a, b) {
        (Some(a), Some(b)) => 1 + u8::from(a == b),
        _ => 0,
    }
}

/// The comparison of one pair: a level per field, plus what term-frequency adjustment needs.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Comparison {
    pub levels: [u8; FIELD_COUNT],
    pub given_tf: f32,
    pub family_tf: f32,
}

impl Comparison {
    /// Packs the levels into 4 bits each.
    pub fn pattern(&self) -> u64 {
        self.levels
            .iter()
            .enumerate()
            .fold(0u64, |acc, (i, &l)| acc | (u64::from(l) << (4 * i)))
    }
}

/// Unpacks a pattern made by [`Comparison::pattern`].
pub(crate) fn unpack(pattern: u64) -> [u8; FIELD_COUNT] {
    let mut out = [0u8; FIELD_COUNT];
    for (i, o) in out.iter_mut().enumerate() {
        *o = ((pattern >> (4 * i)) & 0xF) as u8;
    }
    out
}

pub(crate) fn compare(a: &Prepared, b: &Prepared, placeholder: bool) -> (Comparison, NameMatch) {
    let names = compare_names(&a.names, &b.names);
    let mut levels = [0u8; FIELD_COUNT];
    levels[Field::GivenName.index()] = names.given;
    levels[Field::FamilyName.index()] = names.family;
    levels[Field::DateOfBirth.index()] = match (&a.dob, &b.dob) {
        (Some(x), Some(y)) => compare_dates(x, y, placeholder),
        _ => 0,
    };
    levels[Field::Sex.index()] = eq_level(&a.sex, &b.sex);
    levels[Field::Nationality.index()] = eq_level(&a.nationality, &b.nationality);
    levels[Field::PlaceOfBirth.index()] =
        text_level(&a.place_of_birth, &b.place_of_birth, 0.9, 0.8);
    levels[Field::MotherName.index()] = best_part_level(&a.mother, &b.mother);
    levels[Field::FatherName.index()] = best_part_level(&a.father, &b.father);
    levels[Field::DocumentNumber.index()] = code_level(&a.document, &b.document, 2);
    levels[Field::HouseNumber.index()] = code_level(&a.house, &b.house, 1);
    levels[Field::Street.index()] = text_level(&a.street, &b.street, 0.9, 0.7);
    levels[Field::Locality.index()] = text_level(&a.locality, &b.locality, 0.9, 0.7);
    levels[Field::Postcode.index()] = code_level(&a.postcode, &b.postcode, 1);
    (
        Comparison {
            levels,
            given_tf: names.given_tf,
            family_tf: names.family_tf,
        },
        names,
    )
}

fn show_part(p: &Part) -> String {
    p.latin.to_string()
}

/// Human-readable reason for one field's level.
pub(crate) fn reason(
    field: Field,
    level: u8,
    a: &Prepared,
    b: &Prepared,
    names: &NameMatch,
) -> String {
    let label = field
        .levels()
        .get(usize::from(level))
        .copied()
        .unwrap_or("?");
    let mut s = String::new();
    let opt = |x: &Option<Box<str>>| x.as_deref().unwrap_or("—").to_string();
    let pair = match field {
        Field::GivenName | Field::FamilyName => {
            let at = if field == Field::GivenName {
                names.given_at
            } else {
                names.family_at
            };
            match at {
                Some((ia, i, ib, j)) => {
                    Some((show_part(&a.names[ia][i]), show_part(&b.names[ib][j])))
                }
                None if names.kunya && field == Field::GivenName => {
                    Some(("kunya".to_string(), "kunya".to_string()))
                }
                None => None,
            }
        }
        Field::DateOfBirth => Some((
            a.dob.map(|d| d.to_string()).unwrap_or_else(|| "—".into()),
            b.dob.map(|d| d.to_string()).unwrap_or_else(|| "—".into()),
        )),
        Field::Sex => Some((format!("{:?}", a.sex), format!("{:?}", b.sex))),
        Field::Nationality => Some((opt(&a.nationality), opt(&b.nationality))),
        Field::PlaceOfBirth => Some((opt(&a.place_of_birth), opt(&b.place_of_birth))),
        Field::MotherName | Field::FatherName => {
            let (x, y) = if field == Field::MotherName {
                (&a.mother, &b.mother)
            } else {
                (&a.father, &b.father)
            };
            let j = |v: &Vec<Part>| v.iter().map(show_part).collect::<Vec<_>>().join(" ");
            Some((j(x), j(y)))
        }
        Field::DocumentNumber => Some((opt(&a.document), opt(&b.document))),
        Field::HouseNumber => Some((opt(&a.house), opt(&b.house))),
        Field::Street => Some((opt(&a.street), opt(&b.street))),
        Field::Locality => Some((opt(&a.locality), opt(&b.locality))),
        Field::Postcode => Some((opt(&a.postcode), opt(&b.postcode))),
    };
    let _ = write!(s, "{}: {label}", field.label());
    if let Some((x, y)) = pair.filter(|_| level > 0) {
        let _ = write!(s, " ('{x}' vs '{y}')");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::PersonName;

    fn prep(f: impl FnOnce(&mut Record)) -> Prepared {
        let mut r = Record::new("x");
        f(&mut r);
        Prepared::new(&r)
    }

    fn name_levels(a: PersonName, b: PersonName) -> (u8, u8) {
        let pa = prep(|r| r.names.push(a));
        let pb = prep(|r| r.names.push(b));
        let m = compare_names(&pa.names, &pb.names);
        (m.given, m.family)
    }

    #[test]
    fn name_levels_follow_spelling_distance() {
        let cases: &[(PersonName, PersonName, (u8, u8))] = &[
            (
                PersonName::parts("Svetlana", "Ivanova"),
                PersonName::full("Светлана Иванова"),
                (5, 5),
            ),
            (
                PersonName::parts("Svetlana", "Ivanova"),
                PersonName::full("سفيتلانا ايفانوفا"),
                (4, 4),
            ),
            (
                PersonName::full("Mohammed Ali"),
                PersonName::full("محمد علي"),
                (4, 5),
            ),
            (
                PersonName::full("Muhammad Ali"),
                PersonName::full("Mohamed Ali"),
                (4, 5),
            ),
            (
                PersonName::parts("michaela", "neumann"),
                PersonName::parts("michaela", "neumnan"),
                (5, 4),
            ),
            (
                PersonName::parts("michaela", "neumann"),
                PersonName::parts("neumann", "michaela"),
                (5, 5),
            ),
            (
                PersonName::parts("michaela", "neumann"),
                PersonName::parts("john", "smith"),
                (1, 1),
            ),
            (
                PersonName::parts("michaela", "neumann"),
                PersonName::full("michaela"),
                (5, 0),
            ),
        ];
        for (a, b, want) in cases {
            assert_eq!(name_levels(a.clone(), b.clone()), *want, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn kunyas_match_only_kunyas() {
        let (g, _) = name_levels(
            PersonName::full("Umm Abdullah"),
            PersonName::full("أم عبدالله"),
        );
        assert!(g >= 4, "{g}");
        let pa = prep(|r| r.names.push(PersonName::full("Umm Abdullah")));
        let pb = prep(|r| r.names.push(PersonName::full("Abdullah Hassan")));
        let m = compare_names(&pa.names, &pb.names);
        assert!(!m.kunya);
    }

    #[test]
    fn date_levels_cover_precision_and_typos() {
        let d = |s: &str| BirthDate::parse(s).unwrap_or(BirthDate::Year { year: 0 });
        let est = BirthDate::Estimated {
            year: 1990,
            tolerance: 2,
        };
        let cases = [
            (d("1990-03-07"), d("1990-03-07"), 5),
            (d("1990-03-07"), d("1990-07-03"), 4),
            (d("1990-03-07"), d("1991-03-07"), 4),
            (d("1990-03-07"), d("1990-03-08"), 4),
            (d("1990-03-07"), d("1990-01-01"), 4),
            (d("1990-03-07"), d("1990-11-20"), 2),
            (d("1990-03-07"), d("1990-03"), 4),
            (d("1990-03-07"), d("1990"), 4),
            (d("1990-03-07"), est, 3),
            (d("1980-03-07"), est, 1),
            (d("1990-03-07"), d("1975-08-21"), 1),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare_dates(&a, &b, true), want, "{a} vs {b}");
        }
    }

    #[test]
    fn other_fields_compare_to_levels() {
        let a = prep(|r| {
            r.document_number = Some("AB 5304218".into());
            r.address = Some("8 Stanley Street".into());
            r.locality = Some("Winston Hills".into());
            r.postcode = Some("4223".into());
            r.nationality = Some("Türkiye".into());
            r.father_name = Some("Ivan".into());
        });
        let b = prep(|r| {
            r.document_number = Some("ab5304219".into());
            r.address = Some("8 stanley st".into());
            r.locality = Some("winston hils".into());
            r.postcode = Some("4233".into());
            r.nationality = Some("TUR".into());
            r.names.push(PersonName::full("Svetlana Ivanovna Petrova"));
        });
        let (c, _) = compare(&a, &b, true);
        let l = |f: Field| c.levels[f.index()];
        assert_eq!(l(Field::DocumentNumber), 3);
        assert_eq!(l(Field::HouseNumber), 3);
        assert_eq!(l(Field::Street), 4);
        assert_eq!(l(Field::Locality), 3);
        assert_eq!(l(Field::Postcode), 2);
        assert_eq!(l(Field::Nationality), 2);
        assert_eq!(l(Field::FatherName), 5);
        assert_eq!(l(Field::Sex), 0);
        assert_eq!(unpack(c.pattern()), c.levels);
    }
}
