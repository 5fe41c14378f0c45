use anchor_lang::prelude::*;

use super::{Ledger, Pools, Withdraw};
use crate::constants::MAX_REWARD_POOLS;
use crate::error::VetmaiError;
use crate::events::LockExited;
use crate::instructions::token;
use crate::state::{LockKind, RewardHistory};

/// What `exit_lock` does with rewards still owed to the position.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitRewards {
    /// Keep them in the position, claimable later with `claim_rewards` (then `withdraw` closes it).
    Keep,
    /// Give them back to each pool's stream (shared by the remaining stakers); the position closes.
    Forfeit,
}

/// Returns an ended position's TMAI without paying its rewards: the exit when a reward vault
/// cannot pay (a frozen or paused reward mint), so no third party can hold principal hostage.
/// Every pool is settled through the lock's end first; what is owed is kept (claimable after,
/// e.g., a thaw) or forfeited, the owner's choice. With nothing left owed the position closes
/// (rent to the owner); otherwise it stays, holding no TMAI and no score, until its rewards are
/// claimed and `withdraw` closes it.
///
/// Remaining accounts: every registered reward pool (writable, in registration order), then for
/// each pool, in the same order, its history chunk holding the lock's end (any chunk of the pool
/// if the lock ended before the pool existed).
pub fn handle_exit_lock<'info>(mut ctx: Context<'info, Withdraw<'info>>, rewards: ExitRewards) -> Result<()> {
    let a = &mut ctx.accounts;
    let mut pools = Pools::load(&a.config, ctx.remaining_accounts)?;
    let histories = ctx.remaining_accounts.get(pools.0.len()..).unwrap_or(&[]);
    require!(histories.len() == pools.0.len(), VetmaiError::HistoryChunkMissing);
    let mut ledger = Ledger::open(&mut a.config, &mut a.staker, &mut pools)?;
    let p = &mut a.position;
    require!(p.kind == LockKind::Fixed, VetmaiError::ConstantNotUnlocking);
    require!(p.end <= ledger.now, VetmaiError::LockNotExpired);
    require!(p.amount > 0, VetmaiError::PositionEmpty);
    let mut owed = [0u64; MAX_REWARD_POOLS];
    let mut forfeited = [0u64; MAX_REWARD_POOLS];
    for (k, (pool, info)) in ledger.pools.0.iter_mut().zip(histories).enumerate() {
        let loader = AccountLoader::<RewardHistory>::try_from(info)?;
        {
            let history = loader.load()?;
            require_keys_eq!(history.pool, pool.key(), VetmaiError::WrongHistoryChunk);
            pool.settle(p, Some(&history))?;
        }
        let slot = p.rewards.get_mut(k).ok_or(VetmaiError::WrongRewardPool)?;
        if rewards == ExitRewards::Forfeit {
            pool.stream.carry = pool.stream.carry.checked_add(slot.owed).ok_or(VetmaiError::MathOverflow)?;
            forfeited[k] = slot.owed;
            slot.owed = 0;
        }
        owed[k] = slot.owed;
        require!(pool.is_settled_through_end(p), VetmaiError::RewardsNotSettled);
    }
    ledger.remove_score(p)?;
    ledger.change_locked(p.amount, false)?;
    let amount = p.amount;
    p.amount = 0;
    p.score = 0;
    let close = owed.iter().all(|o| *o == 0);
    if close {
        let s = &mut *ledger.staker;
        s.open_positions = s.open_positions.checked_sub(1).ok_or(VetmaiError::MathOverflow)?;
        let t = &mut ledger.config.totals;
        t.open_positions = t.open_positions.checked_sub(1).ok_or(VetmaiError::MathOverflow)?;
    }
    pools.exit()?;
    token::pay_out(&a.token_program, &a.tmai_mint, &a.vault, &a.owner_token, &a.config, amount)?;
    emit!(LockExited { owner: a.position.owner, position: a.position.key(), amount, owed, forfeited });
    if close {
        a.position.close(a.owner.to_account_info())?;
    }
    Ok(())
}
