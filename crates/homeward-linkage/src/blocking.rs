//! Blocking: which pairs are worth comparing. Several keys per record, each built from
//! script-independent parts (name skeletons, dates, codes), so that a true pair is lost
//! only when it disagrees on every key; oversized blocks are skipped.

use crate::compare::{Part, Prepared};
use crate::normalize::Role;
use crate::record::BirthDate;

/// Kinds of blocking keys, used as a salt so that keys of different kinds never collide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub(crate) enum KeyKind {
    NamePair = 1,
    GivenYear,
    FamilyYear,
    DateInitial,
    Document,
    PostcodeHouse,
    StreetHouse,
    NamePrefixes,
    NamePostcode,
    NameHouse,
    GivenLocality,
    /// One name part alone: only for single-record queries.
    SinglePart,
    /// Father's name with the given name: for queries naming a father.
    GivenFather,
}

/// A stable 64-bit hash (FxHash-style), so that keys do not depend on the process.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyHasher(u64);

impl KeyHasher {
    pub fn new(kind: KeyKind) -> Self {
        let mut h = KeyHasher(0x243F_6A88_85A3_08D3);
        h.word(kind as u64);
        h
    }
    fn word(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x517C_C1B7_2722_0A95);
    }
    pub fn bytes(mut self, b: &[u8]) -> Self {
        for chunk in b.chunks(8) {
            let mut buf = [0u8; 8];
            buf[..chunk.len()].copy_from_slice(chunk);
            self.word(u64::from_le_bytes(buf));
        }
        self.word(0xFF ^ b.len() as u64);
        self
    }
    pub fn num(mut self, n: i64) -> Self {
        self.word(n as u64);
        self
    }
    pub fn finish(self) -> u64 {
        // Final avalanche so that nearby inputs spread.
        let mut z = self.0;
        z = (z ^ (z >> 33)).wrapping_mul(0xFF51_AFD7_ED55_8CCD);
        z ^ (z >> 33)
    }
}

/// Skeleton used as a key; short skeletons (names of mostly vowels) fall back to the
/// folded spelling.
fn key_text(p: &Part) -> &[u8] {
    if p.skel.len() >= 2 {
        p.skel.as_bytes()
    } else {
        p.latin.as_bytes()
    }
}

fn first_role<'a>(v: &'a [Part], role: Role) -> Option<&'a Part> {
    v.iter().find(|p| p.role == role)
}

fn years(d: &BirthDate) -> std::ops::RangeInclusive<i32> {
    let (lo, hi) = d.year_range();
    lo..=hi
}

/// Year plus the unordered (month, day) pair, so that a day/month swap keeps the key.
fn date_key(d: &BirthDate) -> Option<(i64, i64, i64)> {
    match *d {
        BirthDate::Day { year, month, day } => {
            let (a, b) = if month <= day {
                (month, day)
            } else {
                (day, month)
            };
            Some((i64::from(year), i64::from(a), i64::from(b)))
        }
        _ => None,
    }
}

