//! The adversarial suite (issue 13): one test per Sealevel attack class. Each builds the real
//! instruction with the client's builder, tampers with its accounts, data or signers, sends it,
//! and asserts the exact error, then that every account of the world (program state, vaults,
//! the victims' token accounts) is byte for byte what it was before the attack.
//! `security.rs` holds the first few of these (one case per class); this file covers the rest,
//! governance, sale, exit and close instructions included. The defects issue 13 names have their
//! own tests beside the feature (`governance.rs`, `admin.rs`, `exit.rs`, `mints.rs`, `sale.rs`).
use anchor_lang::error::ErrorCode as AnchorError;
use anchor_lang::prelude::{Clock, Pubkey};
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::sysvar::SysvarId;
use anchor_lang::solana_program::{bpf_loader_upgradeable, system_instruction};
use anchor_lang::{system_program, AccountSerialize};
use anchor_spl::token::spl_token;
use anchor_spl::token_2022::spl_token_2022;
use solana_keypair::Keypair;
use solana_program_test::{tokio, BanksClientError};
use solana_signer::Signer;
use vetmai::state::{Dao, ParamsUpdate, Proposal, ProposalAction, ProposalState};
use vetmai::{ClaimMode, CreateProposalArgs, ExitRewards, LockKind, OpenRoundArgs, VetmaiError, VoteChoice};
use vetmai_client::ix::{ClaimAccounts, ExecuteTokens, PoolRef, WithdrawPayout};
use vetmai_client::{pda, view};

use crate::fixture::*;

const YEAR: u64 = 365 * DAY;
const USDC: u64 = 1_000_000;
/// The owner of every sysvar account.
const SYSVAR_OWNER: Pubkey = Pubkey::from_str_const("Sysvar1111111111111111111111111111111111111");

/// Asserts that an attack was refused with custom error `code`, naming the attack on failure.
#[track_caller]
fn refused(what: &str, res: Result<(), BanksClientError>, code: u32) {
    let err = res.expect_err(&format!("{what}: the attack succeeded (expected error {code})"));
    let text = format!("{err:?}");
    assert!(text.contains(&format!("Custom({code})")), "{what}: expected Custom({code}), got {text}");
}

fn anchor(e: AnchorError) -> u32 {
    e as u32
}

fn program(e: VetmaiError) -> u32 {
    6000 + e as u32
}

/// Replaces the first account `from` of `ix` by `to`.
fn swap(ix: &mut Instruction, from: Pubkey, to: Pubkey) {
    let slot = ix.accounts.iter().position(|m| m.pubkey == from).unwrap_or_else(|| panic!("{from} not in the ix"));
    ix.accounts[slot].pubkey = to;
}

/// Strips `key`'s signature flag everywhere in `ix`.
fn unsign(ix: &mut Instruction, key: Pubkey) {
    let mut found = false;
    for m in ix.accounts.iter_mut().filter(|m| m.pubkey == key) {
        m.is_signer = false;
        found = true;
    }
    assert!(found, "{key} not in the ix");
}

/// A PDA of the program for `seeds` with a valid but non-canonical bump.
fn non_canonical(seeds: &[&[u8]]) -> Pubkey {
    let (canonical, bump) = Pubkey::find_program_address(seeds, &vetmai::ID);
    (0..bump)
        .rev()
        .find_map(|b| {
            let bb = [b];
            let mut s: Vec<&[u8]> = seeds.to_vec();
            s.push(&bb);
            Pubkey::create_program_address(&s, &vetmai::ID).ok()
        })
        .filter(|k| *k != canonical)
        .expect("a non-canonical bump exists")
}

fn text_args(action: ProposalAction) -> CreateProposalArgs {
    CreateProposalArgs {
        title: "Attack surface".into(),
        description_url: "https://forum.example/t/13".into(),
        content_hash: [13; 32],
        action,
    }
}

/// One world every attack runs against: a DAO with a guardian, an SPL reward pool (index 0) and a
/// TMAI pool (index 1) with deposits streaming, the victim `alice` (level 8: three positions, a
/// proposal she voted for, a commitment to an open round), the attacker `mallory` (a small lock
/// of her own), and the DAO's USDC treasury.
struct W {
    fx: Fx,
    guardian: Keypair,
    alice: Wallet,
    mallory: Wallet,
    usdc: PoolRef,
    tmai: PoolRef,
    /// alice's 12-month Fixed lock (index 0), auto-compounding.
    a_fixed: Pubkey,
    /// alice's 30-day Constant lock (index 1).
    a_const: Pubkey,
    /// alice's 7-day Fixed lock (index 2).
    a_short: Pubkey,
    /// mallory's 12-month Fixed lock.
    m_pos: Pubkey,
    a_usdc: Pubkey,
    m_usdc: Pubkey,
    /// alice's Signal proposal (id 0); alice voted Yes.
    proposal: Pubkey,
    /// Round 0 (USDC, 5 000 cap, 2 days); alice committed 1 000.
    round: Pubkey,
    /// The DAO's USDC treasury (`pda::treasury`) holding 10 000.
    treasury: Pubkey,
}

async fn world() -> W {
    let mut fx = Fx::new().await;
    let guardian = Keypair::new();
    fx.airdrop(guardian.pubkey(), 1_000_000_000).await;
    fx.init_dao(guardian.pubkey()).await;
    let usdc = fx.create_pool(Some(TokenKind::Spl)).await;
    let tmai = fx.create_pool(None).await;
    let alice = fx.wallet(10_000_000 * TMAI).await;
    let mallory = fx.wallet(1_000_000 * TMAI).await;
    let a_fixed = fx.lock(&alice, 2_222_000 * TMAI, YEAR, LockKind::Fixed).await;
    let a_const = fx.lock(&alice, 1_000 * TMAI, 30 * DAY, LockKind::Constant).await;
    let a_short = fx.lock(&alice, 1_000 * TMAI, 7 * DAY, LockKind::Fixed).await;
    let m_pos = fx.lock(&mallory, 22_000 * TMAI, YEAR, LockKind::Fixed).await;
    fx.send(&[fx.dep.set_auto_compound(alice.key(), a_fixed, true)], &[&alice.kp]).await.unwrap();
    fx.deposit(usdc, 7_000 * USDC).await.unwrap();
    fx.deposit(tmai, 700 * TMAI).await.unwrap();
    let a_usdc = fx.token_account_in(alice.key(), usdc.mint, usdc.token_program).await;
    let m_usdc = fx.token_account_in(mallory.key(), usdc.mint, usdc.token_program).await;
    fx.mint_to_in(usdc, a_usdc, 50_000 * USDC).await;
    fx.mint_to_in(usdc, m_usdc, 50_000 * USDC).await;

    fx.send(&[fx.dep.create_proposal(alice.key(), 0, text_args(ProposalAction::Signal))], &[&alice.kp]).await.unwrap();
    let proposal = pda::proposal(0);
    fx.send(&[fx.dep.cast_vote(alice.key(), proposal, VoteChoice::Yes)], &[&alice.kp]).await.unwrap();

    let now = fx.now().await;
    let admin = fx.admin.insecure_clone();
    let args = OpenRoundArgs {
        total_cap: 5_000 * USDC,
        start: now,
        end: now + 2 * DAY as i64,
        level_caps: None,
        window_open: None,
    };
    fx.send(&[fx.dep.open_round(admin.pubkey(), 0, usdc, args)], &[&admin]).await.unwrap();
    let round = pda::round(0);
    fx.send(&[fx.dep.commit(alice.key(), round, usdc, a_usdc, 1_000 * USDC)], &[&alice.kp]).await.unwrap();
    let payer = fx.payer();
    fx.send(&[fx.dep.create_treasury(payer, usdc)], &[]).await.expect("create_treasury");
    let treasury = pda::treasury(&usdc.mint);
    fx.mint_to_in(usdc, treasury, 10_000 * USDC).await;
    fx.warp_by(3_600).await;
    W {
        fx,
        guardian,
        alice,
        mallory,
        usdc,
        tmai,
        a_fixed,
        a_const,
        a_short,
        m_pos,
        a_usdc,
        m_usdc,
        proposal,
        round,
        treasury,
    }
}

impl W {
    /// Every account an attack could touch.
    fn keys(&self) -> Vec<Pubkey> {
        let (a, m) = (self.alice.key(), self.mallory.key());
        let mut k = vec![
            pda::config(),
            pda::dao(),
            pda::vault(),
            pda::staker(&a),
            pda::staker(&m),
            self.a_fixed,
            self.a_const,
            self.a_short,
            self.m_pos,
            self.alice.token,
            self.mallory.token,
            self.a_usdc,
            self.m_usdc,
            self.treasury,
            self.proposal,
            pda::vote(&self.proposal, &a),
            pda::vote(&self.proposal, &m),
            self.round,
            pda::round_vault(&self.round),
            pda::commitment(&self.round, &a),
            pda::commitment(&self.round, &m),
            pda::proposal(1),
            pda::round(1),
        ];
        for p in [self.usdc, self.tmai] {
            let addr = p.address();
            k.extend([addr, pda::reward_vault(&addr), pda::reward_history(&addr, 0), pda::reward_history(&addr, 1)]);
        }
        k
    }

    async fn snapshot(&mut self) -> (Vec<Pubkey>, Vec<Option<solana_account::Account>>) {
        let keys = self.keys();
        let before = self.fx.snapshot(&keys).await;
        (keys, before)
    }

    async fn assert_untouched(&mut self, keys: &[Pubkey], before: &[Option<solana_account::Account>], what: &str) {
        let after = self.fx.snapshot(keys).await;
        Fx::assert_same(keys, before, &after, what);
    }

    async fn send(&mut self, ix: Instruction, signers: &[&Keypair]) -> Result<(), BanksClientError> {
        self.fx.send(&[ix], signers).await
    }

