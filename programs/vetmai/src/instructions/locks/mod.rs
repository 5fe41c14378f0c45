//! Lock instructions and the bookkeeping they share: every change to a position's score goes
//! through [`Ledger`], which settles the position's rewards and keeps the wallet aggregate, the
//! program-wide totals and every reward pool's total exact.
pub mod begin_unlock;
pub mod close_staker;
pub mod create_lock;
pub mod exit_lock;
pub mod extend_lock;
pub mod increase_amount;
pub mod withdraw;

pub use begin_unlock::*;
pub use close_staker::*;
pub use create_lock::*;
pub use exit_lock::*;
pub use extend_lock::*;
pub use increase_amount::*;
pub use withdraw::*;

use anchor_lang::prelude::*;

use crate::error::VetmaiError;
use crate::state::{Config, LockKind, Position, RewardPool, Staker};

/// Current unix time and its epoch index.
pub fn now() -> Result<(i64, u64)> {
    let now = Clock::get()?.unix_timestamp;
    let epoch = vetmai_math::time::epoch_of(now).ok_or(VetmaiError::InvalidClock)?;
    Ok((now, epoch))
}

/// Every registered reward pool, loaded from the remaining accounts (in registration order).
pub struct Pools<'info>(pub Vec<Account<'info, RewardPool>>);

impl<'info> Pools<'info> {
    pub fn load(config: &Config, remaining: &'info [AccountInfo<'info>]) -> Result<Self> {
        let keys = config.pools();
        require!(remaining.len() >= keys.len(), VetmaiError::MissingRewardPools);
        let mut list = Vec::with_capacity(keys.len());
        for (info, key) in remaining.iter().zip(keys) {
            require_keys_eq!(info.key(), *key, VetmaiError::WrongRewardPool);
            require!(info.is_writable, VetmaiError::MissingRewardPools);
            list.push(Account::<RewardPool>::try_from(info)?);
        }
        Ok(Self(list))
    }

    /// Writes the pools back (remaining accounts are not serialized by Anchor).
    pub fn exit(&self) -> Result<()> {
        for p in &self.0 {
            anchor_lang::AccountsExit::exit(p, &crate::ID)?;
        }
        Ok(())
    }
}

/// The wallet aggregate, the program-wide totals and every reward pool, advanced to now.
pub struct Ledger<'a, 'info> {
    pub config: &'a mut Config,
    pub staker: &'a mut Staker,
    pub pools: &'a mut Pools<'info>,
    pub now: i64,
}

impl<'a, 'info> Ledger<'a, 'info> {
    /// Advances everything to now, dropping every score that ended since it was last touched.
    /// A pool with an epoch boundary to record fails with `PoolNeedsCrank`.
    pub fn open(config: &'a mut Config, staker: &'a mut Staker, pools: &'a mut Pools<'info>) -> Result<Self> {
        let (now, epoch) = now()?;
        config.totals.score.fixed.advance(epoch)?;
        staker.fixed.advance(epoch)?;
        for pool in pools.0.iter_mut() {
            pool.advance(now, &mut [])?;
        }
        Ok(Self { config, staker, pools, now })
    }

    /// Settles a still-locked position's rewards in every pool (before its score changes).
    pub fn settle(&mut self, p: &mut Position) -> Result<()> {
        for pool in &self.pools.0 {
            pool.settle(p, None)?;
        }
        Ok(())
    }

    /// Refuses to re-lock an ended position whose rewards have not been settled through its end
    /// in every pool (call before changing its end).
    pub fn require_settled_through_end(&self, p: &Position) -> Result<()> {
        for pool in &self.pools.0 {
            require!(pool.is_settled_through_end(p), VetmaiError::RewardsNotSettled);
        }
        Ok(())
    }

    /// Starts a new or re-locked position's reward checkpoints at the current accumulators
    /// (what it is owed so far is kept).
    pub fn start(&mut self, p: &mut Position) -> Result<()> {
        for pool in &self.pools.0 {
            pool.start(p)?;
        }
        Ok(())
    }

    /// Adds the position's current score everywhere (a Fixed position must still be locked).
    pub fn add_score(&mut self, p: &Position) -> Result<()> {
        if p.kind == LockKind::Fixed {
            require!(p.end > self.now, VetmaiError::LockExpired);
        }
        self.apply(p, true)
    }

    /// Removes the position's current score everywhere (a no-op for an ended Fixed position).
    pub fn remove_score(&mut self, p: &Position) -> Result<()> {
        self.apply(p, false)
    }

    fn apply(&mut self, p: &Position, add: bool) -> Result<()> {
        self.config.totals.score.apply(p, add)?;
        for pool in self.pools.0.iter_mut() {
            pool.score.apply(p, add)?;
        }
        match (p.kind, add) {
            (LockKind::Fixed, true) => self.staker.fixed.add(p.end, p.score),
            (LockKind::Fixed, false) => self.staker.fixed.remove(p.end, p.score),
            (LockKind::Constant, true) => self.staker.add_constant(p.duration, p.score),
            (LockKind::Constant, false) => self.staker.remove_constant(p.duration, p.score),
        }
    }

    /// Records `amount` more (or, with `add = false`, less) locked TMAI.
    pub fn change_locked(&mut self, amount: u64, add: bool) -> Result<()> {
        let t = &mut self.config.totals;
        let s = &mut *self.staker;
        if add {
            t.locked_amount = t.locked_amount.checked_add(amount).ok_or(VetmaiError::MathOverflow)?;
            s.locked_amount = s.locked_amount.checked_add(amount).ok_or(VetmaiError::MathOverflow)?;
        } else {
            t.locked_amount = t.locked_amount.checked_sub(amount).ok_or(VetmaiError::MathOverflow)?;
            s.locked_amount = s.locked_amount.checked_sub(amount).ok_or(VetmaiError::MathOverflow)?;
        }
        Ok(())
    }

    /// Adds `amount` to a locked position, scored at the multiplier of its remaining duration
    /// (settling its rewards first). Used by `increase_amount` and reward reinvestment.
    pub fn increase(&mut self, p: &mut Position, amount: u64) -> Result<()> {
        require!(amount > 0, VetmaiError::ZeroAmount);
        require!(p.is_locked(self.now), VetmaiError::LockExpired);
        self.settle(p)?;
        let added = self.config.params.score(amount, remaining(p, self.now)?)?;
        self.remove_score(p)?;
        p.amount = p.amount.checked_add(amount).ok_or(VetmaiError::MathOverflow)?;
        p.score = p.score.checked_add(added).ok_or(VetmaiError::MathOverflow)?;
        self.add_score(p)?;
        self.change_locked(amount, true)
    }
}

/// Remaining lock time of a position at `now`, seconds: what added tokens are scored for.
pub fn remaining(p: &Position, now: i64) -> Result<u64> {
    match p.kind {
        LockKind::Constant => Ok(p.duration),
        LockKind::Fixed => {
            let left = p.end.checked_sub(now).ok_or(VetmaiError::MathOverflow)?;
            u64::try_from(left).map_err(|_| error!(VetmaiError::LockExpired))
        }
    }
}