/// Appends the blocking keys of `p` to `out` (sorted and deduplicated by the caller).
/// `for_query` adds the broad keys used only for single-record lookups.
pub(crate) fn record_keys(p: &Prepared, for_query: bool, out: &mut Vec<u64>) {
    let dob = p.dob.as_ref();
    for v in &p.names {
        let given = first_role(v, Role::Given);
        let family = family_key(v);
        let g_key = given.map(key_text);
        let f_key = family.as_ref().map(|(_, s)| s.as_bytes());
        if let (Some(g), Some(f)) = (g_key, f_key) {
            let (x, y) = if g <= f { (g, f) } else { (f, g) };
            out.push(KeyHasher::new(KeyKind::NamePair).bytes(x).bytes(y).finish());
        }
        if let (Some(g), Some((fl, _))) = (given, &family) {
            let (x, y) = (pre(&g.latin), pre(fl));
            let (x, y) = if x <= y { (x, y) } else { (y, x) };
            out.push(
                KeyHasher::new(KeyKind::NamePrefixes)
                    .bytes(x)
                    .bytes(y)
                    .finish(),
            );
        }
        let both = [g_key, f_key];
        let names = both.iter().flatten();
        if let Some(d) = dob {
            for y in years(d) {
                if let Some(g) = g_key {
                    out.push(
                        KeyHasher::new(KeyKind::GivenYear)
                            .bytes(g)
                            .num(y.into())
                            .finish(),
                    );
                }
                if let Some(f) = f_key {
                    out.push(
                        KeyHasher::new(KeyKind::FamilyYear)
                            .bytes(f)
                            .num(y.into())
                            .finish(),
                    );
                }
            }
            if let Some((y, a, b)) = date_key(d) {
                for n in names.clone() {
                    if let Some(&c) = n.first() {
                        out.push(
                            KeyHasher::new(KeyKind::DateInitial)
                                .num(y)
                                .num(a)
                                .num(b)
                                .num(i64::from(c))
                                .finish(),
                        );
                    }
                }
            }
        }
        for n in names.clone() {
            if let Some(pc) = &p.postcode {
                out.push(
                    KeyHasher::new(KeyKind::NamePostcode)
                        .bytes(n)
                        .bytes(pc.as_bytes())
                        .finish(),
                );
            }
            if let Some(h) = &p.house {
                out.push(
                    KeyHasher::new(KeyKind::NameHouse)
                        .bytes(n)
                        .bytes(h.as_bytes())
                        .finish(),
                );
            }
        }
        if let (Some(g), Some(loc)) = (g_key, &p.locality) {
            out.push(
                KeyHasher::new(KeyKind::GivenLocality)
                    .bytes(g)
                    .bytes(loc.as_bytes())
                    .finish(),
            );
        }
        if for_query {
            for part in v {
                out.push(
                    KeyHasher::new(KeyKind::SinglePart)
                        .bytes(key_text(part))
                        .finish(),
                );
            }
            if let Some(g) = g_key {
                for fa in &p.father {
                    out.push(
                        KeyHasher::new(KeyKind::GivenFather)
                            .bytes(g)
                            .bytes(key_text(fa))
                            .finish(),
                    );
                }
            }
        }
    }
    if let Some(d) = &p.document {
        out.push(
            KeyHasher::new(KeyKind::Document)
                .bytes(d.as_bytes())
                .finish(),
        );
    }
    if let Some(h) = &p.house {
        if let Some(pc) = &p.postcode {
            out.push(
                KeyHasher::new(KeyKind::PostcodeHouse)
                    .bytes(pc.as_bytes())
                    .bytes(h.as_bytes())
                    .finish(),
            );
        }
        if let Some(first) = p.street.as_deref().and_then(|s| s.split(' ').next()) {
            out.push(
                KeyHasher::new(KeyKind::StreetHouse)
                    .bytes(first.as_bytes())
                    .bytes(h.as_bytes())
                    .finish(),
            );
        }
    }
}

/// The family name for keys: all family parts joined (a stray space, `georg e`, must not
/// change the key), with its skeleton.
fn family_key(v: &[Part]) -> Option<(String, String)> {
    let mut latin = String::new();
    for p in v.iter().filter(|p| p.role == Role::Family) {
        latin.push_str(&p.latin);
    }
    if latin.is_empty() {
        return None;
    }
    let skel = crate::normalize::skeleton(&latin);
    let key = if skel.len() >= 2 { skel } else { latin.clone() };
    Some((latin, key))
}

fn pre(s: &str) -> &[u8] {
    &s.as_bytes()[..s.len().min(3)]
}

/// All keys of one record, sorted and deduplicated.
pub(crate) fn keys_of(p: &Prepared, for_query: bool) -> Vec<u64> {
    let mut out = Vec::with_capacity(16);
    record_keys(p, for_query, &mut out);
    out.sort_unstable();
    out.dedup();
    out
}
