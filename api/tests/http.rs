//! Access API handlers driven with `oneshot` over a throwaway Postgres (every error path with its
//! status and code), plus exact metering under concurrency and the month rollover.
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{json, Value};
use sqlx::PgPool;
use tower::ServiceExt;
use vetmai_api::tiers::Quotas;
use vetmai_api::{app, AppState, MIGRATOR};

mod common;

use common::oneshot::call;

/// 2026-11-24 12:00 UTC.
const T0: i64 = 1_795_521_600;
/// 2026-12-01 00:00 UTC.
const DEC1: i64 = 1_796_083_200;
const EPOCH: i64 = 604_800;
const TMAI: u64 = 1_000_000;

struct Api {
    router: Router,
    pool: PgPool,
    clock: Arc<AtomicI64>,
    _db: common::Db,
}

async fn api(quotas: [u64; 4]) -> Api {
    api_capped(quotas, vetmai_api::routes::DEFAULT_MAX_KEYS_PER_WALLET).await
}

/// [`api`] whose wallets may hold at most `max_keys` live keys.
async fn api_capped(quotas: [u64; 4], max_keys: u32) -> Api {
    let db = common::Db::new().await;
    let pool = db.pool().await;
    MIGRATOR.run(&pool).await.unwrap();
    common::mirror_config(&db.url()).await;
    let clock = Arc::new(AtomicI64::new(T0));
    let c = clock.clone();
    let mut state = AppState::new(pool.clone(), Quotas::default().with_calls(quotas));
    state.clock = Arc::new(move || c.load(Ordering::SeqCst));
    state.max_keys_per_wallet = max_keys;
    // Every request here comes from one (unspecified) address; the limit has its own test.
    state.challenges = Arc::new(vetmai_api::limit::Limiter::unlimited());
    Api { router: app(state), pool, clock, _db: db }
}

/// Mirrors a staker for `owner` whose one Fixed lock of `score` ends at boundary `end`.
async fn insert_staker(pool: &PgPool, owner: Pubkey, score: u128, end: i64) {
    common::insert_staker(pool, owner, T0, score, end).await;
}

fn wallet_of(sk: &SigningKey) -> String {
    bs58::encode(sk.verifying_key().to_bytes()).into_string()
}

/// Asks for a challenge for `purpose` with `terms` (name, overage, key_id) and signs its message
/// as a wallet's `signMessage` does; the signed body carries the same terms. The challenge's
/// status and answer when it is refused.
async fn try_signed(a: &Api, sk: &SigningKey, purpose: &str, terms: Value) -> Result<Value, (StatusCode, Value)> {
    let wallet = wallet_of(sk);
    let mut req = json!({ "wallet": wallet, "purpose": purpose });
    for (k, v) in terms.as_object().unwrap() {
        req[k] = v.clone();
    }
    let (s, _, c) = call(&a.router, "POST", "/v1/keys/challenge", None, Some(req)).await;
    if s != StatusCode::CREATED {
        return Err((s, c));
    }
    let sig = sk.sign(c["message"].as_str().unwrap().as_bytes());
    let mut body =
        json!({ "wallet": wallet, "nonce": c["nonce"], "signature": bs58::encode(sig.to_bytes()).into_string() });
    for (k, v) in terms.as_object().unwrap() {
        body[k] = v.clone();
    }
    Ok(body)
}

async fn signed_with(a: &Api, sk: &SigningKey, purpose: &str, terms: Value) -> Value {
    try_signed(a, sk, purpose, terms).await.unwrap_or_else(|(s, v)| panic!("challenge refused: {s} {v}"))
}

/// Signs a fresh challenge for `purpose` with no terms; returns the signed body.
async fn signed(a: &Api, sk: &SigningKey, purpose: &str) -> Value {
    signed_with(a, sk, purpose, json!({})).await
}

/// A signed body that revokes key `id`.
async fn signed_revoke(a: &Api, sk: &SigningKey, id: i64) -> Value {
    signed_with(a, sk, "revoke_key", json!({ "key_id": id })).await
}

