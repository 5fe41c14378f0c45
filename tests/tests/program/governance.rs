//! DAO governance: proposals through every outcome, votes, execution of every action kind.
use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_program_test::tokio;
use solana_signer::Signer;
use vetmai::state::ParamsUpdate;
use vetmai::{CreateProposalArgs, LockKind, Proposal, ProposalAction, ProposalState, VetmaiError, VoteChoice};
use vetmai_client::ix::{ExecuteTokens, PoolRef};
use vetmai_client::pda;

use crate::fixture::*;

const YEAR: u64 = 365 * DAY;
const USDC: u64 = 1_000_000;

fn args(action: ProposalAction) -> CreateProposalArgs {
    CreateProposalArgs {
        title: "Raise the quorum".into(),
        description_url: "https://forum.tokenmetrics.example/t/1".into(),
        content_hash: [7; 32],
        action,
    }
}

async fn propose(
    fx: &mut Fx,
    w: &Wallet,
    action: ProposalAction,
) -> Result<Pubkey, solana_program_test::BanksClientError> {
    let id = fx.dao().await.proposal_count;
    let ix = fx.dep.create_proposal(w.key(), id, args(action));
    fx.send(&[ix], &[&w.kp]).await?;
    Ok(pda::proposal(id))
}

async fn proposal(fx: &mut Fx, p: Pubkey) -> Proposal {
    fx.account(p).await.expect("proposal exists")
}

async fn vote(
    fx: &mut Fx,
    w: &Wallet,
    p: Pubkey,
    choice: VoteChoice,
) -> Result<(), solana_program_test::BanksClientError> {
    let ix = fx.dep.cast_vote(w.key(), p, choice);
    fx.send(&[ix], &[&w.kp]).await
}

/// A DAO with a guardian and three stakers: `big` (level 4: 444 000 veTMAI), `mid` (level 1:
/// 22 000) and `small` (11 000, level 0); total 477 000 veTMAI; all locked for a year.
struct Gov {
    fx: Fx,
    guardian: Keypair,
    big: Wallet,
    mid: Wallet,
    small: Wallet,
}

async fn gov() -> Gov {
    let mut fx = Fx::new().await;
    let guardian = Keypair::new();
    fx.airdrop(guardian.pubkey(), 1_000_000_000).await;
    fx.init_dao(guardian.pubkey()).await;
    let big = fx.wallet(1_000_000 * TMAI).await;
    let mid = fx.wallet(1_000_000 * TMAI).await;
    let small = fx.wallet(1_000_000 * TMAI).await;
    fx.lock(&big, 222_000 * TMAI, YEAR, LockKind::Fixed).await;
    fx.lock(&mid, 11_000 * TMAI, YEAR, LockKind::Fixed).await;
    fx.lock(&small, 5_500 * TMAI, YEAR, LockKind::Fixed).await;
    Gov { fx, guardian, big, mid, small }
}

/// Creates the DAO's treasury PDA of `mint` and funds it with `amount`.
async fn treasury(fx: &mut Fx, mint: PoolRef, amount: u64) -> Pubkey {
    let payer = fx.payer();
    fx.send(&[fx.dep.create_treasury(payer, mint)], &[]).await.expect("create_treasury");
    let t = pda::treasury(&mint.mint);
    fx.mint_to_in(mint, t, amount).await;
    t
}

/// Proposes `action` from `by`, votes it through with `by`'s weight and warps past the timelock.
async fn passed(fx: &mut Fx, by: &Wallet, action: ProposalAction) -> Pubkey {
    let p = propose(fx, by, action).await.unwrap();
    vote(fx, by, p, VoteChoice::Yes).await.unwrap();
    pass(fx, p).await;
    fx.warp_by(DAY as i64).await;
    p
}

async fn pass(fx: &mut Fx, p: Pubkey) {
    let end = proposal(fx, p).await.voting_ends_at;
    fx.warp_to(end).await;
    fx.send(&[fx.dep.finalize_proposal(p)], &[]).await.unwrap();
    assert_eq!(proposal(fx, p).await.state, ProposalState::Passed);
}

