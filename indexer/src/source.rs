//! Sources feeding the sink's channel: RPC snapshots (backfill / reconcile) and the websocket.
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
use solana_rpc_client_api::config::{RpcAccountInfoConfig, RpcProgramAccountsConfig};
use solana_rpc_client_api::request::RpcRequest;
use solana_rpc_client_api::response::{OptionalContext, RpcKeyedAccount};
use tokio::sync::mpsc::Sender;
use tokio_util::sync::CancellationToken;

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

/// Live updates over the websocket at `confirmed`: `programSubscribe` (account changes) and
/// `slotSubscribe` (liveness heartbeat). On every (re)connect it first re-reads a full snapshot
/// so whatever changed while disconnected is repaired; a stream that ends, errors or stays silent
/// for `silence` reconnects with exponential backoff.
pub struct Live {
    pub rpc: Arc<RpcClient>,
    pub ws_url: String,
    pub metrics: Arc<Metrics>,
    /// No slot notification for this long = the connection is dead.
    pub silence: Duration,
    pub max_backoff: Duration,
}

enum Ended {
    Cancelled,
    Disconnected(String),
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
        let (mut slots, _unsub_slots) = client.slot_subscribe().await?;
        self.metrics.connects.fetch_add(1, Relaxed);
        tracing::info!(url = %self.ws_url, "websocket subscribed; re-reading a snapshot to close any gap");
        // Subscribed first, then snapshot: nothing between the two is lost (notifications buffer).
        let slot = tokio::select! {
            _ = cancel.cancelled() => return Ok(Ended::Cancelled),
            r = snapshot(&self.rpc, CommitmentConfig::confirmed(), Origin::Backfill, tx, &self.metrics) => r?,
        };
        tracing::info!(slot, "snapshot after connect done; streaming");
        tx.send(Event::Heartbeat { slot }).await.map_err(|_| IndexerError::ChannelClosed)?;
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return Ok(Ended::Cancelled),
                n = accounts.next() => {
                    let Some(n) = n else { return Ok(Ended::Disconnected("program stream ended".into())) };
                    let slot = n.context.slot;
                    let pubkey = parse_key(&n.value.pubkey)?;
                    let acc = &n.value.account;
                    let ev = if acc.lamports == 0 || acc.owner != vetmai::ID.to_string() {
                        Event::Closed { pubkey, slot }
                    } else {
                        let data = decode_ui(acc)?;
                        if data.is_empty() {
                            Event::Closed { pubkey, slot }
                        } else {
                            Event::Account(AccountUpdate { pubkey, slot, data }, Origin::Live)
                        }
                    };
                    tx.send(ev).await.map_err(|_| IndexerError::ChannelClosed)?;
                }
                s = tokio::time::timeout(self.silence, slots.next()) => match s {
                    Ok(Some(info)) => {
                        tx.send(Event::Heartbeat { slot: info.slot }).await.map_err(|_| IndexerError::ChannelClosed)?;
                    }
                    Ok(None) => return Ok(Ended::Disconnected("slot stream ended".into())),
                    Err(_) => return Ok(Ended::Disconnected(format!("no slot notification for {:?}", self.silence))),
                },
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
