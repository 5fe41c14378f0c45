//! Substituted, forged and mis-signed accounts: each refused with its exact error.
use anchor_lang::error::ErrorCode as AnchorError;
use anchor_lang::prelude::Pubkey;
use anchor_spl::token_2022::spl_token_2022;
use solana_account::AccountSharedData;
use solana_keypair::Keypair;
use solana_program_test::tokio;
use solana_signer::Signer;
use vetmai::{LockKind, VetmaiError};
use vetmai_client::pda;

use crate::fixture::*;

const YEAR: u64 = 365 * DAY;

#[tokio::test]
async fn type_cosplay_is_refused() {
    let mut fx = Fx::new().await;
    let w = fx.wallet(100 * TMAI).await;
    fx.lock(&w, TMAI, YEAR, LockKind::Fixed).await;
    // The staker account passed where a position is expected.
    let ix = fx.dep.extend_lock(w.key(), pda::staker(&w.key()), YEAR);
    expect_anchor(fx.send(&[ix], &[&w.kp]).await, AnchorError::AccountDiscriminatorMismatch);
}

#[tokio::test]
async fn accounts_owned_by_another_program_are_refused() {
    let mut fx = Fx::new().await;
    let w = fx.wallet(100 * TMAI).await;
    let pos = fx.lock(&w, TMAI, 7 * DAY, LockKind::Fixed).await;
    // A byte-for-byte copy of a real position, owned by the system program.
    let real = fx.ctx.banks_client.get_account(pos).await.unwrap().unwrap();
    let fake = Pubkey::new_unique();
    let mut forged = AccountSharedData::new(real.lamports, real.data.len(), &anchor_lang::system_program::ID);
    forged.set_data_from_slice(&real.data);
    fx.ctx.set_account(&fake, &forged);
    let ix = fx.dep.extend_lock(w.key(), fake, YEAR);
    expect_anchor(fx.send(&[ix], &[&w.kp]).await, AnchorError::AccountOwnedByWrongProgram);
}

#[tokio::test]
async fn a_substituted_config_is_refused() {
    let mut fx = Fx::new().await;
    let w = fx.wallet(100 * TMAI).await;
    let pos = fx.lock(&w, TMAI, 7 * DAY, LockKind::Fixed).await;
    // A copy of the real config owned by the program, at an address that is not the config PDA.
    let real = fx.ctx.banks_client.get_account(pda::config()).await.unwrap().unwrap();
    let fake = Pubkey::new_unique();
    let mut forged = AccountSharedData::new(real.lamports, real.data.len(), &vetmai::ID);
    forged.set_data_from_slice(&real.data);
    fx.ctx.set_account(&fake, &forged);
    let mut ix = fx.dep.extend_lock(w.key(), pos, YEAR);
    ix.accounts[1].pubkey = fake;
    expect_anchor(fx.send(&[ix], &[&w.kp]).await, AnchorError::ConstraintSeeds);
}

#[tokio::test]
async fn a_non_canonical_bump_is_refused() {
    let mut fx = Fx::new().await;
    let w = fx.wallet(100 * TMAI).await;
    let (canonical, cbump) = Pubkey::find_program_address(&[vetmai::Staker::SEED, w.key().as_ref()], &vetmai::ID);
    let other = (0..cbump)
        .rev()
        .find_map(|b| Pubkey::create_program_address(&[vetmai::Staker::SEED, w.key().as_ref(), &[b]], &vetmai::ID).ok())
        .expect("some non-canonical bump exists");
    assert_ne!(other, canonical);
    let mut ix = fx.dep.create_lock(w.key(), w.token, 0, TMAI, YEAR, LockKind::Fixed);
    let slot = ix.accounts.iter().position(|m| m.pubkey == canonical).unwrap();
    ix.accounts[slot].pubkey = other;
    expect_anchor(fx.send(&[ix], &[&w.kp]).await, AnchorError::ConstraintSeeds);
}

#[tokio::test]
async fn missing_signature_is_refused() {
    let mut fx = Fx::new().await;
    let w = fx.wallet(100 * TMAI).await;
    let pos = fx.lock(&w, TMAI, 7 * DAY, LockKind::Fixed).await;
    let mut ix = fx.dep.extend_lock(w.key(), pos, YEAR);
    ix.accounts[0].is_signer = false;
    expect_anchor(fx.send(&[ix], &[]).await, AnchorError::AccountNotSigner);
}

#[tokio::test]
async fn wrong_mint_vault_and_token_program_are_refused() {
    let mut fx = Fx::new().await;
    let w = fx.wallet(100 * TMAI).await;
    let ix = |fx: &Fx| fx.dep.create_lock(w.key(), w.token, 0, TMAI, YEAR, LockKind::Fixed);
    // Another mint.
    let other_mint = Keypair::new();
    let tp = fx.dep.token_program;
    fx.create_mint(&other_mint, tp, &[]).await;
    let mut bad = ix(&fx);
    bad.accounts[2].pubkey = other_mint.pubkey();
    expect_err(fx.send(&[bad], &[&w.kp]).await, VetmaiError::WrongMint);
    // Another TMAI token account in place of the vault.
    let decoy = fx.token_account(w.key(), fx.dep.tmai_mint).await;
    let mut bad = ix(&fx);
    bad.accounts[3].pubkey = decoy;
    expect_err(fx.send(&[bad], &[&w.kp]).await, VetmaiError::WrongVault);
    // Token-2022 in place of the mint's own SPL Token program.
    let mut bad = ix(&fx);
    let tp_slot = bad.accounts.iter().position(|m| m.pubkey == tp).unwrap();
    bad.accounts[tp_slot].pubkey = spl_token_2022::ID;
    expect_anchor(fx.send(&[bad], &[&w.kp]).await, AnchorError::ConstraintTokenTokenProgram);
    assert_eq!(fx.balance(w.token).await, 100 * TMAI);
}

#[tokio::test]
async fn the_vault_cannot_double_as_the_source() {
    let mut fx = Fx::new().await;
    let w = fx.wallet(100 * TMAI).await;
    fx.lock(&w, TMAI, YEAR, LockKind::Fixed).await;
    let mut ix = fx.dep.create_lock(w.key(), w.token, 1, TMAI, YEAR, LockKind::Fixed);
    ix.accounts[4].pubkey = pda::vault();
    expect_anchor(fx.send(&[ix], &[&w.kp]).await, AnchorError::ConstraintDuplicateMutableAccount);
}
