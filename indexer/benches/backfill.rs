//! Benchmark (prints figures; not a test). Run:
//!
//! ```text
//! BENCH_ACCOUNTS=100000 cargo test --workspace --bench backfill -- --nocapture
//! ```
//!
//! 1. Backfill: N position accounts with real encodings preloaded into the validator's genesis,
//!    `getProgramAccounts` → Postgres through the indexer's sink; accounts/s, and the ratio to a
//!    plain `COPY` of the same rows into the same Postgres in the same run.
//! 2. Live: confirmed transaction → row visible in Postgres, p50/p99 over `BENCH_TXS` transactions.
#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anchor_lang::prelude::Pubkey;
use common::*;
use solana_commitment_config::CommitmentConfig;
use tokio_util::sync::CancellationToken;
use vetmai::state::Position;
use vetmai_client::pda;
use vetmai_indexer::metrics::Metrics;
use vetmai_indexer::model::AccountKind;
use vetmai_indexer::run::{backfill_once, run, RunConfig};
use vetmai_indexer::{source, store};
use vetmai_localnet::Localnet;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// `YYYY-MM-DD HH:MM:SS+00` for unix seconds (days → civil date, Howard Hinnant's algorithm).
fn utc(ts: i64) -> String {
    let (days, secs) = (ts.div_euclid(86_400), ts.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}+00", secs / 3600, secs % 3600 / 60, secs % 60)
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(bench());
}

async fn bench() {
    let n = env_or("BENCH_ACCOUNTS", 100_000);
    let txs = env_or("BENCH_TXS", 50);
    let owner = Pubkey::new_unique();
    let t = Instant::now();
    let accounts: Vec<_> = (0..n as u64)
        .map(|i| (Pubkey::new_unique(), vetmai_localnet::program_account(position_bytes(owner, i, 1 + i))))
        .collect();
    let net = Localnet::builder().accounts(accounts).start().await.expect("validator");
    println!("validator with {n} preloaded positions started in {:.1}s", t.elapsed().as_secs_f64());
    let (_pg, pool) = db().await;

    // getProgramAccounts alone.
    let t = Instant::now();
    let (_, fetched) =
        source::fetch_kind(net.rpc(), AccountKind::Position, CommitmentConfig::confirmed()).await.unwrap();
    let fetch_s = t.elapsed().as_secs_f64();
    assert_eq!(fetched.len(), n);

    // Full backfill through the sink.
    let t = Instant::now();
    backfill_once(pool.clone(), &net.rpc_url(), Arc::new(Metrics::default()), 2000).await.expect("backfill");
    let backfill_s = t.elapsed().as_secs_f64();
    let rows: i64 = sqlx::query_scalar("select count(*) from position").fetch_one(&pool).await.unwrap();
    assert_eq!(rows as usize, n);

    // A plain COPY of the same rows into an identical table.
    sqlx::query("create table position_copy (like position including all)").execute(&pool).await.unwrap();
    let mut text = String::with_capacity(n * 400);
    for a in &fetched {
        let p: Position = vetmai_client::decode(&a.data).unwrap();
        let hex: String = a.data.iter().map(|b| format!("{b:02x}")).collect();
        let end = if p.end == 0 { "\\N".to_string() } else { utc(p.end) };
        text.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t\\\\x{}\t{}\tf\t{}\n",
            a.pubkey,
            p.owner,
            p.index,
            store::lock_kind(p.kind),
            p.amount,
            p.score,
            p.duration,
            utc(p.created_at),
            end,
            hex,
            a.slot,
            utc(1_795_521_600)
        ));
    }
    let t = Instant::now();
    let mut conn = pool.acquire().await.unwrap();
    let mut copy = conn
        .copy_in_raw(
            "copy position_copy (pubkey, owner, index, kind, amount, score, duration, created_at, lock_end, data, slot, \
             closed, updated_at) from stdin",
        )
        .await
        .unwrap();
    copy.send(text.as_bytes()).await.unwrap();
    copy.finish().await.unwrap();
    let copy_s = t.elapsed().as_secs_f64();
    drop(conn);

    println!("\n== backfill: {n} position accounts ==");
    println!("getProgramAccounts alone   {fetch_s:>8.2} s  ({:>9.0} accounts/s)", n as f64 / fetch_s);
    println!("indexer backfill (gPA+db)  {backfill_s:>8.2} s  ({:>9.0} accounts/s)", n as f64 / backfill_s);
    println!("plain COPY of same rows    {copy_s:>8.2} s  ({:>9.0} rows/s)", n as f64 / copy_s);
    println!(
        "backfill / COPY time       {:>8.2}x   (db part only: {:.2}x)",
        backfill_s / copy_s,
        (backfill_s - fetch_s).max(0.0) / copy_s
    );

    // Live latency.
    let metrics = Arc::new(Metrics::default());
    let cancel = CancellationToken::new();
    let mut cfg = RunConfig::new(&net.rpc_url(), &net.pubsub_url());
    cfg.reconcile_every = Duration::from_secs(3600);
    let handle = tokio::spawn(run(pool.clone(), cfg, metrics.clone(), None, cancel.clone()));
    while metrics.watermark_slot.load(std::sync::atomic::Ordering::Relaxed) == 0 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (dep, _admin) = net.deploy(6).await.unwrap();
    let w = net.wallet(&dep, 1_000_000 * TMAI).await.unwrap();
    common::net::new_lock(&net, &dep, &w, 0).await;
    let key = pda::position(&w.key(), 0).to_string();
    let mut from_confirm = Vec::new();
    let mut from_send = Vec::new();
    let mut amount = 1_000 * TMAI;
    for _ in 0..txs {
        amount += TMAI;
        let t0 = Instant::now();
        common::net::bump(&net, &dep, &w, TMAI).await;
        let t1 = Instant::now();
        loop {
            let a: Option<String> = sqlx::query_scalar("select amount::text from position where pubkey = $1")
                .bind(&key)
                .fetch_optional(&pool)
                .await
                .unwrap();
            if a.as_deref() == Some(amount.to_string().as_str()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let t2 = Instant::now();
        from_confirm.push(t2.duration_since(t1).as_secs_f64() * 1000.0);
        from_send.push(t2.duration_since(t0).as_secs_f64() * 1000.0);
    }
    cancel.cancel();
    let _ = handle.await;
    println!("\n== live: {txs} increase_amount transactions ==");
    println!(
        "confirmed (client saw it) -> row visible  p50 {:>6.0} ms  p99 {:>6.0} ms",
        pct(&mut from_confirm, 0.5),
        pct(&mut from_confirm, 0.99)
    );
    println!(
        "sent -> row visible                      p50 {:>6.0} ms  p99 {:>6.0} ms",
        pct(&mut from_send, 0.5),
        pct(&mut from_send, 0.99)
    );
}
