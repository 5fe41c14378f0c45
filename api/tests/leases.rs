//! Quota leases across real `vetmai-api` processes: admission from memory stays exact (exactly Q
//! admitted, usage equals Q once the processes stop), a tier change or a revocation made by
//! anyone reaches a process holding a lease before it admits much more, and a crashed holder's
//! lease lapses and counts in full, so the quota is never exceeded.
use std::time::{Duration, Instant};

use anchor_lang::prelude::Pubkey;
use sqlx::PgPool;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod common;

use common::client::Client;

fn spawn(url: &str, port: u16, quotas: &str, ttl_ms: u64) -> common::ApiProc {
    common::spawn_leasing(url, port, quotas, ttl_ms, &[])
}

async fn setup() -> (common::Db, PgPool) {
    common::migrated().await
}

/// A counter from a process's `/metrics`.
async fn metric(port: u16, name: &str) -> u64 {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n").await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out.lines().find_map(|l| l.strip_prefix(&format!("{name} "))).and_then(|v| v.trim().parse().ok()).unwrap_or(0)
}

async fn usage(pool: &PgPool) -> (i64, i64) {
    sqlx::query_as("select coalesce(sum(used), 0)::int8, (select count(*) from api_lease) from api_usage")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn leased_admission_across_two_processes_is_exact() {
    const Q: u64 = 30_000;
    let (db, pool) = setup().await;
    let (p1, p2) = (common::free_port(), common::free_port());
    let quotas = format!("{Q},1,1,1");
    let (a, b) = (spawn(&db.url(), p1, &quotas, 10_000), spawn(&db.url(), p2, &quotas, 10_000));
    let (_, key, _) = vetmai_api::keys::create(&pool, &Pubkey::new_unique(), None, false).await.unwrap();
    // 200 clients, half on each process, each checking until refused.
    let mut tasks = vec![];
    for i in 0..200 {
        let port = if i % 2 == 0 { p1 } else { p2 };
        let key = key.clone();
        tasks.push(tokio::spawn(async move {
            let mut c = Client::new(port, &key).await;
            let mut ok = 0u64;
            loop {
                match c.auth().await.0 {
                    204 => ok += 1,
                    429 => return ok,
                    s => panic!("unexpected status {s}"),
                }
            }
        }));
    }
    let mut admitted = 0;
    for t in tasks {
        admitted += t.await.unwrap();
    }
    assert_eq!(admitted, Q, "exactly the quota admitted over both processes");
    let local = metric(p1, "vetmai_api_checks_local_total").await + metric(p2, "vetmai_api_checks_local_total").await;
    let statements =
        metric(p1, "vetmai_api_check_batches_total").await + metric(p2, "vetmai_api_check_batches_total").await;
    println!("{admitted} admitted, {local} answered from memory, {statements} metering statements");
    assert!(local > Q / 2, "most calls were admitted from leases ({local} of {Q})");
    assert!(statements < Q / 10, "far fewer statements than calls ({statements})");
    // After the refusals, a fresh connection to either process is refused too.
    for p in [p1, p2] {
        assert_eq!(Client::new(p, &key).await.auth().await.0, 429);
    }
    a.stop();
    b.stop();
    assert_eq!(usage(&pool).await, (Q as i64, 0), "usage equals the quota; every lease given back");
}

/// The quota is the wallet's: two keys of one wallet, each hammered by 100 keep-alive clients
/// split over two processes, until refused. Exactly Q are admitted over both keys and both
/// processes (leases of one key, in either process, are not free to the other), and once the
/// processes stop, the wallet's usage is Q, its keys' shares add up to Q and no lease is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_keys_of_one_wallet_share_one_quota_across_two_processes() {
    const Q: u64 = 20_000;
    let (db, pool) = setup().await;
    let (p1, p2) = (common::free_port(), common::free_port());
    let quotas = format!("{Q},1,1,1");
    let (a, b) = (spawn(&db.url(), p1, &quotas, 10_000), spawn(&db.url(), p2, &quotas, 10_000));
    let wallet = Pubkey::new_unique();
    let (_, k1, _) = vetmai_api::keys::create(&pool, &wallet, None, false).await.unwrap();
    let (_, k2, _) = vetmai_api::keys::create(&pool, &wallet, None, false).await.unwrap();
    let mut tasks = vec![];
    for i in 0..200 {
        let port = if i % 2 == 0 { p1 } else { p2 };
        let key = if i % 4 < 2 { k1.clone() } else { k2.clone() };
        tasks.push(tokio::spawn(async move {
            let mut c = Client::new(port, &key).await;
            let mut ok = 0u64;
            loop {
                match c.auth().await.0 {
                    204 => ok += 1,
                    429 => return (i % 4 < 2, ok),
                    s => panic!("unexpected status {s}"),
                }
            }
        }));
    }
    let (mut by_k1, mut by_k2) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            (true, n) => by_k1 += n,
            (false, n) => by_k2 += n,
        }
    }
    println!("admitted: {by_k1} with key 1, {by_k2} with key 2; quota {Q}");
    assert_eq!(by_k1 + by_k2, Q, "exactly the wallet's quota over both keys and both processes");
    assert!(by_k1 > 0 && by_k2 > 0);
    for (p, k) in [(p1, &k1), (p1, &k2), (p2, &k1), (p2, &k2)] {
        assert_eq!(Client::new(p, k).await.auth().await.0, 429, "spent for every key everywhere");
    }
    a.stop();
    b.stop();
    assert_eq!(usage(&pool).await, (Q as i64, 0), "the keys' shares add up to Q; every lease given back");
    let wallet_used: i64 = sqlx::query_scalar("select used from api_wallet_usage where wallet = $1")
        .bind(wallet.to_string())
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(wallet_used as u64, Q);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_tier_change_and_a_revocation_reach_a_process_holding_a_lease() {
    let (db, pool) = setup().await;
    let port = common::free_port();
    let proc = spawn(&db.url(), port, "100000,200000,300000,400000", 10_000);
    let wallet = Pubkey::new_unique();
    let (id, key, _) = vetmai_api::keys::create(&pool, &wallet, None, false).await.unwrap();
    let mut c = Client::new(port, &key).await;
    // Warm up until calls are answered from a lease.
    let mut admitted = 0u64;
    let deadline = Instant::now() + Duration::from_secs(10);
    while metric(port, "vetmai_api_checks_local_total").await < 100 {
        assert!(Instant::now() < deadline, "no lease taken");
        for _ in 0..100 {
            assert_eq!(c.auth().await, (204, "Free".to_string()));
            admitted += 1;
        }
    }
    let held: i64 = sqlx::query_scalar("select held from api_lease").fetch_one(&pool).await.unwrap();
    assert!(held > 0);

    // The indexer mirrors a lock lasting past the month: Advanced. Every call is still answered,
    // and the tier follows within moments.
    let now = chrono::Utc::now().timestamp();
    let month_end = vetmai_math::time::next_month_start(now).unwrap();
    const EPOCH: i64 = 604_800;
    common::insert_staker(&pool, wallet, now, 22_000_000_000, (month_end / EPOCH + 2) * EPOCH).await;
    let changed = Instant::now();
    let mut calls_before = 0;
    loop {
        let (s, tier) = c.auth().await;
        assert_eq!(s, 204);
        admitted += 1;
        if tier == "Advanced" {
            break;
        }
        calls_before += 1;
        assert!(changed.elapsed() < Duration::from_secs(2), "tier change not seen after {calls_before} calls");
    }
    println!("tier change seen after {:?} ({calls_before} calls in between)", changed.elapsed());

    // Revoked by anyone (here straight in Postgres): refused from then on.
    vetmai_api::keys::revoke(&pool, &wallet, id).await.unwrap();
    let revoked = Instant::now();
    let mut calls_before = 0;
    loop {
        match c.auth().await.0 {
            204 => admitted += 1,
            401 => break,
            s => panic!("unexpected status {s}"),
        }
        calls_before += 1;
        assert!(revoked.elapsed() < Duration::from_secs(2), "revocation not seen after {calls_before} calls");
    }
    println!("revocation seen after {:?} ({calls_before} calls in between)", revoked.elapsed());
    for _ in 0..50 {
        assert_eq!(c.auth().await.0, 401, "stays revoked");
    }
    proc.stop();
    assert_eq!(usage(&pool).await, (admitted as i64, 0), "every admitted call is counted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_crashed_holders_lease_lapses_and_counts_in_full() {
    const Q: u64 = 5_000;
    let (db, pool) = setup().await;
    let (p1, p2) = (common::free_port(), common::free_port());
    let quotas = format!("{Q},1,1,1");
    let a = spawn(&db.url(), p1, &quotas, 1_000);
    let (_, key, _) = vetmai_api::keys::create(&pool, &Pubkey::new_unique(), None, false).await.unwrap();
    let mut c = Client::new(p1, &key).await;
    let mut by_a = 0u64;
    while metric(p1, "vetmai_api_checks_local_total").await < 50 {
        for _ in 0..50 {
            assert_eq!(c.auth().await.0, 204);
            by_a += 1;
        }
    }
    // Let the background task top the lease up, so part of it is unused when the process dies.
    tokio::time::sleep(Duration::from_millis(600)).await;
    a.crash();
    let (reported, held): (i64, i64) =
        sqlx::query_as("select u.used, l.held from api_usage u join api_lease l using (key_id, month)")
            .fetch_one(&pool)
            .await
            .expect("the crashed process left its lease behind");
    assert!(reported as u64 + held as u64 > by_a, "what it admitted is reported or leased, with some lease unused");
    // Another process: the lapsed lease counts in full, so it admits at most what is left.
    let b = spawn(&db.url(), p2, &quotas, 1_000);
    let mut c = Client::new(p2, &key).await;
    let mut by_b = 0u64;
    let started = Instant::now();
    loop {
        match c.auth().await.0 {
            204 => by_b += 1,
            429 => break,
            s => panic!("unexpected status {s}"),
        }
        assert!(started.elapsed() < Duration::from_secs(30), "never refused");
    }
    println!("admitted: {by_a} before the crash, {by_b} after; quota {Q}");
    assert!(by_a + by_b <= Q, "never more than the quota");
    assert_eq!(by_b, Q - reported as u64 - held as u64, "all that the lapsed lease did not hold stays available");
    b.stop();
    assert_eq!(usage(&pool).await, (Q as i64, 0), "the lapsed lease is counted as used and removed");
}

/// In one process (handlers driven with `oneshot`): calls admitted from a lease in the last
/// seconds of November are November's, the first call of December starts December's count and
/// gives November's lease back, and a sync makes Postgres agree with every answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_ends_with_its_month() {
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::Arc;
    use tower::ServiceExt;
    use vetmai_api::coalesce::{Coalescer, LeaseConfig};
    /// 2026-12-01 00:00 UTC.
    const DEC1: i64 = 1_796_083_200;
    let (_db, pool) = setup().await;
    let mut state =
        vetmai_api::AppState::new(pool.clone(), vetmai_api::tiers::Quotas::default().with_calls([100_000, 1, 1, 1]));
    let clock = Arc::new(AtomicI64::new(DEC1 - 10));
    let c = clock.clone();
    state.clock = Arc::new(move || c.load(Ordering::SeqCst));
    state.coalescer = Arc::new(Coalescer::new(LeaseConfig { min_room: 64, ..LeaseConfig::default() }));
    let coalescer = state.coalescer.clone();
    let metrics = state.metrics.clone();
    let router = vetmai_api::app(state);
    let (_, key, _) = vetmai_api::keys::create(&pool, &Pubkey::new_unique(), None, false).await.unwrap();
    let check = |router: axum::Router, key: String| async move {
        let req = axum::http::Request::builder()
            .method("POST")
            .uri("/v1/check")
            .header("x-api-key", key)
            .body(axum::body::Body::empty())
            .unwrap();
        let res = router.oneshot(req).await.unwrap();
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 16).await.unwrap();
        serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()
    };
    let mut n = 0u64;
    while metrics.checks_local.load(Ordering::Relaxed) < 200 {
        n += 1;
        let v = check(router.clone(), key.clone()).await;
        assert_eq!((v["allowed"].as_bool(), v["used"].as_u64()), (Some(true), Some(n)), "counts go up one by one");
        assert!(n < 10_000, "never admitted from a lease");
    }
    let (nov, dec) = (2026 * 12 + 10, 2026 * 12 + 11);
    let held: i64 =
        sqlx::query_scalar("select held from api_lease where month = $1").bind(nov).fetch_one(&pool).await.unwrap();
    assert!(held > 0);
    clock.store(DEC1, Ordering::SeqCst);
    let v = check(router.clone(), key.clone()).await;
    assert_eq!((v["used"].as_u64(), v["reset_unix"].as_i64()), (Some(1), Some(1_798_761_600)), "December's first call");
    coalescer.sync().await.unwrap();
    let rows: Vec<(i32, i64)> =
        sqlx::query_as("select month, used from api_usage order by month").fetch_all(&pool).await.unwrap();
    assert_eq!(rows, vec![(nov, n as i64), (dec, 1)]);
    let months: Vec<i32> = sqlx::query_scalar("select month from api_lease").fetch_all(&pool).await.unwrap();
    assert!(!months.contains(&nov), "November's lease was given back");
    coalescer.shutdown().await.unwrap();
    assert_eq!(usage(&pool).await, (n as i64 + 1, 0), "nothing leased after shutdown");
}
