//! Shared helpers for the indexer tests: a throwaway Postgres, synthetic account encodings,
//! a lifecycle on the in-process validator, and the mirror == chain check.
#![allow(dead_code)]
pub mod net;
use std::str::FromStr;
use std::time::{Duration, Instant};

use anchor_lang::prelude::Pubkey;
use anchor_lang::{AccountDeserialize, AccountSerialize, Discriminator};
use sqlx::{PgPool, Row};
use vetmai::state::Position;
use vetmai_indexer::model::AccountKind;
use vetmai_indexer::store;
use vetmai_localnet::pg::TempPostgres;
use vetmai_localnet::Localnet;

pub const DAY: u64 = 86_400;
pub const TMAI: u64 = 1_000_000;

/// Validator-backed tests run one at a time (each validator is ~3 GB and wants both cores).
pub static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub async fn db() -> (TempPostgres, PgPool) {
    let pg = TempPostgres::start().expect("throwaway postgres");
    let pool = store::connect(&pg.url(), 8).await.expect("connect");
    store::migrate(&pool).await.expect("migrate");
    (pg, pool)
}

/// An account of type `T` decoded from zeroed bytes (every field 0 / first variant), so tests
/// build real encodings without listing fields the program may add later.
pub fn zeroed<T: AccountDeserialize + Discriminator>(space: usize) -> T {
    let mut data = vec![0u8; space];
    data[..8].copy_from_slice(T::DISCRIMINATOR);
    T::try_deserialize(&mut data.as_slice()).expect("zeroed account decodes")
}

pub fn encode<T: AccountSerialize>(a: &T) -> Vec<u8> {
    let mut out = Vec::new();
    a.try_serialize(&mut out).expect("serialize");
    out
}

pub fn position_bytes(owner: Pubkey, index: u64, amount: u64) -> Vec<u8> {
    let mut p: Position = zeroed(Position::SPACE);
    p.owner = owner;
    p.index = index;
    p.amount = amount;
    p.score = u128::from(amount) * 2;
    p.duration = 30 * DAY;
    p.created_at = 1_795_521_600;
    p.end = 1_795_521_600 + 30 * 86_400;
    let mut v = encode(&p);
    v.resize(Position::SPACE, 0);
    v
}

/// Account data of every program account, fetched with the plain RPC client (independently of
/// the indexer's own fetch path): pubkey → data.
pub async fn chain_accounts(net: &Localnet) -> std::collections::BTreeMap<String, Vec<u8>> {
    let id = solana_pubkey_4::Pubkey::new_from_array(vetmai::ID.to_bytes());
    let accs = net.rpc().get_program_accounts(&id).await.expect("getProgramAccounts");
    accs.into_iter().filter(|(_, a)| a.data.len() >= 8).map(|(k, a)| (k.to_string(), a.data)).collect()
}

/// Every open row of every table: pubkey → (data, slot).
pub async fn mirror(pool: &PgPool) -> std::collections::BTreeMap<String, (Vec<u8>, i64)> {
    let mut out = std::collections::BTreeMap::new();
    for kind in AccountKind::ALL {
        for r in store::raw_rows(pool, kind).await.expect("rows") {
            if !r.closed {
                out.insert(r.pubkey, (r.data, r.slot));
            }
        }
    }
    out
}

