use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::error::VetmaiError;
use crate::events::RewardsClaimed;
use crate::instructions::locks::{Ledger, Pools};
use crate::instructions::token;
use crate::state::{Config, Position, RewardHistory, Staker};

/// Where claimed rewards go.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimMode {
    /// To the owner's token account of the reward mint.
    Payout,
    /// Locked into one of the owner's positions (TMAI pools only), scored like `increase_amount`.
    Reinvest,
}

#[derive(Accounts)]
pub struct ClaimRewards<'info> {
    /// The position's owner (`claim_rewards`), or anyone (`harvest` of an auto-compounding position).
    pub authority: Signer<'info>,
    #[account(mut, seeds = [Config::SEED], bump = config.bump)]
    pub config: Box<Account<'info, Config>>,
    #[account(mut, seeds = [Staker::SEED, position.owner.as_ref()], bump = staker.bump)]
    pub staker: Box<Account<'info, Staker>>,
    #[account(mut, seeds = [Position::SEED, position.owner.as_ref(), &position.index.to_le_bytes()], bump = position.bump)]
    pub position: Box<Account<'info, Position>>,
    /// History chunk holding the position's end boundary; needed once the lock has ended.
    pub history: Option<AccountLoader<'info, RewardHistory>>,
    pub reward_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut)]
    pub reward_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Payout: the owner's token account of the reward mint.
    #[account(mut, token::mint = reward_mint, token::authority = position.owner, token::token_program = token_program)]
    pub destination: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    /// Reinvest: another of the owner's positions to lock the rewards into (default: this one).
    #[account(
        mut, seeds = [Position::SEED, target.owner.as_ref(), &target.index.to_le_bytes()], bump = target.bump,
        constraint = target.owner == position.owner @ VetmaiError::NotPositionOwner,
        constraint = target.key() != position.key() @ VetmaiError::ReinvestTargetIsSource,
    )]
    pub target: Option<Box<Account<'info, Position>>>,
    /// Reinvest: the TMAI vault.
    #[account(mut, address = config.vault @ VetmaiError::WrongVault)]
    pub tmai_vault: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    pub token_program: Interface<'info, TokenInterface>,
}

/// Settles a position in pool `pool_index` and pays what it is owed: out to the owner, or
/// reinvested into a locked position of the owner when the pool pays TMAI. Claiming costs the same
/// however long since the last claim: settlement is one accumulator difference.
///
/// Remaining accounts: every registered reward pool, writable, in registration order.
pub fn handle_claim_rewards<'info>(
    ctx: Context<'info, ClaimRewards<'info>>,
    pool_index: u8,
    mode: ClaimMode,
) -> Result<()> {
    require_keys_eq!(ctx.accounts.authority.key(), ctx.accounts.position.owner, VetmaiError::NotPositionOwner);
    claim(ctx, pool_index, mode)
}

/// Permissionless: reinvests an auto-compounding position's TMAI rewards into itself.
pub fn handle_harvest<'info>(ctx: Context<'info, ClaimRewards<'info>>, pool_index: u8) -> Result<()> {
    require!(ctx.accounts.position.auto_compound, VetmaiError::AutoCompoundOff);
    require!(ctx.accounts.target.is_none(), VetmaiError::NotPositionOwner);
    claim(ctx, pool_index, ClaimMode::Reinvest)
}

fn claim<'info>(ctx: Context<'info, ClaimRewards<'info>>, pool_index: u8, mode: ClaimMode) -> Result<()> {
    let a = ctx.accounts;
    let mut pools = Pools::load(&a.config, ctx.remaining_accounts)?;
    let k = usize::from(pool_index);
    let (pool_key, pool_mint) = {
        let pool = pools.0.get(k).ok_or(VetmaiError::WrongRewardPool)?;
        require_keys_eq!(a.reward_mint.key(), pool.mint, VetmaiError::WrongMint);
        require_keys_eq!(a.reward_vault.key(), pool.vault, VetmaiError::WrongVault);
        require_keys_eq!(a.token_program.key(), pool.token_program, VetmaiError::WrongTokenProgram);
        (pool.key(), pool.mint)
    };
    if mode == ClaimMode::Reinvest {
        require_keys_eq!(pool_mint, a.config.tmai_mint, VetmaiError::ReinvestNotTmai);
        require!(a.tmai_vault.is_some(), VetmaiError::MissingClaimAccount);
    } else {
        require!(a.destination.is_some(), VetmaiError::MissingClaimAccount);
    }

    let mut ledger = Ledger::open(&mut a.config, &mut a.staker, &mut pools)?;
    {
        let history = match &a.history {
            Some(h) => {
                let h = h.load()?;
                require_keys_eq!(h.pool, pool_key, VetmaiError::WrongHistoryChunk);
                Some(h)
            }
            None => None,
        };
        ledger.pools.0[k].settle(&mut a.position, history.as_deref())?;
    }
    let slot = &mut a.position.rewards[k];
    let amount = slot.owed;
    slot.owed = 0;
    let pool = &mut ledger.pools.0[k];
    pool.total_claimed = pool.total_claimed.checked_add(u128::from(amount)).ok_or(VetmaiError::MathOverflow)?;
    let into = if mode == ClaimMode::Reinvest && amount > 0 {
        let target: &mut Account<'info, Position> = match a.target.as_mut() {
            Some(t) => t,
            None => &mut a.position,
        };
        ledger.increase(target, amount)?;
        Some(target.key())
    } else {
        None
    };
    pools.exit()?;

    if amount > 0 {
        let to = match mode {
            ClaimMode::Payout => a.destination.as_ref(),
            ClaimMode::Reinvest => a.tmai_vault.as_ref(),
        }
        .ok_or(VetmaiError::MissingClaimAccount)?;
        token::pay_out(&a.token_program, &a.reward_mint, &a.reward_vault, to, &a.config, amount)?;
    }
    emit!(RewardsClaimed { position: a.position.key(), pool: pool_key, amount, reinvested_into: into });
    Ok(())
}
