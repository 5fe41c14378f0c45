use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::error::VetmaiError;
use crate::events::Initialized;
use crate::state::{Config, Params, ScoreBook, Totals};

/// This program's ProgramData account under the upgradeable loader: `[program id]` derived by
/// the loader.
pub fn program_data_address() -> Pubkey {
    Pubkey::find_program_address(&[crate::ID.as_ref()], &anchor_lang::solana_program::bpf_loader_upgradeable::ID).0
}

#[derive(Accounts)]
pub struct Initialize<'info> {
    /// First admin; pays for the config and the vault. Must be the program's upgrade authority,
    /// so nobody can front-run the deployer and pick the admin or the mint.
    #[account(mut)]
    pub admin: Signer<'info>,
    /// The program's ProgramData account (owner: the upgradeable loader, checked by the type).
    #[account(
        address = program_data_address() @ VetmaiError::WrongProgramData,
        constraint = program_data.upgrade_authority_address == Some(admin.key()) @ VetmaiError::NotUpgradeAuthority,
    )]
    pub program_data: Account<'info, ProgramData>,
    /// The TMAI mint.
    #[account(mint::token_program = token_program)]
    pub tmai_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(init, payer = admin, space = Config::SPACE, seeds = [Config::SEED], bump)]
    pub config: Box<Account<'info, Config>>,
    /// Token account holding all locked TMAI; its authority is the config PDA.
    #[account(
        init, payer = admin,
        seeds = [Config::VAULT_SEED, config.key().as_ref()], bump,
        token::mint = tmai_mint, token::authority = config, token::token_program = token_program,
    )]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

pub fn handle_initialize(ctx: Context<Initialize>) -> Result<()> {
    crate::instructions::token::check_mint_extensions(&ctx.accounts.tmai_mint.to_account_info())?;
    let decimals = ctx.accounts.tmai_mint.decimals;
    let params = Params::defaults(decimals)?;
    params.validate()?;
    let epoch = crate::instructions::locks::now()?.1;

    let config = &mut ctx.accounts.config;
    config.admin = ctx.accounts.admin.key();
    config.pending_admin = Pubkey::default();
    config.tmai_mint = ctx.accounts.tmai_mint.key();
    config.token_program = ctx.accounts.token_program.key();
    config.vault = ctx.accounts.vault.key();
    config.revenue_authority = ctx.accounts.admin.key();
    config.reward_pools = Default::default();
    config.reward_pool_count = 0;
    config.tmai_decimals = decimals;
    config.bump = ctx.bumps.config;
    config.vault_bump = ctx.bumps.vault;
    config.params = params;
    config.totals = Totals { locked_amount: 0, open_positions: 0, stakers: 0, score: ScoreBook::new(epoch) };
    config.reserved = [0; 256];
    emit!(Initialized { admin: config.admin, tmai_mint: config.tmai_mint, token_program: config.token_program });
    Ok(())
}
