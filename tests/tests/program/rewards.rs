//! Reward pools: create_reward_pool, deposit_revenue, crank_pool, extend_reward_history,
//! claim_rewards (payout / reinvest), harvest, set_auto_compound, and rewards around withdraw.
use anchor_lang::error::ErrorCode as AnchorError;
use solana_keypair::Keypair;
use solana_program_test::tokio;
use solana_signer::Signer;
use vetmai::state::ParamsUpdate;
use vetmai::{ClaimMode, LockKind, VetmaiError};
use vetmai_client::ix::{ClaimAccounts, PoolRef, WithdrawPayout};
use vetmai_client::{pda, view};

use crate::fixture::*;

const YEAR: u64 = 365 * DAY;
const USDC: u64 = 1_000_000;

/// Claim accounts for a payout to `destination` (history chunk from the pool's state).
async fn claim_payout(
    fx: &mut Fx,
    w: &Wallet,
    pos: anchor_lang::prelude::Pubkey,
    pool: PoolRef,
    index: u8,
    dest: anchor_lang::prelude::Pubkey,
) -> Result<u64, solana_program_test::BanksClientError> {
    let before = fx.balance(dest).await;
    let ix = claim_ix(fx, w, pos, pool, index, ClaimMode::Payout, Some(dest), None).await;
    fx.send(&[ix], &[&w.kp]).await?;
    Ok(fx.balance(dest).await - before)
}

#[allow(clippy::too_many_arguments)]
async fn claim_ix(
    fx: &mut Fx,
    w: &Wallet,
    pos: anchor_lang::prelude::Pubkey,
    pool: PoolRef,
    index: u8,
    mode: ClaimMode,
    destination: Option<anchor_lang::prelude::Pubkey>,
    target: Option<anchor_lang::prelude::Pubkey>,
) -> anchor_lang::solana_program::instruction::Instruction {
    let p = fx.pool(pool).await;
    let now = fx.now().await;
    let history_chunk = match fx.account::<vetmai::Position>(pos).await {
        Some(position) => view::claim_history_chunk(&p, &position, now),
        None => None,
    };
    let c = ClaimAccounts { pool, pool_index: index, destination, target, history_chunk };
    fx.dep.claim_rewards(w.key(), pos, mode, &c)
}

#[tokio::test]
async fn pools_are_registered_by_the_admin_up_to_four() {
    let mut fx = Fx::new().await;
    let w = fx.wallet(1_000 * TMAI).await;
    fx.lock(&w, 100 * TMAI, YEAR, LockKind::Fixed).await;
    let usdc = fx.create_pool(Some(TokenKind::Spl)).await;
    let p = fx.pool(usdc).await;
    let c = fx.config().await;
    assert_eq!((p.index, p.mint, p.vault), (0, usdc.mint, pda::reward_vault(&usdc.address())));
    assert_eq!(p.score, c.totals.score, "a new pool shares among every open position");
    assert_eq!((c.reward_pool_count, c.reward_pools[0]), (1, usdc.address()));
    // Non-admin (funded, so the failure is the authority check, not rent).
    let mallory = Keypair::new();
    fx.airdrop(mallory.pubkey(), 1_000_000_000).await;
    let mint = Keypair::new();
    fx.create_mint(&mint, spl_token_id(), &[]).await;
    let other = PoolRef { mint: mint.pubkey(), token_program: spl_token_id() };
    expect_err(
        fx.send(&[fx.dep.create_reward_pool(mallory.pubkey(), other)], &[&mallory]).await,
        VetmaiError::Unauthorized,
    );
    // A second pool for the same mint is the same PDA: refused by the system program.
    let admin = fx.admin.insecure_clone();
    assert!(fx.send(&[fx.dep.create_reward_pool(admin.pubkey(), usdc)], &[&admin]).await.is_err());
    fx.create_pool(Some(TokenKind::Token2022)).await;
    fx.create_pool(None).await;
    fx.create_pool(Some(TokenKind::Spl)).await;
    let mint = Keypair::new();
    fx.create_mint(&mint, spl_token_id(), &[]).await;
    let fifth = PoolRef { mint: mint.pubkey(), token_program: spl_token_id() };
    expect_err(
        fx.send(&[fx.dep.create_reward_pool(admin.pubkey(), fifth)], &[&admin]).await,
        VetmaiError::TooManyRewardPools,
    );
}

fn spl_token_id() -> anchor_lang::prelude::Pubkey {
    TokenKind::Spl.program()
}

