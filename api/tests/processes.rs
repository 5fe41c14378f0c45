//! Exactness across processes: two `vetmai-api` processes on one Postgres, 200 concurrent
//! clients hammering one key with quota Q: exactly Q admitted, the rest 429, usage equals Q; and
//! the same over two keys of one wallet, which share the wallet's quota.
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod common;

const Q: u64 = 60;

/// One HTTP/1.1 request on a fresh connection; returns (status, body).
async fn http(port: u16, method: &str, path: &str, key: Option<&str>, body: Option<&Value>) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let key = key.map(|k| format!("x-api-key: {k}\r\n")).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nhost: localhost\r\n{key}content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    let status = out.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = out.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}

fn spawn(url: &str, port: u16, migrate: bool) -> common::ApiProc {
    let quotas = [("VETMAI_API_QUOTAS", format!("{Q},10000,50000,250000"))];
    common::spawn_api(url, port, &quotas, if migrate { &["--migrate"] } else { &[] })
}

/// Challenge, sign, create a key of the wallet of `sk` (through the process on `port`).
async fn create_key(port: u16, sk: &SigningKey) -> String {
    let wallet = bs58::encode(sk.verifying_key().to_bytes()).into_string();
    let (s, c) =
        http(port, "POST", "/v1/keys/challenge", None, Some(&json!({ "wallet": wallet, "purpose": "create_key" })))
            .await;
    assert_eq!(s, 201, "{c}");
    let c: Value = serde_json::from_str(&c).unwrap();
    let sig = bs58::encode(sk.sign(c["message"].as_str().unwrap().as_bytes()).to_bytes()).into_string();
    let (s, k) =
        http(port, "POST", "/v1/keys", None, Some(&json!({ "wallet": wallet, "nonce": c["nonce"], "signature": sig })))
            .await;
    assert_eq!(s, 201, "{k}");
    serde_json::from_str::<Value>(&k).unwrap()["key"].as_str().unwrap().to_string()
}

/// 200 concurrent clients, one call each, alternating over the two processes and `keys`:
/// exactly Q admitted, the rest 429, and the wallet's usage is Q.
async fn hammer(keys: usize) {
    let db = common::Db::new().await;
    let url = db.url();
    let (p1, p2) = (common::free_port(), common::free_port());
    let _a = spawn(&url, p1, true);
    let _b = spawn(&url, p2, false);
    let mut seed = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut seed);
    let sk = SigningKey::from_bytes(&seed);
    let mut all = vec![];
    for i in 0..keys {
        all.push(create_key(if i % 2 == 0 { p1 } else { p2 }, &sk).await);
    }
    // The program config must be mirrored for tier resolution: without it the API answers 503.
    let (s, _) = http(p2, "POST", "/v1/check", Some(&all[0]), None).await;
    assert_eq!(s, 503, "no config mirrored yet: not ready");
    common::mirror_config(&url).await;

    let mut tasks = vec![];
    for i in 0..200 {
        let port = if i % 2 == 0 { p1 } else { p2 };
        let key = all[(i / 2) % keys].clone();
        tasks.push(tokio::spawn(async move { http(port, "POST", "/v1/check", Some(&key), None).await.0 }));
    }
    let (mut ok, mut limited) = (0u64, 0u64);
    for t in tasks {
        match t.await.unwrap() {
            200 => ok += 1,
            429 => limited += 1,
            s => panic!("unexpected status {s}"),
        }
    }
    assert_eq!((ok, limited), (Q, 200 - Q));
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let used: i64 = sqlx::query_scalar("select used from api_wallet_usage").fetch_one(&pool).await.unwrap();
    assert_eq!(used as u64, Q);
    let shares: i64 = sqlx::query_scalar("select sum(used)::int8 from api_usage").fetch_one(&pool).await.unwrap();
    assert_eq!(shares as u64, Q, "the keys' shares add up to the wallet's usage");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_admit_exactly_the_quota() {
    hammer(1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_keys_of_one_wallet_over_two_processes_admit_exactly_the_wallets_quota() {
    hammer(2).await;
}