/// Asks for a key named `name` (if any); the status and answer (of the challenge, if it is
/// refused already).
async fn create_key(a: &Api, sk: &SigningKey, name: Option<&str>) -> (StatusCode, Value) {
    let terms = name.map_or(json!({}), |n| json!({ "name": n }));
    let body = match try_signed(a, sk, "create_key", terms).await {
        Ok(b) => b,
        Err(refused) => return refused,
    };
    let (s, _, v) = call(&a.router, "POST", "/v1/keys", None, Some(body)).await;
    (s, v)
}

/// The wallet's keys and usage as `POST /v1/keys/list` answers them.
async fn list(a: &Api, sk: &SigningKey) -> Value {
    let (s, _, v) = call(&a.router, "POST", "/v1/keys/list", None, Some(signed(a, sk, "list_keys").await)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

async fn new_key(a: &Api, sk: &SigningKey, overage: bool) -> String {
    let body = signed_with(a, sk, "create_key", json!({ "overage": overage })).await;
    let (s, _, v) = call(&a.router, "POST", "/v1/keys", None, Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["key"].as_str().unwrap().to_string()
}

fn signer() -> SigningKey {
    let mut b = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut b);
    SigningKey::from_bytes(&b)
}

#[tokio::test]
async fn keys_are_created_listed_and_revoked_by_signature() {
    let a = api([50, 10_000, 50_000, 250_000]).await;
    let sk = signer();
    let key = new_key(&a, &sk, false).await;
    assert!(key.starts_with("vtm_"));
    let (s, _, v) = call(&a.router, "POST", "/v1/keys/list", None, Some(signed(&a, &sk, "list_keys").await)).await;
    assert_eq!(s, StatusCode::OK);
    let keys = v["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert!(key.starts_with(keys[0]["prefix"].as_str().unwrap()));
    assert!(!v.to_string().contains(&key), "the full key is never shown again");
    let stored: Vec<u8> = sqlx::query_scalar("select key_hash from api_key").fetch_one(&a.pool).await.unwrap();
    assert_eq!(stored, vetmai_api::keys::key_hash(&key), "stored hashed");
    let id = keys[0]["id"].as_i64().unwrap();
    // Another wallet cannot revoke it.
    let other = signer();
    let (s, _, v) =
        call(&a.router, "POST", &format!("/v1/keys/{id}/revoke"), None, Some(signed_revoke(&a, &other, id).await))
            .await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::NOT_FOUND, Some("key_not_found")));
    let (s, _, _) = call(&a.router, "POST", "/v1/check", Some(&key), None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) =
        call(&a.router, "POST", &format!("/v1/keys/{id}/revoke"), None, Some(signed_revoke(&a, &sk, id).await)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, v) = call(&a.router, "POST", "/v1/check", Some(&key), None).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unknown_api_key")));
}

#[tokio::test]
async fn every_bad_signature_path_has_its_status_and_code() {
    let a = api([50, 10_000, 50_000, 250_000]).await;
    let sk = signer();
    let cases: Vec<(Value, StatusCode, &str)> = vec![
        (json!({ "wallet": "not-base58!", "nonce": "x", "signature": "x" }), StatusCode::BAD_REQUEST, "bad_wallet"),
        (
            json!({ "wallet": wallet_of(&sk), "nonce": "nope", "signature": bs58::encode([1u8; 64]).into_string() }),
            StatusCode::NOT_FOUND,
            "unknown_challenge",
        ),
        (json!({ "wallet": wallet_of(&sk) }), StatusCode::BAD_REQUEST, "bad_request"),
    ];
    for (body, status, code) in cases {
        let (s, _, v) = call(&a.router, "POST", "/v1/keys", None, Some(body)).await;
        assert_eq!((s, v["code"].as_str()), (status, Some(code)), "{v}");
    }
    // Malformed signature.
    let mut b = signed(&a, &sk, "create_key").await;
    b["signature"] = json!("abc");
    let (s, _, v) = call(&a.router, "POST", "/v1/keys", None, Some(b)).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_signature")));
    // Signed by someone else.
    let mut b = signed(&a, &sk, "create_key").await;
    let forged = signer().sign(b"anything");
    b["signature"] = json!(bs58::encode(forged.to_bytes()).into_string());
    let (s, _, v) = call(&a.router, "POST", "/v1/keys", None, Some(b)).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("wrong_signer")));
    // A challenge for another purpose.
    let b = signed(&a, &sk, "list_keys").await;
    let (s, _, v) = call(&a.router, "POST", "/v1/keys", None, Some(b)).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::BAD_REQUEST, Some("challenge_mismatch")));
    // Replay.
    let b = signed(&a, &sk, "create_key").await;
    let (s, _, _) = call(&a.router, "POST", "/v1/keys", None, Some(b.clone())).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _, v) = call(&a.router, "POST", "/v1/keys", None, Some(b)).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::CONFLICT, Some("challenge_replayed")));
    // Expired.
    let b = signed(&a, &sk, "create_key").await;
    a.clock.fetch_add(301, Ordering::SeqCst);
    let (s, _, v) = call(&a.router, "POST", "/v1/keys", None, Some(b)).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::BAD_REQUEST, Some("challenge_expired")));
    // Not JSON at all.
    let req = Request::builder()
        .method("POST")
        .uri("/v1/keys")
        .header("content-type", "application/json")
        .body(Body::from("{"))
        .unwrap();
    assert_eq!(a.router.clone().oneshot(req).await.unwrap().status(), StatusCode::BAD_REQUEST);
    // Missing and unknown keys.
    let (s, _, v) = call(&a.router, "POST", "/v1/check", None, None).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("missing_api_key")));
    let (s, _, v) = call(&a.router, "POST", "/v1/check", Some("vtm_nope"), None).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unknown_api_key")));
}

