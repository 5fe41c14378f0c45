//! End to end on a real in-process validator (program registered natively) and a throwaway
//! Postgres: lifecycle mirror == chain field by field, derived figures, websocket disconnects,
//! and SIGKILL of the real binary during backfill and live ingest.
mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::net::*;
use common::*;
use rand::Rng;
use tokio_util::sync::CancellationToken;
use vetmai::state::{Config, Position, Staker};
use vetmai_client::pda;
use vetmai_indexer::metrics::Metrics;
use vetmai_indexer::run::{run, RunConfig};
use vetmai_indexer::store;
use vetmai_localnet::Localnet;

async fn wait_for(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let t = Instant::now();
    while !f() {
        assert!(t.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

struct InProcess {
    metrics: Arc<Metrics>,
    cancel: CancellationToken,
    handle: tokio::task::JoinHandle<()>,
    http: SocketAddr,
}

async fn start_in_process(pool: &sqlx::PgPool, cfg: RunConfig) -> InProcess {
    let metrics = Arc::new(Metrics::default());
    let cancel = CancellationToken::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let http = listener.local_addr().unwrap();
    let (p, m, c) = (pool.clone(), metrics.clone(), cancel.clone());
    let handle = tokio::spawn(async move { run(p, cfg, m, Some(listener), c).await.expect("indexer run") });
    wait_for("first watermark", Duration::from_secs(60), || metrics.watermark_slot.load(Relaxed) > 0).await;
    InProcess { metrics, cancel, handle, http }
}

impl InProcess {
    async fn stop(self) {
        self.cancel.cancel();
        tokio::time::timeout(Duration::from_secs(20), self.handle).await.expect("graceful shutdown").expect("join");
    }
}

/// Accounts the scripted lifecycle leaves: config, 3 stakers, 4 positions, 2 reward pools and
/// their history chunks, the DAO, a proposal, 2 votes, a sale round and a commitment.
const LIFECYCLE_ACCOUNTS: usize = 1 + 3 + 4 + 2 + 2 + 1 + 1 + 2 + 1 + 1;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_mirror_equals_chain_and_derived_figures_match() {
    let _serial = SERIAL.lock().await;
    let net = Localnet::start().await.expect("validator");
    let (_pg, pool) = db().await;
    let mut cfg = RunConfig::new(&net.rpc_url(), &net.pubsub_url());
    cfg.reconcile_every = Duration::from_secs(3);
    let ix = start_in_process(&pool, cfg).await;

    let lc = lifecycle(&net).await;
    let chain = converge(&net, &pool, Duration::from_secs(30)).await;
    assert_columns(&pool, &chain).await;
    assert_eq!(chain.len(), LIFECYCLE_ACCOUNTS, "every account of the lifecycle, once");

    // Derived figures: the store's answer equals vetmai-math on the RPC data.
    let config: Config = vetmai_client::decode(&chain[&pda::config().to_string()]).unwrap();
    let now = net.now().await.unwrap();
    for w in &lc.wallets {
        let staker: Staker = vetmai_client::decode(&chain[&pda::staker(&w.key()).to_string()]).unwrap();
        let positions: Vec<Position> = (0..staker.next_index)
            .map(|i| vetmai_client::decode(&chain[&pda::position(&w.key(), i).to_string()]).unwrap())
            .collect();
        let mut sum = 0u128;
        for p in &positions {
            let s =
                vetmai_math::lock_score(p.amount, p.duration, config.params.max_lock, config.params.max_multiplier_bps)
                    .unwrap();
            assert_eq!(p.score, s, "position score = lock_score(amount, duration)");
            sum += vetmai_client::view::position_score(p, now);
        }
        for through in
            [now, now + 10 * DAY as i64, now + 40 * DAY as i64, now + 100 * DAY as i64, now + 400 * DAY as i64]
        {
            let got = store::wallet_score(&pool, &w.key(), now, through).await.unwrap().expect("config mirrored");
            let want = vetmai_client::view::wallet_score(&config, &staker, now, through).unwrap();
            assert_eq!(got.ve, sum, "veTMAI = Σ locked position scores");
            assert_eq!(
                (got.ve, got.level, got.guaranteed, got.guaranteed_level),
                (want.ve, want.level, want.guaranteed, want.guaranteed_level)
            );
            assert_eq!(got.tier, store::tier(want.level));
            assert_eq!(got.locked_amount, positions.iter().map(|p| p.amount).sum::<u64>());
        }
    }

    // Observability: ready, metrics exposed, health.
    wait_for("a reconcile at finalized", Duration::from_secs(30), || ix.metrics.snapshots.load(Relaxed) >= 2).await;
    let (status, body) = http_get(ix.http, "/readyz").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = http_get(ix.http, "/metrics").await;
    assert_eq!(status, 200);
    for name in [
        "vetmai_indexer_lag_slots",
        "vetmai_indexer_lag_seconds",
        "vetmai_indexer_updates_applied_total",
        "vetmai_indexer_errors_total",
    ] {
        assert!(body.contains(name), "{name} missing from /metrics");
    }
    assert_eq!(http_get(ix.http, "/healthz").await.0, 200);
    let cursors: BTreeMap<String, i64> = store::cursors(&pool).await.unwrap().into_iter().collect();
    for c in ["backfill_config", "backfill_staker", "backfill_position", "live"] {
        assert!(cursors.get(c).is_some_and(|s| *s > 0), "cursor {c} missing: {cursors:?}");
    }
    // Finalized trails confirmed by ~32 slots, so on a young validator it may still be slot 0.
    for c in ["reconcile_config", "reconcile_staker", "reconcile_position"] {
        assert!(cursors.contains_key(c), "cursor {c} missing: {cursors:?}");
    }
    ix.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_drop_is_detected_and_the_gap_repaired() {
    let _serial = SERIAL.lock().await;
    let net = Localnet::start().await.expect("validator");
    let (_pg, pool) = db().await;
    let proxy = Proxy::start(socket_of(&net.pubsub_url())).await;
    let mut cfg = RunConfig::new(&net.rpc_url(), &proxy.url());
    cfg.reconcile_every = Duration::from_secs(3600); // only the reconnect may repair the gap
    cfg.silence = Duration::from_secs(2);
    cfg.max_backoff = Duration::from_millis(500);
    cfg.max_lag_seconds = 3.0;
    let ix = start_in_process(&pool, cfg).await;
    let lc = lifecycle(&net).await;
    converge(&net, &pool, Duration::from_secs(30)).await;
    assert_eq!(ix.metrics.connects.load(Relaxed), 1);

    // Cut the websocket and keep it down while accounts change.
    proxy.block(true);
    proxy.cut();
    let a = &lc.wallets[0];
    bump(&net, &lc.dep, a, 777 * TMAI).await;
    let new_pos = new_lock(&net, &lc.dep, &lc.wallets[1], 1).await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let m = mirror(&pool).await;
    assert!(!m.contains_key(&new_pos.to_string()), "no websocket, no reconcile: the gap is still open");
    let (status, body) = http_get(ix.http, "/readyz").await;
    assert_eq!(status, 503, "readiness fails while disconnected: {body}");

    proxy.block(false);
    let chain = converge(&net, &pool, Duration::from_secs(30)).await;
    assert!(chain.contains_key(&new_pos.to_string()));
    assert_columns(&pool, &chain).await;
    assert!(ix.metrics.connects.load(Relaxed) >= 2, "reconnected");
    wait_for("ready again", Duration::from_secs(10), || ix.metrics.lag_seconds().is_some_and(|s| s < 3.0)).await;
    assert_eq!(http_get(ix.http, "/readyz").await.0, 200);

    // And live updates flow again after the reconnect.
    bump(&net, &lc.dep, a, TMAI).await;
    converge(&net, &pool, Duration::from_secs(10)).await;
    ix.stop().await;
}

fn slots(m: &BTreeMap<String, (Vec<u8>, i64)>) -> BTreeMap<String, i64> {
    m.iter().map(|(k, (_, s))| (k.clone(), *s)).collect()
}

/// No row disappeared and none went back to an older slot.
fn assert_no_regression(before: &BTreeMap<String, i64>, after: &BTreeMap<String, i64>) {
    for (k, s) in before {
        let now = after.get(k).unwrap_or_else(|| panic!("row {k} lost"));
        assert!(now >= s, "row {k} regressed from slot {s} to {now}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_backfill_and_live_ingest_converges() {
    let _serial = SERIAL.lock().await;
    const PRELOADED: usize = 20_000;
    let owner = anchor_lang::prelude::Pubkey::new_unique();
    let net = Localnet::builder()
        .accounts((0..PRELOADED as u64).map(|i| {
            let key = anchor_lang::prelude::Pubkey::new_unique();
            (key, vetmai_localnet::program_account(position_bytes(owner, i, 1 + i)))
        }))
        .start()
        .await
        .expect("validator");
    let lc = lifecycle(&net).await;
    let (pg, pool) = db().await;
    let dir = std::env::temp_dir().join(format!("vetmai-crash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("indexer.log");
    let listen: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let spawn = || IndexerProcess::spawn(&pg.url(), &net.rpc_url(), &net.pubsub_url(), listen, &log);
    let mut rng = rand::thread_rng();
    let count = |pool: sqlx::PgPool| async move {
        sqlx::query_scalar::<_, i64>("select count(*) from position").fetch_one(&pool).await.unwrap()
    };

    // 1. Kill during the backfill, at a random point after the first rows land.
    let child = spawn();
    let t = Instant::now();
    while count(pool.clone()).await == 0 {
        assert!(t.elapsed() < Duration::from_secs(120), "backfill never started; see {}", log.display());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(rng.gen_range(0..200))).await;
    child.kill();
    let written = count(pool.clone()).await as usize;
    assert!(written < PRELOADED, "killed mid-backfill ({written} of {PRELOADED} rows)");
    let mut before = slots(&mirror(&pool).await);

    // 2. Restart: converges.
    let child = spawn();
    converge(&net, &pool, Duration::from_secs(120)).await;
    let after = slots(&mirror(&pool).await);
    assert_no_regression(&before, &after);
    before = after;

    // 3. Kill during live ingest, three times, at random points while transactions land.
    let mut child = Some(child);
    for round in 0..3u64 {
        let w = &lc.wallets[(round % 3) as usize];
        bump(&net, &lc.dep, w, (round + 1) * TMAI).await;
        tokio::time::sleep(Duration::from_millis(rng.gen_range(0..800))).await;
        if let Some(c) = child.take() {
            c.kill();
        }
        bump(&net, &lc.dep, &lc.wallets[((round + 1) % 3) as usize], TMAI).await; // while it is down
        let now = slots(&mirror(&pool).await);
        assert_no_regression(&before, &now);
        before = now;
        child = Some(spawn());
        tokio::time::sleep(Duration::from_millis(rng.gen_range(0..1500))).await;
    }
    let chain = converge(&net, &pool, Duration::from_secs(120)).await;
    assert_columns(&pool, &chain).await;
    let after = slots(&mirror(&pool).await);
    assert_no_regression(&before, &after);
    assert_eq!(after.len(), PRELOADED + LIFECYCLE_ACCOUNTS, "no lost or extra rows");
    let closed: i64 = sqlx::query_scalar("select count(*) from position where closed").fetch_one(&pool).await.unwrap();
    assert_eq!(closed, 0, "nothing was closed on chain");
    drop(child);
    let _ = std::fs::remove_dir_all(&dir);
}
