//! Blocking: which pairs are worth comparing. Several keys per record, each built from
//! script-independent parts (name skeletons, dates, codes), so that a true pair is lost
//! only when it disagrees on every key; oversized blocks are skipped.

use std::borrow::Cow;

use crate::compare::{Part, Prepared};
use crate::normalize::Role;
use crate::record::BirthDate;

/// Kinds of blocking keys, used as a salt so that keys of different kinds never collide.
/// "Tight" kinds join two independent facts (a name and a date, a name and a postcode) so
/// that blocks stay small at a million records; "broad" kinds rest on one fact and serve
/// small data sets and single-record queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub(crate) enum KeyKind {
    NameYear = 1,
    NamePostcode,
    NameDate,
    Document,
    DatePostcode,
    Address,
    PrefixYear,
    PartLocalityInitial,
    StreetHouseInitial,
    PrefixPostcode,
    PartPostcodeHouse,
    PartPostcodeInitial,
    NameStreet,
    NameLocality,
    PostcodeHouseLocality,
    // Broad kinds.
    NamePair = 16,
    NamePrefixes,
    PartYear,
    DateInitial,
    PartPostcode,
    PartLocality,
    /// One name part alone: only for single-record queries.
    SinglePart,
    /// Father's name with the given name: for queries naming a father.
    GivenFather,
}

/// Which keys to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeySet {
    /// Tight keys only: large batches.
    Tight,
    /// Tight and broad keys: small batches.
    Broad,
    /// Everything, including single-part keys: query indexes.
    Query,
}

/// A stable 64-bit hash (FxHash-style), so that keys do not depend on the process.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyHasher(u64, u8);

