//! A wallet's score from the indexer's mirror, computed with the program's own code
//! (`Staker::ve_at`, `Staker::guaranteed`), so it equals what the chain would say.
use anchor_lang::prelude::Pubkey;
use sqlx::{PgPool, Row};
use vetmai::state::{Config, Staker};

use crate::ApiError;

/// veTMAI figures of a wallet at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Score {
    pub ve: u128,
    pub level: u8,
    /// veTMAI guaranteed through `through` (the end of the billing month).
    pub guaranteed: u128,
    pub guaranteed_level: u8,
    pub through: i64,
}

/// The mirrored program config.
pub async fn config(pool: &PgPool) -> Result<Config, ApiError> {
    let row = sqlx::query("select data from config where not closed order by slot desc limit 1")
        .fetch_optional(pool)
        .await?
        .ok_or(ApiError::NotReady)?;
    vetmai_client::decode(&row.get::<Vec<u8>, _>(0)).map_err(|_| ApiError::NotReady)
}

/// The mirrored staker of `wallet`, if it has one.
pub async fn staker(pool: &PgPool, wallet: &Pubkey) -> Result<Option<Staker>, ApiError> {
    let row = sqlx::query("select data from staker where owner = $1 and not closed order by slot desc limit 1")
        .bind(wallet.to_string())
        .fetch_optional(pool)
        .await?;
    match row {
        Some(r) => Ok(Some(vetmai_client::decode(&r.get::<Vec<u8>, _>(0)).map_err(|_| ApiError::NotReady)?)),
        None => Ok(None),
    }
}

/// A wallet's score at `now`, guaranteed through the start of the next calendar month (UTC).
pub async fn score(pool: &PgPool, wallet: &Pubkey, now: i64) -> Result<Score, ApiError> {
    let config = config(pool).await?;
    score_of(&config, staker(pool, wallet).await?.as_ref(), now)
}

/// The score of a wallet with this mirrored staker (or none) under `config`.
pub fn score_of(config: &Config, staker: Option<&Staker>, now: i64) -> Result<Score, ApiError> {
    let through = vetmai_math::time::next_month_start(now).ok_or(ApiError::Overflow)?;
    let Some(staker) = staker else {
        return Ok(Score { ve: 0, level: 0, guaranteed: 0, guaranteed_level: 0, through });
    };
    let s = vetmai_client::view::wallet_score(config, staker, now, through).ok_or(ApiError::Overflow)?;
    Ok(Score { ve: s.ve, level: s.level, guaranteed: s.guaranteed, guaranteed_level: s.guaranteed_level, through })
}

/// One point of a wallet's score over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchedulePoint {
    pub at: i64,
    /// veTMAI at `at`.
    pub ve: u128,
    /// veTMAI guaranteed from now through `at` (the least it will be in between).
    pub guaranteed: u128,
}

/// The wallet's veTMAI from `now` to a year ahead, every `step` seconds, as the chain will compute
/// it if nothing changes (Fixed locks end, Constant locks keep their score until unlocked).
pub fn schedule(config: &Config, staker: Option<&Staker>, now: i64, step: i64) -> Result<Vec<SchedulePoint>, ApiError> {
    let horizon = now.checked_add(365 * 86_400).ok_or(ApiError::Overflow)?;
    let mut out = vec![];
    let mut at = now;
    while at <= horizon {
        out.push(match staker {
            None => SchedulePoint { at, ve: 0, guaranteed: 0 },
            Some(st) => {
                let s = vetmai_client::view::wallet_score(config, st, at, at).ok_or(ApiError::Overflow)?;
                let g = st.guaranteed(now, at).ok_or(ApiError::Overflow)?;
                SchedulePoint { at, ve: s.ve, guaranteed: g }
            }
        });
        at = at.checked_add(step.max(3600)).ok_or(ApiError::Overflow)?;
    }
    Ok(out)
}

/// What a check needs to know about a key, read in one round trip and then cached by the
/// coalescer: the live key (id, wallet, overage) with its wallet's mirrored staker and that row's
/// version (`xmin`, −1 without a staker), which the metering statement re-checks.
pub struct KeyContext {
    pub key_id: i64,
    pub wallet: Pubkey,
    pub overage: bool,
    pub staker: Option<Staker>,
    pub staker_version: i64,
}

pub async fn key_context(pool: &PgPool, key_hash: &[u8]) -> Result<KeyContext, ApiError> {
    let row = sqlx::query(
        "select k.id, k.wallet, k.overage, s.data, coalesce(s.xmin::text::int8, -1) \
         from api_key k left join staker s on s.owner = k.wallet and not s.closed \
         where k.key_hash = $1 and k.revoked_at is null",
    )
    .bind(key_hash)
    .fetch_optional(pool)
    .await?
    .ok_or(ApiError::UnknownKey)?;
    let staker: Option<Vec<u8>> = row.get(3);
    let staker = match staker {
        Some(d) => Some(vetmai_client::decode(&d).map_err(|_| ApiError::NotReady)?),
        None => None,
    };
    Ok(KeyContext {
        key_id: row.get(0),
        wallet: crate::keys::parse_wallet(&row.get::<String, _>(1))?,
        overage: row.get(2),
        staker,
        staker_version: row.get(4),
    })
}

/// The mirrored config's level thresholds, with their SQL text form (what the metering statement
/// compares to know they are still current).
pub struct Thresholds {
    pub config: Config,
    pub text: String,
}

pub async fn thresholds(pool: &PgPool) -> Result<Thresholds, ApiError> {
    let row =
        sqlx::query("select data, level_thresholds::text from config where not closed order by slot desc limit 1")
            .fetch_optional(pool)
            .await?
            .ok_or(ApiError::NotReady)?;
    let config = vetmai_client::decode(&row.get::<Vec<u8>, _>(0)).map_err(|_| ApiError::NotReady)?;
    Ok(Thresholds { config, text: row.get(1) })
}

impl KeyContext {
    /// The wallet's score at `now`, guaranteed through the end of the month.
    pub fn score(&self, config: &Config, now: i64) -> Result<Score, ApiError> {
        score_of(config, self.staker.as_ref(), now)
    }
}
