//! Token conservation across every money path (issue 13): random sequences of locks, increases,
//! extensions, withdrawals paying both pools, exits (rewards kept or forfeited), claims (payout
//! and reinvest), revenue deposits, cranks, passed DAO `FundRewards` / `TransferTreasury`
//! proposals, sale rounds (open, commit, settle, proceeds, closes) and clock warps. After every
//! step, to the base unit:
//!
//! - for each mint, the balances of every token account in the world sum to the mint's supply
//!   (nothing is created, burnt or sent anywhere unknown);
//! - the lock vault holds Σ locked = the config's total;
//! - each reward vault holds deposited − claimed, which is Σ claimable rewards (every position,
//!   exited ones included) + undistributed revenue (the unreleased stream and the carry) + a
//!   rounding remainder that is never negative (nothing is promised twice) and is bounded by the
//!   accrual steps so far;
//! - each round vault holds committed − refunded − proceeds withdrawn (its escrow), and the
//!   commitments sum to the round's totals;
//! - the DAO treasury holds what was put in minus what executed proposals moved out.
//!
//! Failed operations are legal (a withdraw before the end, a commit outside the window); the
//! invariants hold after them too. `VETMAI_CONS_CASES` (default 4) sequences of
//! `VETMAI_CONS_STEPS` (default 50) steps; a failing sequence's seed is printed, and
//! `VETMAI_CONS_SEED` replays it.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_spl::token::spl_token;
use rand::{rngs::StdRng, Rng, SeedableRng};
use solana_keypair::Keypair;
use solana_program_test::{tokio, BanksClientError};
use solana_signer::Signer;
use vetmai::state::{Commitment, Proposal, ProposalAction, ProposalState, SaleRound};
use vetmai::{ClaimMode, CreateProposalArgs, ExitRewards, LockKind, OpenRoundArgs, Position, VoteChoice};
use vetmai_client::ix::{ClaimAccounts, PoolRef, WithdrawPayout};
use vetmai_client::{pda, view};

use crate::fixture::*;

const YEAR: u64 = 365 * DAY;
const USDC: u64 = 1_000_000;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::test]
async fn random_sequences_conserve_every_token() {
    let cases = env("VETMAI_CONS_CASES", 4);
    let steps = env("VETMAI_CONS_STEPS", 50);
    let seeds: Vec<u64> = match std::env::var("VETMAI_CONS_SEED") {
        Ok(s) => vec![s.parse().expect("seed")],
        Err(_) => (0..cases).map(|i| 0xc0de_0000 + i).collect(),
    };
    for seed in seeds {
        println!("conservation seed {seed}");
        run(seed, steps).await;
    }
}

/// A wallet with TMAI and USDC accounts.
struct Holder {
    w: Wallet,
    usdc: Pubkey,
}

struct World {
    fx: Fx,
    /// `holders[0]` is the whale: a 12-month Constant lock that passes every proposal and never
    /// moves; random lock operations use the others.
    holders: Vec<Holder>,
    usdc: PoolRef,
    tmai: PoolRef,
    admin_tmai: Pubkey,
    admin_usdc: Pubkey,
    treasury: Pubkey,
    /// What the treasury must hold: what was minted into it minus what executed proposals moved.
    treasury_expected: u64,
    /// Every position ever created, with its holder; closed ones stay listed.
    positions: Vec<(usize, Pubkey)>,
    rounds: Vec<Pubkey>,
    /// (round, holder) of every commitment made.
    commitments: Vec<(Pubkey, usize)>,
    /// Successful operations so far (each may add one rounding remainder per position).
    events: u64,
}

async fn world() -> World {
    let mut fx = Fx::new().await;
    let guardian = Keypair::new();
    fx.init_dao(guardian.pubkey()).await;
    let usdc = fx.create_pool(Some(TokenKind::Spl)).await;
    let tmai = fx.create_pool(None).await;
    let mut holders = vec![];
    for i in 0..4 {
        let w = fx.wallet(if i == 0 { 5_000_000 * TMAI } else { 1_000_000 * TMAI }).await;
        let usdc_acc = fx.token_account_in(w.key(), usdc.mint, usdc.token_program).await;
        fx.mint_to_in(usdc, usdc_acc, 100_000 * USDC).await;
        holders.push(Holder { w, usdc: usdc_acc });
    }
    let whale_lock = fx.lock(&holders[0].w, 4_000_000 * TMAI, YEAR, LockKind::Constant).await;
    let admin = fx.admin.pubkey();
    let admin_tmai = fx.token_account_in(admin, tmai.mint, tmai.token_program).await;
    let admin_usdc = fx.token_account_in(admin, usdc.mint, usdc.token_program).await;
    let payer = fx.payer();
    fx.send(&[fx.dep.create_treasury(payer, usdc)], &[]).await.expect("create_treasury");
    let treasury = pda::treasury(&usdc.mint);
    fx.mint_to_in(usdc, treasury, 50_000 * USDC).await;
    World {
        fx,
        holders,
        usdc,
        tmai,
        admin_tmai,
        admin_usdc,
        treasury,
        treasury_expected: 50_000 * USDC,
        positions: vec![(0, whale_lock)],
        rounds: vec![],
        commitments: vec![],
        events: 0,
    }
}