    /// A claim of `pos` (owned by `owner`) from `pool` at slot `index`, history chunk from the state.
    async fn claim(
        &mut self,
        owner: Pubkey,
        pos: Pubkey,
        (pool, index): (PoolRef, u8),
        mode: ClaimMode,
        destination: Option<Pubkey>,
        target: Option<Pubkey>,
    ) -> Instruction {
        let history_chunk = self.chunk(pool, pos).await;
        let c = ClaimAccounts { pool, pool_index: index, destination, target, history_chunk };
        self.fx.dep.claim_rewards(owner, pos, mode, &c)
    }

    async fn chunk(&mut self, pool: PoolRef, pos: Pubkey) -> Option<u64> {
        let p = self.fx.pool(pool).await;
        let now = self.fx.now().await;
        let position = self.fx.account::<vetmai::Position>(pos).await?;
        view::claim_history_chunk(&p, &position, now)
    }

    /// alice's `withdraw` of `pos`, paying both pools to her own accounts.
    async fn withdraw_paying(&mut self, pos: Pubkey, chunks: [u64; 2]) -> Instruction {
        let payouts = [
            WithdrawPayout { pool: self.usdc, history_chunk: chunks[0], destination: self.a_usdc },
            WithdrawPayout { pool: self.tmai, history_chunk: chunks[1], destination: self.alice.token },
        ];
        self.fx.dep.withdraw_paying(self.alice.key(), self.alice.token, pos, &payouts)
    }

    async fn crank_all(&mut self) {
        for p in [self.usdc, self.tmai] {
            self.fx.crank(p).await.expect("crank");
        }
    }

    /// Warps past `a_short`'s end and brings both pools forward.
    async fn end_short_lock(&mut self) {
        let end = self.fx.position(self.a_short).await.end;
        if self.fx.now().await < end {
            self.fx.warp_to(end + 60).await;
        }
        self.crank_all().await;
    }

    /// alice proposes `action` (the DAO's next id), votes Yes, and it passes; the clock is then past
    /// the timelock. Returns the proposal.
    async fn passed(&mut self, action: ProposalAction) -> Pubkey {
        let id = self.fx.dao().await.proposal_count;
        let ix = self.fx.dep.create_proposal(self.alice.key(), id, text_args(action));
        let kp = self.alice.kp.insecure_clone();
        self.fx.send(&[ix], &[&kp]).await.expect("create_proposal");
        let p = pda::proposal(id);
        self.fx.send(&[self.fx.dep.cast_vote(self.alice.key(), p, VoteChoice::Yes)], &[&kp]).await.expect("vote");
        let end = self.fx.account::<Proposal>(p).await.unwrap().voting_ends_at;
        self.fx.warp_to(end).await;
        self.fx.send(&[self.fx.dep.finalize_proposal(p)], &[]).await.expect("finalize");
        assert_eq!(self.fx.account::<Proposal>(p).await.unwrap().state, ProposalState::Passed);
        self.fx.warp_by(DAY as i64 + 60).await;
        self.crank_all().await;
        p
    }
}

#[tokio::test]
async fn missing_signer_is_refused_on_every_signed_instruction() {
    let mut w = world().await;
    let extra_mint = Keypair::new();
    w.fx.create_mint(&extra_mint, spl_token::ID, &[]).await;
    let admin_src = w.fx.token_account_in(w.fx.admin.pubkey(), w.usdc.mint, w.usdc.token_program).await;
    w.fx.mint_to_in(w.usdc, admin_src, 1_000 * USDC).await;
    let (keys, before) = w.snapshot().await;
    let d = w.fx.dep;
    let admin = w.fx.admin.pubkey();
    let (a, m, g) = (w.alice.key(), w.mallory.key(), w.guardian.pubkey());
    let now = w.fx.now().await;
    let claim =
        ClaimAccounts { pool: w.usdc, pool_index: 0, destination: Some(w.a_usdc), target: None, history_chunk: None };
    let steal = ProposalAction::TransferTreasury { mint: w.usdc.mint, amount: 10_000 * USDC, recipient: w.m_usdc };
    let round_args =
        OpenRoundArgs { total_cap: USDC, start: now, end: now + 3_600, level_caps: None, window_open: None };
    let new_pool = PoolRef { mint: extra_mint.pubkey(), token_program: spl_token::ID };
    // (what, the real instruction naming its authority, the authority whose signature is left out)
    let cases: Vec<(&str, Instruction, Pubkey)> = vec![
        ("update_params", d.update_params(admin, ParamsUpdate { quorum_bps: Some(1), ..Default::default() }), admin),
        ("set_admin", d.set_admin(admin, m), admin),
        ("accept_admin", d.accept_admin(m), m),
        ("set_revenue_authority", d.set_revenue_authority(admin, m), admin),
        ("create_reward_pool", d.create_reward_pool(admin, new_pool), admin),
        ("deposit_revenue", d.deposit_revenue(admin, w.usdc, admin_src, 1_000 * USDC), admin),
        ("init_dao", d.init_dao(admin, m, m), admin),
        ("transfer_to_dao", d.transfer_to_dao(admin), admin),
        ("set_guardian", d.set_guardian(g, m), g),
        ("create_lock", d.create_lock(a, w.alice.token, 3, 1_000 * TMAI, YEAR, LockKind::Fixed), a),
        ("increase_amount", d.increase_amount(a, w.alice.token, w.a_fixed, 1_000 * TMAI), a),
        ("extend_lock", d.extend_lock(a, w.a_short, YEAR), a),
        ("begin_unlock", d.begin_unlock(a, w.a_const), a),
        ("withdraw", d.withdraw(a, w.alice.token, w.a_short), a),
        ("close_staker", d.close_staker(a), a),
        ("claim_rewards", d.claim_rewards(a, w.a_fixed, ClaimMode::Payout, &claim), a),
        ("set_auto_compound", d.set_auto_compound(a, w.a_const, true), a),
        ("create_proposal", d.create_proposal(a, 1, text_args(steal)), a),
        ("cast_vote", d.cast_vote(m, w.proposal, VoteChoice::No), m),
        ("change_vote", d.change_vote(a, w.proposal, VoteChoice::No), a),
        ("withdraw_vote", d.withdraw_vote(a, w.proposal), a),
        ("cancel_proposal", d.cancel_proposal(a, w.proposal), a),
        ("veto_proposal", d.veto_proposal(g, w.proposal), g),
        ("open_round", d.open_round(admin, 1, w.usdc, round_args), admin),
        ("commit", d.commit(a, w.round, w.usdc, w.a_usdc, 1_000 * USDC), a),
        ("withdraw_proceeds", d.withdraw_proceeds(admin, w.round, w.usdc, w.m_usdc), admin),
        ("initialize", d.initialize(admin), admin),
        ("exit_lock", d.exit_lock(a, w.alice.token, w.a_short, ExitRewards::Keep, &[0, 0]), a),
        ("create_treasury", d.create_treasury(m, new_pool), m),
        ("execute_create_reward_pool", d.execute_create_reward_pool(m, w.proposal, new_pool), m),
        ("close_vote_record", d.close_vote_record(a, w.proposal), a),
        ("close_proposal", d.close_proposal(a, w.proposal), a),
        ("close_commitment", d.close_commitment(a, w.round), a),
        ("close_round", d.close_round(admin, w.round, w.usdc, w.m_usdc), admin),
    ];
    for (what, mut ix, authority) in cases {
        unsign(&mut ix, authority);
        refused(what, w.send(ix, &[]).await, anchor(AnchorError::AccountNotSigner));
    }
    w.assert_untouched(&keys, &before, "missing signer").await;
    assert_eq!(w.fx.balance(admin_src).await, 1_000 * USDC);
}

#[tokio::test]
async fn accounts_that_do_not_belong_to_the_signer_are_refused() {
    let mut w = world().await;
    let (keys, before) = w.snapshot().await;
    let d = w.fx.dep;
    let (a, m) = (w.alice.key(), w.mallory.key());
    let mk = w.mallory.kp.insecure_clone();
    let ak = w.alice.kp.insecure_clone();

    // Token accounts of the right mint but another owner.
    let ix = d.increase_amount(m, w.alice.token, w.m_pos, 1_000 * TMAI);
    refused(
        "lock alice's TMAI into mallory's position",
        w.send(ix, &[&mk]).await,
        anchor(AnchorError::ConstraintTokenOwner),
    );
    let ix = d.commit(m, w.round, w.usdc, w.a_usdc, 100 * USDC);
    refused("commit paid from alice's USDC", w.send(ix, &[&mk]).await, anchor(AnchorError::ConstraintTokenOwner));
    let ix = w.claim(a, w.a_fixed, (w.usdc, 0), ClaimMode::Payout, Some(w.m_usdc), None).await;
    let mut ix = ix;
    ix.accounts[0].pubkey = m;
    refused("claim alice's rewards to mallory", w.send(ix, &[&mk]).await, anchor(AnchorError::ConstraintTokenOwner));
    let c = ClaimAccounts {
        pool: w.tmai,
        pool_index: 1,
        destination: Some(w.mallory.token),
        target: None,
        history_chunk: None,
    };
    let ix = d.harvest(m, a, w.a_fixed, &c);
    refused(
        "harvest with mallory's account as destination",
        w.send(ix, &[&mk]).await,
        anchor(AnchorError::ConstraintTokenOwner),
    );
    // A token account of the signer but of another mint.
    let ix = w.claim(a, w.a_fixed, (w.usdc, 0), ClaimMode::Payout, Some(w.alice.token), None).await;
    refused("USDC rewards to a TMAI account", w.send(ix, &[&ak]).await, anchor(AnchorError::ConstraintTokenMint));

    // Positions of another owner.
    let ix = d.begin_unlock(m, w.a_const);
    refused("begin_unlock of alice's position", w.send(ix, &[&mk]).await, program(VetmaiError::NotPositionOwner));
    let ix = d.extend_lock(m, w.a_fixed, YEAR);
    refused("extend_lock of alice's position", w.send(ix, &[&mk]).await, program(VetmaiError::NotPositionOwner));
    let ix = d.set_auto_compound(m, w.a_const, true);
    refused("set_auto_compound of alice's position", w.send(ix, &[&mk]).await, program(VetmaiError::NotPositionOwner));

    // The staker (and so the level and weight) of another wallet.
    let mut ix = d.cast_vote(m, w.proposal, VoteChoice::No);
    swap(&mut ix, pda::staker(&m), pda::staker(&a));
    refused("vote with alice's weight", w.send(ix, &[&mk]).await, anchor(AnchorError::ConstraintSeeds));
    let mut ix = d.create_proposal(m, 1, text_args(ProposalAction::Signal));
    swap(&mut ix, pda::staker(&m), pda::staker(&a));
    refused("propose on alice's level", w.send(ix, &[&mk]).await, anchor(AnchorError::ConstraintSeeds));
    let mut ix = d.commit(m, w.round, w.usdc, w.m_usdc, 5_000 * USDC);
    swap(&mut ix, pda::staker(&m), pda::staker(&a));
    refused("commit inside alice's level window", w.send(ix, &[&mk]).await, anchor(AnchorError::ConstraintSeeds));
    // The vote record of another wallet.
    let mut ix = d.change_vote(m, w.proposal, VoteChoice::No);
    swap(&mut ix, pda::vote(&w.proposal, &m), pda::vote(&w.proposal, &a));
    refused("turn alice's vote", w.send(ix, &[&mk]).await, anchor(AnchorError::ConstraintSeeds));
    let mut ix = d.withdraw_vote(m, w.proposal);
    swap(&mut ix, pda::vote(&w.proposal, &m), pda::vote(&w.proposal, &a));
    refused("withdraw alice's vote", w.send(ix, &[&mk]).await, anchor(AnchorError::ConstraintSeeds));

    // After the round: settling alice's commitment with the refund sent to mallory.
    let end = w.fx.account::<vetmai::SaleRound>(w.round).await.unwrap().end;
    w.fx.warp_to(end).await;
    let ix = d.settle_commitment(w.round, a, w.usdc, w.m_usdc);
    refused("alice's refund to mallory", w.send(ix, &[]).await, anchor(AnchorError::ConstraintTokenOwner));
    w.assert_untouched(&keys, &before, "account data matching").await;
    // The honest settlement still works: alice's whole commitment is allocated (undersubscribed).
    w.send(d.settle_commitment(w.round, a, w.usdc, w.a_usdc), &[]).await.unwrap();
    let c: vetmai::Commitment = w.fx.account(pda::commitment(&w.round, &a)).await.unwrap();
    assert_eq!((c.allocation, c.refund), (1_000 * USDC, 0));
}

