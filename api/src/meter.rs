//! Exact monthly metering in Postgres: `api_meter` (migrations `…_api_quota_leases.sql` and
//! `…_api_wallet_quota.sql`) decides a batch of calls over any number of keys in one statement,
//! under the locks of their wallets' usage rows (taken in wallet order, so processes never
//! deadlock). The quota is the wallet's: all its keys draw on it. What is leased to one key in
//! one process (reserved to admit from memory, see [`crate::coalesce`]) is not free to any other
//! key or process, so across any number of keys and processes the calls admitted never exceed
//! the wallet's quota.
use sqlx::{PgPool, Row as _};

use crate::tiers::Tier;
use crate::ApiError;

/// The answer to "may this key make this call, and how many are left?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Decision {
    pub allowed: bool,
    /// Calls counted within the wallet's quota this month, by all its keys (including this one when
    /// admitted).
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
/// statement decides nothing once the chain (through the indexer) has moved on, and says so.
#[derive(Debug, Clone)]
pub struct Guard {
    /// The wallet (the staker row's `owner`).
    pub wallet: String,
    pub staker_version: i64,
}

/// What a holder did with its lease since it last reported.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    /// Calls admitted from the lease (they become `used`).
    pub used: u64,
    /// Calls metered as overage (paid tier, overage on, quota spent).
    pub over: u64,
    /// Unused lease given back.
    pub release: u64,
}

impl Report {
    pub fn is_empty(&self) -> bool {
        *self == Report::default()
    }
}

/// One row of a metering statement: key `key_id` in month `month`.
#[derive(Debug, Clone)]
pub struct Row {
    pub key_id: i64,
    pub month: i32,
    /// Calls to decide now.
    pub n: u64,
    pub tier: Tier,
    /// The key meters calls beyond a paid quota instead of refusing them.
    pub overage: bool,
    pub guard: Option<Guard>,
    /// Lease this many more calls, if the quota has room.
    pub want: u64,
    pub report: Report,
}

/// What the statement did with one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub key_live: bool,
    pub staker_current: bool,
    pub thresholds_current: bool,
    /// The wallet's usage of the month after this row (all its keys).
    pub used: u64,
    pub overage: u64,
    /// Calls admitted within the quota now (the first `granted` of the row's `n`).
    pub granted: u64,
    /// Calls leased to the holder now.
    pub leased: u64,
    /// What else is leased of the wallet's quota: by other live holders, and by this holder for
    /// the wallet's other keys.
    pub others: u64,
    /// Quota neither used nor leased.
    pub free: u64,
    /// The holder's own lease had lapsed and was reclaimed (counted as used in full).
    pub lost: bool,
}

impl Outcome {
    /// The key, its staker and the thresholds were all as the caller read them.
    pub fn current(&self) -> bool {
        self.key_live && self.staker_current && self.thresholds_current
    }

    /// Calls of `n` that could not be decided because what is left is leased to another holder.
    pub fn undecided(&self, n: u64) -> u64 {
        if self.current() && self.others > 0 {
            n - self.granted
        } else {
            0
        }
    }
}

/// Lease parameters of one holder (an API process).
#[derive(Debug, Clone)]
pub struct Holder {
    /// Unique per process (and per `AppState`).
    pub id: String,
    /// A lease not renewed for this long lapses.
    pub ttl_ms: u32,
    /// Leases are only granted while at least this much quota stays free.
    pub min_room: u64,
}

/// Longest a metering statement may take before the call is answered 503 and the connection is
/// dropped (a database that stopped answering must not hold calls or connections).
pub const STATEMENT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

fn i64_of(v: u64) -> Result<i64, ApiError> {
    i64::try_from(v).map_err(|_| ApiError::Overflow)
}

fn u64_of(v: i64) -> Result<u64, ApiError> {
    u64::try_from(v).map_err(|_| ApiError::Overflow)
}

/// Runs one metering statement; `thresholds` (the config's `level_thresholds::text` the tiers
/// were computed with) is re-checked like the guards. Answers per row, in the order given.
pub async fn meter(
    pool: &PgPool,
    holder: &Holder,
    thresholds: Option<&str>,
    rows: &[Row],
) -> Result<Vec<Outcome>, ApiError> {
    // Rows in key (then month) order; the statement locks their wallets in wallet order first.
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|i| (rows[*i].key_id, rows[*i].month));
    let sorted: Vec<&Row> = order.iter().map(|i| &rows[*i]).collect();
    let ints = |f: fn(&Row) -> u64| sorted.iter().map(|r| i64_of(f(r))).collect::<Result<Vec<i64>, _>>();
    let started = std::time::Instant::now();
    let mut conn = pool.acquire().await?;
    let acquired = started.elapsed();
    let statement =
        sqlx::query("select * from api_meter($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)")
            .bind(&holder.id)
            .bind(i32::try_from(holder.ttl_ms).map_err(|_| ApiError::Overflow)?)
            .bind(i64_of(holder.min_room)?)
            .bind(thresholds)
            .bind(sorted.iter().map(|r| r.key_id).collect::<Vec<_>>())
            .bind(sorted.iter().map(|r| r.month).collect::<Vec<_>>())
            .bind(ints(|r| r.n)?)
            .bind(ints(|r| r.tier.calls_per_month)?)
            .bind(sorted.iter().map(|r| r.tier.meters_overage(r.overage)).collect::<Vec<_>>())
            .bind(sorted.iter().map(|r| r.guard.as_ref().map(|g| g.wallet.clone())).collect::<Vec<_>>())
            .bind(sorted.iter().map(|r| r.guard.as_ref().map_or(-1, |g| g.staker_version)).collect::<Vec<_>>())
            .bind(ints(|r| r.want)?)
            .bind(ints(|r| r.report.used)?)
            .bind(ints(|r| r.report.over)?)
            .bind(ints(|r| r.report.release)?)
            .fetch_all(&mut *conn);
    let got = match tokio::time::timeout(STATEMENT_TIMEOUT, statement).await {
        Ok(r) => r?,
        Err(_) => {
            // The statement may still be running (or the connection is half-open): never reuse it.
            conn.close_on_drop();
            return Err(ApiError::Unavailable(format!("metering statement took over {STATEMENT_TIMEOUT:?}")));
        }
    };
    let took = started.elapsed();
    if took > std::time::Duration::from_millis(20) {
        tracing::debug!(
            rows = rows.len(),
            ms = took.as_millis() as u64,
            acquire_ms = acquired.as_millis() as u64,
            "slow metering statement"
        );
    }
    let mut out = vec![None; rows.len()];
    for row in got {
        let ord = usize::try_from(row.get::<i32, _>(0)).map_err(|_| ApiError::Overflow)?;
        let at =
            *order.get(ord.wrapping_sub(1)).ok_or_else(|| ApiError::Internal("api_meter row out of range".into()))?;
        out[at] = Some(Outcome {
            key_live: row.get(1),
            staker_current: row.get(2),
            thresholds_current: row.get(3),
            used: u64_of(row.get(4))?,
            overage: u64_of(row.get(5))?,
            granted: u64_of(row.get(6))?,
            leased: u64_of(row.get(7))?,
            others: u64_of(row.get(8))?,
            free: u64_of(row.get(9))?,
            lost: row.get(10),
        });
    }
    out.into_iter().map(|o| o.ok_or_else(|| ApiError::Internal("api_meter skipped a row".into()))).collect()
}

