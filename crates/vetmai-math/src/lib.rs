//! Pure, checked integer math shared by the veTMAI program, the indexer and the access API.
//!
//! Nothing here allocates, reads the clock or touches I/O, and nothing uses floating point:
//! the program runs these exact functions on-chain and the off-chain services run them on
//! mirrored account data, so both sides compute the same numbers to the base unit.
//! Every fallible function returns `Option`, `None` meaning "out of range / would overflow".
#![cfg_attr(not(test), no_std)]
#![deny(clippy::arithmetic_side_effects, clippy::unwrap_used)]

pub mod governance;
pub mod rewards;
pub mod schedule;
pub mod time;

pub use schedule::{ScheduleMut, ScheduleRef, RING_LEN};
pub use time::{DAY_SECONDS, EPOCH_SECONDS};

/// Basis-point denominator: 10 000 bps = 1.0x.
pub const BPS: u64 = 10_000;
/// Number of Staking Score levels above level 0 (SPEC §3).
pub const LEVEL_COUNT: usize = 10;
/// Published level thresholds in whole TMAI (Token Metrics); multiplied by 10^decimals on-chain.
pub const DEFAULT_LEVEL_THRESHOLDS_TOKENS: [u64; LEVEL_COUNT] =
    [22_000, 111_000, 222_000, 444_000, 888_000, 1_333_000, 3_333_000, 4_444_000, 5_555_000, 7_777_000];

/// `multiplier_bps(d) = 10 000 + (max_multiplier_bps − 10 000) · min(d, max_lock) / max_lock`.
///
/// `duration` and `max_lock` are seconds. Durations beyond `max_lock` earn the maximum (this only
/// happens for the remaining time of a lock whose end was rounded up to an epoch boundary, or after
/// the DAO shortened `max_lock`). `None` when `max_lock` is zero or `max_multiplier_bps < 10 000`.
pub fn multiplier_bps(duration: u64, max_lock: u64, max_multiplier_bps: u64) -> Option<u64> {
    if max_lock == 0 || max_multiplier_bps < BPS {
        return None;
    }
    let d = duration.min(max_lock);
    let extra = u128::from(max_multiplier_bps.checked_sub(BPS)?)
        .checked_mul(u128::from(d))?
        .checked_div(u128::from(max_lock))?;
    BPS.checked_add(u64::try_from(extra).ok()?)
}

/// `score = amount · multiplier_bps / 10 000`, rounded down. Exact for every `u64` amount and
/// every multiplier up to `u64::MAX` bps (the product fits in `u128`).
pub fn score(amount: u64, multiplier_bps: u64) -> Option<u128> {
    u128::from(amount).checked_mul(u128::from(multiplier_bps))?.checked_div(u128::from(BPS))
}

/// Score of `amount` locked for `duration` seconds under the given parameters.
pub fn lock_score(amount: u64, duration: u64, max_lock: u64, max_multiplier_bps: u64) -> Option<u128> {
    score(amount, multiplier_bps(duration, max_lock, max_multiplier_bps)?)
}

/// Level = number of thresholds ≤ `ve` (SPEC §3). Thresholds are base units.
pub fn level(ve: u128, thresholds: &[u64; LEVEL_COUNT]) -> u8 {
    let mut n: u8 = 0;
    for t in thresholds {
        if u128::from(*t) <= ve {
            n = n.saturating_add(1);
        }
    }
    n
}

/// Thresholds in base units from whole-token thresholds and the mint's decimals.
pub fn thresholds_in_base_units(tokens: &[u64; LEVEL_COUNT], decimals: u8) -> Option<[u64; LEVEL_COUNT]> {
    let scale = 10u64.checked_pow(u32::from(decimals))?;
    let mut out = [0u64; LEVEL_COUNT];
    for (o, t) in out.iter_mut().zip(tokens.iter()) {
        *o = t.checked_mul(scale)?;
    }
    Some(out)
}

/// Whether thresholds are strictly increasing and the first is non-zero (so level 0 exists).
pub fn thresholds_valid(thresholds: &[u64; LEVEL_COUNT]) -> bool {
    thresholds[0] > 0 && thresholds.windows(2).all(|w| w[0] < w[1])
}

/// Guaranteed score of Constant positions through time `t`, seen at `now`: a Constant position of
/// duration `d` counts when `now + d ≥ t` (had unlocking begun now, it would still be locked).
/// `buckets` yields `(duration seconds, score)`.
pub fn constant_locked_through<I: IntoIterator<Item = (u64, u128)>>(buckets: I, now: i64, t: i64) -> Option<u128> {
    let need = t.saturating_sub(now);
    let mut sum: u128 = 0;
    for (d, s) in buckets {
        let d = i64::try_from(d).ok()?;
        if d >= need {
            sum = sum.checked_add(s)?;
        }
    }
    Some(sum)
}

#[cfg(test)]
mod tests;
