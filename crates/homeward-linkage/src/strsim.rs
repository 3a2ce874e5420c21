//! String similarity measures on folded ASCII bytes, written here so that the hot loop of
//! pair comparison allocates nothing.

/// Longest input considered by the similarity functions; longer inputs are truncated.
const MAX_LEN: usize = 63;

/// A 32-bit set of the bytes in `s` (letters one bit each, other bytes sharing bits), for
/// [`jaro_winkler_bound`].
pub fn byte_mask(s: &[u8]) -> u32 {
    s.iter().fold(0u32, |m, &c| m | bit(c))
}

#[inline]
fn bit(c: u8) -> u32 {
    match c {
        b'a'..=b'z' => 1 << (c - b'a'),
        b'A'..=b'Z' => 1 << (c - b'A'),
        b'0'..=b'9' => 1 << (26 + (c - b'0') % 5),
        _ => 1 << 31,
    }
}

/// An upper bound of [`jaro_winkler`] computed in linear time from the byte sets, so that
/// clearly different strings are rejected without the full computation.
pub fn jaro_winkler_bound(a: &[u8], mask_a: u32, b: &[u8], mask_b: u32) -> f64 {
    let a = &a[..a.len().min(MAX_LEN)];
    let b = &b[..b.len().min(MAX_LEN)];
    if a.is_empty() || b.is_empty() {
        return if a.is_empty() && b.is_empty() {
            1.0
        } else {
            0.0
        };
    }
    let in_b = a.iter().filter(|&&c| bit(c) & mask_b != 0).count();
    let in_a = b.iter().filter(|&&c| bit(c) & mask_a != 0).count();
    let m = in_a.min(in_b) as f64;
    if m == 0.0 {
        return 0.0;
    }
    let jaro = (m / a.len() as f64 + m / b.len() as f64 + 1.0) / 3.0;
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count() as f64;
    (jaro + prefix * 0.1 * (1.0 - jaro)).min(1.0)
}

/// Jaro-Winkler similarity in `[0, 1]` (prefix scale 0.1, prefix up to 4 bytes). The
/// match window is walked by index, the textbook form.
#[allow(clippy::needless_range_loop)]
pub fn jaro_winkler(a: &[u8], b: &[u8]) -> f64 {
    let a = &a[..a.len().min(MAX_LEN)];
    let b = &b[..b.len().min(MAX_LEN)];
    if a.is_empty() || b.is_empty() {
        return if a.is_empty() && b.is_empty() {
            1.0
        } else {
            0.0
        };
    }
    if a == b {
        return 1.0;
    }
    let (la, lb) = (a.len(), b.len());
    let window = (la.max(lb) / 2).saturating_sub(1);
    let mut a_used = 0u64;
    let mut b_used = 0u64;
    let mut matches = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(lb);
        for j in lo..hi {
            if b_used & (1 << j) == 0 && b[j] == ca {
                a_used |= 1 << i;
                b_used |= 1 << j;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut j = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        if a_used & (1 << i) != 0 {
            while b_used & (1 << j) == 0 {
                j += 1;
            }
            if ca != b[j] {
                transpositions += 1;
            }
            j += 1;
        }
    }
    let m = matches as f64;
    let t = (transpositions / 2) as f64;
    let jaro = (m / la as f64 + m / lb as f64 + (m - t) / m) / 3.0;
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count() as f64;
    jaro + prefix * 0.1 * (1.0 - jaro)
}

/// Optimal-string-alignment (restricted Damerau-Levenshtein) distance, capped: any distance
/// above `cap` is reported as `cap + 1`.
pub fn osa_distance(a: &[u8], b: &[u8], cap: usize) -> usize {
    let a = &a[..a.len().min(MAX_LEN)];
    let b = &b[..b.len().min(MAX_LEN)];
    if a == b {
        return 0;
    }
    if a.len().abs_diff(b.len()) > cap {
        return cap + 1;
    }
    // Each edit removes at most one surplus byte from either side's histogram, so the
    // larger surplus bounds the distance from below.
    let mut hist = [0i16; 64];
    for &c in a {
        hist[usize::from(c & 63)] += 1;
    }
    for &c in b {
        hist[usize::from(c & 63)] -= 1;
    }
    let (mut surplus_a, mut surplus_b) = (0usize, 0usize);
    for &h in &hist {
        if h > 0 {
            surplus_a += h as usize;
        } else {
            surplus_b += (-h) as usize;
        }
    }
    if surplus_a.max(surplus_b) > cap {
        return cap + 1;
    }
    if a.len() == b.len() {
        // Same length: the Hamming distance bounds the answer and usually is it.
        let mut first = usize::MAX;
        let mut h = 0;
        for (k, (x, y)) in a.iter().zip(b).enumerate() {
            if x != y {
                h += 1;
                if first == usize::MAX {
                    first = k;
                }
            }
        }
        if h <= 1 {
            return h;
        }
        if h == 2 && a[first] == b[first + 1] && a[first + 1] == b[first] {
            return 1;
        }
        if h == 2 {
            return 2.min(cap + 1);
        }
    }
    let n = b.len();
    let mut prev2 = [0u8; MAX_LEN + 1];
    let mut prev = [0u8; MAX_LEN + 1];
    let mut cur = [0u8; MAX_LEN + 1];
    for (j, p) in prev.iter_mut().enumerate().take(n + 1) {
        *p = j as u8;
    }
    for i in 1..=a.len() {
        cur[0] = i as u8;
        let mut row_min = cur[0];
        for j in 1..=n {
            let cost = u8::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if usize::from(row_min) > cap {
            return cap + 1;
        }
        prev2 = prev;
        prev = cur;
    }
    usize::from(prev[n]).min(cap + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jaro_winkler_matches_textbook_values() {
        let cases: &[(&str, &str, f64)] = &[
            ("martha", "marhta", 0.961),
            ("dwayne", "duane", 0.84),
            ("dixon", "dicksonx", 0.813),
            ("abc", "abc", 1.0),
            ("abc", "xyz", 0.0),
        ];
        for (a, b, want) in cases {
            let got = jaro_winkler(a.as_bytes(), b.as_bytes());
            assert!((got - want).abs() < 0.001, "{a} {b}: {got} != {want}");
        }
    }

    #[test]
    fn the_bound_is_never_below_jaro_winkler() {
        let words = [
            "jessica",
            "lachlan",
            "michaela",
            "neumann",
            "neumnan",
            "martha",
            "marhta",
            "a",
            "ab",
            "stanley st",
        ];
        for a in words {
            for b in words {
                let (x, y) = (a.as_bytes(), b.as_bytes());
                let bound = jaro_winkler_bound(x, byte_mask(x), y, byte_mask(y));
                assert!(bound + 1e-12 >= jaro_winkler(x, y), "{a} {b}");
            }
        }
    }

    #[test]
    fn osa_distance_counts_typos_and_transpositions() {
        let cases: &[(&str, &str, usize)] = &[
            ("5304218", "5304218", 0),
            ("5304218", "5304219", 1),
            ("5304218", "3504218", 1),
            ("5304218", "530421", 1),
            ("abc", "xyz", 3),
            ("abcdef", "ab", 3),
        ];
        for (a, b, want) in cases {
            assert_eq!(
                osa_distance(a.as_bytes(), b.as_bytes(), 2),
                *want,
                "{a} {b}"
            );
        }
    }
}