#[tokio::test]
async fn deposits_stream_over_their_period_in_proportion_to_score() {
    for kind in [TokenKind::Spl, TokenKind::Token2022] {
        let mut fx = Fx::new().await;
        let a = fx.wallet(1_000_000 * TMAI).await;
        let b = fx.wallet(1_000_000 * TMAI).await;
        // Same duration, amounts 1:3 → scores 1:3.
        let pa = fx.lock(&a, 100_000 * TMAI, YEAR, LockKind::Fixed).await;
        let pb = fx.lock(&b, 300_000 * TMAI, YEAR, LockKind::Fixed).await;
        let usdc = fx.create_pool(Some(kind)).await;
        let t = fx.now().await;
        fx.deposit(usdc, 7_000 * USDC).await.unwrap();
        // Seven days, to the next epoch boundary.
        let end = stream_end(t, 7 * DAY as i64);
        assert_eq!(fx.pool(usdc).await.stream.end, end);
        let da = fx.token_account_in(a.key(), usdc.mint, usdc.token_program).await;
        let db = fx.token_account_in(b.key(), usdc.mint, usdc.token_program).await;
        // Halfway through the stream: half released.
        fx.warp_by((end - t) / 2).await;
        let got_a = claim_payout(&mut fx, &a, pa, usdc, 0, da).await.unwrap();
        assert!((875 * USDC - 1..=875 * USDC).contains(&got_a), "a got {got_a}");
        // After the end everything is out; totals reconcile to the base unit.
        fx.warp_by(10 * DAY as i64).await;
        let got_a2 = claim_payout(&mut fx, &a, pa, usdc, 0, da).await.unwrap();
        let got_b = claim_payout(&mut fx, &b, pb, usdc, 0, db).await.unwrap();
        assert!((1_750 * USDC - 2..=1_750 * USDC).contains(&(got_a + got_a2)), "a total {}", got_a + got_a2);
        assert!((5_250 * USDC - 2..=5_250 * USDC).contains(&got_b), "b got {got_b}");
        let p = fx.pool(usdc).await;
        let vault = fx.balance(pda::reward_vault(&usdc.address())).await;
        assert_eq!(p.total_claimed, u128::from(got_a + got_a2 + got_b));
        assert_eq!(u128::from(vault), p.total_deposited - p.total_claimed, "dust stays in the vault");
        assert!(vault <= 3, "dust is bounded: {vault}");
        // A second claim right away pays nothing more.
        assert_eq!(claim_payout(&mut fx, &b, pb, usdc, 0, db).await.unwrap(), 0);
    }
}

/// A later deposit must not re-spread what an earlier one still holds: each streams over its own
/// period, so a lock ending when the first stream ends gets all of its share of the first deposit.
#[tokio::test]
async fn each_deposit_streams_over_its_own_period() {
    let mut fx = Fx::new().await;
    let a = fx.wallet(1_000_000 * TMAI).await;
    let b = fx.wallet(1_000_000 * TMAI).await;
    let usdc = fx.create_pool(Some(TokenKind::Spl)).await;
    let period = 7 * DAY as i64;
    let t1 = fx.now().await;
    let e1 = stream_end(t1, period);
    // a's lock ends exactly when the first deposit's stream does; b keeps earning.
    let pa = fx.lock(&a, 100_000 * TMAI, (e1 - t1) as u64, LockKind::Fixed).await;
    let pb = fx.lock(&b, 100_000 * TMAI, YEAR, LockKind::Constant).await;
    assert_eq!(fx.position(pa).await.end, e1);
    let (sa, sb) = (fx.position(pa).await.score, fx.position(pb).await.score);
    let (d1, d2) = (8_500 * USDC, 9_500 * USDC);
    fx.deposit(usdc, d1).await.unwrap();
    // A second deposit five days into the first stream.
    fx.warp_to(t1 + 5 * DAY as i64).await;
    let t2 = fx.now().await;
    let e2 = stream_end(t2, period);
    fx.deposit(usdc, d2).await.unwrap();
    let pool = fx.pool(usdc).await;
    assert_eq!(pool.stream.end, e2, "the latest stream ends one period (rounded to a boundary) after it began");
    fx.warp_to(e2 + DAY as i64).await;
    fx.crank(usdc).await.unwrap();
    // a: its share of all of d1, plus of what d2 released before e1.
    let d2_by_e1 = u128::from(d2) * (e1 - t2) as u128 / (e2 - t2) as u128;
    let want_a = (u128::from(d1) + d2_by_e1) * sa / (sa + sb);
    let da = fx.token_account_in(a.key(), usdc.mint, usdc.token_program).await;
    let db = fx.token_account_in(b.key(), usdc.mint, usdc.token_program).await;
    let got_a = u128::from(claim_payout(&mut fx, &a, pa, usdc, 0, da).await.unwrap());
    assert!(want_a.abs_diff(got_a) <= 2, "a got {got_a}, its share of d1 and of d2 before e1 is {want_a}");
    let got_b = u128::from(claim_payout(&mut fx, &b, pb, usdc, 0, db).await.unwrap());
    let all = u128::from(d1 + d2);
    assert!(all - got_a - got_b <= 3, "b gets the rest: {got_b}");
    let pool = fx.pool(usdc).await;
    assert_eq!((pool.stream.remaining, pool.stream.carry), (0, 0), "both streams ended");
}

