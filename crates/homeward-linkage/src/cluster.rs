//! Grouping of accepted pairs into persons: connected components over the pairs at or
//! above a threshold, returned in a deterministic order.

use crate::Pair;

fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

/// Groups `n` records into persons from deduplication pairs: two records are one person when
/// a chain of pairs with probability at or above `threshold` joins them. Every record appears
/// in exactly one cluster; clusters are sorted internally and by their first record.
pub fn cluster(n: usize, pairs: &[Pair], threshold: f64) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..n).collect();
    for p in pairs.iter().filter(|p| p.probability >= threshold) {
        if p.left >= n || p.right >= n {
            continue;
        }
        let (a, b) = (find(&mut parent, p.left), find(&mut parent, p.right));
        if a != b {
            parent[a.max(b)] = a.min(b);
        }
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut slot: Vec<usize> = vec![usize::MAX; n];
    for i in 0..n {
        let r = find(&mut parent, i);
        if slot[r] == usize::MAX {
            slot[r] = groups.len();
            groups.push(Vec::new());
        }
        groups[slot[r]].push(i);
    }
    groups
}
