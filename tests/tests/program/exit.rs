//! Issue 13 (3): a third party cannot hold principal hostage. A reward mint with a freeze
//! authority freezes its pool's vault: the lock still returns its TMAI (`exit_lock`), what it is
//! owed stays claimable and is paid after a thaw, or is forfeited back to the pool.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_spl::token::spl_token;
use solana_keypair::Keypair;
use solana_program_test::tokio;
use solana_signer::Signer;
use vetmai::{ExitRewards, LockKind, VetmaiError};
use vetmai_client::ix::{ClaimAccounts, PoolRef, WithdrawPayout};
use vetmai_client::{pda, view};

use crate::fixture::*;

const USDC: u64 = 1_000_000;

/// A USDC-like mint (SPL Token, the fixture payer as mint and freeze authority) and its pool.
async fn freezable_pool(fx: &mut Fx) -> PoolRef {
    let mint = Keypair::new();
    let payer = fx.payer();
    let rent = fx.ctx.banks_client.get_rent().await.unwrap();
    let space = spl_token::state::Mint::LEN;
    let ixs = [
        anchor_lang::solana_program::system_instruction::create_account(
            &payer,
            &mint.pubkey(),
            rent.minimum_balance(space),
            space as u64,
            &spl_token::ID,
        ),
        spl_token::instruction::initialize_mint2(&spl_token::ID, &mint.pubkey(), &payer, Some(&payer), 6).unwrap(),
    ];
    fx.send(&ixs, &[&mint]).await.unwrap();
    let pool = PoolRef { mint: mint.pubkey(), token_program: spl_token::ID };
    let admin = fx.admin.insecure_clone();
    fx.send(&[fx.dep.create_reward_pool(admin.pubkey(), pool)], &[&admin]).await.unwrap();
    fx.dep.add_pool(pool.address());
    pool
}

async fn set_frozen(fx: &mut Fx, pool: PoolRef, frozen: bool) {
    let payer = fx.payer();
    let vault = pda::reward_vault(&pool.address());
    let ix = if frozen {
        spl_token::instruction::freeze_account(&spl_token::ID, &vault, &pool.mint, &payer, &[]).unwrap()
    } else {
        spl_token::instruction::thaw_account(&spl_token::ID, &vault, &pool.mint, &payer, &[]).unwrap()
    };
    fx.send(&[ix], &[]).await.unwrap();
}

async fn history_chunks(fx: &mut Fx, pool: PoolRef, pos: Pubkey) -> Vec<u64> {
    let p = fx.pool(pool).await;
    let position = fx.position(pos).await;
    let now = fx.now().await;
    vec![view::claim_history_chunk(&p, &position, now).unwrap_or(0)]
}

