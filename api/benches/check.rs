//! Check-and-meter throughput and latency next to the same server's trivial endpoint, with one and
//! two API processes, loaded over loopback with 64 connections from separate processes:
//! `vetmai-loadgen` (tools/loadgen, which keeps every latency), or `wrk` with
//! `VETMAI_BENCH_LOAD=wrk` (Debian package `wrk`). Prints figures; asserts nothing. Needs Postgres:
//! a private cluster (initdb) unless `DATABASE_URL` is set.
//!
//! `cargo bench -p vetmai-api --bench check` (`VETMAI_BENCH_SECS`, default 10 s per run): one hot
//! key, then `VETMAI_BENCH_KEYS` keys (default 1 000) picked at random per request. Last, a
//! stranger's flood (`VETMAI_BENCH_ONLY=flood` for it alone): `VETMAI_BENCH_FLOOD_RATE` (default
//! 5 000) requests a second with made-up keys, open loop, while one real key calls 200 times a
//! second; it prints the real key's latencies (target: p99 under 5 ms) and how the flood was
//! answered (401 from memory or a lookup, 503 shed).
//!
//! Only the server's speed matters, so the harness may be built without optimizations next to the
//! test build while the server is optimized on its own (no validator stack to recompile):
//! `cargo build --profile bench -p vetmai-api --bin vetmai-api` (it lands in `release/`) and
//! `VETMAI_API_BIN=$CARGO_TARGET_DIR/release/vetmai-api cargo bench --workspace --profile dev --bench check`;
//! the load generator likewise: `cargo build --release -p vetmai-loadgen` (or `VETMAI_LOADGEN_BIN`).
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

/// The keys, one per line, for `vetmai-loadgen --keys`.
fn key_file(keys: &[String]) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("vetmai-bench-keys-{}.txt", std::process::id()));
    std::fs::write(&path, keys.join("\n")).unwrap();
    path
}

/// One load run's figures, summed (req/s) or worst (latencies) over the load processes.
#[derive(Default, Clone, Copy)]
struct Load {
    rps: f64,
    mean: f64,
    p50: f64,
    p99: f64,
    p999: f64,
    max: f64,
    /// Responses other than 2xx/429, and connection errors.
    bad: u64,
}

/// The load generator: `vetmai-loadgen` (every latency kept) unless `VETMAI_BENCH_LOAD=wrk`.
fn use_wrk() -> bool {
    std::env::var("VETMAI_BENCH_LOAD").is_ok_and(|v| v == "wrk")
}

/// Loads each port concurrently from its own process (connections split evenly), each request
/// with one of `keys` (at random when several).
fn load(ports: &[u16], path: &str, keys: &[String], secs: u64) -> Load {
    let conns = 64 / ports.len();
    let wrk = use_wrk();
    // wrk takes one key as a header and several through a script; vetmai-loadgen takes a file.
    let keys_arg = if wrk { (keys.len() > 1).then(|| key_script(keys)) } else { Some(key_file(keys)) };
    let children: Vec<_> = ports
        .iter()
        .map(|p| {
            let url = format!("http://127.0.0.1:{p}{path}");
            let mut cmd = if wrk {
                let mut c = Command::new("wrk");
                c.args(["-t", "1", "-c", &conns.to_string(), "-d", &format!("{secs}s"), "--latency"]);
                match &keys_arg {
                    Some(s) => c.arg("-s").arg(s),
                    None => c.args(["-H", &format!("x-api-key: {}", keys[0])]),
                };
                c
            } else {
                let mut c = Command::new(loadgen_bin());
                c.args(["--connections", &conns.to_string(), "--duration", &secs.to_string()]);
                if let Some(f) = &keys_arg {
                    c.arg("--keys").arg(f);
                }
                c
            };
            cmd.arg(url).stdout(Stdio::piped()).spawn().expect("the load generator (wrk: apt-get install wrk)")
        })
        .collect();
    let mut sum = Load::default();
    for c in children {
        let out = String::from_utf8(c.wait_with_output().unwrap().stdout).unwrap();
        if std::env::var_os("VETMAI_BENCH_VERBOSE").is_some() {
            println!("{out}");
        }
        let one = if wrk { parse_wrk(&out) } else { parse_loadgen(&out) };
        sum.rps += one.rps;
        sum.mean = sum.mean.max(one.mean);
        sum.p50 = sum.p50.max(one.p50);
        sum.p99 = sum.p99.max(one.p99);
        sum.p999 = sum.p999.max(one.p999);
        sum.max = sum.max.max(one.max);
        sum.bad += one.bad;
    }
    sum
}

