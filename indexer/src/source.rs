//! Sources feeding the sink's channel: RPC snapshots (backfill / reconcile) and the websocket.
use std::collections::VecDeque;
use std::future::Future;
use std::str::FromStr;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anchor_lang::prelude::Pubkey;
use base64::Engine;
use futures_util::StreamExt;
use serde_json::json;
use solana_account_decoder_client_types::{UiAccount, UiAccountData, UiAccountEncoding};
use solana_commitment_config::CommitmentConfig;
use solana_pubsub_client::nonblocking::pubsub_client::PubsubClient;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcTransactionLogsConfig, RpcTransactionLogsFilter,
};
use solana_rpc_client_api::request::RpcRequest;
use solana_rpc_client_api::response::{OptionalContext, RpcKeyedAccount};
use tokio::sync::mpsc::Sender;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::buffer::LiveQueue;
use crate::closures;
use crate::metrics::Metrics;
use crate::model::{AccountKind, AccountUpdate, Event, Origin};
use crate::IndexerError;

/// Something that produces events until cancelled (or, for one-shot sources, until done).
pub trait Source: Send + 'static {
    fn name(&self) -> &'static str;
    fn run(self, tx: Sender<Event>, cancel: CancellationToken)
        -> impl Future<Output = Result<(), IndexerError>> + Send;
}

fn decode_ui(acc: &UiAccount) -> Result<Vec<u8>, IndexerError> {
    match &acc.data {
        UiAccountData::Binary(b64, UiAccountEncoding::Base64) => {
            base64::engine::general_purpose::STANDARD.decode(b64).map_err(|e| IndexerError::BadAccount(e.to_string()))
        }
        other => Err(IndexerError::BadAccount(format!("unexpected encoding {other:?}"))),
    }
}

fn parse_key(s: &str) -> Result<Pubkey, IndexerError> {
    Pubkey::from_str(s).map_err(|e| IndexerError::BadAccount(format!("pubkey {s}: {e}")))
}

/// `getProgramAccounts` of one account type (memcmp on its discriminator at offset 0), with the
/// context slot the snapshot was read at.
pub async fn fetch_kind(
    rpc: &RpcClient,
    kind: AccountKind,
    commitment: CommitmentConfig,
) -> Result<(u64, Vec<AccountUpdate>), IndexerError> {
    let disc = base64::engine::general_purpose::STANDARD.encode(kind.discriminator());
    let config = json!({
        "encoding": "base64",
        "commitment": commitment.commitment,
        "withContext": true,
        "filters": [{ "memcmp": { "offset": 0, "bytes": disc, "encoding": "base64" } }],
    });
    let resp: OptionalContext<Vec<RpcKeyedAccount>> =
        rpc.send(RpcRequest::GetProgramAccounts, json!([vetmai::ID.to_string(), config])).await?;
    let (slot, accounts) = match resp {
        OptionalContext::Context(r) => (r.context.slot, r.value),
        OptionalContext::NoContext(_) => {
            return Err(IndexerError::BadAccount("getProgramAccounts returned no context slot".into()))
        }
    };
    let mut out = Vec::with_capacity(accounts.len());
    for a in accounts {
        out.push(AccountUpdate { pubkey: parse_key(&a.pubkey)?, slot, data: decode_ui(&a.account)? });
    }
    Ok((slot, out))
}

/// A complete snapshot of every account type, sent as `Account` events followed by one
/// `Snapshot` event per type. Returns the lowest context slot.
pub async fn snapshot(
    rpc: &RpcClient,
    commitment: CommitmentConfig,
    origin: Origin,
    tx: &Sender<Event>,
    metrics: &Metrics,
) -> Result<u64, IndexerError> {
    let mut min_slot = u64::MAX;
    for kind in AccountKind::ALL {
        let t = Instant::now();
        let (slot, accounts) = fetch_kind(rpc, kind, commitment).await?;
        tracing::info!(
            kind = kind.table(),
            origin = origin.as_str(),
            accounts = accounts.len(),
            slot,
            ms = t.elapsed().as_millis() as u64,
            "snapshot fetched"
        );
        metrics.snapshot_accounts.fetch_add(accounts.len() as u64, Relaxed);
        let count = accounts.len();
        for a in accounts {
            tx.send(Event::Account(a, origin)).await.map_err(|_| IndexerError::ChannelClosed)?;
        }
        tx.send(Event::Snapshot { kind, slot, count, origin }).await.map_err(|_| IndexerError::ChannelClosed)?;
        min_slot = min_slot.min(slot);
    }
    metrics.snapshots.fetch_add(1, Relaxed);
    Ok(min_slot)
}

