//! Postgres: migrations, slot-ordered batched upserts, closures, cursors, derived queries.
//!
//! Queries are runtime-checked `sqlx::query` with binds (no `.sqlx/` offline data yet). u64
//! values travel as text and are cast to `numeric` in SQL (sqlx has no u64 encoding).
use std::collections::HashMap;

use anchor_lang::prelude::Pubkey;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Connection, Postgres, Row, Transaction};
use vetmai::state::{Config, Position, Staker};
use vetmai::LockKind;
use vetmai_client::ProgramAccount;

use crate::extra;
use crate::model::{AccountKind, AccountUpdate, Origin};
use crate::IndexerError;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, IndexerError> {
    Ok(PgPoolOptions::new().max_connections(max_connections).connect(url).await?)
}

pub async fn migrate(pool: &PgPool) -> Result<(), IndexerError> {
    MIGRATOR.run(pool).await?;
    Ok(())
}

/// A batch of events, deduplicated, ready to be written in one transaction.
#[derive(Debug, Default)]
pub struct Batch {
    /// Newest update per account.
    pub accounts: HashMap<Pubkey, AccountUpdate>,
    /// Newest closure per account.
    pub closed: HashMap<Pubkey, u64>,
    /// Complete snapshots (kind, slot, origin), applied after the accounts.
    pub snapshots: Vec<(AccountKind, u64, Origin)>,
    /// Highest live heartbeat slot in the batch.
    pub heartbeat: Option<u64>,
    /// Number of account events folded in (before deduplication).
    pub received: u64,
}

impl Batch {
    pub fn push_account(&mut self, u: AccountUpdate) {
        self.received += 1;
        match self.accounts.get(&u.pubkey) {
            Some(old) if old.slot >= u.slot => {}
            _ => {
                self.accounts.insert(u.pubkey, u);
            }
        }
    }

    pub fn push_closed(&mut self, pubkey: Pubkey, slot: u64) {
        self.received += 1;
        let e = self.closed.entry(pubkey).or_insert(slot);
        *e = (*e).max(slot);
    }

    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty() && self.closed.is_empty() && self.snapshots.is_empty() && self.heartbeat.is_none()
    }
}

/// What a batch write did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Rows inserted or changed by a newer update.
    pub applied: u64,
    /// Updates ignored because the row was already as new or newer.
    pub stale: u64,
    /// Rows marked closed.
    pub closed: u64,
    /// Updates quarantined: data that does not decode, or a row Postgres refused (see
    /// [`write_batch_isolating`]). Each is also logged at `error`.
    pub quarantined: u64,
}

fn u64s(v: impl Iterator<Item = u64>) -> Vec<String> {
    v.map(|x| x.to_string()).collect()
}

fn slot_i64(slot: u64) -> i64 {
    i64::try_from(slot).unwrap_or(i64::MAX)
}

