//! Wallet-bound API keys: a one-time challenge signed by the wallet (ed25519) creates, lists or
//! revokes keys. A key is shown once; only its SHA-256 and a visible prefix are stored.
use anchor_lang::prelude::Pubkey;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::{PgPool, Row};

use crate::ApiError;

/// How long a challenge may be answered, seconds.
pub const CHALLENGE_TTL: i64 = 300;
/// Visible prefix of every key.
pub const KEY_PREFIX: &str = "vtm_";

/// What a challenge authorizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    CreateKey,
    ListKeys,
    RevokeKey,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::CreateKey => "create_key",
            Purpose::ListKeys => "list_keys",
            Purpose::RevokeKey => "revoke_key",
        }
    }
}

/// The exact bytes the wallet signs.
pub fn challenge_message(wallet: &str, purpose: Purpose, nonce: &str, expires_at: i64) -> String {
    format!("veTMAI API\naction: {}\nwallet: {wallet}\nnonce: {nonce}\nexpires: {expires_at}", purpose.as_str())
}

pub fn parse_wallet(s: &str) -> Result<Pubkey, ApiError> {
    let bytes: [u8; 32] = bs58::decode(s).into_vec().ok().and_then(|v| v.try_into().ok()).ok_or(ApiError::BadWallet)?;
    Ok(Pubkey::new_from_array(bytes))
}

fn random_b58(n: usize) -> String {
    let mut b = vec![0u8; n];
    rand::thread_rng().fill_bytes(&mut b);
    bs58::encode(b).into_string()
}

/// SHA-256 of a key, as stored.
pub fn key_hash(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

/// Issues a challenge; returns `(nonce, message, expires_at)`.
pub async fn issue(
    pool: &PgPool,
    wallet: &Pubkey,
    purpose: Purpose,
    now: i64,
) -> Result<(String, String, i64), ApiError> {
    let nonce = random_b58(24);
    let expires_at = now + CHALLENGE_TTL;
    // Challenges older than a day are of no use to anyone.
    sqlx::query("delete from api_challenge where expires_at < to_timestamp($1) - interval '1 day'")
        .bind(now as f64)
        .execute(pool)
        .await?;
    sqlx::query("insert into api_challenge (nonce, wallet, purpose, expires_at) values ($1, $2, $3, to_timestamp($4))")
        .bind(&nonce)
        .bind(wallet.to_string())
        .bind(purpose.as_str())
        .bind(expires_at as f64)
        .execute(pool)
        .await?;
    let message = challenge_message(&wallet.to_string(), purpose, &nonce, expires_at);
    Ok((nonce, message, expires_at))
}

/// Verifies a signed challenge and consumes it (once: a replay fails). Everything is checked
/// before the challenge is marked used, and marking is a single conditional update.
pub async fn redeem(
    pool: &PgPool,
    wallet: &Pubkey,
    purpose: Purpose,
    nonce: &str,
    signature: &str,
    now: i64,
) -> Result<(), ApiError> {
    let sig: [u8; 64] =
        bs58::decode(signature).into_vec().ok().and_then(|v| v.try_into().ok()).ok_or(ApiError::BadSignature)?;
    let row = sqlx::query(
        "select wallet, purpose, extract(epoch from expires_at)::int8, used_at is not null from api_challenge where nonce = $1",
    )
    .bind(nonce)
    .fetch_optional(pool)
    .await?
    .ok_or(ApiError::UnknownChallenge)?;
    let (c_wallet, c_purpose, expires_at, used): (String, String, i64, bool) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    if c_wallet != wallet.to_string() || c_purpose != purpose.as_str() {
        return Err(ApiError::ChallengeMismatch);
    }
    if used {
        return Err(ApiError::ChallengeReplayed);
    }
    if now >= expires_at {
        return Err(ApiError::ChallengeExpired);
    }
    let key = VerifyingKey::from_bytes(&wallet.to_bytes()).map_err(|_| ApiError::BadWallet)?;
    let message = challenge_message(&c_wallet, purpose, nonce, expires_at);
    key.verify(message.as_bytes(), &Signature::from_bytes(&sig)).map_err(|_| ApiError::WrongSigner)?;
    let done = sqlx::query("update api_challenge set used_at = now() where nonce = $1 and used_at is null")
        .bind(nonce)
        .execute(pool)
        .await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(ApiError::ChallengeReplayed)
    }
}

/// A stored key as listed to its wallet.
#[derive(Debug, Clone, serde::Serialize)]
pub struct KeyInfo {
    pub id: i64,
    pub prefix: String,
    pub name: Option<String>,
    pub overage: bool,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    /// This key's share of the wallet's usage in the month listed: calls within the quota.
    pub used: u64,
    /// This key's calls metered as overage in that month.
    pub overage_used: u64,
}

/// A wallet's usage of one month, over all its keys: the quota is the wallet's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Usage {
    /// `year · 12 + month − 1` (UTC).
    pub month: i32,
    pub used: u64,
    pub overage: u64,
}

