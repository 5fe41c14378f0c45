//! Token buckets for requests that cost the service a write whoever sends them (challenge
//! creation): one per client network (an IPv4 address, an IPv6 /64) and one for everyone, in
//! bounded memory.
use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Mutex;
use std::time::Instant;

use axum::http::HeaderMap;

/// Client networks tracked at most; past it idle ones are dropped first.
const MAX_CLIENTS: usize = 100_000;

/// `per_minute` requests a minute with bursts of `burst`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub per_minute: u32,
    pub burst: u32,
}

impl Rate {
    /// No limit.
    pub const UNLIMITED: Rate = Rate { per_minute: u32::MAX, burst: u32::MAX };
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// Tokens in thousandths.
    milli: u64,
    at: Instant,
}

impl Bucket {
    fn full(rate: Rate, at: Instant) -> Self {
        Bucket { milli: u64::from(rate.burst) * 1000, at }
    }

    fn refill(&mut self, rate: Rate, now: Instant) {
        let cap = u64::from(rate.burst) * 1000;
        let ms = u64::try_from(now.saturating_duration_since(self.at).as_millis()).unwrap_or(u64::MAX);
        // per_minute tokens a minute = per_minute thousandths every 60 ms.
        let refill = ms.saturating_mul(u64::from(rate.per_minute)) / 60;
        self.milli = self.milli.saturating_add(refill).min(cap);
        self.at = now;
    }

    /// Refills to `now`; then takes one token, or says in how many seconds one will be there.
    fn take(&mut self, rate: Rate, now: Instant) -> Result<(), u64> {
        self.refill(rate, now);
        if self.milli >= 1000 {
            self.milli -= 1000;
            Ok(())
        } else {
            let per_ms = u64::from(rate.per_minute.max(1));
            Err(((1000 - self.milli) * 60).div_ceil(per_ms).div_ceil(1000).max(1))
        }
    }

    fn is_full(&self, rate: Rate, now: Instant) -> bool {
        let mut b = *self;
        b.refill(rate, now);
        b.milli >= u64::from(rate.burst) * 1000
    }
}

/// A per-client and a global bucket.
#[derive(Debug)]
pub struct Limiter {
    per_client: Rate,
    global: Rate,
    clients: Mutex<HashMap<IpAddr, Bucket>>,
    all: Mutex<Bucket>,
}

impl Limiter {
    pub fn new(per_client: Rate, global: Rate) -> Self {
        let now = Instant::now();
        Limiter { per_client, global, clients: Mutex::default(), all: Mutex::new(Bucket::full(global, now)) }
    }

    pub fn unlimited() -> Self {
        Limiter::new(Rate::UNLIMITED, Rate::UNLIMITED)
    }

    /// Takes a token for `client`; `Err(seconds)` until the next one when its bucket (or the
    /// global one) is empty.
    pub fn take(&self, client: IpAddr) -> Result<(), u64> {
        let now = Instant::now();
        let net = network(client);
        {
            let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
            if !clients.contains_key(&net) && clients.len() >= MAX_CLIENTS {
                let rate = self.per_client;
                clients.retain(|_, b| !b.is_full(rate, now));
                if clients.len() >= MAX_CLIENTS {
                    clients.clear();
                }
            }
            clients.entry(net).or_insert_with(|| Bucket::full(self.per_client, now)).take(self.per_client, now)?;
        }
        self.all.lock().unwrap_or_else(|e| e.into_inner()).take(self.global, now)
    }
}

/// The network a client is counted by: its IPv4 address, or its IPv6 /64 (one host gets a whole
/// /64).
pub fn network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// The client's address: the connection's peer, or — behind a proxy the operator trusts — the
/// last address that proxy appended to `X-Forwarded-For`. Unspecified when neither is known.
pub fn client_ip(peer: Option<SocketAddr>, headers: &HeaderMap, trust_forwarded_for: bool) -> IpAddr {
    if trust_forwarded_for {
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|s| s.trim().parse::<IpAddr>().ok())
            .next_back();
        if let Some(ip) = forwarded {
            return ip;
        }
    }
    peer.map_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), |p| p.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_its_burst_then_waits_and_others_are_unaffected() {
        let l = Limiter::new(Rate { per_minute: 6, burst: 3 }, Rate::UNLIMITED);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        for _ in 0..3 {
            assert_eq!(l.take(a), Ok(()));
        }
        // 6 a minute: the next token in 10 s.
        assert_eq!(l.take(a), Err(10));
        assert_eq!(l.take(b), Ok(()));
    }

    #[test]
    fn an_ipv6_host_is_one_client_per_64_and_the_global_bucket_caps_everyone() {
        let l = Limiter::new(Rate { per_minute: 60, burst: 1 }, Rate { per_minute: 60, burst: 2 });
        assert_eq!(l.take("2001:db8::1".parse().unwrap()), Ok(()));
        assert!(l.take("2001:db8::ffff:1".parse().unwrap()).is_err(), "same /64");
        assert_eq!(l.take("2001:db8:0:1::1".parse().unwrap()), Ok(()));
        assert!(l.take("192.0.2.7".parse().unwrap()).is_err(), "global burst of 2 spent");
    }

    #[test]
    fn forwarded_for_is_read_only_when_trusted() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "203.0.113.9, 198.51.100.4".parse().unwrap());
        let peer: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        assert_eq!(client_ip(Some(peer), &h, false), peer.ip());
        assert_eq!(client_ip(Some(peer), &h, true), "198.51.100.4".parse::<IpAddr>().unwrap());
    }
}
