//! Reward accounting against an independent reference model.
//!
//! The model shares no code with the program's accumulator: it keeps every position's earnings
//! as an exact rational (big integers) and every deposit as its own linear stream (from the
//! deposit to the first epoch boundary at least one distribution period later, SPEC §4), splitting
//! time at every lock end and stream end and sharing each interval's release among the scores
//! active in it. Random sequences of
//! locks, score changes, deposits, cranks, claims (payout and reinvest), withdrawals and clock
//! warps run natively; every claim is checked against the model (error at most one base unit per
//! accrual step since the position's previous claim), against the off-chain `pending_rewards`
//! (exactly), and Σ paid ≤ Σ deposited with both vaults reconciling to the base unit.
//!
//! `VETMAI_REWARD_CASES` (default 1 000) sequences of `VETMAI_REWARD_STEPS` (default 40) steps;
//! `VETMAI_REWARD_SEED` replays one.
use std::collections::HashMap;

use anchor_lang::prelude::Pubkey;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive, Zero};
use rand::{rngs::StdRng, Rng, SeedableRng};
use solana_program_test::tokio;
use vetmai::{ClaimMode, LockKind, Position};
use vetmai_client::ix::{ClaimAccounts, PoolRef, WithdrawPayout};
use vetmai_client::{pda, view};

use crate::fixture::*;

type Q = BigRational;

fn q(n: impl Into<BigInt>) -> Q {
    Q::from_integer(n.into())
}

struct MPos {
    score: u128,
    /// `None` while Constant.
    end: Option<i64>,
    owed: Q,
    /// Accrual steps since the last claim (the rounding budget of the next claim).
    steps: u64,
}

/// One deposit's linear stream over `[start, end]`.
struct MStream {
    start: i64,
    end: i64,
    amount: Q,
}

/// One pool's exact model.
struct Model {
    period: i64,
    last: i64,
    streams: Vec<MStream>,
    carry: Q,
    positions: HashMap<Pubkey, MPos>,
}

impl Model {
    fn new(now: i64, period: i64) -> Self {
        Model { period, last: now, streams: vec![], carry: q(0), positions: HashMap::new() }
    }

    fn add_stream(&mut self, now: i64, amount: Q) {
        if !amount.is_zero() {
            self.streams.push(MStream { start: now, end: stream_end(now, self.period), amount });
        }
    }

    fn active(p: &MPos, t: i64) -> bool {
        p.end.is_none_or(|e| e > t)
    }

    /// Exact accrual over (last, to], split at every lock end and at the stream end.
    fn advance(&mut self, to: i64) {
        while self.last < to {
            let last = self.last;
            let mut next = to;
            for p in self.positions.values() {
                if let Some(e) = p.end {
                    if e > last && e < next {
                        next = e;
                    }
                }
            }
            for s in &self.streams {
                if s.end > last && s.end < next {
                    next = s.end;
                }
            }
            // Every stream started at or before `last` (deposits happen at accrual points).
            let mut released = q(0);
            for s in self.streams.iter().filter(|s| s.end > last) {
                released += &s.amount * q(next - last) / q(s.end - s.start);
            }
            self.streams.retain(|s| s.end > next);
            let total: u128 = self.positions.values().filter(|p| Self::active(p, last)).map(|p| p.score).sum();
            if total == 0 {
                self.carry += released;
            } else {
                for p in self.positions.values_mut().filter(|p| Self::active(p, last)) {
                    p.owed += &released * q(p.score) / q(total);
                    p.steps += 1;
                }
            }
            self.last = next;
        }
    }

    /// Deposited but not yet released at `self.last`.
    fn unreleased(&self) -> Q {
        let mut left = q(0);
        for s in self.streams.iter().filter(|s| s.end > self.last) {
            left += &s.amount * q(s.end - self.last.max(s.start)) / q(s.end - s.start);
        }
        left
    }

    fn total_now(&self) -> u128 {
        self.positions.values().filter(|p| Self::active(p, self.last)).map(|p| p.score).sum()
    }

    fn deposit(&mut self, now: i64, amount: u64) {
        self.advance(now);
        let carry = std::mem::replace(&mut self.carry, q(0));
        self.add_stream(now, carry + q(amount));
    }

    fn crank(&mut self, now: i64) {
        self.advance(now);
        if !self.carry.is_zero() && self.total_now() > 0 {
            let carry = std::mem::replace(&mut self.carry, q(0));
            self.add_stream(now, carry);
        }
    }

