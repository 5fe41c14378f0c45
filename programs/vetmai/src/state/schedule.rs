use anchor_lang::prelude::*;
use vetmai_math::{ScheduleMut, ScheduleRef, RING_LEN};

use crate::error::VetmaiError;

/// Score ending at each of the next 64 epoch boundaries (see `vetmai_math::schedule`).
/// Stored inside the config (program-wide) and inside every staker (per wallet).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, InitSpace, PartialEq, Eq, Debug)]
pub struct ScoreSchedule {
    /// Last processed epoch index (`unix seconds / 604 800`).
    pub epoch: u64,
    /// Σ of `ring`: score of Fixed positions ending after `epoch`'s boundary (score units).
    pub active: u128,
    /// `ring[e % 64]` = score ending at boundary `e` (score units).
    pub ring: [u128; RING_LEN],
}

impl ScoreSchedule {
    pub fn new(epoch: u64) -> Self {
        Self { epoch, active: 0, ring: [0; RING_LEN] }
    }

    pub fn view(&self) -> ScheduleRef<'_> {
        ScheduleRef { epoch: self.epoch, ring: &self.ring }
    }

    pub fn view_mut(&mut self) -> ScheduleMut<'_> {
        ScheduleMut { epoch: &mut self.epoch, active: &mut self.active, ring: &mut self.ring }
    }

    /// Applies every boundary up to `epoch`.
    pub fn advance(&mut self, epoch: u64) -> Result<()> {
        self.view_mut().advance(epoch).ok_or_else(|| error!(VetmaiError::ScheduleOutOfRange))
    }

    pub fn add(&mut self, end: i64, score: u128) -> Result<()> {
        self.view_mut().add(end, score).ok_or_else(|| error!(VetmaiError::ScheduleOutOfRange))
    }

    pub fn remove(&mut self, end: i64, score: u128) -> Result<()> {
        self.view_mut().remove(end, score).ok_or_else(|| error!(VetmaiError::ScheduleOutOfRange))
    }
}

/// Σ score of a set of positions: Constant scores (never expire) plus Fixed scores by end
/// boundary. The program-wide totals and every reward pool keep one, updated together.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, InitSpace, PartialEq, Eq, Debug)]
pub struct ScoreBook {
    /// Σ score of Constant positions.
    pub constant_score: u128,
    /// Fixed positions' scores by end boundary.
    pub fixed: ScoreSchedule,
}

impl ScoreBook {
    pub fn new(epoch: u64) -> Self {
        Self { constant_score: 0, fixed: ScoreSchedule::new(epoch) }
    }

    /// Total score at `t`. Exact whether or not the schedule was advanced to `t`.
    pub fn ve_at(&self, t: i64) -> Option<u128> {
        self.fixed.view().active_at(t)?.checked_add(self.constant_score)
    }

    /// Total score in effect now (the schedule must be advanced to the current epoch).
    pub fn current(&self) -> Result<u128> {
        self.fixed.active.checked_add(self.constant_score).ok_or_else(|| error!(VetmaiError::MathOverflow))
    }

    pub fn add_constant(&mut self, score: u128) -> Result<()> {
        self.constant_score = self.constant_score.checked_add(score).ok_or(VetmaiError::MathOverflow)?;
        Ok(())
    }

    pub fn remove_constant(&mut self, score: u128) -> Result<()> {
        self.constant_score = self.constant_score.checked_sub(score).ok_or(VetmaiError::MathOverflow)?;
        Ok(())
    }
}

impl ScoreBook {
    /// Adds (or removes) a position's current score. A Fixed position must still be locked to be
    /// added; removing an ended one is a no-op (advancing dropped it at its end).
    pub fn apply(&mut self, p: &super::Position, add: bool) -> Result<()> {
        match (p.kind, add) {
            (super::LockKind::Fixed, true) => self.fixed.add(p.end, p.score),
            (super::LockKind::Fixed, false) => self.fixed.remove(p.end, p.score),
            (super::LockKind::Constant, true) => self.add_constant(p.score),
            (super::LockKind::Constant, false) => self.remove_constant(p.score),
        }
    }
}
