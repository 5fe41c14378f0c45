use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::error::VetmaiError;
use crate::events::Committed;
use crate::instructions::{locks, token};
use crate::state::{CommitSlice, Commitment, Config, SaleRound, Staker, MAX_COMMITS};

#[derive(Accounts)]
pub struct Commit<'info> {
    #[account(mut)]
    pub wallet: Signer<'info>,
    #[account(seeds = [Config::SEED], bump = config.bump)]
    pub config: Box<Account<'info, Config>>,
    #[account(seeds = [Staker::SEED, wallet.key().as_ref()], bump = staker.bump)]
    pub staker: Box<Account<'info, Staker>>,
    #[account(mut, seeds = [SaleRound::SEED, &round.id.to_le_bytes()], bump = round.bump)]
    pub round: Box<Account<'info, SaleRound>>,
    #[account(address = round.payment_mint @ VetmaiError::WrongMint)]
    pub payment_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut, address = round.vault @ VetmaiError::WrongVault)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, token::mint = payment_mint, token::authority = wallet, token::token_program = token_program)]
    pub source: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(
        init_if_needed, payer = wallet, space = Commitment::SPACE,
        seeds = [Commitment::SEED, round.key().as_ref(), wallet.key().as_ref()], bump,
    )]
    pub commitment: Box<Account<'info, Commitment>>,
    #[account(address = round.token_program @ VetmaiError::WrongTokenProgram)]
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

/// Commits `amount` to a round inside the wallet's window, up to the cap of its level as
/// guaranteed through the round's end (a lock ending earlier does not count).
pub fn handle_commit(mut ctx: Context<Commit>, amount: u64) -> Result<()> {
    require!(amount > 0, VetmaiError::ZeroAmount);
    let (now, _) = locks::now()?;
    let a = &mut ctx.accounts;
    let r = &mut a.round;
    let guaranteed = a.staker.guaranteed(now, r.end).ok_or(VetmaiError::MathOverflow)?;
    let level = vetmai_math::level(guaranteed, &a.config.params.level_thresholds);
    let opens = r.opens_for(level).ok_or(VetmaiError::WindowNotOpen)?;
    require!(now >= opens && now < r.end, VetmaiError::WindowNotOpen);

    let c = &mut a.commitment;
    if c.wallet == Pubkey::default() {
        c.round = r.key();
        c.wallet = a.wallet.key();
        c.bump = ctx.bumps.commitment;
        r.committers = r.committers.checked_add(1).ok_or(VetmaiError::MathOverflow)?;
    }
    let total = c.amount.checked_add(amount).ok_or(VetmaiError::MathOverflow)?;
    let cap = r.level_caps.get(usize::from(level)).copied().unwrap_or(0);
    require!(total <= cap, VetmaiError::LevelCapExceeded);
    let i = usize::from(c.commits);
    require!(i < MAX_COMMITS, VetmaiError::TooManyCommits);
    c.slices[i] = CommitSlice { from: r.total_committed, amount };
    c.commits = c.commits.checked_add(1).ok_or(VetmaiError::MathOverflow)?;
    c.amount = total;
    r.total_committed = r.total_committed.checked_add(amount).ok_or(VetmaiError::MathOverflow)?;
    token::deposit(&a.token_program, &a.payment_mint, &a.source, &a.vault, &a.wallet, amount)?;
    emit!(Committed { round: r.key(), wallet: a.wallet.key(), amount, total });
    Ok(())
}