/// What one heartbeat saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Beat {
    /// The database clock, ms since the epoch.
    pub db_now_ms: i64,
    /// Calls of lapsed leases (any holder's, any month) counted as used by this beat.
    pub reclaimed: u64,
}

/// Renews this holder's heartbeat (its leases stay its own for another TTL), announces it on the
/// change channel (`h:<holder>`, which this holder's listener must hear), reclaims every lapsed
/// lease of any month, and reads the database clock (`api_heartbeat`).
pub async fn heartbeat(pool: &PgPool, holder: &Holder) -> Result<Beat, ApiError> {
    let mut conn = pool.acquire().await?;
    let query = sqlx::query_as::<_, (i64, i64)>("select * from api_heartbeat($1, $2)")
        .bind(&holder.id)
        .bind(i32::try_from(holder.ttl_ms).map_err(|_| ApiError::Overflow)?)
        .fetch_one(&mut *conn);
    let (db_now_ms, reclaimed) = match tokio::time::timeout(STATEMENT_TIMEOUT, query).await {
        Ok(r) => r?,
        Err(_) => {
            conn.close_on_drop();
            return Err(ApiError::Unavailable(format!("heartbeat took over {STATEMENT_TIMEOUT:?}")));
        }
    };
    Ok(Beat { db_now_ms, reclaimed: u64_of(reclaimed)? })
}

/// Removes this holder's heartbeat once it holds nothing (graceful shutdown), and heartbeats of
/// holders that lapsed a day ago and hold nothing.
pub async fn retire(pool: &PgPool, holder: &Holder) -> Result<(), ApiError> {
    sqlx::query(
        "delete from api_holder h where (h.holder = $1 or h.expires_at < now() - interval '1 day') \
         and not exists (select 1 from api_lease l where l.holder = h.holder)",
    )
    .bind(&holder.id)
    .execute(pool)
    .await?;
    Ok(())
}

/// The decisions for the first `decided` of a row's calls: the first `granted` admitted within
/// the quota, the rest metered as overage (`meter_overage`) or refused. `used_after` and
/// `over_after` are the usage after the row.
pub fn decisions(tier: Tier, meter_overage: bool, out: &Outcome, decided: u64, reset: i64) -> Vec<Decision> {
    let limit = tier.calls_per_month;
    let (used_after, over_after, granted) = (out.used, out.overage, out.granted);
    let first_used = used_after.saturating_sub(granted);
    let extra = decided.saturating_sub(granted);
    let first_over = if meter_overage { over_after.saturating_sub(extra) } else { over_after };
    (0..decided)
        .map(|i| {
            let admitted = i < granted;
            let used = if admitted { first_used + i + 1 } else { used_after };
            let overage = if !admitted && meter_overage {
                first_over + (i - granted) + 1
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
        .collect()
}

/// Decides `n` calls of key `key_id` at `now` against `tier` with no lease (the exact path on
/// its own): the first `min(n, limit − used)` are admitted; the rest are metered as overage
/// (paid tier, overage on) or refused. One decision per call, in order.
pub async fn check_many(
    pool: &PgPool,
    key_id: i64,
    tier: Tier,
    overage: bool,
    now: i64,
    n: u64,
) -> Result<Vec<Decision>, ApiError> {
    let month = i32::try_from(vetmai_math::time::month_index(now).ok_or(ApiError::Overflow)?)
        .map_err(|_| ApiError::Overflow)?;
    let reset = vetmai_math::time::next_month_start(now).ok_or(ApiError::Overflow)?;
    let holder = Holder { id: String::new(), ttl_ms: 1, min_room: u64::MAX >> 1 };
    let row = Row { key_id, month, n, tier, overage, guard: None, want: 0, report: Report::default() };
    let out = meter(pool, &holder, None, &[row]).await?.pop().ok_or(ApiError::Overflow)?;
    if !out.key_live {
        return Err(ApiError::UnknownKey);
    }
    let meter_overage = tier.meters_overage(overage);
    Ok(decisions(tier, meter_overage, &out, n - out.undecided(n), reset))
}
