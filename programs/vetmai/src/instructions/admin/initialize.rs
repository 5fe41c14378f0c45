use anchor_lang::prelude::*;
use anchor_spl::token_2022::spl_token_2022::{
    self,
    extension::{BaseStateWithExtensions, ExtensionType, StateWithExtensions},
};
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::error::VetmaiError;
use crate::state::{Config, Params, ScoreSchedule, Totals};

#[derive(Accounts)]
pub struct Initialize<'info> {
    /// First admin; pays for the config and the vault.
    #[account(mut)]
    pub admin: Signer<'info>,
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

/// Token-2022 extensions that would break exact accounting or custody (fees change the amount
/// received, hooks need extra accounts, a permanent delegate could drain the vault).
const REJECTED_EXTENSIONS: [ExtensionType; 5] = [
    ExtensionType::TransferFeeConfig,
    ExtensionType::TransferHook,
    ExtensionType::PermanentDelegate,
    ExtensionType::NonTransferable,
    ExtensionType::ConfidentialTransferMint,
];

pub fn handle_initialize(ctx: Context<Initialize>) -> Result<()> {
    let mint_info = ctx.accounts.tmai_mint.to_account_info();
    if *mint_info.owner == spl_token_2022::ID {
        let data = mint_info.try_borrow_data()?;
        let mint = StateWithExtensions::<spl_token_2022::state::Mint>::unpack(&data)?;
        for ext in mint.get_extension_types()? {
            require!(!REJECTED_EXTENSIONS.contains(&ext), VetmaiError::UnsupportedMintExtension);
        }
    }
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
    config.tmai_decimals = decimals;
    config.bump = ctx.bumps.config;
    config.vault_bump = ctx.bumps.vault;
    config.params = params;
    config.totals =
        Totals { locked_amount: 0, open_positions: 0, stakers: 0, constant_score: 0, fixed: ScoreSchedule::new(epoch) };
    config.reserved = [0; 256];
    Ok(())
}
