use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::MAX_REWARD_POOLS;
use crate::error::VetmaiError;
use crate::events::RewardPoolChanged;
use crate::instructions::{locks, token};
use crate::state::{Config, RewardHistory, RewardPool, RewardStream};

#[derive(Accounts)]
pub struct CreateRewardPool<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(mut, seeds = [Config::SEED], bump = config.bump, has_one = admin @ VetmaiError::Unauthorized)]
    pub config: Box<Account<'info, Config>>,
    #[account(mint::token_program = token_program)]
    pub reward_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(init, payer = admin, space = RewardPool::SPACE, seeds = [RewardPool::SEED, reward_mint.key().as_ref()], bump)]
    pub pool: Box<Account<'info, RewardPool>>,
    /// The pool's token account; its authority is the config PDA.
    #[account(
        init, payer = admin,
        seeds = [RewardPool::VAULT_SEED, pool.key().as_ref()], bump,
        token::mint = reward_mint, token::authority = config, token::token_program = token_program,
    )]
    pub reward_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// History chunk 0.
    #[account(
        init, payer = admin, space = RewardHistory::SPACE,
        seeds = [RewardHistory::SEED, pool.key().as_ref(), &0u64.to_le_bytes()], bump,
    )]
    pub history: AccountLoader<'info, RewardHistory>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

/// Registers a reward pool for one mint (admin; once governance holds the admin rights, a passed
/// `CreateRewardPool` proposal through `execute_create_reward_pool`). The pool starts with the
/// program-wide score as it stands, so every open position shares from now on.
pub fn handle_create_reward_pool(ctx: Context<CreateRewardPool>) -> Result<()> {
    let a = ctx.accounts;
    let bumps = (ctx.bumps.pool, ctx.bumps.reward_vault);
    register_pool(&mut a.config, &mut a.pool, &a.reward_mint, &a.reward_vault, &a.history, &a.token_program, bumps)
}

/// Fills a new pool, its history chunk 0 and the config's pool list.
pub fn register_pool<'info>(
    config: &mut Account<'info, Config>,
    pool: &mut Account<'info, RewardPool>,
    reward_mint: &InterfaceAccount<'info, Mint>,
    reward_vault: &InterfaceAccount<'info, TokenAccount>,
    history: &AccountLoader<'info, RewardHistory>,
    token_program: &Interface<'info, TokenInterface>,
    (pool_bump, vault_bump): (u8, u8),
) -> Result<()> {
    token::check_mint_extensions(&reward_mint.to_account_info())?;
    let (now, epoch) = locks::now()?;
    let index = usize::from(config.reward_pool_count);
    require!(index < MAX_REWARD_POOLS, VetmaiError::TooManyRewardPools);
    config.totals.score.fixed.advance(epoch)?;

    pool.mint = reward_mint.key();
    pool.token_program = token_program.key();
    pool.vault = reward_vault.key();
    pool.index = config.reward_pool_count;
    pool.bump = pool_bump;
    pool.vault_bump = vault_bump;
    pool.stream = RewardStream { last_update: now, end: now, ..RewardStream::default() };
    pool.rate_ends = [0; vetmai_math::RING_LEN];
    pool.total_deposited = 0;
    pool.total_claimed = 0;
    pool.history_start_epoch = epoch;
    pool.history_chunks = 1;
    pool.score = config.totals.score;
    pool.retired = false;
    pool.reserved = [0; 127];

    let mut h = history.load_init()?;
    h.pool = pool.key();
    h.chunk = 0;
    h.start_epoch = epoch;

    config.reward_pools[index] = pool.key();
    config.reward_pool_count = config.reward_pool_count.checked_add(1).ok_or(VetmaiError::MathOverflow)?;
    emit!(RewardPoolChanged { pool: pool.key(), mint: pool.mint, index: pool.index, retired: false });
    Ok(())
}
