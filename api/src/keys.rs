//! Wallet-bound API keys: a one-time challenge signed by the wallet (ed25519) creates, lists or
//! revokes keys. A key is shown once; only its SHA-256 and a visible prefix are stored.
//!
//! The challenge is a Sign-In With Solana message (domain, address, statement, URI, version,
//! chain id, nonce, issued-at, expiration) whose statement spells out everything the request will
//! do — the action and every field of it ([`Terms`]: the key's name and overage flag, the key
//! being revoked). The terms are stored with the challenge and the request must carry the same
//! ones, so a signature over one request cannot be replayed for another. The wallet may sign the
//! message's bytes as they are (wallet `signMessage`), or wrapped as a Solana off-chain message
//! (`solana sign-offchain-message`, hardware wallets): see [`signed_forms`].
use std::sync::atomic::{AtomicI64, Ordering};

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

/// Everything a signed request does besides its action: the challenge is issued for these and the
/// request must carry exactly these.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct Terms {
    /// `create_key`: the new key's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `create_key`: meter calls past a paid quota as overage instead of refusing them.
    #[serde(default)]
    pub overage: bool,
    /// `revoke_key`: the key being revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<i64>,
}

impl Terms {
    /// The terms a purpose may carry: a name and overage only for `create_key`, a key id exactly
    /// for `revoke_key`.
    pub fn check(&self, purpose: Purpose) -> Result<(), ApiError> {
        let bad = |m: &str| Err(ApiError::BadRequest(format!("{m} (purpose {})", purpose.as_str())));
        if let Some(name) = &self.name {
            check_name(name)?;
        }
        match purpose {
            Purpose::CreateKey if self.key_id.is_some() => bad("key_id is not a field of create_key"),
            Purpose::ListKeys if self.name.is_some() || self.overage || self.key_id.is_some() => {
                bad("list_keys takes no name, overage or key_id")
            }
            Purpose::RevokeKey if self.name.is_some() || self.overage => bad("revoke_key takes only key_id"),
            Purpose::RevokeKey if self.key_id.is_none() => bad("revoke_key needs the key_id being revoked"),
            _ => Ok(()),
        }
    }

    /// The first field in which `self` (what the request carries) differs from `signed`.
    pub fn differs_from(&self, signed: &Terms) -> Option<&'static str> {
        if self.name != signed.name {
            Some("name")
        } else if self.overage != signed.overage {
            Some("overage")
        } else if self.key_id != signed.key_id {
            Some("key_id")
        } else {
            None
        }
    }

    /// One sentence saying what the signature authorizes (distinct terms give distinct sentences:
    /// the name is quoted with JSON escapes).
    pub fn statement(&self, purpose: Purpose) -> String {
        let billing = if self.overage { "on" } else { "off" };
        match purpose {
            Purpose::CreateKey => match &self.name {
                Some(n) => format!(
                    "Create a veTMAI API key named {} with overage billing {billing}.",
                    serde_json::Value::String(n.clone())
                ),
                None => format!("Create an unnamed veTMAI API key with overage billing {billing}."),
            },
            Purpose::ListKeys => "List this wallet's veTMAI API keys and their usage.".to_string(),
            Purpose::RevokeKey => format!("Revoke veTMAI API key #{}.", self.key_id.unwrap_or_default()),
        }
    }
}

/// Who is asking for signatures, as the Sign-In With Solana message names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Siws {
    /// `host[:port]` of the service (the message's first line).
    pub domain: String,
    /// The service's public URL.
    pub uri: String,
    /// `mainnet`, `devnet`, `testnet` or `localnet`.
    pub chain_id: String,
}

impl Default for Siws {
    fn default() -> Self {
        Siws::for_url("http://localhost:8080", "mainnet")
    }
}

impl Siws {
    /// The domain is the URL's authority (`https://api.example.com/` → `api.example.com`).
    pub fn for_url(url: &str, chain_id: &str) -> Self {
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        let domain = rest.split(['/', '?', '#']).next().unwrap_or(rest).to_string();
        Siws { domain, uri: url.to_string(), chain_id: chain_id.to_string() }
    }
}

fn rfc3339(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| t.to_string())
}

/// The Sign-In With Solana message the wallet signs.
pub fn challenge_message(
    siws: &Siws,
    wallet: &str,
    purpose: Purpose,
    terms: &Terms,
    nonce: &str,
    issued_at: i64,
    expires_at: i64,
) -> String {
    format!(
        "{domain} wants you to sign in with your Solana account:\n{wallet}\n\n{statement}\n\nURI: {uri}\nVersion: 1\n\
         Chain ID: {chain}\nNonce: {nonce}\nIssued At: {issued}\nExpiration Time: {expires}",
        domain = siws.domain,
        statement = terms.statement(purpose),
        uri = siws.uri,
        chain = siws.chain_id,
        issued = rfc3339(issued_at),
        expires = rfc3339(expires_at),
    )
}

/// Solana's off-chain message signing domain.
pub const OFFCHAIN_DOMAIN: &[u8; 16] = b"\xffsolana offchain";
/// Longest off-chain message a Ledger signs (formats 0 and 1).
const OFFCHAIN_LEDGER_MAX: usize = 1212;

