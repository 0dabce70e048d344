//! Queue orders: by name (folders) and shuffled (deterministic, seeded).

use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::Hash;
use std::path::{Path, PathBuf};

/// Sorts by file name the way a person would: case-insensitive, with digit
/// runs compared as numbers ("img2" before "img10"). Equal names (same name in
/// two folders, or "img01" vs "img1") fall back to the full path so the order
/// never depends on the order the file system listed them in.
pub(crate) fn sort_by_name(paths: &mut [PathBuf]) {
    paths.sort_by(|a, b| natural_cmp(&file_name(a), &file_name(b)).then_with(|| a.cmp(b)));
}

/// The same items in a pseudo-random order; the same seed always gives the
/// same order, so a shuffled queue can be rebuilt (and tested) exactly.
pub fn shuffled<T>(mut items: Vec<T>, seed: u64) -> Vec<T> {
    let mut rng = SplitMix64(seed);
    // Fisher–Yates: every permutation equally likely (up to the tiny bias of
    // `below`, irrelevant for a playlist).
    for i in (1..items.len()).rev() {
        let j = rng.below(i + 1);
        items.swap(i, j);
    }
    items
}

/// `items` with those `before` holds (matched by `key`, a repeated key once
/// per time it is held) in `before`'s order, and the rest shuffled after
/// them. A channel that grows by pages keeps the order already played: what
/// is on screen keeps its place, and artworks not yet seen are not put
/// behind ones seen again. The same seed and pages give the same order, and
/// with nothing before it is `shuffled(items, seed)`.
pub fn shuffled_after<T, K: Eq + Hash + ?Sized>(
    before: &[T],
    items: Vec<T>,
    key: impl Fn(&T) -> &K,
    seed: u64,
) -> Vec<T> {
    shuffled_in_after(before, before.len(), items, key, seed)
}

/// `items` as `shuffled_after` orders them, but for where the new ones go:
/// shuffled in after the first `reached` of `before`, not after all of it.
/// Posts published since a shuffled channel started play next, as they do in
/// the channel's own order, not after the hundreds of artworks queued.
pub fn shuffled_in_after<T, K: Eq + Hash + ?Sized>(
    before: &[T],
    reached: usize,
    items: Vec<T>,
    key: impl Fn(&T) -> &K,
    seed: u64,
) -> Vec<T> {
    let (played, to_come) = before.split_at(reached.min(before.len()));
    let (mut order, rest) = held_first(played, items, &key);
    let (queued, new) = held_first(to_come, rest, &key);
    // Each page gets an order of its own, not a prefix of the previous one's.
    let held = (order.len() + queued.len()) as u64;
    let new_seed = seed ^ held.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    order.extend(shuffled(new, new_seed));
    order.extend(queued);
    order
}

/// `items` with those `before` holds (as `shuffled_after` matches them) in
/// `before`'s order, and the rest after them in their own order: shuffle
/// turned off keeps what was played where it is, and what is to come plays
/// in the channel's order.
pub fn in_order_after<T, K: Eq + Hash + ?Sized>(
    before: &[T],
    items: Vec<T>,
    key: impl Fn(&T) -> &K,
) -> Vec<T> {
    let (mut order, rest) = held_first(before, items, key);
    order.extend(rest);
    order
}

/// `items` split in two: those `before` holds, in `before`'s order, and
/// the rest, in their own.
fn held_first<T, K: Eq + Hash + ?Sized>(
    before: &[T],
    mut items: Vec<T>,
    key: impl Fn(&T) -> &K,
) -> (Vec<T>, Vec<T>) {
    if before.is_empty() {
        // A new queue, or one in the channel's own order: nothing to look up.
        return (Vec::new(), items);
    }
    let held_as_is =
        before.len() <= items.len() && before.iter().zip(&items).all(|(b, i)| key(b) == key(i));
    if held_as_is {
        // A queue grown at its end (a channel's next page, played in its
        // own order): the same split, without a lookup of every item.
        let rest = items.split_off(before.len());
        return (items, rest);
    }
    let order = held_indices(before, &items, key);
    let mut items: Vec<Option<T>> = items.into_iter().map(Some).collect();
    let held = order.into_iter().filter_map(|i| items[i].take()).collect();
    (held, items.into_iter().flatten().collect())
}

/// Where in `items` each item `before` holds is, in `before`'s order: a key
/// held twice takes its first two places in `items`, and one `items` lacks
/// (or holds fewer times) is passed over.
fn held_indices<T, K: Eq + Hash + ?Sized>(
    before: &[T],
    items: &[T],
    key: impl Fn(&T) -> &K,
) -> Vec<usize> {
    // Each key's first unmatched place, and after each place the next place
    // of the same key: one map entry a key, no list a key.
    let mut first: HashMap<&K, Option<usize>> = HashMap::with_capacity(items.len());
    let mut next = vec![None; items.len()];
    for (i, item) in items.iter().enumerate().rev() {
        next[i] = first.insert(key(item), Some(i)).flatten();
    }
    let mut order = Vec::with_capacity(before.len().min(items.len()));
    for held in before {
        let Some(slot) = first.get_mut(key(held)) else {
            continue;
        };
        if let Some(i) = *slot {
            order.push(i);
            *slot = next[i];
        }
    }
    order
}