/// Account updates decoded and grouped by table.
#[derive(Default)]
struct Decoded<'a> {
    configs: Vec<(&'a AccountUpdate, Box<Config>)>,
    stakers: Vec<(&'a AccountUpdate, Box<Staker>)>,
    positions: Vec<(&'a AccountUpdate, Box<Position>)>,
    others: HashMap<&'static str, (&'static extra::Table, Vec<extra::Row<'a>>)>,
    /// Updates stored by [`apply`] (every decoded one).
    stored: Vec<&'a AccountUpdate>,
    /// Updates whose data does not decode, with the reason.
    undecodable: Vec<(&'a AccountUpdate, String)>,
}

fn decode<'a>(updates: impl Iterator<Item = &'a AccountUpdate>) -> Decoded<'a> {
    let mut d = Decoded::default();
    for u in updates {
        match vetmai_client::decode_any(&u.data) {
            Ok(ProgramAccount::Config(c)) => d.configs.push((u, c)),
            Ok(ProgramAccount::Staker(s)) => d.stakers.push((u, s)),
            Ok(ProgramAccount::Position(p)) => d.positions.push((u, p)),
            Ok(other) => match extra::row(&other) {
                Some((table, values)) => {
                    d.others.entry(table.name).or_insert_with(|| (table, Vec::new())).1.push((u, values));
                }
                None => {
                    d.undecodable.push((u, format!("no table for account type {}", other.kind())));
                    continue;
                }
            },
            Err(e) => {
                d.undecodable.push((u, e.to_string()));
                continue;
            }
        }
        d.stored.push(u);
    }
    d
}

/// Upserts every decoded row (only newer slots win); returns the rows applied.
async fn apply(tx: &mut Transaction<'_, Postgres>, d: &Decoded<'_>) -> Result<u64, IndexerError> {
    let mut applied = 0;
    applied += upsert_config(tx, &d.configs).await?;
    applied += upsert_staker(tx, &d.stakers).await?;
    applied += upsert_position(tx, &d.positions).await?;
    for (table, rows) in d.others.values() {
        applied += extra::upsert(tx, table, rows).await?;
    }
    Ok(applied)
}

/// Writes a batch in one transaction: upserts (only newer slots win), quarantined accounts,
/// closures, snapshots, cursors. Fails whole when Postgres refuses any row.
pub async fn write_batch(pool: &PgPool, batch: &Batch) -> Result<Written, IndexerError> {
    write(pool, batch, false).await
}

/// [`write_batch`] for a batch Postgres refused ([`IndexerError::is_data_error`]): still one
/// transaction, but each account is upserted under a savepoint of its own, and one whose row is
/// refused is quarantined instead, so the rest of the batch commits.
pub async fn write_batch_isolating(pool: &PgPool, batch: &Batch) -> Result<Written, IndexerError> {
    write(pool, batch, true).await
}

async fn write(pool: &PgPool, batch: &Batch, isolate: bool) -> Result<Written, IndexerError> {
    let mut w = Written::default();
    let mut tx = pool.begin().await?;
    let (stored, quarantine) = if isolate {
        let mut stored = Vec::new();
        let mut quarantine = Vec::new();
        for u in batch.accounts.values() {
            let d = decode(std::iter::once(u));
            quarantine.extend(d.undecodable.iter().cloned());
            if d.stored.is_empty() {
                continue;
            }
            let mut savepoint = tx.begin().await?;
            match apply(&mut savepoint, &d).await {
                Ok(n) => {
                    savepoint.commit().await?;
                    w.applied += n;
                    stored.push(u);
                }
                Err(e) if e.is_data_error() => {
                    savepoint.rollback().await?;
                    quarantine.push((u, format!("postgres refused the row: {e}")));
                }
                Err(e) => return Err(e),
            }
        }
        (stored, quarantine)
    } else {
        let d = decode(batch.accounts.values());
        w.applied = apply(&mut tx, &d).await?;
        (d.stored, d.undecodable)
    };
    w.stale = stored.len() as u64 - w.applied;
    w.quarantined = quarantine.len() as u64;
    quarantine_rows(&mut tx, &quarantine).await?;
    // Stored at a slot at least as new as its quarantine: no longer quarantined.
    let resolved = stored.iter().map(|u| (u.pubkey, u.slot)).chain(batch.closed.iter().map(|(k, s)| (*k, *s)));
    let (keys, slots): (Vec<String>, Vec<i64>) = resolved.map(|(k, s)| (k.to_string(), slot_i64(s))).unzip();
    if !keys.is_empty() {
        sqlx::query(
            "delete from quarantine q using unnest($1::text[], $2::int8[]) as c(pubkey, slot) \
             where q.pubkey = c.pubkey and q.slot <= c.slot",
        )
        .bind(&keys)
        .bind(&slots)
        .execute(&mut *tx)
        .await?;
    }
    if !batch.closed.is_empty() {
        let keys: Vec<String> = batch.closed.keys().map(|k| k.to_string()).collect();
        let slots: Vec<i64> = batch.closed.values().map(|s| slot_i64(*s)).collect();
        for kind in AccountKind::ALL {
            let sql = format!(
                "update {t} as t set closed = true, slot = c.slot, updated_at = now() \
                 from unnest($1::text[], $2::int8[]) as c(pubkey, slot) \
                 where t.pubkey = c.pubkey and t.slot <= c.slot and not t.closed",
                t = kind.table()
            );
            w.closed += sqlx::query(&sql).bind(&keys).bind(&slots).execute(&mut *tx).await?.rows_affected();
        }
    }
    for (kind, slot, origin) in &batch.snapshots {
        // Every account in the snapshot was upserted at `slot` (or is newer), so a row still
        // older than `slot` was not in it: the account no longer exists. Unless it was there
        // but quarantined at `slot` or later: it exists, its data just did not decode.
        let sql = format!(
            "update {t} as t set closed = true, slot = $1, updated_at = now() where not t.closed and t.slot < $1 \
             and not exists (select 1 from quarantine q where q.pubkey = t.pubkey and q.slot >= $1)",
            t = kind.table()
        );
        w.closed += sqlx::query(&sql).bind(slot_i64(*slot)).execute(&mut *tx).await?.rows_affected();
        let cursor = match origin {
            Origin::Reconcile => "reconcile",
            _ => "backfill",
        };
        set_cursor_tx(&mut tx, &format!("{cursor}_{}", kind.table()), *slot).await?;
    }
    if let Some(slot) = batch.heartbeat {
        set_cursor_tx(&mut tx, "live", slot).await?;
    }
    tx.commit().await?;
    for (u, error) in &quarantine {
        tracing::error!(
            pubkey = %u.pubkey,
            kind = AccountKind::of(&u.data).map_or("unknown", AccountKind::table),
            slot = u.slot,
            error = %error,
            "account quarantined: not stored (see the quarantine table); its last stored row is kept"
        );
    }
    Ok(w)
}

/// Records quarantined updates: one row per account, for the newest failing update.
async fn quarantine_rows(
    tx: &mut Transaction<'_, Postgres>,
    rows: &[(&AccountUpdate, String)],
) -> Result<(), IndexerError> {
    if rows.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "insert into quarantine as q (pubkey, kind, slot, error, data) \
         select * from unnest($1::text[], $2::text[], $3::int8[], $4::text[], $5::bytea[]) \
         on conflict (pubkey) do update set count = q.count + 1, last_seen = now(), \
           slot = greatest(q.slot, excluded.slot), \
           kind = case when excluded.slot >= q.slot then excluded.kind else q.kind end, \
           error = case when excluded.slot >= q.slot then excluded.error else q.error end, \
           data = case when excluded.slot >= q.slot then excluded.data else q.data end",
    )
    .bind(rows.iter().map(|(u, _)| u.pubkey.to_string()).collect::<Vec<_>>())
    .bind(rows.iter().map(|(u, _)| AccountKind::of(&u.data).map_or("unknown", AccountKind::table)).collect::<Vec<_>>())
    .bind(rows.iter().map(|(u, _)| slot_i64(u.slot)).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, e)| extra::pg_text(e.as_bytes())).collect::<Vec<_>>())
    .bind(rows.iter().map(|(u, _)| u.data.clone()).collect::<Vec<_>>())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn upsert_config(
    tx: &mut Transaction<'_, Postgres>,
    rows: &[(&AccountUpdate, Box<Config>)],
) -> Result<u64, IndexerError> {
    if rows.is_empty() {
        return Ok(0);
    }
    let key = |f: fn(&Config) -> Pubkey| rows.iter().map(|(_, c)| f(c).to_string()).collect::<Vec<_>>();
    let thresholds: Vec<String> = rows
        .iter()
        .map(|(_, c)| {
            let v: Vec<String> = c.params.level_thresholds.iter().map(|x| x.to_string()).collect();
            format!("{{{}}}", v.join(","))
        })
        .collect();
    let r = sqlx::query(
        "insert into config as t (pubkey, admin, pending_admin, tmai_mint, token_program, vault, tmai_decimals, \
           min_lock, max_lock, max_multiplier_bps, level_thresholds, locked_amount, open_positions, stakers, data, slot) \
         select u.pubkey, u.admin, u.pending_admin, u.tmai_mint, u.token_program, u.vault, u.tmai_decimals, \
           u.min_lock::numeric, u.max_lock::numeric, u.max_multiplier_bps::numeric, u.level_thresholds::numeric(20,0)[], \
           u.locked_amount::numeric, u.open_positions::numeric, u.stakers::numeric, u.data, u.slot \
         from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int2[], $8::text[], \
           $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::bytea[], $16::int8[]) \
           as u(pubkey, admin, pending_admin, tmai_mint, token_program, vault, tmai_decimals, min_lock, max_lock, \
           max_multiplier_bps, level_thresholds, locked_amount, open_positions, stakers, data, slot) \
         on conflict (pubkey) do update set admin = excluded.admin, pending_admin = excluded.pending_admin, \
           tmai_mint = excluded.tmai_mint, token_program = excluded.token_program, vault = excluded.vault, \
           tmai_decimals = excluded.tmai_decimals, min_lock = excluded.min_lock, max_lock = excluded.max_lock, \
           max_multiplier_bps = excluded.max_multiplier_bps, level_thresholds = excluded.level_thresholds, \
           locked_amount = excluded.locked_amount, open_positions = excluded.open_positions, \
           stakers = excluded.stakers, data = excluded.data, slot = excluded.slot, closed = false, updated_at = now() \
         where excluded.slot > t.slot",
    )
    .bind(rows.iter().map(|(u, _)| u.pubkey.to_string()).collect::<Vec<_>>())
    .bind(key(|c| c.admin))
    .bind(key(|c| c.pending_admin))
    .bind(key(|c| c.tmai_mint))
    .bind(key(|c| c.token_program))
    .bind(key(|c| c.vault))
    .bind(rows.iter().map(|(_, c)| i16::from(c.tmai_decimals)).collect::<Vec<_>>())
    .bind(u64s(rows.iter().map(|(_, c)| c.params.min_lock)))
    .bind(u64s(rows.iter().map(|(_, c)| c.params.max_lock)))
    .bind(u64s(rows.iter().map(|(_, c)| c.params.max_multiplier_bps)))
    .bind(thresholds)
    .bind(u64s(rows.iter().map(|(_, c)| c.totals.locked_amount)))
    .bind(u64s(rows.iter().map(|(_, c)| c.totals.open_positions)))
    .bind(u64s(rows.iter().map(|(_, c)| c.totals.stakers)))
    .bind(rows.iter().map(|(u, _)| u.data.clone()).collect::<Vec<_>>())
    .bind(rows.iter().map(|(u, _)| slot_i64(u.slot)).collect::<Vec<_>>())
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected())
}

