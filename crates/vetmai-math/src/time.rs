//! Epochs: 7-day periods aligned to the Unix epoch (SPEC §1). Lock ends are epoch boundaries.

/// Seconds in one epoch (7 days).
pub const EPOCH_SECONDS: i64 = 604_800;
/// Seconds in one day.
pub const DAY_SECONDS: i64 = 86_400;

/// Index of the epoch containing `ts` (`floor(ts / EPOCH_SECONDS)`); `None` before 1970.
pub fn epoch_of(ts: i64) -> Option<u64> {
    if ts < 0 {
        return None;
    }
    u64::try_from(ts.checked_div(EPOCH_SECONDS)?).ok()
}

/// Unix time of the start of epoch `epoch`.
pub fn epoch_start(epoch: u64) -> Option<i64> {
    i64::try_from(epoch).ok()?.checked_mul(EPOCH_SECONDS)
}

/// Smallest epoch boundary ≥ `ts` (`ts` itself when it is a boundary); `None` before 1970.
pub fn epoch_ceil(ts: i64) -> Option<i64> {
    if ts < 0 {
        return None;
    }
    let rem = ts.checked_rem(EPOCH_SECONDS)?;
    if rem == 0 {
        Some(ts)
    } else {
        ts.checked_sub(rem)?.checked_add(EPOCH_SECONDS)
    }
}

/// End of a lock of `duration` seconds starting at `now`: `now + duration` rounded up to a boundary.
pub fn lock_end(now: i64, duration: u64) -> Option<i64> {
    epoch_ceil(now.checked_add(i64::try_from(duration).ok()?)?)
}

/// Civil date (year, month 1–12, day 1–31) of a Unix day number (days since 1970-01-01), UTC.
/// Howard Hinnant's `civil_from_days`, integer only.
pub fn civil_from_days(days: i64) -> Option<(i64, u32, u32)> {
    let z = days.checked_add(719_468)?;
    let era = z.checked_sub(if z >= 0 { 0 } else { 146_096 })?.checked_div(146_097)?;
    let doe = z.checked_sub(era.checked_mul(146_097)?)?; // [0, 146096]
    let yoe = doe
        .checked_sub(doe.checked_div(1_460)?)?
        .checked_add(doe.checked_div(36_524)?)?
        .checked_sub(doe.checked_div(146_096)?)?
        .checked_div(365)?; // [0, 399]
    let doy =
        doe.checked_sub(yoe.checked_mul(365)?.checked_add(yoe.checked_div(4)?)?.checked_sub(yoe.checked_div(100)?)?)?; // [0, 365]
    let mp = doy.checked_mul(5)?.checked_add(2)?.checked_div(153)?; // [0, 11]
    let d = doy.checked_sub(mp.checked_mul(153)?.checked_add(2)?.checked_div(5)?)?.checked_add(1)?;
    let m = if mp < 10 { mp.checked_add(3)? } else { mp.checked_sub(9)? };
    let y = yoe.checked_add(era.checked_mul(400)?)?.checked_add(if m <= 2 { 1 } else { 0 })?;
    Some((y, u32::try_from(m).ok()?, u32::try_from(d).ok()?))
}

/// Unix day number of a civil date (inverse of [`civil_from_days`]).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> Option<i64> {
    let m = i64::from(m);
    let d = i64::from(d);
    let y = if m <= 2 { y.checked_sub(1)? } else { y };
    let era = y.checked_sub(if y >= 0 { 0 } else { 399 })?.checked_div(400)?;
    let yoe = y.checked_sub(era.checked_mul(400)?)?;
    let mp = if m > 2 { m.checked_sub(3)? } else { m.checked_add(9)? };
    let doy = mp.checked_mul(153)?.checked_add(2)?.checked_div(5)?.checked_add(d)?.checked_sub(1)?;
    let doe =
        yoe.checked_mul(365)?.checked_add(yoe.checked_div(4)?)?.checked_sub(yoe.checked_div(100)?)?.checked_add(doy)?;
    era.checked_mul(146_097)?.checked_add(doe)?.checked_sub(719_468)
}

/// Calendar month (UTC) containing `ts`, as `year * 12 + (month - 1)`: a single monotone index used
/// for monthly quotas and the monthly proposal limit.
pub fn month_index(ts: i64) -> Option<i64> {
    let (y, m, _) = civil_from_days(ts.div_euclid(DAY_SECONDS))?;
    y.checked_mul(12)?.checked_add(i64::from(m))?.checked_sub(1)
}

/// Unix time of 00:00 UTC on the first day of month index `idx` (see [`month_index`]).
pub fn month_start(idx: i64) -> Option<i64> {
    let y = idx.div_euclid(12);
    let m = u32::try_from(idx.rem_euclid(12)).ok()?.checked_add(1)?;
    days_from_civil(y, m, 1)?.checked_mul(DAY_SECONDS)
}

/// Start of the next calendar month (UTC) after the one containing `ts`: the quota reset time.
pub fn next_month_start(ts: i64) -> Option<i64> {
    month_start(month_index(ts)?.checked_add(1)?)
}
