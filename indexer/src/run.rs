//! Wiring: sources → channel → sink, the head-slot poller and the HTTP server.
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;

use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::metrics::Metrics;
use crate::server::{app, AppState};
use crate::sink::Sink;
use crate::source::{Backfill, Live, Reconcile, Source};
use crate::IndexerError;

#[derive(Debug, Clone)]
pub struct RunConfig {
    pub rpc_url: String,
    pub ws_url: String,
    pub reconcile_every: Duration,
    pub batch_size: usize,
    pub channel_capacity: usize,
    pub silence: Duration,
    pub max_backoff: Duration,
    pub max_lag_slots: u64,
    pub max_lag_seconds: f64,
    /// Most distinct accounts the live buffer holds while the sink is not accepting; past it the
    /// buffer is dropped and a snapshot re-read once the sink accepts again.
    pub live_buffer_accounts: usize,
    /// Closure lookups (transactions re-read for closed accounts) run at once.
    pub closure_lookups: usize,
}

impl RunConfig {
    pub fn new(rpc_url: &str, ws_url: &str) -> Self {
        Self {
            rpc_url: rpc_url.into(),
            ws_url: ws_url.into(),
            reconcile_every: Duration::from_secs(60),
            batch_size: 2000,
            channel_capacity: 10_000,
            silence: Duration::from_secs(5),
            max_backoff: Duration::from_secs(10),
            max_lag_slots: 150,
            max_lag_seconds: 30.0,
            live_buffer_accounts: 100_000,
            closure_lookups: 4,
        }
    }
}

/// The websocket URL that goes with an HTTP RPC URL (`http://h:8899` → `ws://h:8900`).
pub fn default_ws_url(rpc_url: &str) -> String {
    let ws = rpc_url.replacen("https://", "wss://", 1).replacen("http://", "ws://", 1);
    match ws.rsplit_once(':') {
        Some((head, port)) if port.trim_end_matches('/').parse::<u16>().is_ok() => {
            let p: u16 = port.trim_end_matches('/').parse().unwrap_or(8899);
            format!("{head}:{}", p.saturating_add(1))
        }
        _ => ws,
    }
}

fn spawn_source<S: Source>(
    s: S,
    tx: tokio::sync::mpsc::Sender<crate::model::Event>,
    cancel: CancellationToken,
    metrics: Arc<Metrics>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let name = s.name();
        if let Err(e) = s.run(tx, cancel).await {
            metrics.errors.fetch_add(1, Relaxed);
            tracing::error!(source = name, error = %e, "source stopped");
        }
    })
}

/// Runs the indexer until `cancel`: live (with its backfill on every connect), periodic
/// reconcile at `finalized`, the head-slot poller, and the sink. Returns after the sink has
/// written everything the sources sent.
pub async fn run(
    pool: PgPool,
    cfg: RunConfig,
    metrics: Arc<Metrics>,
    listener: Option<TcpListener>,
    cancel: CancellationToken,
) -> Result<(), IndexerError> {
    let rpc = Arc::new(RpcClient::new_with_commitment(cfg.rpc_url.clone(), CommitmentConfig::confirmed()));
    let (tx, rx) = tokio::sync::mpsc::channel(cfg.channel_capacity);
    let sink = tokio::spawn(Sink { pool, metrics: metrics.clone(), batch_size: cfg.batch_size }.run(rx));
    let live = Live {
        rpc: rpc.clone(),
        ws_url: cfg.ws_url.clone(),
        metrics: metrics.clone(),
        silence: cfg.silence,
        max_backoff: cfg.max_backoff,
        buffer_accounts: cfg.live_buffer_accounts,
        closure_lookups: cfg.closure_lookups,
    };
    let reconcile = Reconcile { rpc: rpc.clone(), metrics: metrics.clone(), every: cfg.reconcile_every };
    let sources = vec![
        spawn_source(live, tx.clone(), cancel.clone(), metrics.clone()),
        spawn_source(reconcile, tx.clone(), cancel.clone(), metrics.clone()),
    ];
    drop(tx);
    let head = {
        let (rpc, metrics, cancel) = (rpc.clone(), metrics.clone(), cancel.clone());
        tokio::spawn(async move {
            loop {
                match rpc.get_slot().await {
                    Ok(s) => {
                        metrics.head_slot.fetch_max(s, Relaxed);
                    }
                    Err(e) => {
                        metrics.errors.fetch_add(1, Relaxed);
                        tracing::debug!(error = %e, "getSlot failed");
                    }
                }
                tokio::select! {
                    _ = cancel.cancelled() => return,
                    _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                }
            }
        })
    };
    let server = listener.map(|l| {
        let state = AppState {
            metrics: metrics.clone(),
            max_lag_slots: cfg.max_lag_slots,
            max_lag_seconds: cfg.max_lag_seconds,
        };
        let cancel = cancel.clone();
        tokio::spawn(async move {
            let shutdown = async move { cancel.cancelled().await };
            if let Err(e) = axum::serve(l, app(state)).with_graceful_shutdown(shutdown).await {
                tracing::error!(error = %e, "http server failed");
            }
        })
    });
    for s in sources {
        let _ = s.await;
    }
    let _ = head.await;
    if let Some(s) = server {
        let _ = s.await;
    }
    sink.await.map_err(|e| IndexerError::Io(std::io::Error::other(e)))?
}

/// One snapshot at `confirmed` written to the store (the `backfill` command).
pub async fn backfill_once(
    pool: PgPool,
    rpc_url: &str,
    metrics: Arc<Metrics>,
    batch_size: usize,
) -> Result<(), IndexerError> {
    let rpc = Arc::new(RpcClient::new_with_commitment(rpc_url.to_string(), CommitmentConfig::confirmed()));
    let (tx, rx) = tokio::sync::mpsc::channel(10_000);
    let sink = tokio::spawn(Sink { pool, metrics: metrics.clone(), batch_size }.run(rx));
    let r = Backfill { rpc, metrics }.run(tx, CancellationToken::new()).await;
    sink.await.map_err(|e| IndexerError::Io(std::io::Error::other(e)))??;
    r
}
