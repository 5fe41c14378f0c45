use anchor_lang::prelude::*;

use super::{Ledger, ModifyLock, Pools};
use crate::error::VetmaiError;
use crate::events::LockChanged;
use crate::state::LockKind;

/// Turns a Constant position into a Fixed one ending `duration` from now (rounded up to an
/// epoch boundary). The score does not change.
///
/// Remaining accounts: every registered reward pool, writable, in registration order.
pub fn handle_begin_unlock<'info>(mut ctx: Context<'info, ModifyLock<'info>>) -> Result<()> {
    let a = &mut ctx.accounts;
    require!(a.position.kind == LockKind::Constant, VetmaiError::NotConstant);
    let mut pools = Pools::load(&a.config, ctx.remaining_accounts)?;
    let mut ledger = Ledger::open(&mut a.config, &mut a.staker, &mut pools)?;
    let now = ledger.now;
    let p = &mut a.position;
    ledger.settle(p)?;
    ledger.remove_score(p)?;
    p.kind = LockKind::Fixed;
    p.end = vetmai_math::time::lock_end(now, p.duration).ok_or(VetmaiError::MathOverflow)?;
    ledger.add_score(p)?;
    pools.exit()?;
    emit!(LockChanged::of(p, a.staker.ve_at(now).unwrap_or_default()));
    Ok(())
}
