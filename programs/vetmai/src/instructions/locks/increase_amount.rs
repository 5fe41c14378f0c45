use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::{Ledger, Pools};
use crate::error::VetmaiError;
use crate::events::LockChanged;
use crate::instructions::token;
use crate::state::{Config, Position, Staker};

#[derive(Accounts)]
pub struct IncreaseAmount<'info> {
    pub owner: Signer<'info>,
    #[account(mut, seeds = [Config::SEED], bump = config.bump)]
    pub config: Box<Account<'info, Config>>,
    #[account(address = config.tmai_mint @ VetmaiError::WrongMint)]
    pub tmai_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut, address = config.vault @ VetmaiError::WrongVault)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, token::mint = tmai_mint, token::authority = owner, token::token_program = token_program)]
    pub owner_token: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, seeds = [Staker::SEED, owner.key().as_ref()], bump = staker.bump)]
    pub staker: Box<Account<'info, Staker>>,
    #[account(
        mut, has_one = owner @ VetmaiError::NotPositionOwner,
        seeds = [Position::SEED, position.owner.as_ref(), &position.index.to_le_bytes()], bump = position.bump,
    )]
    pub position: Box<Account<'info, Position>>,
    #[account(address = config.token_program @ VetmaiError::WrongTokenProgram)]
    pub token_program: Interface<'info, TokenInterface>,
}

/// Adds `amount` to a still-locked position. The added part scores at the multiplier of the
/// remaining duration; the rest of the score is unchanged.
/// Remaining accounts: every registered reward pool, writable, in registration order.
pub fn handle_increase_amount<'info>(mut ctx: Context<'info, IncreaseAmount<'info>>, amount: u64) -> Result<()> {
    let a = &mut ctx.accounts;
    let mut pools = Pools::load(&a.config, ctx.remaining_accounts)?;
    let mut ledger = Ledger::open(&mut a.config, &mut a.staker, &mut pools)?;
    let now = ledger.now;
    let p = &mut a.position;
    ledger.increase(p, amount)?;
    pools.exit()?;
    token::deposit(&a.token_program, &a.tmai_mint, &a.owner_token, &a.vault, &a.owner, amount)?;
    emit!(LockChanged::of(p, a.staker.ve_at(now).unwrap_or_default()));
    Ok(())
}