/// One snapshot at `confirmed`, then done (the `backfill` command).
pub struct Backfill {
    pub rpc: Arc<RpcClient>,
    pub metrics: Arc<Metrics>,
}

impl Source for Backfill {
    fn name(&self) -> &'static str {
        "backfill"
    }

    async fn run(self, tx: Sender<Event>, cancel: CancellationToken) -> Result<(), IndexerError> {
        tokio::select! {
            _ = cancel.cancelled() => Ok(()),
            r = snapshot(&self.rpc, CommitmentConfig::confirmed(), Origin::Backfill, &tx, &self.metrics) => r.map(|_| ()),
        }
    }
}

/// A snapshot at `finalized` every `every`, so anything missed or rolled back is repaired.
pub struct Reconcile {
    pub rpc: Arc<RpcClient>,
    pub metrics: Arc<Metrics>,
    pub every: Duration,
}

impl Source for Reconcile {
    fn name(&self) -> &'static str {
        "reconcile"
    }

    async fn run(self, tx: Sender<Event>, cancel: CancellationToken) -> Result<(), IndexerError> {
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return Ok(()),
                _ = tokio::time::sleep(self.every) => {}
            }
            let r = tokio::select! {
                _ = cancel.cancelled() => return Ok(()),
                r = snapshot(&self.rpc, CommitmentConfig::finalized(), Origin::Reconcile, &tx, &self.metrics) => r,
            };
            match r {
                Ok(slot) => tracing::info!(slot, "reconciled at finalized"),
                Err(IndexerError::ChannelClosed) => return Ok(()),
                Err(e) => {
                    self.metrics.errors.fetch_add(1, Relaxed);
                    tracing::warn!(error = %e, "reconcile failed; will retry");
                }
            }
        }
    }
}

/// Live updates over the websocket at `confirmed`: `programSubscribe` (account changes),
/// `logsSubscribe` mentioning the program (closures, which `programSubscribe` never reports: see
/// [`crate::closures`]) and `slotSubscribe` (liveness heartbeat). On every (re)connect a full
/// snapshot is re-read, concurrently with streaming, so whatever changed while disconnected is
/// repaired; a stream that ends, errors or stays silent for `silence` reconnects with exponential
/// backoff.
///
/// The websocket is never left unread while the sink is slow or down: updates wait in a bounded
/// coalescing buffer ([`LiveQueue`]: newest state per account, closures included, drained lowest
/// slot first as the channel has room). Past `buffer_accounts` distinct accounts the buffer is
/// dropped (counted) and a full snapshot is sent once the sink accepts again.
pub struct Live {
    pub rpc: Arc<RpcClient>,
    pub ws_url: String,
    pub metrics: Arc<Metrics>,
    /// No slot notification for this long = the connection is dead.
    pub silence: Duration,
    pub max_backoff: Duration,
    /// Most distinct accounts the live buffer holds while the sink is not accepting.
    pub buffer_accounts: usize,
    /// Closure lookups (transactions re-read) run at once.
    pub closure_lookups: usize,
}

/// Transactions waiting for a closure lookup beyond this are dropped (and a snapshot is due).
const CLOSURE_QUEUE: usize = 10_000;

enum Ended {
    Cancelled,
    Disconnected(String),
}

/// A finished closure lookup: the transaction's signature and what it found
/// (the slot read at, the keys to close there).
type LookupDone = (String, Result<(u64, Vec<Pubkey>), IndexerError>);