#[tokio::test]
async fn revenue_without_score_is_carried_not_handed_to_the_first_staker() {
    let mut fx = Fx::new().await;
    let usdc = fx.create_pool(Some(TokenKind::Spl)).await;
    let t = fx.now().await;
    fx.deposit(usdc, 700 * USDC).await.unwrap();
    fx.warp_to(stream_end(t, 7 * DAY as i64)).await;
    fx.crank(usdc).await.unwrap();
    let p = fx.pool(usdc).await;
    assert_eq!((p.stream.carry, p.stream.remaining), (700 * USDC, 0), "streamed with no score: carried");
    let w = fx.wallet(1_000 * TMAI).await;
    let pos = fx.lock(&w, 100 * TMAI, YEAR, LockKind::Fixed).await;
    let dest = fx.token_account_in(w.key(), usdc.mint, usdc.token_program).await;
    // The first staker does not receive the carry at once...
    assert_eq!(claim_payout(&mut fx, &w, pos, usdc, 0, dest).await.unwrap(), 0);
    // ...a crank re-streams it over a distribution period.
    fx.crank(usdc).await.unwrap();
    let p = fx.pool(usdc).await;
    assert_eq!((p.stream.carry, p.stream.remaining), (0, 700 * USDC));
    fx.warp_by(DAY as i64).await;
    let day = claim_payout(&mut fx, &w, pos, usdc, 0, dest).await.unwrap();
    assert!((100 * USDC - 1..=100 * USDC).contains(&day), "one day of seven: {day}");
    fx.warp_by(7 * DAY as i64).await;
    let rest = claim_payout(&mut fx, &w, pos, usdc, 0, dest).await.unwrap();
    assert!((700 * USDC - 2..=700 * USDC).contains(&(day + rest)));
}

#[tokio::test]
async fn a_position_that_ended_long_ago_is_settled_exactly_to_its_end() {
    let mut fx = Fx::new().await;
    let a = fx.wallet(1_000 * TMAI).await;
    let b = fx.wallet(1_000 * TMAI).await;
    let usdc = fx.create_pool(Some(TokenKind::Spl)).await;
    let pa = fx.lock(&a, 100 * TMAI, 7 * DAY, LockKind::Fixed).await;
    let pb = fx.lock(&b, 100 * TMAI, 7 * DAY, LockKind::Constant).await;
    let (sa, sb) = (fx.position(pa).await.score as u64, fx.position(pb).await.score as u64);
    assert_eq!(sa, sb);
    let end_a = fx.position(pa).await.end;
    // A 28-day stream, so it is still running when a's lock ends.
    let admin = fx.admin.insecure_clone();
    let ix = fx
        .dep
        .update_params(admin.pubkey(), ParamsUpdate { distribution_period: Some(28 * DAY), ..Default::default() });
    fx.send(&[ix], &[&admin]).await.unwrap();
    let t = fx.now().await;
    fx.deposit(usdc, 1_400 * USDC).await.unwrap();
    let stream_end = stream_end(t, 28 * DAY as i64);
    // 70 epochs later: a's lock ended after one epoch; b (constant) kept earning.
    fx.warp_by(70 * EPOCH).await;
    // A lock operation cannot pass the unrecorded boundary...
    let ix = fx.dep.increase_amount(b.key(), b.token, pb, TMAI);
    expect_err(fx.send(&[ix], &[&b.kp]).await, VetmaiError::PoolNeedsCrank);
    // ...a permissionless crank records it (one transaction for 70 epochs).
    fx.crank(usdc).await.unwrap();
    let released_by_end = 1_400 * USDC * (end_a - t) as u64 / (stream_end - t) as u64;
    let da = fx.token_account_in(a.key(), usdc.mint, usdc.token_program).await;
    let db = fx.token_account_in(b.key(), usdc.mint, usdc.token_program).await;
    // Pending, computed off-chain from account data, equals what the claim pays.
    let histories = fx.histories(usdc).await;
    let now = fx.now().await;
    let pending = view::pending_rewards(&fx.pool(usdc).await, &fx.position(pa).await, &histories, now).unwrap();
    let got_a = claim_payout(&mut fx, &a, pa, usdc, 0, da).await.unwrap();
    assert_eq!(pending, got_a);
    assert!(released_by_end / 2 - got_a <= 2, "a: {got_a} vs half of {released_by_end}");
    let got_b = claim_payout(&mut fx, &b, pb, usdc, 0, db).await.unwrap();
    assert!(1_400 * USDC - got_a - got_b <= 3, "b gets the rest: {got_b}");
    // Claiming again pays nothing; withdraw then succeeds.
    assert_eq!(claim_payout(&mut fx, &a, pa, usdc, 0, da).await.unwrap(), 0);
    fx.send(&[fx.dep.withdraw(a.key(), a.token, pa)], &[&a.kp]).await.unwrap();
    // Claiming on the closed position is refused.
    let ix = claim_ix(&mut fx, &a, pa, usdc, 0, ClaimMode::Payout, Some(da), None).await;
    expect_anchor(fx.send(&[ix], &[&a.kp]).await, AnchorError::AccountNotInitialized);
}

