use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::{Ledger, Pools};
use crate::error::VetmaiError;
use crate::events::LockChanged;
use crate::instructions::token;
use crate::state::{Config, LockKind, Position, ScoreSchedule, Staker};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct CreateLockArgs {
    /// Must equal the staker's `next_index` (0 for a wallet's first lock).
    pub index: u64,
    /// TMAI to lock, base units.
    pub amount: u64,
    /// Lock duration, seconds, within `[min_lock, max_lock]`.
    pub duration: u64,
    pub kind: LockKind,
}

#[derive(Accounts)]
#[instruction(args: CreateLockArgs)]
pub struct CreateLock<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut, seeds = [Config::SEED], bump = config.bump)]
    pub config: Box<Account<'info, Config>>,
    #[account(address = config.tmai_mint @ VetmaiError::WrongMint)]
    pub tmai_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut, address = config.vault @ VetmaiError::WrongVault)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Owner's TMAI token account the tokens come from.
    #[account(mut, token::mint = tmai_mint, token::authority = owner, token::token_program = token_program)]
    pub owner_token: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(
        init_if_needed, payer = owner, space = Staker::SPACE,
        seeds = [Staker::SEED, owner.key().as_ref()], bump,
    )]
    pub staker: Box<Account<'info, Staker>>,
    #[account(
        init, payer = owner, space = Position::SPACE,
        seeds = [Position::SEED, owner.key().as_ref(), &args.index.to_le_bytes()], bump,
    )]
    pub position: Box<Account<'info, Position>>,
    #[account(address = config.token_program @ VetmaiError::WrongTokenProgram)]
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

/// Remaining accounts: every registered reward pool, writable, in registration order.
pub fn handle_create_lock<'info>(mut ctx: Context<'info, CreateLock<'info>>, args: CreateLockArgs) -> Result<()> {
    require!(args.amount > 0, VetmaiError::ZeroAmount);
    let a = &mut ctx.accounts;
    a.config.params.check_duration(args.duration)?;

    let staker = &mut a.staker;
    if staker.owner == Pubkey::default() {
        staker.owner = a.owner.key();
        staker.bump = ctx.bumps.staker;
        staker.fixed = ScoreSchedule::new(0);
        let t = &mut a.config.totals;
        t.stakers = t.stakers.checked_add(1).ok_or(VetmaiError::MathOverflow)?;
    }
    require!(args.index == staker.next_index, VetmaiError::InvalidPositionIndex);

    let mut pools = Pools::load(&a.config, ctx.remaining_accounts)?;
    let mut ledger = Ledger::open(&mut a.config, staker, &mut pools)?;
    let now = ledger.now;
    let score = ledger.config.params.score(args.amount, args.duration)?;
    let end = match args.kind {
        LockKind::Fixed => vetmai_math::time::lock_end(now, args.duration).ok_or(VetmaiError::MathOverflow)?,
        LockKind::Constant => 0,
    };
    let position = &mut a.position;
    position.owner = a.owner.key();
    position.index = args.index;
    position.bump = ctx.bumps.position;
    position.kind = args.kind;
    position.amount = args.amount;
    position.score = score;
    position.duration = args.duration;
    position.created_at = now;
    position.end = end;
    position.rewards = Default::default();
    position.auto_compound = false;
    position.reserved = [0; 32];

    ledger.start(position)?;
    ledger.add_score(position)?;
    ledger.change_locked(args.amount, true)?;
    let s = &mut *ledger.staker;
    s.next_index = s.next_index.checked_add(1).ok_or(VetmaiError::MathOverflow)?;
    s.open_positions = s.open_positions.checked_add(1).ok_or(VetmaiError::MathOverflow)?;
    let t = &mut ledger.config.totals;
    t.open_positions = t.open_positions.checked_add(1).ok_or(VetmaiError::MathOverflow)?;

    pools.exit()?;
    token::deposit(&a.token_program, &a.tmai_mint, &a.owner_token, &a.vault, &a.owner, args.amount)?;
    emit!(LockChanged::of(position, a.staker.ve_at(now).unwrap_or_default()));
    Ok(())
}