impl KeyHasher {
    pub fn new(kind: KeyKind) -> Self {
        let mut h = KeyHasher(0x243F_6A88_85A3_08D3, kind as u8);
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
        // The kind in the top byte keeps kinds apart and lets statistics name them.
        (u64::from(self.1) << 56) | ((z ^ (z >> 33)) & 0x00FF_FFFF_FFFF_FFFF)
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

fn first_role(v: &[Part], role: Role) -> Option<&Part> {
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

fn sorted<'a>(x: &'a [u8], y: &'a [u8]) -> (&'a [u8], &'a [u8]) {
    if x <= y { (x, y) } else { (y, x) }
}

/// Appends the blocking keys of `p` to `out` (sorted and deduplicated by the caller).
pub(crate) fn record_keys(p: &Prepared, set: KeySet, out: &mut Vec<u64>) {
    let broad = set != KeySet::Tight;
    let dob = p.dob.as_ref();
    let dk = dob.and_then(date_key);
    let pc = p.postcode.as_deref().map(str::as_bytes);
    let loc = p.locality.as_deref().map(str::as_bytes);
    let k = KeyHasher::new;
    for v in &p.names {
        let given = first_role(v, Role::Given);
        let family = family_key(v);
        let g_key = given.map(key_text);
        let f_key = family.as_ref().map(|(_, s)| s.as_bytes());
        let prefixes = match (given, &family) {
            (Some(g), Some((fl, _))) => Some(sorted(pre(&g.latin), pre(fl))),
            _ => None,
        };
        if let (Some(g), Some(f)) = (g_key, f_key) {
            let (x, y) = sorted(g, f);
            if let Some(d) = dob {
                for yr in years(d) {
                    out.push(
                        k(KeyKind::NameYear)
                            .bytes(x)
                            .bytes(y)
                            .num(yr.into())
                            .finish(),
                    );
                }
            }
            if let Some(pc) = pc {
                out.push(
                    k(KeyKind::NamePostcode)
                        .bytes(x)
                        .bytes(y)
                        .bytes(pc)
                        .finish(),
                );
            }
            if let Some(st) = p.street.as_deref().and_then(|s| s.split(' ').next()) {
                out.push(
                    k(KeyKind::NameStreet)
                        .bytes(x)
                        .bytes(y)
                        .bytes(pre(st))
                        .finish(),
                );
            }
            if let Some(loc) = loc {
                out.push(
                    k(KeyKind::NameLocality)
                        .bytes(x)
                        .bytes(y)
                        .bytes(loc)
                        .finish(),
                );
            }
            if broad {
                out.push(k(KeyKind::NamePair).bytes(x).bytes(y).finish());
            }
            if let Some(pc) = pc {
                for (n, other) in [(g, f), (f, g)] {
                    let c = other.first().copied().unwrap_or(0);
                    out.push(
                        k(KeyKind::PartPostcodeInitial)
                            .bytes(n)
                            .bytes(pc)
                            .num(c.into())
                            .finish(),
                    );
                }
            }
        }
        if let Some((x, y)) = prefixes {
            if let Some(d) = dob {
                for yr in years(d) {
                    out.push(
                        k(KeyKind::PrefixYear)
                            .bytes(x)
                            .bytes(y)
                            .num(yr.into())
                            .finish(),
                    );
                }
            }
            if let Some(pc) = pc {
                out.push(
                    k(KeyKind::PrefixPostcode)
                        .bytes(x)
                        .bytes(y)
                        .bytes(pc)
                        .finish(),
                );
            }
            if broad {
                out.push(k(KeyKind::NamePrefixes).bytes(x).bytes(y).finish());
            }
        }
        if let (Some(g), Some(f), Some(loc)) = (g_key, f_key, loc) {
            for (n, other) in [(g, f), (f, g)] {
                let c = other.first().copied().unwrap_or(0);
                out.push(
                    k(KeyKind::PartLocalityInitial)
                        .bytes(n)
                        .bytes(loc)
                        .num(c.into())
                        .finish(),
                );
            }
        }
        if let (Some(h), Some(st)) = (
            &p.house,
            p.street.as_deref().and_then(|s| s.split(' ').next()),
        ) {
            for n in [g_key, f_key].into_iter().flatten() {
                let c = n.first().copied().unwrap_or(0);
                out.push(
                    k(KeyKind::StreetHouseInitial)
                        .bytes(st.as_bytes())
                        .bytes(h.as_bytes())
                        .num(c.into())
                        .finish(),
                );
            }
        }
        for n in [g_key, f_key].into_iter().flatten() {
            if let (Some(pc), Some(h)) = (pc, &p.house) {
                out.push(
                    k(KeyKind::PartPostcodeHouse)
                        .bytes(n)
                        .bytes(pc)
                        .bytes(h.as_bytes())
                        .finish(),
                );
            }
            if let Some((yr, a, b)) = dk {
                out.push(k(KeyKind::NameDate).bytes(n).num(yr).num(a).num(b).finish());
                if broad && let Some(&c) = n.first() {
                    out.push(
                        k(KeyKind::DateInitial)
                            .num(yr)
                            .num(a)
                            .num(b)
                            .num(i64::from(c))
                            .finish(),
                    );
                }
            }
            if broad {
                if let Some(d) = dob {
                    for yr in years(d) {
                        out.push(k(KeyKind::PartYear).bytes(n).num(yr.into()).finish());
                    }
                }
                if let Some(pc) = pc {
                    out.push(k(KeyKind::PartPostcode).bytes(n).bytes(pc).finish());
                }
                if let Some(loc) = loc {
                    out.push(k(KeyKind::PartLocality).bytes(n).bytes(loc).finish());
                }
            }
        }
        if set == KeySet::Query {
            for part in v {
                out.push(k(KeyKind::SinglePart).bytes(key_text(part)).finish());
            }
            if let Some(g) = g_key {
                for fa in &p.father {
                    out.push(
                        k(KeyKind::GivenFather)
                            .bytes(g)
                            .bytes(key_text(fa))
                            .finish(),
                    );
                }
            }
        }
    }
    if let Some(d) = &p.document {
        out.push(k(KeyKind::Document).bytes(d.as_bytes()).finish());
    }
    if let (Some((yr, a, b)), Some(pc)) = (dk, pc) {
        out.push(
            k(KeyKind::DatePostcode)
                .num(yr)
                .num(a)
                .num(b)
                .bytes(pc)
                .finish(),
        );
    }
    if let Some(h) = &p.house {
        let street = p.street.as_deref().and_then(|s| s.split(' ').next());
        if let Some(pc) = pc {
            let st = street.map_or(&b""[..], |s| pre(s));
            out.push(
                k(KeyKind::Address)
                    .bytes(pc)
                    .bytes(h.as_bytes())
                    .bytes(st)
                    .finish(),
            );
            if let Some(loc) = loc {
                out.push(
                    k(KeyKind::PostcodeHouseLocality)
                        .bytes(pc)
                        .bytes(h.as_bytes())
                        .bytes(pre(std::str::from_utf8(loc).unwrap_or("")))
                        .finish(),
                );
            }
        }
    }
}

/// The family name for keys: all family parts joined (a stray space, `georg e`, must not
/// change the key), with its skeleton.
fn family_key(v: &[Part]) -> Option<(Cow<'_, str>, Cow<'_, str>)> {
    let mut fam = v.iter().filter(|p| p.role == Role::Family);
    let first = fam.next()?;
    if fam.next().is_none() {
        // One family part, the common case: no allocation.
        let key = if first.skel.len() >= 2 {
            &first.skel
        } else {
            &first.latin
        };
        return Some((Cow::Borrowed(&first.latin), Cow::Borrowed(key)));
    }
    let mut latin = String::new();
    for p in v.iter().filter(|p| p.role == Role::Family) {
        latin.push_str(&p.latin);
    }
    let skel = crate::normalize::skeleton(&latin);
    let key = if skel.len() >= 2 { skel } else { latin.clone() };
    Some((Cow::Owned(latin), Cow::Owned(key)))
}

fn pre(s: &str) -> &[u8] {
    &s.as_bytes()[..s.len().min(3)]
}

/// All keys of one record, sorted and deduplicated.
pub(crate) fn keys_of(p: &Prepared, set: KeySet) -> Vec<u64> {
    let mut out = Vec::with_capacity(24);
    record_keys(p, set, &mut out);
    out.sort_unstable();
    out.dedup();
    out
}

/// A key that orders records so that likely pairs sit close in memory: the family-name
/// skeleton, then the given-name skeleton, of the first name variant.
pub(crate) fn locality_key(p: &Prepared) -> u64 {
    let Some(v) = p.names.first() else {
        return u64::MAX;
    };
    let mut key = [0u8; 8];
    let family = family_key(v).map(|(_, k)| k).unwrap_or_default();
    let given = first_role(v, Role::Given).map(key_text).unwrap_or_default();
    for (slot, b) in key
        .iter_mut()
        .zip(family.bytes().take(5).chain(given.iter().copied().take(3)))
    {
        *slot = b;
    }
    u64::from_be_bytes(key)
}