#[tokio::test]
async fn free_tier_stops_hard_with_429_and_headers() {
    let a = api([3, 5, 7, 9]).await;
    let key = new_key(&a, &signer(), true).await;
    for i in 1..=3 {
        let (s, h, v) = call(&a.router, "POST", "/v1/check", Some(&key), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            (v["tier"].as_str(), v["used"].as_u64(), v["remaining"].as_u64()),
            (Some("Free"), Some(i), Some(3 - i))
        );
        assert_eq!(v["reset_unix"].as_i64(), Some(DEC1));
        assert!(h.get("ratelimit").unwrap().to_str().unwrap().contains(&format!("r={}", 3 - i)));
        assert!(h.get("ratelimit-policy").unwrap().to_str().unwrap().contains("q=3"));
    }
    // Overage on a free key is not a thing: hard stop.
    let (s, h, v) = call(&a.router, "POST", "/v1/check", Some(&key), None).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("quota_exceeded")));
    assert_eq!(h.get("retry-after").unwrap().to_str().unwrap(), (DEC1 - T0).to_string());
    let (s, _, _) = call(&a.router, "GET", "/v1/auth", Some(&key), None).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    let used: i64 = sqlx::query_scalar("select used from api_usage").fetch_one(&a.pool).await.unwrap();
    assert_eq!(used, 3);
}

