//! Fuzzes every operation of the OpenAPI document with schemathesis (random and malformed
//! inputs, with and without a valid key) against a running `vetmai-api`: no 5xx.
//! Needs `schemathesis` on PATH (`pip install schemathesis`; `scripts/test.sh` installs it).
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_server_error() {
    let db = common::Db::new().await;
    let url = db.url();
    let pool = db.pool().await;
    vetmai_api::MIGRATOR.run(&pool).await.unwrap();
    common::mirror_config(&url).await;
    common::mark_live(&url).await;
    let wallet = anchor_lang::prelude::Pubkey::new_unique();
    let (_, key, _) = vetmai_api::keys::create(&pool, &wallet, None, true).await.unwrap();
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_vetmai-api"))
        .env("DATABASE_URL", &url)
        .env("VETMAI_API_LISTEN", format!("127.0.0.1:{port}"))
        .env("VETMAI_API_MAX_LAG_SECS", "3600")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let run = Command::new("schemathesis")
        .args(["run", &format!("http://127.0.0.1:{port}/openapi.json"), "--checks", "not_a_server_error"])
        .args(["--max-examples", "60", "--seed", "1", "-H", &format!("x-api-key: {key}")])
        .output();
    let _ = server.kill();
    let _ = server.wait();
    let out = run.expect("schemathesis not found: pip install schemathesis");
    let text = String::from_utf8_lossy(&out.stdout);
    println!("{text}");
    assert!(out.status.success(), "schemathesis found server errors:\n{text}");
}
