use anchor_lang::prelude::*;

use super::{Ledger, Pools};
use crate::error::VetmaiError;
use crate::events::LockChanged;
use crate::state::{Config, LockKind, Position, Staker};

/// Accounts of the instructions that change a lock without moving tokens
/// (`extend_lock`, `begin_unlock`).
#[derive(Accounts)]
pub struct ModifyLock<'info> {
    pub owner: Signer<'info>,
    #[account(mut, seeds = [Config::SEED], bump = config.bump)]
    pub config: Box<Account<'info, Config>>,
    #[account(mut, seeds = [Staker::SEED, owner.key().as_ref()], bump = staker.bump)]
    pub staker: Box<Account<'info, Staker>>,
    #[account(
        mut, has_one = owner @ VetmaiError::NotPositionOwner,
        seeds = [Position::SEED, position.owner.as_ref(), &position.index.to_le_bytes()], bump = position.bump,
    )]
    pub position: Box<Account<'info, Position>>,
}

/// Re-commits the whole position to `new_duration` seconds from now and re-scores it.
/// Fixed: the new end (`now + new_duration`, rounded up to a boundary) must be later than the
/// current one; an ended lock may be re-locked this way. Constant: `new_duration` must exceed
/// the current duration.
///
/// Remaining accounts: every registered reward pool, writable, in registration order.
pub fn handle_extend_lock<'info>(mut ctx: Context<'info, ModifyLock<'info>>, new_duration: u64) -> Result<()> {
    let a = &mut ctx.accounts;
    a.config.params.check_duration(new_duration)?;
    let mut pools = Pools::load(&a.config, ctx.remaining_accounts)?;
    let mut ledger = Ledger::open(&mut a.config, &mut a.staker, &mut pools)?;
    let now = ledger.now;
    let p = &mut a.position;
    require!(p.amount > 0, VetmaiError::PositionEmpty);
    let new_end = match p.kind {
        LockKind::Fixed => {
            let end = vetmai_math::time::lock_end(now, new_duration).ok_or(VetmaiError::MathOverflow)?;
            require!(end > p.end, VetmaiError::ExtendNotLonger);
            end
        }
        LockKind::Constant => {
            require!(new_duration > p.duration, VetmaiError::ExtendNotLonger);
            0
        }
    };
    let new_score = ledger.config.params.score(p.amount, new_duration)?;
    let relock = !p.is_locked(now);
    if relock {
        ledger.require_settled_through_end(p)?;
    } else {
        ledger.settle(p)?;
    }
    ledger.remove_score(p)?;
    p.duration = new_duration;
    p.end = new_end;
    p.score = new_score;
    if relock {
        ledger.start(p)?;
    }
    ledger.add_score(p)?;
    pools.exit()?;
    emit!(LockChanged::of(p, a.staker.ve_at(now).unwrap_or_default()));
    Ok(())
}
