use anchor_lang::prelude::*;

use crate::error::VetmaiError;
use crate::events::ProposalStateChanged;
use crate::instructions::locks;
use crate::state::{Dao, Proposal, ProposalAction, ProposalState};

#[derive(Accounts)]
pub struct FinalizeProposal<'info> {
    #[account(mut, seeds = [Proposal::SEED, &proposal.id.to_le_bytes()], bump = proposal.bump)]
    pub proposal: Box<Account<'info, Proposal>>,
}

/// Permissionless, after the voting end: records Passed or Defeated.
pub fn handle_finalize_proposal(ctx: Context<FinalizeProposal>) -> Result<()> {
    let (now, _) = locks::now()?;
    let p = &mut ctx.accounts.proposal;
    require!(p.state == ProposalState::Voting, VetmaiError::WrongProposalState);
    require!(now >= p.voting_ends_at, VetmaiError::VotingNotEnded);
    let passed = p.outcome_passes().ok_or(VetmaiError::MathOverflow)?;
    p.state = if passed { ProposalState::Passed } else { ProposalState::Defeated };
    emit!(ProposalStateChanged { proposal: p.key(), state: p.state });
    Ok(())
}

#[derive(Accounts)]
pub struct CancelProposal<'info> {
    pub proposer: Signer<'info>,
    #[account(
        mut, seeds = [Proposal::SEED, &proposal.id.to_le_bytes()], bump = proposal.bump,
        constraint = proposal.proposer == proposer.key() @ VetmaiError::CannotCancel,
    )]
    pub proposal: Box<Account<'info, Proposal>>,
}

/// The proposer withdraws a proposal nobody has ever voted on (a vote later changed or withdrawn
/// still counts as cast: voters acted on the proposal as it stands).
pub fn handle_cancel_proposal(ctx: Context<CancelProposal>) -> Result<()> {
    let (now, _) = locks::now()?;
    let p = &mut ctx.accounts.proposal;
    require!(
        p.state == ProposalState::Voting && now < p.voting_ends_at && p.voters == 0 && !p.ever_voted,
        VetmaiError::CannotCancel
    );
    p.state = ProposalState::Cancelled;
    emit!(ProposalStateChanged { proposal: p.key(), state: p.state });
    Ok(())
}

#[derive(Accounts)]
pub struct VetoProposal<'info> {
    pub guardian: Signer<'info>,
    #[account(
        seeds = [Dao::SEED], bump = dao.bump,
        constraint = dao.guardian == guardian.key() && dao.guardian != Pubkey::default() @ VetmaiError::CannotVeto,
    )]
    pub dao: Box<Account<'info, Dao>>,
    #[account(mut, seeds = [Proposal::SEED, &proposal.id.to_le_bytes()], bump = proposal.bump)]
    pub proposal: Box<Account<'info, Proposal>>,
}

/// The guardian stops a passed proposal during its timelock. A proposal that replaces the
/// guardian is out of its reach: the guardian answers to the DAO, not the other way round.
pub fn handle_veto_proposal(ctx: Context<VetoProposal>) -> Result<()> {
    let (now, _) = locks::now()?;
    let p = &mut ctx.accounts.proposal;
    require!(p.state == ProposalState::Passed, VetmaiError::WrongProposalState);
    require!(now < p.executable_at()?, VetmaiError::CannotVeto);
    require!(!matches!(p.action, ProposalAction::SetGuardian { .. }), VetmaiError::CannotVetoGuardianChange);
    p.state = ProposalState::Vetoed;
    emit!(ProposalStateChanged { proposal: p.key(), state: p.state });
    Ok(())
}
