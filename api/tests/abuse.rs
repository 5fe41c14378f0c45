//! The API against strangers and failures (issue 14 items 3, 4 and 6): a signature authorizes
//! exactly the request it spells out, floods of made-up keys are answered from memory or shed
//! without touching a real key, challenge creation is limited per client network and expired
//! challenges are swept, every error is JSON, and a database that stops answering — stopped, or
//! half-open — is answered 503 fast and never lets memory admit a revoked key.
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anchor_lang::prelude::Pubkey;
use axum::body::Body;
use axum::extract::connect_info::ConnectInfo;
use axum::http::{Request, StatusCode};
use axum::Router;
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{json, Value};
use sqlx::PgPool;
use vetmai_api::coalesce::{Coalescer, LeaseConfig};
use vetmai_api::tiers::Quotas;
use vetmai_api::{app, AppState, MIGRATOR};

mod common;

use common::oneshot::{call, send};

/// 2026-11-24 12:00 UTC.
const T0: i64 = 1_795_521_600;
const EPOCH: i64 = 604_800;
const TMAI: u64 = 1_000_000;

struct Api {
    router: Router,
    state: AppState,
    pool: PgPool,
    clock: Arc<AtomicI64>,
    _db: common::Db,
}

/// The app over `url` (the database, or a proxy in front of it), configured as `main` does
/// (one-second connection waits), with `change` applied to its state.
async fn api_at(db: common::Db, url: &str, quotas: [u64; 4], change: impl FnOnce(&mut AppState)) -> Api {
    let admin = db.pool().await;
    MIGRATOR.run(&admin).await.unwrap();
    if sqlx::query_scalar::<_, i64>("select count(*) from config").fetch_one(&admin).await.unwrap() == 0 {
        common::mirror_config(&db.url()).await;
    }
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(vetmai_api::coalesce::ACQUIRE_TIMEOUT)
        .connect_lazy(url)
        .unwrap();
    let clock = Arc::new(AtomicI64::new(T0));
    let c = clock.clone();
    let mut state = AppState::new(pool, Quotas::default().with_calls(quotas));
    state.clock = Arc::new(move || c.load(Ordering::SeqCst));
    change(&mut state);
    Api { router: app(state.clone()), state, pool: admin, clock, _db: db }
}

async fn api(quotas: [u64; 4]) -> Api {
    let db = common::Db::new().await;
    let url = db.url();
    api_at(db, &url, quotas, |_| {}).await
}

fn signer() -> SigningKey {
    let mut b = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut b);
    SigningKey::from_bytes(&b)
}

fn wallet_of(sk: &SigningKey) -> String {
    bs58::encode(sk.verifying_key().to_bytes()).into_string()
}

/// A challenge for `purpose` with `terms`: (nonce, message).
async fn challenge(a: &Api, sk: &SigningKey, purpose: &str, terms: Value) -> (String, String) {
    let mut req = json!({ "wallet": wallet_of(sk), "purpose": purpose });
    for (k, v) in terms.as_object().unwrap() {
        req[k] = v.clone();
    }
    let (s, _, c) = call(&a.router, "POST", "/v1/keys/challenge", None, Some(req)).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    (c["nonce"].as_str().unwrap().to_string(), c["message"].as_str().unwrap().to_string())
}

fn b58(sig: ed25519_dalek::Signature) -> String {
    bs58::encode(sig.to_bytes()).into_string()
}