#[tokio::test]
async fn a_passed_proposal_executes_after_the_timelock_for_every_action() {
    let Gov { mut fx, big, mid, .. } = gov().await;
    let admin = fx.admin.insecure_clone();
    // Parameter changes need governance in charge.
    let p = propose(
        &mut fx,
        &big,
        ProposalAction::UpdateParams(ParamsUpdate { quorum_bps: Some(3_000), ..Default::default() }),
    )
    .await
    .unwrap();
    vote(&mut fx, &big, p, VoteChoice::Yes).await.unwrap();
    pass(&mut fx, p).await;
    let t = proposal(&mut fx, p).await;
    expect_err(fx.send(&[fx.dep.execute_proposal(p, None)], &[]).await, VetmaiError::TimelockActive);
    fx.warp_to(t.voting_ends_at + DAY as i64).await;
    expect_err(fx.send(&[fx.dep.execute_proposal(p, None)], &[]).await, VetmaiError::DaoNotInCharge);
    fx.send(&[fx.dep.transfer_to_dao(admin.pubkey())], &[&admin]).await.unwrap();
    assert_eq!(fx.config().await.admin, pda::dao());
    expect_err(
        fx.send(&[fx.dep.update_params(admin.pubkey(), ParamsUpdate::default())], &[&admin]).await,
        VetmaiError::Unauthorized,
    );
    fx.send(&[fx.dep.execute_proposal(p, None)], &[]).await.unwrap();
    assert_eq!(fx.config().await.params.quorum_bps, 3_000);
    assert_eq!(proposal(&mut fx, p).await.state, ProposalState::Executed);
    expect_err(fx.send(&[fx.dep.execute_proposal(p, None)], &[]).await, VetmaiError::WrongProposalState);

    // Treasury: the DAO's USDC treasury PDA (created by anyone), funded like any token account.
    let usdc_mint = Keypair::new();
    let tp = TokenKind::Spl.program();
    fx.create_mint(&usdc_mint, tp, &[]).await;
    let usdc = PoolRef { mint: usdc_mint.pubkey(), token_program: tp };
    let treasury = treasury(&mut fx, usdc, 10_000 * USDC).await;
    // Another USDC account of the DAO PDA is not a treasury.
    let stray = fx.token_account_in(pda::dao(), usdc.mint, tp).await;
    fx.mint_to_in(usdc, stray, 10_000 * USDC).await;
    let recipient = fx.token_account_in(mid.key(), usdc.mint, tp).await;

    // TransferTreasury.
    let p =
        propose(&mut fx, &big, ProposalAction::TransferTreasury { mint: usdc.mint, amount: 1_000 * USDC, recipient })
            .await
            .unwrap();
    vote(&mut fx, &big, p, VoteChoice::Yes).await.unwrap();
    pass(&mut fx, p).await;
    fx.warp_by(DAY as i64).await;
    let elsewhere = fx.token_account_in(big.key(), usdc.mint, tp).await;
    let wrong = ExecuteTokens { mint: usdc.mint, token_program: tp, treasury, destination: elsewhere, pool: None };
    expect_err(fx.send(&[fx.dep.execute_proposal(p, Some(wrong))], &[]).await, VetmaiError::ActionAccountsMismatch);
    let not_treasury = ExecuteTokens { treasury: stray, destination: recipient, ..wrong };
    expect_err(fx.send(&[fx.dep.execute_proposal(p, Some(not_treasury))], &[]).await, VetmaiError::NotTreasury);
    assert_eq!(fx.balance(stray).await, 10_000 * USDC);
    let right = ExecuteTokens { destination: recipient, ..wrong };
    fx.send(&[fx.dep.execute_proposal(p, Some(right))], &[]).await.unwrap();
    assert_eq!(fx.balance(recipient).await, 1_000 * USDC);
    assert_eq!(fx.balance(treasury).await, 9_000 * USDC);

    // SetRevenueAuthority and Signal.
    let p = propose(&mut fx, &big, ProposalAction::SetRevenueAuthority { authority: mid.key() }).await.unwrap();
    vote(&mut fx, &big, p, VoteChoice::Yes).await.unwrap();
    pass(&mut fx, p).await;
    fx.warp_by(DAY as i64).await;
    fx.send(&[fx.dep.execute_proposal(p, None)], &[]).await.unwrap();
    assert_eq!(fx.config().await.revenue_authority, mid.key());
    // The monthly limit of level 4 is 2 per calendar month: big has used them up this month.
    fx.warp_by(31 * DAY as i64).await;
    let p = propose(&mut fx, &big, ProposalAction::Signal).await.unwrap();
    vote(&mut fx, &big, p, VoteChoice::Yes).await.unwrap();
    pass(&mut fx, p).await;
    fx.warp_by(DAY as i64).await;
    fx.send(&[fx.dep.execute_proposal(p, None)], &[]).await.unwrap();
    assert_eq!(proposal(&mut fx, p).await.state, ProposalState::Executed);
}

#[tokio::test]
async fn fund_rewards_moves_treasury_tokens_into_the_pool_stream() {
    let Gov { mut fx, big, .. } = gov().await;
    let usdc = fx.create_pool(Some(TokenKind::Spl)).await;
    let treasury = treasury(&mut fx, usdc, 5_000 * USDC).await;
    let p = propose(&mut fx, &big, ProposalAction::FundRewards { mint: usdc.mint, amount: 700 * USDC }).await.unwrap();
    vote(&mut fx, &big, p, VoteChoice::Yes).await.unwrap();
    pass(&mut fx, p).await;
    fx.warp_by(DAY as i64).await;
    let crank = fx.crank_ix(usdc).await;
    let tokens = ExecuteTokens {
        mint: usdc.mint,
        token_program: usdc.token_program,
        treasury,
        destination: pda::reward_vault(&usdc.address()),
        pool: Some(usdc.address()),
    };
    fx.send(&[crank, fx.dep.execute_proposal(p, Some(tokens))], &[]).await.unwrap();
    let pool = fx.pool(usdc).await;
    assert_eq!(pool.total_deposited, u128::from(700 * USDC));
    assert_eq!(pool.stream.remaining, 700 * USDC);
    assert_eq!(fx.balance(pda::reward_vault(&usdc.address())).await, 700 * USDC);
    assert_eq!(fx.balance(treasury).await, 4_300 * USDC);
}