#[tokio::test]
async fn tier_follows_vetmai_guaranteed_through_the_month_and_overage_meters() {
    let a = api([3, 5, 7, 9]).await;
    let sk = signer();
    let wallet = Pubkey::new_from_array(sk.verifying_key().to_bytes());
    // 22 000 veTMAI (level 1), but the lock ends before the month does: Free tier.
    let early_end = (T0 / EPOCH + 1) * EPOCH;
    assert!(early_end < DEC1);
    insert_staker(&a.pool, wallet, 22_000 * TMAI as u128, early_end).await;
    let key = new_key(&a, &sk, true).await;
    let (_, _, v) = call(&a.router, "POST", "/v1/check", Some(&key), None).await;
    assert_eq!((v["tier"].as_str(), v["limit"].as_u64()), (Some("Free"), Some(3)));
    let (_, _, w) = call(&a.router, "GET", &format!("/v1/wallets/{wallet}"), None, None).await;
    assert_eq!((w["level"].as_u64(), w["guaranteed_level"].as_u64()), (Some(1), Some(0)));
    // A lock lasting past the month end: Advanced from the next check on.
    sqlx::query("update staker set closed = true").execute(&a.pool).await.unwrap();
    insert_staker(&a.pool, wallet, 22_000 * TMAI as u128, (DEC1 / EPOCH + 2) * EPOCH).await;
    for _ in 0..4 {
        let (s, _, v) = call(&a.router, "POST", "/v1/check", Some(&key), None).await;
        assert_eq!((s, v["tier"].as_str(), v["limit"].as_u64()), (StatusCode::OK, Some("Advanced"), Some(5)));
    }
    // Quota 5 used (1 free-tier call + 4); with overage on, further calls are metered, not refused.
    let (s, _, v) = call(&a.router, "POST", "/v1/check", Some(&key), None).await;
    assert_eq!(
        (s, v["used"].as_u64(), v["overage"].as_u64(), v["remaining"].as_u64()),
        (StatusCode::OK, Some(5), Some(1), Some(0))
    );
}

#[tokio::test]
async fn the_quota_resets_at_midnight_utc_on_the_first() {
    let a = api([2, 5, 7, 9]).await;
    let key = new_key(&a, &signer(), false).await;
    a.clock.store(DEC1 - 2, Ordering::SeqCst);
    for expect in [StatusCode::OK, StatusCode::OK, StatusCode::TOO_MANY_REQUESTS] {
        assert_eq!(call(&a.router, "POST", "/v1/check", Some(&key), None).await.0, expect);
    }
    a.clock.store(DEC1 - 1, Ordering::SeqCst);
    let (s, h, _) = call(&a.router, "POST", "/v1/check", Some(&key), None).await;
    assert_eq!((s, h.get("retry-after").unwrap().to_str().unwrap()), (StatusCode::TOO_MANY_REQUESTS, "1"));
    a.clock.store(DEC1, Ordering::SeqCst);
    let (s, _, v) = call(&a.router, "POST", "/v1/check", Some(&key), None).await;
    assert_eq!((s, v["used"].as_u64()), (StatusCode::OK, Some(1)));
    assert_eq!(v["reset_unix"].as_i64(), Some(1_798_761_600), "1 January 2027");
}

#[tokio::test]
async fn concurrent_checks_from_two_instances_admit_exactly_the_quota() {
    const Q: u64 = 50;
    let a = api([Q, 5, 7, 9]).await;
    let key = new_key(&a, &signer(), false).await;
    // A second instance with its own connection pool, as a second process would have.
    let pool2 = sqlx::postgres::PgPoolOptions::new().max_connections(16).connect(&a._db.url()).await.unwrap();
    let mut state2 = AppState::new(pool2, Quotas::default().with_calls([Q, 5, 7, 9]));
    let c = a.clock.clone();
    state2.clock = Arc::new(move || c.load(Ordering::SeqCst));
    let routers = [a.router.clone(), app(state2)];
    let mut tasks = vec![];
    for i in 0..200 {
        let r = routers[i % 2].clone();
        let k = key.clone();
        tasks.push(tokio::spawn(async move { call(&r, "POST", "/v1/check", Some(&k), None).await.0 }));
    }
    let mut ok = 0;
    let mut limited = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::OK => ok += 1,
            StatusCode::TOO_MANY_REQUESTS => limited += 1,
            s => panic!("unexpected {s}"),
        }
    }
    assert_eq!((ok, limited), (Q, 200 - Q));
    let used: i64 = sqlx::query_scalar("select used from api_usage").fetch_one(&a.pool).await.unwrap();
    assert_eq!(used as u64, Q);
}

