use anchor_lang::prelude::*;

use crate::error::VetmaiError;
use crate::state::Position;

#[derive(Accounts)]
pub struct SetAutoCompound<'info> {
    pub owner: Signer<'info>,
    #[account(
        mut, has_one = owner @ VetmaiError::NotPositionOwner,
        seeds = [Position::SEED, position.owner.as_ref(), &position.index.to_le_bytes()], bump = position.bump,
    )]
    pub position: Box<Account<'info, Position>>,
}

/// Lets anyone (`harvest`) reinvest this position's TMAI rewards into it, or stops that.
pub fn handle_set_auto_compound(ctx: Context<SetAutoCompound>, enabled: bool) -> Result<()> {
    ctx.accounts.position.auto_compound = enabled;
    Ok(())
}
