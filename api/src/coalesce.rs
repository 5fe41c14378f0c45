//! Batching and context caching for check-and-meter. Checks arriving while a metering statement is
//! in flight wait, and the next statement meters all of them — any number of keys, each key's
//! calls counted together — so a burst costs one round trip per batch, not per call.
//!
//! What a key's tier is computed from (the key's wallet and overage flag, the wallet's mirrored
//! staker, the level thresholds) is cached between checks. Exactness is untouched: Postgres
//! decides every admission under the usage row's lock, in a statement that also re-checks that the
//! key is live and the cached staker and thresholds are still the mirrored ones (see
//! [`meter::Guard`]); anything stale is re-read and metered again, so a changed score takes effect
//! on the very next check.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{oneshot, Semaphore};

use crate::meter::{self, Decision, Guard, Stale};
use crate::routes::AppState;
use crate::score::{self, KeyContext, Thresholds};
use crate::tiers::Tier;
use crate::ApiError;

/// One metered call: the decision, the tier it was made under, and the guaranteed level.
#[derive(Debug, Clone, Copy)]
pub struct Checked {
    pub decision: Decision,
    pub tier: Tier,
    pub level: u8,
}

type Reply = oneshot::Sender<Result<Checked, ApiError>>;

/// Keys cached before the cache is emptied (a bound on memory, not an expiry).
const MAX_KEYS: usize = 100_000;
/// Metering statements one process keeps in flight.
const FLUSHERS: usize = 2;
/// Attempts to meter a key whose context keeps changing under it.
const ATTEMPTS: usize = 4;

/// A key's cached context with its wallet in text form (the guard names it).
struct Cached {
    ctx: KeyContext,
    wallet: String,
}

pub struct Coalescer {
    waiting: Mutex<Vec<(Vec<u8>, Reply)>>,
    flushers: Semaphore,
    keys: Mutex<HashMap<Vec<u8>, Arc<Cached>>>,
    thresholds: Mutex<Option<Arc<Thresholds>>>,
}

impl Default for Coalescer {
    fn default() -> Self {
        Self {
            waiting: Mutex::default(),
            flushers: Semaphore::new(FLUSHERS),
            keys: Mutex::default(),
            thresholds: Mutex::default(),
        }
    }
}

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Coalescer {
    /// Checks and meters one call of the key with this hash.
    pub async fn check(&self, state: &AppState, key_hash: &[u8]) -> Result<Checked, ApiError> {
        let (tx, rx) = oneshot::channel();
        locked(&self.waiting).push((key_hash.to_vec(), tx));
        {
            // Whoever gets a flusher meters everything waiting, itself included if still queued.
            let _permit = self.flushers.acquire().await.map_err(|_| ApiError::Internal("closed".into()))?;
            let batch = std::mem::take(&mut *locked(&self.waiting));
            if !batch.is_empty() {
                state.metrics.check_batches.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                self.flush(state, batch).await;
            }
        }
        rx.await.map_err(|_| ApiError::Internal("check dropped".into()))?
    }

    async fn key(&self, state: &AppState, key_hash: &[u8]) -> Result<Arc<Cached>, ApiError> {
        if let Some(c) = locked(&self.keys).get(key_hash) {
            return Ok(c.clone());
        }
        let ctx = score::key_context(&state.pool, key_hash).await?;
        let wallet = ctx.wallet.to_string();
        let c = Arc::new(Cached { ctx, wallet });
        let mut keys = locked(&self.keys);
        if keys.len() >= MAX_KEYS {
            keys.clear();
        }
        keys.insert(key_hash.to_vec(), c.clone());
        Ok(c)
    }

    async fn thresholds(&self, state: &AppState) -> Result<Arc<Thresholds>, ApiError> {
        if let Some(t) = locked(&self.thresholds).as_ref() {
            return Ok(t.clone());
        }
        let t = Arc::new(score::thresholds(&state.pool).await?);
        *locked(&self.thresholds) = Some(t.clone());
        Ok(t)
    }

    /// Drops what is cached about a key.
    pub fn forget(&self, key_hash: &[u8]) {
        locked(&self.keys).remove(key_hash);
    }

    /// Meters a batch: the calls of each key together, every key in one statement; keys whose
    /// context turned out stale are re-read and metered again.
    async fn flush(&self, state: &AppState, batch: Vec<(Vec<u8>, Reply)>) {
        let mut by_key: HashMap<Vec<u8>, Vec<Reply>> = HashMap::new();
        for (hash, reply) in batch {
            by_key.entry(hash).or_default().push(reply);
        }
        for _ in 0..ATTEMPTS {
            if by_key.is_empty() {
                return;
            }
            let th = match self.thresholds(state).await {
                Ok(t) => t,
                Err(e) => return fail_all(by_key, &e),
            };
            let now = state.now();
            let mut reqs = vec![];
            let mut order = vec![];
            for (hash, replies) in std::mem::take(&mut by_key) {
                let key = match self.key(state, &hash).await {
                    Ok(k) => k,
                    Err(e) => {
                        fail(replies, &e);
                        continue;
                    }
                };
                let level = match key.ctx.score(&th.config, now) {
                    Ok(s) => s.guaranteed_level,
                    Err(e) => {
                        fail(replies, &e);
                        continue;
                    }
                };
                let tier = state.quotas.for_level(level);
                let guard = Guard { wallet: key.wallet.clone(), staker_version: key.ctx.staker_version };
                reqs.push(meter::Request {
                    key_id: key.ctx.key_id,
                    tier,
                    overage: key.ctx.overage,
                    n: replies.len(),
                    guard: Some(guard),
                });
                order.push((hash, replies, tier, level));
            }
            if reqs.is_empty() {
                return;
            }
            let results = match meter::check_batch(&state.pool, &reqs, now, Some(&th.text)).await {
                Ok(r) => r,
                Err(e) => {
                    for (_, replies, _, _) in order {
                        fail(replies, &e);
                    }
                    return;
                }
            };
            for ((hash, replies, tier, level), result) in order.into_iter().zip(results) {
                match result {
                    Ok(decisions) => {
                        for (reply, decision) in replies.into_iter().zip(decisions) {
                            let _ = reply.send(Ok(Checked { decision, tier, level }));
                        }
                    }
                    Err(Stale::KeyRevoked | Stale::Staker) => {
                        self.forget(&hash);
                        by_key.insert(hash, replies);
                    }
                    Err(Stale::Thresholds) => {
                        *locked(&self.thresholds) = None;
                        by_key.insert(hash, replies);
                    }
                }
            }
        }
        fail_all(by_key, &ApiError::Internal("the key's context kept changing while metering".into()));
    }
}

fn fail(replies: Vec<Reply>, e: &ApiError) {
    for reply in replies {
        let _ = reply.send(Err(e.duplicate()));
    }
}

fn fail_all(by_key: HashMap<Vec<u8>, Vec<Reply>>, e: &ApiError) {
    for replies in by_key.into_values() {
        fail(replies, e);
    }
}
