//! The state every handler shares (`AppState`), its limits and the counters `/metrics` exports.
//! Its own module, so the HTTP surface (`routes`), the metering path (`coalesce`), transactions
//! and views all depend on it rather than on each other.
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;

use crate::coalesce::Coalescer;
use crate::keys::Siws;
use crate::limit::{self, Limiter};
use crate::tiers::Quotas;

/// Default of [`AppState::max_keys_per_wallet`].
pub const DEFAULT_MAX_KEYS_PER_WALLET: u32 = 10;
/// Largest request body any route reads (413 `payload_too_large` past it).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub quotas: Quotas,
    /// Unix seconds now (injectable so tests can cross month boundaries).
    pub clock: Arc<dyn Fn() -> i64 + Send + Sync>,
    pub metrics: Arc<Metrics>,
    /// `/readyz` fails when the indexer's live cursor is older than this.
    pub max_lag_secs: u64,
    /// Batches concurrent checks of one key.
    pub coalescer: Arc<Coalescer>,
    /// Most unrevoked keys a wallet may hold (`409 too_many_keys` past it).
    pub max_keys_per_wallet: u32,
    /// Who asks for signatures (the Sign-In With Solana message's domain, URI and chain).
    pub siws: Siws,
    /// Challenge creation per client network and overall (`429 rate_limited` past it).
    pub challenges: Arc<Limiter>,
    /// Lookups of keys a process holds nothing for, per client network (made-up keys are what
    /// they cost); `429 rate_limited` past it.
    pub key_lookups: Arc<Limiter>,
    /// Take the client's address from `X-Forwarded-For` (behind a proxy the operator runs).
    pub trust_forwarded_for: bool,
    /// Concurrency and time limits of each group of routes.
    pub limits: RouteLimits,
    /// When expired challenges were last swept (Unix seconds).
    pub challenge_sweep: Arc<std::sync::atomic::AtomicI64>,
}

/// How many requests of a group of routes run at once (more are answered 503 `overloaded`) and
/// how long one may take (then 503 `timed_out`).
#[derive(Debug, Clone, Copy)]
pub struct RouteLimits {
    /// `/v1/check`, `/v1/auth`.
    pub metering: (usize, Duration),
    /// `/v1/keys…` (each does a signature check and writes).
    pub keys: (usize, Duration),
    /// Index reads and transaction building.
    pub reads: (usize, Duration),
    /// Health, readiness, metrics, the OpenAPI document.
    pub ops: (usize, Duration),
}

impl Default for RouteLimits {
    fn default() -> Self {
        RouteLimits {
            metering: (4096, Duration::from_secs(2)),
            keys: (64, Duration::from_secs(5)),
            reads: (256, Duration::from_secs(10)),
            ops: (64, Duration::from_secs(2)),
        }
    }
}

/// Default challenge rates: per client network, and for everyone together.
pub const DEFAULT_CHALLENGES_PER_CLIENT: limit::Rate = limit::Rate { per_minute: 30, burst: 30 };
pub const DEFAULT_CHALLENGES_GLOBAL: limit::Rate = limit::Rate { per_minute: 6_000, burst: 500 };
/// Default lookups of unheld keys per client network: 100 a second, bursts of 1 000 (a gateway
/// that sends every client's calls from one address should pass `X-Forwarded-For`).
pub const DEFAULT_LOOKUPS_PER_CLIENT: limit::Rate = limit::Rate { per_minute: 6_000, burst: 1_000 };

impl AppState {
    pub fn new(pool: PgPool, quotas: Quotas) -> Self {
        Self {
            pool,
            quotas,
            clock: Arc::new(|| chrono::Utc::now().timestamp()),
            metrics: Arc::default(),
            max_lag_secs: 60,
            coalescer: Arc::default(),
            max_keys_per_wallet: DEFAULT_MAX_KEYS_PER_WALLET,
            siws: Siws::default(),
            challenges: Arc::new(Limiter::new(DEFAULT_CHALLENGES_PER_CLIENT, DEFAULT_CHALLENGES_GLOBAL)),
            key_lookups: Arc::new(Limiter::new(DEFAULT_LOOKUPS_PER_CLIENT, limit::Rate::UNLIMITED)),
            trust_forwarded_for: false,
            limits: RouteLimits::default(),
            challenge_sweep: Arc::new(std::sync::atomic::AtomicI64::new(i64::MIN)),
        }
    }

    pub fn now(&self) -> i64 {
        (self.clock)()
    }
}

/// Counters exported at `/metrics`.
#[derive(Default)]
pub struct Metrics {
    pub checks_allowed: AtomicU64,
    pub checks_refused: AtomicU64,
    pub checks_overage: AtomicU64,
    /// Metering statements issued (each serves a coalesced batch of checks, or reports leases).
    pub check_batches: AtomicU64,
    /// Checks answered from a lease (or a spent quota) in memory.
    pub checks_local: AtomicU64,
    /// Checks that waited for Postgres, and how long in all (µs).
    pub check_waits: AtomicU64,
    pub check_wait_micros: AtomicU64,
    /// Requests answered 503 `overloaded` by the metering path's bounded queues.
    pub shed: AtomicU64,
    /// Unknown keys answered from memory, and keys looked up in Postgres.
    pub unknown_cached: AtomicU64,
    pub key_lookups: AtomicU64,
    /// Calls of lapsed leases counted as used by this process's heartbeats.
    pub reclaimed: AtomicU64,
    /// Heartbeats and statements that failed.
    pub errors: AtomicU64,
}
