use anchor_lang::prelude::*;
use vetmai_math::rewards::{acc_increment, earned, released_over, stream_end, stream_rate};
use vetmai_math::schedule::{boundary_epoch, slot};
use vetmai_math::RING_LEN;

/// Boundaries a ring entry can lie ahead of the schedule's epoch.
const RING_AHEAD: u64 = 63;
use vetmai_math::time::{epoch_of, epoch_start};

use super::{LockKind, Position, ScoreBook};
use crate::constants::HISTORY_LEN;
use crate::error::VetmaiError;

/// Revenue in one mint, streamed to positions in proportion to score (SPEC §4).
/// PDA `["reward_pool", mint]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct RewardPool {
    /// Reward mint.
    pub mint: Pubkey,
    /// Token program of `mint`.
    pub token_program: Pubkey,
    /// Token account holding the pool's rewards; PDA `["reward_vault", pool]`, authority = config.
    pub vault: Pubkey,
    /// Slot of this pool in `Config::reward_pools` and `Position::rewards`.
    pub index: u8,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Canonical bump of the vault PDA.
    pub vault_bump: u8,
    /// Streaming state and the reward-per-score accumulator.
    pub stream: RewardStream,
    /// `rate_ends[e % 64]` = stream rate that stops at epoch boundary `e`, for `e` in the score
    /// schedule's window `(score.fixed.epoch, score.fixed.epoch + 64)` (base units × 1e18 per second).
    pub rate_ends: [u128; RING_LEN],
    /// Σ deposits, base units.
    pub total_deposited: u128,
    /// Σ claimed (paid out or reinvested), base units.
    pub total_claimed: u128,
    /// Epoch the pool was created in; history chunk `c` covers epochs from `start + c·512`.
    pub history_start_epoch: u64,
    /// History chunks created so far.
    pub history_chunks: u64,
    /// The score sharing this pool's rewards (kept equal to the program-wide total).
    pub score: ScoreBook,
    /// Retired by governance: takes no more revenue; what it streams and owes stays claimable.
    pub retired: bool,
    /// Space for fields added later without a migration.
    pub reserved: [u8; 127],
}

/// A pool's deposits, each streaming linearly over its own period, and its reward-per-score
/// accumulator. The streams are kept as one summed rate; each stream's rate is also booked at
/// the boundary where it stops (`RewardPool::rate_ends`), so no deposit moves another's timing.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Default, InitSpace, PartialEq, Eq, Debug)]
pub struct RewardStream {
    /// Reward per score unit × 1e18, wrapping (only differences matter).
    pub acc: u128,
    /// Time `acc` was last brought forward, unix seconds.
    pub last_update: i64,
    /// Deposited rewards not yet released by the streams, base units.
    pub remaining: u64,
    /// When the last running stream ends, unix seconds.
    pub end: i64,
    /// Released while the total score was zero; re-streamed by the next deposit or crank, base units.
    pub carry: u64,
    /// Σ rate of the running streams, base units × 1e18 per second.
    pub rate: u128,
    /// Released but not yet a whole base unit, base units × 1e18 (< 1e18).
    pub frac: u128,
    /// What rounding the streams' rates down kept back (base units × 1e18, below 1e-10 of a unit
    /// per stream); released when no stream is running.
    pub dust: u128,
}

impl RewardStream {
    /// Releases the running streams over `(last_update, t]` (no stream may stop inside) and
    /// shares it among `total` score (or carries it forward when there is no score).
    pub fn accrue_to(&mut self, t: i64, total: u128) -> Result<()> {
        if t <= self.last_update {
            return Ok(());
        }
        let dt = t.checked_sub(self.last_update).and_then(|d| u64::try_from(d).ok());
        let (released, frac) = released_over(self.rate, dt.ok_or(VetmaiError::MathOverflow)?, self.frac)
            .ok_or(VetmaiError::MathOverflow)?;
        self.frac = frac;
        self.share(released, total)?;
        self.last_update = t;
        Ok(())
    }