fn parse_loadgen(out: &str) -> Load {
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("vetmai-loadgen's JSON line");
    let f = |k: &str| v[k].as_f64().unwrap_or(0.0);
    let bad: u64 = v["status"]
        .as_object()
        .map(|m| m.iter().filter(|(s, _)| !s.starts_with('2') && *s != "429").filter_map(|(_, n)| n.as_u64()).sum())
        .unwrap_or(0);
    Load {
        rps: f("rps"),
        mean: f("mean_ms"),
        p50: f("p50_ms"),
        p99: f("p99_ms"),
        p999: f("p999_ms"),
        max: f("max_ms"),
        bad: bad + v["errors"].as_u64().unwrap_or(0),
    }
}

fn parse_wrk(out: &str) -> Load {
    let num = |prefix: &str, nth: usize| -> f64 {
        out.lines()
            .find_map(|l| {
                l.trim().strip_prefix(prefix).map(|r| r.split_whitespace().nth(nth).unwrap_or("").to_string())
            })
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
    let non2xx = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("Non-2xx or 3xx responses:").and_then(|r| r.trim().parse().ok()))
        .unwrap_or(0);
    Load {
        rps: num("Requests/sec:", 0),
        mean: num("Latency", 0),
        p50: num("50%", 0),
        p99: num("99%", 0),
        p999: 0.0,
        max: num("Latency", 2),
        bad: non2xx,
    }
}

