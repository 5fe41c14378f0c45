use anchor_lang::prelude::*;

use crate::error::VetmaiError;
use crate::state::{Config, Staker};

#[derive(Accounts)]
pub struct CloseStaker<'info> {
    /// Wallet closing its aggregate; receives the rent.
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut, seeds = [Config::SEED], bump = config.bump)]
    pub config: Box<Account<'info, Config>>,
    #[account(
        mut, close = owner, seeds = [Staker::SEED, owner.key().as_ref()], bump = staker.bump,
        constraint = staker.open_positions == 0 @ VetmaiError::StakerNotEmpty,
    )]
    pub staker: Box<Account<'info, Staker>>,
}

/// Closes a wallet's aggregate once it has no open positions. Its position indices restart at 0
/// if it locks again (every earlier position account was closed, so no address is reused live).
/// Not in a month it created proposals in: re-creating it would reset the monthly limit.
pub fn handle_close_staker(ctx: Context<CloseStaker>) -> Result<()> {
    let (now, _) = super::now()?;
    let month = vetmai_math::time::month_index(now).ok_or(VetmaiError::InvalidClock)?;
    let s = &ctx.accounts.staker;
    require!(s.proposals_in_month == 0 || s.proposal_month != month, VetmaiError::StakerHasRecentProposals);
    let t = &mut ctx.accounts.config.totals;
    t.stakers = t.stakers.checked_sub(1).ok_or(VetmaiError::MathOverflow)?;
    Ok(())
}
