//! The DAO's treasury accounts, and the governance actions that create accounts (and so need a
//! payer): executed by their own instruction rather than `execute_proposal`.
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::execute_proposal::require_executable;
use crate::error::VetmaiError;
use crate::events::{ProposalStateChanged, TreasuryCreated};
use crate::instructions::{locks, rewards::register_pool, token};
use crate::state::{Config, Dao, Proposal, ProposalAction, ProposalState, RewardHistory, RewardPool};

#[derive(Accounts)]
pub struct CreateTreasury<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    #[account(seeds = [Dao::SEED], bump = dao.bump)]
    pub dao: Box<Account<'info, Dao>>,
    #[account(mint::token_program = token_program)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// The DAO's treasury of `mint`; its authority is the DAO PDA.
    #[account(
        init, payer = payer,
        seeds = [Dao::TREASURY_SEED, mint.key().as_ref()], bump,
        token::mint = mint, token::authority = dao, token::token_program = token_program,
    )]
    pub treasury: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

/// Permissionless: creates the DAO's treasury token account for a mint (whoever pays the rent).
/// Token-moving proposals pay only from these accounts.
pub fn handle_create_treasury(ctx: Context<CreateTreasury>) -> Result<()> {
    token::check_mint_extensions(&ctx.accounts.mint.to_account_info())?;
    emit!(TreasuryCreated { mint: ctx.accounts.mint.key(), treasury: ctx.accounts.treasury.key() });
    Ok(())
}

#[derive(Accounts)]
pub struct ExecuteCreateRewardPool<'info> {
    /// Pays for the pool, its vault and its first history chunk (anyone).
    #[account(mut)]
    pub payer: Signer<'info>,
    #[account(mut, seeds = [Proposal::SEED, &proposal.id.to_le_bytes()], bump = proposal.bump)]
    pub proposal: Box<Account<'info, Proposal>>,
    #[account(seeds = [Dao::SEED], bump = dao.bump)]
    pub dao: Box<Account<'info, Dao>>,
    #[account(
        mut, seeds = [Config::SEED], bump = config.bump,
        constraint = config.admin == dao.key() @ VetmaiError::DaoNotInCharge,
    )]
    pub config: Box<Account<'info, Config>>,
    #[account(mint::token_program = token_program)]
    pub reward_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(init, payer = payer, space = RewardPool::SPACE, seeds = [RewardPool::SEED, reward_mint.key().as_ref()], bump)]
    pub pool: Box<Account<'info, RewardPool>>,
    /// The pool's token account; its authority is the config PDA.
    #[account(
        init, payer = payer,
        seeds = [RewardPool::VAULT_SEED, pool.key().as_ref()], bump,
        token::mint = reward_mint, token::authority = config, token::token_program = token_program,
    )]
    pub reward_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// History chunk 0.
    #[account(
        init, payer = payer, space = RewardHistory::SPACE,
        seeds = [RewardHistory::SEED, pool.key().as_ref(), &0u64.to_le_bytes()], bump,
    )]
    pub history: AccountLoader<'info, RewardHistory>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

/// Permissionless: executes a passed `CreateRewardPool` proposal (after its timelock, within its
/// window), registering the pool exactly as `create_reward_pool` does for the admin.
pub fn handle_execute_create_reward_pool(ctx: Context<ExecuteCreateRewardPool>) -> Result<()> {
    let (now, _) = locks::now()?;
    let a = ctx.accounts;
    require_executable(&a.proposal, now)?;
    match a.proposal.action {
        ProposalAction::CreateRewardPool { mint } => {
            require_keys_eq!(mint, a.reward_mint.key(), VetmaiError::ActionAccountsMismatch)
        }
        _ => return err!(VetmaiError::ActionAccountsMismatch),
    }
    let bumps = (ctx.bumps.pool, ctx.bumps.reward_vault);
    register_pool(&mut a.config, &mut a.pool, &a.reward_mint, &a.reward_vault, &a.history, &a.token_program, bumps)?;
    a.proposal.state = ProposalState::Executed;
    emit!(ProposalStateChanged { proposal: a.proposal.key(), state: ProposalState::Executed });
    Ok(())
}
