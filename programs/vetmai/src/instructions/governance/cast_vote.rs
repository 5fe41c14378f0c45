use anchor_lang::prelude::*;

use crate::error::VetmaiError;
use crate::events::VoteChanged;
use crate::instructions::locks;
use crate::state::{Proposal, ProposalState, Staker, VoteChoice, VoteRecord};

#[derive(Accounts)]
pub struct CastVote<'info> {
    #[account(mut)]
    pub voter: Signer<'info>,
    #[account(mut, seeds = [Proposal::SEED, &proposal.id.to_le_bytes()], bump = proposal.bump)]
    pub proposal: Box<Account<'info, Proposal>>,
    #[account(seeds = [Staker::SEED, voter.key().as_ref()], bump = staker.bump)]
    pub staker: Box<Account<'info, Staker>>,
    #[account(
        init, payer = voter, space = VoteRecord::SPACE,
        seeds = [VoteRecord::SEED, proposal.key().as_ref(), voter.key().as_ref()], bump,
    )]
    pub vote: Box<Account<'info, VoteRecord>>,
    pub system_program: Program<'info, System>,
}

#[derive(Accounts)]
pub struct ChangeVote<'info> {
    #[account(mut)]
    pub voter: Signer<'info>,
    #[account(mut, seeds = [Proposal::SEED, &proposal.id.to_le_bytes()], bump = proposal.bump)]
    pub proposal: Box<Account<'info, Proposal>>,
    #[account(seeds = [Staker::SEED, voter.key().as_ref()], bump = staker.bump)]
    pub staker: Box<Account<'info, Staker>>,
    #[account(
        mut, has_one = voter @ VetmaiError::Unauthorized, has_one = proposal @ VetmaiError::Unauthorized,
        seeds = [VoteRecord::SEED, proposal.key().as_ref(), voter.key().as_ref()], bump = vote.bump,
    )]
    pub vote: Box<Account<'info, VoteRecord>>,
}

/// Voting is open: state Voting and before the end.
fn open_at(p: &Proposal, now: i64) -> Result<()> {
    require!(p.state == ProposalState::Voting && now < p.voting_ends_at, VetmaiError::VotingClosed);
    Ok(())
}

/// The voter's weight: veTMAI guaranteed through the voting end. Tokens counted here stay locked
/// until the vote ends, so they cannot be moved to another wallet and counted again.
fn weight(staker: &Staker, p: &Proposal, now: i64) -> Result<u128> {
    let w = staker.guaranteed(now, p.voting_ends_at).ok_or(VetmaiError::MathOverflow)?;
    require!(w > 0, VetmaiError::NoVotingWeight);
    Ok(w)
}

/// Casts the wallet's one vote on a proposal.
pub fn handle_cast_vote(ctx: Context<CastVote>, choice: VoteChoice) -> Result<()> {
    let (now, _) = locks::now()?;
    let p = &mut ctx.accounts.proposal;
    open_at(p, now)?;
    let w = weight(&ctx.accounts.staker, p, now)?;
    p.tally(choice, w, true)?;
    p.voters = p.voters.checked_add(1).ok_or(VetmaiError::MathOverflow)?;
    p.ever_voted = true;
    let v = &mut ctx.accounts.vote;
    v.proposal = p.key();
    v.voter = ctx.accounts.voter.key();
    v.bump = ctx.bumps.vote;
    v.choice = choice;
    v.weight = w;
    v.updated_at = now;
    emit!(VoteChanged { proposal: p.key(), voter: v.voter, choice: Some(choice), weight: w });
    Ok(())
}

/// Changes a vote until the end (TM); the weight is recomputed from the wallet's locks now.
pub fn handle_change_vote(ctx: Context<ChangeVote>, choice: VoteChoice) -> Result<()> {
    let (now, _) = locks::now()?;
    let p = &mut ctx.accounts.proposal;
    open_at(p, now)?;
    let v = &mut ctx.accounts.vote;
    p.tally(v.choice, v.weight, false)?;
    let w = weight(&ctx.accounts.staker, p, now)?;
    p.tally(choice, w, true)?;
    v.choice = choice;
    v.weight = w;
    v.updated_at = now;
    emit!(VoteChanged { proposal: p.key(), voter: v.voter, choice: Some(choice), weight: w });
    Ok(())
}

#[derive(Accounts)]
pub struct WithdrawVote<'info> {
    #[account(mut)]
    pub voter: Signer<'info>,
    #[account(mut, seeds = [Proposal::SEED, &proposal.id.to_le_bytes()], bump = proposal.bump)]
    pub proposal: Box<Account<'info, Proposal>>,
    #[account(
        mut, close = voter, has_one = voter @ VetmaiError::Unauthorized, has_one = proposal @ VetmaiError::Unauthorized,
        seeds = [VoteRecord::SEED, proposal.key().as_ref(), voter.key().as_ref()], bump = vote.bump,
    )]
    pub vote: Box<Account<'info, VoteRecord>>,
}

/// Takes a vote back until the end; the record closes (rent back).
pub fn handle_withdraw_vote(ctx: Context<WithdrawVote>) -> Result<()> {
    let (now, _) = locks::now()?;
    let p = &mut ctx.accounts.proposal;
    open_at(p, now)?;
    let v = &ctx.accounts.vote;
    p.tally(v.choice, v.weight, false)?;
    p.voters = p.voters.checked_sub(1).ok_or(VetmaiError::MathOverflow)?;
    emit!(VoteChanged { proposal: p.key(), voter: v.voter, choice: None, weight: 0 });
    Ok(())
}
