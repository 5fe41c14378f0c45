//! Rent back for finished governance accounts.
use anchor_lang::prelude::*;

use crate::error::VetmaiError;
use crate::events::AccountClosed;
use crate::instructions::locks;
use crate::state::{Proposal, VoteRecord};

#[derive(Accounts)]
pub struct CloseVoteRecord<'info> {
    /// The voter, who paid the record's rent and gets it back.
    #[account(mut)]
    pub voter: Signer<'info>,
    /// The proposal voted on; may already be closed.
    /// CHECK: only its address (pinned to the record's) and, if it still exists, its state are
    /// read, with its discriminator checked, when this program still owns it.
    #[account(address = vote.proposal @ VetmaiError::ActionAccountsMismatch)]
    pub proposal: UncheckedAccount<'info>,
    #[account(
        mut, close = voter, has_one = voter @ VetmaiError::Unauthorized,
        seeds = [VoteRecord::SEED, vote.proposal.as_ref(), voter.key().as_ref()], bump = vote.bump,
    )]
    pub vote: Box<Account<'info, VoteRecord>>,
}

/// Closes a vote record once its proposal's voting has ended (its weight is in the tallies for
/// good; a vote can neither change nor be cast again), or once the proposal itself is closed.
pub fn handle_close_vote_record(ctx: Context<CloseVoteRecord>) -> Result<()> {
    let (now, _) = locks::now()?;
    let info = &ctx.accounts.proposal;
    // The address is this program's proposal PDA, so only this program (live) or nobody
    // (closed; perhaps since topped up with lamports by a stranger) can own it.
    let gone = info.owner != &crate::ID || info.data_is_empty();
    if !gone {
        let p = Proposal::try_deserialize(&mut &info.try_borrow_data()?[..])?;
        require!(p.state != crate::state::ProposalState::Voting || now >= p.voting_ends_at, VetmaiError::NotFinished);
    }
    emit!(AccountClosed { account: ctx.accounts.vote.key(), rent_to: ctx.accounts.voter.key() });
    Ok(())
}

#[derive(Accounts)]
pub struct CloseProposal<'info> {
    /// The proposer, who paid the rent and gets it back.
    #[account(mut)]
    pub proposer: Signer<'info>,
    #[account(
        mut, close = proposer, has_one = proposer @ VetmaiError::WrongRentReceiver,
        seeds = [Proposal::SEED, &proposal.id.to_le_bytes()], bump = proposal.bump,
    )]
    pub proposal: Box<Account<'info, Proposal>>,
}

/// Closes a finished proposal (defeated, cancelled, vetoed, executed, or passed and expired).
pub fn handle_close_proposal(ctx: Context<CloseProposal>) -> Result<()> {
    let (now, _) = locks::now()?;
    require!(ctx.accounts.proposal.is_finished(now)?, VetmaiError::NotFinished);
    emit!(AccountClosed { account: ctx.accounts.proposal.key(), rent_to: ctx.accounts.proposer.key() });
    Ok(())
}
