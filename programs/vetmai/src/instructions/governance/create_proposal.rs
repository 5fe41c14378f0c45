use anchor_lang::prelude::*;

use crate::constants::{MAX_TITLE_LEN, MAX_URL_LEN};
use crate::error::VetmaiError;
use crate::events::ProposalCreated;
use crate::instructions::locks;
use crate::state::{Config, Dao, Proposal, ProposalAction, ProposalState, Staker};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct CreateProposalArgs {
    pub title: String,
    pub description_url: String,
    pub content_hash: [u8; 32],
    pub action: ProposalAction,
}

#[derive(Accounts)]
pub struct CreateProposal<'info> {
    #[account(mut)]
    pub proposer: Signer<'info>,
    #[account(seeds = [Config::SEED], bump = config.bump)]
    pub config: Box<Account<'info, Config>>,
    #[account(mut, seeds = [Dao::SEED], bump = dao.bump)]
    pub dao: Box<Account<'info, Dao>>,
    #[account(mut, seeds = [Staker::SEED, proposer.key().as_ref()], bump = staker.bump)]
    pub staker: Box<Account<'info, Staker>>,
    #[account(
        init, payer = proposer, space = Proposal::SPACE,
        seeds = [Proposal::SEED, &dao.proposal_count.to_le_bytes()], bump,
    )]
    pub proposal: Box<Account<'info, Proposal>>,
    pub system_program: Program<'info, System>,
}

/// Opens a proposal for voting (SPEC §5): level ≥ 1, within the monthly limit of the proposer's
/// level (calendar month, UTC). Parameters in force now (quorum, margin, timelock, window) are
/// snapshotted into the proposal.
pub fn handle_create_proposal(ctx: Context<CreateProposal>, args: CreateProposalArgs) -> Result<()> {
    require!(args.title.len() <= MAX_TITLE_LEN && args.description_url.len() <= MAX_URL_LEN, VetmaiError::TextTooLong);
    let (now, _) = locks::now()?;
    let config = &ctx.accounts.config;
    let params = &config.params;
    match &args.action {
        ProposalAction::UpdateParams(update) => update.apply_to(params).validate()?,
        ProposalAction::FundRewards { amount, .. } | ProposalAction::TransferTreasury { amount, .. } => {
            require!(*amount > 0, VetmaiError::ZeroAmount)
        }
        _ => {}
    }

    let staker = &mut ctx.accounts.staker;
    let ve = staker.ve_at(now).ok_or(VetmaiError::MathOverflow)?;
    let level = vetmai_math::level(ve, &params.level_thresholds);
    require!(level >= 1, VetmaiError::LevelTooLow);
    let month = vetmai_math::time::month_index(now).ok_or(VetmaiError::InvalidClock)?;
    if staker.proposal_month != month {
        staker.proposal_month = month;
        staker.proposals_in_month = 0;
    }
    let limit = params.proposals_per_month.get(usize::from(level)).copied().unwrap_or(0);
    require!(staker.proposals_in_month < limit, VetmaiError::ProposalLimitReached);
    staker.proposals_in_month = staker.proposals_in_month.checked_add(1).ok_or(VetmaiError::MathOverflow)?;

    let secs = |v: u64| i64::try_from(v).map_err(|_| error!(VetmaiError::MathOverflow));
    let dao = &mut ctx.accounts.dao;
    let p = &mut ctx.accounts.proposal;
    p.id = dao.proposal_count;
    p.proposer = ctx.accounts.proposer.key();
    p.bump = ctx.bumps.proposal;
    p.title = args.title;
    p.description_url = args.description_url;
    p.content_hash = args.content_hash;
    p.action = args.action;
    p.state = ProposalState::Voting;
    p.created_at = now;
    p.voting_ends_at = now.checked_add(secs(params.voting_period)?).ok_or(VetmaiError::MathOverflow)?;
    p.total_ve_at_creation = config.totals.ve_at(now).ok_or(VetmaiError::MathOverflow)?;
    p.quorum_bps = params.quorum_bps;
    p.approval_margin_bps = params.approval_margin_bps;
    p.timelock = params.timelock;
    p.execution_window = params.execution_window;
    p.yes = 0;
    p.no = 0;
    p.abstain = 0;
    p.voters = 0;
    p.ever_voted = false;
    p.reserved = [0; 31];
    emit!(ProposalCreated { proposal: p.key(), id: p.id, proposer: p.proposer, voting_ends_at: p.voting_ends_at });
    dao.proposal_count = dao.proposal_count.checked_add(1).ok_or(VetmaiError::MathOverflow)?;
    Ok(())
}
