#![allow(clippy::arithmetic_side_effects, clippy::unwrap_used)]
use super::*;
use crate::schedule::boundary_epoch;
use crate::time::*;
use proptest::prelude::*;

const YEAR: u64 = 365 * 86_400;
const MAX_MULT: u64 = 20_000;

fn thresholds(decimals: u8) -> [u64; LEVEL_COUNT] {
    thresholds_in_base_units(&DEFAULT_LEVEL_THRESHOLDS_TOKENS, decimals).unwrap()
}

#[test]
fn multiplier_table() {
    let cases = [
        (0, 10_000),
        (7 * 86_400, 10_191), // 10 000 + 10 000·604 800/31 536 000 = 10 191.78 → 10 191
        (YEAR / 2, 15_000),
        (YEAR, 20_000),
        (YEAR + 1, 20_000), // capped at max_lock
        (u64::MAX, 20_000),
    ];
    for (d, want) in cases {
        assert_eq!(multiplier_bps(d, YEAR, MAX_MULT), Some(want), "duration {d}");
    }
    assert_eq!(multiplier_bps(1, 0, MAX_MULT), None);
    assert_eq!(multiplier_bps(1, YEAR, 9_999), None);
    assert_eq!(multiplier_bps(YEAR, YEAR, 10_000), Some(10_000));
}

#[test]
fn score_table() {
    assert_eq!(score(1_000, 15_000), Some(1_500));
    assert_eq!(score(3, 10_001), Some(3)); // 3.0003 rounds down
    assert_eq!(score(u64::MAX, 20_000), Some(2 * u128::from(u64::MAX)));
    assert_eq!(lock_score(100_000_000, YEAR, YEAR, MAX_MULT), Some(200_000_000));
    assert_eq!(score(u64::MAX, u64::MAX), Some(u128::from(u64::MAX) * u128::from(u64::MAX) / 10_000));
}

#[test]
fn level_boundaries_exact() {
    let t = thresholds(6);
    assert_eq!(t[0], 22_000_000_000);
    assert_eq!(t[9], 7_777_000_000_000);
    assert_eq!(level(0, &t), 0);
    for (i, th) in t.iter().enumerate() {
        assert_eq!(level(u128::from(*th) - 1, &t), i as u8, "just below level {}", i + 1);
        assert_eq!(level(u128::from(*th), &t), i as u8 + 1, "at level {}", i + 1);
    }
    assert_eq!(level(u128::MAX, &t), 10);
    assert!(thresholds_valid(&t));
    assert!(thresholds_in_base_units(&DEFAULT_LEVEL_THRESHOLDS_TOKENS, 13).is_none());
    let mut bad = t;
    bad[3] = bad[2];
    assert!(!thresholds_valid(&bad));
}

#[test]
fn epochs_and_months() {
    assert_eq!(epoch_ceil(0), Some(0));
    assert_eq!(epoch_ceil(1), Some(EPOCH_SECONDS));
    assert_eq!(epoch_ceil(EPOCH_SECONDS), Some(EPOCH_SECONDS));
    assert_eq!(epoch_ceil(-1), None);
    assert_eq!(epoch_of(EPOCH_SECONDS - 1), Some(0));
    assert_eq!(epoch_of(EPOCH_SECONDS), Some(1));
    assert_eq!(lock_end(1_795_478_400, 7 * 86_400).unwrap() % EPOCH_SECONDS, 0);
    assert_eq!(boundary_epoch(EPOCH_SECONDS * 3), Some(3));
    assert_eq!(boundary_epoch(EPOCH_SECONDS * 3 + 1), None);
    // 2026-11-24 → reset at 2026-12-01; December → 2027-01-01; leap day.
    assert_eq!(next_month_start(1_795_478_400), Some(1_796_083_200));
    assert_eq!(next_month_start(1_796_083_200), Some(1_798_761_600));
    assert_eq!(next_month_start(1_798_761_599), Some(1_798_761_600));
    assert_eq!(next_month_start(1_835_395_200), Some(1_835_481_600));
    assert_eq!(civil_from_days(951_868_800 / 86_400), Some((2000, 3, 1)));
    assert_eq!(month_start(month_index(0).unwrap()), Some(0));
}