async fn run(seed: u64, steps: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut w = world().await;
    let mut ok_ops = 0;
    for step in 0..steps {
        let op = rng.gen_range(0..16);
        let res = w.step(&mut rng, op).await;
        if res.is_ok() {
            ok_ops += 1;
            w.events += 1;
        }
        w.check(&format!("seed {seed} step {step} (op {op}, {})", if res.is_ok() { "ok" } else { "refused" })).await;
    }
    assert!(ok_ops > steps / 3, "seed {seed}: too few successful operations ({ok_ops} of {steps})");
}

impl World {
    fn open_positions_of(&self, holder: usize) -> Vec<Pubkey> {
        self.positions.iter().filter(|(h, _)| *h == holder).map(|(_, p)| *p).collect()
    }

    async fn exists(&mut self, addr: Pubkey) -> bool {
        self.fx.ctx.banks_client.get_account(addr).await.expect("rpc").is_some()
    }

    /// A random existing position of a non-whale holder.
    async fn pick_position(&mut self, rng: &mut StdRng) -> Option<(usize, Pubkey)> {
        let mut live = vec![];
        for (h, p) in self.positions.clone() {
            if h != 0 && self.exists(p).await {
                live.push((h, p));
            }
        }
        (!live.is_empty()).then(|| live[rng.gen_range(0..live.len())])
    }

    async fn chunk(&mut self, pool: PoolRef, pos: Pubkey) -> u64 {
        let p = self.fx.pool(pool).await;
        let now = self.fx.now().await;
        let position: Position = self.fx.position(pos).await;
        view::claim_history_chunk(&p, &position, now).unwrap_or(0)
    }

    async fn send(
        &mut self,
        ix: anchor_lang::solana_program::instruction::Instruction,
        signers: &[&Keypair],
    ) -> Result<(), BanksClientError> {
        self.fx.send(&[ix], signers).await
    }