/// Closure lookups off the hot loop: at most `concurrency` at once, the rest queued (bounded).
struct Lookups {
    rpc: Arc<RpcClient>,
    running: JoinSet<LookupDone>,
    queue: VecDeque<String>,
    concurrency: usize,
}

impl Lookups {
    /// Queues a transaction; `false` when the queue was full and has been dropped.
    fn push(&mut self, signature: String) -> bool {
        if self.queue.len() >= CLOSURE_QUEUE {
            self.queue.clear();
            return false;
        }
        self.queue.push_back(signature);
        self.start();
        true
    }

    fn start(&mut self) {
        while self.running.len() < self.concurrency {
            let Some(signature) = self.queue.pop_front() else { break };
            let rpc = self.rpc.clone();
            self.running.spawn(async move {
                let r = closures::lookup(&rpc, &signature, closures::TRANSACTION_WAIT).await;
                (signature, r)
            });
        }
    }
}

/// One snapshot at `confirmed` into the channel, as a task of its own so the live loop keeps
/// reading the websocket meanwhile.
fn spawn_snapshot(
    set: &mut JoinSet<Result<u64, IndexerError>>,
    rpc: &Arc<RpcClient>,
    tx: &Sender<Event>,
    metrics: &Arc<Metrics>,
) {
    let (rpc, tx, metrics) = (rpc.clone(), tx.clone(), metrics.clone());
    set.spawn(async move { snapshot(&rpc, CommitmentConfig::confirmed(), Origin::Backfill, &tx, &metrics).await });
}