#[tokio::test]
async fn forged_accounts_owned_by_another_program_are_refused() {
    let mut w = world().await;
    w.end_short_lock().await;
    let (keys, before) = w.snapshot().await;
    let d = w.fx.dep;
    let (a, m) = (w.alice.key(), w.mallory.key());
    let mk = w.mallory.kp.insecure_clone();
    let ak = w.alice.kp.insecure_clone();
    let stranger = Pubkey::new_unique(); // some other program

    // A history chunk with every accumulator inflated, to settle an ended lock at a huge value.
    let hist = pda::reward_history(&w.usdc.address(), 0);
    let real = w.fx.raw(hist).await.unwrap();
    let mut data = real.data.clone();
    data[56..].fill(0x7f);
    for owner in [system_program::ID, stranger] {
        let fake = Pubkey::new_unique();
        w.fx.plant(fake, owner, real.lamports, &data);
        let mut ix = w.claim(a, w.a_short, (w.usdc, 0), ClaimMode::Payout, Some(w.a_usdc), None).await;
        swap(&mut ix, hist, fake);
        refused("inflated history chunk", w.send(ix, &[&ak]).await, anchor(AnchorError::AccountOwnedByWrongProgram));
    }
    // A copy of the USDC mint owned by another program, as the reward mint.
    let mint = w.fx.raw(w.usdc.mint).await.unwrap();
    let fake_mint = Pubkey::new_unique();
    w.fx.plant(fake_mint, stranger, mint.lamports, &mint.data);
    let mut ix = w.claim(a, w.a_fixed, (w.usdc, 0), ClaimMode::Payout, Some(w.a_usdc), None).await;
    swap(&mut ix, w.usdc.mint, fake_mint);
    refused("forged reward mint", w.send(ix, &[&ak]).await, anchor(AnchorError::AccountOwnedByWrongProgram));
    // A system-owned copy of the USDC reward vault.
    let vault = pda::reward_vault(&w.usdc.address());
    let real_vault = w.fx.raw(vault).await.unwrap();
    let fake_vault = Pubkey::new_unique();
    w.fx.plant(fake_vault, system_program::ID, real_vault.lamports, &real_vault.data);
    let mut ix = d.deposit_revenue(m, w.usdc, w.m_usdc, USDC);
    swap(&mut ix, vault, fake_vault);
    refused("forged reward vault", w.send(ix, &[&mk]).await, anchor(AnchorError::AccountOwnedByWrongProgram));

    // A proposal forged as Passed, paying the whole treasury to mallory.
    let real_p = w.fx.raw(w.proposal).await.unwrap();
    let mut p: Proposal = w.fx.account(w.proposal).await.unwrap();
    p.state = ProposalState::Passed;
    p.action = ProposalAction::TransferTreasury { mint: w.usdc.mint, amount: 10_000 * USDC, recipient: w.m_usdc };
    p.voting_ends_at = w.fx.now().await - 2 * DAY as i64;
    let mut forged = vec![];
    p.try_serialize(&mut forged).unwrap();
    forged.resize(real_p.data.len(), 0);
    let tokens = ExecuteTokens {
        mint: w.usdc.mint,
        token_program: w.usdc.token_program,
        treasury: w.treasury,
        destination: w.m_usdc,
        pool: None,
    };
    for (owner, code) in [
        (system_program::ID, anchor(AnchorError::AccountOwnedByWrongProgram)),
        (stranger, anchor(AnchorError::AccountOwnedByWrongProgram)),
        // A program-owned copy at another address: the seeds give it away.
        (vetmai::ID, anchor(AnchorError::ConstraintSeeds)),
    ] {
        let fake = Pubkey::new_unique();
        w.fx.plant(fake, owner, real_p.lamports, &forged);
        refused("forged passed proposal", w.send(d.execute_proposal(fake, Some(tokens)), &[]).await, code);
    }

    // A DAO naming mallory as sale authority.
    let real_dao = w.fx.raw(pda::dao()).await.unwrap();
    let mut dao: Dao = w.fx.dao().await;
    dao.sale_authority = m;
    let mut forged = vec![];
    dao.try_serialize(&mut forged).unwrap();
    let now = w.fx.now().await;
    let args = OpenRoundArgs { total_cap: USDC, start: now, end: now + 3_600, level_caps: None, window_open: None };
    for (owner, code) in [
        (system_program::ID, anchor(AnchorError::AccountOwnedByWrongProgram)),
        (vetmai::ID, anchor(AnchorError::ConstraintSeeds)),
    ] {
        let fake = Pubkey::new_unique();
        w.fx.plant(fake, owner, real_dao.lamports, &forged);
        let mut ix = d.open_round(m, 1, w.usdc, args.clone());
        swap(&mut ix, pda::dao(), fake);
        refused("forged DAO", w.send(ix, &[&mk]).await, code);
    }

    // alice's staker (level 8) re-labelled as mallory's.
    let real_s = w.fx.raw(pda::staker(&a)).await.unwrap();
    let mut data = real_s.data.clone();
    data[8..40].copy_from_slice(m.as_ref());
    for (owner, code) in [
        (stranger, anchor(AnchorError::AccountOwnedByWrongProgram)),
        (vetmai::ID, anchor(AnchorError::ConstraintSeeds)),
    ] {
        let fake = Pubkey::new_unique();
        w.fx.plant(fake, owner, real_s.lamports, &data);
        let mut ix = d.cast_vote(m, w.proposal, VoteChoice::No);
        swap(&mut ix, pda::staker(&m), fake);
        refused("forged staker", w.send(ix, &[&mk]).await, code);
    }
    // A system-owned copy of the config.
    let real_c = w.fx.raw(pda::config()).await.unwrap();
    let fake = Pubkey::new_unique();
    w.fx.plant(fake, system_program::ID, real_c.lamports, &real_c.data);
    let mut ix = d.create_lock(m, w.mallory.token, 1, TMAI, YEAR, LockKind::Fixed);
    swap(&mut ix, pda::config(), fake);
    refused("forged config", w.send(ix, &[&mk]).await, anchor(AnchorError::AccountOwnedByWrongProgram));
    w.assert_untouched(&keys, &before, "owner checks").await;
}