#[tokio::test]
async fn a_frozen_reward_vault_cannot_keep_principal_locked() {
    let mut fx = Fx::new().await;
    let usdc = freezable_pool(&mut fx).await;
    let keep = fx.wallet(1_000 * TMAI).await;
    let forfeit = fx.wallet(1_000 * TMAI).await;
    let kp = fx.lock(&keep, 1_000 * TMAI, 7 * DAY, LockKind::Fixed).await;
    let fp = fx.lock(&forfeit, 1_000 * TMAI, 7 * DAY, LockKind::Fixed).await;
    fx.deposit(usdc, 700 * USDC).await.unwrap();
    let end = fx.position(kp).await.end;
    fx.warp_to(end + DAY as i64).await;
    fx.crank(usdc).await.unwrap();
    set_frozen(&mut fx, usdc, true).await;

    // Today's exits are blocked: withdraw must pay every pool first, and the vault cannot pay.
    let dest = fx.token_account_in(keep.key(), usdc.mint, usdc.token_program).await;
    let ix = fx.dep.withdraw(keep.key(), keep.token, kp);
    expect_err(fx.send(&[ix], &[&keep.kp]).await, VetmaiError::RewardsNotSettled);
    let chunk = history_chunks(&mut fx, usdc, kp).await[0];
    let payout = WithdrawPayout { pool: usdc, history_chunk: chunk, destination: dest };
    let ix = fx.dep.withdraw_paying(keep.key(), keep.token, kp, &[payout]);
    assert!(fx.send(&[ix], &[&keep.kp]).await.is_err(), "a frozen vault cannot pay out");

    // exit_lock keeping the rewards: the TMAI comes back, the owed reward stays in the position.
    let chunks = history_chunks(&mut fx, usdc, kp).await;
    let ix = fx.dep.exit_lock(keep.key(), keep.token, kp, ExitRewards::Keep, &chunks);
    fx.send(&[ix], &[&keep.kp]).await.unwrap();
    assert_eq!(fx.balance(keep.token).await, 1_000 * TMAI, "principal returned");
    let shell = fx.position(kp).await;
    let owed = shell.rewards[0].owed;
    assert!((349 * USDC..=350 * USDC).contains(&owed), "half the stream is owed: {owed}");
    assert_eq!((shell.amount, shell.score), (0, 0));
    let (c, s) = (fx.config().await, fx.staker(keep.key()).await);
    assert_eq!((c.totals.locked_amount, s.locked_amount), (1_000 * TMAI, 0), "forfeit's lock still counted");
    assert_eq!(fx.balance(pda::vault()).await, 1_000 * TMAI);
    // The shell cannot be exited twice, re-locked or topped up.
    let ix = fx.dep.exit_lock(keep.key(), keep.token, kp, ExitRewards::Keep, &chunks);
    expect_err(fx.send(&[ix], &[&keep.kp]).await, VetmaiError::PositionEmpty);
    let ix = fx.dep.extend_lock(keep.key(), kp, 30 * DAY);
    expect_err(fx.send(&[ix], &[&keep.kp]).await, VetmaiError::PositionEmpty);
    let ix = fx.dep.increase_amount(keep.key(), keep.token, kp, TMAI);
    expect_err(fx.send(&[ix], &[&keep.kp]).await, VetmaiError::LockExpired);

    // exit_lock forfeiting: the position closes at once; its reward goes back to the stream.
    let carry_before = fx.pool(usdc).await.stream.carry;
    let chunks = history_chunks(&mut fx, usdc, fp).await;
    let owed_f = {
        let p = fx.pool(usdc).await;
        let pos = fx.position(fp).await;
        let now = fx.now().await;
        let h = fx.histories(usdc).await;
        view::pending_rewards(&p, &pos, &h, now).unwrap()
    };
    let ix = fx.dep.exit_lock(forfeit.key(), forfeit.token, fp, ExitRewards::Forfeit, &chunks);
    fx.send(&[ix], &[&forfeit.kp]).await.unwrap();
    assert_eq!(fx.balance(forfeit.token).await, 1_000 * TMAI);
    assert!(fx.ctx.banks_client.get_account(fp).await.unwrap().is_none(), "closed, rent back");
    assert_eq!(fx.pool(usdc).await.stream.carry, carry_before + owed_f, "forfeited reward kept for stakers");
    assert_eq!(fx.staker(forfeit.key()).await.open_positions, 0);
    assert_eq!(fx.config().await.totals.locked_amount, 0);

    // While frozen the claim fails and changes nothing; after a thaw it pays exactly what is owed.
    let c = ClaimAccounts { pool: usdc, pool_index: 0, destination: Some(dest), target: None, history_chunk: None };
    let claim = fx.dep.claim_rewards(keep.key(), kp, vetmai::ClaimMode::Payout, &c);
    // SPL Token refuses to move tokens out of a frozen account: TokenError::AccountFrozen.
    expect_code(fx.send(std::slice::from_ref(&claim), &[&keep.kp]).await, 17);
    assert_eq!(fx.position(kp).await.rewards[0].owed, owed);
    set_frozen(&mut fx, usdc, false).await;
    fx.send(&[claim], &[&keep.kp]).await.unwrap();
    assert_eq!(fx.balance(dest).await, owed);
    // Then the shell closes like any withdrawn position.
    fx.send(&[fx.dep.withdraw(keep.key(), keep.token, kp)], &[&keep.kp]).await.unwrap();
    assert!(fx.ctx.banks_client.get_account(kp).await.unwrap().is_none());
    assert_eq!((fx.staker(keep.key()).await.open_positions, fx.config().await.totals.open_positions), (0, 0));
    let pool = fx.pool(usdc).await;
    let vault = fx.balance(pda::reward_vault(&usdc.address())).await;
    assert_eq!(u128::from(vault), pool.total_deposited - pool.total_claimed, "conserved to the base unit");
}

#[tokio::test]
async fn exit_lock_refuses_locked_and_constant_positions_and_wrong_histories() {
    let mut fx = Fx::new().await;
    let usdc = freezable_pool(&mut fx).await;
    let w = fx.wallet(1_000 * TMAI).await;
    let fixed = fx.lock(&w, 100 * TMAI, 7 * DAY, LockKind::Fixed).await;
    let constant = fx.lock(&w, 100 * TMAI, 7 * DAY, LockKind::Constant).await;
    let ix = fx.dep.exit_lock(w.key(), w.token, fixed, ExitRewards::Keep, &[0]);
    expect_err(fx.send(&[ix], &[&w.kp]).await, VetmaiError::LockNotExpired);
    let ix = fx.dep.exit_lock(w.key(), w.token, constant, ExitRewards::Keep, &[0]);
    expect_err(fx.send(&[ix], &[&w.kp]).await, VetmaiError::ConstantNotUnlocking);
    let end = fx.position(fixed).await.end;
    fx.warp_to(end).await;
    fx.crank(usdc).await.unwrap();
    // Histories left out.
    let ix = fx.dep.exit_lock(w.key(), w.token, fixed, ExitRewards::Keep, &[]);
    expect_err(fx.send(&[ix], &[&w.kp]).await, VetmaiError::HistoryChunkMissing);
    // Someone else's position.
    let mallory = fx.wallet(100 * TMAI).await;
    fx.lock(&mallory, 100 * TMAI, 365 * DAY, LockKind::Fixed).await;
    let ix = fx.dep.exit_lock(mallory.key(), mallory.token, fixed, ExitRewards::Forfeit, &[0]);
    expect_err(fx.send(&[ix], &[&mallory.kp]).await, VetmaiError::NotPositionOwner);
    assert_eq!(fx.position(fixed).await.amount, 100 * TMAI);
    assert_eq!(fx.balance(pda::vault()).await, 300 * TMAI);
}
