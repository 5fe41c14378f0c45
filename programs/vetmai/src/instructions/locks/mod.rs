//! Lock instructions and the bookkeeping they share: every change to a position's score goes
//! through [`Ledger`], which keeps the wallet aggregate and the program-wide totals exact.
pub mod begin_unlock;
pub mod close_staker;
pub mod create_lock;
pub mod extend_lock;
pub mod increase_amount;
pub mod withdraw;

pub use begin_unlock::*;
pub use close_staker::*;
pub use create_lock::*;
pub use extend_lock::*;
pub use increase_amount::*;
pub use withdraw::*;

use anchor_lang::prelude::*;

use crate::error::VetmaiError;
use crate::state::{Config, LockKind, Position, Staker};

/// Current unix time and its epoch index.
pub fn now() -> Result<(i64, u64)> {
    let now = Clock::get()?.unix_timestamp;
    let epoch = vetmai_math::time::epoch_of(now).ok_or(VetmaiError::InvalidClock)?;
    Ok((now, epoch))
}

/// The wallet aggregate and the program-wide totals, advanced to the current epoch.
pub struct Ledger<'a> {
    pub config: &'a mut Config,
    pub staker: &'a mut Staker,
    pub now: i64,
}

impl<'a> Ledger<'a> {
    /// Advances both schedules to now, dropping every score that ended since they were last touched.
    pub fn open(config: &'a mut Config, staker: &'a mut Staker) -> Result<Self> {
        let (now, epoch) = now()?;
        config.totals.fixed.advance(epoch)?;
        staker.fixed.advance(epoch)?;
        Ok(Self { config, staker, now })
    }

    /// Adds the position's current score to both aggregates (a Fixed position must still be locked).
    pub fn add_score(&mut self, p: &Position) -> Result<()> {
        match p.kind {
            LockKind::Fixed => {
                require!(p.end > self.now, VetmaiError::LockExpired);
                self.config.totals.fixed.add(p.end, p.score)?;
                self.staker.fixed.add(p.end, p.score)?;
            }
            LockKind::Constant => {
                self.staker.add_constant(p.duration, p.score)?;
                let t = &mut self.config.totals;
                t.constant_score = t.constant_score.checked_add(p.score).ok_or(VetmaiError::MathOverflow)?;
            }
        }
        Ok(())
    }

    /// Removes the position's current score from both aggregates (a no-op for a Fixed position
    /// that already ended: advancing the schedules dropped it).
    pub fn remove_score(&mut self, p: &Position) -> Result<()> {
        match p.kind {
            LockKind::Fixed => {
                self.config.totals.fixed.remove(p.end, p.score)?;
                self.staker.fixed.remove(p.end, p.score)?;
            }
            LockKind::Constant => {
                self.staker.remove_constant(p.duration, p.score)?;
                let t = &mut self.config.totals;
                t.constant_score = t.constant_score.checked_sub(p.score).ok_or(VetmaiError::MathOverflow)?;
            }
        }
        Ok(())
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
