//! `vetmai-api`: the access API over the indexer's Postgres.
use anyhow::Context;
use clap::Parser;
use vetmai_api::coalesce::{Coalescer, LeaseConfig};
use vetmai_api::tiers::Quotas;
use vetmai_api::{app, AppState, MIGRATOR};

#[derive(Parser)]
#[command(name = "vetmai-api", about = "veTMAI access API: wallet-bound keys, tiers and monthly metering")]
struct Args {
    /// Postgres URL (the indexer's database).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Address to listen on.
    #[arg(long, env = "VETMAI_API_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Monthly calls of Free, Advanced, Premium, VIP.
    #[arg(long, env = "VETMAI_API_QUOTAS", value_delimiter = ',', default_values_t = [50u64, 10_000, 50_000, 250_000])]
    quotas: Vec<u64>,
    /// Pool size.
    #[arg(long, env = "VETMAI_API_DB_CONNECTIONS", default_value_t = 16)]
    db_connections: u32,
    /// `/readyz` fails when the indexer's live stream last reported longer ago than this, seconds.
    #[arg(long, env = "VETMAI_API_MAX_LAG_SECS", default_value_t = 60)]
    max_lag_secs: u64,
    /// Quota leases: none is granted unless this many calls of a wallet's month stay free
    /// (near the end of a quota every call is decided in Postgres).
    #[arg(long, env = "VETMAI_API_LEASE_MIN_ROOM", default_value_t = 256)]
    lease_min_room: u64,
    /// A lease this process stops renewing (it died) lapses after this long, milliseconds; it then
    /// counts in full as used.
    #[arg(long, env = "VETMAI_API_LEASE_TTL_MS", default_value_t = 10_000)]
    lease_ttl_ms: u64,
    /// Most unrevoked API keys one wallet may hold; creating one more answers 409 `too_many_keys`.
    /// All of a wallet's keys share its tier's monthly quota.
    #[arg(long, env = "VETMAI_API_MAX_KEYS_PER_WALLET", default_value_t = vetmai_api::routes::DEFAULT_MAX_KEYS_PER_WALLET)]
    max_keys_per_wallet: u32,
    /// Run the migrations first.
    #[arg(long)]
    migrate: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let args = Args::parse();
    let calls: [u64; 4] = args.quotas.clone().try_into().map_err(|_| anyhow::anyhow!("--quotas takes four numbers"))?;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(args.db_connections)
        .connect(&args.database_url)
        .await
        .context("connecting to Postgres")?;
    if args.migrate {
        MIGRATOR.run(&pool).await.context("running migrations")?;
    }
    let mut state = AppState::new(pool, Quotas::default().with_calls(calls));
    state.max_lag_secs = args.max_lag_secs;
    state.max_keys_per_wallet = args.max_keys_per_wallet;
    let lease = LeaseConfig {
        min_room: args.lease_min_room,
        ttl: std::time::Duration::from_millis(args.lease_ttl_ms.max(100)),
        ..LeaseConfig::default()
    };
    state.coalescer = std::sync::Arc::new(Coalescer::new(lease));
    let coalescer = state.coalescer.clone();
    let listener =
        tokio::net::TcpListener::bind(&args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    tracing::info!(listen = %args.listen, "serving");
    axum::serve(listener, app(state))
        .with_graceful_shutdown(async {
            // Ctrl-C, or SIGTERM from a supervisor.
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
            }
        })
        .await
        .context("serving")?;
    // Report and give back what is leased, so usage in Postgres counts every admitted call.
    coalescer.shutdown().await.context("giving back quota leases")?;
    tracing::info!("stopped; leases given back");
    Ok(())
}