    /// Shares `released` tokens of the streams among `total` score, or carries them.
    fn share(&mut self, released: u64, total: u128) -> Result<()> {
        if released == 0 {
            return Ok(());
        }
        self.remaining = self.remaining.checked_sub(released).ok_or(VetmaiError::MathOverflow)?;
        match acc_increment(released, total) {
            Some(inc) => self.acc = self.acc.wrapping_add(inc),
            None if total == 0 => self.carry = self.carry.checked_add(released).ok_or(VetmaiError::MathOverflow)?,
            None => return err!(VetmaiError::MathOverflow),
        }
        Ok(())
    }

    /// Stops `rate` of streams at `t` (the streams must be accrued to `t`); once none is running,
    /// releases what rounding kept back, shared among `total`.
    fn stop(&mut self, rate: u128, total: u128) -> Result<()> {
        self.rate = self.rate.checked_sub(rate).ok_or(VetmaiError::MathOverflow)?;
        if self.rate == 0 && self.dust != 0 {
            let kept = self.frac.checked_add(self.dust).ok_or(VetmaiError::MathOverflow)?;
            let (released, frac) = released_over(0, 0, kept).ok_or(VetmaiError::MathOverflow)?;
            self.frac = frac;
            self.dust = 0;
            self.share(released, total)?;
        }
        Ok(())
    }
}

/// Accumulator value at each epoch boundary where some score ended, so a position that ended
/// long ago is still settled exactly. PDA `["reward_history", pool, chunk u64 LE]`.
#[account(zero_copy)]
#[repr(C)]
pub struct RewardHistory {
    /// Pool this history belongs to.
    pub pool: Pubkey,
    /// Chunk number.
    pub chunk: u64,
    /// First epoch covered; entry `i` is the accumulator at boundary `start_epoch + i`.
    pub start_epoch: u64,
    /// Accumulator values (u128 little-endian), 0 where nothing ended.
    pub acc: [[u8; 16]; HISTORY_LEN],
}

impl std::fmt::Debug for RewardHistory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let recorded = self.acc.iter().filter(|a| **a != [0; 16]).count();
        f.debug_struct("RewardHistory")
            .field("pool", &self.pool)
            .field("chunk", &self.chunk)
            .field("start_epoch", &self.start_epoch)
            .field("recorded", &recorded)
            .finish()
    }
}

impl RewardHistory {
    pub const SEED: &'static [u8] = b"reward_history";
    /// Account size in bytes, discriminator included.
    pub const SPACE: usize = 8 + 32 + 8 + 8 + 16 * HISTORY_LEN;

    fn slot(&self, epoch: u64) -> Option<usize> {
        let i = usize::try_from(epoch.checked_sub(self.start_epoch)?).ok()?;
        (i < HISTORY_LEN).then_some(i)
    }

    /// Accumulator recorded at boundary `epoch`, if this chunk covers it.
    pub fn get(&self, epoch: u64) -> Option<u128> {
        self.slot(epoch).map(|i| u128::from_le_bytes(self.acc[i]))
    }

    fn set(&mut self, epoch: u64, acc: u128) -> Option<()> {
        let i = self.slot(epoch)?;
        self.acc[i] = acc.to_le_bytes();
        Some(())
    }
}

impl RewardPool {
    pub const SEED: &'static [u8] = b"reward_pool";
    pub const VAULT_SEED: &'static [u8] = b"reward_vault";
    /// Account size in bytes, discriminator included.
    pub const SPACE: usize = 8 + Self::INIT_SPACE;

    fn slot(&self) -> usize {
        usize::from(self.index)
    }

    /// Chunk number holding boundary `epoch`.
    pub fn history_chunk_of(&self, epoch: u64) -> Option<u64> {
        epoch.checked_sub(self.history_start_epoch)?.checked_div(HISTORY_LEN as u64)
    }

    /// Brings the pool forward to `now`: at each epoch boundary where score ends, accrues up to the
    /// boundary with the score in effect before it, records the accumulator in `history`, and
    /// drops the ending score; at each boundary where streams stop, accrues up to it and drops
    /// their rate; then accrues to `now`. Work is bounded by the 64-boundary schedule.
    /// Without history accounts, any boundary to record fails with `PoolNeedsCrank`.
    pub fn advance(&mut self, now: i64, history: &mut [&mut RewardHistory]) -> Result<()> {
        let now_epoch = epoch_of(now).ok_or(VetmaiError::InvalidClock)?;
        while let Some(b) = self.next_rate_end(now_epoch) {
            self.advance_score(b, history)?;
            let t = epoch_start(b).ok_or(VetmaiError::MathOverflow)?;
            let total = self.score.current()?;
            self.stream.accrue_to(t, total)?;
            let i = slot(b);
            let stopping = self.rate_ends[i];
            self.rate_ends[i] = 0;
            self.stream.stop(stopping, total)?;
        }
        self.advance_score(now_epoch, history)?;
        let total = self.score.current()?;
        self.stream.accrue_to(now, total)
    }

