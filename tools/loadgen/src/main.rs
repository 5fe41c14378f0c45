//! A closed-loop HTTP/1.1 load generator for `api/benches/check.rs`: `--connections` keep-alive
//! connections on one thread, each sending its next request as soon as the last response is in,
//! for `--duration` seconds. Unlike wrk it keeps every latency (no histogram buckets, no
//! sampling), so the percentiles it prints can be checked against the throughput (Little's law:
//! mean latency ≈ connections / requests per second).
//!
//! `vetmai-loadgen --duration 10 --connections 32 [--keys FILE] http://127.0.0.1:PORT/v1/auth`
//! prints one JSON line: requests, seconds, rps, mean/p50/p90/p99/p99.9/max in ms, responses by
//! status and errors. With `--keys`, each request carries one of the file's lines (at random) in
//! the `x-api-key` header; with `--random-keys`, a fresh made-up key each (a stranger's flood).
//!
//! `--rate R` makes it open-loop: R requests a second over all connections, each sent on its
//! schedule whatever the server does, and each latency counted from when the request was due
//! (so a stalled server shows in the percentiles instead of slowing the load down).
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use clap::Parser;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Parser)]
#[command(about = "Closed-loop HTTP/1.1 load, every latency kept")]
struct Args {
    /// Seconds to run.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Keep-alive connections.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// A file with one API key per line; each request carries one at random as `x-api-key`.
    #[arg(long, conflicts_with = "random_keys")]
    keys: Option<std::path::PathBuf>,
    /// Each request carries a fresh random key shaped like a real one (`vtm_` + base58 of 32
    /// bytes).
    #[arg(long)]
    random_keys: bool,
    /// Open loop: this many requests a second in all (spread over the connections).
    #[arg(long)]
    rate: Option<f64>,
    /// `http://host:port/path` (plain HTTP/1.1 only).
    url: String,
}

/// What one connection saw.
#[derive(Default)]
struct Tally {
    /// Microseconds per completed request.
    micros: Vec<u32>,
    status: BTreeMap<u16, u64>,
    errors: u64,
}

/// Where the end of the head is, and the body's length (responses here always carry one).
fn parse_head(buf: &[u8]) -> Result<Option<(usize, u16, usize)>> {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else { return Ok(None) };
    let head = std::str::from_utf8(&buf[..end]).context("response head is not UTF-8")?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow!("bad status line {status_line:?}"))?;
    let mut length = None;
    for l in lines {
        if let Some((name, value)) = l.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = Some(value.trim().parse::<usize>().context("bad content-length")?);
            } else if name.trim().eq_ignore_ascii_case("transfer-encoding") {
                bail!("chunked responses are not supported");
            }
        }
    }
    Ok(Some((end + 4, status, length.unwrap_or(0))))
}

/// xorshift64*: picks keys; no need for more.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}

/// Where a connection's requests come from.
#[derive(Clone)]
struct Plan {
    addr: String,
    host: String,
    path: String,
    keys: Vec<String>,
    random_keys: bool,
    /// Time between this connection's requests (open loop), if any.
    every: Option<Duration>,
}

const B58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// A made-up key: `vtm_` and 44 base58 characters (the shape of the base58 of 32 bytes).
fn random_key(rng: &mut Rng) -> String {
    let tail: String = (0..44).map(|i| B58[if i == 0 { 1 + rng.below(57) } else { rng.below(58) }] as char).collect();
    format!("vtm_{tail}")
}