#[tokio::test]
async fn defeated_without_quorum_or_margin() {
    let Gov { mut fx, big, mid, small, .. } = gov().await;
    // Quorum 25% of 477 000 = 119 250: mid's 22 000 yes is not enough.
    let p = propose(&mut fx, &mid, ProposalAction::Signal).await.unwrap();
    vote(&mut fx, &mid, p, VoteChoice::Yes).await.unwrap();
    vote(&mut fx, &small, p, VoteChoice::Yes).await.unwrap();
    let end = proposal(&mut fx, p).await.voting_ends_at;
    expect_err(fx.send(&[fx.dep.finalize_proposal(p)], &[]).await, VetmaiError::VotingNotEnded);
    fx.warp_to(end).await;
    expect_err(vote(&mut fx, &big, p, VoteChoice::Yes).await, VetmaiError::VotingClosed);
    fx.send(&[fx.dep.finalize_proposal(p)], &[]).await.unwrap();
    assert_eq!(proposal(&mut fx, p).await.state, ProposalState::Defeated);
    expect_err(fx.send(&[fx.dep.execute_proposal(p, None)], &[]).await, VetmaiError::WrongProposalState);
    // Margin: big yes 444 000 against no 444 000·… — use big yes vs mid+small no: lead large. Make
    // it close instead: big votes No, mid and small Yes → yes < no: defeated although quorum met.
    let p = propose(&mut fx, &big, ProposalAction::Signal).await.unwrap();
    vote(&mut fx, &big, p, VoteChoice::No).await.unwrap();
    vote(&mut fx, &mid, p, VoteChoice::Yes).await.unwrap();
    let end = proposal(&mut fx, p).await.voting_ends_at;
    fx.warp_to(end).await;
    fx.send(&[fx.dep.finalize_proposal(p)], &[]).await.unwrap();
    let t = proposal(&mut fx, p).await;
    assert_eq!((t.state, t.yes, t.no), (ProposalState::Defeated, 22_000 * TMAI as u128, 444_000 * TMAI as u128));
}

#[tokio::test]
async fn a_margin_below_ten_percent_is_defeated() {
    let mut fx = Fx::new().await;
    fx.init_dao(Pubkey::default()).await;
    let a = fx.wallet(1_000_000 * TMAI).await;
    let b = fx.wallet(1_000_000 * TMAI).await;
    // Scores 52 000 and 48 000 (×1 000): lead 4 000 < 10% of 100 000.
    fx.lock(&a, 26_000 * TMAI, YEAR, LockKind::Fixed).await;
    fx.lock(&b, 24_000 * TMAI, YEAR, LockKind::Fixed).await;
    let p = propose(&mut fx, &a, ProposalAction::Signal).await.unwrap();
    vote(&mut fx, &a, p, VoteChoice::Yes).await.unwrap();
    vote(&mut fx, &b, p, VoteChoice::No).await.unwrap();
    let end = proposal(&mut fx, p).await.voting_ends_at;
    fx.warp_to(end).await;
    fx.send(&[fx.dep.finalize_proposal(p)], &[]).await.unwrap();
    assert_eq!(proposal(&mut fx, p).await.state, ProposalState::Defeated);
}