    /// First boundary in `(score epoch, to]` where some stream stops.
    fn next_rate_end(&self, to: u64) -> Option<u64> {
        let from = self.score.fixed.epoch;
        let last = to.min(from.saturating_add(RING_AHEAD));
        (from.saturating_add(1)..=last).find(|e| self.rate_ends[slot(*e)] != 0)
    }

    /// The score-expiry part of [`advance`](Self::advance), up to boundary `to_epoch`; no stream
    /// may stop before it.
    fn advance_score(&mut self, to_epoch: u64, history: &mut [&mut RewardHistory]) -> Result<()> {
        let start_epoch = self.history_start_epoch;
        let constant = self.score.constant_score;
        let stream = &mut self.stream;
        let mut failure = None;
        let done = self.score.fixed.view_mut().advance_with(to_epoch, |e, active_before, _ending| {
            let step = (|| -> Result<()> {
                let t = epoch_start(e).ok_or(VetmaiError::MathOverflow)?;
                let total = active_before.checked_add(constant).ok_or(VetmaiError::MathOverflow)?;
                stream.accrue_to(t, total)?;
                if e > start_epoch {
                    let acc = stream.acc;
                    if !history.iter_mut().any(|h| h.set(e, acc).is_some()) {
                        return err!(if history.is_empty() {
                            VetmaiError::PoolNeedsCrank
                        } else {
                            VetmaiError::HistoryChunkMissing
                        });
                    }
                }
                Ok(())
            })();
            step.map_err(|e| failure = Some(e)).ok()
        });
        if let Some(e) = failure {
            return Err(e);
        }
        done.ok_or(VetmaiError::ScheduleOutOfRange)?;
        Ok(())
    }

    /// Adds `amount` of revenue (the pool must be advanced to `now`) as a new stream over
    /// `period`, together with what was carried over a period without score. Running streams keep
    /// their own timing.
    pub fn add_revenue(&mut self, now: i64, amount: u64, period: u64) -> Result<()> {
        let carry = std::mem::take(&mut self.stream.carry);
        self.add_stream(now, carry.checked_add(amount).ok_or(VetmaiError::MathOverflow)?, period)?;
        self.total_deposited = self.total_deposited.checked_add(u128::from(amount)).ok_or(VetmaiError::MathOverflow)?;
        Ok(())
    }

    /// Re-streams rewards carried over a period without score, once there is score again.
    pub fn restream_carry(&mut self, now: i64, period: u64) -> Result<()> {
        if self.stream.carry == 0 || self.score.current()? == 0 {
            return Ok(());
        }
        let carry = std::mem::take(&mut self.stream.carry);
        self.add_stream(now, carry, period)
    }

    /// Starts a stream of `amount` from `now` (the pool must be advanced to `now`) to the first
    /// boundary at least `period` later.
    fn add_stream(&mut self, now: i64, amount: u64, period: u64) -> Result<()> {
        if amount == 0 {
            return Ok(());
        }
        require!(self.stream.last_update == now, VetmaiError::PoolNeedsCrank);
        let end = stream_end(now, period).ok_or(VetmaiError::MathOverflow)?;
        let e = boundary_epoch(end).ok_or(VetmaiError::MathOverflow)?;
        let ahead = e.checked_sub(self.score.fixed.epoch).ok_or(VetmaiError::ScheduleOutOfRange)?;
        require!(ahead > 0 && ahead < RING_LEN as u64, VetmaiError::ScheduleOutOfRange);
        let span = end.checked_sub(now).and_then(|s| u64::try_from(s).ok()).ok_or(VetmaiError::MathOverflow)?;
        let (rate, residual) = stream_rate(amount, span).ok_or(VetmaiError::MathOverflow)?;
        let i = slot(e);
        self.rate_ends[i] = self.rate_ends[i].checked_add(rate).ok_or(VetmaiError::MathOverflow)?;
        let s = &mut self.stream;
        s.rate = s.rate.checked_add(rate).ok_or(VetmaiError::MathOverflow)?;
        s.dust = s.dust.checked_add(residual).ok_or(VetmaiError::MathOverflow)?;
        s.remaining = s.remaining.checked_add(amount).ok_or(VetmaiError::MathOverflow)?;
        s.end = s.end.max(end);
        Ok(())
    }