async fn connection(plan: Plan, seed: u64, start: Instant, until: Instant) -> Tally {
    let Plan { addr, host, path, keys, random_keys, every } = plan;
    let mut t = Tally::default();
    let requests: Vec<Vec<u8>> = if keys.is_empty() {
        vec![format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n").into_bytes()]
    } else {
        keys.iter()
            .map(|k| format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nx-api-key: {k}\r\n\r\n").into_bytes())
            .collect()
    };
    let mut rng = Rng(seed | 1);
    let mut buf = Vec::with_capacity(4096);
    let mut stream: Option<TcpStream> = None;
    // Open loop: connections start spread over one interval.
    let mut due = every.map(|e| start + e.mul_f64((seed % 1000) as f64 / 1000.0));
    while Instant::now() < until {
        if let Some(d) = due {
            if d >= until {
                break;
            }
            tokio::time::sleep_until(d.into()).await;
        }
        let s = match &mut stream {
            Some(s) => s,
            None => match TcpStream::connect(&addr).await {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    buf.clear();
                    stream.insert(s)
                }
                Err(_) => {
                    t.errors += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let made_up;
        let req = if random_keys {
            made_up = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nx-api-key: {}\r\n\r\n", random_key(&mut rng))
                .into_bytes();
            &made_up
        } else {
            &requests[if requests.len() > 1 { rng.below(requests.len()) } else { 0 }]
        };
        // Open loop: latency from when the request was due.
        let start = due.unwrap_or_else(Instant::now);
        if let (Some(d), Some(e)) = (&mut due, every) {
            *d += e;
        }
        match exchange(s, req, &mut buf).await {
            Ok(status) => {
                let us = start.elapsed().as_micros();
                t.micros.push(u32::try_from(us).unwrap_or(u32::MAX));
                *t.status.entry(status).or_insert(0) += 1;
            }
            Err(_) => {
                t.errors += 1;
                stream = None;
            }
        }
    }
    t
}

/// Writes one request and reads its response; the status.
async fn exchange(s: &mut TcpStream, req: &[u8], buf: &mut Vec<u8>) -> Result<u16> {
    s.write_all(req).await?;
    loop {
        if let Some((head, status, len)) = parse_head(buf)? {
            while buf.len() < head + len {
                read_more(s, buf).await?;
            }
            buf.drain(..head + len);
            return Ok(status);
        }
        read_more(s, buf).await?;
    }
}

async fn read_more(s: &mut TcpStream, buf: &mut Vec<u8>) -> Result<()> {
    let mut chunk = [0u8; 4096];
    let n = s.read(&mut chunk).await?;
    if n == 0 {
        bail!("connection closed");
    }
    buf.extend_from_slice(&chunk[..n]);
    Ok(())
}

fn ms(us: f64) -> f64 {
    (us / 10.0).round() / 100.0
}

fn main() -> Result<()> {
    let args = Args::parse();
    let rest = args.url.strip_prefix("http://").ok_or_else(|| anyhow!("only http:// URLs"))?;
    let (host, path) = match rest.find('/') {
        Some(i) => (rest[..i].to_string(), rest[i..].to_string()),
        None => (rest.to_string(), "/".to_string()),
    };
    let addr = if host.contains(':') { host.clone() } else { format!("{host}:80") };
    let keys: Vec<String> = match &args.keys {
        Some(f) => std::fs::read_to_string(f)
            .with_context(|| format!("reading {}", f.display()))?
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect(),
        None => vec![],
    };
    if args.keys.is_some() && keys.is_empty() {
        bail!("the keys file has no keys");
    }
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let (tallies, secs) = rt.block_on(async {
        let start = Instant::now();
        let until = start + Duration::from_secs(args.duration);
        let every = match args.rate {
            Some(r) if r > 0.0 => Some(Duration::from_secs_f64(args.connections as f64 / r)),
            Some(_) => bail!("--rate must be positive"),
            None => None,
        };
        let plan = Plan { addr, host, path, keys, random_keys: args.random_keys, every };
        let tasks: Vec<_> = (0..args.connections)
            .map(|i| {
                let seed = 0x9e37_79b9_7f4a_7c15u64.wrapping_mul(i as u64 + 1) ^ u64::from(std::process::id());
                tokio::spawn(connection(plan.clone(), seed, start, until))
            })
            .collect();
        let mut tallies = vec![];
        for t in tasks {
            tallies.push(t.await?);
        }
        anyhow::Ok((tallies, start.elapsed().as_secs_f64()))
    })?;
    let mut micros: Vec<u32> = vec![];
    let mut status: BTreeMap<u16, u64> = BTreeMap::new();
    let mut errors = 0;
    for t in tallies {
        micros.extend(t.micros);
        for (k, v) in t.status {
            *status.entry(k).or_insert(0) += v;
        }
        errors += t.errors;
    }
    micros.sort_unstable();
    let n = micros.len();
    let at = |q: f64| -> f64 {
        if n == 0 {
            return 0.0;
        }
        let i = ((q * n as f64).ceil() as usize).clamp(1, n) - 1;
        ms(f64::from(micros[i]))
    };
    let mean = if n == 0 { 0.0 } else { micros.iter().map(|&u| f64::from(u)).sum::<f64>() / n as f64 };
    let out = serde_json::json!({
        "requests": n,
        "seconds": secs,
        "rps": n as f64 / secs,
        "mean_ms": ms(mean),
        "p50_ms": at(0.50),
        "p90_ms": at(0.90),
        "p99_ms": at(0.99),
        "p999_ms": at(0.999),
        "max_ms": micros.last().map_or(0.0, |&u| ms(f64::from(u))),
        "status": status.iter().map(|(k, v)| (k.to_string(), *v)).collect::<BTreeMap<_, _>>(),
        "errors": errors,
    });
    println!("{out}");
    Ok(())
}
