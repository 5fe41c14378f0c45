//! Expiry schedule: the score that ends at each future epoch boundary.
//!
//! Scores are piecewise constant: a Fixed position contributes its score until its end, a
//! boundary, and nothing after. A schedule keeps, for the next [`RING_LEN`] boundaries, how much
//! score ends at each, plus the running sum of all of it (`active`). Advancing past a boundary
//! drops exactly the score ending there, so totals are exact with no keeper and bounded work:
//! at most `RING_LEN - 1` boundaries are visited per advance, however long the gap.
//!
//! The program stores the three parts (`epoch`, `active`, `ring`) in its accounts; this module
//! works on borrowed parts so the indexer can run the same code on decoded account data.
use crate::time::{epoch_start, EPOCH_SECONDS};

/// Boundaries tracked ahead of the last processed one. A lock ends at most
/// `ceil((max_lock + EPOCH) / EPOCH) ≤ 54` boundaries ahead (max lock ≤ 365 days), so 64 leaves room.
pub const RING_LEN: usize = 64;
const RING_LEN_U64: u64 = 64;
const RING_LAST: u64 = 63;

/// Index of boundary `epoch` in a ring of [`RING_LEN`] entries.
pub fn slot(epoch: u64) -> usize {
    // `epoch % 64` is < 64 and fits usize on every target.
    usize::try_from(epoch.checked_rem(RING_LEN_U64).unwrap_or(0)).unwrap_or(0)
}

/// Read-only view of a stored schedule.
#[derive(Clone, Copy)]
pub struct ScheduleRef<'a> {
    /// Last processed epoch: every boundary `≤ epoch · EPOCH_SECONDS` has been applied.
    pub epoch: u64,
    /// `ring[e % RING_LEN]` = score ending at boundary `e`, for `e` in `(epoch, epoch + RING_LEN)`.
    pub ring: &'a [u128; RING_LEN],
}

impl ScheduleRef<'_> {
    /// Iterates `(boundary unix time, score ending there)` over the non-empty future entries.
    pub fn entries(&self) -> impl Iterator<Item = (i64, u128)> + '_ {
        (1..RING_LEN_U64).filter_map(move |k| {
            let e = self.epoch.checked_add(k)?;
            let s = self.ring[slot(e)];
            if s == 0 {
                return None;
            }
            Some((epoch_start(e)?, s))
        })
    }

    /// Score still locked at instant `t`: entries ending strictly after `t`. Correct even when the
    /// schedule has not been advanced to `t` (entries already past are skipped).
    pub fn active_at(&self, t: i64) -> Option<u128> {
        self.sum_where(|end| end > t)
    }

    /// Score locked through `t`: entries ending at or after `t` (a lock ending exactly at `t`
    /// covers the whole period up to `t`).
    pub fn locked_through(&self, t: i64) -> Option<u128> {
        self.sum_where(|end| end >= t)
    }

    fn sum_where(&self, keep: impl Fn(i64) -> bool) -> Option<u128> {
        let mut sum: u128 = 0;
        for (end, s) in self.entries() {
            if keep(end) {
                sum = sum.checked_add(s)?;
            }
        }
        Some(sum)
    }
}

/// Mutable view of a stored schedule. Invariant: `active == Σ ring`.
pub struct ScheduleMut<'a> {
    pub epoch: &'a mut u64,
    pub active: &'a mut u128,
    pub ring: &'a mut [u128; RING_LEN],
}

impl ScheduleMut<'_> {
    /// Applies every boundary in `(epoch, to]`, calling `on_boundary(e, active_before, ending)` for
    /// each boundary `e` where some score ends, then sets `epoch = to`. No-op when `to ≤ epoch`.
    /// `None` if the stored parts are inconsistent (never for schedules built by this module).
    pub fn advance_with(&mut self, to: u64, mut on_boundary: impl FnMut(u64, u128, u128) -> Option<()>) -> Option<()> {
        if to <= *self.epoch {
            return Some(());
        }
        let last = to.min(self.epoch.checked_add(RING_LAST)?);
        let mut e = self.epoch.checked_add(1)?;
        while e <= last {
            let i = slot(e);
            let ending = self.ring[i];
            if ending != 0 {
                on_boundary(e, *self.active, ending)?;
                *self.active = self.active.checked_sub(ending)?;
                self.ring[i] = 0;
            }
            e = e.checked_add(1)?;
        }
        if to >= self.epoch.checked_add(RING_LEN_U64)? && *self.active != 0 {
            return None;
        }
        *self.epoch = to;
        Some(())
    }

    /// [`advance_with`](Self::advance_with) without a callback.
    pub fn advance(&mut self, to: u64) -> Option<()> {
        self.advance_with(to, |_, _, _| Some(()))
    }

    /// Adds `score` ending at boundary `end` (unix seconds, a multiple of the epoch length, in the
    /// window `(epoch, epoch + RING_LEN)` boundaries). `None` if outside the window or overflow.
    pub fn add(&mut self, end: i64, score: u128) -> Option<()> {
        let e = boundary_epoch(end)?;
        if e <= *self.epoch || e.checked_sub(*self.epoch)? >= RING_LEN_U64 {
            return None;
        }
        let i = slot(e);
        self.ring[i] = self.ring[i].checked_add(score)?;
        *self.active = self.active.checked_add(score)?;
        Some(())
    }

    /// Removes `score` previously added at `end`. Entries already past (`end ≤ epoch` boundary)
    /// were dropped by [`advance`](Self::advance) and are left alone.
    pub fn remove(&mut self, end: i64, score: u128) -> Option<()> {
        let e = boundary_epoch(end)?;
        if e <= *self.epoch {
            return Some(());
        }
        let i = slot(e);
        self.ring[i] = self.ring[i].checked_sub(score)?;
        *self.active = self.active.checked_sub(score)?;
        Some(())
    }

    /// Read-only view of the same parts.
    pub fn as_ref(&self) -> ScheduleRef<'_> {
        ScheduleRef { epoch: *self.epoch, ring: self.ring }
    }
}

/// Epoch index of a boundary; `None` if `end` is negative or not a boundary.
pub fn boundary_epoch(end: i64) -> Option<u64> {
    if end < 0 || end.checked_rem(EPOCH_SECONDS)? != 0 {
        return None;
    }
    u64::try_from(end.checked_div(EPOCH_SECONDS)?).ok()
}
