//! The sink and store against a throwaway Postgres (no validator): slot ordering, duplicates,
//! out-of-order delivery, closures, snapshots, cursors and the derived wallet figures.
mod common;

use std::sync::Arc;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use anchor_lang::Discriminator;
use common::*;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use vetmai::state::{Config, Position, Proposal, Staker};
use vetmai_indexer::metrics::Metrics;
use vetmai_indexer::model::{AccountKind, AccountUpdate, Event, Origin};
use vetmai_indexer::sink::Sink;
use vetmai_indexer::store::{self, Batch};

fn upd(pubkey: Pubkey, slot: u64, data: Vec<u8>) -> Event {
    Event::Account(AccountUpdate { pubkey, slot, data }, Origin::Live)
}

async fn write(pool: &sqlx::PgPool, events: Vec<Event>) -> store::Written {
    let mut b = Batch::default();
    for e in events {
        Sink::fold(&mut b, e);
    }
    store::write_batch(pool, &b).await.expect("write")
}

#[tokio::test]
async fn migrations_are_idempotent() {
    let (_pg, pool) = db().await;
    store::migrate(&pool).await.expect("second migrate is a no-op");
    // One table per account type, each queried (a missing table fails here), all empty.
    let counts = store::counts(&pool).await.expect("counts");
    let expected = [
        "config",
        "staker",
        "position",
        "reward_pool",
        "reward_history",
        "dao",
        "proposal",
        "vote_record",
        "sale_round",
        "commitment",
    ];
    assert_eq!(counts.iter().map(|c| c.0).collect::<Vec<_>>(), expected);
    assert!(counts.iter().all(|c| c.1 == 0 && c.2 == 0), "fresh mirror has rows: {counts:?}");
}

#[tokio::test]
async fn older_updates_never_overwrite_newer_rows() {
    let (_pg, pool) = db().await;
    let owner = Pubkey::new_unique();
    let key = Pubkey::new_unique();
    let w = write(&pool, vec![upd(key, 10, position_bytes(owner, 0, 100))]).await;
    assert_eq!(w.applied, 1);
    // Older: ignored. Same slot again (duplicate): ignored. Newer: applied.
    assert_eq!(write(&pool, vec![upd(key, 9, position_bytes(owner, 0, 50))]).await.applied, 0);
    assert_eq!(write(&pool, vec![upd(key, 10, position_bytes(owner, 0, 100))]).await.applied, 0);
    assert_eq!(write(&pool, vec![upd(key, 11, position_bytes(owner, 0, 200))]).await.applied, 1);
    let rows = store::raw_rows(&pool, AccountKind::Position).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].slot, 11);
    assert_eq!(rows[0].data, position_bytes(owner, 0, 200));
    // Within one batch, the newest wins whatever the order.
    write(&pool, vec![upd(key, 14, position_bytes(owner, 0, 400)), upd(key, 12, position_bytes(owner, 0, 300))]).await;
    let rows = store::raw_rows(&pool, AccountKind::Position).await.unwrap();
    assert_eq!((rows[0].slot, rows[0].data.clone()), (14, position_bytes(owner, 0, 400)));
}

/// Random histories, delivered shuffled, duplicated and split into random batches, end in the
/// same state as delivering each account's newest update once.
#[tokio::test]
async fn shuffled_duplicated_batches_converge_to_newest() {
    let (_pg, pool) = db().await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let keys: Vec<(Pubkey, Pubkey)> = (0..50).map(|_| (Pubkey::new_unique(), Pubkey::new_unique())).collect();
    let mut events = Vec::new();
    let mut newest = std::collections::BTreeMap::new();
    for (key, owner) in &keys {
        let n = rng.gen_range(1..6u64);
        for i in 0..n {
            let slot = 100 + i * 3 + rng.gen_range(0..3);
            let data = position_bytes(*owner, 0, slot * 10);
            events.push(upd(*key, slot, data.clone()));
            newest.insert(key.to_string(), (data, slot as i64));
        }
    }
    let mut all: Vec<Event> = events.iter().chain(events.iter()).cloned().collect();
    all.shuffle(&mut rng);
    while !all.is_empty() {
        let n = rng.gen_range(1..20).min(all.len());
        write(&pool, all.drain(..n).collect()).await;
    }
    let rows = store::raw_rows(&pool, AccountKind::Position).await.unwrap();
    assert_eq!(rows.len(), newest.len());
    for r in rows {
        let (data, slot) = &newest[&r.pubkey];
        assert_eq!((&r.data, r.slot, r.closed), (data, *slot, false), "{}", r.pubkey);
    }
}