/// A key of a new wallet with `overage`, created through the signed flow.
async fn new_key(a: &Api, sk: &SigningKey, overage: bool) -> String {
    let (nonce, message) = challenge(a, sk, "create_key", json!({ "overage": overage })).await;
    let body = json!({ "wallet": wallet_of(sk), "nonce": nonce, "signature": b58(sk.sign(message.as_bytes())),
                       "overage": overage });
    let (s, _, v) = call(&a.router, "POST", "/v1/keys", None, Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["key"].as_str().unwrap().to_string()
}

/// Mirrors a 22 000 veTMAI lock (Advanced) for the wallet of `sk` lasting past the month.
async fn advanced(a: &Api, sk: &SigningKey) {
    let wallet = Pubkey::new_from_array(sk.verifying_key().to_bytes());
    common::insert_staker(&a.pool, wallet, T0, 22_000 * u128::from(TMAI), (T0 / EPOCH + 10) * EPOCH).await;
}

/// A signature over one request cannot be replayed for another: the challenge spells out every
/// field (Sign-In With Solana shape), and the request must carry those fields.
#[tokio::test]
async fn a_signature_authorizes_exactly_the_request_it_spells_out() {
    let a = api([50, 10_000, 50_000, 250_000]).await;
    let sk = signer();
    let (nonce, message) = challenge(&a, &sk, "create_key", json!({ "name": "ci \"bot\"", "overage": false })).await;
    let lines: Vec<&str> = message.lines().collect();
    assert_eq!(lines[0], "localhost:8080 wants you to sign in with your Solana account:");
    assert_eq!(lines[1], wallet_of(&sk));
    assert_eq!(lines[3], r#"Create a veTMAI API key named "ci \"bot\"" with overage billing off."#);
    for field in ["URI: http://localhost:8080", "Version: 1", "Chain ID: mainnet", &format!("Nonce: {nonce}")] {
        assert!(lines.contains(&field), "{field:?} in {message}");
    }
    assert!(lines.contains(&"Issued At: 2026-11-24T12:00:00Z"), "{message}");
    assert!(lines.contains(&"Expiration Time: 2026-11-24T12:05:00Z"), "{message}");
    let sig = b58(sk.sign(message.as_bytes()));
    let body = |name: &str, overage: bool| json!({ "wallet": wallet_of(&sk), "nonce": nonce, "signature": sig, "name": name, "overage": overage });
    // The same signature with overage turned on, or another name: refused, and the challenge
    // stays good for the request it was signed for.
    for (b, field) in [(body("ci \"bot\"", true), "overage"), (body("other", false), "name")] {
        let (s, _, v) = call(&a.router, "POST", "/v1/keys", None, Some(b)).await;
        assert_eq!((s, v["code"].as_str()), (StatusCode::FORBIDDEN, Some("terms_mismatch")), "{v}");
        assert!(v["message"].as_str().unwrap().contains(field), "{v}");
    }
    let (s, _, v) = call(&a.router, "POST", "/v1/keys", None, Some(body("ci \"bot\"", false))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["overage"], json!(false));
    // Revoking: the signature names the key id; using it on another key is refused.
    let (n2, m2) = challenge(&a, &sk, "create_key", json!({})).await;
    let b2 = json!({ "wallet": wallet_of(&sk), "nonce": n2, "signature": b58(sk.sign(m2.as_bytes())) });
    let (s, _, second) = call(&a.router, "POST", "/v1/keys", None, Some(b2)).await;
    assert_eq!(s, StatusCode::CREATED);
    let (first_id, second_id) = (v["id"].as_i64().unwrap(), second["id"].as_i64().unwrap());
    let (nonce, message) = challenge(&a, &sk, "revoke_key", json!({ "key_id": first_id })).await;
    assert!(message.contains(&format!("Revoke veTMAI API key #{first_id}.")), "{message}");
    let body = json!({ "wallet": wallet_of(&sk), "nonce": nonce, "signature": b58(sk.sign(message.as_bytes())) });
    let (s, _, v) = call(&a.router, "POST", &format!("/v1/keys/{second_id}/revoke"), None, Some(body.clone())).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::FORBIDDEN, Some("terms_mismatch")), "{v}");
    let (s, _, _) = call(&a.router, "POST", &format!("/v1/keys/{first_id}/revoke"), None, Some(body)).await;
    assert_eq!(s, StatusCode::OK);
    // A challenge whose terms do not fit its purpose is refused when asked for.
    for (purpose, terms) in [("revoke_key", json!({})), ("list_keys", json!({ "overage": true }))] {
        let mut req = json!({ "wallet": wallet_of(&sk), "purpose": purpose });
        for (k, v) in terms.as_object().unwrap() {
            req[k] = v.clone();
        }
        let (s, _, v) = call(&a.router, "POST", "/v1/keys/challenge", None, Some(req)).await;
        assert_eq!((s, v["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")), "{purpose}: {v}");
    }
}

