//! Numbers derived from decoded accounts, equal to what the program computes on-chain.
use anchor_lang::prelude::Pubkey;
use vetmai::state::{Config, Position, ProposalState, RewardHistory, RewardPool, Staker};
use vetmai::HISTORY_LEN;

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

/// What `claim_rewards` would pay `position` from `pool` at `now`, from account data alone: runs the
/// program's own pool-advance and settlement code on copies. `histories` are the pool's stored
/// history chunks (at least the one holding the position's end, once it has ended).
pub fn pending_rewards(pool: &RewardPool, position: &Position, histories: &[RewardHistory], now: i64) -> Option<u64> {
    let mut pool = pool.clone();
    let mut position = position.clone();
    let mut scratch: Vec<Box<RewardHistory>> = histories.iter().map(|h| Box::new(*h)).collect();
    // Boundaries not yet recorded on-chain are recorded into scratch chunks, as a crank would.
    let now_epoch = vetmai_math::time::epoch_of(now)?;
    let last_chunk = pool.history_chunk_of(now_epoch).unwrap_or(0);
    for chunk in 0..=last_chunk {
        if !scratch.iter().any(|h| h.chunk == chunk) {
            let start = pool.history_start_epoch.checked_add(chunk.checked_mul(HISTORY_LEN as u64)?)?;
            scratch.push(Box::new(RewardHistory {
                pool: Pubkey::default(),
                chunk,
                start_epoch: start,
                acc: [[0; 16]; HISTORY_LEN],
            }));
        }
    }
    let mut refs: Vec<&mut RewardHistory> = scratch.iter_mut().map(|b| &mut **b).collect();
    pool.advance(now, &mut refs).ok()?;
    let end_epoch = vetmai_math::schedule::boundary_epoch(position.end);
    let history = end_epoch
        .and_then(|e| pool.history_chunk_of(e))
        .and_then(|c| scratch.iter().find(|h| h.chunk == c))
        .map(|b| &**b);
    pool.settle(&mut position, history).ok()?;
    position.rewards.get(usize::from(pool.index)).map(|r| r.owed)
}

/// The history chunk an ended position's claim needs (`None` while locked or when it ended before
/// the pool existed).
pub fn claim_history_chunk(pool: &RewardPool, position: &Position, now: i64) -> Option<u64> {
    if position.is_locked(now) {
        return None;
    }
    let e = vetmai_math::schedule::boundary_epoch(position.end)?;
    if e <= pool.history_start_epoch {
        return None;
    }
    pool.history_chunk_of(e)
}

/// The history chunks a `crank_pool` at `now` writes to: the chunk of the first boundary still to
/// record and, when different, the chunk of the last.
pub fn crank_history_chunks(pool: &RewardPool, now: i64) -> Option<(u64, Option<u64>)> {
    let now_epoch = vetmai_math::time::epoch_of(now)?;
    let first_epoch = pool.score.fixed.epoch.max(pool.history_start_epoch).checked_add(1)?.min(now_epoch);
    // Only existing chunks can be passed; a missing one makes the crank fail with
    // `HistoryChunkMissing` until `extend_reward_history` creates it.
    let newest = pool.history_chunks.saturating_sub(1);
    let first = pool.history_chunk_of(first_epoch).unwrap_or(0).min(newest);
    let last = pool.history_chunk_of(now_epoch).unwrap_or(0).min(newest);
    Some((first, (last != first).then_some(last)))
}

/// The name off-chain readers use for a proposal state (the indexer's `proposal.state` column, the
/// API's `state` field).
pub fn proposal_state_name(state: ProposalState) -> &'static str {
    match state {
        ProposalState::Voting => "voting",
        ProposalState::Passed => "passed",
        ProposalState::Defeated => "defeated",
        ProposalState::Cancelled => "cancelled",
        ProposalState::Vetoed => "vetoed",
        ProposalState::Executed => "executed",
    }
}

/// Whether a lock operation or claim touching `pool` at `now` would fail with `PoolNeedsCrank`:
/// some score ends at a boundary the pool has not recorded yet (after its first epoch). Clients
/// prepend `crank_pool` (with [`crank_history_chunks`]) when this is true.
pub fn pool_needs_crank(pool: &RewardPool, now: i64) -> bool {
    let Some(now_epoch) = vetmai_math::time::epoch_of(now) else { return false };
    let schedule = pool.score.fixed.view();
    let due = schedule.entries().any(|(end, _)| {
        vetmai_math::schedule::boundary_epoch(end).is_some_and(|e| e <= now_epoch && e > pool.history_start_epoch)
    });
    due
}