#[tokio::test]
async fn one_account_type_passed_as_another_is_refused() {
    let mut w = world().await;
    let (keys, before) = w.snapshot().await;
    let d = w.fx.dep;
    let a = w.alice.key();
    let ak = w.alice.kp.insecure_clone();
    let admin = w.fx.admin.insecure_clone();
    let mismatch = anchor(AnchorError::AccountDiscriminatorMismatch);
    let usdc_pool = w.usdc.address();
    let usdc_hist = pda::reward_history(&usdc_pool, 0);

    // Staker ↔ position.
    let mut ix = d.extend_lock(a, w.a_fixed, YEAR);
    swap(&mut ix, pda::staker(&a), w.a_const);
    refused("position as staker", w.send(ix, &[&ak]).await, mismatch);
    let ix = d.withdraw(a, w.alice.token, pda::staker(&a));
    refused("staker as position", w.send(ix, &[&ak]).await, mismatch);
    // Proposal ↔ round.
    let mut ix = d.commit(a, w.round, w.usdc, w.a_usdc, USDC);
    swap(&mut ix, w.round, w.proposal);
    refused("proposal as round", w.send(ix, &[&ak]).await, mismatch);
    let mut ix = d.cast_vote(a, w.proposal, VoteChoice::No);
    swap(&mut ix, w.proposal, w.round);
    refused("round as proposal (vote)", w.send(ix, &[&ak]).await, mismatch);
    refused("round as proposal (finalize)", w.send(d.finalize_proposal(w.round), &[]).await, mismatch);
    // Commitment ↔ vote record.
    let mut ix = d.change_vote(a, w.proposal, VoteChoice::No);
    swap(&mut ix, pda::vote(&w.proposal, &a), pda::commitment(&w.round, &a));
    refused("commitment as vote record", w.send(ix, &[&ak]).await, mismatch);
    let mut ix = d.settle_commitment(w.round, a, w.usdc, w.a_usdc);
    swap(&mut ix, pda::commitment(&w.round, &a), pda::vote(&w.proposal, &a));
    refused("vote record as commitment", w.send(ix, &[]).await, mismatch);
    // Config ↔ DAO.
    let mut ix = d.create_lock(a, w.alice.token, 3, TMAI, YEAR, LockKind::Fixed);
    swap(&mut ix, pda::config(), pda::dao());
    refused("DAO as config", w.send(ix, &[&ak]).await, mismatch);
    let now = w.fx.now().await;
    let args = OpenRoundArgs { total_cap: USDC, start: now, end: now + 3_600, level_caps: None, window_open: None };
    let mut ix = d.open_round(admin.pubkey(), 1, w.usdc, args);
    swap(&mut ix, pda::dao(), pda::config());
    refused("config as DAO", w.send(ix, &[&admin]).await, mismatch);
    // Reward pool ↔ position, reward pool ↔ history chunk (zero-copy).
    let ix = d.set_auto_compound(a, usdc_pool, true);
    refused("reward pool as position", w.send(ix, &[&ak]).await, mismatch);
    let mut ix = w.fx.crank_ix(w.usdc).await;
    swap(&mut ix, usdc_pool, usdc_hist);
    refused("history chunk as reward pool", w.send(ix, &[]).await, mismatch);
    let mut ix = w.fx.crank_ix(w.usdc).await;
    swap(&mut ix, usdc_hist, usdc_pool);
    refused("reward pool as history chunk", w.send(ix, &[]).await, mismatch);
    // Across programs: a token account (the TMAI vault) as a position.
    let ix = d.extend_lock(a, pda::vault(), YEAR);
    refused("token account as position", w.send(ix, &[&ak]).await, anchor(AnchorError::AccountOwnedByWrongProgram));
    // In the remaining accounts: a position where a reward pool is expected.
    let mut ix = d.extend_lock(a, w.a_fixed, YEAR);
    let n = ix.accounts.len();
    ix.accounts[n - 1].pubkey = w.a_const;
    refused("position as reward pool", w.send(ix, &[&ak]).await, program(VetmaiError::WrongRewardPool));
    w.assert_untouched(&keys, &before, "type cosplay").await;
}

/// On `init` of an address that already holds a program account the system program refuses to
/// allocate it again. Natively (program-test's builtin path) this surfaces as
/// `InvalidInstructionData` on the instruction; on SBF it is `SystemError::AccountAlreadyInUse`
/// (`Custom(0)`), see `admin.rs`.
#[track_caller]
fn already_in_use(what: &str, res: Result<(), BanksClientError>) {
    let err = format!("{:?}", res.expect_err(&format!("{what}: re-initialization succeeded")));
    assert!(
        err.contains("InstructionError(1, InvalidInstructionData)") || err.contains("InstructionError(1, Custom(0))"),
        "{what}: expected the system program's already-in-use refusal, got {err}"
    );
}

#[tokio::test]
async fn nothing_can_be_initialized_twice() {
    let mut w = world().await;
    let (keys, before) = w.snapshot().await;
    let d = w.fx.dep;
    let (a, m) = (w.alice.key(), w.mallory.key());
    let mk = w.mallory.kp.insecure_clone();
    let ak = w.alice.kp.insecure_clone();
    let admin = w.fx.admin.insecure_clone();

    // initialize again, by mallory, with a mint of her own.
    let her_mint = Keypair::new();
    w.fx.create_mint(&her_mint, spl_token::ID, &[]).await;
    let hers = vetmai_client::ix::Deployment::new(her_mint.pubkey(), spl_token::ID);
    already_in_use("initialize", w.send(hers.initialize(m), &[&mk]).await);
    // init_dao again (a new guardian and sale authority), by the admin.
    already_in_use("init_dao", w.send(d.init_dao(admin.pubkey(), m, m), &[&admin]).await);
    // create_reward_pool again for a registered mint.
    already_in_use("create_reward_pool", w.send(d.create_reward_pool(admin.pubkey(), w.usdc), &[&admin]).await);
    // A position at an index already in use.
    let ix = d.create_lock(a, w.alice.token, 0, TMAI, YEAR, LockKind::Fixed);
    already_in_use("create_lock at an existing index", w.send(ix, &[&ak]).await);
    // A second vote record.
    already_in_use("cast_vote twice", w.send(d.cast_vote(a, w.proposal, VoteChoice::No), &[&ak]).await);
    // Ids already taken: the seeds come from the DAO's counters, so an old id is not its PDA.
    let now = w.fx.now().await;
    let args = OpenRoundArgs { total_cap: USDC, start: now, end: now + 3_600, level_caps: None, window_open: None };
    let ix = d.open_round(admin.pubkey(), 0, w.usdc, args);
    refused("open_round over round 0", w.send(ix, &[&admin]).await, anchor(AnchorError::ConstraintSeeds));
    let ix = d.create_proposal(a, 0, text_args(ProposalAction::Signal));
    refused("create_proposal over proposal 0", w.send(ix, &[&ak]).await, anchor(AnchorError::ConstraintSeeds));
    let ix = d.extend_reward_history(m, w.usdc, 0);
    refused("extend_reward_history over chunk 0", w.send(ix, &[&mk]).await, anchor(AnchorError::ConstraintSeeds));
    w.assert_untouched(&keys, &before, "re-initialization").await;

    // init_if_needed on an existing staker keeps it: counters continue, nothing resets.
    let s0 = w.fx.staker(a).await;
    w.fx.lock(&w.alice, TMAI, YEAR, LockKind::Fixed).await;
    let s1 = w.fx.staker(a).await;
    assert_eq!((s1.owner, s1.bump, s1.next_index, s1.open_positions), (a, s0.bump, 4, 4));
    assert_eq!((s1.proposal_month, s1.proposals_in_month), (s0.proposal_month, 1));
    assert_eq!(s1.locked_amount, s0.locked_amount + TMAI);
}