#[test]
fn constant_buckets() {
    let b = [(YEAR, 10u128), (7 * 86_400, 5u128)];
    assert_eq!(constant_locked_through(b, 1_000, 1_000), Some(15));
    assert_eq!(constant_locked_through(b, 1_000, 1_000 + 7 * 86_400), Some(15));
    assert_eq!(constant_locked_through(b, 1_000, 1_001 + 7 * 86_400), Some(10));
    assert_eq!(constant_locked_through(b, 1_000, 1_001 + YEAR as i64), Some(0));
}

struct Sched {
    epoch: u64,
    active: u128,
    ring: [u128; RING_LEN],
}

impl Sched {
    fn at(epoch: u64) -> Self {
        Sched { epoch, active: 0, ring: [0; RING_LEN] }
    }
    fn m(&mut self) -> ScheduleMut<'_> {
        ScheduleMut { epoch: &mut self.epoch, active: &mut self.active, ring: &mut self.ring }
    }
    fn r(&self) -> ScheduleRef<'_> {
        ScheduleRef { epoch: self.epoch, ring: &self.ring }
    }
}

#[test]
fn schedule_window_and_expiry() {
    let mut s = Sched::at(100);
    let b = |e: i64| e * EPOCH_SECONDS;
    assert!(s.m().add(b(100), 1).is_none(), "past boundary rejected");
    assert!(s.m().add(b(164), 1).is_none(), "beyond window rejected");
    assert!(s.m().add(b(101) + 1, 1).is_none(), "not a boundary");
    s.m().add(b(101), 5).unwrap();
    s.m().add(b(163), 7).unwrap();
    assert_eq!(s.active, 12);
    assert_eq!(s.r().active_at(b(101) - 1), Some(12));
    assert_eq!(s.r().active_at(b(101)), Some(7));
    assert_eq!(s.r().locked_through(b(101)), Some(12));
    let mut seen = vec![];
    s.m()
        .advance_with(101, |e, before, ending| {
            seen.push((e, before, ending));
            Some(())
        })
        .unwrap();
    assert_eq!(seen, vec![(101, 12, 5)]);
    assert_eq!(s.active, 7);
    // A year-long gap is applied with bounded work.
    s.m().advance(10_000).unwrap();
    assert_eq!((s.epoch, s.active), (10_000, 0));
    assert!(s.ring.iter().all(|x| *x == 0));
    // Removing an entry that already expired is a no-op.
    s.m().remove(b(163), 7).unwrap();
}

