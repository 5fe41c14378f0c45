//! Token movements in and out of the vault (SPL Token and Token-2022 alike).
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{transfer_checked, Mint, TokenAccount, TokenInterface, TransferChecked};

use anchor_spl::token_2022::spl_token_2022::{
    self,
    extension::{BaseStateWithExtensions, ExtensionType, StateWithExtensions},
};

use crate::error::VetmaiError;
use crate::state::{Config, SaleRound};

/// Token-2022 extensions that would break exact accounting or custody: fees change the amount
/// received, hooks need extra accounts, a permanent delegate could drain a vault, a pause or a
/// frozen default state could stop every vault, and a mint that can be closed could be
/// re-created at the same address with other decimals.
const REJECTED_EXTENSIONS: [ExtensionType; 8] = [
    ExtensionType::TransferFeeConfig,
    ExtensionType::TransferHook,
    ExtensionType::PermanentDelegate,
    ExtensionType::NonTransferable,
    ExtensionType::ConfidentialTransferMint,
    ExtensionType::Pausable,
    ExtensionType::MintCloseAuthority,
    ExtensionType::DefaultAccountState,
];

/// Refuses Token-2022 mints carrying an extension in [`REJECTED_EXTENSIONS`].
pub fn check_mint_extensions(mint: &AccountInfo) -> Result<()> {
    if *mint.owner != spl_token_2022::ID {
        return Ok(());
    }
    let data = mint.try_borrow_data()?;
    let state = StateWithExtensions::<spl_token_2022::state::Mint>::unpack(&data)?;
    for ext in state.get_extension_types()? {
        require!(!REJECTED_EXTENSIONS.contains(&ext), VetmaiError::UnsupportedMintExtension);
    }
    Ok(())
}

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

/// Moves `amount` out of a program vault (locked TMAI or a reward vault) to `to`, signed by the
/// config PDA, the authority of those vaults.
pub fn pay_out<'info>(
    token_program: &Interface<'info, TokenInterface>,
    mint: &InterfaceAccount<'info, Mint>,
    vault: &InterfaceAccount<'info, TokenAccount>,
    to: &InterfaceAccount<'info, TokenAccount>,
    config: &Account<'info, Config>,
    amount: u64,
) -> Result<()> {
    let bump = [config.bump];
    transfer_signed(token_program, mint, vault, to, &config.to_account_info(), &[Config::SEED, &bump], amount)
}

/// Moves `amount` from `from` to `to`, signed by the program PDA `authority` with `seeds`.
pub fn transfer_signed<'info>(
    token_program: &Interface<'info, TokenInterface>,
    mint: &InterfaceAccount<'info, Mint>,
    from: &InterfaceAccount<'info, TokenAccount>,
    to: &InterfaceAccount<'info, TokenAccount>,
    authority: &AccountInfo<'info>,
    seeds: &[&[u8]],
    amount: u64,
) -> Result<()> {
    let accounts = TransferChecked {
        from: from.to_account_info(),
        mint: mint.to_account_info(),
        to: to.to_account_info(),
        authority: authority.clone(),
    };
    transfer_checked(CpiContext::new_with_signer(token_program.key(), accounts, &[seeds]), amount, mint.decimals)
}

/// Moves `amount` out of a sale round's escrow vault, signed by the round PDA (the vault's only
/// authority: neither the config nor the DAO can move escrowed payments).
pub fn escrow_out<'info>(
    token_program: &Interface<'info, TokenInterface>,
    mint: &InterfaceAccount<'info, Mint>,
    vault: &InterfaceAccount<'info, TokenAccount>,
    to: &InterfaceAccount<'info, TokenAccount>,
    round: &Account<'info, SaleRound>,
    amount: u64,
) -> Result<()> {
    let id = round.id.to_le_bytes();
    let bump = [round.bump];
    transfer_signed(token_program, mint, vault, to, &round.to_account_info(), &[SaleRound::SEED, &id, &bump], amount)
}