#[tokio::test]
async fn withdraw_requires_rewards_claimed_and_works_with_the_claim_in_the_same_transaction() {
    let mut fx = Fx::new().await;
    let w = fx.wallet(1_000 * TMAI).await;
    let usdc = fx.create_pool(Some(TokenKind::Spl)).await;
    let pos = fx.lock(&w, 100 * TMAI, 7 * DAY, LockKind::Fixed).await;
    fx.deposit(usdc, 70 * USDC).await.unwrap();
    let end = fx.position(pos).await.end;
    fx.warp_to(end + 1).await;
    fx.crank(usdc).await.unwrap();
    expect_err(fx.send(&[fx.dep.withdraw(w.key(), w.token, pos)], &[&w.kp]).await, VetmaiError::RewardsNotSettled);
    let dest = fx.token_account_in(w.key(), usdc.mint, usdc.token_program).await;
    let claim = claim_ix(&mut fx, &w, pos, usdc, 0, ClaimMode::Payout, Some(dest), None).await;
    let withdraw = fx.dep.withdraw(w.key(), w.token, pos);
    fx.send(&[claim, withdraw], &[&w.kp]).await.unwrap();
    assert_eq!(fx.balance(w.token).await, 1_000 * TMAI);
    let paid = fx.balance(dest).await;
    assert!(paid > 0 && paid <= 70 * USDC);
    assert_eq!(fx.pool(usdc).await.total_claimed, u128::from(paid));
}

