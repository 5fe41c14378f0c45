use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::error::VetmaiError;
use crate::events::RevenueDeposited;
use crate::instructions::{locks, token};
use crate::state::{Config, RewardPool};

#[derive(Accounts)]
pub struct DepositRevenue<'info> {
    /// The revenue authority (the DAO, or an authority it set).
    pub authority: Signer<'info>,
    #[account(
        seeds = [Config::SEED], bump = config.bump,
        constraint = config.revenue_authority == authority.key() @ VetmaiError::Unauthorized,
    )]
    pub config: Box<Account<'info, Config>>,
    #[account(mut, seeds = [RewardPool::SEED, pool.mint.as_ref()], bump = pool.bump)]
    pub pool: Box<Account<'info, RewardPool>>,
    #[account(address = pool.mint @ VetmaiError::WrongMint)]
    pub reward_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut, address = pool.vault @ VetmaiError::WrongVault)]
    pub reward_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, token::mint = reward_mint, token::authority = authority, token::token_program = token_program)]
    pub source: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(address = pool.token_program @ VetmaiError::WrongTokenProgram)]
    pub token_program: Interface<'info, TokenInterface>,
}

/// Adds revenue to a pool: `amount`, with what was carried over a period without score, streams
/// linearly from now to the first epoch boundary at least `distribution_period` later. Earlier
/// deposits keep streaming on their own schedules.
pub fn handle_deposit_revenue(ctx: Context<DepositRevenue>, amount: u64) -> Result<()> {
    require!(amount > 0, VetmaiError::ZeroAmount);
    let (now, _) = locks::now()?;
    let pool = &mut ctx.accounts.pool;
    require!(!pool.retired, VetmaiError::PoolRetired);
    pool.advance(now, &mut [])?;
    let period = ctx.accounts.config.params.distribution_period;
    pool.add_revenue(now, amount, period)?;
    let stream_end = vetmai_math::rewards::stream_end(now, period).ok_or(VetmaiError::MathOverflow)?;
    let a = &ctx.accounts;
    token::deposit(&a.token_program, &a.reward_mint, &a.source, &a.reward_vault, &a.authority, amount)?;
    emit!(RevenueDeposited { pool: a.pool.key(), amount, stream_end });
    Ok(())
}