    async fn step(&mut self, rng: &mut StdRng, op: u32) -> Result<(), BanksClientError> {
        let now = self.fx.now().await;
        let nothing = Err(BanksClientError::ClientError("no candidate for this operation"));
        match op {
            0 | 1 => {
                let h = rng.gen_range(1..self.holders.len());
                let (owner, token) = (self.holders[h].w.key(), self.holders[h].w.token);
                let kp = self.holders[h].w.kp.insecure_clone();
                let kind = if rng.gen_bool(0.3) { LockKind::Constant } else { LockKind::Fixed };
                let index = self.fx.account::<vetmai::Staker>(pda::staker(&owner)).await.map_or(0, |s| s.next_index);
                let amount = rng.gen_range(1..=100_000 * TMAI);
                let ix = self.fx.dep.create_lock(owner, token, index, amount, rng.gen_range(7 * DAY..=YEAR), kind);
                let r = self.send(ix, &[&kp]).await;
                if r.is_ok() {
                    self.positions.push((h, pda::position(&owner, index)));
                }
                r
            }
            2..=5 => {
                let Some((h, pos)) = self.pick_position(rng).await else { return nothing };
                let (owner, token, usdc_acc) = (self.holders[h].w.key(), self.holders[h].w.token, self.holders[h].usdc);
                let kp = self.holders[h].w.kp.insecure_clone();
                let p = self.fx.position(pos).await;
                let ix = match op {
                    2 => self.fx.dep.increase_amount(owner, token, pos, rng.gen_range(1..=20_000 * TMAI)),
                    3 => self.fx.dep.extend_lock(owner, pos, rng.gen_range(7 * DAY..=YEAR)),
                    4 if p.kind == LockKind::Constant => self.fx.dep.begin_unlock(owner, pos),
                    4 => {
                        let chunks = [self.chunk(self.usdc, pos).await, self.chunk(self.tmai, pos).await];
                        let payouts = [
                            WithdrawPayout { pool: self.usdc, history_chunk: chunks[0], destination: usdc_acc },
                            WithdrawPayout { pool: self.tmai, history_chunk: chunks[1], destination: token },
                        ];
                        self.fx.dep.withdraw_paying(owner, token, pos, &payouts)
                    }
                    _ => {
                        let chunks = [self.chunk(self.usdc, pos).await, self.chunk(self.tmai, pos).await];
                        let rewards = if rng.gen_bool(0.5) { ExitRewards::Keep } else { ExitRewards::Forfeit };
                        self.fx.dep.exit_lock(owner, token, pos, rewards, &chunks)
                    }
                };
                self.send(ix, &[&kp]).await
            }
            6 | 7 => {
                let Some((h, pos)) = self.pick_position(rng).await else { return nothing };
                let (owner, token, usdc_acc) = (self.holders[h].w.key(), self.holders[h].w.token, self.holders[h].usdc);
                let kp = self.holders[h].w.kp.insecure_clone();
                let reinvest_into = {
                    let mut others = vec![];
                    for t in self.open_positions_of(h) {
                        if t != pos && self.exists(t).await {
                            others.push(t);
                        }
                    }
                    (op == 7 && !others.is_empty()).then(|| others[rng.gen_range(0..others.len())])
                };
                let (pool, index, mode, destination) = match reinvest_into {
                    Some(_) => (self.tmai, 1, ClaimMode::Reinvest, None),
                    None if rng.gen_bool(0.5) => (self.usdc, 0, ClaimMode::Payout, Some(usdc_acc)),
                    None => (self.tmai, 1, ClaimMode::Payout, Some(token)),
                };
                let history_chunk = Some(self.chunk(pool, pos).await);
                let c = ClaimAccounts { pool, pool_index: index, destination, target: reinvest_into, history_chunk };
                let ix = self.fx.dep.claim_rewards(owner, pos, mode, &c);
                self.send(ix, &[&kp]).await
            }
            8 => {
                let (pool, source, amount) = if rng.gen_bool(0.5) {
                    (self.usdc, self.admin_usdc, rng.gen_range(1..=5_000 * USDC))
                } else {
                    (self.tmai, self.admin_tmai, rng.gen_range(1..=5_000 * TMAI))
                };
                self.fx.mint_to_in(pool, source, amount).await;
                let admin = self.fx.admin.insecure_clone();
                let ix = self.fx.dep.deposit_revenue(admin.pubkey(), pool, source, amount);
                self.send(ix, &[&admin]).await
            }
            9 => {
                let pool = if rng.gen_bool(0.5) { self.usdc } else { self.tmai };
                self.fx.crank(pool).await
            }
            10 => self.dao_transfer(rng).await,
            11 | 12 => self.sale(rng, now).await,
            13 => self.finish_sale(rng).await,
            _ => {
                let secs = match rng.gen_range(0..3) {
                    0 => rng.gen_range(60..DAY as i64),
                    1 => rng.gen_range(DAY as i64..40 * DAY as i64),
                    _ => (now / EPOCH + rng.gen_range(1..4)) * EPOCH - now,
                };
                self.fx.warp_by(secs).await;
                Ok(())
            }
        }
    }

    /// The whale passes and executes `FundRewards` (USDC pool) or `TransferTreasury` (to a holder).
    async fn dao_transfer(&mut self, rng: &mut StdRng) -> Result<(), BanksClientError> {
        let amount = rng.gen_range(1..=8_000 * USDC);
        let action = if rng.gen_bool(0.5) {
            ProposalAction::FundRewards { mint: self.usdc.mint, amount }
        } else {
            let recipient = self.holders[rng.gen_range(0..self.holders.len())].usdc;
            ProposalAction::TransferTreasury { mint: self.usdc.mint, amount, recipient }
        };
        let whale = self.holders[0].w.kp.insecure_clone();
        let id = self.fx.dao().await.proposal_count;
        let args = CreateProposalArgs {
            title: "Conservation".into(),
            description_url: "https://forum.example/t/13".into(),
            content_hash: [7; 32],
            action: action.clone(),
        };
        // A wallet's proposals per month are capped: a refused creation is a legal step.
        self.send(self.fx.dep.create_proposal(whale.pubkey(), id, args), &[&whale]).await?;
        let p = pda::proposal(id);
        self.send(self.fx.dep.cast_vote(whale.pubkey(), p, VoteChoice::Yes), &[&whale]).await.expect("vote");
        let end = self.fx.account::<Proposal>(p).await.expect("proposal").voting_ends_at;
        self.fx.warp_to(end).await;
        self.send(self.fx.dep.finalize_proposal(p), &[]).await.expect("finalize");
        assert_eq!(self.fx.account::<Proposal>(p).await.expect("proposal").state, ProposalState::Passed);
        let timelock = self.fx.config().await.params.timelock;
        self.fx.warp_by(timelock as i64 + 60).await;
        // The pools may need to come forward over the warp before FundRewards deposits.
        for pool in [self.usdc, self.tmai] {
            self.fx.crank(pool).await.expect("crank");
        }
        let payer = self.fx.payer();
        let ix = self.fx.dep.execute_action(payer, p, &action, self.usdc.token_program);
        let r = self.send(ix, &[]).await;
        if r.is_ok() {
            self.treasury_expected -= amount;
        }
        r
    }