#[tokio::test]
async fn concurrent_checks_of_many_keys_are_batched_and_exact_per_key() {
    const Q: u64 = 20;
    let a = api([Q, 5, 7, 9]).await;
    let mut keys = vec![];
    for _ in 0..5 {
        keys.push(new_key(&a, &signer(), false).await);
    }
    let revoked_sk = signer();
    let revoked = new_key(&a, &revoked_sk, false).await;
    let (s, _, _) = call(&a.router, "POST", "/v1/check", Some(&revoked), None).await;
    assert_eq!(s, StatusCode::OK, "cached before the revocation");
    let (_, _, listed) =
        call(&a.router, "POST", "/v1/keys/list", None, Some(signed(&a, &revoked_sk, "list_keys").await)).await;
    let id = listed["keys"][0]["id"].as_i64().unwrap();
    let body = signed_revoke(&a, &revoked_sk, id).await;
    assert_eq!(call(&a.router, "POST", &format!("/v1/keys/{id}/revoke"), None, Some(body)).await.0, StatusCode::OK);
    let mut tasks = vec![];
    for i in 0..(5 * 2 * Q as usize + 10) {
        let r = a.router.clone();
        let k = if i % 11 == 10 { revoked.clone() } else { keys[i % 5].clone() };
        tasks.push(tokio::spawn(async move { (k.clone(), call(&r, "POST", "/v1/check", Some(&k), None).await.0) }));
    }
    let mut per_key: std::collections::HashMap<String, (u64, u64, u64)> = Default::default();
    for t in tasks {
        let (k, s) = t.await.unwrap();
        let e = per_key.entry(k).or_default();
        match s {
            StatusCode::OK => e.0 += 1,
            StatusCode::TOO_MANY_REQUESTS => e.1 += 1,
            StatusCode::UNAUTHORIZED => e.2 += 1,
            s => panic!("unexpected {s}"),
        }
    }
    for k in &keys {
        assert_eq!(per_key[k].0, Q, "key admitted exactly its quota");
        assert_eq!(per_key[k].2, 0);
    }
    assert_eq!((per_key[&revoked].0, per_key[&revoked].1), (0, 0), "a revoked key is refused even when cached");
    let used: Vec<i64> =
        sqlx::query_scalar("select used from api_usage order by key_id").fetch_all(&a.pool).await.unwrap();
    assert_eq!(used, [vec![Q as i64; 5], vec![1]].concat());
}