#[tokio::test]
async fn a_fake_or_swapped_token_program_is_refused() {
    let mut w = world().await;
    let eur = w.fx.create_pool(Some(TokenKind::Token2022)).await;
    let admin_eur = w.fx.token_account_in(w.fx.admin.pubkey(), eur.mint, eur.token_program).await;
    w.fx.mint_to_in(eur, admin_eur, 1_000 * USDC).await;
    let admin_usdc = w.fx.token_account_in(w.fx.admin.pubkey(), w.usdc.mint, w.usdc.token_program).await;
    w.fx.mint_to_in(w.usdc, admin_usdc, 1_000 * USDC).await;
    // A random executable: an upgradeable-loader program account that is no token program.
    let fake_program = Pubkey::new_unique();
    let mut exe = solana_account::AccountSharedData::new(1_000_000_000, 36, &bpf_loader_upgradeable::ID);
    solana_account::WritableAccount::set_executable(&mut exe, true);
    w.fx.ctx.set_account(&fake_program, &exe);
    let mut keys = w.keys();
    keys.extend([admin_eur, admin_usdc, eur.address(), pda::reward_vault(&eur.address())]);
    let before = w.fx.snapshot(&keys).await;
    let d = w.fx.dep;
    let (a, m) = (w.alice.key(), w.mallory.key());
    let ak = w.alice.kp.insecure_clone();
    let mk = w.mallory.kp.insecure_clone();
    let admin = w.fx.admin.insecure_clone();
    let t22 = spl_token_2022::ID;
    let spl = spl_token::ID;
    let fakes = [(system_program::ID, "the system program"), (fake_program, "a random executable")];

    // Every token-moving instruction, with a fake token program and with the other token program.
    let ix = d.withdraw(a, w.alice.token, w.a_short);
    for (fake, name) in fakes {
        let mut bad = ix.clone();
        swap(&mut bad, spl, fake);
        refused(&format!("withdraw via {name}"), w.send(bad, &[&ak]).await, anchor(AnchorError::InvalidProgramId));
    }
    let mut bad = ix.clone();
    swap(&mut bad, spl, t22);
    refused("withdraw via Token-2022", w.send(bad, &[&ak]).await, anchor(AnchorError::ConstraintTokenTokenProgram));
    let ix = d.increase_amount(a, w.alice.token, w.a_fixed, TMAI);
    let mut bad = ix.clone();
    swap(&mut bad, spl, t22);
    refused("increase via Token-2022", w.send(bad, &[&ak]).await, anchor(AnchorError::ConstraintTokenTokenProgram));
    let ix = w.claim(a, w.a_fixed, (w.usdc, 0), ClaimMode::Payout, Some(w.a_usdc), None).await;
    for (fake, name) in fakes {
        let mut bad = ix.clone();
        swap(&mut bad, spl, fake);
        refused(&format!("claim via {name}"), w.send(bad, &[&ak]).await, anchor(AnchorError::InvalidProgramId));
    }
    let mut bad = ix.clone();
    swap(&mut bad, spl, t22);
    refused("claim payout via Token-2022", w.send(bad, &[&ak]).await, anchor(AnchorError::ConstraintTokenTokenProgram));
    let mut bad = w.claim(a, w.a_fixed, (w.tmai, 1), ClaimMode::Reinvest, None, None).await;
    swap(&mut bad, spl, t22);
    refused("claim reinvest via Token-2022", w.send(bad, &[&ak]).await, program(VetmaiError::WrongTokenProgram));
    let c = ClaimAccounts { pool: w.tmai, pool_index: 1, destination: None, target: None, history_chunk: None };
    let mut bad = d.harvest(m, a, w.a_fixed, &c);
    swap(&mut bad, spl, t22);
    refused("harvest via Token-2022", w.send(bad, &[&mk]).await, program(VetmaiError::WrongTokenProgram));
    let mut bad = d.deposit_revenue(admin.pubkey(), w.usdc, admin_usdc, USDC);
    swap(&mut bad, spl, t22);
    refused("deposit via Token-2022", w.send(bad, &[&admin]).await, anchor(AnchorError::ConstraintTokenTokenProgram));
    // SPL Token swapped in for a Token-2022 mint's program.
    let mut bad = d.deposit_revenue(admin.pubkey(), eur, admin_eur, USDC);
    swap(&mut bad, t22, spl);
    refused(
        "Token-2022 deposit via SPL Token",
        w.send(bad, &[&admin]).await,
        anchor(AnchorError::ConstraintTokenTokenProgram),
    );
    let mut bad = d.commit(a, w.round, w.usdc, w.a_usdc, USDC);
    swap(&mut bad, spl, t22);
    refused("commit via Token-2022", w.send(bad, &[&ak]).await, anchor(AnchorError::ConstraintTokenTokenProgram));
    let mut bad = d.commit(a, w.round, w.usdc, w.a_usdc, USDC);
    swap(&mut bad, spl, fake_program);
    refused("commit via a random executable", w.send(bad, &[&ak]).await, anchor(AnchorError::InvalidProgramId));
    // The system program slot of an instruction that creates accounts.
    let mut bad = d.create_lock(m, w.mallory.token, 1, TMAI, YEAR, LockKind::Fixed);
    swap(&mut bad, system_program::ID, fake_program);
    refused("create_lock with a fake system program", w.send(bad, &[&mk]).await, anchor(AnchorError::InvalidProgramId));
    let end = w.fx.account::<vetmai::SaleRound>(w.round).await.unwrap().end;
    w.fx.warp_to(end).await;
    let mut bad = d.settle_commitment(w.round, a, w.usdc, w.a_usdc);
    swap(&mut bad, spl, t22);
    refused("settle via Token-2022", w.send(bad, &[]).await, anchor(AnchorError::ConstraintTokenTokenProgram));
    let mut bad = d.withdraw_proceeds(admin.pubkey(), w.round, w.usdc, admin_usdc);
    swap(&mut bad, spl, t22);
    refused("proceeds via Token-2022", w.send(bad, &[&admin]).await, anchor(AnchorError::ConstraintTokenTokenProgram));
    let mut bad = d.withdraw_proceeds(admin.pubkey(), w.round, w.usdc, admin_usdc);
    swap(&mut bad, spl, system_program::ID);
    refused("proceeds via the system program", w.send(bad, &[&admin]).await, anchor(AnchorError::InvalidProgramId));

    // Withdraw's own payout groups, past the end of alice's short lock.
    w.end_short_lock().await;
    let before_late = w.fx.snapshot(&keys).await;
    let chunks = [w.chunk(w.usdc, w.a_short).await.unwrap_or(0), w.chunk(w.tmai, w.a_short).await.unwrap_or(0)];
    // A payout group whose program is not the pool's does not match the pool's accounts.
    for (tp, code) in [
        (t22, program(VetmaiError::MissingClaimAccount)),
        (system_program::ID, program(VetmaiError::MissingClaimAccount)),
    ] {
        let payouts = [
            WithdrawPayout {
                pool: PoolRef { token_program: tp, ..w.usdc },
                history_chunk: chunks[0],
                destination: w.a_usdc,
            },
            WithdrawPayout { pool: w.tmai, history_chunk: chunks[1], destination: w.alice.token },
        ];
        let ix = d.withdraw_paying(a, w.alice.token, w.a_short, &payouts);
        refused("withdraw paying via the wrong program", w.send(ix, &[&ak]).await, code);
    }
    let after_late = w.fx.snapshot(&keys).await;
    Fx::assert_same(&keys, &before_late, &after_late, "withdraw payout program");

    // Governance: a passed TransferTreasury executed through a fake or swapped program.
    let pay = ProposalAction::TransferTreasury { mint: w.usdc.mint, amount: 1_000 * USDC, recipient: w.a_usdc };
    let p = w.passed(pay).await;
    let before_exec = w.fx.snapshot(&keys).await;
    let (usdc_mint, treasury, a_usdc) = (w.usdc.mint, w.treasury, w.a_usdc);
    let tokens =
        move |tp| ExecuteTokens { mint: usdc_mint, token_program: tp, treasury, destination: a_usdc, pool: None };
    for (tp, code) in [
        (t22, program(VetmaiError::ActionAccountsMismatch)),
        (system_program::ID, anchor(AnchorError::InvalidProgramId)),
        (fake_program, anchor(AnchorError::InvalidProgramId)),
    ] {
        refused("execute via the wrong program", w.send(d.execute_proposal(p, Some(tokens(tp))), &[]).await, code);
    }
    let after_exec = w.fx.snapshot(&keys).await;
    Fx::assert_same(&keys, &before_exec, &after_exec, "execute via the wrong program");
    // The right program executes it: the refusals were about the program, nothing else.
    let paid_before = w.fx.balance(w.a_usdc).await;
    w.send(d.execute_proposal(p, Some(tokens(spl))), &[]).await.unwrap();
    assert_eq!(w.fx.balance(w.a_usdc).await, paid_before + 1_000 * USDC);
    let _ = before;
}

#[tokio::test]
async fn one_account_in_two_mutable_slots_is_refused() {
    let mut w = world().await;
    let admin_usdc = w.fx.token_account_in(w.fx.admin.pubkey(), w.usdc.mint, w.usdc.token_program).await;
    w.fx.mint_to_in(w.usdc, admin_usdc, 1_000 * USDC).await;
    let (keys, before) = w.snapshot().await;
    let d = w.fx.dep;
    let a = w.alice.key();
    let ak = w.alice.kp.insecure_clone();
    let admin = w.fx.admin.insecure_clone();
    let dup = anchor(AnchorError::ConstraintDuplicateMutableAccount);
    let usdc_vault = pda::reward_vault(&w.usdc.address());
    let tmai_vault = pda::reward_vault(&w.tmai.address());
    let round_vault = pda::round_vault(&w.round);

    // The vault as the source (or destination) of its own transfer.
    let ix = d.increase_amount(a, pda::vault(), w.a_fixed, TMAI);
    refused("increase from the vault", w.send(ix, &[&ak]).await, dup);
    let ix = d.withdraw(a, pda::vault(), w.a_short);
    refused("withdraw into the vault", w.send(ix, &[&ak]).await, dup);
    let ix = w.claim(a, w.a_fixed, (w.usdc, 0), ClaimMode::Payout, Some(usdc_vault), None).await;
    refused("claim into the reward vault", w.send(ix, &[&ak]).await, dup);
    let mut ix = w.claim(a, w.a_fixed, (w.tmai, 1), ClaimMode::Reinvest, None, None).await;
    swap(&mut ix, tmai_vault, pda::vault());
    refused("reinvest from the TMAI vault into itself", w.send(ix, &[&ak]).await, dup);
    let mut ix = d.deposit_revenue(admin.pubkey(), w.usdc, admin_usdc, USDC);
    swap(&mut ix, admin_usdc, usdc_vault);
    refused("deposit from the reward vault", w.send(ix, &[&admin]).await, dup);
    let ix = d.commit(a, w.round, w.usdc, round_vault, USDC);
    refused("commit from the round vault", w.send(ix, &[&ak]).await, dup);
    let ix = d.settle_commitment(w.round, a, w.usdc, round_vault);
    refused("refund into the round vault", w.send(ix, &[]).await, dup);
    let ix = d.withdraw_proceeds(admin.pubkey(), w.round, w.usdc, round_vault);
    refused("proceeds into the round vault", w.send(ix, &[&admin]).await, dup);
    let tokens = ExecuteTokens {
        mint: w.usdc.mint,
        token_program: spl_token::ID,
        treasury: w.treasury,
        destination: w.treasury,
        pool: None,
    };
    refused("treasury paying itself", w.send(d.execute_proposal(w.proposal, Some(tokens)), &[]).await, dup);
    // A position as the reinvest target of its own claim (issue 13 item 7).
    let ix = w.claim(a, w.a_fixed, (w.tmai, 1), ClaimMode::Reinvest, None, Some(w.a_fixed)).await;
    refused("reinvest into the claimed position itself", w.send(ix, &[&ak]).await, dup);
    // Zero-copy history chunks are not in Anchor's duplicate check (they do not serialize on exit):
    // the same chunk as both chunks of a crank is refused by the second mutable borrow.
    let mut ix = w.fx.crank_ix(w.usdc).await;
    let h0 = pda::reward_history(&w.usdc.address(), 0);
    let slot = ix.accounts.len() - 1;
    ix.accounts[slot] = AccountMeta::new(h0, false);
    expect_tx_err(w.send(ix, &[]).await, "AccountBorrowFailed");
    w.assert_untouched(&keys, &before, "duplicate mutable accounts").await;

    // In withdraw's remaining accounts (not covered by Anchor's check): the TMAI vault as the TMAI
    // pool's payout destination.
    w.end_short_lock().await;
    let (keys, before) = w.snapshot().await;
    let chunks = [w.chunk(w.usdc, w.a_short).await.unwrap_or(0), w.chunk(w.tmai, w.a_short).await.unwrap_or(0)];
    let payouts = [
        WithdrawPayout { pool: w.usdc, history_chunk: chunks[0], destination: w.a_usdc },
        WithdrawPayout { pool: w.tmai, history_chunk: chunks[1], destination: pda::vault() },
    ];
    let ix = d.withdraw_paying(a, w.alice.token, w.a_short, &payouts);
    refused(
        "TMAI rewards paid into the TMAI vault",
        w.send(ix, &[&ak]).await,
        program(VetmaiError::WrongRewardDestination),
    );
    w.assert_untouched(&keys, &before, "duplicate payout accounts").await;
}