#[tokio::test]
async fn cancel_veto_and_expiry() {
    let Gov { mut fx, guardian, big, mid, .. } = gov().await;
    // Cancel: proposer only, before any vote.
    let p = propose(&mut fx, &big, ProposalAction::Signal).await.unwrap();
    expect_err(fx.send(&[fx.dep.cancel_proposal(mid.key(), p)], &[&mid.kp]).await, VetmaiError::CannotCancel);
    fx.send(&[fx.dep.cancel_proposal(big.key(), p)], &[&big.kp]).await.unwrap();
    assert_eq!(proposal(&mut fx, p).await.state, ProposalState::Cancelled);
    expect_err(vote(&mut fx, &mid, p, VoteChoice::Yes).await, VetmaiError::VotingClosed);
    let p = propose(&mut fx, &big, ProposalAction::Signal).await.unwrap();
    vote(&mut fx, &mid, p, VoteChoice::Yes).await.unwrap();
    expect_err(fx.send(&[fx.dep.cancel_proposal(big.key(), p)], &[&big.kp]).await, VetmaiError::CannotCancel);
    // Veto: the guardian, during the timelock only.
    vote(&mut fx, &big, p, VoteChoice::Yes).await.unwrap();
    pass(&mut fx, p).await;
    expect_err(fx.send(&[fx.dep.veto_proposal(mid.key(), p)], &[&mid.kp]).await, VetmaiError::CannotVeto);
    fx.send(&[fx.dep.veto_proposal(guardian.pubkey(), p)], &[&guardian]).await.unwrap();
    assert_eq!(proposal(&mut fx, p).await.state, ProposalState::Vetoed);
    fx.warp_by(DAY as i64).await;
    expect_err(fx.send(&[fx.dep.execute_proposal(p, None)], &[]).await, VetmaiError::WrongProposalState);
    // Past the timelock the guardian can no longer veto; past the window nobody can execute.
    fx.warp_by(31 * DAY as i64).await;
    let p = propose(&mut fx, &big, ProposalAction::Signal).await.unwrap();
    vote(&mut fx, &big, p, VoteChoice::Yes).await.unwrap();
    pass(&mut fx, p).await;
    fx.warp_by(DAY as i64).await;
    expect_err(fx.send(&[fx.dep.veto_proposal(guardian.pubkey(), p)], &[&guardian]).await, VetmaiError::CannotVeto);
    fx.warp_by(7 * DAY as i64).await;
    expect_err(fx.send(&[fx.dep.execute_proposal(p, None)], &[]).await, VetmaiError::ExecutionWindowClosed);
}

#[tokio::test]
async fn vote_changes_move_tallies_exactly() {
    let Gov { mut fx, big, mid, .. } = gov().await;
    let p = propose(&mut fx, &big, ProposalAction::Signal).await.unwrap();
    let wb = 444_000 * TMAI as u128;
    vote(&mut fx, &big, p, VoteChoice::Yes).await.unwrap();
    vote(&mut fx, &mid, p, VoteChoice::Abstain).await.unwrap();
    let t = proposal(&mut fx, p).await;
    assert_eq!((t.yes, t.no, t.abstain, t.voters), (wb, 0, 22_000 * TMAI as u128, 2));
    fx.send(&[fx.dep.change_vote(big.key(), p, VoteChoice::No)], &[&big.kp]).await.unwrap();
    let t = proposal(&mut fx, p).await;
    assert_eq!((t.yes, t.no), (0, wb));
    // One record per (proposal, voter): a second cast is refused by the system program (in use).
    assert!(vote(&mut fx, &big, p, VoteChoice::Yes).await.is_err());
    fx.send(&[fx.dep.withdraw_vote(big.key(), p)], &[&big.kp]).await.unwrap();
    let t = proposal(&mut fx, p).await;
    assert_eq!((t.yes, t.no, t.voters), (0, 0, 1));
    assert!(fx.ctx.banks_client.get_account(pda::vote(&p, &big.key())).await.unwrap().is_none());
    // Someone else's record cannot be changed: the PDA is derived from the signer.
    expect_anchor(
        fx.send(&[fx.dep.change_vote(big.key(), p, VoteChoice::Yes)], &[&big.kp]).await,
        anchor_lang::error::ErrorCode::AccountNotInitialized,
    );
}

#[tokio::test]
async fn the_same_locked_tokens_never_count_twice() {
    let Gov { mut fx, big, mid, .. } = gov().await;
    // A lock ending before the vote ends carries no weight.
    let short = fx.wallet(100_000 * TMAI).await;
    let sp = fx.lock(&short, 50_000 * TMAI, 7 * DAY, LockKind::Fixed).await;
    fx.warp_by(3 * DAY as i64).await;
    let p = propose(&mut fx, &big, ProposalAction::Signal).await.unwrap();
    let end = proposal(&mut fx, p).await.voting_ends_at;
    assert!(fx.position(sp).await.end < end);
    expect_err(vote(&mut fx, &short, p, VoteChoice::Yes).await, VetmaiError::NoVotingWeight);
    // Tokens counted in mid's vote stay locked past the end: they cannot move to another wallet.
    vote(&mut fx, &mid, p, VoteChoice::Yes).await.unwrap();
    let mp = pda::position(&mid.key(), 0);
    expect_err(fx.send(&[fx.dep.withdraw(mid.key(), mid.token, mp)], &[&mid.kp]).await, VetmaiError::LockNotExpired);
    // Tokens that were not counted (the short lock) may move once, after their end, and count there.
    let short_end = fx.position(sp).await.end;
    fx.warp_to(short_end).await;
    fx.send(&[fx.dep.withdraw(short.key(), short.token, sp)], &[&short.kp]).await.unwrap();
    let other = fx.wallet(0).await;
    let ix = anchor_spl::token::spl_token::instruction::transfer(
        &TokenKind::Spl.program(),
        &short.token,
        &other.token,
        &short.key(),
        &[],
        50_000 * TMAI,
    )
    .unwrap();
    fx.send(&[ix], &[&short.kp]).await.unwrap();
    fx.lock(&other, 50_000 * TMAI, YEAR, LockKind::Fixed).await;
    vote(&mut fx, &other, p, VoteChoice::Yes).await.unwrap();
    let t = proposal(&mut fx, p).await;
    assert_eq!(t.yes, (22_000 + 100_000) * TMAI as u128, "mid's and other's, nothing from short");
    // begin_unlock during the vote: a constant lock stays locked through the end; weight unchanged.
    let c = fx.wallet(100_000 * TMAI).await;
    let cp = fx.lock(&c, 10_000 * TMAI, 30 * DAY, LockKind::Constant).await;
    vote(&mut fx, &c, p, VoteChoice::No).await.unwrap();
    let before = proposal(&mut fx, p).await.no;
    fx.send(&[fx.dep.begin_unlock(c.key(), cp)], &[&c.kp]).await.unwrap();
    fx.send(&[fx.dep.change_vote(c.key(), p, VoteChoice::No)], &[&c.kp]).await.unwrap();
    assert_eq!(proposal(&mut fx, p).await.no, before);
}