fn file_name(path: &Path) -> std::borrow::Cow<'_, str> {
    path.file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy()
}

fn natural_cmp(mut a: &str, mut b: &str) -> Ordering {
    loop {
        let (Some(x), Some(y)) = (a.chars().next(), b.chars().next()) else {
            // A proper prefix sorts first.
            return b.is_empty().cmp(&a.is_empty());
        };
        if x.is_ascii_digit() && y.is_ascii_digit() {
            let (digits_a, rest_a) = split_digits(a);
            let (digits_b, rest_b) = split_digits(b);
            let ord = cmp_numbers(digits_a, digits_b);
            if ord != Ordering::Equal {
                return ord;
            }
            (a, b) = (rest_a, rest_b);
        } else {
            let ord = x.to_lowercase().cmp(y.to_lowercase());
            if ord != Ordering::Equal {
                return ord;
            }
            (a, b) = (&a[x.len_utf8()..], &b[y.len_utf8()..]);
        }
    }
}

fn split_digits(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s.split_at(end)
}

/// Compares digit runs by value without parsing, so runs longer than any
/// integer type (timestamps, hashes) still compare correctly.
fn cmp_numbers(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, good enough to shuffle,
/// and avoids a dependency.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (n > 0) by multiply-shift, which avoids the modulo
    /// bias towards small values.
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(names: &[&str]) -> Vec<String> {
        let mut paths: Vec<PathBuf> = names.iter().map(PathBuf::from).collect();
        sort_by_name(&mut paths);
        paths
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn digit_runs_sort_as_numbers() {
        assert_eq!(
            sorted(&["img10.png", "img2.png", "img1.png", "img100.png"]),
            ["img1.png", "img2.png", "img10.png", "img100.png"]
        );
    }

    #[test]
    fn names_sort_case_insensitively() {
        assert_eq!(
            sorted(&["b.png", "C.png", "a.png", "B2.png"]),
            ["a.png", "b.png", "B2.png", "C.png"]
        );
    }

    #[test]
    fn only_the_file_name_counts_not_the_folder() {
        assert_eq!(
            sorted(&["/z/a.png", "/a/b.png", "/m/A1.png"]),
            ["/z/a.png", "/m/A1.png", "/a/b.png"]
        );
    }

    #[test]
    fn equal_names_are_ordered_by_full_path() {
        assert_eq!(
            sorted(&["/b/x.png", "/a/x.png", "/c/X.png"]),
            ["/a/x.png", "/b/x.png", "/c/X.png"]
        );
        // Same numeric value, different spelling: still a total order.
        assert_eq!(
            sorted(&["img1.png", "img01.png"]),
            ["img01.png", "img1.png"]
        );
    }

    #[test]
    fn order_does_not_depend_on_input_order() {
        let a = sorted(&["x10", "X9", "x9", "/d/x9", "x09", "a", "A"]);
        let b = sorted(&["A", "x09", "/d/x9", "x9", "X9", "a", "x10"]);
        assert_eq!(a, b);
    }

    #[test]
    fn prefix_sorts_first_and_huge_numbers_do_not_overflow() {
        assert_eq!(
            sorted(&["frame-a", "frame", "f99999999999999999999999", "f1"]),
            ["f1", "f99999999999999999999999", "frame", "frame-a"]
        );
    }

    #[test]
    fn non_ascii_names_do_not_panic() {
        assert_eq!(
            sorted(&["Éclair2", "éclair10", "日本1", "a"]),
            ["a", "Éclair2", "éclair10", "日本1"]
        );
    }

    #[test]
    fn same_seed_same_order() {
        let items: Vec<u32> = (0..50).collect();
        assert_eq!(shuffled(items.clone(), 42), shuffled(items, 42));
    }

    #[test]
    fn different_seeds_give_different_orders() {
        let items: Vec<u32> = (0..50).collect();
        assert_ne!(shuffled(items.clone(), 1), shuffled(items, 2));
    }

    #[test]
    fn shuffle_is_a_permutation_that_moves_things() {
        let items: Vec<u32> = (0..100).collect();
        let out = shuffled(items.clone(), 7);
        assert_ne!(out, items);
        let mut back = out;
        back.sort_unstable();
        assert_eq!(back, items);
    }

    #[test]
    fn a_shuffle_extended_keeps_its_order_and_shuffles_only_what_is_new() {
        let first = shuffled((0..10).collect::<Vec<u32>>(), 5);
        let grown = shuffled_after(&first, (0..20).collect(), |i| i, 5);
        assert_eq!(grown[..10], first[..], "the order so far stays");
        let mut new = grown[10..].to_vec();
        assert_ne!(new, (10..20).collect::<Vec<_>>(), "shuffled");
        new.sort_unstable();
        assert_eq!(new, (10..20).collect::<Vec<_>>());
        assert_eq!(
            grown,
            shuffled_after(&first, (0..20).collect(), |i| i, 5),
            "the same seed, the same order"
        );
        assert_eq!(
            shuffled_after(&[], (0..10).collect::<Vec<u32>>(), |i| i, 5),
            first
        );
    }

    #[test]
    fn a_shuffle_extended_holds_repeats_and_drops_what_went() {
        let before = ['b', 'a', 'b', 'x'];
        let out = shuffled_after(&before, vec!['a', 'b', 'b', 'b', 'c'], |c| c, 1);
        assert_eq!(out[..3], ['b', 'a', 'b']);
        let mut rest = out[3..].to_vec();
        rest.sort_unstable();
        assert_eq!(rest, ['b', 'c']);
    }

    #[test]
    fn what_is_new_is_shuffled_in_after_what_was_reached() {
        let queue = shuffled((0..10).collect::<Vec<u32>>(), 5);
        // Published since, at the channel's front: 20 to 24.
        let items: Vec<u32> = (20..25).chain(0..10).collect();
        let out = shuffled_in_after(&queue, 4, items.clone(), |i| i, 5);
        assert_eq!(out[..4], queue[..4], "what was reached stays");
        let mut new = out[4..9].to_vec();
        new.sort_unstable();
        assert_eq!(new, (20..25).collect::<Vec<_>>(), "what is new, next");
        assert_eq!(out[9..], queue[4..], "what was queued after it, as it was");
        assert_eq!(out, shuffled_in_after(&queue, 4, items, |i| i, 5));
    }

    #[test]
    fn shuffled_in_after_holds_repeats_and_drops_what_went() {
        let before = ['b', 'a', 'b', 'x', 'a'];
        let out = shuffled_in_after(&before, 2, vec!['a', 'b', 'b', 'n', 'a'], |c| c, 1);
        assert_eq!(out, ['b', 'a', 'n', 'b', 'a']);
        let past_the_end = shuffled_in_after(&before, 9, vec!['a', 'n'], |c| c, 1);
        assert_eq!(past_the_end, ['a', 'n'], "all reached: the new go last");
    }

    #[test]
    fn in_order_after_keeps_what_is_held_and_the_rest_in_its_own_order() {
        let before = ['c', 'a', 'x', 'a'];
        let out = in_order_after(&before, vec!['a', 'b', 'c', 'a', 'd', 'a'], |c| c);
        assert_eq!(out, ['c', 'a', 'a', 'b', 'd', 'a']);
        let prefix = in_order_after(&['a', 'b'], vec!['a', 'b', 'a', 'c'], |c| c);
        assert_eq!(prefix, ['a', 'b', 'a', 'c'], "a prefix held: the same list");
    }

    /// The lookup, and its shortcut for a queue grown at its end, agree
    /// with the plain rule on lists with repeats: each key held takes the
    /// first of its places in `items` not taken yet.
    #[test]
    fn held_first_takes_each_held_key_s_first_free_place() {
        let mut rng = SplitMix64(7);
        for _ in 0..2_000 {
            let items: Vec<usize> = (0..rng.below(12)).map(|_| rng.below(4)).collect();
            let before: Vec<usize> = match rng.below(2) {
                0 => items[..rng.below(items.len() + 1)].to_vec(),
                _ => (0..rng.below(12)).map(|_| rng.below(5)).collect(),
            };
            let mut taken = vec![false; items.len()];
            let mut held = Vec::new();
            for b in &before {
                if let Some(i) = (0..items.len()).find(|&i| !taken[i] && items[i] == *b) {
                    taken[i] = true;
                    held.push(items[i]);
                }
            }
            let rest = (0..items.len()).filter(|&i| !taken[i]).map(|i| items[i]);
            let want = (held, rest.collect());
            let got = held_first(&before, items.clone(), |x| x);
            assert_eq!(got, want, "{before:?} held in {items:?}");
        }
    }

    #[test]
    fn shuffle_of_tiny_lists() {
        assert!(shuffled(Vec::<u8>::new(), 3).is_empty());
        assert_eq!(shuffled(vec!['x'], 3), ['x']);
    }

    #[test]
    fn shuffle_reaches_every_position() {
        // A broken Fisher–Yates (off-by-one in the range) never leaves the
        // last element in place or never moves the first one.
        let mut seen_first = [false; 4];
        for seed in 0..200 {
            let out = shuffled(vec![0, 1, 2, 3], seed);
            seen_first[out[0]] = true;
        }
        assert_eq!(seen_first, [true; 4]);
    }

    #[test]
    fn splitmix_matches_reference_output() {
        // First outputs for seed 1234567 from the reference implementation.
        let mut rng = SplitMix64(1_234_567);
        assert_eq!(rng.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(rng.next_u64(), 3_203_168_211_198_807_973);
    }
}