/// Issue 13 item 7, on its own: a `claim_rewards` reinvest whose `target` is the claimed position.
/// Two `Account<Position>` copies of one account would each be written back, the second
/// overwriting the first (the claim's settlement or the reinvested amount lost).
#[tokio::test]
async fn a_claim_cannot_reinvest_into_the_claimed_position_named_as_target() {
    let mut w = world().await;
    w.fx.warp_by(DAY as i64).await;
    let (keys, before) = w.snapshot().await;
    let a = w.alice.key();
    let ak = w.alice.kp.insecure_clone();
    let pending =
        view::pending_rewards(&w.fx.pool(w.tmai).await, &w.fx.position(w.a_fixed).await, &[], w.fx.now().await);
    assert!(pending.unwrap() > 0, "there is something to reinvest");
    let ix = w.claim(a, w.a_fixed, (w.tmai, 1), ClaimMode::Reinvest, None, Some(w.a_fixed)).await;
    refused(
        "reinvest target = claimed position",
        w.send(ix, &[&ak]).await,
        anchor(AnchorError::ConstraintDuplicateMutableAccount),
    );
    w.assert_untouched(&keys, &before, "reinvest into itself").await;
    // Without a target the claim reinvests into the claimed position, exactly once.
    let amount = w.fx.position(w.a_fixed).await.amount;
    let pending = pending.unwrap();
    let ix = w.claim(a, w.a_fixed, (w.tmai, 1), ClaimMode::Reinvest, None, None).await;
    w.send(ix, &[&ak]).await.unwrap();
    let p = w.fx.position(w.a_fixed).await;
    assert_eq!(p.amount, amount + pending);
    assert_eq!(p.rewards[1].owed, 0);
}

#[tokio::test]
async fn non_canonical_bumps_are_refused_for_every_pda() {
    let mut w = world().await;
    let extra_mint = Keypair::new();
    w.fx.create_mint(&extra_mint, spl_token::ID, &[]).await;
    let (keys, before) = w.snapshot().await;
    let d = w.fx.dep;
    let m = w.mallory.key();
    let mk = w.mallory.kp.insecure_clone();
    let admin = w.fx.admin.insecure_clone();
    let seeds = anchor(AnchorError::ConstraintSeeds);

    let mut ix = d.create_lock(m, w.mallory.token, 1, TMAI, YEAR, LockKind::Fixed);
    swap(&mut ix, pda::position(&m, 1), non_canonical(&[vetmai::Position::SEED, m.as_ref(), &1u64.to_le_bytes()]));
    refused("position", w.send(ix, &[&mk]).await, seeds);
    let mut ix = d.create_proposal(m, 1, text_args(ProposalAction::Signal));
    swap(&mut ix, pda::proposal(1), non_canonical(&[Proposal::SEED, &1u64.to_le_bytes()]));
    refused("proposal", w.send(ix, &[&mk]).await, seeds);
    let mut ix = d.cast_vote(m, w.proposal, VoteChoice::No);
    let vote = pda::vote(&w.proposal, &m);
    swap(&mut ix, vote, non_canonical(&[vetmai::VoteRecord::SEED, w.proposal.as_ref(), m.as_ref()]));
    refused("vote record", w.send(ix, &[&mk]).await, seeds);
    // init_if_needed as well.
    w.fx.warp_by(18 * 3_600).await; // mallory's level-1 window
    let mut ix = d.commit(m, w.round, w.usdc, w.m_usdc, USDC);
    let commitment = pda::commitment(&w.round, &m);
    swap(&mut ix, commitment, non_canonical(&[vetmai::Commitment::SEED, w.round.as_ref(), m.as_ref()]));
    refused("commitment", w.send(ix, &[&mk]).await, seeds);
    let now = w.fx.now().await;
    let args = OpenRoundArgs { total_cap: USDC, start: now, end: now + 3_600, level_caps: None, window_open: None };
    let round1 = pda::round(1);
    let mut ix = d.open_round(admin.pubkey(), 1, w.usdc, args.clone());
    swap(&mut ix, round1, non_canonical(&[vetmai::SaleRound::SEED, &1u64.to_le_bytes()]));
    refused("round", w.send(ix, &[&admin]).await, seeds);
    let mut ix = d.open_round(admin.pubkey(), 1, w.usdc, args);
    swap(&mut ix, pda::round_vault(&round1), non_canonical(&[vetmai::SaleRound::VAULT_SEED, round1.as_ref()]));
    refused("round vault", w.send(ix, &[&admin]).await, seeds);
    let new_pool = PoolRef { mint: extra_mint.pubkey(), token_program: spl_token::ID };
    let pool = new_pool.address();
    for (real, fake, what) in [
        (pool, non_canonical(&[vetmai::RewardPool::SEED, new_pool.mint.as_ref()]), "reward pool"),
        (pda::reward_vault(&pool), non_canonical(&[vetmai::RewardPool::VAULT_SEED, pool.as_ref()]), "reward vault"),
        (
            pda::reward_history(&pool, 0),
            non_canonical(&[vetmai::RewardHistory::SEED, pool.as_ref(), &0u64.to_le_bytes()]),
            "history chunk 0",
        ),
    ] {
        let mut ix = d.create_reward_pool(admin.pubkey(), new_pool);
        swap(&mut ix, real, fake);
        refused(what, w.send(ix, &[&admin]).await, seeds);
    }
    // The DAO's treasury of a mint (permissionless to create, so anyone may try any address).
    let mut ix = d.create_treasury(m, new_pool);
    let treasury = pda::treasury(&new_pool.mint);
    swap(&mut ix, treasury, non_canonical(&[Dao::TREASURY_SEED, new_pool.mint.as_ref()]));
    refused("treasury", w.send(ix, &[&mk]).await, seeds);
    let usdc_pool = w.usdc.address();
    let mut ix = d.extend_reward_history(m, w.usdc, 1);
    swap(
        &mut ix,
        pda::reward_history(&usdc_pool, 1),
        non_canonical(&[vetmai::RewardHistory::SEED, usdc_pool.as_ref(), &1u64.to_le_bytes()]),
    );
    refused("history chunk 1", w.send(ix, &[&mk]).await, seeds);
    // An existing account checked against its stored (canonical) bump: a program-owned copy of
    // mallory's position at the non-canonical address of the same seeds.
    let real = w.fx.raw(w.m_pos).await.unwrap();
    let fake = non_canonical(&[vetmai::Position::SEED, m.as_ref(), &0u64.to_le_bytes()]);
    w.fx.plant(fake, vetmai::ID, real.lamports, &real.data);
    refused("position copy at a non-canonical address", w.send(d.extend_lock(m, fake, YEAR), &[&mk]).await, seeds);
    w.assert_untouched(&keys, &before, "bump canonicalization").await;
    // The canonical addresses work (the refusals were about the bump).
    w.send(d.create_lock(m, w.mallory.token, 1, TMAI, YEAR, LockKind::Fixed), &[&mk]).await.unwrap();
    w.send(d.commit(m, w.round, w.usdc, w.m_usdc, USDC), &[&mk]).await.unwrap();

    // The singletons, on a fresh deployment: config, TMAI vault, DAO.
    let mut fx = Fx::uninitialized(TokenKind::Spl).await;
    let admin = fx.admin.insecure_clone();
    let config = pda::config();
    for (real, fake, what) in [
        (config, non_canonical(&[vetmai::Config::SEED]), "config"),
        (pda::vault(), non_canonical(&[vetmai::Config::VAULT_SEED, config.as_ref()]), "TMAI vault"),
    ] {
        let mut ix = fx.dep.initialize(admin.pubkey());
        swap(&mut ix, real, fake);
        refused(what, fx.send(&[ix], &[&admin]).await, seeds);
    }
    fx.send(&[fx.dep.initialize(admin.pubkey())], &[&admin]).await.unwrap();
    let mut ix = fx.dep.init_dao(admin.pubkey(), Pubkey::default(), admin.pubkey());
    swap(&mut ix, pda::dao(), non_canonical(&[Dao::SEED]));
    refused("dao", fx.send(&[ix], &[&admin]).await, seeds);
    assert!(fx.raw(pda::dao()).await.is_none());
    fx.init_dao(Pubkey::default()).await;
}