#[tokio::test]
async fn proposals_need_a_level_and_respect_the_monthly_limit() {
    let Gov { mut fx, mid, small, .. } = gov().await;
    expect_err(propose(&mut fx, &small, ProposalAction::Signal).await.map(|_| ()), VetmaiError::LevelTooLow);
    let mut long = args(ProposalAction::Signal);
    long.title = "x".repeat(81);
    let id = fx.dao().await.proposal_count;
    expect_err(fx.send(&[fx.dep.create_proposal(mid.key(), id, long)], &[&mid.kp]).await, VetmaiError::TextTooLong);
    let bad = ProposalAction::UpdateParams(ParamsUpdate { quorum_bps: Some(10_001), ..Default::default() });
    expect_err(propose(&mut fx, &mid, bad).await.map(|_| ()), VetmaiError::InvalidParam);
    // Level 1: one proposal per calendar month (UTC). T0 is 24 November.
    propose(&mut fx, &mid, ProposalAction::Signal).await.unwrap();
    expect_err(propose(&mut fx, &mid, ProposalAction::Signal).await.map(|_| ()), VetmaiError::ProposalLimitReached);
    // 30 November 23:59:59 is still November; 1 December 00:00 is a new month.
    fx.warp_to(1_796_083_200 - 1).await;
    expect_err(propose(&mut fx, &mid, ProposalAction::Signal).await.map(|_| ()), VetmaiError::ProposalLimitReached);
    fx.warp_to(1_796_083_200).await;
    propose(&mut fx, &mid, ProposalAction::Signal).await.unwrap();
    assert_eq!(fx.staker(mid.key()).await.proposals_in_month, 1);
}

#[tokio::test]
async fn closing_the_staker_cannot_reset_the_monthly_limit() {
    let mut fx = Fx::new().await;
    fx.init_dao(Pubkey::default()).await;
    fx.warp_to(1_798_761_600).await; // 1 January 2027
    let w = fx.wallet(100_000 * TMAI).await;
    let pos = fx.lock(&w, 22_000 * TMAI, 7 * DAY, LockKind::Fixed).await;
    propose(&mut fx, &w, ProposalAction::Signal).await.unwrap();
    let end = fx.position(pos).await.end;
    fx.warp_to(end).await; // still January
    fx.send(&[fx.dep.withdraw(w.key(), w.token, pos)], &[&w.kp]).await.unwrap();
    expect_err(fx.send(&[fx.dep.close_staker(w.key())], &[&w.kp]).await, VetmaiError::StakerHasRecentProposals);
    fx.warp_to(1_801_440_000).await; // 1 February
    fx.send(&[fx.dep.close_staker(w.key())], &[&w.kp]).await.unwrap();
}