/// `solana sign-offchain-message` (and hardware wallets) sign the message wrapped as a Solana
/// off-chain message; both envelopes are accepted, and only for the wallet in them.
#[tokio::test]
async fn off_chain_message_signatures_are_accepted() {
    let a = api([50, 10_000, 50_000, 250_000]).await;
    let sk = signer();
    // The envelope the Solana CLI signs, built by the crate it uses.
    let (nonce, message) = challenge(&a, &sk, "list_keys", json!({})).await;
    let envelope = solana_offchain_message::OffchainMessage::new(0, message.as_bytes()).unwrap().serialize().unwrap();
    let body = json!({ "wallet": wallet_of(&sk), "nonce": nonce, "signature": b58(sk.sign(&envelope)) });
    let (s, _, v) = call(&a.router, "POST", "/v1/keys/list", None, Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // The proposal's v0 header: application domain (zero) and the signer list.
    let (nonce, message) = challenge(&a, &sk, "list_keys", json!({})).await;
    let mut spec = b"\xffsolana offchain".to_vec();
    spec.push(0);
    spec.extend_from_slice(&[0u8; 32]);
    spec.extend_from_slice(&[1, 1]);
    spec.extend_from_slice(&sk.verifying_key().to_bytes());
    spec.extend_from_slice(&u16::try_from(message.len()).unwrap().to_le_bytes());
    spec.extend_from_slice(message.as_bytes());
    let body = json!({ "wallet": wallet_of(&sk), "nonce": nonce, "signature": b58(sk.sign(&spec)) });
    let (s, _, v) = call(&a.router, "POST", "/v1/keys/list", None, Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // An envelope naming another signer is not this wallet's signature.
    let (nonce, message) = challenge(&a, &sk, "list_keys", json!({})).await;
    let mut other = spec[..51].to_vec();
    other.extend_from_slice(&[7u8; 32]);
    other.extend_from_slice(&u16::try_from(message.len()).unwrap().to_le_bytes());
    other.extend_from_slice(message.as_bytes());
    let body = json!({ "wallet": wallet_of(&sk), "nonce": nonce, "signature": b58(sk.sign(&other)) });
    let (s, _, v) = call(&a.router, "POST", "/v1/keys/list", None, Some(body)).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("wrong_signer")), "{v}");
}

