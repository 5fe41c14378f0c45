//! create_lock, increase_amount, extend_lock, begin_unlock, withdraw, close_staker.
use anchor_lang::error::ErrorCode as AnchorError;
use solana_program_test::tokio;
use vetmai::{LockKind, VetmaiError};
use vetmai_client::{pda, view};

use crate::fixture::*;

const YEAR: u64 = 365 * DAY;

fn boundary_after(ts: i64, secs: u64) -> i64 {
    let t = ts + secs as i64;
    (t + EPOCH - 1) / EPOCH * EPOCH
}

#[tokio::test]
async fn fixed_lock_scores_by_duration_and_ends_on_a_boundary() {
    for kind in [TokenKind::Spl, TokenKind::Token2022] {
        let mut fx = Fx::with(kind).await;
        let w = fx.wallet(1_000_000 * TMAI).await;
        let pos = fx.lock(&w, 100_000 * TMAI, YEAR, LockKind::Fixed).await;
        let p = fx.position(pos).await;
        assert_eq!((p.owner, p.index, p.kind, p.amount), (w.key(), 0, LockKind::Fixed, 100_000 * TMAI));
        assert_eq!(p.score, 200_000 * TMAI as u128, "12 months = 2.0x");
        assert_eq!(p.end, boundary_after(T0, YEAR));
        assert_eq!(p.end % EPOCH, 0);
        assert_eq!(fx.balance(pda::vault()).await, 100_000 * TMAI);
        assert_eq!(fx.balance(w.token).await, 900_000 * TMAI);

        // Half a year: 1.5x; the second lock uses index 1.
        let pos2 = fx.lock(&w, 10_000 * TMAI, YEAR / 2, LockKind::Fixed).await;
        assert_eq!(pos2, pda::position(&w.key(), 1));
        assert_eq!(fx.position(pos2).await.score, 15_000 * TMAI as u128);

        let s = fx.staker(w.key()).await;
        let c = fx.config().await;
        let ve = 215_000 * TMAI as u128;
        assert_eq!((s.next_index, s.open_positions, s.locked_amount), (2, 2, 110_000 * TMAI));
        assert_eq!(s.ve_at(T0), Some(ve));
        assert_eq!(c.totals.ve_at(T0), Some(ve));
        assert_eq!((c.totals.locked_amount, c.totals.open_positions, c.totals.stakers), (110_000 * TMAI, 2, 1));
        let score = view::wallet_score(&c, &s, T0, T0 + 30 * DAY as i64).unwrap();
        assert_eq!((score.level, score.guaranteed_level), (2, 2), "215 000 veTMAI is level 2 (≥ 111 000)");
    }
}

#[tokio::test]
async fn total_drops_exactly_at_the_end_boundary() {
    let mut fx = Fx::new().await;
    let a = fx.wallet(1_000 * TMAI).await;
    let b = fx.wallet(1_000 * TMAI).await;
    let pa = fx.lock(&a, 100 * TMAI, 7 * DAY, LockKind::Fixed).await;
    fx.lock(&b, 300 * TMAI, 14 * DAY, LockKind::Fixed).await;
    let end_a = fx.position(pa).await.end;
    let sa = 100 * TMAI as u128 * 10_191 / 10_000;
    let sb = 300 * TMAI as u128 * 10_383 / 10_000;
    let c = fx.config().await;
    assert_eq!(c.totals.ve_at(end_a - 1), Some(sa + sb));
    assert_eq!(c.totals.ve_at(end_a), Some(sb), "a's score ends exactly at its boundary");
    // On-chain: a transaction after the boundary advances the stored totals by exactly that score.
    fx.warp_to(end_a).await;
    let b_pos = pda::position(&b.key(), 0);
    let ix = fx.dep.extend_lock(b.key(), b_pos, 30 * DAY);
    fx.send(&[ix], &[&b.kp]).await.unwrap();
    let c = fx.config().await;
    let sb2 = 300 * TMAI as u128 * 10_821 / 10_000;
    assert_eq!(c.totals.score.fixed.active, sb2);
    assert_eq!(fx.staker(a.key()).await.ve_at(end_a), Some(0));
    // a's expired position can still be withdrawn; nothing double-subtracts.
    let ix = fx.dep.withdraw(a.key(), a.token, pa);
    fx.send(&[ix], &[&a.kp]).await.unwrap();
    assert_eq!(fx.balance(a.token).await, 1_000 * TMAI);
    assert_eq!(fx.config().await.totals.score.fixed.active, sb2);
}