#[tokio::test]
async fn closures_are_slot_ordered_and_accounts_can_reopen() {
    let (_pg, pool) = db().await;
    let (key, owner) = (Pubkey::new_unique(), Pubkey::new_unique());
    write(&pool, vec![upd(key, 20, position_bytes(owner, 0, 1))]).await;
    // A closure older than the row is ignored.
    assert_eq!(write(&pool, vec![Event::Closed { pubkey: key, slot: 19 }]).await.closed, 0);
    assert_eq!(write(&pool, vec![Event::Closed { pubkey: key, slot: 21 }]).await.closed, 1);
    let r = &store::raw_rows(&pool, AccountKind::Position).await.unwrap()[0];
    assert!(r.closed && r.slot == 21);
    // A stale update after the closure does not resurrect it; a newer one (re-created) does.
    assert_eq!(write(&pool, vec![upd(key, 20, position_bytes(owner, 0, 1))]).await.applied, 0);
    assert!(store::raw_rows(&pool, AccountKind::Position).await.unwrap()[0].closed);
    assert_eq!(write(&pool, vec![upd(key, 30, position_bytes(owner, 0, 2))]).await.applied, 1);
    let r = &store::raw_rows(&pool, AccountKind::Position).await.unwrap()[0];
    assert!(!r.closed && r.slot == 30);
}

#[tokio::test]
async fn snapshot_closes_rows_missing_from_it_and_sets_cursor() {
    let (_pg, pool) = db().await;
    let owner = Pubkey::new_unique();
    let (a, b, c) = (Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique());
    write(&pool, vec![upd(a, 5, position_bytes(owner, 0, 1)), upd(b, 5, position_bytes(owner, 1, 1))]).await;
    // c was written live after the snapshot's slot: the snapshot must not close it.
    write(&pool, vec![upd(c, 12, position_bytes(owner, 2, 1))]).await;
    let w = write(
        &pool,
        vec![
            Event::Account(AccountUpdate { pubkey: a, slot: 10, data: position_bytes(owner, 0, 1) }, Origin::Backfill),
            Event::Snapshot { kind: AccountKind::Position, slot: 10, count: 1, origin: Origin::Backfill },
        ],
    )
    .await;
    assert_eq!(w.closed, 1);
    let rows = store::raw_rows(&pool, AccountKind::Position).await.unwrap();
    let state: Vec<(String, bool, i64)> = rows.iter().map(|r| (r.pubkey.clone(), r.closed, r.slot)).collect();
    assert!(state.contains(&(a.to_string(), false, 10)));
    assert!(state.contains(&(b.to_string(), true, 10)));
    assert!(state.contains(&(c.to_string(), false, 12)));
    let cursors = store::cursors(&pool).await.unwrap();
    assert!(cursors.contains(&("backfill_position".to_string(), 10)));
    // Cursors never go backwards.
    write(&pool, vec![Event::Snapshot { kind: AccountKind::Position, slot: 8, count: 2, origin: Origin::Backfill }])
        .await;
    assert!(store::cursors(&pool).await.unwrap().contains(&("backfill_position".to_string(), 10)));
}

