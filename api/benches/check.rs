//! Check-and-meter throughput and latency next to the same server's trivial endpoint, with one and
//! two API processes, loaded by `wrk` (a separate process) over loopback with 64 connections.
//! Prints figures; asserts nothing. Needs `wrk` (Debian package `wrk`) and Postgres: a private
//! cluster (initdb) unless `DATABASE_URL` is set.
//!
//! `cargo bench -p vetmai-api --bench check` (`VETMAI_BENCH_SECS`, default 10 s per run): one hot
//! key, then `VETMAI_BENCH_KEYS` keys (default 1 000) picked at random per request.
//!
//! Only the server's speed matters, so the harness may be built without optimizations next to the
//! test build while the server is optimized on its own (no validator stack to recompile):
//! `cargo build --profile bench -p vetmai-api --bin vetmai-api` (it lands in `release/`) and
//! `VETMAI_API_BIN=$CARGO_TARGET_DIR/release/vetmai-api cargo bench --workspace --profile dev --bench check`.
use std::process::{Command, Stdio};

#[path = "../tests/common/mod.rs"]
mod common;

fn spawn(url: &str, port: u16) -> common::ApiProc {
    let env = [
        ("VETMAI_API_QUOTAS", "1000000000000,1000000000000,1000000000000,1000000000000".to_string()),
        ("VETMAI_API_DB_CONNECTIONS", "32".to_string()),
    ];
    common::spawn_api(url, port, &env, &[])
}

/// A wrk Lua script giving each request one of `keys` at random.
fn key_script(keys: &[String]) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("vetmai-bench-keys-{}.lua", std::process::id()));
    let list: Vec<String> = keys.iter().map(|k| format!("\"{k}\"")).collect();
    let lua = format!(
        "local keys = {{{}}}\nmath.randomseed(os.time())\n\
         request = function()\n  wrk.headers[\"x-api-key\"] = keys[math.random(#keys)]\n  return wrk.format(nil)\nend\n",
        list.join(",")
    );
    std::fs::write(&path, lua).unwrap();
    path
}

/// Runs wrk against each port concurrently (connections split evenly), each request with one of
/// `keys` (at random when several); returns (req/s, p50 ms, p99 ms).
fn wrk(ports: &[u16], path: &str, keys: &[String], secs: u64) -> (f64, f64, f64) {
    let conns = 64 / ports.len();
    let script = (keys.len() > 1).then(|| key_script(keys));
    let children: Vec<_> = ports
        .iter()
        .map(|p| {
            let mut cmd = Command::new("wrk");
            cmd.args(["-t", "1", "-c", &conns.to_string(), "-d", &format!("{secs}s"), "--latency"]);
            match &script {
                Some(s) => cmd.arg("-s").arg(s),
                None => cmd.args(["-H", &format!("x-api-key: {}", keys[0])]),
            };
            cmd.arg(format!("http://127.0.0.1:{p}{path}"))
                .stdout(Stdio::piped())
                .spawn()
                .expect("wrk (apt-get install wrk)")
        })
        .collect();
    let (mut rps, mut p50, mut p99) = (0.0, 0.0f64, 0.0f64);
    for c in children {
        let out = String::from_utf8(c.wait_with_output().unwrap().stdout).unwrap();
        if std::env::var_os("VETMAI_BENCH_VERBOSE").is_some() {
            println!("{out}");
        }
        let num = |prefix: &str| -> f64 {
            out.lines()
                .find_map(|l| l.trim().strip_prefix(prefix).map(|r| r.trim().to_string()))
                .map(|v| {
                    let (n, unit) = v.split_at(v.find(|c: char| c.is_alphabetic()).unwrap_or(v.len()));
                    let n: f64 = n.parse().unwrap_or(0.0);
                    match unit {
                        "us" => n / 1000.0,
                        "s" => n * 1000.0,
                        _ => n,
                    }
                })
                .unwrap_or(0.0)
        };
        rps += num("Requests/sec:");
        p50 = p50.max(num("50%"));
        p99 = p99.max(num("99%"));
    }
    (rps, p50, p99)
}

