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
