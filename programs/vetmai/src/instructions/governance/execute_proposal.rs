use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::error::VetmaiError;
use crate::instructions::{locks, token};
use crate::state::{Config, Dao, Proposal, ProposalAction, ProposalState, RewardPool};

#[derive(Accounts)]
pub struct ExecuteProposal<'info> {
    #[account(mut, seeds = [Proposal::SEED, &proposal.id.to_le_bytes()], bump = proposal.bump)]
    pub proposal: Box<Account<'info, Proposal>>,
    #[account(mut, seeds = [Dao::SEED], bump = dao.bump)]
    pub dao: Box<Account<'info, Dao>>,
    #[account(mut, seeds = [Config::SEED], bump = config.bump)]
    pub config: Box<Account<'info, Config>>,
    /// FundRewards / TransferTreasury: the mint moved.
    pub mint: Option<Box<InterfaceAccount<'info, Mint>>>,
    /// FundRewards / TransferTreasury: a treasury token account of the DAO.
    #[account(mut)]
    pub treasury: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    /// FundRewards: the mint's reward pool.
    #[account(mut)]
    pub pool: Option<Box<Account<'info, RewardPool>>>,
    /// FundRewards: the pool's vault. TransferTreasury: the recipient token account.
    #[account(mut)]
    pub destination: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    pub token_program: Option<Interface<'info, TokenInterface>>,
}

/// Permissionless: applies a passed proposal's action after the timelock and before the
/// execution window closes. Token movements are signed by the DAO PDA.
pub fn handle_execute_proposal(ctx: Context<ExecuteProposal>) -> Result<()> {
    let (now, _) = locks::now()?;
    let a = ctx.accounts;
    require!(a.proposal.state == ProposalState::Passed, VetmaiError::WrongProposalState);
    require!(now >= a.proposal.executable_at()?, VetmaiError::TimelockActive);
    require!(now < a.proposal.expires_at()?, VetmaiError::ExecutionWindowClosed);
    let dao_key = a.dao.key();
    let in_charge = a.config.admin == dao_key;
    match a.proposal.action.clone() {
        ProposalAction::Signal => {}
        ProposalAction::UpdateParams(update) => {
            require!(in_charge, VetmaiError::DaoNotInCharge);
            let params = update.apply_to(&a.config.params);
            params.validate()?;
            a.config.params = params;
        }
        ProposalAction::SetRevenueAuthority { authority } => {
            require!(in_charge, VetmaiError::DaoNotInCharge);
            a.config.revenue_authority = authority;
        }
        ProposalAction::SetSaleAuthority { authority } => {
            require!(in_charge, VetmaiError::DaoNotInCharge);
            a.dao.sale_authority = authority;
        }
        ProposalAction::FundRewards { mint, amount } => {
            let (dest_key, tp_key) = {
                let (_, _, dest, tp) = token_accounts(a, mint)?;
                (dest.key(), tp.key())
            };
            let period = a.config.params.distribution_period;
            let pool = a.pool.as_mut().ok_or(VetmaiError::ActionAccountsMismatch)?;
            require!(
                pool.mint == mint && pool.vault == dest_key && pool.token_program == tp_key,
                VetmaiError::ActionAccountsMismatch
            );
            pool.advance(now, &mut [])?;
            pool.add_revenue(now, amount, period)?;
            let (m, treasury, dest, tp) = token_accounts(a, mint)?;
            dao_transfer(&a.dao, tp, m, treasury, dest, amount)?;
        }
        ProposalAction::TransferTreasury { mint, amount, recipient } => {
            let (m, treasury, dest, tp) = token_accounts(a, mint)?;
            require_keys_eq!(dest.key(), recipient, VetmaiError::ActionAccountsMismatch);
            dao_transfer(&a.dao, tp, m, treasury, dest, amount)?;
        }
    }
    a.proposal.state = ProposalState::Executed;
    Ok(())
}

type TokenAccounts<'a, 'info> = (
    &'a InterfaceAccount<'info, Mint>,
    &'a InterfaceAccount<'info, TokenAccount>,
    &'a InterfaceAccount<'info, TokenAccount>,
    &'a Interface<'info, TokenInterface>,
);

/// The mint, treasury, destination and token program of a token-moving action, checked against
/// the action and the DAO.
fn token_accounts<'a, 'info>(a: &'a ExecuteProposal<'info>, mint: Pubkey) -> Result<TokenAccounts<'a, 'info>> {
    let m = a.mint.as_deref().ok_or(VetmaiError::ActionAccountsMismatch)?;
    let treasury = a.treasury.as_deref().ok_or(VetmaiError::ActionAccountsMismatch)?;
    let dest = a.destination.as_deref().ok_or(VetmaiError::ActionAccountsMismatch)?;
    let tp = a.token_program.as_ref().ok_or(VetmaiError::ActionAccountsMismatch)?;
    require!(
        m.key() == mint
            && treasury.mint == mint
            && dest.mint == mint
            && treasury.owner == a.dao.key()
            && *m.to_account_info().owner == tp.key(),
        VetmaiError::ActionAccountsMismatch
    );
    Ok((m, treasury, dest, tp))
}

fn dao_transfer<'info>(
    dao: &Account<'info, Dao>,
    tp: &Interface<'info, TokenInterface>,
    mint: &InterfaceAccount<'info, Mint>,
    from: &InterfaceAccount<'info, TokenAccount>,
    to: &InterfaceAccount<'info, TokenAccount>,
    amount: u64,
) -> Result<()> {
    let bump = [dao.bump];
    token::transfer_signed(tp, mint, from, to, &dao.to_account_info(), &[Dao::SEED, &bump], amount)
}