#[tokio::test]
async fn create_lock_rejects_bad_inputs() {
    let mut fx = Fx::new().await;
    let w = fx.wallet(1_000 * TMAI).await;
    let other = fx.wallet(0).await;
    let d = fx.dep;
    let k = LockKind::Fixed;
    expect_err(fx.send(&[d.create_lock(w.key(), w.token, 0, 0, YEAR, k)], &[&w.kp]).await, VetmaiError::ZeroAmount);
    expect_err(
        fx.send(&[d.create_lock(w.key(), w.token, 0, TMAI, 7 * DAY - 1, k)], &[&w.kp]).await,
        VetmaiError::DurationTooShort,
    );
    expect_err(
        fx.send(&[d.create_lock(w.key(), w.token, 0, TMAI, YEAR + 1, k)], &[&w.kp]).await,
        VetmaiError::DurationTooLong,
    );
    expect_err(
        fx.send(&[d.create_lock(w.key(), w.token, 3, TMAI, YEAR, k)], &[&w.kp]).await,
        VetmaiError::InvalidPositionIndex,
    );
    // Someone else's token account as the source.
    expect_anchor(
        fx.send(&[d.create_lock(w.key(), other.token, 0, TMAI, YEAR, k)], &[&w.kp]).await,
        AnchorError::ConstraintTokenOwner,
    );
    // More than the wallet holds: the token program refuses (insufficient funds = 1).
    expect_code(fx.send(&[d.create_lock(w.key(), w.token, 0, 1_001 * TMAI, YEAR, k)], &[&w.kp]).await, 1);
    // Nothing was written by any failed attempt.
    assert!(fx.account::<vetmai::Staker>(pda::staker(&w.key())).await.is_none());
    assert_eq!(fx.config().await.totals.locked_amount, 0);
    assert_eq!(fx.balance(pda::vault()).await, 0);
}

#[tokio::test]
async fn increase_amount_scores_the_added_part_at_the_remaining_duration() {
    let mut fx = Fx::new().await;
    let w = fx.wallet(1_000_000 * TMAI).await;
    let pos = fx.lock(&w, 100_000 * TMAI, YEAR, LockKind::Fixed).await;
    let p0 = fx.position(pos).await;
    fx.warp_to(p0.end - (YEAR / 2) as i64).await;
    fx.send(&[fx.dep.increase_amount(w.key(), w.token, pos, 10_000 * TMAI)], &[&w.kp]).await.unwrap();
    let p = fx.position(pos).await;
    assert_eq!(p.amount, 110_000 * TMAI);
    assert_eq!(p.score, p0.score + 15_000 * TMAI as u128, "half a year left: 1.5x on the added part");
    assert_eq!(p.end, p0.end, "end unchanged");
    assert_eq!(fx.staker(w.key()).await.ve_at(p.end - 1), Some(p.score));
    assert_eq!(fx.config().await.totals.locked_amount, 110_000 * TMAI);

    expect_err(fx.send(&[fx.dep.increase_amount(w.key(), w.token, pos, 0)], &[&w.kp]).await, VetmaiError::ZeroAmount);
    let mallory = fx.wallet(1_000 * TMAI).await;
    fx.lock(&mallory, TMAI, YEAR, LockKind::Fixed).await;
    let ix = fx.dep.increase_amount(mallory.key(), mallory.token, pos, TMAI);
    expect_err(fx.send(&[ix], &[&mallory.kp]).await, VetmaiError::NotPositionOwner);
    fx.warp_to(p.end).await;
    expect_err(
        fx.send(&[fx.dep.increase_amount(w.key(), w.token, pos, TMAI)], &[&w.kp]).await,
        VetmaiError::LockExpired,
    );
}

