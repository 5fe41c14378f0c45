use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::{Ledger, Pools};
use crate::error::VetmaiError;
use crate::events::LockWithdrawn;
use crate::instructions::token;
use crate::state::{Config, LockKind, Position, Staker};

#[derive(Accounts)]
pub struct Withdraw<'info> {
    /// Position owner; receives the tokens and the position's rent.
    #[account(mut)]
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
        mut, close = owner, has_one = owner @ VetmaiError::NotPositionOwner,
        seeds = [Position::SEED, position.owner.as_ref(), &position.index.to_le_bytes()], bump = position.bump,
    )]
    pub position: Box<Account<'info, Position>>,
    #[account(address = config.token_program @ VetmaiError::WrongTokenProgram)]
    pub token_program: Interface<'info, TokenInterface>,
}

/// Returns an ended position's tokens to its owner and closes it (rent back to the owner).
/// Its rewards must have been claimed in every pool (`claim_rewards` in the same transaction does
/// it): nothing owed is ever closed away.
///
/// Remaining accounts: every registered reward pool, writable, in registration order.
pub fn handle_withdraw<'info>(mut ctx: Context<'info, Withdraw<'info>>) -> Result<()> {
    let a = &mut ctx.accounts;
    let mut pools = Pools::load(&a.config, ctx.remaining_accounts)?;
    let mut ledger = Ledger::open(&mut a.config, &mut a.staker, &mut pools)?;
    let p = &a.position;
    require!(p.kind == LockKind::Fixed, VetmaiError::ConstantNotUnlocking);
    require!(p.end <= ledger.now, VetmaiError::LockNotExpired);
    for pool in &ledger.pools.0 {
        require!(pool.is_cleared(p), VetmaiError::RewardsNotSettled);
    }
    ledger.remove_score(p)?;
    ledger.change_locked(p.amount, false)?;
    let s = &mut *ledger.staker;
    s.open_positions = s.open_positions.checked_sub(1).ok_or(VetmaiError::MathOverflow)?;
    let t = &mut ledger.config.totals;
    t.open_positions = t.open_positions.checked_sub(1).ok_or(VetmaiError::MathOverflow)?;
    let amount = p.amount;
    pools.exit()?;
    token::pay_out(&a.token_program, &a.tmai_mint, &a.vault, &a.owner_token, &a.config, amount)?;
    emit!(LockWithdrawn { owner: p.owner, position: p.key(), amount });
    Ok(())
}
