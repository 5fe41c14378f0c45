//! `vetmai-api`: the access API over the indexer's Postgres.
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use vetmai_api::clock::DbClock;
use vetmai_api::coalesce::{Coalescer, LeaseConfig};
use vetmai_api::keys::Siws;
use vetmai_api::limit::{Limiter, Rate};
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
    /// The service's public URL: the Sign-In With Solana message names it (its host is the
    /// message's domain).
    #[arg(long, env = "VETMAI_API_PUBLIC_URL", default_value = "http://localhost:8080")]
    public_url: String,
    /// The cluster the signed message names (`Chain ID`): mainnet, devnet, testnet or localnet.
    #[arg(long, env = "VETMAI_API_CHAIN_ID", default_value = "mainnet")]
    chain_id: String,
    /// Key challenges one client network (IPv4 address, IPv6 /64) may ask for a minute (also its
    /// burst); `429 rate_limited` past it.
    #[arg(long, env = "VETMAI_API_CHALLENGES_PER_CLIENT", default_value_t = 30)]
    challenges_per_client: u32,
    /// Key challenges all clients together may ask for a minute.
    #[arg(long, env = "VETMAI_API_CHALLENGES_PER_MINUTE", default_value_t = 6_000)]
    challenges_per_minute: u32,
    /// Lookups of API keys a process holds nothing for (what made-up keys cost) one client
    /// network may cause a minute; bursts of a tenth of that ahead. `429 rate_limited` past it.
    #[arg(long, env = "VETMAI_API_KEY_LOOKUPS_PER_CLIENT", default_value_t = 6_000)]
    key_lookups_per_client: u32,
    /// Take the client's address from the last `X-Forwarded-For` entry (only behind a proxy you
    /// run that sets it).
    #[arg(long, env = "VETMAI_API_TRUST_FORWARDED_FOR")]
    trust_forwarded_for: bool,
    /// Shift this process's clock by this many seconds (tests that run a process just before a
    /// month ends; never in production).
    #[arg(long, env = "VETMAI_API_CLOCK_SHIFT_SECS", default_value_t = 0, hide = true)]
    clock_shift_secs: i64,
    /// Run the migrations first.
    #[arg(long)]
    migrate: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let args = Args::parse();
    let calls: [u64; 4] = args.quotas.clone().try_into().map_err(|_| anyhow::anyhow!("--quotas takes four numbers"))?;
    // A request waits at most a second for a connection: with Postgres down it is answered 503
    // with `Retry-After`, not held.
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(args.db_connections)
        .acquire_timeout(vetmai_api::coalesce::ACQUIRE_TIMEOUT)
        .connect(&args.database_url)
        .await
        .context("connecting to Postgres")?;
    if args.migrate {
        MIGRATOR.run(&pool).await.context("running migrations")?;
    }
    // The month is the database clock's, for every process alike.
    let clock = Arc::new(DbClock::new(args.clock_shift_secs));
    clock.sync(&pool).await.context("reading the database clock")?;
    let mut state = AppState::new(pool, Quotas::default().with_calls(calls));
    state.clock = {
        let c = clock.clone();
        Arc::new(move || c.now())
    };
    state.max_lag_secs = args.max_lag_secs;
    state.max_keys_per_wallet = args.max_keys_per_wallet;
    state.siws = Siws::for_url(&args.public_url, &args.chain_id);
    state.trust_forwarded_for = args.trust_forwarded_for;
    let per_client = args.challenges_per_client.max(1);
    let global = args.challenges_per_minute.max(1);
    let lookups = args.key_lookups_per_client.max(1);
    state.key_lookups =
        Arc::new(Limiter::new(Rate { per_minute: lookups, burst: (lookups / 6).max(1) }, Rate::UNLIMITED));
    state.challenges = Arc::new(Limiter::new(
        Rate { per_minute: per_client, burst: per_client },
        Rate { per_minute: global, burst: (global / 12).max(per_client) },
    ));
    let lease = LeaseConfig {
        min_room: args.lease_min_room,
        ttl: std::time::Duration::from_millis(args.lease_ttl_ms.max(100)),
        ..LeaseConfig::default()
    };
    state.coalescer = Arc::new(Coalescer::new(lease));
    state.coalescer.use_db_clock(clock);
    let coalescer = state.coalescer.clone();
    // Heartbeats (and the reclaim of lapsed leases) run from the start, not from the first call.
    coalescer.start(&state);
    let listener =
        tokio::net::TcpListener::bind(&args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    tracing::info!(listen = %args.listen, "serving");
    axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
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