#[tokio::test]
async fn withdraw_settles_and_pays_every_pool_itself() {
    let mut fx = Fx::new().await;
    let w = fx.wallet(1_000 * TMAI).await;
    let other = fx.wallet(1_000 * TMAI).await;
    let usdc = fx.create_pool(Some(TokenKind::Spl)).await;
    let tmai = fx.create_pool(None).await;
    let pos = fx.lock(&w, 100 * TMAI, 7 * DAY, LockKind::Fixed).await;
    fx.lock(&other, 100 * TMAI, YEAR, LockKind::Fixed).await;
    fx.deposit(usdc, 70 * USDC).await.unwrap();
    fx.deposit(tmai, 7 * TMAI).await.unwrap();
    fx.warp_by(40 * DAY as i64).await;
    fx.crank(usdc).await.unwrap();
    fx.crank(tmai).await.unwrap();
    let now = fx.now().await;
    let position = fx.position(pos).await;
    let mut payouts = vec![];
    let mut expected = vec![];
    for pool in [usdc, tmai] {
        let p = fx.pool(pool).await;
        expected.push(view::pending_rewards(&p, &position, &fx.histories(pool).await, now).unwrap());
        let destination =
            if pool == tmai { w.token } else { fx.token_account_in(w.key(), pool.mint, pool.token_program).await };
        let history_chunk = view::claim_history_chunk(&p, &position, now).unwrap_or(0);
        payouts.push(WithdrawPayout { pool, history_chunk, destination });
    }
    assert!(expected.iter().all(|e| *e > 0));
    // A payout to someone else's account is refused.
    let mut wrong = payouts.clone();
    wrong[0].destination = fx.token_account_in(other.key(), usdc.mint, usdc.token_program).await;
    let ix = fx.dep.withdraw_paying(w.key(), w.token, pos, &wrong);
    expect_err(fx.send(&[ix], &[&w.kp]).await, VetmaiError::WrongRewardDestination);
    // Groups for only some pools are refused.
    let ix = fx.dep.withdraw_paying(w.key(), w.token, pos, &payouts[..1]);
    expect_err(fx.send(&[ix], &[&w.kp]).await, VetmaiError::MissingClaimAccount);
    let ix = fx.dep.withdraw_paying(w.key(), w.token, pos, &payouts);
    fx.send(&[ix], &[&w.kp]).await.unwrap();
    assert_eq!(fx.balance(payouts[0].destination).await, expected[0]);
    assert_eq!(fx.balance(w.token).await, 1_000 * TMAI + expected[1], "principal and TMAI rewards");
    assert!(fx.ctx.banks_client.get_account(pos).await.unwrap().is_none());
    assert_eq!(fx.pool(usdc).await.total_claimed, u128::from(expected[0]));
}

#[tokio::test]
async fn tmai_rewards_reinvest_into_a_locked_position() {
    let mut fx = Fx::new().await;
    let w = fx.wallet(1_000 * TMAI).await;
    let other = fx.wallet(1_000 * TMAI).await;
    let tmai = fx.create_pool(None).await;
    let usdc = fx.create_pool(Some(TokenKind::Spl)).await;
    let p1 = fx.lock(&w, 100 * TMAI, YEAR, LockKind::Fixed).await;
    let p2 = fx.lock(&w, 100 * TMAI, YEAR, LockKind::Constant).await;
    let po = fx.lock(&other, 100 * TMAI, YEAR, LockKind::Fixed).await;
    fx.deposit(tmai, 30 * TMAI).await.unwrap();
    fx.deposit(usdc, 30 * USDC).await.unwrap();
    fx.warp_by(8 * DAY as i64).await;
    fx.crank(tmai).await.unwrap();
    fx.crank(usdc).await.unwrap();
    // From a non-TMAI pool: refused.
    let ix = claim_ix(&mut fx, &w, p1, usdc, 1, ClaimMode::Reinvest, None, None).await;
    expect_err(fx.send(&[ix], &[&w.kp]).await, VetmaiError::ReinvestNotTmai);
    // Into someone else's position: refused.
    let ix = claim_ix(&mut fx, &w, p1, tmai, 0, ClaimMode::Reinvest, None, Some(po)).await;
    expect_err(fx.send(&[ix], &[&w.kp]).await, VetmaiError::NotPositionOwner);
    // Payout without a destination: refused.
    let ix = claim_ix(&mut fx, &w, p1, tmai, 0, ClaimMode::Payout, None, None).await;
    expect_err(fx.send(&[ix], &[&w.kp]).await, VetmaiError::MissingClaimAccount);
    // Into the constant position p2: its amount and score grow like increase_amount.
    let before = fx.position(p2).await;
    let pending = view::pending_rewards(&fx.pool(tmai).await, &fx.position(p1).await, &[], fx.now().await).unwrap();
    assert!(pending > 0);
    let vault_before = fx.balance(pda::vault()).await;
    let ix = claim_ix(&mut fx, &w, p1, tmai, 0, ClaimMode::Reinvest, None, Some(p2)).await;
    fx.send(&[ix], &[&w.kp]).await.unwrap();
    let after = fx.position(p2).await;
    assert_eq!(after.amount, before.amount + pending);
    assert_eq!(after.score, before.score + 2 * u128::from(pending), "constant 12-month lock: 2.0x on the added part");
    assert_eq!(fx.balance(pda::vault()).await, vault_before + pending);
    assert_eq!(fx.config().await.totals.locked_amount, 300 * TMAI + pending);
    assert_eq!(fx.pool(tmai).await.score.ve_at(fx.now().await), fx.config().await.totals.ve_at(fx.now().await));
}

