//! Early-access sale rounds: windows and caps by guaranteed level, pro-rata settlement, refunds,
//! proceeds.
use solana_keypair::Keypair;
use solana_program_test::tokio;
use solana_signer::Signer;
use vetmai::{LockKind, OpenRoundArgs, SaleRound, VetmaiError};
use vetmai_client::ix::PoolRef;
use vetmai_client::pda;

use crate::fixture::*;

const YEAR: u64 = 365 * DAY;
const USDC: u64 = 1_000_000;
const HOUR: i64 = 3_600;

struct Sale {
    fx: Fx,
    usdc: PoolRef,
    round: anchor_lang::prelude::Pubkey,
    start: i64,
    end: i64,
}

/// A round opening in ten days for 24 hours, capped at 5 000 USDC.
async fn sale(fx: Fx) -> Sale {
    let mut fx = fx;
    fx.init_dao(anchor_lang::prelude::Pubkey::default()).await;
    let m = Keypair::new();
    let tp = TokenKind::Spl.program();
    fx.create_mint(&m, tp, &[]).await;
    let usdc = PoolRef { mint: m.pubkey(), token_program: tp };
    let now = fx.now().await;
    let (start, end) = (now + 10 * DAY as i64, now + 10 * DAY as i64 + 24 * HOUR);
    let admin = fx.admin.insecure_clone();
    let args = OpenRoundArgs { total_cap: 5_000 * USDC, start, end, level_caps: None, window_open: None };
    fx.send(&[fx.dep.open_round(admin.pubkey(), 0, usdc, args)], &[&admin]).await.unwrap();
    Sale { fx, usdc, round: pda::round(0), start, end }
}

async fn buyer(s: &mut Sale, locked: u64, duration: u64) -> (Wallet, anchor_lang::prelude::Pubkey) {
    let w = s.fx.wallet(10_000_000 * TMAI).await;
    s.fx.lock(&w, locked, duration, LockKind::Fixed).await;
    let pay = s.fx.token_account_in(w.key(), s.usdc.mint, s.usdc.token_program).await;
    s.fx.mint_to_in(s.usdc, pay, 50_000 * USDC).await;
    (w, pay)
}

async fn commit(
    s: &mut Sale,
    w: &Wallet,
    pay: anchor_lang::prelude::Pubkey,
    amount: u64,
) -> Result<(), solana_program_test::BanksClientError> {
    let ix = s.fx.dep.commit(w.key(), s.round, s.usdc, pay, amount);
    s.fx.send(&[ix], &[&w.kp]).await
}