/// Waits until the mirror's open rows equal the chain's program accounts byte for byte.
pub async fn converge(net: &Localnet, pool: &PgPool, timeout: Duration) -> std::collections::BTreeMap<String, Vec<u8>> {
    let t = Instant::now();
    loop {
        let chain = chain_accounts(net).await;
        let m = mirror(pool).await;
        let same = chain.len() == m.len() && chain.iter().all(|(k, d)| m.get(k).is_some_and(|(md, _)| md == d));
        if same {
            return chain;
        }
        if t.elapsed() > timeout {
            let missing: Vec<_> = chain.keys().filter(|k| !m.contains_key(*k)).take(5).collect();
            let differ: Vec<_> = chain
                .iter()
                .filter(|(k, d)| m.get(*k).is_some_and(|(md, _)| md != *d))
                .map(|(k, _)| k)
                .take(5)
                .collect();
            let extra: Vec<_> = m.keys().filter(|k| !chain.contains_key(*k)).take(5).collect();
            panic!(
                "mirror did not converge in {timeout:?}: chain {} rows {}; missing {missing:?} differ {differ:?} extra {extra:?}",
                chain.len(),
                m.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn text(r: &sqlx::postgres::PgRow, i: usize) -> String {
    r.get::<String, _>(i)
}

/// Field-by-field: every decoded column equals the account decoded from `chain` data.
pub async fn assert_columns(pool: &PgPool, chain: &std::collections::BTreeMap<String, Vec<u8>>) {
    let mut seen = [0usize; 3];
    let mut seen_kinds = std::collections::BTreeSet::new();
    for (key, data) in chain {
        let account = vetmai_client::decode_any(data).expect("chain account decodes");
        seen_kinds.insert(account.kind());
        match account {
            vetmai_client::ProgramAccount::Config(c) => {
                seen[0] += 1;
                let r = sqlx::query(
                    "select admin, pending_admin, tmai_mint, token_program, vault, tmai_decimals::text, min_lock::text, \
                     max_lock::text, max_multiplier_bps::text, level_thresholds::text, locked_amount::text, \
                     open_positions::text, stakers::text from config where pubkey = $1",
                )
                .bind(key)
                .fetch_one(pool)
                .await
                .expect("config row");
                let th: Vec<String> = c.params.level_thresholds.iter().map(|x| x.to_string()).collect();
                let want = [
                    c.admin.to_string(),
                    c.pending_admin.to_string(),
                    c.tmai_mint.to_string(),
                    c.token_program.to_string(),
                    c.vault.to_string(),
                    c.tmai_decimals.to_string(),
                    c.params.min_lock.to_string(),
                    c.params.max_lock.to_string(),
                    c.params.max_multiplier_bps.to_string(),
                    format!("{{{}}}", th.join(",")),
                    c.totals.locked_amount.to_string(),
                    c.totals.open_positions.to_string(),
                    c.totals.stakers.to_string(),
                ];
                for (i, w) in want.iter().enumerate() {
                    assert_eq!(&text(&r, i), w, "config {key} column {i}");
                }
            }
            vetmai_client::ProgramAccount::Staker(s) => {
                seen[1] += 1;
                let r = sqlx::query(
                    "select owner, next_index::text, open_positions::text, locked_amount::text, constant_score::text \
                     from staker where pubkey = $1",
                )
                .bind(key)
                .fetch_one(pool)
                .await
                .expect("staker row");
                let want = [
                    s.owner.to_string(),
                    s.next_index.to_string(),
                    s.open_positions.to_string(),
                    s.locked_amount.to_string(),
                    s.constant_score.to_string(),
                ];
                for (i, w) in want.iter().enumerate() {
                    assert_eq!(&text(&r, i), w, "staker {key} column {i}");
                }
            }
            vetmai_client::ProgramAccount::Position(p) => {
                seen[2] += 1;
                let r = sqlx::query(
                    "select owner, index::text, kind, amount::text, score::text, duration::text, \
                     extract(epoch from created_at)::bigint::text, coalesce(extract(epoch from lock_end)::bigint, 0)::text \
                     from position where pubkey = $1",
                )
                .bind(key)
                .fetch_one(pool)
                .await
                .expect("position row");
                let want = [
                    p.owner.to_string(),
                    p.index.to_string(),
                    store::lock_kind(p.kind).to_string(),
                    p.amount.to_string(),
                    p.score.to_string(),
                    p.duration.to_string(),
                    p.created_at.to_string(),
                    p.end.to_string(),
                ];
                for (i, w) in want.iter().enumerate() {
                    assert_eq!(&text(&r, i), w, "position {key} column {i}");
                }
            }
            other => {
                let (table, want) = vetmai_indexer::extra::row(&other).expect("an extra table");
                let cols: Vec<String> = table
                    .cols
                    .iter()
                    .map(|(name, col)| match col {
                        vetmai_indexer::extra::Col::Time => format!("extract(epoch from {name})::bigint::text"),
                        vetmai_indexer::extra::Col::Bytes => format!("encode({name}, 'hex')"),
                        _ => format!("{name}::text"),
                    })
                    .collect();
                let sql = format!("select {} from {} where pubkey = $1", cols.join(", "), table.name);
                let r = sqlx::query(&sql).bind(key).fetch_one(pool).await.expect("row");
                for (i, w) in want.iter().enumerate() {
                    assert_eq!(r.get::<Option<String>, _>(i), *w, "{} {key} column {}", table.name, table.cols[i].0);
                }
            }
        }
    }
    assert!(seen.iter().all(|n| *n > 0), "lifecycle should produce every account type, got {seen:?}");
    let all: Vec<&str> = AccountKind::ALL.iter().map(|k| k.table()).collect();
    assert_eq!(
        seen_kinds.into_iter().collect::<Vec<_>>().len(),
        all.len(),
        "every mirrored type appears in the lifecycle"
    );
}

pub fn pk(s: &str) -> Pubkey {
    Pubkey::from_str(s).expect("pubkey")
}

/// Picks a free local TCP port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}
