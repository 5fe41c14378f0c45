use anchor_lang::prelude::*;

use crate::error::VetmaiError;
use crate::events::AdminChanged;
use crate::state::Config;

#[derive(Accounts)]
pub struct SetAdmin<'info> {
    pub admin: Signer<'info>,
    #[account(mut, seeds = [Config::SEED], bump = config.bump, has_one = admin @ VetmaiError::Unauthorized)]
    pub config: Box<Account<'info, Config>>,
}

/// First step of an admin handover: proposes `new_admin`, who must accept. Passing the default
/// pubkey cancels a pending proposal.
pub fn handle_set_admin(ctx: Context<SetAdmin>, new_admin: Pubkey) -> Result<()> {
    let config = &mut ctx.accounts.config;
    config.pending_admin = new_admin;
    emit!(AdminChanged { admin: config.admin, pending_admin: new_admin });
    Ok(())
}
