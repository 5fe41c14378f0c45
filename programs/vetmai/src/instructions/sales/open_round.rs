use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::error::VetmaiError;
use crate::events::RoundOpened;
use crate::instructions::{locks, token};
use crate::state::{Dao, SaleRound, DEFAULT_LEVEL_CAPS_WHOLE, DEFAULT_WINDOW_OPEN_HOURS, LEVELS};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct OpenRoundArgs {
    /// Most the round sells, payment base units.
    pub total_cap: u64,
    /// Unix seconds.
    pub start: i64,
    /// Unix seconds.
    pub end: i64,
    /// Caps per level 0..=10 in payment base units; default: SPEC §3 ($1 000 … $15 000).
    pub level_caps: Option<[u64; LEVELS]>,
    /// Seconds after `start` each level's window opens; default: SPEC §3 (0 h / 12 h / 18 h).
    pub window_open: Option<[u64; LEVELS]>,
}

#[derive(Accounts)]
pub struct OpenRound<'info> {
    #[account(mut)]
    pub authority: Signer<'info>,
    #[account(
        mut, seeds = [Dao::SEED], bump = dao.bump,
        constraint = dao.sale_authority == authority.key() @ VetmaiError::Unauthorized,
    )]
    pub dao: Box<Account<'info, Dao>>,
    #[account(mint::token_program = token_program)]
    pub payment_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(
        init, payer = authority, space = SaleRound::SPACE,
        seeds = [SaleRound::SEED, &dao.round_count.to_le_bytes()], bump,
    )]
    pub round: Box<Account<'info, SaleRound>>,
    /// Holds commitments (escrow); its authority is the round PDA itself, so no governance
    /// action (the DAO signs those) can move committers' payments.
    #[account(
        init, payer = authority,
        seeds = [SaleRound::VAULT_SEED, round.key().as_ref()], bump,
        token::mint = payment_mint, token::authority = round, token::token_program = token_program,
    )]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

/// Opens an early-access round (the sale authority the DAO set).
pub fn handle_open_round(ctx: Context<OpenRound>, args: OpenRoundArgs) -> Result<()> {
    token::check_mint_extensions(&ctx.accounts.payment_mint.to_account_info())?;
    let (now, _) = locks::now()?;
    require!(args.total_cap > 0 && args.start < args.end && args.end > now, VetmaiError::InvalidRound);
    require!(args.end.checked_sub(args.start).is_some_and(|d| d <= 90 * 86_400), VetmaiError::InvalidRound);
    let scale = 10u64.checked_pow(u32::from(ctx.accounts.payment_mint.decimals)).ok_or(VetmaiError::InvalidRound)?;
    let level_caps = match args.level_caps {
        Some(c) => c,
        None => {
            let mut c = [0u64; LEVELS];
            for (o, whole) in c.iter_mut().zip(DEFAULT_LEVEL_CAPS_WHOLE) {
                *o = whole.checked_mul(scale).ok_or(VetmaiError::InvalidRound)?;
            }
            c
        }
    };
    let window_open = match args.window_open {
        Some(w) => w,
        None => DEFAULT_WINDOW_OPEN_HOURS.map(|h| h.saturating_mul(3_600)),
    };
    let dao = &mut ctx.accounts.dao;
    let r = &mut ctx.accounts.round;
    r.id = dao.round_count;
    r.bump = ctx.bumps.round;
    r.authority = ctx.accounts.authority.key();
    r.payment_mint = ctx.accounts.payment_mint.key();
    r.token_program = ctx.accounts.token_program.key();
    r.vault = ctx.accounts.vault.key();
    r.total_cap = args.total_cap;
    r.start = args.start;
    r.end = args.end;
    r.level_caps = level_caps;
    r.window_open = window_open;
    r.total_committed = 0;
    r.total_allocated = 0;
    r.total_refunded = 0;
    r.proceeds_withdrawn = 0;
    r.committers = 0;
    r.reserved = [0; 32];
    dao.round_count = dao.round_count.checked_add(1).ok_or(VetmaiError::MathOverflow)?;
    emit!(RoundOpened {
        round: r.key(),
        id: r.id,
        payment_mint: r.payment_mint,
        total_cap: r.total_cap,
        start: r.start,
        end: r.end,
    });
    Ok(())
}
