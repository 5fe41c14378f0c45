//! Token movements in and out of the vault (SPL Token and Token-2022 alike).
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{transfer_checked, Mint, TokenAccount, TokenInterface, TransferChecked};

use crate::state::Config;

/// Moves `amount` from a wallet's token account into the vault, signed by the wallet.
pub fn deposit<'info>(
    token_program: &Interface<'info, TokenInterface>,
    mint: &InterfaceAccount<'info, Mint>,
    from: &InterfaceAccount<'info, TokenAccount>,
    vault: &InterfaceAccount<'info, TokenAccount>,
    authority: &Signer<'info>,
    amount: u64,
) -> Result<()> {
    let accounts = TransferChecked {
        from: from.to_account_info(),
        mint: mint.to_account_info(),
        to: vault.to_account_info(),
        authority: authority.to_account_info(),
    };
    transfer_checked(CpiContext::new(token_program.key(), accounts), amount, mint.decimals)
}

/// Moves `amount` out of the vault to `to`, signed by the config PDA (the vault's authority).
pub fn pay_out<'info>(
    token_program: &Interface<'info, TokenInterface>,
    mint: &InterfaceAccount<'info, Mint>,
    vault: &InterfaceAccount<'info, TokenAccount>,
    to: &InterfaceAccount<'info, TokenAccount>,
    config: &Account<'info, Config>,
    amount: u64,
) -> Result<()> {
    let bump = [config.bump];
    let seeds: &[&[u8]] = &[Config::SEED, &bump];
    let accounts = TransferChecked {
        from: vault.to_account_info(),
        mint: mint.to_account_info(),
        to: to.to_account_info(),
        authority: config.to_account_info(),
    };
    transfer_checked(CpiContext::new_with_signer(token_program.key(), accounts, &[seeds]), amount, mint.decimals)
}
