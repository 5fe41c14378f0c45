//! Metering through crashes and month ends (issue 14 item 5), with real `vetmai-api` processes
//! killed outright (SIGKILL): a holder killed a second before the month ends leaves last month
//! counting at least what it admitted and no lease behind (another process's heartbeat reclaims
//! lapsed leases of any month), and a holder killed while admitting overage has billed every
//! overage call it admitted (overage is recorded before it is admitted).
use std::time::{Duration, Instant};

use anchor_lang::prelude::Pubkey;
use sqlx::PgPool;

mod common;

use common::client::Client;

const EPOCH: i64 = 604_800;
const TMAI: u128 = 1_000_000;
/// Keep-alive clients hammering the holder.
const CLIENTS: usize = 20;

fn spawn(url: &str, port: u16, quotas: &str, shift: i64) -> common::ApiProc {
    common::spawn_leasing(url, port, quotas, 1000, &[("VETMAI_API_CLOCK_SHIFT_SECS", shift.to_string())])
}

async fn db_now(pool: &PgPool) -> i64 {
    sqlx::query_scalar("select extract(epoch from now())::int8").fetch_one(pool).await.unwrap()
}

/// `CLIENTS` keep-alive clients calling `/v1/auth` with `key` on `port` until `stop_at`, or
/// until the process goes away. Admitted calls (204), and calls whose answer never came.
async fn hammer(port: u16, key: &str, stop_at: Instant) -> (u64, u64) {
    let mut tasks = vec![];
    for _ in 0..CLIENTS {
        let key = key.to_string();
        tasks.push(tokio::spawn(async move {
            let mut c = Client::new(port, &key).await;
            let mut ok = 0u64;
            while Instant::now() < stop_at {
                match c.try_auth().await {
                    Ok((204, _)) => ok += 1,
                    Ok((s, _)) => panic!("unexpected status {s}"),
                    Err(_) => return (ok, 1),
                }
            }
            (ok, 0)
        }));
    }
    let mut out = (0, 0);
    for t in tasks {
        let (ok, lost) = t.await.unwrap();
        out = (out.0 + ok, out.1 + lost);
    }
    out
}

/// Hammers `holder` (on `port`) with `key` until `kill_at`, then SIGKILLs it: the calls
/// admitted, and those left unanswered.
async fn hammer_then_kill(holder: common::ApiProc, port: u16, key: &str, kill_at: Instant) -> (u64, u64) {
    let hammering = tokio::spawn({
        let key = key.to_string();
        async move { hammer(port, &key, kill_at + Duration::from_secs(5)).await }
    });
    tokio::time::sleep_until(kill_at.into()).await;
    holder.crash();
    hammering.await.unwrap()
}

/// Waits (up to 15 s) until no lease is left.
async fn no_lease_left(pool: &PgPool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let left: i64 = sqlx::query_scalar("select count(*) from api_lease").fetch_one(pool).await.unwrap();
        if left == 0 {
            return;
        }
        let rows: Vec<(i64, i32, String, i64)> =
            sqlx::query_as("select key_id, month, holder, held from api_lease").fetch_all(pool).await.unwrap();
        assert!(Instant::now() < deadline, "leases left behind: {rows:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_holder_killed_a_second_before_month_end_leaves_no_lease_and_counts_what_it_admitted() {
    let (db, pool) = common::migrated().await;
    // Both processes run on the database clock shifted so that the month ends 4 s from now.
    let now = db_now(&pool).await;
    let t0 = Instant::now();
    let month_end = vetmai_math::time::next_month_start(now).unwrap();
    let shift = month_end - 4 - now;
    let last_month = i32::try_from(vetmai_math::time::month_index(month_end - 1).unwrap()).unwrap();
    let (pa, pb) = (common::free_port(), common::free_port());
    let a = spawn(&db.url(), pa, "1000000,1,1,1", shift);
    let (_, key, _) = vetmai_api::keys::create(&pool, &Pubkey::new_unique(), None, false).await.unwrap();
    // Calls until the holder is killed one second before the month ends.
    let (admitted, lost) = hammer_then_kill(a, pa, &key, t0 + Duration::from_secs(3)).await;
    assert!(admitted > 0);
    let leased: i64 = sqlx::query_scalar("select coalesce(sum(held), 0)::int8 from api_lease where month = $1")
        .bind(last_month)
        .fetch_one(&pool)
        .await
        .unwrap();
    // Another process, next month by then, meters nothing of last month: its heartbeat reclaims
    // the dead holder's lease anyway.
    let _b = spawn(&db.url(), pb, "1000000,1,1,1", shift);
    no_lease_left(&pool).await;
    let (used, shares): (i64, i64) = sqlx::query_as(
        "select (select used from api_wallet_usage where month = $1), \
                (select coalesce(sum(used), 0)::int8 from api_usage where month = $1)",
    )
    .bind(last_month)
    .fetch_one(&pool)
    .await
    .unwrap();
    println!(
        "admitted {admitted} (+{lost} unanswered) before the kill; {leased} leased at the kill; last month counts {used}"
    );
    assert!(used as u64 >= admitted, "last month counts {used}, fewer than the {admitted} admitted");
    assert!(used as u64 <= admitted + lost + leased as u64, "over-count beyond the lapsed lease");
    assert_eq!(used, shares, "the key's share equals the wallet's usage");
    let months: Vec<i32> = sqlx::query_scalar("select distinct month from api_usage").fetch_all(&pool).await.unwrap();
    assert_eq!(months, vec![last_month], "everything was metered in the month that was ending");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_holder_killed_while_admitting_overage_has_billed_every_overage_call() {
    const Q: u64 = 100;
    let (db, pool) = common::migrated().await;
    let wallet = Pubkey::new_unique();
    let now = db_now(&pool).await;
    // 22 000 veTMAI through the month: Advanced, whose quota here is Q, with overage billed.
    common::insert_staker(&pool, wallet, now, 22_000 * TMAI, (now / EPOCH + 10) * EPOCH).await;
    let (_, key, _) = vetmai_api::keys::create(&pool, &wallet, None, true).await.unwrap();
    let (pa, pb) = (common::free_port(), common::free_port());
    let a = spawn(&db.url(), pa, &format!("50,{Q},50000,250000"), 0);
    let (admitted, lost) = hammer_then_kill(a, pa, &key, Instant::now() + Duration::from_millis(2500)).await;
    assert!(admitted > Q + 100, "the run reached overage ({admitted} admitted)");
    let _b = spawn(&db.url(), pb, &format!("50,{Q},50000,250000"), 0);
    no_lease_left(&pool).await;
    let (used, overage): (i64, i64) =
        sqlx::query_as("select used, overage from api_wallet_usage").fetch_one(&pool).await.unwrap();
    let billed_admitted = admitted - Q;
    println!("admitted {admitted} (+{lost} unanswered): {Q} in quota, {billed_admitted} overage; billed {overage}");
    assert_eq!(used as u64, Q, "the quota is used in full");
    assert!(overage as u64 >= billed_admitted, "{overage} billed of {billed_admitted} overage calls admitted");
    assert!(overage as u64 <= billed_admitted + lost, "only unanswered calls may be billed beyond what was admitted");
}