async fn upsert_staker(
    tx: &mut Transaction<'_, Postgres>,
    rows: &[(&AccountUpdate, Box<Staker>)],
) -> Result<u64, IndexerError> {
    if rows.is_empty() {
        return Ok(0);
    }
    let r = sqlx::query(
        "insert into staker as t (pubkey, owner, next_index, open_positions, locked_amount, constant_score, data, slot) \
         select u.pubkey, u.owner, u.next_index::numeric, u.open_positions, u.locked_amount::numeric, \
           u.constant_score::numeric, u.data, u.slot \
         from unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::text[], $6::text[], $7::bytea[], $8::int8[]) \
           as u(pubkey, owner, next_index, open_positions, locked_amount, constant_score, data, slot) \
         on conflict (pubkey) do update set owner = excluded.owner, next_index = excluded.next_index, \
           open_positions = excluded.open_positions, locked_amount = excluded.locked_amount, \
           constant_score = excluded.constant_score, data = excluded.data, slot = excluded.slot, closed = false, \
           updated_at = now() \
         where excluded.slot > t.slot",
    )
    .bind(rows.iter().map(|(u, _)| u.pubkey.to_string()).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, s)| s.owner.to_string()).collect::<Vec<_>>())
    .bind(u64s(rows.iter().map(|(_, s)| s.next_index)))
    .bind(rows.iter().map(|(_, s)| i64::from(s.open_positions)).collect::<Vec<_>>())
    .bind(u64s(rows.iter().map(|(_, s)| s.locked_amount)))
    .bind(rows.iter().map(|(_, s)| s.constant_score.to_string()).collect::<Vec<_>>())
    .bind(rows.iter().map(|(u, _)| u.data.clone()).collect::<Vec<_>>())
    .bind(rows.iter().map(|(u, _)| slot_i64(u.slot)).collect::<Vec<_>>())
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected())
}