    /// Opens a round when none is running, else a random holder commits to the open one.
    async fn sale(&mut self, rng: &mut StdRng, now: i64) -> Result<(), BanksClientError> {
        let open = match self.rounds.last() {
            Some(r) => self.fx.account::<SaleRound>(*r).await.filter(|r| r.end > now).map(|_| *r),
            None => None,
        };
        let Some(round) = open else {
            let admin = self.fx.admin.insecure_clone();
            let id = self.fx.dao().await.round_count;
            let args = OpenRoundArgs {
                total_cap: rng.gen_range(1_000..=20_000) * USDC,
                start: now,
                end: now + rng.gen_range(DAY as i64..4 * DAY as i64),
                level_caps: None,
                window_open: None,
            };
            let r = self.send(self.fx.dep.open_round(admin.pubkey(), id, self.usdc, args), &[&admin]).await;
            if r.is_ok() {
                self.rounds.push(pda::round(id));
            }
            return r;
        };
        let h = rng.gen_range(0..self.holders.len());
        let (wallet, source) = (self.holders[h].w.key(), self.holders[h].usdc);
        let kp = self.holders[h].w.kp.insecure_clone();
        let r = self
            .send(self.fx.dep.commit(wallet, round, self.usdc, source, rng.gen_range(1..=3_000 * USDC)), &[&kp])
            .await;
        if r.is_ok() && !self.commitments.contains(&(round, h)) {
            self.commitments.push((round, h));
        }
        r
    }

    /// Settles a commitment, withdraws proceeds, or closes a finished commitment or round.
    async fn finish_sale(&mut self, rng: &mut StdRng) -> Result<(), BanksClientError> {
        let nothing = Err(BanksClientError::ClientError("no sale account to finish"));
        let admin = self.fx.admin.insecure_clone();
        match rng.gen_range(0..4) {
            0 | 1 if !self.commitments.is_empty() => {
                let (round, h) = self.commitments[rng.gen_range(0..self.commitments.len())];
                let (wallet, refund_to) = (self.holders[h].w.key(), self.holders[h].usdc);
                let kp = self.holders[h].w.kp.insecure_clone();
                let settled =
                    self.fx.account::<Commitment>(pda::commitment(&round, &wallet)).await.is_some_and(|c| c.settled);
                if settled {
                    self.send(self.fx.dep.close_commitment(wallet, round), &[&kp]).await
                } else {
                    self.send(self.fx.dep.settle_commitment(round, wallet, self.usdc, refund_to), &[]).await
                }
            }
            2 if !self.rounds.is_empty() => {
                let round = self.rounds[rng.gen_range(0..self.rounds.len())];
                self.send(self.fx.dep.withdraw_proceeds(admin.pubkey(), round, self.usdc, self.admin_usdc), &[&admin])
                    .await
            }
            3 if !self.rounds.is_empty() => {
                let round = self.rounds[rng.gen_range(0..self.rounds.len())];
                self.send(self.fx.dep.close_round(admin.pubkey(), round, self.usdc, self.admin_usdc), &[&admin]).await
            }
            _ => nothing,
        }
    }

    async fn token_balance(&mut self, addr: Pubkey) -> u64 {
        if self.exists(addr).await {
            self.fx.balance(addr).await
        } else {
            0
        }
    }

    async fn supply(&mut self, mint: Pubkey) -> u64 {
        let acc = self.fx.ctx.banks_client.get_account(mint).await.expect("rpc").expect("mint exists");
        spl_token::state::Mint::unpack_from_slice(&acc.data[..spl_token::state::Mint::LEN]).expect("mint").supply
    }

