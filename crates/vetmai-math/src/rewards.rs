//! Reward streaming and the reward-per-score accumulator (SPEC §4).
//!
//! Each deposit streams linearly over its own period, at a fixed-point rate; the pool keeps the
//! sum of the running rates and, per epoch boundary, the rate that stops there. What is released
//! over an interval is shared by the score active during it:
//! `acc += released · ACC_SCALE / total_score`. A position with score
//! `s` earns `s · (acc_to − acc_from) / ACC_SCALE`, rounded down. The accumulator is allowed to
//! wrap (like Uniswap's fee growth): only differences are meaningful, so it never bricks a pool.

/// Fixed-point scale of the accumulator (reward base units per score unit × 1e18).
pub const ACC_SCALE: u128 = 1_000_000_000_000_000_000;

/// End of a stream of revenue deposited at `now` over `period` seconds: the first epoch boundary
/// at least `period` later, so the pool can stop each stream's rate at a boundary.
pub fn stream_end(now: i64, period: u64) -> Option<i64> {
    crate::time::epoch_ceil(now.checked_add(i64::try_from(period).ok()?)?)
}

/// Fixed-point scale of stream rates: base units per second × 1e18.
pub const RATE_SCALE: u128 = 1_000_000_000_000_000_000;

/// Rate at which `amount` streams over `span` seconds (base units × [`RATE_SCALE`] per second,
/// rounded down) and what the rounding leaves over the whole span (`RATE_SCALE` units, `< span`,
/// i.e. below 1e-10 of a base unit for any span under three years). `None` if `span == 0`.
pub fn stream_rate(amount: u64, span: u64) -> Option<(u128, u128)> {
    let total = u128::from(amount).checked_mul(RATE_SCALE)?;
    let rate = total.checked_div(u128::from(span))?;
    let residual = total.checked_sub(rate.checked_mul(u128::from(span))?)?;
    Some((rate, residual))
}

/// Whole base units that streams of total `rate` release over `dt` seconds, given `frac`
/// (`RATE_SCALE` units released earlier but not yet a whole unit): `(released, new frac)`, the
/// new `frac < RATE_SCALE`. Nothing is lost to rounding: the fraction is carried.
pub fn released_over(rate: u128, dt: u64, frac: u128) -> Option<(u64, u128)> {
    let total = rate.checked_mul(u128::from(dt))?.checked_add(frac)?;
    let whole = u64::try_from(total.checked_div(RATE_SCALE)?).ok()?;
    Some((whole, total.checked_rem(RATE_SCALE)?))
}

/// Accumulator increase when `released` tokens are shared by `total_score`; `None` if the total
/// is zero (the caller carries the tokens forward instead).
pub fn acc_increment(released: u64, total_score: u128) -> Option<u128> {
    if total_score == 0 {
        return None;
    }
    mul_div_floor(u128::from(released), ACC_SCALE, total_score)
}

/// Tokens earned by `score` while the accumulator moved from `acc_from` to `acc_to`, rounded down.
pub fn earned(score: u128, acc_from: u128, acc_to: u128) -> Option<u64> {
    u64::try_from(mul_div_floor(score, acc_to.wrapping_sub(acc_from), ACC_SCALE)?).ok()
}

/// `floor(a · b / d)` with a 256-bit intermediate; `None` if `d == 0` or the result exceeds u128.
pub fn mul_div_floor(a: u128, b: u128, d: u128) -> Option<u128> {
    if d == 0 {
        return None;
    }
    let (hi, lo) = mul_wide(a, b);
    div_wide(hi, lo, d)
}

/// 128 × 128 → 256-bit product as (high, low).
fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    const MASK: u128 = u64::MAX as u128;
    let (a1, a0) = (a >> 64, a & MASK);
    let (b1, b0) = (b >> 64, b & MASK);
    // Each partial product of two 64-bit halves fits in u128.
    let p00 = a0.wrapping_mul(b0);
    let p01 = a0.wrapping_mul(b1);
    let p10 = a1.wrapping_mul(b0);
    let p11 = a1.wrapping_mul(b1);
    let mid = (p00 >> 64).wrapping_add(p01 & MASK).wrapping_add(p10 & MASK);
    let lo = (p00 & MASK) | (mid << 64);
    let hi = p11.wrapping_add(p01 >> 64).wrapping_add(p10 >> 64).wrapping_add(mid >> 64);
    (hi, lo)
}

/// (hi·2^128 + lo) / d, if the quotient fits u128 (i.e. `hi < d`). Bitwise long division.
fn div_wide(hi: u128, lo: u128, d: u128) -> Option<u128> {
    if hi >= d {
        return None;
    }
    if hi == 0 {
        return lo.checked_div(d);
    }
    let mut rem = hi;
    let mut q: u128 = 0;
    for i in (0..128u32).rev() {
        let carry = rem >> 127;
        rem = (rem << 1) | ((lo >> i) & 1);
        q <<= 1;
        if carry == 1 || rem >= d {
            rem = rem.wrapping_sub(d);
            q |= 1;
        }
    }
    Some(q)
}