proptest! {
    #[test]
    fn multiplier_monotone_in_duration(a in 0u64..=2 * YEAR, b in 0u64..=2 * YEAR, max_mult in 10_000u64..=100_000) {
        let (lo, hi) = (a.min(b), a.max(b));
        let ml = multiplier_bps(lo, YEAR, max_mult).unwrap();
        let mh = multiplier_bps(hi, YEAR, max_mult).unwrap();
        prop_assert!(ml <= mh);
        prop_assert!((10_000..=max_mult).contains(&ml));
    }

    #[test]
    fn score_never_overflows_and_is_monotone(a in any::<u64>(), b in any::<u64>(), d1 in 0u64..=YEAR, d2 in 0u64..=YEAR) {
        let (lo, hi) = (a.min(b), a.max(b));
        let (dl, dh) = (d1.min(d2), d1.max(d2));
        let s = |amt, d| lock_score(amt, d, YEAR, MAX_MULT).unwrap();
        prop_assert!(s(lo, dl) <= s(hi, dl));
        prop_assert!(s(lo, dl) <= s(lo, dh));
        prop_assert!(s(hi, dh) >= u128::from(hi));
        prop_assert!(s(hi, dh) <= 2 * u128::from(hi));
    }

    #[test]
    fn level_is_monotone(a in any::<u128>(), b in any::<u128>()) {
        let t = thresholds(9);
        prop_assert!(level(a.min(b), &t) <= level(a.max(b), &t));
    }

    #[test]
    fn next_month_start_is_first_of_month(ts in 0i64..4_102_444_800) {
        let n = next_month_start(ts).unwrap();
        prop_assert!(n > ts);
        let (_, _, d) = civil_from_days(n / 86_400).unwrap();
        prop_assert_eq!(d, 1);
        prop_assert_eq!(n % 86_400, 0);
        prop_assert_eq!(month_index(n).unwrap(), month_index(ts).unwrap() + 1);
        prop_assert!(n - ts <= 31 * 86_400);
    }

    /// Random adds, removes and clock moves against a plain list of (end, score).
    #[test]
    fn schedule_matches_plain_list(ops in prop::collection::vec((0u8..3, 1u64..60, 1u128..1_000_000, 0u64..20), 1..200)) {
        let mut s = Sched::at(1_000);
        let mut list: Vec<(i64, u128)> = vec![];
        let mut now_epoch = 1_000u64;
        for (op, k, score, step) in ops {
            match op {
                0 => {
                    let end = (now_epoch + k) as i64 * EPOCH_SECONDS;
                    s.m().add(end, score).unwrap();
                    list.push((end, score));
                }
                1 if !list.is_empty() => {
                    let (end, sc) = list.remove((k as usize) % list.len());
                    s.m().remove(end, sc).unwrap();
                }
                _ => {
                    now_epoch += step;
                    s.m().advance(now_epoch).unwrap();
                    list.retain(|(end, _)| *end > now_epoch as i64 * EPOCH_SECONDS);
                }
            }
            let now = now_epoch as i64 * EPOCH_SECONDS;
            let plain: u128 = list.iter().filter(|(e, _)| *e > now).map(|(_, s)| s).sum();
            prop_assert_eq!(s.active, plain);
            prop_assert_eq!(s.r().active_at(now).unwrap(), plain);
            let t = now + 10 * EPOCH_SECONDS;
            let plain_t: u128 = list.iter().filter(|(e, _)| *e >= t).map(|(_, s)| s).sum();
            prop_assert_eq!(s.r().locked_through(t).unwrap(), plain_t);
        }
    }
}

mod reward_math {
    use crate::rewards::*;
    use proptest::prelude::*;

    #[test]
    fn stream_rate_table() {
        assert_eq!(stream_rate(700, 7), Some((100 * RATE_SCALE, 0)));
        // 10 over 3 s: 3.333… per second, the rounding below 1e-18 per second kept as residual.
        let (rate, residual) = stream_rate(10, 3).unwrap();
        assert_eq!(rate * 3 + residual, 10 * RATE_SCALE);
        assert_eq!(residual, 1);
        assert_eq!(released_over(rate, 1, 0), Some((3, rate - 3 * RATE_SCALE)));
        assert_eq!(stream_rate(1, 0), None);
        // The largest amount over the longest span still fits.
        let (rate, residual) = stream_rate(u64::MAX, 60 * 604_800).unwrap();
        assert!(residual < 60 * 604_800);
        assert_eq!(released_over(rate, 60 * 604_800, residual), Some((u64::MAX, 0)));
        assert_eq!(released_over(u128::MAX, 2, 0), None);
    }

    #[test]
    fn earned_table() {
        let inc = acc_increment(1_000, 3).unwrap();
        assert_eq!(earned(1, 0, inc), Some(333));
        assert_eq!(earned(3, 0, inc), Some(999)); // one unit of dust stays
        assert_eq!(acc_increment(1, 0), None);
        // Wrapping accumulator: differences across the wrap are still exact.
        let from = u128::MAX - ACC_SCALE + 1;
        assert_eq!(earned(5, from, from.wrapping_add(2 * ACC_SCALE)), Some(10));
    }

