//! Rent back for finished sale accounts.
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{close_account, CloseAccount, Mint, TokenAccount, TokenInterface};

use crate::error::VetmaiError;
use crate::events::AccountClosed;
use crate::instructions::{locks, token};
use crate::state::{Commitment, SaleRound};

#[derive(Accounts)]
pub struct CloseCommitment<'info> {
    /// The committer, who paid the rent and gets it back.
    #[account(mut)]
    pub wallet: Signer<'info>,
    #[account(
        mut, close = wallet, has_one = wallet @ VetmaiError::WrongRentReceiver,
        seeds = [Commitment::SEED, commitment.round.as_ref(), wallet.key().as_ref()], bump = commitment.bump,
        constraint = commitment.settled @ VetmaiError::NotFinished,
    )]
    pub commitment: Box<Account<'info, Commitment>>,
}

/// Closes a settled commitment (its allocation and refund are final).
pub fn handle_close_commitment(ctx: Context<CloseCommitment>) -> Result<()> {
    emit!(AccountClosed { account: ctx.accounts.commitment.key(), rent_to: ctx.accounts.wallet.key() });
    Ok(())
}

#[derive(Accounts)]
pub struct CloseRound<'info> {
    /// The round's authority, who paid the rent and gets it back.
    #[account(mut)]
    pub authority: Signer<'info>,
    #[account(
        mut, close = authority, has_one = authority @ VetmaiError::Unauthorized,
        seeds = [SaleRound::SEED, &round.id.to_le_bytes()], bump = round.bump,
    )]
    pub round: Box<Account<'info, SaleRound>>,
    #[account(address = round.payment_mint @ VetmaiError::WrongMint)]
    pub payment_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut, address = round.vault @ VetmaiError::WrongVault)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Receives whatever was sent to the vault beyond the commitments (donations).
    #[account(mut, token::mint = payment_mint, token::token_program = token_program)]
    pub destination: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(address = round.token_program @ VetmaiError::WrongTokenProgram)]
    pub token_program: Interface<'info, TokenInterface>,
}

/// Closes a finished round and its vault: after the end, once every commitment is settled and
/// the proceeds are withdrawn. Anything left in the vault was sent to it outside the round and
/// goes to `destination`.
pub fn handle_close_round(ctx: Context<CloseRound>) -> Result<()> {
    let (now, _) = locks::now()?;
    let a = ctx.accounts;
    let r = &a.round;
    let settled = r.total_allocated.checked_add(r.total_refunded).ok_or(VetmaiError::MathOverflow)?;
    require!(
        now >= r.end && settled == r.total_committed && r.proceeds_withdrawn == r.proceeds(),
        VetmaiError::NotFinished
    );
    if a.vault.amount > 0 {
        token::escrow_out(&a.token_program, &a.payment_mint, &a.vault, &a.destination, &a.round, a.vault.amount)?;
    }
    let id = a.round.id.to_le_bytes();
    let bump = [a.round.bump];
    let seeds: &[&[u8]] = &[SaleRound::SEED, &id, &bump];
    let accounts = CloseAccount {
        account: a.vault.to_account_info(),
        destination: a.authority.to_account_info(),
        authority: a.round.to_account_info(),
    };
    close_account(CpiContext::new_with_signer(a.token_program.key(), accounts, &[seeds]))?;
    emit!(AccountClosed { account: a.vault.key(), rent_to: a.authority.key() });
    emit!(AccountClosed { account: a.round.key(), rent_to: a.authority.key() });
    Ok(())
}