#[tokio::test]
async fn harvest_compounds_only_positions_that_opted_in() {
    let mut fx = Fx::new().await;
    let w = fx.wallet(1_000 * TMAI).await;
    let tmai = fx.create_pool(None).await;
    let pos = fx.lock(&w, 100 * TMAI, YEAR, LockKind::Fixed).await;
    let t = fx.now().await;
    fx.deposit(tmai, 7 * TMAI).await.unwrap();
    let day_of = 7 * TMAI * DAY / (stream_end(t, 7 * DAY as i64) - t) as u64;
    fx.warp_by(DAY as i64).await;
    let cranker = Keypair::new();
    let c = ClaimAccounts { pool: tmai, pool_index: 0, destination: None, target: None, history_chunk: None };
    let ix = fx.dep.harvest(cranker.pubkey(), w.key(), pos, &c);
    expect_err(fx.send(std::slice::from_ref(&ix), &[&cranker]).await, VetmaiError::AutoCompoundOff);
    // Only the owner can opt in.
    let ix_on = fx.dep.set_auto_compound(cranker.pubkey(), pos, true);
    expect_err(fx.send(&[ix_on], &[&cranker]).await, VetmaiError::NotPositionOwner);
    fx.send(&[fx.dep.set_auto_compound(w.key(), pos, true)], &[&w.kp]).await.unwrap();
    let before = fx.position(pos).await.amount;
    let ix = fx.dep.harvest(cranker.pubkey(), w.key(), pos, &c);
    fx.send(&[ix], &[&cranker]).await.unwrap();
    let gained = fx.position(pos).await.amount - before;
    assert!((day_of - 1..=day_of).contains(&gained), "one day of the 7 TMAI stream: {gained} of {day_of}");
}

#[tokio::test]
async fn pools_must_all_be_passed_in_order() {
    let mut fx = Fx::new().await;
    let w = fx.wallet(1_000 * TMAI).await;
    let a = fx.create_pool(Some(TokenKind::Spl)).await;
    let b = fx.create_pool(Some(TokenKind::Spl)).await;
    let mut ix = fx.dep.create_lock(w.key(), w.token, 0, TMAI, YEAR, LockKind::Fixed);
    ix.accounts.pop();
    expect_err(fx.send(&[ix], &[&w.kp]).await, VetmaiError::MissingRewardPools);
    let mut ix = fx.dep.create_lock(w.key(), w.token, 0, TMAI, YEAR, LockKind::Fixed);
    let n = ix.accounts.len();
    ix.accounts.swap(n - 1, n - 2);
    expect_err(fx.send(&[ix], &[&w.kp]).await, VetmaiError::WrongRewardPool);
    let _ = (a, b);
}

#[tokio::test]
async fn deposit_is_for_the_revenue_authority_only() {
    let mut fx = Fx::new().await;
    let usdc = fx.create_pool(Some(TokenKind::Spl)).await;
    let mallory = fx.wallet(0).await;
    let src = fx.token_account_in(mallory.key(), usdc.mint, usdc.token_program).await;
    fx.mint_to_in(usdc, src, 10 * USDC).await;
    let ix = fx.dep.deposit_revenue(mallory.key(), usdc, src, USDC);
    expect_err(fx.send(&[ix], &[&mallory.kp]).await, VetmaiError::Unauthorized);
    let admin = fx.admin.insecure_clone();
    // The admin hands the role over; the new authority deposits.
    fx.send(&[fx.dep.set_revenue_authority(admin.pubkey(), mallory.key())], &[&admin]).await.unwrap();
    let ix = fx.dep.deposit_revenue(mallory.key(), usdc, src, 0);
    expect_err(fx.send(&[ix], &[&mallory.kp]).await, VetmaiError::ZeroAmount);
    // Another token account of the mint in place of the pool vault; another mint.
    let decoy = fx.token_account_in(mallory.key(), usdc.mint, usdc.token_program).await;
    let mut ix = fx.dep.deposit_revenue(mallory.key(), usdc, src, USDC);
    ix.accounts[4].pubkey = decoy;
    expect_err(fx.send(&[ix], &[&mallory.kp]).await, VetmaiError::WrongVault);
    let mut ix = fx.dep.deposit_revenue(mallory.key(), usdc, src, USDC);
    ix.accounts[3].pubkey = fx.dep.tmai_mint;
    expect_err(fx.send(&[ix], &[&mallory.kp]).await, VetmaiError::WrongMint);
    fx.send(&[fx.dep.deposit_revenue(mallory.key(), usdc, src, USDC)], &[&mallory.kp]).await.unwrap();
    assert_eq!(fx.pool(usdc).await.total_deposited, u128::from(USDC));
}

