//! Parsing of command-line values: cluster monikers, durations, position / proposal / round
//! references and content hashes.
use std::path::PathBuf;

use anchor_lang::prelude::Pubkey;

use crate::error::{CliError, Result};

/// The RPC URL of a moniker (as the Solana CLI spells them), or the URL itself.
pub fn rpc_url(input: &str) -> Result<String> {
    let url = match input {
        "localhost" | "l" => "http://127.0.0.1:8899",
        "devnet" | "d" => "https://api.devnet.solana.com",
        "testnet" | "t" => "https://api.testnet.solana.com",
        "mainnet-beta" | "m" | "mainnet" => "https://api.mainnet-beta.solana.com",
        u if u.starts_with("http://") || u.starts_with("https://") => u,
        other => {
            return Err(CliError::Input(format!(
                "`{other}` is not an RPC URL or a moniker (localhost, devnet, testnet, mainnet-beta)"
            )))
        }
    };
    Ok(url.to_string())
}

/// The default keypair path, `~/.config/solana/id.json`, as the Solana CLI uses.
pub fn default_keypair_path() -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    home.join(".config").join("solana").join("id.json")
}

const MINUTE: u64 = 60;
const HOUR: u64 = 3_600;
const DAY: u64 = 86_400;
const WEEK: u64 = 7 * DAY;
/// A year is 365 days (the program's `max_lock`: "up to 12 months").
const YEAR: u64 = 365 * DAY;
/// A month is a twelfth of that year (2 628 000 s), so `12mo` is exactly the 365-day maximum.
const MONTH: u64 = YEAR / 12;

/// Parses a duration: plain seconds (`604800`) or a number with a unit: `s`, `min`, `h`, `d`,
/// `w`, `mo` (365/12 days) or `y` (365 days), e.g. `12mo`, `52w`, `30d`, `90min`.
pub fn duration(input: &str) -> Result<u64> {
    let s = input.trim();
    let bad = || {
        CliError::Input(format!(
            "`{input}` is not a duration: use seconds or a whole number with a unit \
             (s, min, h, d, w, mo, y), e.g. 12mo, 52w, 30d"
        ))
    };
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    if num.is_empty() {
        return Err(bad());
    }
    let n: u64 = num.parse().map_err(|_| bad())?;
    let unit_secs = match unit.trim() {
        "" | "s" | "sec" | "secs" | "seconds" => 1,
        "min" | "mins" | "minutes" => MINUTE,
        "h" | "hour" | "hours" => HOUR,
        "d" | "day" | "days" => DAY,
        "w" | "week" | "weeks" => WEEK,
        "mo" | "month" | "months" => MONTH,
        "y" | "year" | "years" => YEAR,
        _ => return Err(bad()),
    };
    n.checked_mul(unit_secs).ok_or_else(|| CliError::Input(format!("duration `{input}` is too long")))
}

/// A human rendering of a duration in seconds, e.g. `365 days`, `7 days 12 h`.
pub fn human_duration(secs: u64) -> String {
    let (d, rem) = (secs / DAY, secs % DAY);
    let (h, rem) = (rem / HOUR, rem % HOUR);
    let (m, s) = (rem / MINUTE, rem % MINUTE);
    let mut parts = vec![];
    if d > 0 {
        parts.push(format!("{d} day{}", if d == 1 { "" } else { "s" }));
    }
    if h > 0 {
        parts.push(format!("{h} h"));
    }
    if m > 0 {
        parts.push(format!("{m} min"));
    }
    if s > 0 || parts.is_empty() {
        parts.push(format!("{s} s"));
    }
    parts.join(" ")
}

pub fn pubkey(input: &str, what: &str) -> Result<Pubkey> {
    input.trim().parse().map_err(|_| CliError::Input(format!("{what} `{input}` is not a base58 address")))
}

/// A position, a proposal or a round, named by its number or by its account address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ref {
    Index(u64),
    Address(Pubkey),
}

pub fn reference(input: &str, what: &str) -> Result<Ref> {
    let s = input.trim().trim_start_matches('#');
    if let Ok(i) = s.parse::<u64>() {
        return Ok(Ref::Index(i));
    }
    s.parse()
        .map(Ref::Address)
        .map_err(|_| CliError::Input(format!("{what} `{input}` is neither a number nor a base58 account address")))
}

/// A 32-byte hash written as 64 hex digits.
pub fn hash32(input: &str) -> Result<[u8; 32]> {
    let s = input.trim().trim_start_matches("0x");
    let bad = || CliError::Input(format!("content hash `{input}` is not 64 hex digits (32 bytes)"));
    if s.len() != 64 {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(s.get(2 * i..2 * i + 2).ok_or_else(bad)?, 16).map_err(|_| bad())?;
    }
    Ok(out)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration("12mo").unwrap(), 365 * DAY);
        assert_eq!(duration("1y").unwrap(), 365 * DAY);
        assert_eq!(duration("52w").unwrap(), 364 * DAY);
        assert_eq!(duration("30d").unwrap(), 30 * DAY);
        assert_eq!(duration("604800").unwrap(), WEEK);
        assert_eq!(duration("90min").unwrap(), 5_400);
        assert_eq!(duration("36h").unwrap(), 36 * HOUR);
        assert_eq!(duration("6 months").unwrap(), 6 * MONTH);
        assert_eq!(duration("0").unwrap(), 0);
        for bad in ["", "mo", "12m", "1.5d", "-3d", "3 fortnights", "d3"] {
            assert!(duration(bad).is_err(), "{bad:?}");
        }
        assert!(duration("99999999999999999999y").is_err());
    }

    #[test]
    fn human_durations() {
        assert_eq!(human_duration(365 * DAY), "365 days");
        assert_eq!(human_duration(DAY + 2 * HOUR), "1 day 2 h");
        assert_eq!(human_duration(0), "0 s");
        assert_eq!(human_duration(61), "1 min 1 s");
    }

    #[test]
    fn monikers() {
        assert_eq!(rpc_url("localhost").unwrap(), "http://127.0.0.1:8899");
        assert_eq!(rpc_url("mainnet-beta").unwrap(), "https://api.mainnet-beta.solana.com");
        assert_eq!(rpc_url("d").unwrap(), "https://api.devnet.solana.com");
        assert_eq!(rpc_url("http://10.0.0.1:1234").unwrap(), "http://10.0.0.1:1234");
        assert!(rpc_url("moonnet").is_err());
    }

    #[test]
    fn references_and_hashes() {
        assert_eq!(reference("3", "position").unwrap(), Ref::Index(3));
        assert_eq!(reference("#3", "position").unwrap(), Ref::Index(3));
        let k = Pubkey::new_unique();
        assert_eq!(reference(&k.to_string(), "position").unwrap(), Ref::Address(k));
        assert!(reference("x1", "position").is_err());
        let h = hash32(&"ab".repeat(32)).unwrap();
        assert_eq!(h, [0xab; 32]);
        assert_eq!(hex(&h), "ab".repeat(32));
        assert!(hash32("abc").is_err());
        assert!(hash32(&"zz".repeat(32)).is_err());
    }
}