/// Issue 13 (1): sale-round escrow is out of governance's reach. The round vault's authority is
/// the round PDA and token-moving proposals pay only from the DAO's treasury PDAs, so a passed
/// `TransferTreasury` or `FundRewards` naming the round vault is refused, and every committer
/// still settles to the base unit.
#[tokio::test]
async fn passed_proposals_cannot_touch_sale_escrow() {
    let Gov { mut fx, big, mid, small, .. } = gov().await;
    let admin = fx.admin.insecure_clone();
    let usdc = fx.create_pool(Some(TokenKind::Spl)).await;
    let now = fx.now().await;
    // Levels 4 (big) and 1 (mid) open 18 h in; caps 4 000 and 1 000 USDC; the round sells 3 000.
    let args = vetmai::OpenRoundArgs {
        total_cap: 3_000 * USDC,
        start: now,
        end: now + 20 * DAY as i64,
        level_caps: None,
        window_open: None,
    };
    fx.send(&[fx.dep.open_round(admin.pubkey(), 0, usdc, args)], &[&admin]).await.unwrap();
    let round = pda::round(0);
    let vault = pda::round_vault(&round);
    fx.warp_by(18 * 3_600).await;
    let mut pays = vec![];
    for (w, amount) in [(&big, 4_000 * USDC), (&mid, 1_000 * USDC)] {
        let pay = fx.token_account_in(w.key(), usdc.mint, usdc.token_program).await;
        fx.mint_to_in(usdc, pay, amount).await;
        fx.send(&[fx.dep.commit(w.key(), round, usdc, pay, amount)], &[&w.kp]).await.unwrap();
        pays.push((w.key(), pay, amount));
    }
    assert_eq!(fx.balance(vault).await, 5_000 * USDC);

    // The attack: two proposals passed by the largest holder, executed naming the escrow as the
    // treasury: pay it out to the attacker, or stream it into the reward pool.
    let loot = fx.token_account_in(small.key(), usdc.mint, usdc.token_program).await;
    let steal = ProposalAction::TransferTreasury { mint: usdc.mint, amount: 5_000 * USDC, recipient: loot };
    let steal = propose(&mut fx, &big, steal).await.unwrap();
    let fund = propose(&mut fx, &big, ProposalAction::FundRewards { mint: usdc.mint, amount: 5_000 * USDC }).await;
    let fund = fund.unwrap();
    for p in [steal, fund] {
        vote(&mut fx, &big, p, VoteChoice::Yes).await.unwrap();
    }
    pass(&mut fx, steal).await;
    fx.send(&[fx.dep.finalize_proposal(fund)], &[]).await.unwrap();
    fx.warp_by(DAY as i64).await;
    let escrow_as_treasury = |destination, pool| ExecuteTokens {
        mint: usdc.mint,
        token_program: usdc.token_program,
        treasury: vault,
        destination,
        pool,
    };
    let ix = fx.dep.execute_proposal(steal, Some(escrow_as_treasury(loot, None)));
    expect_err(fx.send(&[ix], &[]).await, VetmaiError::NotTreasury);
    let crank = fx.crank_ix(usdc).await;
    let to_pool = escrow_as_treasury(pda::reward_vault(&usdc.address()), Some(usdc.address()));
    let ix = fx.dep.execute_proposal(fund, Some(to_pool));
    expect_err(fx.send(&[crank, ix], &[]).await, VetmaiError::NotTreasury);
    // The DAO could not sign for the escrow anyway: its authority is the round PDA.
    let acc = fx.ctx.banks_client.get_account(vault).await.unwrap().unwrap();
    let vault_state: anchor_spl::token_interface::TokenAccount =
        anchor_lang::AccountDeserialize::try_deserialize(&mut acc.data.as_slice()).unwrap();
    assert_eq!(vault_state.owner, round, "the escrow's authority is the round PDA");
    assert_eq!((fx.balance(vault).await, fx.balance(loot).await), (5_000 * USDC, 0));
    assert_eq!(proposal(&mut fx, steal).await.state, ProposalState::Passed, "nothing half-done");

    // Every committer settles: allocations sum to the cap, refunds are the rest, to the base unit.
    fx.warp_to(now + 20 * DAY as i64).await;
    let mut allocated = 0;
    for (wallet, pay, committed) in &pays {
        fx.send(&[fx.dep.settle_commitment(round, *wallet, usdc, *pay)], &[]).await.unwrap();
        let c: vetmai::Commitment = fx.account(pda::commitment(&round, wallet)).await.unwrap();
        assert_eq!(c.allocation + c.refund, *committed);
        assert_eq!(fx.balance(*pay).await, c.refund, "refund paid in full");
        allocated += c.allocation;
    }
    assert_eq!(allocated, 3_000 * USDC);
    let dest = fx.token_account_in(admin.pubkey(), usdc.mint, usdc.token_program).await;
    fx.send(&[fx.dep.withdraw_proceeds(admin.pubkey(), round, usdc, dest)], &[&admin]).await.unwrap();
    assert_eq!((fx.balance(dest).await, fx.balance(vault).await), (3_000 * USDC, 0));
}