#[tokio::test]
async fn a_pool_idle_past_its_history_needs_a_new_chunk() {
    let mut fx = Fx::new().await;
    let w = fx.wallet(1_000 * TMAI).await;
    let usdc = fx.create_pool(Some(TokenKind::Spl)).await;
    let pos = fx.lock(&w, 100 * TMAI, 7 * DAY, LockKind::Fixed).await;
    let _ = pos;
    // Jump so far that the next boundary to record lies beyond chunk 0 (512 epochs): the pool's
    // start epoch + 512. Lock a position ending there first by warping close to it.
    fx.warp_by(511 * EPOCH).await;
    fx.crank(usdc).await.unwrap();
    let w2 = fx.wallet(1_000 * TMAI).await;
    fx.lock(&w2, 100 * TMAI, 14 * DAY, LockKind::Fixed).await;
    fx.warp_by(20 * DAY as i64).await;
    expect_err(fx.crank(usdc).await, VetmaiError::HistoryChunkMissing);
    let payer = Keypair::new();
    fx.airdrop(payer.pubkey(), 1_000_000_000).await;
    let ix = fx.dep.extend_reward_history(payer.pubkey(), usdc, 1);
    fx.send(&[ix], &[&payer]).await.unwrap();
    fx.crank(usdc).await.unwrap();
    assert_eq!(fx.pool(usdc).await.history_chunks, 2);
    // Chunks are created in order only.
    let ix = fx.dep.extend_reward_history(payer.pubkey(), usdc, 5);
    expect_anchor(fx.send(&[ix], &[&payer]).await, AnchorError::ConstraintSeeds);
}

#[tokio::test]
async fn an_ended_position_is_relocked_only_after_its_rewards_are_settled() {
    let mut fx = Fx::new().await;
    let w = fx.wallet(1_000 * TMAI).await;
    let other = fx.wallet(1_000 * TMAI).await;
    let usdc = fx.create_pool(Some(TokenKind::Spl)).await;
    let pos = fx.lock(&w, 100 * TMAI, 7 * DAY, LockKind::Fixed).await;
    fx.lock(&other, 100 * TMAI, YEAR, LockKind::Fixed).await;
    fx.deposit(usdc, 70 * USDC).await.unwrap();
    fx.warp_by(30 * DAY as i64).await;
    fx.crank(usdc).await.unwrap();
    // Re-locking now would move the end and lose what accrued until the old end.
    let relock = fx.dep.extend_lock(w.key(), pos, 30 * DAY);
    expect_err(fx.send(std::slice::from_ref(&relock), &[&w.kp]).await, VetmaiError::RewardsNotSettled);
    let now = fx.now().await;
    let pending =
        view::pending_rewards(&fx.pool(usdc).await, &fx.position(pos).await, &fx.histories(usdc).await, now).unwrap();
    assert!(pending > 20 * USDC, "its third of what streamed before its end: {pending}");
    // Claim and re-lock in one transaction: nothing is lost, the new lock starts afresh.
    let dest = fx.token_account_in(w.key(), usdc.mint, usdc.token_program).await;
    let claim = claim_ix(&mut fx, &w, pos, usdc, 0, ClaimMode::Payout, Some(dest), None).await;
    fx.send(&[claim, relock], &[&w.kp]).await.unwrap();
    assert_eq!(fx.balance(dest).await, pending);
    let p = fx.position(pos).await;
    assert!(p.is_locked(now));
    assert_eq!((p.rewards[0].owed, p.rewards[0].final_settled), (0, false));
}

