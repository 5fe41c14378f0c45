use anchor_lang::prelude::*;

use crate::error::VetmaiError;
use crate::events::ParamsUpdated;
use crate::state::{Config, ParamsUpdate};

#[derive(Accounts)]
pub struct UpdateParams<'info> {
    pub admin: Signer<'info>,
    #[account(mut, seeds = [Config::SEED], bump = config.bump, has_one = admin @ VetmaiError::Unauthorized)]
    pub config: Box<Account<'info, Config>>,
}

/// Changes any subset of the parameters; the resulting set is validated as a whole. Existing
/// positions keep their scores; new bounds and multipliers apply to later lock operations.
pub fn handle_update_params(ctx: Context<UpdateParams>, update: ParamsUpdate) -> Result<()> {
    let config = &mut ctx.accounts.config;
    let params = update.apply_to(&config.params);
    params.validate()?;
    config.params = params;
    emit!(ParamsUpdated { by: ctx.accounts.admin.key(), params });
    Ok(())
}
