//! Events: a convenience for log readers. Native runs drop them, so the indexer mirrors
//! account state and never relies on these.
use anchor_lang::prelude::*;

use crate::state::{LockKind, Position};

/// A position was created or its amount, duration, kind or score changed.
#[event]
pub struct LockChanged {
    pub owner: Pubkey,
    pub position: Pubkey,
    pub kind: LockKind,
    /// Base units.
    pub amount: u64,
    pub score: u128,
    /// Unix seconds; 0 for Constant.
    pub end: i64,
    /// The owner's veTMAI after the change.
    pub owner_ve: u128,
}

impl LockChanged {
    pub fn of(p: &Account<Position>, owner_ve: u128) -> Self {
        Self { owner: p.owner, position: p.key(), kind: p.kind, amount: p.amount, score: p.score, end: p.end, owner_ve }
    }
}

/// A position was withdrawn and closed.
#[event]
pub struct LockWithdrawn {
    pub owner: Pubkey,
    pub position: Pubkey,
    /// Base units returned.
    pub amount: u64,
}

/// Revenue was added to a reward pool.
#[event]
pub struct RevenueDeposited {
    pub pool: Pubkey,
    /// Base units.
    pub amount: u64,
    /// When the re-spread stream ends, unix seconds.
    pub stream_end: i64,
}

/// A position's rewards were claimed.
#[event]
pub struct RewardsClaimed {
    pub position: Pubkey,
    pub pool: Pubkey,
    /// Base units.
    pub amount: u64,
    /// The position the rewards were locked into (reinvest), if any.
    pub reinvested_into: Option<Pubkey>,
}
