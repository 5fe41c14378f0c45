//! Command results: one JSON value for `--output json` and a text rendering for people.
use serde_json::{json, Value};

use vetmai_client::format_amount;

pub struct Report {
    pub json: Value,
    pub human: String,
}

impl Report {
    pub fn new(json: Value, human: impl Into<String>) -> Self {
        Report { json, human: human.into() }
    }
}

/// An amount as JSON: exact base units (a string, as u64/u128 exceed JSON's safe integers) and
/// the human figure.
pub fn amount_json(base: u128, decimals: u8) -> Value {
    json!({ "base_units": base.to_string(), "ui": format_amount(base, decimals) })
}

/// `2026-11-25 00:00:00 UTC`.
pub fn time(ts: i64) -> String {
    match chrono::DateTime::from_timestamp(ts, 0) {
        Some(t) => t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        None => format!("unix {ts}"),
    }
}

/// Basis points as a multiplier, `15000` → `1.5x`.
pub fn multiplier(bps: u128) -> String {
    let whole = bps / 10_000;
    let frac = format!("{:04}", bps % 10_000);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{whole}.0x")
    } else {
        format!("{whole}.{frac}x")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(multiplier(20_000), "2.0x");
        assert_eq!(multiplier(15_000), "1.5x");
        assert_eq!(multiplier(10_192), "1.0192x");
        assert_eq!(time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(amount_json(1_500_000, 6), json!({ "base_units": "1500000", "ui": "1.5" }));
    }
}