/// Issue 13 (4): after the handover a passed `SetGuardian` replaces the guardian (the guardian it
/// replaces cannot veto it; afterwards its vetoes are refused), and the default key removes it.
#[tokio::test]
async fn a_passed_proposal_replaces_or_removes_the_guardian() {
    let Gov { mut fx, guardian, big, .. } = gov().await;
    let admin = fx.admin.insecure_clone();
    fx.send(&[fx.dep.transfer_to_dao(admin.pubkey())], &[&admin]).await.unwrap();
    // The former admin can no longer replace the guardian directly.
    let ix = fx.dep.set_guardian(admin.pubkey(), admin.pubkey());
    expect_err(fx.send(&[ix], &[&admin]).await, VetmaiError::Unauthorized);
    let new_guardian = Keypair::new();
    fx.airdrop(new_guardian.pubkey(), 1_000_000_000).await;
    let p = propose(&mut fx, &big, ProposalAction::SetGuardian { guardian: new_guardian.pubkey() }).await.unwrap();
    vote(&mut fx, &big, p, VoteChoice::Yes).await.unwrap();
    pass(&mut fx, p).await;
    let ix = fx.dep.veto_proposal(guardian.pubkey(), p);
    expect_err(fx.send(&[ix], &[&guardian]).await, VetmaiError::CannotVetoGuardianChange);
    fx.warp_by(DAY as i64).await;
    fx.send(&[fx.dep.execute_proposal(p, None)], &[]).await.unwrap();
    assert_eq!(fx.dao().await.guardian, new_guardian.pubkey());
    // The old guardian's veto is refused; the new one's works.
    let p = propose(&mut fx, &big, ProposalAction::Signal).await.unwrap();
    vote(&mut fx, &big, p, VoteChoice::Yes).await.unwrap();
    pass(&mut fx, p).await;
    expect_err(fx.send(&[fx.dep.veto_proposal(guardian.pubkey(), p)], &[&guardian]).await, VetmaiError::CannotVeto);
    fx.send(&[fx.dep.veto_proposal(new_guardian.pubkey(), p)], &[&new_guardian]).await.unwrap();
    assert_eq!(proposal(&mut fx, p).await.state, ProposalState::Vetoed);
    // The default key: no guardian, nobody can veto.
    fx.warp_by(31 * DAY as i64).await;
    let p = passed(&mut fx, &big, ProposalAction::SetGuardian { guardian: Pubkey::default() }).await;
    fx.send(&[fx.dep.execute_proposal(p, None)], &[]).await.unwrap();
    assert_eq!(fx.dao().await.guardian, Pubkey::default());
    let p = propose(&mut fx, &big, ProposalAction::Signal).await.unwrap();
    vote(&mut fx, &big, p, VoteChoice::Yes).await.unwrap();
    pass(&mut fx, p).await;
    let ix = fx.dep.veto_proposal(new_guardian.pubkey(), p);
    expect_err(fx.send(&[ix], &[&new_guardian]).await, VetmaiError::CannotVeto);
}

/// Issue 13 (7): once any vote was cast the proposer cannot cancel, even after that vote is
/// withdrawn (or changed).
#[tokio::test]
async fn a_proposal_once_voted_on_cannot_be_cancelled() {
    let Gov { mut fx, big, mid, .. } = gov().await;
    let p = propose(&mut fx, &big, ProposalAction::Signal).await.unwrap();
    vote(&mut fx, &mid, p, VoteChoice::No).await.unwrap();
    fx.send(&[fx.dep.change_vote(mid.key(), p, VoteChoice::Abstain)], &[&mid.kp]).await.unwrap();
    fx.send(&[fx.dep.withdraw_vote(mid.key(), p)], &[&mid.kp]).await.unwrap();
    let t = proposal(&mut fx, p).await;
    assert_eq!((t.voters, t.ever_voted), (0, true));
    expect_err(fx.send(&[fx.dep.cancel_proposal(big.key(), p)], &[&big.kp]).await, VetmaiError::CannotCancel);
    assert_eq!(proposal(&mut fx, p).await.state, ProposalState::Voting);
}

/// Issue 13 (7): after the handover reward pools are created (and retired) by proposals; the
/// admin path is closed.
#[tokio::test]
async fn reward_pools_are_created_and_retired_by_proposals_after_handover() {
    let Gov { mut fx, big, mid, .. } = gov().await;
    let admin = fx.admin.insecure_clone();
    fx.send(&[fx.dep.transfer_to_dao(admin.pubkey())], &[&admin]).await.unwrap();
    let m = Keypair::new();
    let tp = TokenKind::Spl.program();
    fx.create_mint(&m, tp, &[]).await;
    let usdc = PoolRef { mint: m.pubkey(), token_program: tp };
    expect_err(fx.send(&[fx.dep.create_reward_pool(admin.pubkey(), usdc)], &[&admin]).await, VetmaiError::Unauthorized);
    let payer = fx.payer();
    // A proposal for another action cannot be used to create the pool.
    let signal = passed(&mut fx, &big, ProposalAction::Signal).await;
    let ix = fx.dep.execute_create_reward_pool(payer, signal, usdc);
    expect_err(fx.send(&[ix], &[]).await, VetmaiError::ActionAccountsMismatch);
    let p = passed(&mut fx, &big, ProposalAction::CreateRewardPool { mint: usdc.mint }).await;
    expect_err(fx.send(&[fx.dep.execute_proposal(p, None)], &[]).await, VetmaiError::ActionNeedsOwnInstruction);
    // Naming another mint than the proposal's is refused.
    let wrong = PoolRef { mint: fx.dep.tmai_mint, token_program: tp };
    let ix = fx.dep.execute_create_reward_pool(payer, p, wrong);
    expect_err(fx.send(&[ix], &[]).await, VetmaiError::ActionAccountsMismatch);
    fx.send(&[fx.dep.execute_action(payer, p, &ProposalAction::CreateRewardPool { mint: usdc.mint }, tp)], &[])
        .await
        .unwrap();
    assert_eq!(proposal(&mut fx, p).await.state, ProposalState::Executed);
    let pool = fx.pool(usdc).await;
    assert_eq!((pool.mint, pool.index, pool.retired), (usdc.mint, 0, false));
    fx.dep.add_pool(usdc.address());
    // Revenue flows in; then the pool is retired: deposits are refused from then on.
    fx.deposit(usdc, 700 * USDC).await.unwrap();
    fx.warp_by(31 * DAY as i64).await;
    let _ = &mid;
    let p = passed(&mut fx, &big, ProposalAction::RetireRewardPool { mint: usdc.mint }).await;
    fx.send(&[fx.dep.execute_action(payer, p, &ProposalAction::RetireRewardPool { mint: usdc.mint }, tp)], &[])
        .await
        .unwrap();
    assert!(fx.pool(usdc).await.retired);
    fx.crank(usdc).await.unwrap();
    expect_err(fx.deposit(usdc, USDC).await, VetmaiError::PoolRetired);
    assert_eq!(fx.pool(usdc).await.total_deposited, u128::from(700 * USDC));
}