impl Live {
    async fn session(&self, tx: &Sender<Event>, cancel: &CancellationToken) -> Result<Ended, IndexerError> {
        let client = PubsubClient::new(self.ws_url.as_str()).await?;
        let program = solana_pubkey_4::Pubkey::new_from_array(vetmai::ID.to_bytes());
        let config = RpcProgramAccountsConfig {
            filters: None,
            account_config: RpcAccountInfoConfig {
                encoding: Some(UiAccountEncoding::Base64),
                data_slice: None,
                commitment: Some(CommitmentConfig::confirmed()),
                min_context_slot: None,
            },
            with_context: Some(true),
            sort_results: None,
        };
        let (mut accounts, _unsub_accounts) = client.program_subscribe(&program, Some(config)).await?;
        let (mut logs, _unsub_logs) = client
            .logs_subscribe(
                RpcTransactionLogsFilter::Mentions(vec![vetmai::ID.to_string()]),
                RpcTransactionLogsConfig { commitment: Some(CommitmentConfig::confirmed()) },
            )
            .await?;
        let (mut slots, _unsub_slots) = client.slot_subscribe().await?;
        self.metrics.connects.fetch_add(1, Relaxed);
        tracing::info!(url = %self.ws_url, "websocket subscribed; re-reading a snapshot to close any gap");
        // Subscribed first, then snapshot: nothing between the two is lost.
        let mut queue = LiveQueue::new(self.buffer_accounts, self.metrics.clone());
        let mut snapshots: JoinSet<Result<u64, IndexerError>> = JoinSet::new();
        queue.snapshot_started();
        spawn_snapshot(&mut snapshots, &self.rpc, tx, &self.metrics);
        let mut lookups = Lookups {
            rpc: self.rpc.clone(),
            running: JoinSet::new(),
            queue: VecDeque::new(),
            concurrency: self.closure_lookups.max(1),
        };
        let silent = tokio::time::sleep(self.silence);
        tokio::pin!(silent);
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return Ok(Ended::Cancelled),
                Some(done) = snapshots.join_next(), if !snapshots.is_empty() => {
                    let slot = done.map_err(|e| IndexerError::Io(std::io::Error::other(e)))??;
                    tracing::info!(slot, buffered = queue.len(), "snapshot sent; streaming");
                    queue.snapshot_done(slot);
                }
                permit = tx.reserve(), if queue.has_work() => {
                    let permit = permit.map_err(|_| IndexerError::ChannelClosed)?;
                    if queue.wants_snapshot() {
                        tracing::info!("the sink accepts again; re-reading a snapshot for the dropped updates");
                        self.metrics.resnapshots.fetch_add(1, Relaxed);
                        queue.snapshot_started();
                        spawn_snapshot(&mut snapshots, &self.rpc, tx, &self.metrics);
                    }
                    if let Some(ev) = queue.pop() {
                        permit.send(ev);
                    }
                }
                n = accounts.next() => {
                    let Some(n) = n else { return Ok(Ended::Disconnected("program stream ended".into())) };
                    self.metrics.live_notifications.fetch_add(1, Relaxed);
                    let slot = n.context.slot;
                    let pubkey = parse_key(&n.value.pubkey)?;
                    let acc = &n.value.account;
                    if acc.lamports == 0 || acc.owner != vetmai::ID.to_string() {
                        queue.closed(pubkey, slot);
                    } else {
                        let data = decode_ui(acc)?;
                        if data.is_empty() {
                            queue.closed(pubkey, slot);
                        } else {
                            queue.account(AccountUpdate { pubkey, slot, data });
                        }
                    }
                }
                l = logs.next() => {
                    let Some(l) = l else { return Ok(Ended::Disconnected("logs stream ended".into())) };
                    // A failed transaction changed no account.
                    if l.value.err.is_none() && !lookups.push(l.value.signature) {
                        self.metrics.closure_lookups_dropped.fetch_add(CLOSURE_QUEUE as u64 + 1, Relaxed);
                        tracing::warn!("closure lookups are {CLOSURE_QUEUE} behind: dropped them; a snapshot will repair");
                        queue.lost();
                    }
                }
                Some(done) = lookups.running.join_next(), if !lookups.running.is_empty() => {
                    lookups.start();
                    self.metrics.closure_lookups.fetch_add(1, Relaxed);
                    match done {
                        Ok((_, Ok((slot, closed)))) => {
                            self.metrics.live_closures.fetch_add(closed.len() as u64, Relaxed);
                            for pubkey in closed {
                                queue.closed(pubkey, slot);
                            }
                        }
                        Ok((signature, Err(e))) => {
                            self.metrics.closure_lookup_errors.fetch_add(1, Relaxed);
                            self.metrics.errors.fetch_add(1, Relaxed);
                            tracing::warn!(%signature, error = %e, "closure lookup failed; the next reconcile repairs");
                        }
                        Err(e) => {
                            self.metrics.closure_lookup_errors.fetch_add(1, Relaxed);
                            self.metrics.errors.fetch_add(1, Relaxed);
                            tracing::warn!(error = %e, "closure lookup task failed; the next reconcile repairs");
                        }
                    }
                }
                s = slots.next() => match s {
                    Some(info) => {
                        silent.as_mut().reset(tokio::time::Instant::now() + self.silence);
                        queue.heartbeat(info.slot);
                    }
                    None => return Ok(Ended::Disconnected("slot stream ended".into())),
                },
                _ = &mut silent => {
                    return Ok(Ended::Disconnected(format!("no slot notification for {:?}", self.silence)));
                }
            }
        }
    }
}

impl Source for Live {
    fn name(&self) -> &'static str {
        "live"
    }

    async fn run(self, tx: Sender<Event>, cancel: CancellationToken) -> Result<(), IndexerError> {
        let min_backoff = Duration::from_millis(200);
        let mut backoff = min_backoff;
        loop {
            let started = Instant::now();
            match self.session(&tx, &cancel).await {
                Ok(Ended::Cancelled) | Err(IndexerError::ChannelClosed) => return Ok(()),
                Ok(Ended::Disconnected(why)) => {
                    self.metrics.errors.fetch_add(1, Relaxed);
                    tracing::warn!(reason = %why, "websocket disconnected; reconnecting");
                }
                Err(e) => {
                    self.metrics.errors.fetch_add(1, Relaxed);
                    tracing::warn!(error = %e, ?backoff, "live session failed; reconnecting");
                }
            }
            if started.elapsed() > Duration::from_secs(30) {
                backoff = min_backoff;
            }
            tokio::select! {
                _ = cancel.cancelled() => return Ok(()),
                _ = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(self.max_backoff);
        }
    }
}
