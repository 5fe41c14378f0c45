//! Exact monthly metering. Admission happens in one statement under the usage rows' locks
//! (`select … for update` then `update`, rows locked in key order): Postgres serializes concurrent
//! statements on a row, so across any number of API processes the number of admitted calls never
//! exceeds the quota. One statement meters a whole batch of checks, over any number of keys.
use std::collections::HashMap;

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

/// What the caller's tier was computed from, re-checked by the metering statement itself: the
/// wallet's mirrored staker row is the version read (`xmin`, or −1 for none). With a guard, the
/// statement counts nothing once the chain (through the indexer) has moved on, and says so.
#[derive(Debug, Clone)]
pub struct Guard {
    /// The wallet (the staker row's `owner`).
    pub wallet: String,
    pub staker_version: i64,
}

/// Why a guarded count did not happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stale {
    KeyRevoked,
    Staker,
    Thresholds,
}

/// `n` calls of one key to count under `tier`.
#[derive(Debug, Clone)]
pub struct Request {
    pub key_id: i64,
    pub tier: Tier,
    /// The key meters calls beyond a paid quota instead of refusing them.
    pub overage: bool,
    pub n: usize,
    pub guard: Option<Guard>,
}

/// Counts `n` calls of key `key_id` at `now` against `tier`: the first
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
    let req = Request { key_id, tier, overage, n, guard: None };
    match check_batch(pool, &[req], now, None).await?.pop() {
        Some(Ok(d)) => Ok(d),
        _ => Err(ApiError::UnknownKey),
    }
}

