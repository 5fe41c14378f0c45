use anchor_lang::prelude::*;

use crate::error::VetmaiError;
use crate::events::{AdminChanged, DaoChanged};
use crate::state::{Config, Dao};

#[derive(Accounts)]
pub struct InitDao<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(seeds = [Config::SEED], bump = config.bump, has_one = admin @ VetmaiError::Unauthorized)]
    pub config: Box<Account<'info, Config>>,
    #[account(init, payer = admin, space = Dao::SPACE, seeds = [Dao::SEED], bump)]
    pub dao: Box<Account<'info, Dao>>,
    pub system_program: Program<'info, System>,
}

/// Creates the DAO account (admin). `guardian` may veto during timelocks (default pubkey: none);
/// `sale_authority` may open sale rounds.
pub fn handle_init_dao(ctx: Context<InitDao>, guardian: Pubkey, sale_authority: Pubkey) -> Result<()> {
    let dao = &mut ctx.accounts.dao;
    dao.bump = ctx.bumps.dao;
    dao.proposal_count = 0;
    dao.round_count = 0;
    dao.guardian = guardian;
    dao.sale_authority = sale_authority;
    dao.reserved = [0; 64];
    emit!(DaoChanged { guardian, sale_authority });
    Ok(())
}

#[derive(Accounts)]
pub struct TransferToDao<'info> {
    pub admin: Signer<'info>,
    #[account(mut, seeds = [Config::SEED], bump = config.bump, has_one = admin @ VetmaiError::Unauthorized)]
    pub config: Box<Account<'info, Config>>,
    #[account(seeds = [Dao::SEED], bump = dao.bump)]
    pub dao: Box<Account<'info, Dao>>,
}

/// Hands the admin rights to the DAO PDA: from now on parameters change only by passed proposals.
pub fn handle_transfer_to_dao(ctx: Context<TransferToDao>) -> Result<()> {
    let config = &mut ctx.accounts.config;
    config.admin = ctx.accounts.dao.key();
    config.pending_admin = Pubkey::default();
    emit!(AdminChanged { admin: config.admin, pending_admin: config.pending_admin });
    Ok(())
}

#[derive(Accounts)]
pub struct SetGuardian<'info> {
    /// The current guardian (e.g. to step down) or, while governance is not yet in charge, the admin.
    pub authority: Signer<'info>,
    #[account(seeds = [Config::SEED], bump = config.bump)]
    pub config: Box<Account<'info, Config>>,
    #[account(
        mut, seeds = [Dao::SEED], bump = dao.bump,
        constraint = authority.key() == dao.guardian || authority.key() == config.admin @ VetmaiError::Unauthorized,
    )]
    pub dao: Box<Account<'info, Dao>>,
}

/// Replaces (or, with the default pubkey, removes) the guardian.
pub fn handle_set_guardian(ctx: Context<SetGuardian>, guardian: Pubkey) -> Result<()> {
    let dao = &mut ctx.accounts.dao;
    dao.guardian = guardian;
    emit!(DaoChanged { guardian, sale_authority: dao.sale_authority });
    Ok(())
}