    /// What the streams will still hold at `t ≥ last_update` (ignoring carry and new deposits):
    /// the off-chain projection of the release schedule. `None` on inconsistent data.
    pub fn unreleased_at(&self, t: i64) -> Option<u64> {
        // The pool's own release steps on a copy, with no score: what is released is carried.
        let mut s = self.stream;
        let from = self.score.fixed.epoch;
        for b in (1..=RING_AHEAD).filter_map(|k| from.checked_add(k)) {
            let tb = epoch_start(b)?;
            if tb > t || s.rate == 0 {
                break;
            }
            let stopping = self.rate_ends[slot(b)];
            if stopping != 0 && tb > s.last_update {
                s.accrue_to(tb, 0).ok()?;
                s.stop(stopping, 0).ok()?;
            }
        }
        s.accrue_to(t, 0).ok()?;
        Some(s.remaining)
    }

    /// Settles `p`'s rewards in this pool up to now (the pool must be advanced to now). An ended
    /// position is settled to the accumulator at its end, read from `history`.
    pub fn settle(&self, p: &mut Position, history: Option<&RewardHistory>) -> Result<()> {
        let now = self.stream.last_update;
        let score = p.score;
        let locked = p.is_locked(now);
        let slot = p.rewards.get_mut(self.slot()).ok_or(VetmaiError::WrongRewardPool)?;
        if slot.final_settled {
            return Ok(());
        }
        let to = if locked { self.stream.acc } else { self.acc_at_end(p.end, history)? };
        let add = earned(score, slot.acc, to).ok_or(VetmaiError::MathOverflow)?;
        slot.owed = slot.owed.checked_add(add).ok_or(VetmaiError::MathOverflow)?;
        slot.acc = to;
        slot.final_settled = !locked;
        Ok(())
    }

    /// Accumulator at boundary `end` (0 — the pool's starting value — if it ended before the pool).
    fn acc_at_end(&self, end: i64, history: Option<&RewardHistory>) -> Result<u128> {
        let e = boundary_epoch(end).ok_or(VetmaiError::ScheduleOutOfRange)?;
        if e <= self.history_start_epoch {
            return Ok(0);
        }
        let h = history.ok_or(VetmaiError::HistoryChunkMissing)?;
        h.get(e).ok_or_else(|| error!(VetmaiError::HistoryChunkMissing))
    }

    /// Whether nothing more can accrue to `p` in this pool for its current lock: still locked (it
    /// keeps accruing, which `settle` handles), settled through its end, or ended before the pool.
    pub fn is_settled_through_end(&self, p: &Position) -> bool {
        let Some(slot) = p.rewards.get(self.slot()) else { return false };
        let ended_before_pool =
            p.kind == LockKind::Fixed && boundary_epoch(p.end).is_some_and(|e| e <= self.history_start_epoch);
        p.is_locked(self.stream.last_update) || slot.final_settled || ended_before_pool
    }

    /// Whether `p` has nothing left to settle or claim in this pool (required before withdraw).
    pub fn is_cleared(&self, p: &Position) -> bool {
        let owed = p.rewards.get(self.slot()).map_or(1, |s| s.owed);
        owed == 0 && !p.is_locked(self.stream.last_update) && self.is_settled_through_end(p)
    }

    /// Starts `p`'s checkpoint in this pool at the current accumulator (a new or re-locked lock).
    pub fn start(&self, p: &mut Position) -> Result<()> {
        let slot = p.rewards.get_mut(self.slot()).ok_or(VetmaiError::WrongRewardPool)?;
        slot.acc = self.stream.acc;
        slot.final_settled = false;
        Ok(())
    }
}