/// Issue 13 (7): rent of finished proposals and of vote records comes back to whoever paid it;
/// a vote record only once its vote can no longer change (so it cannot be re-cast and counted
/// twice), a proposal only once nothing more can happen to it.
#[tokio::test]
async fn finished_proposals_and_vote_records_return_their_rent() {
    let Gov { mut fx, big, mid, .. } = gov().await;
    let p = propose(&mut fx, &big, ProposalAction::Signal).await.unwrap();
    vote(&mut fx, &big, p, VoteChoice::Yes).await.unwrap();
    vote(&mut fx, &mid, p, VoteChoice::No).await.unwrap();
    // During the vote: neither closes.
    expect_err(fx.send(&[fx.dep.close_vote_record(mid.key(), p)], &[&mid.kp]).await, VetmaiError::NotFinished);
    expect_err(fx.send(&[fx.dep.close_proposal(big.key(), p)], &[&big.kp]).await, VetmaiError::NotFinished);
    pass(&mut fx, p).await;
    // Passed and executable: the proposal stays; the vote records may go (tallies are final).
    expect_err(fx.send(&[fx.dep.close_proposal(big.key(), p)], &[&big.kp]).await, VetmaiError::NotFinished);
    let rent = fx.ctx.banks_client.get_account(pda::vote(&p, &mid.key())).await.unwrap().unwrap().lamports;
    let before = fx.ctx.banks_client.get_balance(mid.key()).await.unwrap();
    fx.send(&[fx.dep.close_vote_record(mid.key(), p)], &[&mid.kp]).await.unwrap();
    assert_eq!(fx.ctx.banks_client.get_balance(mid.key()).await.unwrap(), before + rent);
    // A closed record cannot be re-cast into the finished vote.
    expect_err(vote(&mut fx, &mid, p, VoteChoice::Yes).await, VetmaiError::VotingClosed);
    assert_eq!(proposal(&mut fx, p).await.no, 22_000 * TMAI as u128, "tallies untouched");
    // Someone else's record: refused (its PDA is derived from the signer).
    let mut other = fx.dep.close_vote_record(mid.key(), p);
    other.accounts[2].pubkey = pda::vote(&p, &big.key());
    expect_anchor(fx.send(&[other], &[&mid.kp]).await, anchor_lang::error::ErrorCode::ConstraintSeeds);
    // Executed: the proposer (only) closes it; then the last vote record still closes.
    fx.warp_by(DAY as i64).await;
    fx.send(&[fx.dep.execute_proposal(p, None)], &[]).await.unwrap();
    expect_err(fx.send(&[fx.dep.close_proposal(mid.key(), p)], &[&mid.kp]).await, VetmaiError::WrongRentReceiver);
    fx.send(&[fx.dep.close_proposal(big.key(), p)], &[&big.kp]).await.unwrap();
    assert!(fx.ctx.banks_client.get_account(p).await.unwrap().is_none());
    fx.send(&[fx.dep.close_vote_record(big.key(), p)], &[&big.kp]).await.unwrap();
    assert!(fx.ctx.banks_client.get_account(pda::vote(&p, &big.key())).await.unwrap().is_none());
    // A passed proposal whose execution window closed is finished too.
    let p = propose(&mut fx, &big, ProposalAction::Signal).await.unwrap();
    vote(&mut fx, &big, p, VoteChoice::Yes).await.unwrap();
    pass(&mut fx, p).await;
    fx.warp_by(8 * DAY as i64).await;
    fx.send(&[fx.dep.close_proposal(big.key(), p)], &[&big.kp]).await.unwrap();
}