#[tokio::test]
async fn one_owners_or_one_pools_pda_cannot_stand_in_for_another() {
    let mut w = world().await;
    let now = w.fx.now().await;
    let admin = w.fx.admin.insecure_clone();
    let args = OpenRoundArgs {
        total_cap: 5_000 * USDC,
        start: now,
        end: now + 2 * DAY as i64,
        level_caps: None,
        window_open: None,
    };
    w.fx.send(&[w.fx.dep.open_round(admin.pubkey(), 1, w.usdc, args)], &[&admin]).await.unwrap();
    let round1 = pda::round(1);
    let admin_usdc = w.fx.token_account_in(admin.pubkey(), w.usdc.mint, w.usdc.token_program).await;
    w.fx.mint_to_in(w.usdc, admin_usdc, 1_000 * USDC).await;
    let admin_tmai = w.fx.token_account_in(admin.pubkey(), w.tmai.mint, w.tmai.token_program).await;
    w.fx.mint_to_in(w.tmai, admin_tmai, 1_000 * TMAI).await;
    let (keys, before) = w.snapshot().await;
    let d = w.fx.dep;
    let (a, m) = (w.alice.key(), w.mallory.key());
    let ak = w.alice.kp.insecure_clone();
    let mk = w.mallory.kp.insecure_clone();
    let (usdc_pool, tmai_pool) = (w.usdc.address(), w.tmai.address());
    let (usdc_vault, tmai_vault) = (pda::reward_vault(&usdc_pool), pda::reward_vault(&tmai_pool));

    // One wallet's staker for another wallet's position.
    let mut ix = w.claim(m, w.m_pos, (w.usdc, 0), ClaimMode::Payout, Some(w.m_usdc), None).await;
    swap(&mut ix, pda::staker(&m), pda::staker(&a));
    refused("claim settled into alice's aggregate", w.send(ix, &[&mk]).await, anchor(AnchorError::ConstraintSeeds));
    let mut ix = d.extend_lock(a, w.a_short, YEAR);
    swap(&mut ix, pda::staker(&a), pda::staker(&m));
    refused(
        "alice's extension booked on mallory's aggregate",
        w.send(ix, &[&ak]).await,
        anchor(AnchorError::ConstraintSeeds),
    );
    // One pool's vault for another pool; the TMAI vault as a reward vault.
    let mut ix = d.deposit_revenue(admin.pubkey(), w.usdc, admin_usdc, USDC);
    swap(&mut ix, usdc_vault, tmai_vault);
    refused("deposit into another pool's vault", w.send(ix, &[&admin]).await, program(VetmaiError::WrongVault));
    let mut ix = d.deposit_revenue(admin.pubkey(), w.tmai, admin_tmai, TMAI);
    swap(&mut ix, tmai_vault, pda::vault());
    refused("TMAI revenue into the lock vault", w.send(ix, &[&admin]).await, program(VetmaiError::WrongVault));
    let mut ix = w.claim(a, w.a_fixed, (w.tmai, 1), ClaimMode::Payout, Some(w.alice.token), None).await;
    swap(&mut ix, tmai_vault, pda::vault());
    refused("TMAI rewards paid from the lock vault", w.send(ix, &[&ak]).await, program(VetmaiError::WrongVault));
    // One pool's history chunk for another pool.
    let mut ix = w.fx.crank_ix(w.usdc).await;
    swap(&mut ix, pda::reward_history(&usdc_pool, 0), pda::reward_history(&tmai_pool, 0));
    refused("crank with another pool's history", w.send(ix, &[]).await, program(VetmaiError::WrongHistoryChunk));
    // One round's vault or commitment for another round.
    let mut ix = d.commit(a, round1, w.usdc, w.a_usdc, USDC);
    swap(&mut ix, pda::round_vault(&round1), pda::round_vault(&w.round));
    refused("commit into round 0's vault", w.send(ix, &[&ak]).await, program(VetmaiError::WrongVault));
    let mut ix = d.settle_commitment(round1, a, w.usdc, w.a_usdc);
    swap(&mut ix, pda::commitment(&round1, &a), pda::commitment(&w.round, &a));
    refused("round 0's commitment settled in round 1", w.send(ix, &[]).await, anchor(AnchorError::ConstraintSeeds));
    w.assert_untouched(&keys, &before, "PDA sharing").await;

    // After alice's short lock ended: withdraw's payout groups and claims with swapped PDAs.
    w.end_short_lock().await;
    let (keys, before) = w.snapshot().await;
    let chunks = [w.chunk(w.usdc, w.a_short).await.unwrap_or(0), w.chunk(w.tmai, w.a_short).await.unwrap_or(0)];
    let mut ix = w.withdraw_paying(w.a_short, chunks).await;
    swap(&mut ix, usdc_vault, tmai_vault);
    refused(
        "withdraw paying USDC from the TMAI pool's vault",
        w.send(ix, &[&ak]).await,
        program(VetmaiError::WrongVault),
    );
    let mut ix = w.withdraw_paying(w.a_short, chunks).await;
    swap(&mut ix, tmai_vault, pda::vault());
    refused(
        "withdraw paying TMAI rewards from the lock vault",
        w.send(ix, &[&ak]).await,
        program(VetmaiError::WrongVault),
    );
    let mut ix = w.withdraw_paying(w.a_short, chunks).await;
    swap(&mut ix, pda::reward_history(&usdc_pool, chunks[0]), pda::reward_history(&tmai_pool, chunks[1]));
    refused(
        "withdraw settling with another pool's history",
        w.send(ix, &[&ak]).await,
        program(VetmaiError::WrongHistoryChunk),
    );
    let mut ix = w.claim(a, w.a_short, (w.usdc, 0), ClaimMode::Payout, Some(w.a_usdc), None).await;
    swap(&mut ix, pda::reward_history(&usdc_pool, chunks[0]), pda::reward_history(&tmai_pool, chunks[1]));
    refused(
        "claim settling with another pool's history",
        w.send(ix, &[&ak]).await,
        program(VetmaiError::WrongHistoryChunk),
    );
    w.assert_untouched(&keys, &before, "PDA sharing after the end").await;

    // Governance: a passed FundRewards for the USDC pool, executed against other pools' PDAs.
    let p = w.passed(ProposalAction::FundRewards { mint: w.usdc.mint, amount: 500 * USDC }).await;
    let (keys, before) = w.snapshot().await;
    let (usdc_mint, treasury) = (w.usdc.mint, w.treasury);
    let fund = move |pool, destination| ExecuteTokens {
        mint: usdc_mint,
        token_program: spl_token::ID,
        treasury,
        destination,
        pool: Some(pool),
    };
    for (pool, dest, what) in [
        (tmai_pool, usdc_vault, "the TMAI pool"),
        (usdc_pool, w.a_usdc, "a wallet as the pool vault"),
        (usdc_pool, pda::round_vault(&w.round), "the round vault as the pool vault"),
    ] {
        let res = w.send(d.execute_proposal(p, Some(fund(pool, dest))), &[]).await;
        refused(&format!("FundRewards into {what}"), res, program(VetmaiError::ActionAccountsMismatch));
    }
    w.assert_untouched(&keys, &before, "FundRewards PDAs").await;

    // The treasury slot: another mint's treasury PDA, or a token account of the right mint whose
    // authority is the DAO but which is no treasury PDA (anyone can create one and fill it).
    let tmai_treasury = pda::treasury(&w.tmai.mint);
    w.send(d.create_treasury(m, w.tmai), &[&mk]).await.unwrap();
    w.fx.mint_to_in(w.tmai, tmai_treasury, 1_000 * TMAI).await;
    let dao_owned = w.fx.token_account_in(pda::dao(), w.usdc.mint, w.usdc.token_program).await;
    w.fx.mint_to_in(w.usdc, dao_owned, 1_000 * USDC).await;
    let mut keys = w.keys();
    keys.extend([tmai_treasury, dao_owned]);
    let before = w.fx.snapshot(&keys).await;
    for (t, what) in [(tmai_treasury, "the TMAI treasury"), (dao_owned, "a DAO-owned token account")] {
        let mut tokens = fund(usdc_pool, usdc_vault);
        tokens.treasury = t;
        let res = w.send(d.execute_proposal(p, Some(tokens)), &[]).await;
        refused(&format!("FundRewards paid from {what}"), res, program(VetmaiError::NotTreasury));
    }
    Fx::assert_same(&keys, &before, &w.fx.snapshot(&keys).await, "treasury PDA sharing");
    let deposited = w.fx.pool(w.usdc).await.total_deposited;
    w.send(d.execute_proposal(p, Some(fund(usdc_pool, usdc_vault))), &[]).await.unwrap();
    assert_eq!(w.fx.pool(w.usdc).await.total_deposited, deposited + u128::from(500 * USDC));
}

#[tokio::test]
async fn closed_accounts_cannot_be_reused_or_revived() {
    let mut w = world().await;
    let carol = w.fx.wallet(10_000 * TMAI).await;
    let carol_usdc = w.fx.token_account_in(carol.key(), w.usdc.mint, w.usdc.token_program).await;
    let c_pos = w.fx.lock(&carol, 1_000 * TMAI, 7 * DAY, LockKind::Fixed).await;
    let d = w.fx.dep;
    let a = w.alice.key();
    let ak = w.alice.kp.insecure_clone();
    let payer = w.fx.payer();
    let revive = |addr: &Pubkey| system_instruction::transfer(&payer, addr, 10_000_000);
    let not_init = anchor(AnchorError::AccountNotInitialized);
    let wrong_owner = anchor(AnchorError::AccountOwnedByWrongProgram);

    // A vote record: withdrawn and used again in the same transaction, then revived later.
    let (keys, before) = w.snapshot().await;
    let vote = pda::vote(&w.proposal, &a);
    let res = w.fx.send(&[d.withdraw_vote(a, w.proposal), d.change_vote(a, w.proposal, VoteChoice::No)], &[&ak]).await;
    refused("change a vote withdrawn in the same transaction", res, not_init);
    let res = w.fx.send(&[d.withdraw_vote(a, w.proposal), d.withdraw_vote(a, w.proposal)], &[&ak]).await;
    refused("withdraw one vote twice", res, not_init);
    let res = w.fx.send(&[d.withdraw_vote(a, w.proposal), revive(&vote), d.withdraw_vote(a, w.proposal)], &[&ak]).await;
    refused("withdraw a revived vote in the same transaction", res, wrong_owner);
    w.assert_untouched(&keys, &before, "vote record in one transaction").await;
    w.send(d.withdraw_vote(a, w.proposal), &[&ak]).await.unwrap();
    let p: Proposal = w.fx.account(w.proposal).await.unwrap();
    assert_eq!((p.yes, p.voters), (0, 0));
    let (keys, before) = w.snapshot().await;
    let res = w.fx.send(&[revive(&vote), d.change_vote(a, w.proposal, VoteChoice::Yes)], &[&ak]).await;
    refused("change a revived vote", res, wrong_owner);
    let res = w.fx.send(&[revive(&vote), d.withdraw_vote(a, w.proposal)], &[&ak]).await;
    refused("withdraw a revived vote (its weight again)", res, wrong_owner);
    w.assert_untouched(&keys, &before, "revived vote record").await;

    // A position: withdrawn, then withdrawn, claimed or re-locked again.
    w.end_short_lock().await;
    let chunks = [w.chunk(w.usdc, w.a_short).await.unwrap_or(0), w.chunk(w.tmai, w.a_short).await.unwrap_or(0)];
    let wd = w.withdraw_paying(w.a_short, chunks).await;
    let (keys, before) = w.snapshot().await;
    refused("withdraw twice in one transaction", w.fx.send(&[wd.clone(), wd.clone()], &[&ak]).await, not_init);
    let claim = w.claim(a, w.a_short, (w.usdc, 0), ClaimMode::Payout, Some(w.a_usdc), None).await;
    refused("claim after withdraw in one transaction", w.fx.send(&[wd.clone(), claim], &[&ak]).await, not_init);
    let relock = d.extend_lock(a, w.a_short, 30 * DAY);
    let res = w.fx.send(&[wd.clone(), revive(&w.a_short), relock.clone()], &[&ak]).await;
    refused("re-lock a withdrawn position revived in the same transaction", res, wrong_owner);
    w.assert_untouched(&keys, &before, "position in one transaction").await;
    w.fx.send(std::slice::from_ref(&wd), &[&ak]).await.unwrap();
    assert!(w.fx.raw(w.a_short).await.is_none());
    let (keys, before) = w.snapshot().await;
    refused("withdraw a revived position", w.fx.send(&[revive(&w.a_short), wd.clone()], &[&ak]).await, wrong_owner);
    refused("re-lock a revived position", w.fx.send(&[revive(&w.a_short), relock], &[&ak]).await, wrong_owner);
    let ix = d.create_lock(a, w.alice.token, 2, TMAI, YEAR, LockKind::Fixed);
    refused("a new lock at the withdrawn index", w.send(ix, &[&ak]).await, program(VetmaiError::InvalidPositionIndex));
    w.assert_untouched(&keys, &before, "revived position").await;

    // A staker: closed twice in one transaction, or revived and closed again.
    let payouts = [
        WithdrawPayout {
            pool: w.usdc,
            history_chunk: w.chunk(w.usdc, c_pos).await.unwrap_or(0),
            destination: carol_usdc,
        },
        WithdrawPayout {
            pool: w.tmai,
            history_chunk: w.chunk(w.tmai, c_pos).await.unwrap_or(0),
            destination: carol.token,
        },
    ];
    w.fx.send(&[d.withdraw_paying(carol.key(), carol.token, c_pos, &payouts)], &[&carol.kp]).await.unwrap();
    let staker = pda::staker(&carol.key());
    let mut keys = w.keys();
    keys.extend([staker, carol.token]);
    let before = w.fx.snapshot(&keys).await;
    let close = d.close_staker(carol.key());
    refused("close a staker twice", w.fx.send(&[close.clone(), close.clone()], &[&carol.kp]).await, not_init);
    w.fx.send(std::slice::from_ref(&close), &[&carol.kp]).await.unwrap();
    let stakers = w.fx.config().await.totals.stakers;
    let res = w.fx.send(&[revive(&staker), close], &[&carol.kp]).await;
    refused("close a revived staker", res, wrong_owner);
    assert_eq!(w.fx.config().await.totals.stakers, stakers);
    let _ = before;
}