async fn upsert_position(
    tx: &mut Transaction<'_, Postgres>,
    rows: &[(&AccountUpdate, Box<Position>)],
) -> Result<u64, IndexerError> {
    if rows.is_empty() {
        return Ok(0);
    }
    let r = sqlx::query(
        "insert into position as t (pubkey, owner, index, kind, amount, score, duration, created_at, lock_end, data, slot) \
         select u.pubkey, u.owner, u.index::numeric, u.kind, u.amount::numeric, u.score::numeric, u.duration::numeric, \
           to_timestamp(u.created_at), case when u.lock_end = 0 then null else to_timestamp(u.lock_end) end, \
           u.data, u.slot \
         from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int8[], \
           $9::int8[], $10::bytea[], $11::int8[]) \
           as u(pubkey, owner, index, kind, amount, score, duration, created_at, lock_end, data, slot) \
         on conflict (pubkey) do update set owner = excluded.owner, index = excluded.index, kind = excluded.kind, \
           amount = excluded.amount, score = excluded.score, duration = excluded.duration, \
           created_at = excluded.created_at, lock_end = excluded.lock_end, data = excluded.data, \
           slot = excluded.slot, closed = false, updated_at = now() \
         where excluded.slot > t.slot",
    )
    .bind(rows.iter().map(|(u, _)| u.pubkey.to_string()).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, p)| p.owner.to_string()).collect::<Vec<_>>())
    .bind(u64s(rows.iter().map(|(_, p)| p.index)))
    .bind(rows.iter().map(|(_, p)| lock_kind(p.kind).to_string()).collect::<Vec<_>>())
    .bind(u64s(rows.iter().map(|(_, p)| p.amount)))
    .bind(rows.iter().map(|(_, p)| p.score.to_string()).collect::<Vec<_>>())
    .bind(u64s(rows.iter().map(|(_, p)| p.duration)))
    .bind(rows.iter().map(|(_, p)| p.created_at).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, p)| p.end).collect::<Vec<_>>())
    .bind(rows.iter().map(|(u, _)| u.data.clone()).collect::<Vec<_>>())
    .bind(rows.iter().map(|(u, _)| slot_i64(u.slot)).collect::<Vec<_>>())
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected())
}

