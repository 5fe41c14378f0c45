use anchor_lang::prelude::*;

use super::ScoreSchedule;
use crate::constants::MAX_CONSTANT_DURATIONS;
use crate::error::VetmaiError;

/// Per-wallet aggregate: one read gives the wallet's veTMAI, level and guaranteed veTMAI at any
/// future time. PDA `["staker", owner]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct Staker {
    /// Wallet this aggregate belongs to.
    pub owner: Pubkey,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Index the next position of this wallet will use (positions are `["position", owner, index]`).
    pub next_index: u64,
    /// Open positions of this wallet.
    pub open_positions: u32,
    /// Σ amounts of open positions, base units.
    pub locked_amount: u64,
    /// Σ score of this wallet's Constant positions.
    pub constant_score: u128,
    /// Constant positions' scores grouped by exact duration (duration 0 = empty slot).
    pub constants: [ConstantBucket; MAX_CONSTANT_DURATIONS],
    /// Fixed positions' scores by end boundary.
    pub fixed: ScoreSchedule,
    /// Calendar month (UTC, `year·12 + month − 1`) of `proposals_in_month`.
    pub proposal_month: i64,
    /// Proposals this wallet created in `proposal_month`.
    pub proposals_in_month: u8,
    /// Space for fields added later without a migration.
    pub reserved: [u8; 119],
}

/// Σ score of a wallet's Constant positions that share one duration.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Default, InitSpace, PartialEq, Eq, Debug)]
pub struct ConstantBucket {
    /// Lock duration, seconds (0 = unused slot).
    pub duration: u64,
    /// Σ score of the Constant positions with this duration.
    pub score: u128,
}

impl Staker {
    /// Account size in bytes, discriminator included.
    pub const SPACE: usize = 8 + Self::INIT_SPACE;
    pub const SEED: &'static [u8] = b"staker";

    /// veTMAI at `now`. Exact whether or not the aggregate was advanced to `now`.
    pub fn ve_at(&self, now: i64) -> Option<u128> {
        self.fixed.view().active_at(now)?.checked_add(self.constant_score)
    }

    /// Guaranteed veTMAI through `t` seen at `now` (SPEC §3): Fixed scores ending at or after `t`
    /// plus Constant scores whose `now + duration ≥ t`. For `t ≤ now` this is the veTMAI at `now`.
    pub fn guaranteed(&self, now: i64, t: i64) -> Option<u128> {
        if t <= now {
            return self.ve_at(now);
        }
        let fixed = self.fixed.view().locked_through(t)?;
        let buckets = self.constants.iter().map(|b| (b.duration, b.score));
        fixed.checked_add(vetmai_math::constant_locked_through(buckets, now, t)?)
    }

    pub fn add_constant(&mut self, duration: u64, score: u128) -> Result<()> {
        let slot = match self.constants.iter().position(|b| b.duration == duration) {
            Some(i) => i,
            None => self.constants.iter().position(|b| b.duration == 0).ok_or(VetmaiError::TooManyConstantDurations)?,
        };
        let b = &mut self.constants[slot];
        b.duration = duration;
        b.score = b.score.checked_add(score).ok_or(VetmaiError::MathOverflow)?;
        self.constant_score = self.constant_score.checked_add(score).ok_or(VetmaiError::MathOverflow)?;
        Ok(())
    }

    pub fn remove_constant(&mut self, duration: u64, score: u128) -> Result<()> {
        let b = self
            .constants
            .iter_mut()
            .find(|b| b.duration == duration && duration != 0)
            .ok_or(VetmaiError::MathOverflow)?;
        b.score = b.score.checked_sub(score).ok_or(VetmaiError::MathOverflow)?;
        if b.score == 0 {
            *b = ConstantBucket::default();
        }
        self.constant_score = self.constant_score.checked_sub(score).ok_or(VetmaiError::MathOverflow)?;
        Ok(())
    }
}