#[tokio::test]
async fn a_forged_clock_in_the_account_list_changes_nothing() {
    // No instruction takes a sysvar account: the program reads the Clock through `Clock::get()`.
    // A forged clock account (and the real Clock sysvar) appended to the account list is ignored.
    let mut w = world().await;
    let d = w.fx.dep;
    let (a, m) = (w.alice.key(), w.mallory.key());
    let ak = w.alice.kp.insecure_clone();
    let mk = w.mallory.kp.insecure_clone();
    let round: vetmai::SaleRound = w.fx.account(w.round).await.unwrap();
    let forged = |fx: &mut Fx, ts: i64| -> Vec<AccountMeta> {
        let clock =
            Clock { slot: 1, epoch_start_timestamp: ts, epoch: 1, leader_schedule_epoch: 1, unix_timestamp: ts };
        let fake = Pubkey::new_unique();
        fx.plant(fake, SYSVAR_OWNER, 1_000_000_000, &bincode::serialize(&clock).unwrap());
        vec![AccountMeta::new_readonly(Clock::id(), false), AccountMeta::new_readonly(fake, false)]
    };
    let with = |mut ix: Instruction, extra: &[AccountMeta]| {
        ix.accounts.extend_from_slice(extra);
        ix
    };
    let (keys, before) = w.snapshot().await;
    let after_end = forged(&mut w.fx, round.end + DAY as i64);
    let ix = with(d.settle_commitment(w.round, a, w.usdc, w.a_usdc), &after_end);
    refused("settle before the end", w.send(ix, &[]).await, program(VetmaiError::RoundNotEnded));
    let ix = with(d.withdraw_proceeds(w.fx.admin.pubkey(), w.round, w.usdc, w.m_usdc), &after_end);
    let admin = w.fx.admin.insecure_clone();
    refused("proceeds before the end", w.send(ix, &[&admin]).await, program(VetmaiError::RoundNotEnded));
    let ix = with(d.finalize_proposal(w.proposal), &after_end);
    refused("finalize before the voting end", w.send(ix, &[]).await, program(VetmaiError::VotingNotEnded));
    // mallory (level 1) may commit from 18 h after the start only.
    let in_window = forged(&mut w.fx, round.start + 19 * 3_600);
    let ix = with(d.commit(m, w.round, w.usdc, w.m_usdc, USDC), &in_window);
    refused("commit before the level's window", w.send(ix, &[&mk]).await, program(VetmaiError::WindowNotOpen));
    w.assert_untouched(&keys, &before, "forged clock").await;

    // Past the real end, a forged clock claiming an earlier time does not stop anything either.
    let a_short = w.fx.position(w.a_short).await;
    w.fx.warp_to(a_short.end.max(round.end) + 60).await;
    w.crank_all().await;
    let back = forged(&mut w.fx, round.start);
    let ix = with(d.increase_amount(a, w.alice.token, w.a_short, TMAI), &back);
    refused("increase an ended lock", w.send(ix, &[&ak]).await, program(VetmaiError::LockExpired));
    let ix = with(d.settle_commitment(w.round, a, w.usdc, w.a_usdc), &back);
    w.send(ix, &[]).await.unwrap();
    let c: vetmai::Commitment = w.fx.account(pda::commitment(&w.round, &a)).await.unwrap();
    assert!(c.settled);
    assert_eq!((c.allocation, c.refund), (1_000 * USDC, 0));
    let ix = with(d.finalize_proposal(w.proposal), &back);
    w.send(ix, &[]).await.unwrap();
    assert_eq!(w.fx.account::<Proposal>(w.proposal).await.unwrap().state, ProposalState::Passed);
}

#[tokio::test]
async fn finished_governance_and_sale_accounts_close_once_and_stay_closed() {
    let mut w = world().await;
    let d = w.fx.dep;
    let a = w.alice.key();
    let ak = w.alice.kp.insecure_clone();
    let admin = w.fx.admin.insecure_clone();
    let admin_usdc = w.fx.token_account_in(admin.pubkey(), w.usdc.mint, w.usdc.token_program).await;
    let payer = w.fx.payer();
    let revive = |addr: &Pubkey| system_instruction::transfer(&payer, addr, 10_000_000);
    let not_init = anchor(AnchorError::AccountNotInitialized);
    let wrong_owner = anchor(AnchorError::AccountOwnedByWrongProgram);

    // Finish everything: the Signal proposal passes and is executed; the round ends, alice's
    // commitment settles, the proceeds are withdrawn.
    let end = w.fx.account::<Proposal>(w.proposal).await.unwrap().voting_ends_at;
    w.fx.warp_to(end).await;
    w.send(d.finalize_proposal(w.proposal), &[]).await.unwrap();
    w.fx.warp_by(DAY as i64 + 60).await;
    w.send(d.execute_proposal(w.proposal, None), &[]).await.unwrap();
    w.send(d.settle_commitment(w.round, a, w.usdc, w.a_usdc), &[]).await.unwrap();
    w.send(d.withdraw_proceeds(admin.pubkey(), w.round, w.usdc, admin_usdc), &[&admin]).await.unwrap();

    let (vote, commitment) = (pda::vote(&w.proposal, &a), pda::commitment(&w.round, &a));
    let close_vote = d.close_vote_record(a, w.proposal);
    let close_proposal = d.close_proposal(a, w.proposal);
    let close_commitment = d.close_commitment(a, w.round);
    let close_round = d.close_round(admin.pubkey(), w.round, w.usdc, admin_usdc);
    let (mut keys, _) = w.snapshot().await;
    keys.push(admin_usdc);
    let cases: [(&str, Pubkey, &Instruction, &Keypair); 4] = [
        ("vote record", vote, &close_vote, &ak),
        ("proposal", w.proposal, &close_proposal, &ak),
        ("commitment", commitment, &close_commitment, &ak),
        ("round", w.round, &close_round, &admin),
    ];
    // Twice in one transaction: the second sees the closed account.
    let before = w.fx.snapshot(&keys).await;
    for (what, _, ix, signer) in cases {
        let res = w.fx.send(&[ix.clone(), ix.clone()], &[signer]).await;
        refused(&format!("close a {what} twice in one transaction"), res, not_init);
    }
    Fx::assert_same(&keys, &before, &w.fx.snapshot(&keys).await, "double close");
    // Closed, then revived with lamports (system-owned, no data) and closed again: the rent
    // cannot be claimed twice, the tallies and totals cannot be touched.
    for (what, addr, ix, signer) in cases {
        w.fx.send(std::slice::from_ref(ix), &[signer]).await.unwrap_or_else(|e| panic!("close the {what}: {e:?}"));
        assert!(w.fx.raw(addr).await.is_none(), "{what} closed");
        let before = w.fx.snapshot(&keys).await;
        let res = w.fx.send(&[revive(&addr), ix.clone()], &[signer]).await;
        refused(&format!("close a revived {what}"), res, wrong_owner);
        Fx::assert_same(&keys, &before, &w.fx.snapshot(&keys).await, what);
    }
    assert!(w.fx.raw(pda::round_vault(&w.round)).await.is_none(), "the round vault closed with its round");
    // A vote record of a proposal that is gone (closed, then revived by a stranger) still closes.
    let id = w.fx.dao().await.proposal_count;
    w.send(d.create_proposal(a, id, text_args(ProposalAction::Signal)), &[&ak]).await.unwrap();
    let p1 = pda::proposal(id);
    w.send(d.cast_vote(a, p1, VoteChoice::No), &[&ak]).await.unwrap();
    let res = w.send(d.close_vote_record(a, p1), &[&ak]).await;
    refused("close a vote record while voting", res, program(VetmaiError::NotFinished));
    let end = w.fx.account::<Proposal>(p1).await.unwrap().voting_ends_at;
    w.fx.warp_to(end).await;
    w.send(d.finalize_proposal(p1), &[]).await.unwrap();
    assert_eq!(w.fx.account::<Proposal>(p1).await.unwrap().state, ProposalState::Defeated);
    w.send(d.close_proposal(a, p1), &[&ak]).await.unwrap();
    w.fx.send(&[revive(&p1), d.close_vote_record(a, p1)], &[&ak]).await.unwrap();
    assert!(w.fx.raw(pda::vote(&p1, &a)).await.is_none());
}