#[tokio::test]
async fn extend_lock_moves_the_end_later_and_rescores() {
    let mut fx = Fx::new().await;
    let w = fx.wallet(1_000 * TMAI).await;
    let pos = fx.lock(&w, 100 * TMAI, 30 * DAY, LockKind::Fixed).await;
    let p0 = fx.position(pos).await;
    // Shortening (or not moving the end) is refused.
    expect_err(fx.send(&[fx.dep.extend_lock(w.key(), pos, 7 * DAY)], &[&w.kp]).await, VetmaiError::ExtendNotLonger);
    expect_err(fx.send(&[fx.dep.extend_lock(w.key(), pos, 30 * DAY)], &[&w.kp]).await, VetmaiError::ExtendNotLonger);
    expect_err(fx.send(&[fx.dep.extend_lock(w.key(), pos, YEAR + 1)], &[&w.kp]).await, VetmaiError::DurationTooLong);
    fx.send(&[fx.dep.extend_lock(w.key(), pos, YEAR)], &[&w.kp]).await.unwrap();
    let p = fx.position(pos).await;
    assert_eq!(p.score, 200 * TMAI as u128);
    assert_eq!(p.end, boundary_after(T0, YEAR));
    let s = fx.staker(w.key()).await;
    assert_eq!(s.ve_at(p0.end), Some(200 * TMAI as u128), "old end no longer drops the score");
    assert_eq!(s.fixed.active, 200 * TMAI as u128);
    // An ended lock can be re-locked from now.
    fx.warp_to(p.end + 3 * DAY as i64).await;
    fx.send(&[fx.dep.extend_lock(w.key(), pos, 7 * DAY)], &[&w.kp]).await.unwrap();
    let p2 = fx.position(pos).await;
    assert_eq!(p2.end, boundary_after(p.end + 3 * DAY as i64, 7 * DAY));
    assert_eq!(fx.config().await.totals.score.fixed.active, p2.score);
}

#[tokio::test]
async fn constant_lock_keeps_its_score_until_unlocking_ends() {
    let mut fx = Fx::new().await;
    let w = fx.wallet(1_000 * TMAI).await;
    let pos = fx.lock(&w, 100 * TMAI, YEAR / 2, LockKind::Constant).await;
    let p = fx.position(pos).await;
    assert_eq!((p.kind, p.end, p.score), (LockKind::Constant, 0, 150 * TMAI as u128));
    expect_err(fx.send(&[fx.dep.withdraw(w.key(), w.token, pos)], &[&w.kp]).await, VetmaiError::ConstantNotUnlocking);
    // Two years later the score is unchanged and counts as guaranteed for any t ≤ now + duration.
    fx.warp_by(2 * YEAR as i64).await;
    let now = fx.now().await;
    let s = fx.staker(w.key()).await;
    assert_eq!(s.ve_at(now), Some(150 * TMAI as u128));
    assert_eq!(s.guaranteed(now, now + (YEAR / 2) as i64), Some(150 * TMAI as u128));
    assert_eq!(s.guaranteed(now, now + (YEAR / 2) as i64 + 1), Some(0));
    // Constant extend lengthens and rescores.
    expect_err(fx.send(&[fx.dep.extend_lock(w.key(), pos, YEAR / 2)], &[&w.kp]).await, VetmaiError::ExtendNotLonger);
    fx.send(&[fx.dep.extend_lock(w.key(), pos, YEAR)], &[&w.kp]).await.unwrap();
    assert_eq!(fx.position(pos).await.score, 200 * TMAI as u128);
    fx.send(&[fx.dep.begin_unlock(w.key(), pos)], &[&w.kp]).await.unwrap();
    let p = fx.position(pos).await;
    assert_eq!((p.kind, p.end, p.score), (LockKind::Fixed, boundary_after(now, YEAR), 200 * TMAI as u128));
    expect_err(fx.send(&[fx.dep.begin_unlock(w.key(), pos)], &[&w.kp]).await, VetmaiError::NotConstant);
    let s = fx.staker(w.key()).await;
    assert_eq!((s.constant_score, s.fixed.active), (0, 200 * TMAI as u128));
    assert!(s.constants.iter().all(|b| b.duration == 0), "bucket freed");
    expect_err(fx.send(&[fx.dep.withdraw(w.key(), w.token, pos)], &[&w.kp]).await, VetmaiError::LockNotExpired);
    fx.warp_to(p.end).await;
    fx.send(&[fx.dep.withdraw(w.key(), w.token, pos)], &[&w.kp]).await.unwrap();
    assert_eq!(fx.balance(w.token).await, 1_000 * TMAI);
}