/// A key that is not shaped like ours is refused without a lookup; a well-shaped unknown key is
/// looked up once and then refused from memory.
#[tokio::test]
async fn unknown_keys_are_looked_up_once_then_refused_from_memory() {
    let a = api([50, 10_000, 50_000, 250_000]).await;
    let lookups = |a: &Api| a.state.metrics.key_lookups.load(Ordering::Relaxed);
    for k in ["nope", "vtm_", "vtm_0OIl0OIl0OIl0OIl0OIl0OIl0OIl0OIl0OIl", &format!("vtm_{}", "1".repeat(80))] {
        let (s, _, v) = call(&a.router, "POST", "/v1/check", Some(k), None).await;
        assert_eq!((s, v["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unknown_api_key")), "{k}");
    }
    assert_eq!(lookups(&a), 0, "malformed keys cost no lookup");
    let made_up = format!("vtm_{}", bs58::encode([9u8; 32]).into_string());
    for _ in 0..5 {
        let (s, _, v) = call(&a.router, "POST", "/v1/check", Some(&made_up), None).await;
        assert_eq!((s, v["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unknown_api_key")));
    }
    assert_eq!(lookups(&a), 1, "one lookup for five calls of one unknown key");
    // A revoked key is remembered as unknown too.
    let sk = signer();
    let key = new_key(&a, &sk, false).await;
    assert_eq!(call(&a.router, "POST", "/v1/check", Some(&key), None).await.0, StatusCode::OK);
    sqlx::query("update api_key set revoked_at = now()").execute(&a.pool).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while call(&a.router, "POST", "/v1/check", Some(&key), None).await.0 != StatusCode::UNAUTHORIZED {
        assert!(Instant::now() < deadline, "the revocation was not seen");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let before = lookups(&a);
    assert_eq!(call(&a.router, "POST", "/v1/check", Some(&key), None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(lookups(&a), before, "the revoked key is refused from memory");
}

/// 3 000 concurrent calls with distinct made-up keys while a real key is checked: strangers get
/// 401 or a shed 503 with `Retry-After` (never another status), at most a bounded number are
/// looked up at once, and every call of the real key is admitted.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_made_up_keys_is_shed_and_a_real_key_is_served() {
    let db = common::Db::new().await;
    let url = db.url();
    // Many clients: no per-client lookup limit here (it has its own test), only the lane's.
    let a = api_at(db, &url, [50, 100_000, 50_000, 250_000], |s| {
        s.key_lookups = Arc::new(vetmai_api::limit::Limiter::unlimited());
    })
    .await;
    let sk = signer();
    advanced(&a, &sk).await;
    let key = new_key(&a, &sk, false).await;
    assert_eq!(call(&a.router, "POST", "/v1/check", Some(&key), None).await.0, StatusCode::OK);
    let mut flood = vec![];
    for i in 0..3000u32 {
        let r = a.router.clone();
        flood.push(tokio::spawn(async move {
            let mut raw = [0u8; 32];
            raw[..4].copy_from_slice(&i.to_le_bytes());
            raw[4] = 0xee;
            let k = format!("vtm_{}", bs58::encode(raw).into_string());
            let (s, h, v) = call(&r, "POST", "/v1/check", Some(&k), None).await;
            (s, h.contains_key("retry-after"), v["code"].as_str().unwrap_or("").to_string())
        }));
    }
    let mut real = vec![];
    for _ in 0..200 {
        let r = a.router.clone();
        let k = key.clone();
        real.push(tokio::spawn(async move { call(&r, "POST", "/v1/check", Some(&k), None).await.0 }));
    }
    let (mut unknown, mut shed) = (0, 0);
    for t in flood {
        match t.await.unwrap() {
            (StatusCode::UNAUTHORIZED, _, c) if c == "unknown_api_key" => unknown += 1,
            (StatusCode::SERVICE_UNAVAILABLE, true, c) if c == "overloaded" => shed += 1,
            other => panic!("a made-up key got {other:?}"),
        }
    }
    for t in real {
        assert_eq!(t.await.unwrap(), StatusCode::OK, "the real key is always served");
    }
    let lookups = a.state.metrics.key_lookups.load(Ordering::Relaxed);
    println!("{unknown} refused as unknown, {shed} shed, {lookups} lookups");
    assert!(shed > 0, "a flood past the lookup queue is shed");
    assert_eq!(unknown + shed, 3000);
    assert_eq!(a.state.metrics.shed.load(Ordering::Relaxed), shed as u64);
}

fn from(ip: &str) -> ConnectInfo<SocketAddr> {
    ConnectInfo(SocketAddr::new(ip.parse().unwrap(), 40_000))
}

/// A check with `key` from client `ip`.
async fn check_from(a: &Api, ip: &str, key: &str) -> (StatusCode, axum::http::HeaderMap, Value) {
    let mut req =
        Request::builder().method("POST").uri("/v1/check").header("x-api-key", key).body(Body::empty()).unwrap();
    req.extensions_mut().insert(from(ip));
    send(&a.router, req).await
}

/// One client hammering made-up keys is refused (429 `rate_limited`, `Retry-After`) once it has
/// used its lookups, before it costs Postgres anything; other clients and held keys are not
/// affected.
#[tokio::test]
async fn made_up_keys_from_one_client_run_out_of_lookups() {
    let db = common::Db::new().await;
    let url = db.url();
    let a = api_at(db, &url, [50, 100_000, 50_000, 250_000], |s| {
        let rate = vetmai_api::limit::Rate { per_minute: 60, burst: 5 };
        s.key_lookups = Arc::new(vetmai_api::limit::Limiter::new(rate, vetmai_api::limit::Rate::UNLIMITED));
    })
    .await;
    let real = new_key(&a, &signer(), false).await;
    assert_eq!(check_from(&a, "192.0.2.1", &real).await.0, StatusCode::OK, "one lookup for the real key");
    let made_up = |i: u8| format!("vtm_{}", bs58::encode([i; 32]).into_string());
    for i in 1..=4 {
        assert_eq!(check_from(&a, "192.0.2.1", &made_up(i)).await.0, StatusCode::UNAUTHORIZED);
    }
    let (s, h, v) = check_from(&a, "192.0.2.1", &made_up(5)).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")), "{v}");
    assert!(h.contains_key("retry-after"));
    let lookups = a.state.metrics.key_lookups.load(Ordering::Relaxed);
    assert_eq!(lookups, 5, "the refused one cost no lookup");
    // The same client's held key, and another client's made-up key, are served as before.
    assert_eq!(check_from(&a, "192.0.2.1", &real).await.0, StatusCode::OK);
    assert_eq!(check_from(&a, "192.0.2.1", &made_up(1)).await.0, StatusCode::UNAUTHORIZED, "remembered");
    assert_eq!(check_from(&a, "198.51.100.7", &made_up(6)).await.0, StatusCode::UNAUTHORIZED);
}

/// Challenge creation is limited per client network (an IPv6 /64 counts once); expired
/// challenges are swept over an index instead of on every request.
#[tokio::test]
async fn challenges_are_limited_per_client_and_expired_ones_swept() {
    let a = api([50, 10_000, 50_000, 250_000]).await;
    let ask = |ip: &'static str| {
        let r = a.router.clone();
        let wallet = wallet_of(&signer());
        async move {
            let mut req = Request::builder()
                .method("POST")
                .uri("/v1/keys/challenge")
                .header("content-type", "application/json")
                .body(Body::from(json!({ "wallet": wallet, "purpose": "list_keys" }).to_string()))
                .unwrap();
            req.extensions_mut().insert(from(ip));
            send(&r, req).await
        }
    };
    let per_client = vetmai_api::routes::DEFAULT_CHALLENGES_PER_CLIENT.burst;
    for _ in 0..per_client {
        assert_eq!(ask("203.0.113.5").await.0, StatusCode::CREATED);
    }
    let (s, h, v) = ask("203.0.113.5").await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")), "{v}");
    let wait: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&wait), "30 a minute: the next one within 2 s, said {wait}");
    assert_eq!(ask("203.0.113.6").await.0, StatusCode::CREATED, "another client is not affected");
    for _ in 0..per_client {
        assert_eq!(ask("2001:db8:1:2::1").await.0, StatusCode::CREATED);
    }
    assert_eq!(ask("2001:db8:1:2:ffff::9").await.0, StatusCode::TOO_MANY_REQUESTS, "same /64");
    // 2 000 challenges that expired ten minutes ago: the next challenge a minute later sweeps
    // them, through the index.
    sqlx::query(
        "insert into api_challenge (nonce, wallet, purpose, expires_at) \
         select 'old' || g, 'w', 'list_keys', to_timestamp($1) - interval '10 minutes' from generate_series(1, 2000) g",
    )
    .bind(T0 as f64)
    .execute(&a.pool)
    .await
    .unwrap();
    a.clock.fetch_add(61, Ordering::SeqCst);
    assert_eq!(ask("198.51.100.1").await.0, StatusCode::CREATED);
    let left: i64 = sqlx::query_scalar("select count(*) from api_challenge where nonce like 'old%'")
        .fetch_one(&a.pool)
        .await
        .unwrap();
    assert_eq!(left, 0, "expired challenges swept");
    let indexed: i64 = sqlx::query_scalar(
        "select count(*) from pg_indexes where tablename = 'api_challenge' and indexdef like '%(expires_at)%'",
    )
    .fetch_one(&a.pool)
    .await
    .unwrap();
    assert_eq!(indexed, 1, "the sweep reads an index on expires_at");
}

