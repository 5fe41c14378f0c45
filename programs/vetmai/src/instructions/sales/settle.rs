use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::error::VetmaiError;
use crate::events::{CommitmentSettled, ProceedsWithdrawn};
use crate::instructions::{locks, token};
use crate::state::{Commitment, SaleRound};

#[derive(Accounts)]
pub struct SettleCommitment<'info> {
    #[account(mut, seeds = [SaleRound::SEED, &round.id.to_le_bytes()], bump = round.bump)]
    pub round: Box<Account<'info, SaleRound>>,
    #[account(
        mut,
        seeds = [Commitment::SEED, round.key().as_ref(), commitment.wallet.as_ref()], bump = commitment.bump,
    )]
    pub commitment: Box<Account<'info, Commitment>>,
    #[account(address = round.payment_mint @ VetmaiError::WrongMint)]
    pub payment_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut, address = round.vault @ VetmaiError::WrongVault)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The committer's token account for the refund.
    #[account(mut, token::mint = payment_mint, token::authority = commitment.wallet, token::token_program = token_program)]
    pub refund_to: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(address = round.token_program @ VetmaiError::WrongTokenProgram)]
    pub token_program: Interface<'info, TokenInterface>,
}

/// Permissionless, after the round ends: fixes a commitment's pro-rata allocation and refunds the
/// rest. Allocations over all commitments sum to exactly `min(total committed, cap)`.
pub fn handle_settle_commitment(mut ctx: Context<SettleCommitment>) -> Result<()> {
    let (now, _) = locks::now()?;
    let a = &mut ctx.accounts;
    require!(now >= a.round.end, VetmaiError::RoundNotEnded);
    require!(!a.commitment.settled, VetmaiError::AlreadySettled);
    let allocation = a.commitment.allocation_in(&a.round)?;
    let refund = a.commitment.amount.checked_sub(allocation).ok_or(VetmaiError::MathOverflow)?;
    let c = &mut a.commitment;
    c.settled = true;
    c.allocation = allocation;
    c.refund = refund;
    let r = &mut a.round;
    r.total_allocated = r.total_allocated.checked_add(allocation).ok_or(VetmaiError::MathOverflow)?;
    r.total_refunded = r.total_refunded.checked_add(refund).ok_or(VetmaiError::MathOverflow)?;
    if refund > 0 {
        token::escrow_out(&a.token_program, &a.payment_mint, &a.vault, &a.refund_to, &a.round, refund)?;
    }
    emit!(CommitmentSettled { round: a.round.key(), wallet: a.commitment.wallet, allocation, refund });
    Ok(())
}

#[derive(Accounts)]
pub struct WithdrawProceeds<'info> {
    pub authority: Signer<'info>,
    #[account(
        mut, seeds = [SaleRound::SEED, &round.id.to_le_bytes()], bump = round.bump,
        has_one = authority @ VetmaiError::Unauthorized,
    )]
    pub round: Box<Account<'info, SaleRound>>,
    #[account(address = round.payment_mint @ VetmaiError::WrongMint)]
    pub payment_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut, address = round.vault @ VetmaiError::WrongVault)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, token::mint = payment_mint, token::token_program = token_program)]
    pub destination: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(address = round.token_program @ VetmaiError::WrongTokenProgram)]
    pub token_program: Interface<'info, TokenInterface>,
}

/// The round's authority takes the proceeds (`min(total committed, cap)`) after the end. Refunds
/// stay in the vault for `settle_commitment`.
pub fn handle_withdraw_proceeds(mut ctx: Context<WithdrawProceeds>) -> Result<()> {
    let (now, _) = locks::now()?;
    let a = &mut ctx.accounts;
    require!(now >= a.round.end, VetmaiError::RoundNotEnded);
    let amount = a.round.proceeds().checked_sub(a.round.proceeds_withdrawn).ok_or(VetmaiError::MathOverflow)?;
    require!(amount > 0, VetmaiError::ZeroAmount);
    a.round.proceeds_withdrawn = a.round.proceeds();
    token::escrow_out(&a.token_program, &a.payment_mint, &a.vault, &a.destination, &a.round, amount)?;
    emit!(ProceedsWithdrawn { round: a.round.key(), destination: a.destination.key(), amount });
    Ok(())
}
