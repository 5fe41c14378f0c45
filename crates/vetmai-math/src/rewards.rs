//! Reward streaming and the reward-per-score accumulator (SPEC §4).
//!
//! A deposit streams linearly until `stream_end`; what is released over an interval is shared by
//! the score active during it: `acc += released · ACC_SCALE / total_score`. A position with score
//! `s` earns `s · (acc_to − acc_from) / ACC_SCALE`, rounded down. The accumulator is allowed to
//! wrap (like Uniswap's fee growth): only differences are meaningful, so it never bricks a pool.

/// Fixed-point scale of the accumulator (reward base units per score unit × 1e18).
pub const ACC_SCALE: u128 = 1_000_000_000_000_000_000;

/// Tokens a linear stream releases over `(last, t]`: all of `remaining` once `t ≥ end`,
/// otherwise `remaining · (t − last) / (end − last)` rounded down (the rounding stays in the
/// stream and is released later, so nothing is lost).
pub fn stream_release(remaining: u64, last: i64, end: i64, t: i64) -> Option<u64> {
    if t <= last || remaining == 0 {
        return Some(0);
    }
    if t >= end {
        return Some(remaining);
    }
    let elapsed = u128::try_from(t.checked_sub(last)?).ok()?;
    let span = u128::try_from(end.checked_sub(last)?).ok()?;
    u64::try_from(u128::from(remaining).checked_mul(elapsed)?.checked_div(span)?).ok()
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
