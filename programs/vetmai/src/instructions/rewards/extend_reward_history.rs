use anchor_lang::prelude::*;

use crate::constants::HISTORY_LEN;
use crate::error::VetmaiError;
use crate::state::{RewardHistory, RewardPool};

#[derive(Accounts)]
pub struct ExtendRewardHistory<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    #[account(mut, seeds = [RewardPool::SEED, pool.mint.as_ref()], bump = pool.bump)]
    pub pool: Box<Account<'info, RewardPool>>,
    #[account(
        init, payer = payer, space = RewardHistory::SPACE,
        seeds = [RewardHistory::SEED, pool.key().as_ref(), &pool.history_chunks.to_le_bytes()], bump,
    )]
    pub history: AccountLoader<'info, RewardHistory>,
    pub system_program: Program<'info, System>,
}

/// Permissionless: creates a pool's next history chunk (512 epochs ≈ 9.8 years). Needed before the
/// pool can record boundaries past the last chunk; anyone may create it ahead of time.
pub fn handle_extend_reward_history(ctx: Context<ExtendRewardHistory>) -> Result<()> {
    let pool = &mut ctx.accounts.pool;
    let chunk = pool.history_chunks;
    let mut h = ctx.accounts.history.load_init()?;
    h.pool = pool.key();
    h.chunk = chunk;
    h.start_epoch = chunk
        .checked_mul(HISTORY_LEN as u64)
        .and_then(|o| o.checked_add(pool.history_start_epoch))
        .ok_or(VetmaiError::MathOverflow)?;
    pool.history_chunks = chunk.checked_add(1).ok_or(VetmaiError::MathOverflow)?;
    Ok(())
}
