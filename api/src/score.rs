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
    let through = vetmai_math::time::next_month_start(now).ok_or(ApiError::Overflow)?;
    let Some(staker) = staker(pool, wallet).await? else {
        return Ok(Score { ve: 0, level: 0, guaranteed: 0, guaranteed_level: 0, through });
    };
    let s = vetmai_client::view::wallet_score(&config, &staker, now, through).ok_or(ApiError::Overflow)?;
    Ok(Score { ve: s.ve, level: s.level, guaranteed: s.guaranteed, guaranteed_level: s.guaranteed_level, through })
}

/// What a check needs, read in one round trip: the live key (id, wallet, overage) with its
/// wallet's mirrored staker and the mirrored config.
pub struct KeyContext {
    pub key_id: i64,
    pub wallet: Pubkey,
    pub overage: bool,
    pub staker: Option<Staker>,
    pub config: Config,
}

pub async fn key_context(pool: &PgPool, key_hash: &[u8]) -> Result<KeyContext, ApiError> {
    let row = sqlx::query(
        "with k as (select id, wallet, overage from api_key where key_hash = $1 and revoked_at is null) \
         select k.id, k.wallet, k.overage, \
           (select s.data from staker s where s.owner = k.wallet and not s.closed order by s.slot desc limit 1), \
           (select c.data from config c where not c.closed order by c.slot desc limit 1) \
         from k",
    )
    .bind(key_hash)
    .fetch_optional(pool)
    .await?
    .ok_or(ApiError::UnknownKey)?;
    let config: Option<Vec<u8>> = row.get(4);
    let config = vetmai_client::decode(&config.ok_or(ApiError::NotReady)?).map_err(|_| ApiError::NotReady)?;
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
        config,
    })
}

impl KeyContext {
    /// The wallet's score at `now`, guaranteed through the end of the month.
    pub fn score(&self, now: i64) -> Result<Score, ApiError> {
        let through = vetmai_math::time::next_month_start(now).ok_or(ApiError::Overflow)?;
        let Some(staker) = &self.staker else {
            return Ok(Score { ve: 0, level: 0, guaranteed: 0, guaranteed_level: 0, through });
        };
        let s = vetmai_client::view::wallet_score(&self.config, staker, now, through).ok_or(ApiError::Overflow)?;
        Ok(Score { ve: s.ve, level: s.level, guaranteed: s.guaranteed, guaranteed_level: s.guaranteed_level, through })
    }
}
