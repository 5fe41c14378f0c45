use anchor_lang::prelude::*;

use crate::error::VetmaiError;
use crate::events::AdminChanged;
use crate::state::Config;

#[derive(Accounts)]
pub struct AcceptAdmin<'info> {
    pub new_admin: Signer<'info>,
    #[account(
        mut, seeds = [Config::SEED], bump = config.bump,
        constraint = config.pending_admin == new_admin.key() && config.pending_admin != Pubkey::default()
            @ VetmaiError::NotPendingAdmin,
    )]
    pub config: Box<Account<'info, Config>>,
}

/// Second step of an admin handover: the proposed admin takes over.
pub fn handle_accept_admin(ctx: Context<AcceptAdmin>) -> Result<()> {
    let config = &mut ctx.accounts.config;
    config.admin = ctx.accounts.new_admin.key();
    config.pending_admin = Pubkey::default();
    emit!(AdminChanged { admin: config.admin, pending_admin: config.pending_admin });
    Ok(())
}