/// The load generator's binary: `VETMAI_LOADGEN_BIN`, or the release build beside this one.
fn loadgen_bin() -> String {
    std::env::var("VETMAI_LOADGEN_BIN").unwrap_or_else(|_| {
        let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
        format!("{target}/release/vetmai-loadgen")
    })
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

/// One real key's latencies while strangers flood the same process with made-up keys.
fn flood(url: &str, real: &str, secs: u64) {
    let rate: u64 = std::env::var("VETMAI_BENCH_FLOOD_RATE").ok().and_then(|v| v.parse().ok()).unwrap_or(5_000);
    let port = common::free_port();
    // `VETMAI_BENCH_FLOOD_LOOKUPS=<per minute>`: the per-client lookup limit (default the
    // binary's, 6 000 a minute); set it high to see a flood from many clients, where only the
    // bounded lookup lane stands in the way.
    let mut env = vec![
        ("VETMAI_API_QUOTAS", "1000000000000,1000000000000,1000000000000,1000000000000".to_string()),
        ("VETMAI_API_DB_CONNECTIONS", "32".to_string()),
    ];
    if let Ok(l) = std::env::var("VETMAI_BENCH_FLOOD_LOOKUPS") {
        env.push(("VETMAI_API_KEY_LOOKUPS_PER_CLIENT", l));
    }
    let _proc = common::spawn_api(url, port, &env, &[]);
    // Warm-up: the real key's context is read and its lease taken.
    load(&[port], "/v1/auth", &[real.to_string()], 2);
    let before = counters(&[port]);
    let target = format!("http://127.0.0.1:{port}/v1/auth");
    let run = |args: &[&str]| {
        Command::new(loadgen_bin())
            .args(["--duration", &secs.to_string()])
            .args(args)
            .arg(&target)
            .stdout(Stdio::piped())
            .spawn()
            .expect("vetmai-loadgen")
    };
    let keys = key_file(&[real.to_string()]);
    let strangers = run(&["--connections", "64", "--rate", &rate.to_string(), "--random-keys"]);
    let real_key = run(&["--connections", "4", "--rate", "200", "--keys", keys.to_str().unwrap()]);
    let out = |c: std::process::Child| {
        let text = String::from_utf8(c.wait_with_output().unwrap().stdout).unwrap();
        serde_json::from_str::<serde_json::Value>(text.trim()).expect("vetmai-loadgen's JSON line")
    };
    let (s, r) = (out(strangers), out(real_key));
    let after = counters(&[port]);
    let d = |name: &str| after.get(name).copied().unwrap_or(0.0) - before.get(name).copied().unwrap_or(0.0);
    println!("\nstrangers' flood: {rate} req/s of made-up keys (open loop) + one real key at 200 req/s, one process");
    println!(
        "{:<22} {:>10} {:>8} {:>8} {:>8} {:>8} {:>8}  answers",
        "", "req/s", "mean ms", "p50 ms", "p99 ms", "p99.9 ms", "max ms"
    );
    for (what, v) in [("made-up keys", &s), ("real key", &r)] {
        println!(
            "{what:<22} {:>10.0} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2}  {} errors {}",
            v["rps"].as_f64().unwrap_or(0.0),
            v["mean_ms"].as_f64().unwrap_or(0.0),
            v["p50_ms"].as_f64().unwrap_or(0.0),
            v["p99_ms"].as_f64().unwrap_or(0.0),
            v["p999_ms"].as_f64().unwrap_or(0.0),
            v["max_ms"].as_f64().unwrap_or(0.0),
            v["status"],
            v["errors"],
        );
    }
    println!(
        "key lookups {:.0} · unknown keys refused from memory {:.0} · shed {:.0} · real key p99 {} ms (target < 5 ms)",
        d("vetmai_api_key_lookups_total"),
        d("vetmai_api_unknown_keys_cached_total"),
        d("vetmai_api_shed_total"),
        r["p99_ms"],
    );
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
    let tool = if use_wrk() { "wrk".to_string() } else { loadgen_bin() };
    if !use_wrk() && !std::path::Path::new(&tool).is_file() {
        panic!("no load generator at {tool}: `cargo build --release -p vetmai-loadgen` (or VETMAI_LOADGEN_BIN, or VETMAI_BENCH_LOAD=wrk)");
    }
    println!("server: {} · load: {tool} · {} cores · {secs} s per run, 64 connections", common::api_bin(), cores());
    println!(
        "{:<10} {:<6} {:<22} {:>10} {:>8} {:>8} {:>8} {:>8} {:>8} {:>6} {:>8}",
        "processes", "keys", "endpoint", "req/s", "mean ms", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "bad", "ratio"
    );
    let row = |n: usize, k: usize, what: &str, l: &Load, ratio: &str| {
        println!(
            "{n:<10} {k:<6} {what:<22} {:>10.0} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>6} {ratio:>8}",
            l.rps, l.mean, l.p50, l.p99, l.p999, l.max, l.bad
        );
    };
    // `VETMAI_BENCH_ONLY=2x1000`: one configuration (processes x keys).
    let only = std::env::var("VETMAI_BENCH_ONLY").ok();
    for (n, k) in [(1usize, 1usize), (2, 1), (1, keys.len()), (2, keys.len())] {
        if only.as_ref().is_some_and(|o| *o != format!("{n}x{k}")) {
            continue;
        }
        let keys = &keys[..k];
        let ports: Vec<u16> = (0..n).map(|_| common::free_port()).collect();
        let _procs: Vec<common::ApiProc> = ports.iter().map(|p| spawn(&url, *p)).collect();
        let trivial = load(&ports, "/healthz", keys, secs);
        // Warm-up, not measured: each key's first calls read its context and take a lease.
        load(&ports, "/v1/auth", keys, 2);
        let before = counters(&ports);
        let check = load(&ports, "/v1/auth", keys, secs);
        let after = counters(&ports);
        let d = |name: &str| after.get(name).copied().unwrap_or(0.0) - before.get(name).copied().unwrap_or(0.0);
        row(n, k, "/healthz (trivial)", &trivial, "");
        row(n, k, "/v1/auth (check+meter)", &check, &format!("{:.0}%", 100.0 * check.rps / trivial.rps));
        let checks = check.rps * secs as f64;
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
    if only.as_ref().is_none_or(|o| o == "flood") {
        flood(&url, &keys[0], secs);
    }
    let used: i64 =
        sqlx::query_scalar("select coalesce(sum(used), 0)::int8 from api_usage").fetch_one(&pool).await.unwrap();
    println!("calls metered: {used}");
}