/// The servers' `/metrics` counters, summed over processes.
fn counters(ports: &[u16]) -> std::collections::HashMap<String, f64> {
    let mut sum = std::collections::HashMap::new();
    for p in ports {
        let m = Command::new("curl").args(["-s", &format!("http://127.0.0.1:{p}/metrics")]).output().unwrap();
        for line in String::from_utf8_lossy(&m.stdout).lines().filter(|l| !l.starts_with('#')) {
            if let Some((name, v)) = line.rsplit_once(' ') {
                *sum.entry(name.to_string()).or_insert(0.0) += v.parse::<f64>().unwrap_or(0.0);
            }
        }
    }
    sum
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[tokio::main]
async fn main() {
    let secs: u64 = std::env::var("VETMAI_BENCH_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(10);
    let db = common::Db::new().await;
    let url = db.url();
    let pool = db.pool().await;
    vetmai_api::MIGRATOR.run(&pool).await.unwrap();
    common::mirror_config(&url).await;
    let many: usize = std::env::var("VETMAI_BENCH_KEYS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let mut keys = vec![];
    for _ in 0..many.max(1) {
        let wallet = anchor_lang::prelude::Pubkey::new_unique();
        keys.push(vetmai_api::keys::create(&pool, &wallet, Some("bench"), false).await.unwrap().1);
    }
    println!("server: {} · {} cores · {secs} s per run, 64 connections (wrk)", common::api_bin(), cores());
    println!(
        "{:<10} {:<6} {:<22} {:>10} {:>9} {:>9} {:>8}",
        "processes", "keys", "endpoint", "req/s", "p50 ms", "p99 ms", "ratio"
    );
    // `VETMAI_BENCH_ONLY=2x1000`: one configuration (processes x keys).
    let only = std::env::var("VETMAI_BENCH_ONLY").ok();
    for (n, k) in [(1usize, 1usize), (2, 1), (1, keys.len()), (2, keys.len())] {
        if only.as_ref().is_some_and(|o| *o != format!("{n}x{k}")) {
            continue;
        }
        let keys = &keys[..k];
        let ports: Vec<u16> = (0..n).map(|_| common::free_port()).collect();
        let _procs: Vec<common::ApiProc> = ports.iter().map(|p| spawn(&url, *p)).collect();
        let (t_rps, t50, t99) = wrk(&ports, "/healthz", keys, secs);
        // Warm-up, not measured: each key's first calls read its context and take a lease.
        wrk(&ports, "/v1/auth", keys, 2);
        let before = counters(&ports);
        let (c_rps, c50, c99) = wrk(&ports, "/v1/auth", keys, secs);
        let after = counters(&ports);
        let d = |name: &str| after.get(name).copied().unwrap_or(0.0) - before.get(name).copied().unwrap_or(0.0);
        println!("{n:<10} {k:<6} {:<22} {t_rps:>10.0} {t50:>9.2} {t99:>9.2} {:>8}", "/healthz (trivial)", "");
        println!(
            "{n:<10} {k:<6} {:<22} {c_rps:>10.0} {c50:>9.2} {c99:>9.2} {:>7.0}%",
            "/v1/auth (check+meter)",
            100.0 * c_rps / t_rps
        );
        let checks = c_rps * secs as f64;
        let waits = d("vetmai_api_check_wait_seconds_count");
        println!(
            "{n:<10} {k:<6} from memory {:.2}% · {} metering statements ({:.0} checks each) · {waits:.0} checks waited for \
             Postgres, {:.2} ms on average",
            100.0 * d("vetmai_api_checks_local_total") / checks.max(1.0),
            d("vetmai_api_check_batches_total"),
            checks / d("vetmai_api_check_batches_total").max(1.0),
            1000.0 * d("vetmai_api_check_wait_seconds_sum") / waits.max(1.0),
        );
    }
    let used: i64 =
        sqlx::query_scalar("select coalesce(sum(used), 0)::int8 from api_usage").fetch_one(&pool).await.unwrap();
    println!("calls metered: {used}");
}
