//! API tiers by Staking Score level (SPEC §3): quotas and overage prices are this service's
//! configuration; the level thresholds live on-chain.

/// One API tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Tier {
    pub name: &'static str,
    /// Calls per calendar month (UTC).
    pub calls_per_month: u64,
    /// Price of a call beyond the quota in millionths of a US dollar; `None` = hard stop.
    pub overage_micro_usd: Option<u64>,
}

impl Tier {
    /// Whether a key with its overage flag `key_overage` has calls beyond this tier's quota
    /// metered (paid tiers) rather than refused.
    pub fn meters_overage(&self, key_overage: bool) -> bool {
        key_overage && self.overage_micro_usd.is_some()
    }
}

/// Quotas by tier (Free, Advanced, Premium, VIP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas(pub [Tier; 4]);

impl Default for Quotas {
    /// Token Metrics' published numbers.
    fn default() -> Self {
        Quotas([
            Tier { name: "Free", calls_per_month: 50, overage_micro_usd: None },
            Tier { name: "Advanced", calls_per_month: 10_000, overage_micro_usd: Some(50_000) },
            Tier { name: "Premium", calls_per_month: 50_000, overage_micro_usd: Some(40_000) },
            Tier { name: "VIP", calls_per_month: 250_000, overage_micro_usd: Some(30_000) },
        ])
    }
}

impl Quotas {
    /// Replaces the monthly calls of each tier (Free, Advanced, Premium, VIP).
    pub fn with_calls(mut self, calls: [u64; 4]) -> Self {
        for (t, c) in self.0.iter_mut().zip(calls) {
            t.calls_per_month = c;
        }
        self
    }

    /// Tier of a level: 0 Free, 1–3 Advanced, 4–6 Premium, 7–10 VIP.
    pub fn for_level(&self, level: u8) -> Tier {
        self.0[match level {
            0 => 0,
            1..=3 => 1,
            4..=6 => 2,
            _ => 3,
        }]
    }
}
