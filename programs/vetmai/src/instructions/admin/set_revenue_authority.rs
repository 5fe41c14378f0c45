use anchor_lang::prelude::*;

use crate::error::VetmaiError;
use crate::events::RevenueAuthoritySet;
use crate::state::Config;

#[derive(Accounts)]
pub struct SetRevenueAuthority<'info> {
    pub admin: Signer<'info>,
    #[account(mut, seeds = [Config::SEED], bump = config.bump, has_one = admin @ VetmaiError::Unauthorized)]
    pub config: Box<Account<'info, Config>>,
}

/// Sets who may deposit revenue into the reward pools.
pub fn handle_set_revenue_authority(ctx: Context<SetRevenueAuthority>, authority: Pubkey) -> Result<()> {
    ctx.accounts.config.revenue_authority = authority;
    emit!(RevenueAuthoritySet { authority });
    Ok(())
}
