//! Exact monthly metering. Admission is one conditional upsert on the key's row for the month:
//! Postgres serializes concurrent upserts on a row, so across any number of API processes the
//! number of admitted calls never exceeds the quota.
use sqlx::{PgPool, Row};

use crate::tiers::Tier;
use crate::ApiError;

/// The answer to "may this key make this call, and how many are left?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Decision {
    pub allowed: bool,
    /// Calls counted within the quota this month (including this one when admitted).
    pub used: u64,
    /// The month's quota.
    pub limit: u64,
    pub remaining: u64,
    /// Calls this month beyond the quota, metered for billing (paid tiers with overage on).
    pub overage: u64,
    /// Unix seconds when the quota resets (00:00 UTC on the first of next month).
    pub reset: i64,
}

/// Counts `n` calls of key `key_id` at `now` against `tier`, in one statement: the first
/// `granted = min(n, limit − used)` are admitted within the quota; the rest are metered as overage
/// (paid tier, overage on) or refused. Returns one decision per call, in order.
pub async fn check_many(
    pool: &PgPool,
    key_id: i64,
    tier: Tier,
    overage: bool,
    now: i64,
    n: usize,
) -> Result<Vec<Decision>, ApiError> {
    let month = i32::try_from(vetmai_math::time::month_index(now).ok_or(ApiError::Overflow)?)
        .map_err(|_| ApiError::Overflow)?;
    let reset = vetmai_math::time::next_month_start(now).ok_or(ApiError::Overflow)?;
    let limit = tier.calls_per_month;
    let limit_i = i64::try_from(limit).map_err(|_| ApiError::Overflow)?;
    let n_i = i64::try_from(n).map_err(|_| ApiError::Overflow)?;
    let meter_overage = overage && tier.overage_micro_usd.is_some();
    // The row lock taken by `for update` orders concurrent batches from every process.
    let sql = "with g as (select least($3::int8, greatest($4::int8 - used, 0)) as granted \
                 from api_usage where key_id = $1 and month = $2 for update) \
               update api_usage u set used = u.used + g.granted, \
                 overage = u.overage + case when $5 then $3::int8 - g.granted else 0 end \
               from g where u.key_id = $1 and u.month = $2 \
               returning u.used, u.overage, g.granted";
    let run =
        || sqlx::query(sql).bind(key_id).bind(month).bind(n_i).bind(limit_i).bind(meter_overage).fetch_optional(pool);
    let row = match run().await? {
        Some(r) => r,
        None => {
            // First call of the month: create the row, then count.
            sqlx::query("insert into api_usage (key_id, month) values ($1, $2) on conflict do nothing")
                .bind(key_id)
                .bind(month)
                .execute(pool)
                .await?;
            run().await?.ok_or(ApiError::Overflow)?
        }
    };
    let used_after = u64::try_from(row.get::<i64, _>(0)).map_err(|_| ApiError::Overflow)?;
    let over_after = u64::try_from(row.get::<i64, _>(1)).map_err(|_| ApiError::Overflow)?;
    let granted = usize::try_from(row.get::<i64, _>(2)).map_err(|_| ApiError::Overflow)?;
    let first_used = used_after - granted as u64;
    let extra = (n - granted) as u64;
    let first_over = if meter_overage { over_after - extra } else { over_after };
    Ok((0..n)
        .map(|i| {
            let admitted = i < granted;
            let used = if admitted { first_used + i as u64 + 1 } else { used_after };
            let overage = if !admitted && meter_overage {
                first_over + (i - granted) as u64 + 1
            } else if admitted {
                first_over
            } else {
                over_after
            };
            Decision {
                allowed: admitted || meter_overage,
                used,
                limit,
                remaining: limit.saturating_sub(used),
                overage,
                reset,
            }
        })
        .collect())
}

/// Counts one call (see [`check_many`]).
pub async fn check(pool: &PgPool, key_id: i64, tier: Tier, overage: bool, now: i64) -> Result<Decision, ApiError> {
    check_many(pool, key_id, tier, overage, now, 1).await?.pop().ok_or(ApiError::Overflow)
}