    /// Records a position's score and end as the chain now has them (after accruing to `now`).
    fn set(&mut self, now: i64, key: Pubkey, p: &Position) {
        self.advance(now);
        let end = (p.kind == LockKind::Fixed).then_some(p.end);
        let e = self.positions.entry(key).or_insert(MPos { score: 0, end, owed: q(0), steps: 0 });
        e.score = p.score;
        e.end = end;
        // A score change settles the position on-chain: one more rounding.
        e.steps += 1;
    }

    /// Checks a claim of `paid` and books it.
    fn claim(&mut self, now: i64, key: Pubkey, paid: u64, ctx: &str) {
        self.advance(now);
        let p = self.positions.get_mut(&key).expect("modelled position");
        let diff = &p.owed - q(paid);
        let budget = q(1 + p.steps);
        assert!(
            diff.abs() <= budget,
            "{ctx}: paid {paid}, model {} (budget {})",
            p.owed.to_f64().unwrap_or(0.0),
            budget
        );
        // The program rounds each settlement down and forgets the fraction; start afresh.
        p.owed = q(0);
        p.steps = 0;
    }
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The sequences are split over four tests so the harness runs them on every core.
async fn run_share(share: u64) {
    let cases = env("VETMAI_REWARD_CASES", 1_000);
    let steps = env("VETMAI_REWARD_STEPS", 40);
    let seeds: Vec<u64> = match std::env::var("VETMAI_REWARD_SEED") {
        Ok(s) if share == 0 => vec![s.parse().expect("seed")],
        Ok(_) => vec![],
        Err(_) => (0..cases).filter(|i| i % 4 == share).map(|i| 0xfeed_0000 + i).collect(),
    };
    let started = std::time::Instant::now();
    let (n, mut claims, mut ops) = (seeds.len(), 0, 0);
    for seed in seeds {
        let (c, o) = run(seed, steps).await;
        claims += c;
        ops += o;
    }
    println!(
        "reward model share {share}: {n} sequences, {ops} successful operations, {claims} claims checked in {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn random_sequences_match_the_exact_reference_model_0() {
    run_share(0).await
}

#[tokio::test]
async fn random_sequences_match_the_exact_reference_model_1() {
    run_share(1).await
}

#[tokio::test]
async fn random_sequences_match_the_exact_reference_model_2() {
    run_share(2).await
}

#[tokio::test]
async fn random_sequences_match_the_exact_reference_model_3() {
    run_share(3).await
}

struct World {
    fx: Fx,
    wallets: Vec<Wallet>,
    pools: [PoolRef; 2],
    models: [Model; 2],
    open: Vec<(usize, Pubkey)>,
    dests: HashMap<(usize, usize), Pubkey>,
    paid: [u128; 2],
    deposited: [u128; 2],
}

const USDC: u64 = 1_000_000;

async fn run(seed: u64, steps: u64) -> (u64, u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut fx = Fx::new().await;
    let period = 7 * DAY as i64;
    let usdc = fx.create_pool(Some(TokenKind::Spl)).await;
    let tmai = fx.create_pool(None).await;
    let mut wallets = vec![];
    for _ in 0..3 {
        wallets.push(fx.wallet(100_000_000 * TMAI).await);
    }
    let now = fx.now().await;
    let mut w = World {
        fx,
        wallets,
        pools: [usdc, tmai],
        models: [Model::new(now, period), Model::new(now, period)],
        open: vec![],
        dests: HashMap::new(),
        paid: [0; 2],
        deposited: [0; 2],
    };
    let (mut claims, mut ok_ops) = (0, 0);
    for step in 0..steps {
        let ctx = format!("seed {seed} step {step}");
        // A permissionless crank first, as a client does before touching a pool.
        for k in 0..2 {
            w.fx.crank(w.pools[k]).await.unwrap_or_else(|e| panic!("{ctx}: crank {e:?}"));
            let now = w.fx.now().await;
            w.models[k].crank(now);
            // What the pool still has to stream (or carries) is what the model's deposits still
            // hold: no deposit's rest moved onto a later one's schedule.
            let s = w.fx.pool(w.pools[k]).await.stream;
            let m = &w.models[k];
            let chain = q(s.remaining) + q(s.carry);
            let model = m.unreleased() + &m.carry;
            assert!(
                (&chain - &model).abs() < q(2),
                "{ctx}: pool {k} holds {} unreleased + carried, the model {}",
                chain,
                model.to_f64().unwrap_or(0.0)
            );
        }
        let now = w.fx.now().await;
        let op = rng.gen_range(0..10);
        let ok = match op {
            0 | 1 => {
                let wi = rng.gen_range(0..w.wallets.len());
                let kind = if rng.gen_bool(0.3) { LockKind::Constant } else { LockKind::Fixed };
                let amount = rng.gen_range(TMAI..=500_000 * TMAI);
                let duration = rng.gen_range(7 * DAY..=365 * DAY);
                let wk = w.wallets[wi].key();
                let index = w.fx.account::<vetmai::Staker>(pda::staker(&wk)).await.map_or(0, |s| s.next_index);
                let ix = w.fx.dep.create_lock(wk, w.wallets[wi].token, index, amount, duration, kind);
                let r = w.fx.send(&[ix], &[&w.wallets[wi].kp]).await.is_ok();
                if r {
                    let key = pda::position(&wk, index);
                    w.open.push((wi, key));
                    refresh(&mut w, now, key).await;
                }
                r
            }
            2..=4 if !w.open.is_empty() => {
                let (wi, key) = w.open[rng.gen_range(0..w.open.len())];
                let wal = &w.wallets[wi];
                let p = w.fx.position(key).await;
                let ix = match op {
                    2 => w.fx.dep.increase_amount(wal.key(), wal.token, key, rng.gen_range(1..=100_000 * TMAI)),
                    3 => w.fx.dep.extend_lock(wal.key(), key, rng.gen_range(7 * DAY..=365 * DAY)),
                    _ if p.kind == LockKind::Constant => w.fx.dep.begin_unlock(wal.key(), key),
                    _ => w.fx.dep.increase_amount(wal.key(), wal.token, key, 1),
                };
                let r = w.fx.send(&[ix], &[&wal.kp]).await.is_ok();
                if r {
                    refresh(&mut w, now, key).await;
                }
                r
            }
            5 => {
                let k = rng.gen_range(0..2);
                let amount = if k == 0 { rng.gen_range(1..=50_000 * USDC) } else { rng.gen_range(1..=20_000 * TMAI) };
                let r = w.fx.deposit(w.pools[k], amount).await.is_ok();
                if r {
                    w.models[k].deposit(now, amount);
                    w.deposited[k] += u128::from(amount);
                }
                r
            }
            6 | 7 => {
                let secs = match rng.gen_range(0..3) {
                    0 => rng.gen_range(1..DAY as i64),
                    1 => rng.gen_range(1..60 * DAY as i64),
                    _ => (now / EPOCH + rng.gen_range(1..6)) * EPOCH - now,
                };
                w.fx.warp_by(secs).await;
                true
            }
            8 if !w.open.is_empty() => {
                let (wi, key) = w.open[rng.gen_range(0..w.open.len())];
                let k = rng.gen_range(0..2);
                let reinvest = k == 1 && rng.gen_bool(0.5) && w.fx.position(key).await.is_locked(now);
                claims += 1;
                claim(&mut w, wi, key, k, reinvest, &ctx).await
            }
            _ if !w.open.is_empty() => {
                // Withdraw an ended position, its rewards in both pools paid by the same instruction.
                let (wi, key) = w.open[rng.gen_range(0..w.open.len())];
                let p = w.fx.position(key).await;
                if p.kind == LockKind::Constant || p.end > now {
                    false
                } else {
                    claims += 2;
                    withdraw(&mut w, wi, key, &ctx).await
                }
            }
            _ => false,
        };
        if ok {
            ok_ops += 1;
        }
        if std::env::var("VETMAI_REWARD_TRACE").is_ok() {
            println!("{ctx}: op {op} ok {ok} now {now}");
        }
        reconcile(&mut w, &ctx).await;
    }
    (claims, ok_ops)
}

/// Reads a position back from the chain into both models.
async fn refresh(w: &mut World, now: i64, key: Pubkey) {
    let p = w.fx.position(key).await;
    for m in w.models.iter_mut() {
        m.set(now, key, &p);
    }
}

async fn destination(w: &mut World, wi: usize, k: usize) -> Pubkey {
    if let Some(d) = w.dests.get(&(wi, k)) {
        return *d;
    }
    let pool = w.pools[k];
    let d = w.fx.token_account_in(w.wallets[wi].key(), pool.mint, pool.token_program).await;
    w.dests.insert((wi, k), d);
    d
}

async fn claim_ix(
    w: &mut World,
    wi: usize,
    key: Pubkey,
    k: usize,
    reinvest: bool,
) -> (anchor_lang::solana_program::instruction::Instruction, u64) {
    let now = w.fx.now().await;
    let pool = w.fx.pool(w.pools[k]).await;
    let position = w.fx.position(key).await;
    let histories = w.fx.histories(w.pools[k]).await;
    let pending = view::pending_rewards(&pool, &position, &histories, now).expect("pending computes");
    let destination = if reinvest { None } else { Some(destination(w, wi, k).await) };
    let c = ClaimAccounts {
        pool: w.pools[k],
        pool_index: k as u8,
        destination,
        target: None,
        history_chunk: view::claim_history_chunk(&pool, &position, now),
    };
    let mode = if reinvest { ClaimMode::Reinvest } else { ClaimMode::Payout };
    (w.fx.dep.claim_rewards(w.wallets[wi].key(), key, mode, &c), pending)
}

async fn claim(w: &mut World, wi: usize, key: Pubkey, k: usize, reinvest: bool, ctx: &str) -> bool {
    let now = w.fx.now().await;
    let (ix, pending) = claim_ix(w, wi, key, k, reinvest).await;
    let before = w.fx.pool(w.pools[k]).await.total_claimed;
    let kp = w.wallets[wi].kp.insecure_clone();
    w.fx.send(&[ix], &[&kp]).await.unwrap_or_else(|e| panic!("{ctx}: claim {e:?}"));
    let paid = u64::try_from(w.fx.pool(w.pools[k]).await.total_claimed - before).unwrap();
    assert_eq!(paid, pending, "{ctx}: off-chain pending equals the claim");
    w.models[k].claim(now, key, paid, ctx);
    w.paid[k] += u128::from(paid);
    if reinvest && paid > 0 {
        refresh(w, now, key).await;
    }
    true
}

async fn withdraw(w: &mut World, wi: usize, key: Pubkey, ctx: &str) -> bool {
    // One instruction: withdraw settles and pays every pool itself.
    let now = w.fx.now().await;
    let position = w.fx.position(key).await;
    let mut payouts = vec![];
    let mut pendings = vec![];
    let mut befores = vec![];
    for k in 0..2 {
        let pool = w.fx.pool(w.pools[k]).await;
        let histories = w.fx.histories(w.pools[k]).await;
        pendings.push(view::pending_rewards(&pool, &position, &histories, now).expect("pending computes"));
        befores.push(pool.total_claimed);
        let destination = destination(w, wi, k).await;
        let history_chunk = view::claim_history_chunk(&pool, &position, now).unwrap_or(0);
        payouts.push(WithdrawPayout { pool: w.pools[k], history_chunk, destination });
    }
    let wal = &w.wallets[wi];
    let ix = w.fx.dep.withdraw_paying(wal.key(), wal.token, key, &payouts);
    let kp = wal.kp.insecure_clone();
    w.fx.send(&[ix], &[&kp]).await.unwrap_or_else(|e| panic!("{ctx}: withdraw {e:?}"));
    for k in 0..2 {
        let paid = u64::try_from(w.fx.pool(w.pools[k]).await.total_claimed - befores[k]).unwrap();
        assert_eq!(paid, pendings[k], "{ctx}: pending equals what withdraw paid");
        w.models[k].claim(now, key, paid, ctx);
        w.models[k].positions.remove(&key);
        w.paid[k] += u128::from(paid);
    }
    w.open.retain(|(_, a)| *a != key);
    true
}

async fn reconcile(w: &mut World, ctx: &str) {
    for k in 0..2 {
        let pool = w.fx.pool(w.pools[k]).await;
        assert_eq!(pool.total_deposited, w.deposited[k], "{ctx}: deposits");
        assert_eq!(pool.total_claimed, w.paid[k], "{ctx}: claims");
        assert!(w.paid[k] <= w.deposited[k], "{ctx}: paid more than deposited");
        let vault = w.fx.balance(pda::reward_vault(&w.pools[k].address())).await;
        assert_eq!(u128::from(vault), w.deposited[k] - w.paid[k], "{ctx}: reward vault reconciles");
    }
    let mut locked = 0u64;
    for (_, key) in &w.open {
        locked += w.fx.position(*key).await.amount;
    }
    assert_eq!(w.fx.balance(pda::vault()).await, locked, "{ctx}: TMAI vault equals locked amounts");
}