#[tokio::test]
async fn windows_caps_and_pro_rata_settlement() {
    let mut s = sale(Fx::new().await).await;
    let r: SaleRound = s.fx.account(s.round).await.unwrap();
    assert_eq!((r.level_caps[1], r.level_caps[10]), (1_000 * USDC, 15_000 * USDC));
    assert_eq!((r.window_open[8], r.window_open[5], r.window_open[1]), (0, 12 * 3_600, 18 * 3_600));
    let (l8, p8) = buyer(&mut s, 2_222_000 * TMAI, YEAR).await; // 4 444 000 veTMAI: level 8
    let (l5, p5) = buyer(&mut s, 444_000 * TMAI, YEAR).await; // 888 000: level 5
    let (l1, p1) = buyer(&mut s, 11_000 * TMAI, YEAR).await; // 22 000: level 1
    let (l0, p0) = buyer(&mut s, 5_000 * TMAI, YEAR).await; // 10 000: level 0
                                                            // A big lock that ends before the round does not count (guaranteed through the end: 0).
    let (short, ps) = buyer(&mut s, 2_222_000 * TMAI, 7 * DAY).await;
    let _ = short.key();

    // Before the start nobody; at the start level 8 only.
    expect_err(commit(&mut s, &l8, p8, USDC).await, VetmaiError::WindowNotOpen);
    s.fx.warp_to(s.start).await;
    commit(&mut s, &l8, p8, 6_000 * USDC).await.unwrap();
    expect_err(commit(&mut s, &l8, p8, 5_000 * USDC).await, VetmaiError::LevelCapExceeded);
    expect_err(commit(&mut s, &l5, p5, USDC).await, VetmaiError::WindowNotOpen);
    // Level 5 from 12 h; level 1 from 18 h; level 0 never.
    s.fx.warp_to(s.start + 12 * HOUR).await;
    commit(&mut s, &l5, p5, 4_000 * USDC).await.unwrap();
    expect_err(commit(&mut s, &l1, p1, USDC).await, VetmaiError::WindowNotOpen);
    s.fx.warp_to(s.start + 18 * HOUR).await;
    commit(&mut s, &l1, p1, 600 * USDC).await.unwrap();
    commit(&mut s, &l1, p1, 400 * USDC).await.unwrap();
    expect_err(commit(&mut s, &l1, p1, 1).await, VetmaiError::LevelCapExceeded);
    expect_err(commit(&mut s, &l0, p0, USDC).await, VetmaiError::WindowNotOpen);
    expect_err(commit(&mut s, &short, ps, USDC).await, VetmaiError::WindowNotOpen);
    expect_err(commit(&mut s, &l8, p8, 0).await, VetmaiError::ZeroAmount);
    // Wrong payment mint.
    let mut bad = s.fx.dep.commit(l8.key(), s.round, s.usdc, p8, USDC);
    bad.accounts[4].pubkey = s.fx.dep.tmai_mint;
    expect_err(s.fx.send(&[bad], &[&l8.kp]).await, VetmaiError::WrongMint);
    let r: SaleRound = s.fx.account(s.round).await.unwrap();
    assert_eq!((r.total_committed, r.committers), (11_000 * USDC, 3));
    assert_eq!(s.fx.balance(pda::round_vault(&s.round)).await, 11_000 * USDC);

    // Settlement only after the end.
    let settle = |s: &Sale, w: &Wallet, pay| s.fx.dep.settle_commitment(s.round, w.key(), s.usdc, pay);
    expect_err(s.fx.send(&[settle(&s, &l8, p8)], &[]).await, VetmaiError::RoundNotEnded);
    s.fx.warp_to(s.end).await;
    expect_err(commit(&mut s, &l8, p8, USDC).await, VetmaiError::WindowNotOpen);
    let mut allocated = 0;
    for (w, pay, committed) in [(&l8, p8, 6_000 * USDC), (&l5, p5, 4_000 * USDC), (&l1, p1, 1_000 * USDC)] {
        let before = s.fx.balance(pay).await;
        s.fx.send(&[settle(&s, w, pay)], &[]).await.unwrap();
        let c: vetmai::Commitment = s.fx.account(pda::commitment(&s.round, &w.key())).await.unwrap();
        assert_eq!(c.allocation + c.refund, committed);
        assert_eq!(s.fx.balance(pay).await - before, c.refund, "refund paid");
        // 5 000 / 11 000 of each, within one base unit.
        assert!(c.allocation.abs_diff(committed * 5 / 11) <= 1);
        allocated += c.allocation;
    }
    assert_eq!(allocated, 5_000 * USDC, "pro rata sums to the cap exactly");
    expect_err(s.fx.send(&[settle(&s, &l8, p8)], &[]).await, VetmaiError::AlreadySettled);

    // Proceeds: the round's authority only, once.
    let admin = s.fx.admin.insecure_clone();
    let dest = s.fx.token_account_in(admin.pubkey(), s.usdc.mint, s.usdc.token_program).await;
    let ix = s.fx.dep.withdraw_proceeds(l8.key(), s.round, s.usdc, p8);
    expect_err(s.fx.send(&[ix], &[&l8.kp]).await, VetmaiError::Unauthorized);
    s.fx.send(&[s.fx.dep.withdraw_proceeds(admin.pubkey(), s.round, s.usdc, dest)], &[&admin]).await.unwrap();
    assert_eq!(s.fx.balance(dest).await, 5_000 * USDC);
    assert_eq!(s.fx.balance(pda::round_vault(&s.round)).await, 0, "refunds and proceeds empty the vault");
    let ix = s.fx.dep.withdraw_proceeds(admin.pubkey(), s.round, s.usdc, dest);
    expect_err(s.fx.send(&[ix], &[&admin]).await, VetmaiError::ZeroAmount);
}

#[tokio::test]
async fn an_undersubscribed_round_allocates_everything() {
    let mut s = sale(Fx::new().await).await;
    let (l8, p8) = buyer(&mut s, 2_222_000 * TMAI, YEAR).await;
    s.fx.warp_to(s.start).await;
    commit(&mut s, &l8, p8, 3_000 * USDC).await.unwrap();
    s.fx.warp_to(s.end).await;
    let ix = s.fx.dep.settle_commitment(s.round, l8.key(), s.usdc, p8);
    s.fx.send(&[ix], &[]).await.unwrap();
    let c: vetmai::Commitment = s.fx.account(pda::commitment(&s.round, &l8.key())).await.unwrap();
    assert_eq!((c.allocation, c.refund), (3_000 * USDC, 0));
}

#[tokio::test]
async fn rounds_are_opened_by_the_sale_authority_with_valid_times() {
    let mut s = sale(Fx::new().await).await;
    let mallory = s.fx.wallet(0).await;
    let now = s.fx.now().await;
    let args = |start, end| OpenRoundArgs { total_cap: USDC, start, end, level_caps: None, window_open: None };
    let ix = s.fx.dep.open_round(mallory.key(), 1, s.usdc, args(now, now + HOUR));
    expect_err(s.fx.send(&[ix], &[&mallory.kp]).await, VetmaiError::Unauthorized);
    let admin = s.fx.admin.insecure_clone();
    let ix = s.fx.dep.open_round(admin.pubkey(), 1, s.usdc, args(now + HOUR, now + HOUR));
    expect_err(s.fx.send(&[ix], &[&admin]).await, VetmaiError::InvalidRound);
    let ix = s.fx.dep.open_round(admin.pubkey(), 1, s.usdc, args(now - 2 * HOUR, now - HOUR));
    expect_err(s.fx.send(&[ix], &[&admin]).await, VetmaiError::InvalidRound);
    let ix = s.fx.dep.open_round(admin.pubkey(), 1, s.usdc, args(now, now + HOUR));
    s.fx.send(&[ix], &[&admin]).await.unwrap();
    assert_eq!(s.fx.dao().await.round_count, 2);
}

