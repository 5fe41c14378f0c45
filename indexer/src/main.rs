//! `vetmai-indexer`: mirror the veTMAI program's accounts into Postgres.
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use anyhow::Context;
use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;
use vetmai_indexer::metrics::Metrics;
use vetmai_indexer::run::{default_ws_url, RunConfig};
use vetmai_indexer::store;

#[derive(Parser, Debug)]
#[command(name = "vetmai-indexer", version, about)]
struct Cli {
    /// Postgres connection string.
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Args, Debug)]
struct Rpc {
    /// Solana JSON-RPC endpoint.
    #[arg(long, env = "RPC_URL", default_value = "http://127.0.0.1:8899")]
    rpc_url: String,
    /// Websocket endpoint (default: the RPC URL with ws:// and port + 1).
    #[arg(long, env = "WS_URL")]
    ws_url: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Apply the SQL migrations and exit.
    Migrate,
    /// Migrate, then mirror continuously: backfill, websocket live, periodic reconcile; serves
    /// /metrics, /healthz and /readyz.
    Run {
        #[command(flatten)]
        rpc: Rpc,
        /// Address of the metrics/health server.
        #[arg(long, env = "LISTEN_ADDR", default_value = "127.0.0.1:9464")]
        listen: String,
        /// Seconds between reconciles at `finalized`.
        #[arg(long, env = "RECONCILE_SECS", default_value_t = 60)]
        reconcile_secs: u64,
        /// Most events written per transaction.
        #[arg(long, env = "BATCH_SIZE", default_value_t = 2000)]
        batch_size: usize,
        /// /readyz fails when this many slots behind the RPC node.
        #[arg(long, env = "MAX_LAG_SLOTS", default_value_t = 150)]
        max_lag_slots: u64,
        /// /readyz fails when the mirror has not advanced for this many seconds.
        #[arg(long, env = "MAX_LAG_SECS", default_value_t = 30.0)]
        max_lag_secs: f64,
        /// Reconnect when no slot notification arrives for this many seconds.
        #[arg(long, env = "WS_SILENCE_SECS", default_value_t = 5)]
        ws_silence_secs: u64,
        /// Most distinct accounts buffered from the websocket while Postgres is not accepting;
        /// past it the buffer is dropped and a full snapshot re-read once it accepts again.
        #[arg(long, env = "LIVE_BUFFER_ACCOUNTS", default_value_t = 100_000)]
        live_buffer_accounts: usize,
    },
    /// Migrate, take one snapshot at `confirmed` into the store, and exit.
    Backfill {
        #[command(flatten)]
        rpc: Rpc,
        #[arg(long, env = "BATCH_SIZE", default_value_t = 2000)]
        batch_size: usize,
    },
    /// Print the cursors, the row counts and the quarantined accounts.
    Status,
    /// Print a wallet's veTMAI, level, tier and guaranteed veTMAI, from the mirror.
    Score {
        /// Wallet address.
        wallet: String,
        /// Guaranteed through this unix time (default: now + 30 days).
        #[arg(long)]
        through: Option<i64>,
    },
    /// Empty the mirror (account tables and cursors; API keys and usage stay), for a chain
    /// restarted from a new genesis. `run` then backfills it again.
    Reset,
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let pool = store::connect(&cli.database_url, 8).await.context("connecting to Postgres")?;
    match cli.cmd {
        Cmd::Migrate => {
            store::migrate(&pool).await.context("migrating")?;
            tracing::info!("migrations applied");
        }
        Cmd::Run {
            rpc,
            listen,
            reconcile_secs,
            batch_size,
            max_lag_slots,
            max_lag_secs,
            ws_silence_secs,
            live_buffer_accounts,
        } => {
            store::migrate(&pool).await.context("migrating")?;
            let ws = rpc.ws_url.unwrap_or_else(|| default_ws_url(&rpc.rpc_url));
            let mut cfg = RunConfig::new(&rpc.rpc_url, &ws);
            cfg.reconcile_every = Duration::from_secs(reconcile_secs);
            cfg.batch_size = batch_size;
            cfg.max_lag_slots = max_lag_slots;
            cfg.max_lag_seconds = max_lag_secs;
            cfg.silence = Duration::from_secs(ws_silence_secs);
            cfg.live_buffer_accounts = live_buffer_accounts;
            let listener = tokio::net::TcpListener::bind(&listen).await.with_context(|| format!("binding {listen}"))?;
            tracing::info!(listen = %listener.local_addr()?, rpc = %cfg.rpc_url, ws = %cfg.ws_url, "indexer starting");
            let cancel = CancellationToken::new();
            let c = cancel.clone();
            tokio::spawn(async move {
                let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
                }
                tracing::info!("shutting down");
                c.cancel();
            });
            vetmai_indexer::run::run(pool, cfg, Arc::new(Metrics::default()), Some(listener), cancel)
                .await
                .context("indexer")?;
        }
        Cmd::Backfill { rpc, batch_size } => {
            store::migrate(&pool).await.context("migrating")?;
            let metrics = Arc::new(Metrics::default());
            let t = std::time::Instant::now();
            vetmai_indexer::run::backfill_once(pool, &rpc.rpc_url, metrics.clone(), batch_size)
                .await
                .context("backfill")?;
            let m = metrics.render();
            tracing::info!(secs = t.elapsed().as_secs_f64(), "backfill done");
            println!("{m}");
        }
        Cmd::Reset => {
            store::migrate(&pool).await.context("migrating")?;
            store::reset(&pool).await.context("emptying the mirror")?;
            tracing::info!("mirror emptied");
        }
        Cmd::Status => {
            for (name, slot) in store::cursors(&pool).await? {
                println!("cursor {name:<24} slot {slot}");
            }
            for (table, open, closed) in store::counts(&pool).await? {
                println!("table  {table:<24} open {open} closed {closed}");
            }
            for (pubkey, kind, slot, count, error) in store::quarantine(&pool).await? {
                println!("quarantined {kind} {pubkey} slot {slot} ({count} updates): {error}");
            }
        }
        Cmd::Score { wallet, through } => {
            let wallet = Pubkey::from_str(&wallet).context("wallet address")?;
            let now = unix_now();
            let through = through.unwrap_or(now + 30 * 86_400);
            match store::wallet_score(&pool, &wallet, now, through).await? {
                Some(v) => println!(
                    "{}",
                    serde_json::json!({
                        "wallet": v.wallet.to_string(), "ve": v.ve.to_string(), "level": v.level, "tier": v.tier,
                        "guaranteed": v.guaranteed.to_string(), "guaranteed_level": v.guaranteed_level,
                        "guaranteed_tier": v.guaranteed_tier, "through": v.through,
                        "locked_amount": v.locked_amount.to_string(), "open_positions": v.open_positions, "slot": v.slot,
                    })
                ),
                None => anyhow::bail!("no config mirrored yet: run `vetmai-indexer backfill` or `run` first"),
            }
        }
    }
    Ok(())
}