#[tokio::test]
async fn withdraw_returns_tokens_closes_and_refuses_twice() {
    let mut fx = Fx::new().await;
    let w = fx.wallet(1_000 * TMAI).await;
    let pos = fx.lock(&w, 400 * TMAI, 7 * DAY, LockKind::Fixed).await;
    let end = fx.position(pos).await.end;
    expect_err(fx.send(&[fx.dep.withdraw(w.key(), w.token, pos)], &[&w.kp]).await, VetmaiError::LockNotExpired);
    fx.warp_to(end - 1).await;
    expect_err(fx.send(&[fx.dep.withdraw(w.key(), w.token, pos)], &[&w.kp]).await, VetmaiError::LockNotExpired);
    let mallory = fx.wallet(10 * TMAI).await;
    fx.lock(&mallory, TMAI, 7 * DAY, LockKind::Fixed).await;
    fx.warp_to(end).await;
    let ix = fx.dep.withdraw(mallory.key(), mallory.token, pos);
    expect_err(fx.send(&[ix], &[&mallory.kp]).await, VetmaiError::NotPositionOwner);
    let lamports_before = fx.ctx.banks_client.get_balance(w.key()).await.unwrap();
    fx.send(&[fx.dep.withdraw(w.key(), w.token, pos)], &[&w.kp]).await.unwrap();
    assert!(fx.ctx.banks_client.get_account(pos).await.unwrap().is_none(), "position closed");
    assert!(fx.ctx.banks_client.get_balance(w.key()).await.unwrap() > lamports_before, "rent returned");
    assert_eq!(fx.balance(w.token).await, 1_000 * TMAI);
    let s = fx.staker(w.key()).await;
    assert_eq!((s.open_positions, s.locked_amount, s.next_index), (0, 0, 1));
    expect_anchor(
        fx.send(&[fx.dep.withdraw(w.key(), w.token, pos)], &[&w.kp]).await,
        AnchorError::AccountNotInitialized,
    );
    // A closed staker frees its rent; it cannot close while positions are open.
    expect_err(fx.send(&[fx.dep.close_staker(mallory.key())], &[&mallory.kp]).await, VetmaiError::StakerNotEmpty);
    fx.send(&[fx.dep.close_staker(w.key())], &[&w.kp]).await.unwrap();
    assert_eq!(fx.config().await.totals.stakers, 1);
}

#[tokio::test]
async fn amounts_at_u64_max_are_exact() {
    let mut fx = Fx::new().await;
    let w = fx.wallet(u64::MAX).await;
    let pos = fx.lock(&w, u64::MAX, YEAR, LockKind::Fixed).await;
    let p = fx.position(pos).await;
    assert_eq!(p.score, 2 * u64::MAX as u128);
    let c = fx.config().await;
    let s = fx.staker(w.key()).await;
    assert_eq!(view::wallet_score(&c, &s, T0, T0).unwrap().level, 10);
    assert_eq!(c.totals.locked_amount, u64::MAX);
    // The mint cannot issue more, so adding one more unit fails in the token program, atomically.
    let ix = fx.dep.increase_amount(w.key(), w.token, pos, 1);
    assert!(fx.send(&[ix], &[&w.kp]).await.is_err());
    assert_eq!(fx.position(pos).await.amount, u64::MAX);
}