/// Issue 13 (7): rent of a finished round, its vault and its commitments comes back, only once
/// nothing is left to settle or withdraw; tokens sent to the vault outside the round are swept to
/// the authority's account, not lost.
#[tokio::test]
async fn finished_rounds_and_commitments_return_their_rent() {
    let mut s = sale(Fx::new().await).await;
    let (l8, p8) = buyer(&mut s, 2_222_000 * TMAI, YEAR).await;
    let (l5, p5) = buyer(&mut s, 444_000 * TMAI, YEAR).await;
    s.fx.warp_to(s.start + 12 * HOUR).await;
    commit(&mut s, &l8, p8, 4_000 * USDC).await.unwrap();
    commit(&mut s, &l5, p5, 2_000 * USDC).await.unwrap();
    // A donation to the escrow.
    let vault = pda::round_vault(&s.round);
    s.fx.mint_to_in(s.usdc, vault, 7).await;
    let admin = s.fx.admin.insecure_clone();
    let dest = s.fx.token_account_in(admin.pubkey(), s.usdc.mint, s.usdc.token_program).await;
    let close_round = |s: &Sale| s.fx.dep.close_round(admin.pubkey(), s.round, s.usdc, dest);
    // Not before the end, nor with commitments unsettled or proceeds still in the vault.
    expect_err(s.fx.send(&[close_round(&s)], &[&admin]).await, VetmaiError::NotFinished);
    let close_l8 = s.fx.dep.close_commitment(l8.key(), s.round);
    expect_err(s.fx.send(std::slice::from_ref(&close_l8), &[&l8.kp]).await, VetmaiError::NotFinished);
    s.fx.warp_to(s.end).await;
    s.fx.send(&[s.fx.dep.settle_commitment(s.round, l8.key(), s.usdc, p8)], &[]).await.unwrap();
    expect_err(s.fx.send(&[close_round(&s)], &[&admin]).await, VetmaiError::NotFinished);
    s.fx.send(&[s.fx.dep.settle_commitment(s.round, l5.key(), s.usdc, p5)], &[]).await.unwrap();
    expect_err(s.fx.send(&[close_round(&s)], &[&admin]).await, VetmaiError::NotFinished);
    s.fx.send(&[s.fx.dep.withdraw_proceeds(admin.pubkey(), s.round, s.usdc, dest)], &[&admin]).await.unwrap();
    assert_eq!(s.fx.balance(dest).await, 5_000 * USDC);
    // Only the committer closes its commitment, and only the authority the round.
    let ix = s.fx.dep.close_commitment(l5.key(), s.round);
    let mut stolen = ix.clone();
    stolen.accounts[0].pubkey = l8.key();
    expect_anchor(s.fx.send(&[stolen], &[&l8.kp]).await, anchor_lang::error::ErrorCode::ConstraintSeeds);
    let ix_other = s.fx.dep.close_round(l8.key(), s.round, s.usdc, p8);
    expect_err(s.fx.send(&[ix_other], &[&l8.kp]).await, VetmaiError::Unauthorized);
    let rent_of = |lamports: Option<solana_account::Account>| lamports.map_or(0, |a| a.lamports);
    let c_rent = rent_of(s.fx.ctx.banks_client.get_account(pda::commitment(&s.round, &l8.key())).await.unwrap());
    let before = s.fx.ctx.banks_client.get_balance(l8.key()).await.unwrap();
    s.fx.send(&[close_l8], &[&l8.kp]).await.unwrap();
    assert_eq!(s.fx.ctx.banks_client.get_balance(l8.key()).await.unwrap(), before + c_rent);
    s.fx.send(&[ix], &[&l5.kp]).await.unwrap();
    let r_rent = rent_of(s.fx.ctx.banks_client.get_account(s.round).await.unwrap())
        + rent_of(s.fx.ctx.banks_client.get_account(vault).await.unwrap());
    let before = s.fx.ctx.banks_client.get_balance(admin.pubkey()).await.unwrap();
    s.fx.send(&[close_round(&s)], &[&admin]).await.unwrap();
    assert_eq!(s.fx.ctx.banks_client.get_balance(admin.pubkey()).await.unwrap(), before + r_rent);
    assert_eq!(s.fx.balance(dest).await, 5_000 * USDC + 7, "the donation is swept, not burnt");
    for gone in [s.round, vault, pda::commitment(&s.round, &l8.key()), pda::commitment(&s.round, &l5.key())] {
        assert!(s.fx.ctx.banks_client.get_account(gone).await.unwrap().is_none());
    }
    // A closed round takes no commits and cannot be settled again.
    expect_anchor(commit(&mut s, &l8, p8, USDC).await, anchor_lang::error::ErrorCode::AccountNotInitialized);
}
