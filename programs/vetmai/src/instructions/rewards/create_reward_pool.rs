use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::MAX_REWARD_POOLS;
use crate::error::VetmaiError;
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

/// Registers a reward pool for one mint (admin; the DAO once it holds the admin rights). The pool
/// starts with the program-wide score as it stands, so every open position shares from now on.
pub fn handle_create_reward_pool(ctx: Context<CreateRewardPool>) -> Result<()> {
    token::check_mint_extensions(&ctx.accounts.reward_mint.to_account_info())?;
    let (now, epoch) = locks::now()?;
    let config = &mut ctx.accounts.config;
    let index = usize::from(config.reward_pool_count);
    require!(index < MAX_REWARD_POOLS, VetmaiError::TooManyRewardPools);
    config.totals.score.fixed.advance(epoch)?;

    let pool = &mut ctx.accounts.pool;
    pool.mint = ctx.accounts.reward_mint.key();
    pool.token_program = ctx.accounts.token_program.key();
    pool.vault = ctx.accounts.reward_vault.key();
    pool.index = config.reward_pool_count;
    pool.bump = ctx.bumps.pool;
    pool.vault_bump = ctx.bumps.reward_vault;
    pool.stream = RewardStream { acc: 0, last_update: now, remaining: 0, end: now, carry: 0 };
    pool.total_deposited = 0;
    pool.total_claimed = 0;
    pool.history_start_epoch = epoch;
    pool.history_chunks = 1;
    pool.score = config.totals.score;
    pool.reserved = [0; 128];

    let mut h = ctx.accounts.history.load_init()?;
    h.pool = pool.key();
    h.chunk = 0;
    h.start_epoch = epoch;

    config.reward_pools[index] = pool.key();
    config.reward_pool_count = config.reward_pool_count.checked_add(1).ok_or(VetmaiError::MathOverflow)?;
    Ok(())
}
