use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::{remaining, Ledger};
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
pub fn handle_increase_amount(mut ctx: Context<IncreaseAmount>, amount: u64) -> Result<()> {
    require!(amount > 0, VetmaiError::ZeroAmount);
    let a = &mut ctx.accounts;
    let mut ledger = Ledger::open(&mut a.config, &mut a.staker)?;
    let now = ledger.now;
    let p = &mut a.position;
    require!(p.is_locked(now), VetmaiError::LockExpired);
    let added = ledger.config.params.score(amount, remaining(p, now)?)?;
    ledger.remove_score(p)?;
    p.amount = p.amount.checked_add(amount).ok_or(VetmaiError::MathOverflow)?;
    p.score = p.score.checked_add(added).ok_or(VetmaiError::MathOverflow)?;
    ledger.add_score(p)?;
    ledger.change_locked(amount, true)?;
    token::deposit(&a.token_program, &a.tmai_mint, &a.owner_token, &a.vault, &a.owner, amount)?;
    emit!(LockChanged::of(p, a.staker.ve_at(now).unwrap_or_default()));
    Ok(())
}