/// Every error is JSON `{code, message}`, whoever produced it.
#[tokio::test]
async fn every_error_is_json() {
    let a = api([50, 10_000, 50_000, 250_000]).await;
    let raw = |method: &str, uri: &str, ctype: Option<&str>, body: Vec<u8>| {
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(c) = ctype {
            b = b.header("content-type", c);
        }
        b.body(Body::from(body)).unwrap()
    };
    let cases = [
        (raw("GET", "/v1/nothing-here", None, vec![]), StatusCode::NOT_FOUND, "no_route"),
        (raw("GET", "/v1/check", None, vec![]), StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
        (raw("DELETE", "/v1/keys", None, vec![]), StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
        (
            raw("POST", "/v1/keys/not-a-number/revoke", Some("application/json"), b"{}".to_vec()),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (raw("GET", "/v1/proposals?limit=many", None, vec![]), StatusCode::BAD_REQUEST, "bad_request"),
        (
            raw("POST", "/v1/keys", Some("application/json"), vec![b' '; 64 * 1024]),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        (
            raw("POST", "/v1/keys/challenge", Some("text/plain"), b"{}".to_vec()),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
    ];
    for (req, status, code) in cases {
        let what = format!("{} {}", req.method(), req.uri());
        let (s, h, v) = send(&a.router, req).await;
        assert_eq!((s, v["code"].as_str()), (status, Some(code)), "{what}: {v}");
        assert!(h["content-type"].to_str().unwrap().starts_with("application/json"), "{what}");
        assert!(!v["message"].as_str().unwrap_or("").is_empty(), "{what}: {v}");
    }
    // 405 still says what is allowed.
    let (_, h, _) = send(&a.router, raw("GET", "/v1/check", None, vec![])).await;
    assert_eq!(h["allow"], "POST");
}

async fn elapsed<F: std::future::Future>(f: F) -> (F::Output, Duration) {
    let t = Instant::now();
    let out = f.await;
    (out, t.elapsed())
}

/// With Postgres gone, every route that needs it answers 503 `database_unavailable` with
/// `Retry-After` within two seconds (a one-second connection wait), and recovers when it is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_database_is_answered_503_fast() {
    let db = common::Db::new().await;
    let (proxy, url) = common::proxy::Proxy::in_front_of(&db.url()).await;
    let a = api_at(db, &url, [50, 10_000, 50_000, 250_000], |_| {}).await;
    let sk = signer();
    let cached = new_key(&a, &sk, false).await;
    assert_eq!(call(&a.router, "POST", "/v1/check", Some(&cached), None).await.0, StatusCode::OK);
    let fresh = new_key(&a, &signer(), false).await;
    proxy.cut();
    let wallet = wallet_of(&sk);
    for (method, uri, key) in [
        ("POST", "/v1/check".to_string(), Some(cached.as_str())),
        ("POST", "/v1/check".to_string(), Some(fresh.as_str())),
        ("GET", "/v1/auth".to_string(), Some(fresh.as_str())),
        ("GET", format!("/v1/wallets/{wallet}"), None),
        ("GET", "/v1/tiers".to_string(), None),
    ] {
        let ((s, h, v), took) = elapsed(call(&a.router, method, &uri, key, None)).await;
        println!("{method} {uri} with the database down: {s} in {took:?}");
        assert_eq!((s, v["code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("database_unavailable")), "{v}");
        assert_eq!(h["retry-after"], "1");
        assert!(took < Duration::from_secs(2), "{method} {uri} answered in {took:?}");
    }
    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(10);
    while call(&a.router, "POST", "/v1/check", Some(&fresh), None).await.0 != StatusCode::OK {
        assert!(Instant::now() < deadline, "did not recover");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A half-open database connection (no error, no notices) must not keep admitting a revoked key
/// from memory: the process misses its own heartbeat notice, distrusts memory, drops statements
/// that do not answer, and the next statement (on a new connection) refuses the key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_open_listener_does_not_keep_a_revoked_key_alive() {
    let db = common::Db::new().await;
    let (proxy, url) = common::proxy::Proxy::in_front_of(&db.url()).await;
    let a = api_at(db, &url, [50, 100_000, 50_000, 250_000], |s| {
        s.coalescer = Arc::new(Coalescer::new(LeaseConfig::default()));
    })
    .await;
    let sk = signer();
    advanced(&a, &sk).await;
    let key = new_key(&a, &sk, false).await;
    // Warm: the key's calls come from a lease in memory.
    let deadline = Instant::now() + Duration::from_secs(10);
    while a.state.metrics.checks_local.load(Ordering::Relaxed) < 5 {
        assert_eq!(call(&a.router, "POST", "/v1/check", Some(&key), None).await.0, StatusCode::OK);
        assert!(Instant::now() < deadline, "no lease");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    proxy.freeze();
    sqlx::query("update api_key set revoked_at = now()").execute(&a.pool).await.unwrap();
    let revoked = Instant::now();
    let mut admitted_after = 0;
    loop {
        let answer =
            tokio::time::timeout(Duration::from_secs(5), call(&a.router, "POST", "/v1/check", Some(&key), None))
                .await
                .expect("a check must answer within 5 s, whatever the database does");
        match answer.0 {
            StatusCode::OK => admitted_after += 1,
            StatusCode::UNAUTHORIZED => break,
            StatusCode::SERVICE_UNAVAILABLE => {}
            s => panic!("unexpected {s}: {}", answer.2),
        }
        assert!(revoked.elapsed() < Duration::from_secs(15), "still admitted {admitted_after} calls after revocation");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!("revoked key refused {:?} after revocation; {admitted_after} admitted meanwhile", revoked.elapsed());
    assert!(revoked.elapsed() < Duration::from_secs(10));
}
