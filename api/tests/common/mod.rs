//! A throwaway Postgres per test (`vetmai_localnet::pg::TempPostgres`: a private cluster, or a
//! fresh database in the server at `DATABASE_URL`), and rows the indexer would have written.
#![allow(dead_code)]
pub mod client;
pub mod oneshot;
pub mod proxy;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use sqlx::PgPool;
use vetmai::state::{ScoreSchedule, Staker};
use vetmai_localnet::pg::TempPostgres;

pub struct Db {
    pg: TempPostgres,
}

impl Db {
    pub async fn new() -> Self {
        Db {
            pg: tokio::task::spawn_blocking(|| TempPostgres::start().expect("throwaway Postgres")).await.expect("join"),
        }
    }

    pub fn url(&self) -> String {
        self.pg.url()
    }

    pub async fn pool(&self) -> PgPool {
        sqlx::postgres::PgPoolOptions::new().max_connections(16).connect(&self.url()).await.unwrap()
    }
}

/// A throwaway database, migrated, with the program config mirrored.
pub async fn migrated() -> (Db, PgPool) {
    let db = Db::new().await;
    let pool = db.pool().await;
    vetmai_api::MIGRATOR.run(&pool).await.unwrap();
    mirror_config(&db.url()).await;
    (db, pool)
}

/// Mirrors a program config with the published defaults (what the indexer would write).
pub async fn mirror_config(url: &str) {
    use anchor_lang::prelude::Pubkey;
    use anchor_lang::AccountSerialize;
    use vetmai::state::{Config, Params, ScoreBook, Totals};
    let k = Pubkey::new_unique();
    let config = Config {
        admin: k,
        pending_admin: Pubkey::default(),
        tmai_mint: k,
        token_program: k,
        vault: k,
        revenue_authority: k,
        reward_pools: Default::default(),
        reward_pool_count: 0,
        tmai_decimals: 6,
        bump: 255,
        vault_bump: 255,
        params: Params::defaults(6).unwrap(),
        totals: Totals { locked_amount: 0, open_positions: 0, stakers: 0, score: ScoreBook::new(0) },
        reserved: [0; 256],
    };
    let mut data = vec![];
    config.try_serialize(&mut data).unwrap();
    let pool = PgPool::connect(url).await.unwrap();
    sqlx::query(
        "insert into config (pubkey, admin, pending_admin, tmai_mint, token_program, vault, tmai_decimals, min_lock, \
         max_lock, max_multiplier_bps, level_thresholds, locked_amount, open_positions, stakers, data, slot) \
         values ($1, '', '', '', '', '', 6, 0, 0, 0, '{}', 0, 0, 0, $2, 1)",
    )
    .bind(Pubkey::new_unique().to_string())
    .bind(data)
    .execute(&pool)
    .await
    .unwrap();
}

/// Records a fresh live-stream report, as a running indexer would.
pub async fn mark_live(url: &str) {
    let pool = PgPool::connect(url).await.unwrap();
    sqlx::query(
        "insert into cursor (name, slot) values ('live', 1) on conflict (name) do update set updated_at = now()",
    )
    .execute(&pool)
    .await
    .unwrap();
}

/// A `vetmai-api` child process, killed when dropped.
pub struct ApiProc(Child);

impl ApiProc {
    /// Stops it the way a supervisor does (SIGTERM) and waits: it reports and gives back its
    /// leases on the way out.
    pub fn stop(mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status();
        let _ = self.0.wait();
    }

    /// Kills it outright (SIGKILL): whatever it leased is left to lapse.
    pub fn crash(mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for ApiProc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The `vetmai-api` binary: `VETMAI_API_BIN` when set (e.g. an optimized build for the
/// benchmark), else the one cargo built beside these tests.
pub fn api_bin() -> String {
    std::env::var("VETMAI_API_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_vetmai-api").to_string())
}

/// Starts the real `vetmai-api` binary on `port` over the database at `url` with extra
/// environment and arguments, and waits (blocking, up to 10 s) until it accepts connections.
pub fn spawn_api(url: &str, port: u16, env: &[(&str, String)], args: &[&str]) -> ApiProc {
    let mut cmd = Command::new(api_bin());
    cmd.env("DATABASE_URL", url)
        .env("VETMAI_API_LISTEN", format!("127.0.0.1:{port}"))
        .envs(env.iter().map(|(k, v)| (k, v)))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // `VETMAI_TEST_API_LOG=<file>`: keep the servers' logs (with `RUST_LOG`) for a failing test.
    if let Ok(path) = std::env::var("VETMAI_TEST_API_LOG") {
        let f = std::fs::OpenOptions::new().create(true).append(true).open(path).expect("log file");
        cmd.stderr(f.try_clone().expect("log file"));
        cmd.stdout(f);
    }
    let p = ApiProc(cmd.spawn().expect("vetmai-api"));
    for _ in 0..400 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return p;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("vetmai-api did not start on {port}");
}

/// A `vetmai-api` on `port` with `quotas` (Free,Advanced,Premium,VIP), leases granted while 64
/// calls stay free and lapsing after `ttl_ms`, and `extra` environment.
pub fn spawn_leasing(url: &str, port: u16, quotas: &str, ttl_ms: u64, extra: &[(&str, String)]) -> ApiProc {
    let mut env = vec![
        ("VETMAI_API_QUOTAS", quotas.to_string()),
        ("VETMAI_API_LEASE_MIN_ROOM", "64".to_string()),
        ("VETMAI_API_LEASE_TTL_MS", ttl_ms.to_string()),
    ];
    env.extend(extra.iter().cloned());
    spawn_api(url, port, &env, &[])
}

/// A mirrored staker for `owner` with `open` positions of `locked` base units in all, scored by
/// the Fixed schedule `fixed` (no Constant positions).
pub fn staker(owner: Pubkey, open: u32, locked: u64, fixed: ScoreSchedule) -> Staker {
    Staker {
        owner,
        bump: 255,
        next_index: u64::from(open),
        open_positions: open,
        locked_amount: locked,
        constant_score: 0,
        constants: Default::default(),
        fixed,
        proposal_month: 0,
        proposals_in_month: 0,
        reserved: [0; 119],
    }
}

/// Mirrors (as the indexer would) a staker for `owner` whose one Fixed lock of `score`, scored
/// from `now`, ends at epoch boundary `end`.
pub async fn insert_staker(pool: &PgPool, owner: Pubkey, now: i64, score: u128, end: i64) {
    use anchor_lang::AccountSerialize;
    const EPOCH: i64 = 604_800;
    let mut fixed = ScoreSchedule::new((now / EPOCH) as u64);
    fixed.add(end, score).unwrap();
    let s = staker(owner, 1, 1, fixed);
    let mut data = vec![];
    s.try_serialize(&mut data).unwrap();
    sqlx::query(
        "insert into staker (pubkey, owner, next_index, open_positions, locked_amount, constant_score, data, slot) \
         values ($1, $2, 1, 1, 1, 0, $3, 1)",
    )
    .bind(Pubkey::new_unique().to_string())
    .bind(owner.to_string())
    .bind(data)
    .execute(pool)
    .await
    .unwrap();
}
