//! Random sequences of lock operations and clock warps. After every step the vault balance
//! equals the sum of locked amounts, and every wallet's and the program's veTMAI (now and
//! guaranteed through later times) equal a plain recomputation from the positions.
//!
//! `VETMAI_SEQ_CASES` (default 6) sequences of `VETMAI_SEQ_STEPS` (default 60) steps; the seed of
//! a failing sequence is printed so it can be replayed with `VETMAI_SEQ_SEED`.
use anchor_lang::prelude::Pubkey;
use rand::{rngs::StdRng, Rng, SeedableRng};
use solana_program_test::tokio;
use vetmai::state::Position;
use vetmai::LockKind;
use vetmai_client::{pda, view};

use crate::fixture::*;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::test]
async fn random_lock_sequences_keep_every_total_exact() {
    let cases = env("VETMAI_SEQ_CASES", 6);
    let steps = env("VETMAI_SEQ_STEPS", 60);
    let seeds: Vec<u64> = match std::env::var("VETMAI_SEQ_SEED") {
        Ok(s) => vec![s.parse().expect("seed")],
        Err(_) => (0..cases).map(|i| 0x5eed_0000 + i).collect(),
    };
    for seed in seeds {
        println!("sequence seed {seed}");
        run(seed, steps).await;
    }
}

async fn run(seed: u64, steps: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut fx = Fx::new().await;
    let mut wallets = vec![];
    for _ in 0..3 {
        wallets.push(fx.wallet(10_000_000 * TMAI).await);
    }
    let (min_lock, max_lock) = (7 * DAY, 365 * DAY);
    let mut open: Vec<(usize, Pubkey)> = vec![];
    let mut ok_ops = 0;
    for step in 0..steps {
        let now = fx.now().await;
        let op = rng.gen_range(0..7);
        let res = match op {
            0 | 1 => {
                let wi = rng.gen_range(0..wallets.len());
                let w = &wallets[wi];
                let kind = if rng.gen_bool(0.3) { LockKind::Constant } else { LockKind::Fixed };
                let amount = rng.gen_range(1..=200_000 * TMAI);
                let duration = rng.gen_range(min_lock..=max_lock);
                let index = fx.account::<vetmai::Staker>(pda::staker(&w.key())).await.map_or(0, |s| s.next_index);
                let ix = fx.dep.create_lock(w.key(), w.token, index, amount, duration, kind);
                let r = fx.send(&[ix], &[&w.kp]).await;
                if r.is_ok() {
                    open.push((wi, pda::position(&w.key(), index)));
                }
                r
            }
            2..=4 if !open.is_empty() => {
                let (wi, pos) = open[rng.gen_range(0..open.len())];
                let w = &wallets[wi];
                let p: Position = fx.position(pos).await;
                let ix = match op {
                    2 => fx.dep.increase_amount(w.key(), w.token, pos, rng.gen_range(1..=50_000 * TMAI)),
                    3 => fx.dep.extend_lock(w.key(), pos, rng.gen_range(min_lock..=max_lock)),
                    _ if p.kind == LockKind::Constant => fx.dep.begin_unlock(w.key(), pos),
                    _ => fx.dep.withdraw(w.key(), w.token, pos),
                };
                let r = fx.send(&[ix], &[&w.kp]).await;
                if r.is_ok() && fx.ctx.banks_client.get_account(pos).await.unwrap().is_none() {
                    open.retain(|(_, a)| *a != pos);
                }
                r
            }
            _ => {
                // Warp: sometimes a little, sometimes past several boundaries, sometimes onto one.
                let secs = match rng.gen_range(0..3) {
                    0 => rng.gen_range(1..DAY as i64),
                    1 => rng.gen_range(1..100 * DAY as i64),
                    _ => (now / EPOCH + rng.gen_range(1..8)) * EPOCH - now,
                };
                fx.warp_by(secs).await;
                Ok(())
            }
        };
        // Failures are legal (shortening, withdrawing early, expired increase); they must change nothing.
        if res.is_ok() {
            ok_ops += 1;
        }
        check(&mut fx, &wallets, &open, seed, step).await;
    }
    assert!(ok_ops > steps / 3, "seed {seed}: too few successful operations ({ok_ops})");
}

async fn check(fx: &mut Fx, wallets: &[Wallet], open: &[(usize, Pubkey)], seed: u64, step: u64) {
    let now = fx.now().await;
    let later = [now, now + 1, now + 7 * DAY as i64, now + 31 * DAY as i64, now + 200 * DAY as i64];
    let config = fx.config().await;
    let mut positions = vec![];
    for (wi, addr) in open {
        positions.push((*wi, fx.position(*addr).await));
    }
    let locked: u64 = positions.iter().map(|(_, p)| p.amount).sum();
    assert_eq!(fx.balance(pda::vault()).await, locked, "seed {seed} step {step}: vault balance");
    assert_eq!(config.totals.locked_amount, locked, "seed {seed} step {step}: locked total");
    assert_eq!(config.totals.open_positions, positions.len() as u64);
    let total: u128 = positions.iter().map(|(_, p)| view::position_score(p, now)).sum();
    assert_eq!(view::total_ve(&config, now), Some(total), "seed {seed} step {step}: total veTMAI");
    for (wi, w) in wallets.iter().enumerate() {
        let Some(staker) = fx.account::<vetmai::Staker>(pda::staker(&w.key())).await else {
            assert!(positions.iter().all(|(i, _)| *i != wi));
            continue;
        };
        let mine: Vec<&Position> = positions.iter().filter(|(i, _)| *i == wi).map(|(_, p)| p).collect();
        assert_eq!(staker.locked_amount, mine.iter().map(|p| p.amount).sum::<u64>());
        let ve: u128 = mine.iter().map(|p| view::position_score(p, now)).sum();
        assert_eq!(staker.ve_at(now), Some(ve), "seed {seed} step {step}: wallet {wi} veTMAI");
        for t in later {
            let plain: u128 = mine
                .iter()
                .filter(|p| match p.kind {
                    LockKind::Fixed if t <= now => p.end > now,
                    LockKind::Fixed => p.end >= t,
                    LockKind::Constant => now + p.duration as i64 >= t,
                })
                .map(|p| p.score)
                .sum();
            assert_eq!(
                staker.guaranteed(now, t),
                Some(plain),
                "seed {seed} step {step}: wallet {wi} guaranteed through {t}"
            );
        }
    }
}