/// Longest key name, bytes.
pub const MAX_NAME_LEN: usize = 64;

/// A key name is at most [`MAX_NAME_LEN`] bytes of printable text (no control characters: it is
/// shown in dashboards and logs, and Postgres `text` cannot hold NUL).
pub fn check_name(name: &str) -> Result<(), ApiError> {
    if name.len() > MAX_NAME_LEN {
        return Err(ApiError::BadKeyName("longer than 64 bytes"));
    }
    if name.chars().any(char::is_control) {
        return Err(ApiError::BadKeyName("contains a control character"));
    }
    Ok(())
}

/// Creates a key; returns `(id, full key, prefix)`. The full key is never stored. No cap on the
/// wallet's keys: [`create_capped`] is what the API calls.
pub async fn create(
    pool: &PgPool,
    wallet: &Pubkey,
    name: Option<&str>,
    overage: bool,
) -> Result<(i64, String, String), ApiError> {
    create_capped(pool, wallet, name, overage, u32::MAX).await
}

/// [`create`], refused with [`ApiError::TooManyKeys`] when the wallet already has `max_live`
/// unrevoked keys. Creations for one wallet are serialized (a transaction-scoped advisory lock on
/// the wallet), so concurrent requests cannot pass the cap together.
pub async fn create_capped(
    pool: &PgPool,
    wallet: &Pubkey,
    name: Option<&str>,
    overage: bool,
    max_live: u32,
) -> Result<(i64, String, String), ApiError> {
    let key = format!("{KEY_PREFIX}{}", random_b58(32));
    let prefix: String = key.chars().take(KEY_PREFIX.len() + 8).collect();
    let mut tx = pool.begin().await?;
    sqlx::query("select pg_advisory_xact_lock(hashtextextended('api_key ' || $1, 0))")
        .bind(wallet.to_string())
        .execute(&mut *tx)
        .await?;
    let live: i64 = sqlx::query_scalar("select count(*) from api_key where wallet = $1 and revoked_at is null")
        .bind(wallet.to_string())
        .fetch_one(&mut *tx)
        .await?;
    if live >= i64::from(max_live) {
        return Err(ApiError::TooManyKeys(max_live));
    }
    let id: i64 = sqlx::query(
        "insert into api_key (wallet, prefix, key_hash, name, overage) values ($1, $2, $3, $4, $5) returning id",
    )
    .bind(wallet.to_string())
    .bind(&prefix)
    .bind(key_hash(&key))
    .bind(name)
    .bind(overage)
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    tx.commit().await?;
    Ok((id, key, prefix))
}

/// A wallet's keys with each one's usage of `month`, and the wallet's usage of `month` (what its
/// quota is counted against). Usage is what Postgres has been told: calls a process admitted from
/// a lease show up at its next report (within seconds).
pub async fn list(pool: &PgPool, wallet: &Pubkey, month: i32) -> Result<(Vec<KeyInfo>, Usage), ApiError> {
    let rows = sqlx::query(
        "select k.id, k.prefix, k.name, k.overage, extract(epoch from k.created_at)::int8, \
           extract(epoch from k.revoked_at)::int8, coalesce(u.used, 0), coalesce(u.overage, 0) \
         from api_key k left join api_usage u on u.key_id = k.id and u.month = $2 \
         where k.wallet = $1 order by k.id",
    )
    .bind(wallet.to_string())
    .bind(month)
    .fetch_all(pool)
    .await?;
    let count = |v: i64| u64::try_from(v).map_err(|_| ApiError::Overflow);
    let keys = rows
        .iter()
        .map(|r| {
            Ok(KeyInfo {
                id: r.get(0),
                prefix: r.get(1),
                name: r.get(2),
                overage: r.get(3),
                created_at: r.get(4),
                revoked_at: r.get(5),
                used: count(r.get(6))?,
                overage_used: count(r.get(7))?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let total: Option<(i64, i64)> =
        sqlx::query_as("select used, overage from api_wallet_usage where wallet = $1 and month = $2")
            .bind(wallet.to_string())
            .bind(month)
            .fetch_optional(pool)
            .await?;
    let (used, overage) = total.unwrap_or_default();
    Ok((keys, Usage { month, used: count(used)?, overage: count(overage)? }))
}

/// Revokes a key of `wallet`; `KeyNotFound` for someone else's key or an unknown id.
pub async fn revoke(pool: &PgPool, wallet: &Pubkey, id: i64) -> Result<(), ApiError> {
    let r = sqlx::query("update api_key set revoked_at = coalesce(revoked_at, now()) where id = $1 and wallet = $2")
        .bind(id)
        .bind(wallet.to_string())
        .execute(pool)
        .await?;
    if r.rows_affected() == 1 {
        Ok(())
    } else {
        Err(ApiError::KeyNotFound)
    }
}