    proptest! {
        #[test]
        fn mul_div_matches_exact_arithmetic(a in any::<u64>(), b in any::<u128>(), d in 1u128..) {
            // a · b / d with a < 2^64 computed exactly by splitting b.
            let want = {
                let (q1, r1) = (b / d, b % d);
                // a·b/d = a·q1 + a·r1/d ; a·r1 < 2^64·d may overflow u128 for large d, so only check when it fits.
                (u128::from(a).checked_mul(q1), u128::from(a).checked_mul(r1))
            };
            if let (Some(x), Some(y)) = want {
                if let Some(sum) = x.checked_add(y / d) {
                    prop_assert_eq!(mul_div_floor(u128::from(a), b, d), Some(sum));
                }
            }
        }

        #[test]
        fn shares_never_exceed_what_was_released(released in any::<u64>(), scores in prop::collection::vec(1u128..u64::MAX as u128, 1..20)) {
            let total: u128 = scores.iter().sum();
            let inc = acc_increment(released, total).unwrap();
            let paid: u128 = scores.iter().map(|s| u128::from(earned(*s, 0, inc).unwrap())).sum();
            prop_assert!(paid <= u128::from(released));
            // Dust is below one unit per share plus the accumulator's rounding.
            prop_assert!(u128::from(released) - paid <= scores.len() as u128 + total / ACC_SCALE + 1);
        }

        #[test]
        fn streams_release_exactly_their_amounts_by_their_ends(
            deposits in prop::collection::vec((1u64..u64::MAX / 64, 1u64..40_000_000), 1..8),
            cuts in prop::collection::vec(1u64..10_000_000, 1..30),
        ) {
            // Every deposit starts at 0 and ends at its span; release is cut at arbitrary points
            // and at every end, as the pool does.
            let mut ends: Vec<u64> = deposits.iter().map(|d| d.1).collect();
            let mut t = 0;
            for c in &cuts { t += c; ends.push(t); }
            ends.sort_unstable();
            ends.dedup();
            let mut rate: u128 = 0;
            let mut residual: u128 = 0;
            for (amount, span) in &deposits {
                let (r, res) = stream_rate(*amount, *span).unwrap();
                rate += r;
                residual += res;
            }
            let (mut last, mut frac, mut out) = (0u64, 0u128, 0u128);
            for t in ends {
                let (released, f) = released_over(rate, t - last, frac).unwrap();
                out += u128::from(released);
                frac = f;
                last = t;
                for (amount, span) in &deposits {
                    if *span == t {
                        rate -= stream_rate(*amount, *span).unwrap().0;
                    }
                }
                // What has streamed so far, each deposit rounded down: within one unit per deposit.
                let exact: u128 = deposits.iter().map(|(a, s)| u128::from(*a) * u128::from(t.min(*s)) / u128::from(*s)).sum();
                prop_assert!(exact.abs_diff(out) <= deposits.len() as u128, "released {} of {}", out, exact);
            }
            prop_assert_eq!(rate, 0);
            // Once every stream has ended, the residuals complete the amounts to the base unit.
            let (rest, frac) = released_over(0, 0, frac + residual).unwrap();
            prop_assert_eq!(frac, 0);
            prop_assert_eq!(out + u128::from(rest), deposits.iter().map(|d| u128::from(d.0)).sum::<u128>());
        }
    }
}

mod governance_math {
    use crate::governance::*;
    use proptest::prelude::*;

    #[test]
    fn pass_rule_table() {
        // total 1 000: quorum 25% = 250; margin 10%.
        assert_eq!(passes(200, 49, 0, 1_000, 2_500, 1_000), Some(false), "turnout 249 < 250");
        assert_eq!(passes(200, 50, 0, 1_000, 2_500, 1_000), Some(true), "turnout 250, lead 150 ≥ 25");
        assert_eq!(passes(0, 0, 250, 1_000, 2_500, 1_000), Some(false), "quorum by abstain alone, no yes");
        assert_eq!(passes(550, 450, 0, 1_000, 2_500, 1_000), Some(true), "lead exactly 10% of yes + no");
        assert_eq!(passes(549, 450, 0, 1_000, 2_500, 1_000), Some(false), "lead 99 < 10% of 999");
        assert_eq!(passes(500, 500, 0, 1_000, 2_500, 0), Some(false), "a tie never passes");
    }

    proptest! {
        #[test]
        fn pro_rata_sums_to_the_cap(amounts in prop::collection::vec(1u64..1_000_000_000, 1..50), cap in 1u64..10_000_000_000) {
            let total: u64 = amounts.iter().sum();
            let mut from = 0;
            let mut sum = 0u64;
            for a in &amounts {
                let got = pro_rata(from, *a, total, cap).unwrap();
                prop_assert!(got <= *a);
                sum += got;
                from += a;
            }
            prop_assert_eq!(sum, total.min(cap));
        }
    }
}