pub fn lock_kind(k: LockKind) -> &'static str {
    match k {
        LockKind::Fixed => "fixed",
        LockKind::Constant => "constant",
    }
}

async fn set_cursor_tx(tx: &mut Transaction<'_, Postgres>, name: &str, slot: u64) -> Result<(), IndexerError> {
    sqlx::query(
        "insert into cursor (name, slot) values ($1, $2) on conflict (name) do update \
         set slot = excluded.slot, updated_at = now() where excluded.slot > cursor.slot",
    )
    .bind(name)
    .bind(slot_i64(slot))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// All cursors: (name, slot).
pub async fn cursors(pool: &PgPool) -> Result<Vec<(String, i64)>, IndexerError> {
    let rows = sqlx::query("select name, slot from cursor order by name").fetch_all(pool).await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Row counts per table: (table, open, closed).
pub async fn counts(pool: &PgPool) -> Result<Vec<(&'static str, i64, i64)>, IndexerError> {
    let mut out = Vec::new();
    for kind in AccountKind::ALL {
        let sql =
            format!("select count(*) filter (where not closed), count(*) filter (where closed) from {}", kind.table());
        let r = sqlx::query(&sql).fetch_one(pool).await?;
        out.push((kind.table(), r.get(0), r.get(1)));
    }
    Ok(out)
}

/// Accounts in quarantine: (pubkey, kind, slot, count, error), newest first.
pub async fn quarantine(pool: &PgPool) -> Result<Vec<(String, String, i64, i64, String)>, IndexerError> {
    Ok(sqlx::query_as("select pubkey, kind, slot, count, error from quarantine order by last_seen desc")
        .fetch_all(pool)
        .await?)
}

/// Empties the mirror — every account table, the cursors and the quarantine — in one transaction, keeping the
/// access API's keys and usage. For a chain restarted from new genesis: its slots start again
/// from zero, so the old rows' slots would win every slot-ordered upsert.
pub async fn reset(pool: &PgPool) -> Result<(), IndexerError> {
    let tables: Vec<&str> = AccountKind::ALL.iter().map(|k| k.table()).chain(["cursor", "quarantine"]).collect();
    let mut tx = pool.begin().await?;
    sqlx::query(&format!("truncate {}", tables.join(", "))).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// One mirrored row in its raw form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    pub pubkey: String,
    pub data: Vec<u8>,
    pub slot: i64,
    pub closed: bool,
}

/// Every row of a table (raw data, slot, closed), ordered by pubkey.
pub async fn raw_rows(pool: &PgPool, kind: AccountKind) -> Result<Vec<RawRow>, IndexerError> {
    let sql = format!("select pubkey, data, slot, closed from {} order by pubkey", kind.table());
    let rows = sqlx::query(&sql).fetch_all(pool).await?;
    Ok(rows.iter().map(|r| RawRow { pubkey: r.get(0), data: r.get(1), slot: r.get(2), closed: r.get(3) }).collect())
}

/// Tier of a level (SPEC): Free 0, Advanced 1–3, Premium 4–6, VIP 7–10.
pub fn tier(level: u8) -> &'static str {
    match level {
        0 => "Free",
        1..=3 => "Advanced",
        4..=6 => "Premium",
        _ => "VIP",
    }
}

/// A wallet's figures, computed from the mirrored raw data with the program's own math.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletView {
    pub wallet: Pubkey,
    /// veTMAI at `now` (score units).
    pub ve: u128,
    pub level: u8,
    pub tier: &'static str,
    /// veTMAI guaranteed through `through`.
    pub guaranteed: u128,
    pub guaranteed_level: u8,
    pub guaranteed_tier: &'static str,
    pub through: i64,
    /// Σ open position amounts, base units.
    pub locked_amount: u64,
    pub open_positions: u32,
    /// Slot of the staker row used (0 when the wallet has none).
    pub slot: i64,
}

