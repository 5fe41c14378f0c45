//! Numbers derived from decoded accounts, equal to what the program computes on-chain.
use vetmai::state::{Config, Position, Staker};

/// A wallet's Staking Score figures at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalletScore {
    /// veTMAI now.
    pub ve: u128,
    /// Level of `ve` (0..=10).
    pub level: u8,
    /// veTMAI guaranteed through `through`.
    pub guaranteed: u128,
    /// Level of `guaranteed`.
    pub guaranteed_level: u8,
    /// The time `guaranteed` holds through (unix seconds).
    pub through: i64,
}

/// The wallet's score figures at `now`, guaranteed through `through`.
pub fn wallet_score(config: &Config, staker: &Staker, now: i64, through: i64) -> Option<WalletScore> {
    let th = &config.params.level_thresholds;
    let v = staker.ve_at(now)?;
    let g = staker.guaranteed(now, through)?;
    Some(WalletScore {
        ve: v,
        level: vetmai_math::level(v, th),
        guaranteed: g,
        guaranteed_level: vetmai_math::level(g, th),
        through,
    })
}

/// Program-wide veTMAI at `now`, from the config alone.
pub fn total_ve(config: &Config, now: i64) -> Option<u128> {
    config.totals.ve_at(now)
}

/// Score a position contributes at `now` (0 once a Fixed lock has ended).
pub fn position_score(p: &Position, now: i64) -> u128 {
    if p.is_locked(now) {
        p.score
    } else {
        0
    }
}