/// Runs a sink over `events` until it has written them all (the channel then closes); `None`
/// when it is still at it after `timeout` (a batch it keeps retrying).
async fn sink(pool: &sqlx::PgPool, metrics: &Arc<Metrics>, events: Vec<Event>, timeout: Duration) -> Option<()> {
    let (tx, rx) = tokio::sync::mpsc::channel(events.len().max(1));
    for e in events {
        tx.send(e).await.expect("send");
    }
    drop(tx);
    let s = Sink { pool: pool.clone(), metrics: metrics.clone(), batch_size: 100 };
    tokio::time::timeout(timeout, s.run(rx)).await.ok().map(|r| r.expect("sink"))
}

fn proposal_bytes(id: u64, title: &str, url: &str) -> Vec<u8> {
    let mut p: Proposal = zeroed(Proposal::SPACE);
    p.id = id;
    p.proposer = Pubkey::new_unique();
    p.title = title.to_string();
    p.description_url = url.to_string();
    p.created_at = 1_795_521_600;
    p.voting_ends_at = 1_795_521_600 + 7 * DAY as i64;
    encode(&p)
}

/// What the mirror holds of `pubkey` in `table`: (closed, slot), if it has a row.
async fn row_state(pool: &sqlx::PgPool, table: &str, pubkey: &Pubkey) -> Option<(bool, i64)> {
    sqlx::query_as(&format!("select closed, slot from {table} where pubkey = $1"))
        .bind(pubkey.to_string())
        .fetch_optional(pool)
        .await
        .expect("row")
}

/// The quarantine row of `pubkey`: (kind, slot, data, count, error).
async fn quarantined(pool: &sqlx::PgPool, pubkey: &Pubkey) -> Option<(String, i64, Vec<u8>, i64, String)> {
    sqlx::query_as("select kind, slot, data, count, error from quarantine where pubkey = $1")
        .bind(pubkey.to_string())
        .fetch_optional(pool)
        .await
        .expect("quarantine table")
}

fn counter(metrics: &Metrics, name: &str) -> Option<f64> {
    let prefix = format!("vetmai_indexer_{name} ");
    metrics.render().lines().find_map(|l| l.strip_prefix(&prefix).and_then(|v| v.parse().ok()))
}

/// Postgres `text` cannot hold NUL: a proposal whose title and URL contain one is stored as
/// readable text (NUL shown as U+FFFD) with the exact on-chain bytes beside it, and the batch
/// it came in (here with a position) commits whole instead of being retried forever.
#[tokio::test]
async fn a_nul_in_a_proposal_title_does_not_halt_the_sink() {
    let (_pg, pool) = db().await;
    let metrics = Arc::new(Metrics::default());
    let (prop, pos, owner) = (Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique());
    let data = proposal_bytes(1, "a\0b", "https://x/\0y");
    let events = vec![upd(prop, 7, data.clone()), upd(pos, 7, position_bytes(owner, 0, 5))];
    assert!(sink(&pool, &metrics, events, Duration::from_secs(20)).await.is_some(), "the sink is stuck on the batch");
    let (title, url, title_raw, url_raw): (String, String, Vec<u8>, Vec<u8>) =
        sqlx::query_as("select title, description_url, title_raw, description_url_raw from proposal where pubkey = $1")
            .bind(prop.to_string())
            .fetch_one(&pool)
            .await
            .expect("proposal row");
    assert_eq!((title.as_str(), url.as_str()), ("a\u{fffd}b", "https://x/\u{fffd}y"));
    assert_eq!((title_raw.as_slice(), url_raw.as_slice()), (&b"a\0b"[..], &b"https://x/\0y"[..]));
    assert_eq!(row_state(&pool, "position", &pos).await, Some((false, 7)), "the position in the same batch");
    assert_eq!(quarantined(&pool, &prop).await, None, "stored, not quarantined");
    // The raw account is kept byte for byte too.
    let rows = store::raw_rows(&pool, AccountKind::Proposal).await.unwrap();
    assert_eq!(rows[0].data, data);
}

