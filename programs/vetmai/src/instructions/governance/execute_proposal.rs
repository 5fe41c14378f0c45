use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::error::VetmaiError;
use crate::events::{DaoChanged, ParamsUpdated, ProposalStateChanged, RevenueAuthoritySet, RewardPoolChanged};
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
    /// FundRewards / TransferTreasury: the DAO's treasury of the mint, PDA `["treasury", mint]`.
    #[account(mut)]
    pub treasury: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    /// FundRewards / RetireRewardPool: the mint's reward pool.
    #[account(mut)]
    pub pool: Option<Box<Account<'info, RewardPool>>>,
    /// FundRewards: the pool's vault. TransferTreasury: the recipient token account.
    #[account(mut)]
    pub destination: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    pub token_program: Option<Interface<'info, TokenInterface>>,
}

/// Checks that a passed proposal may be executed now: after its timelock, before its execution
/// window closes.
pub fn require_executable(p: &Proposal, now: i64) -> Result<()> {
    require!(p.state == ProposalState::Passed, VetmaiError::WrongProposalState);
    require!(now >= p.executable_at()?, VetmaiError::TimelockActive);
    require!(now < p.expires_at()?, VetmaiError::ExecutionWindowClosed);
    Ok(())
}

/// Permissionless: applies a passed proposal's action after the timelock and before the
/// execution window closes. Token movements are signed by the DAO PDA and leave only from the
/// DAO's treasury PDAs: escrow (sale-round vaults, owned by their round PDA) and the program's
/// vaults (owned by the config PDA) are out of governance's reach.
pub fn handle_execute_proposal(ctx: Context<ExecuteProposal>) -> Result<()> {
    let (now, _) = locks::now()?;
    let a = ctx.accounts;
    require_executable(&a.proposal, now)?;
    let dao_key = a.dao.key();
    let in_charge = a.config.admin == dao_key;
    match a.proposal.action.clone() {
        ProposalAction::Signal => {}
        ProposalAction::UpdateParams(update) => {
            require!(in_charge, VetmaiError::DaoNotInCharge);
            let params = update.apply_to(&a.config.params);
            params.validate()?;
            a.config.params = params;
            emit!(ParamsUpdated { by: dao_key, params });
        }
        ProposalAction::SetRevenueAuthority { authority } => {
            require!(in_charge, VetmaiError::DaoNotInCharge);
            a.config.revenue_authority = authority;
            emit!(RevenueAuthoritySet { authority });
        }
        ProposalAction::SetSaleAuthority { authority } => {
            require!(in_charge, VetmaiError::DaoNotInCharge);
            a.dao.sale_authority = authority;
            emit!(DaoChanged { guardian: a.dao.guardian, sale_authority: authority });
        }
        ProposalAction::SetGuardian { guardian } => {
            require!(in_charge, VetmaiError::DaoNotInCharge);
            a.dao.guardian = guardian;
            emit!(DaoChanged { guardian, sale_authority: a.dao.sale_authority });
        }
        ProposalAction::CreateRewardPool { .. } => return err!(VetmaiError::ActionNeedsOwnInstruction),
        ProposalAction::RetireRewardPool { mint } => {
            require!(in_charge, VetmaiError::DaoNotInCharge);
            let pool = a.pool.as_mut().ok_or(VetmaiError::ActionAccountsMismatch)?;
            require_keys_eq!(pool.mint, mint, VetmaiError::ActionAccountsMismatch);
            pool.retired = true;
            emit!(RewardPoolChanged { pool: pool.key(), mint, index: pool.index, retired: true });
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
            require!(!pool.retired, VetmaiError::PoolRetired);
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
    emit!(ProposalStateChanged { proposal: a.proposal.key(), state: ProposalState::Executed });
    Ok(())
}

type TokenAccounts<'a, 'info> = (
    &'a InterfaceAccount<'info, Mint>,
    &'a InterfaceAccount<'info, TokenAccount>,
    &'a InterfaceAccount<'info, TokenAccount>,
    &'a Interface<'info, TokenInterface>,
);

/// The DAO's treasury token account of `mint`: PDA `["treasury", mint]`.
pub fn treasury_address(mint: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[Dao::TREASURY_SEED, mint.as_ref()], &crate::ID).0
}

/// The mint, treasury, destination and token program of a token-moving action, checked against
/// the action and the DAO: the treasury must be the DAO's treasury PDA of the action's mint.
fn token_accounts<'a, 'info>(a: &'a ExecuteProposal<'info>, mint: Pubkey) -> Result<TokenAccounts<'a, 'info>> {
    let m = a.mint.as_deref().ok_or(VetmaiError::ActionAccountsMismatch)?;
    let treasury = a.treasury.as_deref().ok_or(VetmaiError::ActionAccountsMismatch)?;
    let dest = a.destination.as_deref().ok_or(VetmaiError::ActionAccountsMismatch)?;
    let tp = a.token_program.as_ref().ok_or(VetmaiError::ActionAccountsMismatch)?;
    require_keys_eq!(treasury.key(), treasury_address(&mint), VetmaiError::NotTreasury);
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