#[tokio::test]
async fn a_pool_idle_for_a_year_catches_up_in_one_crank() {
    let mut fx = Fx::new().await;
    let usdc = fx.create_pool(Some(TokenKind::Spl)).await;
    let mut positions = vec![];
    // Twenty locks ending at twenty different boundaries.
    for i in 0..20u64 {
        let w = fx.wallet(1_000 * TMAI).await;
        let pos = fx.lock(&w, (10 + i) * TMAI, 7 * DAY * (i + 1), LockKind::Fixed).await;
        positions.push((w, pos));
    }
    let admin = fx.admin.insecure_clone();
    let ix = fx
        .dep
        .update_params(admin.pubkey(), ParamsUpdate { distribution_period: Some(200 * DAY), ..Default::default() });
    fx.send(&[ix], &[&admin]).await.unwrap();
    let t = fx.now().await;
    fx.deposit(usdc, 20_000 * USDC).await.unwrap();
    let stream_end = stream_end(t, 200 * DAY as i64);
    fx.warp_by(YEAR as i64).await;
    let crank = fx.crank_ix(usdc).await;
    let size = tx_size(&fx, std::slice::from_ref(&crank));
    println!("crank after a year idle: {size} bytes");
    assert!(size <= 1_232);
    fx.send(&[crank], &[]).await.unwrap();
    let p = fx.pool(usdc).await;
    assert_eq!(p.score.fixed.active, 0, "every lock ended");
    let histories = fx.histories(usdc).await;
    let now = fx.now().await;
    let mut total = 0;
    for (w, pos) in &positions {
        let pending = view::pending_rewards(&p, &fx.position(*pos).await, &histories, now).unwrap();
        let dest = fx.token_account_in(w.key(), usdc.mint, usdc.token_program).await;
        let got = claim_payout(&mut fx, w, *pos, usdc, 0, dest).await.unwrap();
        assert_eq!(got, pending);
        total += got;
    }
    // Everything released before the last lock ended was paid, less rounding dust.
    let last_end = fx.position(positions[19].1).await.end;
    let released = (20_000 * USDC as u128 * (last_end - t) as u128 / (stream_end - t) as u128) as u64;
    assert!(released - total <= 40, "paid {total} of {released}");
    let left = fx.pool(usdc).await.stream;
    assert_eq!(left.remaining, 0);
    let unclaimed_stream = 20_000 * USDC - released;
    assert!(left.carry.abs_diff(unclaimed_stream) <= 20, "streamed after every lock ended is carried: {}", left.carry);
}

/// Serialized size of a transaction carrying `ixs` (signatures included).
pub fn tx_size(_fx: &Fx, ixs: &[anchor_lang::solana_program::instruction::Instruction]) -> usize {
    let payer = Keypair::new();
    let tx = solana_transaction::Transaction::new_with_payer(ixs, Some(&payer.pubkey()));
    let sigs = usize::from(tx.message.header.num_required_signatures);
    bincode::serialize(&tx.message).unwrap().len() + 1 + 64 * sigs
}

#[tokio::test]
async fn claims_check_the_pool_vault_and_mint() {
    let mut fx = Fx::new().await;
    let w = fx.wallet(1_000 * TMAI).await;
    let usdc = fx.create_pool(Some(TokenKind::Spl)).await;
    let other = fx.create_pool(Some(TokenKind::Spl)).await;
    let pos = fx.lock(&w, 100 * TMAI, YEAR, LockKind::Fixed).await;
    fx.deposit(usdc, 70 * USDC).await.unwrap();
    fx.warp_by(DAY as i64).await;
    let dest = fx.token_account_in(w.key(), usdc.mint, usdc.token_program).await;
    // The other pool's vault with this pool's index.
    let mut ix = claim_ix(&mut fx, &w, pos, usdc, 0, ClaimMode::Payout, Some(dest), None).await;
    let vault_slot = ix.accounts.iter().position(|m| m.pubkey == pda::reward_vault(&usdc.address())).unwrap();
    ix.accounts[vault_slot].pubkey = pda::reward_vault(&other.address());
    expect_err(fx.send(&[ix], &[&w.kp]).await, VetmaiError::WrongVault);
    // The other pool's index with this pool's mint and vault.
    let mut c = ClaimAccounts { pool: usdc, pool_index: 1, destination: Some(dest), target: None, history_chunk: None };
    let ix = fx.dep.claim_rewards(w.key(), pos, ClaimMode::Payout, &c);
    expect_err(fx.send(&[ix], &[&w.kp]).await, VetmaiError::WrongMint);
    // An index past the registered pools.
    c.pool_index = 2;
    let ix = fx.dep.claim_rewards(w.key(), pos, ClaimMode::Payout, &c);
    expect_err(fx.send(&[ix], &[&w.kp]).await, VetmaiError::WrongRewardPool);
    // Someone else claiming this position.
    let mallory = fx.wallet(0).await;
    c.pool_index = 0;
    let mut ix = fx.dep.claim_rewards(w.key(), pos, ClaimMode::Payout, &c);
    ix.accounts[0].pubkey = mallory.key();
    expect_err(fx.send(&[ix], &[&mallory.kp]).await, VetmaiError::NotPositionOwner);
    let _ = other;
}