/// An account whose data no longer decodes is quarantined (row, metric, error log), its last
/// good row is kept open — a snapshot that returned it must not mark it closed — and the sink
/// goes on ingesting.
#[tokio::test]
async fn an_undecodable_account_is_quarantined_not_closed() {
    let (_pg, pool) = db().await;
    let metrics = Arc::new(Metrics::default());
    let (bad, good, later, owner) =
        (Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique());
    write(&pool, vec![upd(bad, 5, position_bytes(owner, 0, 1))]).await;
    // A position's discriminator with a body that is cut short.
    let mut garbage = Position::DISCRIMINATOR.to_vec();
    garbage.extend_from_slice(&[1, 2, 3]);
    let snap = |slot| Event::Snapshot { kind: AccountKind::Position, slot, count: 2, origin: Origin::Backfill };
    let backfill = |k, slot, data| Event::Account(AccountUpdate { pubkey: k, slot, data }, Origin::Backfill);
    let events = vec![
        backfill(bad, 10, garbage.clone()),
        backfill(good, 10, position_bytes(owner, 1, 2)),
        snap(10),
        upd(later, 11, position_bytes(owner, 2, 3)),
    ];
    assert!(sink(&pool, &metrics, events, Duration::from_secs(20)).await.is_some(), "the sink is stuck");
    assert_eq!(row_state(&pool, "position", &bad).await, Some((false, 5)), "kept as last decoded, not closed");
    let (kind, slot, data, count, error) = quarantined(&pool, &bad).await.expect("quarantined");
    assert_eq!((kind.as_str(), slot, data, count), ("position", 10, garbage.clone(), 1));
    assert!(!error.is_empty());
    assert_eq!(counter(&metrics, "quarantined_total"), Some(1.0));
    assert_eq!(row_state(&pool, "position", &good).await, Some((false, 10)));
    assert_eq!(row_state(&pool, "position", &later).await, Some((false, 11)), "ingesting goes on after it");
    // Still undecodable at the next snapshot: counted again, still open.
    let events = vec![backfill(bad, 20, garbage.clone()), backfill(good, 20, position_bytes(owner, 1, 2)), snap(20)];
    assert!(sink(&pool, &metrics, events, Duration::from_secs(20)).await.is_some());
    assert_eq!(row_state(&pool, "position", &bad).await, Some((false, 5)));
    let (_, slot, _, count, _) = quarantined(&pool, &bad).await.expect("quarantined");
    assert_eq!((slot, count), (20, 2));
    assert_eq!(counter(&metrics, "quarantined_total"), Some(2.0));
    // It decodes again: written, and out of quarantine.
    write(&pool, vec![upd(bad, 30, position_bytes(owner, 0, 9))]).await;
    assert_eq!(row_state(&pool, "position", &bad).await, Some((false, 30)));
    assert_eq!(quarantined(&pool, &bad).await, None);
    // Gone from a later snapshot: closed as usual.
    write(&pool, vec![backfill(good, 40, position_bytes(owner, 1, 2)), snap(40)]).await;
    assert_eq!(row_state(&pool, "position", &bad).await, Some((true, 40)));
    // Data of no known type (unknown discriminator, too short) is quarantined too.
    let (unknown, short) = (Pubkey::new_unique(), Pubkey::new_unique());
    let events = vec![upd(unknown, 50, vec![9; 40]), upd(short, 50, vec![1, 2, 3])];
    assert!(sink(&pool, &metrics, events, Duration::from_secs(20)).await.is_some());
    assert_eq!(quarantined(&pool, &unknown).await.map(|q| q.0), Some("unknown".to_string()));
    assert_eq!(quarantined(&pool, &short).await.map(|q| (q.0, q.2)), Some(("unknown".to_string(), vec![1, 2, 3])));
}