#[tokio::test]
async fn the_openapi_document_covers_every_route() {
    let a = api([50, 10_000, 50_000, 250_000]).await;
    let (s, _, doc) = call(&a.router, "GET", "/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    for path in [
        "/v1/keys/challenge",
        "/v1/keys",
        "/v1/keys/list",
        "/v1/keys/{id}/revoke",
        "/v1/check",
        "/v1/auth",
        "/v1/usage",
        "/v1/tiers",
        "/v1/wallets/{wallet}",
        "/v1/proposals",
        "/v1/proposals/{id}/votes",
        "/v1/rounds",
        "/v1/rounds/{id}/allocations",
        "/v1/stats",
        "/v1/pools",
        "/v1/tx/{action}",
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing from openapi.json");
    }
    let (s, _, v) = call(&a.router, "GET", "/v1/tiers", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["levels"].as_array().unwrap().len(), 11);
    assert_eq!(v["levels"][7]["tier"]["name"].as_str(), Some("VIP"));
    assert_eq!(v["levels"][1]["min_ve"].as_str(), Some("22000000000"));
    let (s, _, _) = call(&a.router, "GET", "/v1/wallets/zzz", None, None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn readiness_follows_the_indexer_live_cursor() {
    let a = api([50, 10_000, 50_000, 250_000]).await;
    let (s, _, v) = call(&a.router, "GET", "/readyz", None, None).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("index_lagging")), "no live stream yet");
    sqlx::query("insert into cursor (name, slot) values ('live', 10)").execute(&a.pool).await.unwrap();
    let (s, _, _) = call(&a.router, "GET", "/readyz", None, None).await;
    assert_eq!(s, StatusCode::OK);
    sqlx::query("update cursor set updated_at = now() - interval '5 minutes'").execute(&a.pool).await.unwrap();
    let (s, _, _) = call(&a.router, "GET", "/readyz", None, None).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    let (s, _, _) = call(&a.router, "GET", "/healthz", None, None).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn a_batch_is_split_exactly_between_quota_and_overage() {
    let a = api([3, 5, 7, 9]).await;
    let wallet = Pubkey::new_unique();
    let (id, _, _) = vetmai_api::keys::create(&a.pool, &wallet, None, true).await.unwrap();
    let q = Quotas::default().with_calls([3, 5, 7, 9]);
    // Free tier: hard stop even with overage on.
    let d = vetmai_api::meter::check_many(&a.pool, id, q.for_level(0), true, T0, 5).await.unwrap();
    let got: Vec<(bool, u64, u64)> = d.iter().map(|d| (d.allowed, d.used, d.remaining)).collect();
    assert_eq!(got, vec![(true, 1, 2), (true, 2, 1), (true, 3, 0), (false, 3, 0), (false, 3, 0)]);
    // Advanced (limit 5, 3 used): two more within quota, the rest metered as overage.
    let d = vetmai_api::meter::check_many(&a.pool, id, q.for_level(1), true, T0, 4).await.unwrap();
    let got: Vec<(bool, u64, u64)> = d.iter().map(|d| (d.allowed, d.used, d.overage)).collect();
    assert_eq!(got, vec![(true, 4, 0), (true, 5, 0), (true, 5, 1), (true, 5, 2)]);
    let (used, over): (i64, i64) =
        sqlx::query_as("select used, overage from api_usage").fetch_one(&a.pool).await.unwrap();
    assert_eq!((used, over), (5, 2));
}

/// The quota belongs to the wallet: its keys draw on one count, each answer reports the
/// wallet's usage, and the key list shows the wallet's total and each key's share.
#[tokio::test]
async fn a_wallets_keys_share_one_quota() {
    let a = api([5, 10, 20, 30]).await;
    let sk = signer();
    let (k1, k2) = (new_key(&a, &sk, false).await, new_key(&a, &sk, false).await);
    let other = new_key(&a, &signer(), false).await;
    let mut seen = vec![];
    for k in [&k1, &k1, &k2, &k2, &k1] {
        let (s, _, v) = call(&a.router, "POST", "/v1/check", Some(k), None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        seen.push((v["used"].as_u64().unwrap(), v["remaining"].as_u64().unwrap()));
    }
    assert_eq!(seen, [(1, 4), (2, 3), (3, 2), (4, 1), (5, 0)], "one count over both keys");
    for k in [&k2, &k1] {
        let (s, _, v) = call(&a.router, "POST", "/v1/check", Some(k), None).await;
        assert_eq!(
            (s, v["code"].as_str(), v["used"].as_u64()),
            (StatusCode::TOO_MANY_REQUESTS, Some("quota_exceeded"), Some(5))
        );
    }
    // Another wallet's quota is its own.
    let (s, _, v) = call(&a.router, "POST", "/v1/check", Some(&other), None).await;
    assert_eq!((s, v["used"].as_u64()), (StatusCode::OK, Some(1)));
    // A key created now starts on the spent quota.
    let k3 = new_key(&a, &sk, false).await;
    assert_eq!(call(&a.router, "POST", "/v1/check", Some(&k3), None).await.0, StatusCode::TOO_MANY_REQUESTS);
    let v = list(&a, &sk).await;
    assert_eq!((v["usage"]["used"].as_u64(), v["usage"]["reset_unix"].as_i64()), (Some(5), Some(DEC1)));
    let shares: Vec<u64> = v["keys"].as_array().unwrap().iter().map(|k| k["used"].as_u64().unwrap()).collect();
    assert_eq!(shares, [3, 2, 0], "each key's share of the wallet's 5");
    let (wallet_used, key_sum): (i64, i64) = sqlx::query_as(
        "select (select used from api_wallet_usage where wallet = $1), \
           (select sum(u.used)::int8 from api_usage u join api_key k on k.id = u.key_id where k.wallet = $1)",
    )
    .bind(wallet_of(&sk))
    .fetch_one(&a.pool)
    .await
    .unwrap();
    assert_eq!((wallet_used, key_sum), (5, 5));
}

/// `--max-keys-per-wallet`: the key past the cap is refused with 409 `too_many_keys`, allowed
/// again once one is revoked; key names with control characters are refused with 400.
#[tokio::test]
async fn keys_per_wallet_are_capped_and_names_checked() {
    let a = api_capped([50, 10, 20, 30], 3).await;
    let sk = signer();
    for i in 0..3 {
        let (s, v) = create_key(&a, &sk, Some(&format!("key {i} ✓"))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let (s, v) = create_key(&a, &sk, None).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::CONFLICT, Some("too_many_keys")), "{v}");
    // Another wallet has its own cap.
    assert_eq!(create_key(&a, &signer(), None).await.0, StatusCode::CREATED);
    let id = list(&a, &sk).await["keys"][1]["id"].as_i64().unwrap();
    let body = signed_revoke(&a, &sk, id).await;
    assert_eq!(call(&a.router, "POST", &format!("/v1/keys/{id}/revoke"), None, Some(body)).await.0, StatusCode::OK);
    assert_eq!(create_key(&a, &sk, None).await.0, StatusCode::CREATED, "room again after a revoke");
    assert_eq!(create_key(&a, &sk, None).await.0, StatusCode::CONFLICT);
    // Concurrent creations cannot pass the cap together.
    let other = signer();
    let mut bodies = vec![];
    for _ in 0..8 {
        bodies.push(signed(&a, &other, "create_key").await);
    }
    let tasks: Vec<_> = bodies
        .into_iter()
        .map(|b| {
            let r = a.router.clone();
            tokio::spawn(async move { call(&r, "POST", "/v1/keys", None, Some(b)).await.0 })
        })
        .collect();
    let mut created = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {}
            s => panic!("unexpected {s}"),
        }
    }
    assert_eq!(created, 3);
    for name in ["a\u{0}b", "line\nbreak", "bell\u{7}", "del\u{7f}", "c1\u{85}"] {
        let (s, v) = create_key(&a, &signer(), Some(name)).await;
        assert_eq!((s, v["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_key_name")), "{name:?}: {v}");
    }
    let (s, v) = create_key(&a, &signer(), Some(&"x".repeat(65))).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_key_name")));
}

