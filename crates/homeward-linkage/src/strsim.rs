//! String similarity measures on folded ASCII bytes, written here so that the hot loop of
//! pair comparison allocates nothing.

/// Longest input considered by the similarity functions; longer inputs are truncated.
const MAX_LEN: usize = 64;

/// Jaro-Winkler similarity in `[0, 1]` (prefix scale 0.1, prefix up to 4 bytes).
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
    let mut a_used = [false; MAX_LEN];
    let mut b_used = [false; MAX_LEN];
    let mut matches = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(lb);
        for j in lo..hi {
            if !b_used[j] && b[j] == ca {
                a_used[i] = true;
                b_used[j] = true;
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
        if a_used[i] {
            while !b_used[j] {
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