/// A row Postgres refuses (here a time outside `timestamptz`) fails its batch; the sink then
/// writes the batch row by row, quarantines the row that fails and commits the rest.
#[tokio::test]
async fn a_row_postgres_refuses_is_quarantined_and_the_rest_commits() {
    let (_pg, pool) = db().await;
    let metrics = Arc::new(Metrics::default());
    let (bad, good, prop, owner) =
        (Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique());
    let mut p: Position = vetmai_client::decode(&position_bytes(owner, 0, 1)).unwrap();
    p.created_at = i64::MAX;
    let bad_data = encode(&p);
    let events = vec![
        upd(bad, 3, bad_data.clone()),
        upd(good, 3, position_bytes(owner, 1, 1)),
        upd(prop, 3, proposal_bytes(2, "fine", "https://x")),
        Event::Heartbeat { slot: 3 },
    ];
    assert!(sink(&pool, &metrics, events, Duration::from_secs(20)).await.is_some(), "the sink is stuck on the batch");
    assert_eq!(row_state(&pool, "position", &good).await, Some((false, 3)));
    assert_eq!(row_state(&pool, "proposal", &prop).await, Some((false, 3)));
    assert_eq!(row_state(&pool, "position", &bad).await, None);
    let (kind, slot, data, count, error) = quarantined(&pool, &bad).await.expect("quarantined");
    assert_eq!((kind.as_str(), slot, data, count), ("position", 3, bad_data, 1));
    assert!(error.contains("out of range"), "{error}");
    assert_eq!(counter(&metrics, "quarantined_total"), Some(1.0));
    assert!(store::cursors(&pool).await.unwrap().contains(&("live".to_string(), 3)), "the heartbeat is written");
}

#[tokio::test]
async fn wallet_score_uses_program_math_on_mirrored_data() {
    let (_pg, pool) = db().await;
    let wallet = Pubkey::new_unique();
    assert_eq!(store::wallet_score(&pool, &wallet, 0, 0).await.unwrap(), None, "no config yet");
    let mut config: Config = zeroed(Config::SPACE);
    config.params = vetmai::state::Params::defaults(6).expect("defaults");
    let now: i64 = 1_795_521_600;
    let mut staker: Staker = zeroed(Staker::SPACE);
    staker.owner = wallet;
    staker.fixed = vetmai::state::ScoreSchedule::new(vetmai_math::time::epoch_of(now).expect("epoch"));
    // 30 000 TMAI Constant for 180 days plus 5 000 TMAI Fixed ending in ~4 weeks.
    let constant = config.params.score(30_000 * TMAI, 180 * DAY).unwrap();
    staker.add_constant(180 * DAY, constant).unwrap();
    let end = vetmai_math::time::epoch_start(vetmai_math::time::epoch_of(now).unwrap() + 4).unwrap();
    let fixed = config.params.score(5_000 * TMAI, 28 * DAY).unwrap();
    staker.fixed.add(end, fixed).unwrap();
    let (ck, sk) = (Pubkey::new_unique(), Pubkey::new_unique());
    write(&pool, vec![upd(ck, 1, encode(&config)), upd(sk, 1, encode(&staker))]).await;
    for through in [now, now + 7 * DAY as i64, end, end + 1, now + 200 * DAY as i64] {
        let v = store::wallet_score(&pool, &wallet, now, through).await.unwrap().expect("config mirrored");
        let want = vetmai_client::view::wallet_score(&config, &staker, now, through).unwrap();
        assert_eq!(
            (v.ve, v.level, v.guaranteed, v.guaranteed_level),
            (want.ve, want.level, want.guaranteed, want.guaranteed_level)
        );
        assert_eq!(v.ve, constant + fixed);
        assert_eq!(v.tier, store::tier(v.level));
    }
    let after = store::wallet_score(&pool, &wallet, now, end + 1).await.unwrap().unwrap();
    assert_eq!(after.guaranteed, constant, "the Fixed lock is not guaranteed past its end");
    let nobody = store::wallet_score(&pool, &Pubkey::new_unique(), now, now).await.unwrap().unwrap();
    assert_eq!((nobody.ve, nobody.level, nobody.tier), (0, 0, "Free"));
}

#[test]
fn tiers_follow_levels() {
    let t: Vec<&str> = (0..=10).map(store::tier).collect();
    assert_eq!(
        t,
        ["Free", "Advanced", "Advanced", "Advanced", "Premium", "Premium", "Premium", "VIP", "VIP", "VIP", "VIP"]
    );
}