/// Off-chain message format: 0 printable ASCII, 1 UTF-8 up to the Ledger limit, 2 longer UTF-8.
fn offchain_format(message: &[u8]) -> u8 {
    if message.len() <= OFFCHAIN_LEDGER_MAX && message.iter().all(|b| (0x20..=0x7e).contains(b)) {
        0
    } else if message.len() <= OFFCHAIN_LEDGER_MAX {
        1
    } else {
        2
    }
}

/// The byte strings a wallet may have signed to answer `message`: the message itself (wallet
/// `signMessage`), the Solana off-chain message v0 that `solana sign-offchain-message` signs
/// (domain, version 0, format, u16 LE length, message), and the v0 of the off-chain signing
/// proposal with an application domain (all zero) and the signer list (this wallet).
pub fn signed_forms(message: &str, wallet: &Pubkey) -> Vec<Vec<u8>> {
    let m = message.as_bytes();
    let Ok(len) = u16::try_from(m.len()) else { return vec![m.to_vec()] };
    let format = offchain_format(m);
    let mut cli = OFFCHAIN_DOMAIN.to_vec();
    cli.extend_from_slice(&[0, format]);
    cli.extend_from_slice(&len.to_le_bytes());
    cli.extend_from_slice(m);
    let mut spec = OFFCHAIN_DOMAIN.to_vec();
    spec.push(0);
    spec.extend_from_slice(&[0u8; 32]);
    spec.extend_from_slice(&[format, 1]);
    spec.extend_from_slice(&wallet.to_bytes());
    spec.extend_from_slice(&len.to_le_bytes());
    spec.extend_from_slice(m);
    vec![m.to_vec(), cli, spec]
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

/// Whether `key` has the shape of a key this service issues (`vtm_` and the base58 of 32
/// bytes): anything else is unknown without a lookup.
pub fn plausible_key(key: &str) -> bool {
    const B58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    key.strip_prefix(KEY_PREFIX).is_some_and(|r| (32..=44).contains(&r.len()) && r.bytes().all(|b| B58.contains(&b)))
}

/// SHA-256 of a key, as stored.
pub fn key_hash(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

/// How often a process deletes expired challenges (indexed on `expires_at`), seconds.
pub const SWEEP_EVERY: i64 = 60;

/// A challenge as issued.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Challenge {
    pub nonce: String,
    pub message: String,
    pub issued_at: i64,
    pub expires_at: i64,
}

/// Issues a challenge for `purpose` with `terms` (checked first). `last_sweep`: when this process
/// last deleted expired challenges (Unix seconds).
pub async fn issue(
    pool: &PgPool,
    last_sweep: &AtomicI64,
    siws: &Siws,
    wallet: &Pubkey,
    purpose: Purpose,
    terms: &Terms,
    now: i64,
) -> Result<Challenge, ApiError> {
    terms.check(purpose)?;
    let nonce = random_b58(24);
    let expires_at = now + CHALLENGE_TTL;
    // Expired challenges are of no use to anyone: swept at most once a minute per process, over
    // the `expires_at` index (not on every request).
    let last = last_sweep.load(Ordering::Relaxed);
    if now.saturating_sub(last) >= SWEEP_EVERY
        && last_sweep.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    {
        sqlx::query("delete from api_challenge where expires_at < to_timestamp($1)")
            .bind(now as f64)
            .execute(pool)
            .await?;
    }
    let message = challenge_message(siws, &wallet.to_string(), purpose, terms, &nonce, now, expires_at);
    sqlx::query(
        "insert into api_challenge (nonce, wallet, purpose, expires_at, terms, message) \
         values ($1, $2, $3, to_timestamp($4), $5, $6)",
    )
    .bind(&nonce)
    .bind(wallet.to_string())
    .bind(purpose.as_str())
    .bind(expires_at as f64)
    .bind(sqlx::types::Json(terms))
    .bind(&message)
    .execute(pool)
    .await?;
    Ok(Challenge { nonce, message, issued_at: now, expires_at })
}

/// Verifies a signed challenge and consumes it (once: a replay fails). The request's `terms` must
/// be the ones the challenge was issued (and signed) for. Everything is checked before the
/// challenge is marked used, and marking is a single conditional update.
pub async fn redeem(
    pool: &PgPool,
    wallet: &Pubkey,
    purpose: Purpose,
    terms: &Terms,
    nonce: &str,
    signature: &str,
    now: i64,
) -> Result<(), ApiError> {
    let sig: [u8; 64] =
        bs58::decode(signature).into_vec().ok().and_then(|v| v.try_into().ok()).ok_or(ApiError::BadSignature)?;
    let row = sqlx::query(
        "select wallet, purpose, extract(epoch from expires_at)::int8, used_at is not null, terms, message \
         from api_challenge where nonce = $1",
    )
    .bind(nonce)
    .fetch_optional(pool)
    .await?
    .ok_or(ApiError::UnknownChallenge)?;
    let (c_wallet, c_purpose, expires_at, used): (String, String, i64, bool) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    let sqlx::types::Json(signed_terms): sqlx::types::Json<Terms> = row.get(4);
    let message: String = row.get(5);
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
    let sig = Signature::from_bytes(&sig);
    if !signed_forms(&message, wallet).iter().any(|bytes| key.verify(bytes, &sig).is_ok()) {
        return Err(ApiError::WrongSigner);
    }
    if let Some(field) = terms.differs_from(&signed_terms) {
        return Err(ApiError::TermsMismatch(field));
    }
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