/// The mirrored (open) config, decoded.
pub async fn config(pool: &PgPool) -> Result<Option<(Config, i64)>, IndexerError> {
    let row = sqlx::query("select data, slot from config where not closed order by slot desc limit 1")
        .fetch_optional(pool)
        .await?;
    match row {
        Some(r) => Ok(Some((vetmai_client::decode::<Config>(&r.get::<Vec<u8>, _>(0))?, r.get(1)))),
        None => Ok(None),
    }
}

/// Wallet veTMAI, level, tier and guaranteed veTMAI through `through`, at `now` (unix seconds).
/// `None` when no config is mirrored yet. A wallet without a staker account scores 0.
pub async fn wallet_score(
    pool: &PgPool,
    wallet: &Pubkey,
    now: i64,
    through: i64,
) -> Result<Option<WalletView>, IndexerError> {
    let Some((config, _)) = config(pool).await? else { return Ok(None) };
    let row = sqlx::query("select data, slot from staker where owner = $1 and not closed order by slot desc limit 1")
        .bind(wallet.to_string())
        .fetch_optional(pool)
        .await?;
    let Some(row) = row else {
        return Ok(Some(WalletView {
            wallet: *wallet,
            ve: 0,
            level: 0,
            tier: tier(0),
            guaranteed: 0,
            guaranteed_level: 0,
            guaranteed_tier: tier(0),
            through,
            locked_amount: 0,
            open_positions: 0,
            slot: 0,
        }));
    };
    let staker: Staker = vetmai_client::decode(&row.get::<Vec<u8>, _>(0))?;
    let s = vetmai_client::view::wallet_score(&config, &staker, now, through).ok_or(IndexerError::Overflow)?;
    Ok(Some(WalletView {
        wallet: *wallet,
        ve: s.ve,
        level: s.level,
        tier: tier(s.level),
        guaranteed: s.guaranteed,
        guaranteed_level: s.guaranteed_level,
        guaranteed_tier: tier(s.guaranteed_level),
        through,
        locked_amount: staker.locked_amount,
        open_positions: staker.open_positions,
        slot: row.get(1),
    }))
}
