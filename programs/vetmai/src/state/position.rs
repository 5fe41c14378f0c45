use anchor_lang::prelude::*;

use crate::constants::MAX_REWARD_POOLS;

/// One lock of TMAI. PDA `["position", owner, index (u64 LE)]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct Position {
    /// Wallet that owns the lock and receives the tokens back.
    pub owner: Pubkey,
    /// Index among the owner's positions (from `Staker::next_index`).
    pub index: u64,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Fixed (counts down to `end`) or Constant (never counts down until `begin_unlock`).
    pub kind: LockKind,
    /// Locked TMAI, base units.
    pub amount: u64,
    /// Staking Score of this position, constant while locked (score units = base units × multiplier).
    pub score: u128,
    /// Committed lock duration, seconds (sets the multiplier).
    pub duration: u64,
    /// Creation time, unix seconds.
    pub created_at: i64,
    /// Lock end, unix seconds, an epoch boundary; 0 for a Constant position.
    pub end: i64,
    /// Reward checkpoints, one per reward pool slot (`RewardPool::index`).
    pub rewards: [PositionReward; MAX_REWARD_POOLS],
    /// Lets anyone `harvest` this position's TMAI rewards back into it.
    pub auto_compound: bool,
    /// Space for fields added later without a migration.
    pub reserved: [u8; 32],
}

/// A position's standing in one reward pool.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Default, InitSpace, PartialEq, Eq, Debug)]
pub struct PositionReward {
    /// Pool accumulator value this position was last settled to (wrapping, ×1e18 per score unit).
    pub acc: u128,
    /// Settled but not yet claimed, reward base units.
    pub owed: u64,
    /// Settled through the lock's end: nothing more accrues until the position is re-locked.
    pub final_settled: bool,
}

impl Position {
    /// Account size in bytes, discriminator included.
    pub const SPACE: usize = 8 + Self::INIT_SPACE;
    pub const SEED: &'static [u8] = b"position";

    /// Whether the position still scores at `now`.
    pub fn is_locked(&self, now: i64) -> bool {
        match self.kind {
            LockKind::Constant => true,
            LockKind::Fixed => now < self.end,
        }
    }
}

/// How a position's lock runs.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, InitSpace, PartialEq, Eq, Debug)]
pub enum LockKind {
    /// Counts down to `end`; withdrawable after it.
    Fixed,
    /// Never counts down; `begin_unlock` turns it into Fixed with `end = now + duration`.
    Constant,
}