/// `GET /v1/usage` reports the wallet's usage, the key's share, the tier and the reset without
/// metering a call: reading it any number of times changes nothing.
#[tokio::test]
async fn usage_is_read_without_spending_a_call() {
    let a = api([3, 5, 7, 9]).await;
    let sk = signer();
    let key = new_key(&a, &sk, false).await;
    let other = new_key(&a, &sk, false).await;
    for k in [&key, &key, &other] {
        assert_eq!(call(&a.router, "POST", "/v1/check", Some(k), None).await.0, StatusCode::OK);
    }
    // The checks were decided in Postgres (Free tier: no lease), so usage is current.
    for _ in 0..5 {
        let (s, _, v) = call(&a.router, "GET", "/v1/usage", Some(&key), None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(
            (v["tier"].as_str(), v["limit"].as_u64(), v["used"].as_u64(), v["remaining"].as_u64()),
            (Some("Free"), Some(3), Some(3), Some(0)),
            "{v}"
        );
        assert_eq!((v["key"]["used"].as_u64(), v["wallet"].as_str()), (Some(2), Some(wallet_of(&sk).as_str())));
        assert_eq!(v["reset_unix"].as_i64(), Some(DEC1));
    }
    // Nothing was metered by the reads: the quota is exactly spent, not over.
    let (s, _, v) = call(&a.router, "POST", "/v1/check", Some(&key), None).await;
    assert_eq!((s, v["used"].as_u64()), (StatusCode::TOO_MANY_REQUESTS, Some(3)));
    for (k, code) in [(None, "missing_api_key"), (Some("vtm_nope"), "unknown_api_key")] {
        let (s, _, v) = call(&a.router, "GET", "/v1/usage", k, None).await;
        assert_eq!((s, v["code"].as_str()), (StatusCode::UNAUTHORIZED, Some(code)));
    }
}