    async fn check(&mut self, ctx: &str) {
        let now = self.fx.now().await;
        // Every token of each mint is in a known account.
        let mut tmai_accounts = vec![pda::vault(), pda::reward_vault(&self.tmai.address()), self.admin_tmai];
        let mut usdc_accounts = vec![pda::reward_vault(&self.usdc.address()), self.admin_usdc, self.treasury];
        tmai_accounts.extend(self.holders.iter().map(|h| h.w.token));
        usdc_accounts.extend(self.holders.iter().map(|h| h.usdc));
        usdc_accounts.extend(self.rounds.iter().map(pda::round_vault));
        for (mint, accounts) in [(self.tmai.mint, tmai_accounts), (self.usdc.mint, usdc_accounts)] {
            let mut total = 0u64;
            for a in accounts {
                total += self.token_balance(a).await;
            }
            assert_eq!(total, self.supply(mint).await, "{ctx}: tokens of {mint} left the known accounts");
        }

        // The lock vault holds exactly what is locked.
        let config = self.fx.config().await;
        let mut live: Vec<Position> = vec![];
        for (_, addr) in self.positions.clone() {
            if let Some(p) = self.fx.account::<Position>(addr).await {
                live.push(p);
            }
        }
        let locked: u64 = live.iter().map(|p| p.amount).sum();
        assert_eq!(self.fx.balance(pda::vault()).await, locked, "{ctx}: lock vault vs Σ locked");
        assert_eq!(config.totals.locked_amount, locked, "{ctx}: config total vs Σ locked");

        // Each reward vault: deposited − claimed = Σ claimable + undistributed + a bounded remainder.
        for pool_ref in [self.usdc, self.tmai] {
            // A crank (permissionless, moves no tokens) brings the stream to now, so `remaining`
            // is what is still unreleased.
            self.fx.crank(pool_ref).await.expect("crank before the check");
            let pool = self.fx.pool(pool_ref).await;
            let histories = self.fx.histories(pool_ref).await;
            let vault = self.fx.balance(pool.vault).await;
            assert_eq!(
                u128::from(vault),
                pool.total_deposited - pool.total_claimed,
                "{ctx}: reward vault {} vs deposited − claimed",
                pool.index
            );
            let mut claimable = 0u128;
            for p in &live {
                let owed = view::pending_rewards(&pool, p, &histories, now)
                    .unwrap_or_else(|| panic!("{ctx}: pending rewards of a position in pool {}", pool.index));
                claimable += u128::from(owed);
            }
            let undistributed = u128::from(pool.stream.remaining) + u128::from(pool.stream.carry);
            let promised = claimable + undistributed;
            assert!(
                promised <= u128::from(vault),
                "{ctx}: pool {} promises {promised} but holds {vault} (claimable {claimable}, undistributed {undistributed})",
                pool.index
            );
            let remainder = u128::from(vault) - promised;
            let bound = u128::from(self.events + 1) * (live.len() as u128 + 1);
            assert!(remainder <= bound, "{ctx}: pool {} rounding remainder {remainder} above {bound}", pool.index);
        }

        // Each round vault holds its escrow; the commitments sum to the round's totals.
        for round in self.rounds.clone() {
            let vault = self.token_balance(pda::round_vault(&round)).await;
            let Some(r) = self.fx.account::<SaleRound>(round).await else {
                assert_eq!(vault, 0, "{ctx}: a closed round left tokens in its vault");
                continue;
            };
            assert_eq!(
                vault,
                r.total_committed - r.total_refunded - r.proceeds_withdrawn,
                "{ctx}: round {} escrow",
                r.id
            );
            let (mut committed, mut allocated, mut refunded, mut closed) = (0, 0, 0, false);
            for (_, h) in self.commitments.clone().into_iter().filter(|(rd, _)| *rd == round) {
                match self.fx.account::<Commitment>(pda::commitment(&round, &self.holders[h].w.key())).await {
                    Some(c) => {
                        committed += c.amount;
                        allocated += c.allocation;
                        refunded += c.refund;
                    }
                    None => closed = true,
                }
            }
            if !closed {
                assert_eq!(committed, r.total_committed, "{ctx}: round {} Σ commitments", r.id);
                assert_eq!(allocated, r.total_allocated, "{ctx}: round {} Σ allocations", r.id);
                assert_eq!(refunded, r.total_refunded, "{ctx}: round {} Σ refunds", r.id);
            }
            assert!(r.proceeds_withdrawn <= r.proceeds(), "{ctx}: round {} paid out more proceeds than it sold", r.id);
        }

        // The treasury moved only by executed proposals.
        let treasury = self.fx.balance(self.treasury).await;
        assert_eq!(treasury, self.treasury_expected, "{ctx}: treasury");
    }
}