/// Meters every request (distinct keys) in one statement at `now`; `thresholds` (the config's
/// `level_thresholds::text` the tiers were computed with) is re-checked like the guards. Answers
/// per request, in order: its decisions, or why it was not counted.
pub async fn check_batch(
    pool: &PgPool,
    reqs: &[Request],
    now: i64,
    thresholds: Option<&str>,
) -> Result<Vec<Result<Vec<Decision>, Stale>>, ApiError> {
    let month = i32::try_from(vetmai_math::time::month_index(now).ok_or(ApiError::Overflow)?)
        .map_err(|_| ApiError::Overflow)?;
    let reset = vetmai_math::time::next_month_start(now).ok_or(ApiError::Overflow)?;
    let mut ids = vec![];
    let mut ns = vec![];
    let mut limits = vec![];
    let mut overages = vec![];
    let mut wallets: Vec<Option<String>> = vec![];
    let mut versions = vec![];
    for r in reqs {
        ids.push(r.key_id);
        ns.push(i64::try_from(r.n).map_err(|_| ApiError::Overflow)?);
        limits.push(i64::try_from(r.tier.calls_per_month).map_err(|_| ApiError::Overflow)?);
        overages.push(r.overage && r.tier.overage_micro_usd.is_some());
        wallets.push(r.guard.as_ref().map(|g| g.wallet.clone()));
        versions.push(r.guard.as_ref().map_or(-1, |g| g.staker_version));
    }
    // `fresh` is read in the same statement that counts, so what each tier was computed from is
    // current when it counts; usage rows are locked in key order (no deadlock between processes).
    let sql = "with req as (select * from unnest($1::int8[], $2::int8[], $3::int8[], $4::bool[], $5::text[], \
                   $6::int8[]) as r(key_id, n, lim, ovg, wallet, ver)), \
               cfg as (select ($8::text is null or coalesce((select level_thresholds::text from config \
                   where not closed order by slot desc limit 1), '') = $8) as ok), \
               fresh as (select r.*, \
                   exists(select 1 from api_key k where k.id = r.key_id and k.revoked_at is null) as live, \
                   (r.wallet is null or coalesce((select s.xmin::text::int8 from staker s \
                      where s.owner = r.wallet and not s.closed), -1) = r.ver) as staker_ok \
                 from req r), \
               g as (select u.key_id, least(f.n, greatest(f.lim - u.used, 0)) as granted, f.n, f.ovg \
                 from api_usage u join fresh f on u.key_id = f.key_id and u.month = $7, cfg \
                 where f.live and f.staker_ok and cfg.ok order by u.key_id for update of u), \
               upd as (update api_usage u set used = u.used + g.granted, \
                   overage = u.overage + case when g.ovg then g.n - g.granted else 0 end \
                 from g where u.key_id = g.key_id and u.month = $7 \
                 returning u.key_id, u.used, u.overage, g.granted) \
               select f.key_id, f.live, f.staker_ok, cfg.ok, upd.used, upd.overage, upd.granted \
               from fresh f cross join cfg left join upd on upd.key_id = f.key_id";
    let run = |ids: &[i64], ns: &[i64], limits: &[i64], ovg: &[bool], w: &[Option<String>], v: &[i64]| {
        sqlx::query(sql)
            .bind(ids.to_vec())
            .bind(ns.to_vec())
            .bind(limits.to_vec())
            .bind(ovg.to_vec())
            .bind(w.to_vec())
            .bind(v.to_vec())
            .bind(month)
            .bind(thresholds)
            .fetch_all(pool)
    };
    type Outcome = Result<(i64, i64, i64), Stale>;
    let read = |rows: Vec<sqlx::postgres::PgRow>| -> HashMap<i64, Option<Outcome>> {
        rows.into_iter()
            .map(|row| {
                let out = if !row.get::<bool, _>(1) {
                    Some(Err(Stale::KeyRevoked))
                } else if !row.get::<bool, _>(2) {
                    Some(Err(Stale::Staker))
                } else if !row.get::<bool, _>(3) {
                    Some(Err(Stale::Thresholds))
                } else {
                    match (row.get::<Option<i64>, _>(4), row.get::<Option<i64>, _>(5), row.get::<Option<i64>, _>(6)) {
                        (Some(u), Some(o), Some(g)) => Some(Ok((u, o, g))),
                        // No usage row for the month yet.
                        _ => None,
                    }
                };
                (row.get::<i64, _>(0), out)
            })
            .collect()
    };
    let mut outcomes = read(run(&ids, &ns, &limits, &overages, &wallets, &versions).await?);
    // First calls of the month: create the rows, then count those requests.
    let missing: Vec<usize> = (0..reqs.len()).filter(|i| matches!(outcomes.get(&ids[*i]), Some(None))).collect();
    if !missing.is_empty() {
        let pick = |v: &[i64]| missing.iter().map(|i| v[*i]).collect::<Vec<_>>();
        sqlx::query("insert into api_usage (key_id, month) select unnest($1::int8[]), $2 on conflict do nothing")
            .bind(pick(&ids))
            .bind(month)
            .execute(pool)
            .await?;
        let ovg: Vec<bool> = missing.iter().map(|i| overages[*i]).collect();
        let w: Vec<Option<String>> = missing.iter().map(|i| wallets[*i].clone()).collect();
        let again = read(run(&pick(&ids), &pick(&ns), &pick(&limits), &ovg, &w, &pick(&versions)).await?);
        outcomes.extend(again);
    }
    reqs.iter()
        .zip(&overages)
        .map(|(r, meter_overage)| match outcomes.get(&r.key_id) {
            Some(Some(Ok((used, over, granted)))) => {
                Ok(Ok(decisions(r, *meter_overage, (*used, *over, *granted), reset)?))
            }
            Some(Some(Err(stale))) => Ok(Err(*stale)),
            _ => Err(ApiError::Internal(format!("key {} was not metered", r.key_id))),
        })
        .collect()
}

/// Spreads a counted batch over its calls, in order.
fn decisions(
    r: &Request,
    meter_overage: bool,
    counted: (i64, i64, i64),
    reset: i64,
) -> Result<Vec<Decision>, ApiError> {
    let (used_after, over_after, granted) = counted;
    let used_after = u64::try_from(used_after).map_err(|_| ApiError::Overflow)?;
    let over_after = u64::try_from(over_after).map_err(|_| ApiError::Overflow)?;
    let granted = usize::try_from(granted).map_err(|_| ApiError::Overflow)?;
    let (n, limit) = (r.n, r.tier.calls_per_month);
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
