use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::{Ledger, Pools};
use crate::error::VetmaiError;
use crate::events::LockWithdrawn;
use crate::instructions::token;
use crate::state::{Config, LockKind, Position, RewardHistory, RewardPool, Staker};

/// Accounts of `withdraw` and `exit_lock`.
#[derive(Accounts)]
pub struct Withdraw<'info> {
    /// Position owner; receives the tokens and the position's rent.
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut, seeds = [Config::SEED], bump = config.bump)]
    pub config: Box<Account<'info, Config>>,
    #[account(address = config.tmai_mint @ VetmaiError::WrongMint)]
    pub tmai_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut, address = config.vault @ VetmaiError::WrongVault)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, token::mint = tmai_mint, token::authority = owner, token::token_program = token_program)]
    pub owner_token: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, seeds = [Staker::SEED, owner.key().as_ref()], bump = staker.bump)]
    pub staker: Box<Account<'info, Staker>>,
    /// Closed by `withdraw` (rent to the owner), and by `exit_lock` when nothing stays owed.
    #[account(
        mut, has_one = owner @ VetmaiError::NotPositionOwner,
        seeds = [Position::SEED, position.owner.as_ref(), &position.index.to_le_bytes()], bump = position.bump,
    )]
    pub position: Box<Account<'info, Position>>,
    #[account(address = config.token_program @ VetmaiError::WrongTokenProgram)]
    pub token_program: Interface<'info, TokenInterface>,
}

/// Accounts that settle and pay one pool inside `withdraw`, in this order: the pool's history
/// chunk holding the lock's end (any chunk if the lock ended before the pool existed), the pool's
/// vault, its mint, the owner's token account of that mint, and that mint's token program.
pub const WITHDRAW_PAYOUT_ACCOUNTS: usize = 5;

/// Returns an ended position's tokens to its owner and closes it (rent back to the owner),
/// settling and paying out its rewards in every pool first, so nothing owed is closed away.
///
/// Remaining accounts: every registered reward pool (writable, in registration order), then one
/// group of [`WITHDRAW_PAYOUT_ACCOUNTS`] per pool. The groups may be left out when the position
/// has already claimed everything in every pool (`claim_rewards`); otherwise the withdrawal fails
/// with `RewardsNotSettled`.
pub fn handle_withdraw<'info>(mut ctx: Context<'info, Withdraw<'info>>) -> Result<()> {
    let a = &mut ctx.accounts;
    let mut pools = Pools::load(&a.config, ctx.remaining_accounts)?;
    let groups = ctx.remaining_accounts.get(pools.0.len()..).unwrap_or(&[]);
    let paying = !groups.is_empty();
    if paying {
        require!(
            groups.len() == pools.0.len().checked_mul(WITHDRAW_PAYOUT_ACCOUNTS).ok_or(VetmaiError::MathOverflow)?,
            VetmaiError::MissingClaimAccount
        );
    }
    let mut ledger = Ledger::open(&mut a.config, &mut a.staker, &mut pools)?;
    let p = &mut a.position;
    require!(p.kind == LockKind::Fixed, VetmaiError::ConstantNotUnlocking);
    require!(p.end <= ledger.now, VetmaiError::LockNotExpired);
    let mut payouts = Vec::new();
    for (k, (pool, group)) in ledger
        .pools
        .0
        .iter_mut()
        .zip(groups.chunks(WITHDRAW_PAYOUT_ACCOUNTS).map(Some).chain(std::iter::repeat(None)))
        .enumerate()
    {
        if let Some(g) = group {
            let payout = RewardPayout::load(g, pool, p)?;
            {
                let history = payout.history.load()?;
                require_keys_eq!(history.pool, pool.key(), VetmaiError::WrongHistoryChunk);
                pool.settle(p, Some(&history))?;
            }
            let slot = p.rewards.get_mut(k).ok_or(VetmaiError::WrongRewardPool)?;
            let amount = slot.owed;
            slot.owed = 0;
            pool.total_claimed = pool.total_claimed.checked_add(u128::from(amount)).ok_or(VetmaiError::MathOverflow)?;
            payouts.push((payout, amount));
        }
        require!(pool.is_cleared(p), VetmaiError::RewardsNotSettled);
    }
    ledger.remove_score(p)?;
    ledger.change_locked(p.amount, false)?;
    let s = &mut *ledger.staker;
    s.open_positions = s.open_positions.checked_sub(1).ok_or(VetmaiError::MathOverflow)?;
    let t = &mut ledger.config.totals;
    t.open_positions = t.open_positions.checked_sub(1).ok_or(VetmaiError::MathOverflow)?;
    let amount = p.amount;
    pools.exit()?;
    if amount > 0 {
        token::pay_out(&a.token_program, &a.tmai_mint, &a.vault, &a.owner_token, &a.config, amount)?;
    }
    for (r, paid) in payouts.iter().filter(|(_, paid)| *paid > 0) {
        token::pay_out(&r.token_program, &r.mint, &r.vault, &r.destination, &a.config, *paid)?;
    }
    emit!(LockWithdrawn { owner: a.position.owner, position: a.position.key(), amount });
    a.position.close(a.owner.to_account_info())
}

/// One pool's payout accounts, checked against the pool and the position's owner.
struct RewardPayout<'info> {
    history: AccountLoader<'info, RewardHistory>,
    vault: InterfaceAccount<'info, TokenAccount>,
    mint: InterfaceAccount<'info, Mint>,
    destination: InterfaceAccount<'info, TokenAccount>,
    token_program: Interface<'info, TokenInterface>,
}

impl<'info> RewardPayout<'info> {
    fn load(g: &'info [AccountInfo<'info>], pool: &RewardPool, p: &Position) -> Result<Self> {
        let [history, vault, mint, destination, token_program] = g else {
            return err!(VetmaiError::MissingClaimAccount);
        };
        let r = Self {
            history: AccountLoader::try_from(history)?,
            vault: InterfaceAccount::try_from(vault)?,
            mint: InterfaceAccount::try_from(mint)?,
            destination: InterfaceAccount::try_from(destination)?,
            token_program: Interface::try_from(token_program)?,
        };
        require_keys_eq!(r.vault.key(), pool.vault, VetmaiError::WrongVault);
        require_keys_eq!(r.mint.key(), pool.mint, VetmaiError::WrongMint);
        require_keys_eq!(r.token_program.key(), pool.token_program, VetmaiError::WrongTokenProgram);
        require!(
            r.destination.owner == p.owner && r.destination.mint == pool.mint && destination.is_writable,
            VetmaiError::WrongRewardDestination
        );
        Ok(r)
    }
}
