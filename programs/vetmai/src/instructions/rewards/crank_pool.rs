use anchor_lang::prelude::*;

use crate::error::VetmaiError;
use crate::instructions::locks;
use crate::state::{Config, RewardHistory, RewardPool};

#[derive(Accounts)]
pub struct CrankPool<'info> {
    #[account(seeds = [Config::SEED], bump = config.bump)]
    pub config: Box<Account<'info, Config>>,
    #[account(mut, seeds = [RewardPool::SEED, pool.mint.as_ref()], bump = pool.bump)]
    pub pool: Box<Account<'info, RewardPool>>,
    /// History chunk holding the boundaries to record.
    #[account(mut, constraint = history.load()?.pool == pool.key() @ VetmaiError::WrongHistoryChunk)]
    pub history: AccountLoader<'info, RewardHistory>,
    /// The following chunk, when the boundaries to record straddle two chunks.
    #[account(mut)]
    pub history_next: Option<AccountLoader<'info, RewardHistory>>,
}

/// Permissionless: brings a pool forward to now, recording the accumulator at every epoch
/// boundary where score ended (at most 63 per call; a longer gap has nothing left to record), and
/// re-streams rewards carried over a period without score.
pub fn handle_crank_pool(ctx: Context<CrankPool>) -> Result<()> {
    let (now, _) = locks::now()?;
    let pool_key = ctx.accounts.pool.key();
    let mut first = ctx.accounts.history.load_mut()?;
    let mut next = match &ctx.accounts.history_next {
        Some(h) => {
            let h = h.load_mut()?;
            require_keys_eq!(h.pool, pool_key, VetmaiError::WrongHistoryChunk);
            Some(h)
        }
        None => None,
    };
    let mut chunks: Vec<&mut RewardHistory> = vec![&mut *first];
    if let Some(n) = next.as_mut() {
        chunks.push(&mut **n);
    }
    let pool = &mut ctx.accounts.pool;
    pool.advance(now, &mut chunks)?;
    pool.restream_carry(now, ctx.accounts.config.params.distribution_period)
}
