//! Page ranges kept as one record per run, not per page (start -> (end, value), never
//! overlapping): the promised anonymous memory, the pages of file mappings past their
//! file's end, and the minherit settings. A huge run costs one record however long.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

/// Runs `[start, end)` with their value, keyed by start.
pub(crate) type Ranges<V> = BTreeMap<u64, (u64, V)>;

/// The run holding `addr`: (start, end, value).
pub(crate) fn at<V: Clone>(ranges: &Ranges<V>, addr: u64) -> Option<(u64, u64, V)> {
    let (&start, (end, value)) = ranges.range(..=addr).next_back()?;
    (addr < *end).then(|| (start, *end, value.clone()))
}

/// The first address at or above `from` that some run holds.
pub(crate) fn first_from<V: Clone>(ranges: &Ranges<V>, from: u64) -> Option<u64> {
    at(ranges, from)
        .map(|_| from)
        .or_else(|| ranges.range(from..).next().map(|(&s, _)| s))
}

/// Whether any run overlaps `[start, end)`.
pub(crate) fn overlaps<V: Clone>(ranges: &Ranges<V>, start: u64, end: u64) -> bool {
    start < end && first_from(ranges, start).is_some_and(|a| a < end)
}

/// The parts of `[start, end)` the runs hold, clipped to it, in order.
pub(crate) fn within<V: Clone>(ranges: &Ranges<V>, start: u64, end: u64) -> Vec<(u64, u64)> {
    let first = at(ranges, start).map_or(start, |(s, _, _)| s);
    ranges
        .range(first..end)
        .map(|(&s, &(e, _))| (s.max(start), e.min(end)))
        .filter(|(s, e)| s < e)
        .collect()
}

/// Takes `[start, end)` out of `ranges` (splitting the runs it cuts), handing each
/// piece taken to `taken`. One run at a time, collecting nothing: unmapping runs with
/// the heap at its reserve too.
pub(crate) fn carve<V: Clone>(
    ranges: &mut Ranges<V>,
    start: u64,
    end: u64,
    mut taken: impl FnMut(u64, u64, V),
) {
    if start >= end {
        return;
    }
    loop {
        let first = at(ranges, start)
            .map(|(s, _, _)| s)
            .or_else(|| ranges.range(start..end).next().map(|(&s, _)| s));
        let Some(s) = first else {
            return;
        };
        let Some((e, value)) = ranges.remove(&s) else {
            return;
        };
        if s < start {
            ranges.insert(s, (start, value.clone()));
        }
        if e > end {
            ranges.insert(end, (e, value.clone()));
        }
        taken(s.max(start), e.min(end), value);
    }
}

/// Gives the parts of `[start, end)` that runs hold the value `value` (splitting the
/// runs at the bounds); the holes stay holes.
pub(crate) fn set<V: Clone>(ranges: &mut Ranges<V>, start: u64, end: u64, value: V) {
    modify(ranges, start, end, |_| value.clone());
}

/// Replaces the value of the parts of `[start, end)` that runs hold with `change` of
/// it (splitting the runs at the bounds); the holes stay holes.
pub(crate) fn modify<V: Clone>(
    ranges: &mut Ranges<V>,
    start: u64,
    end: u64,
    mut change: impl FnMut(V) -> V,
) {
    let mut pieces = Vec::new();
    carve(ranges, start, end, |s, e, v| pieces.push((s, e, v)));
    for (s, e, v) in pieces {
        ranges.insert(s, (e, change(v)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1 << 30;
    const BASE: u64 = 0x1000_0000;

    fn pages(ranges: &Ranges<u8>, start: u64, end: u64) -> u64 {
        let mut n = 0;
        carve(&mut ranges.clone(), start, end, |s, e, _| {
            n += (e - s) / 4096
        });
        n
    }

    #[test]
    fn a_huge_run_is_one_record_and_splits_where_it_is_cut() {
        let mut r: Ranges<u8> = Ranges::new();
        r.insert(BASE, (BASE + 2 * GIB, 1));
        assert_eq!(r.len(), 1);
        assert_eq!(at(&r, BASE + GIB), Some((BASE, BASE + 2 * GIB, 1)));
        assert_eq!(at(&r, BASE + 2 * GIB), None);
        assert_eq!(at(&r, BASE - 4096), None);

        // A protection change in the middle: three runs, the middle one changed.
        let mid = BASE + GIB;
        set(&mut r, mid, mid + 0x3000, 2);
        assert_eq!(r.len(), 3);
        assert_eq!(at(&r, mid - 4096), Some((BASE, mid, 1)));
        assert_eq!(at(&r, mid + 0x1000), Some((mid, mid + 0x3000, 2)));
        assert_eq!(
            at(&r, mid + 0x3000),
            Some((mid + 0x3000, BASE + 2 * GIB, 1))
        );

        // An unmap across the changed run's end: the pieces taken are counted, and a
        // hole is left between the two runs that remain.
        let mut taken = Vec::new();
        carve(&mut r, mid + 0x2000, mid + 0x5000, |s, e, v| {
            taken.push((s, e, v))
        });
        assert_eq!(
            taken,
            [
                (mid + 0x2000, mid + 0x3000, 2),
                (mid + 0x3000, mid + 0x5000, 1)
            ]
        );
        assert_eq!(r.len(), 3);
        assert_eq!(at(&r, mid + 0x2000), None);
        assert_eq!(at(&r, mid + 0x4000), None);
        assert_eq!(at(&r, mid + 0x1000), Some((mid, mid + 0x2000, 2)));
        assert_eq!(first_from(&r, mid + 0x2000), Some(mid + 0x5000));
        assert!(overlaps(&r, mid + 0x2000, mid + 0x6000));
        assert!(!overlaps(&r, mid + 0x2000, mid + 0x5000));
        assert_eq!(pages(&r, 0, u64::MAX), 2 * GIB / 4096 - 3);

        // Setting over a hole fills nothing in.
        set(&mut r, mid, mid + 0x6000, 3);
        assert_eq!(at(&r, mid + 0x3000), None);
        assert_eq!(pages(&r, mid, mid + 0x6000), 3);
    }

    #[test]
    fn carving_nothing_or_an_empty_range_changes_nothing() {
        let mut r: Ranges<u8> = Ranges::new();
        r.insert(BASE, (BASE + 0x4000, 1));
        carve(&mut r, BASE + 0x2000, BASE + 0x2000, |_, _, _| {
            panic!("taken")
        });
        carve(&mut r, BASE + 0x3000, BASE, |_, _, _| panic!("taken"));
        carve(&mut r, BASE + 0x4000, BASE + 0x9000, |_, _, _| {
            panic!("taken")
        });
        assert_eq!(
            r.into_iter().collect::<Vec<_>>(),
            [(BASE, (BASE + 0x4000, 1))]
        );
    }

    #[test]
    fn within_clips_the_runs_to_the_range() {
        let mut r: Ranges<u8> = Ranges::new();
        r.insert(BASE, (BASE + 0x3000, 1));
        r.insert(BASE + 0x5000, (BASE + 0x6000, 2));
        r.insert(BASE + 2 * GIB, (BASE + 3 * GIB, 3));
        assert_eq!(
            within(&r, BASE + 0x1000, BASE + 2 * GIB + 0x1000),
            [
                (BASE + 0x1000, BASE + 0x3000),
                (BASE + 0x5000, BASE + 0x6000),
                (BASE + 2 * GIB, BASE + 2 * GIB + 0x1000)
            ]
        );
        assert!(within(&r, BASE + 0x3000, BASE + 0x5000).is_empty());
        assert!(within(&r, BASE, BASE).is_empty());
    }
}
