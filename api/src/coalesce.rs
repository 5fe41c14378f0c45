//! Hot-key coalescing: concurrent checks of the same key in one process share one lookup and one
//! metering statement. Exactness is untouched — Postgres still decides every admission under the
//! row lock — but a burst on one key costs two round trips per batch instead of per call.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::meter::{self, Decision};
use crate::routes::AppState;
use crate::score;
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

#[derive(Default)]
struct Queue {
    waiting: Mutex<Vec<Reply>>,
    busy: tokio::sync::Mutex<()>,
}

#[derive(Default)]
pub struct Coalescer {
    queues: Mutex<HashMap<Vec<u8>, Arc<Queue>>>,
}

impl Coalescer {
    fn queue(&self, key_hash: &[u8]) -> Arc<Queue> {
        let mut q = self.queues.lock().unwrap_or_else(|e| e.into_inner());
        q.entry(key_hash.to_vec()).or_default().clone()
    }

    /// Checks and meters one call of the key with this hash.
    pub async fn check(&self, state: &AppState, key_hash: &[u8]) -> Result<Checked, ApiError> {
        let q = self.queue(key_hash);
        let (tx, rx) = oneshot::channel();
        q.waiting.lock().unwrap_or_else(|e| e.into_inner()).push(tx);
        {
            // Whoever holds the lock answers everyone waiting, itself included if still queued.
            let _flushing = q.busy.lock().await;
            let batch = std::mem::take(&mut *q.waiting.lock().unwrap_or_else(|e| e.into_inner()));
            if !batch.is_empty() {
                state.metrics.check_batches.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                match flush(state, key_hash, batch.len()).await {
                    Ok(results) => {
                        for (reply, r) in batch.into_iter().zip(results) {
                            let _ = reply.send(Ok(r));
                        }
                    }
                    Err(e) => {
                        for reply in batch {
                            let _ = reply.send(Err(e.duplicate()));
                        }
                    }
                }
            }
        }
        rx.await.map_err(|_| ApiError::Internal("check dropped".into()))?
    }
}

async fn flush(state: &AppState, key_hash: &[u8], n: usize) -> Result<Vec<Checked>, ApiError> {
    let ctx = score::key_context(&state.pool, key_hash).await?;
    let now = state.now();
    let level = ctx.score(now)?.guaranteed_level;
    let tier = state.quotas.for_level(level);
    let decisions = meter::check_many(&state.pool, ctx.key_id, tier, ctx.overage, now, n).await?;
    Ok(decisions.into_iter().map(|decision| Checked { decision, tier, level }).collect())
}
