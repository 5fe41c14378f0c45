//! Serialized size of a transaction carrying each instruction (payer + required signers),
//! printed and checked against the 1 232-byte packet limit.
use solana_keypair::Keypair;
use solana_program_test::tokio;
use solana_signer::Signer;
use solana_transaction::Transaction;
use vetmai::state::ParamsUpdate;
use vetmai::{ClaimMode, CreateProposalArgs, ExitRewards, LockKind, OpenRoundArgs, ProposalAction, VoteChoice};
use vetmai_client::ix::{ClaimAccounts, ExecuteTokens, PoolRef, WithdrawPayout};
use vetmai_client::pda;

use crate::fixture::*;

const PACKET_DATA_SIZE: usize = 1_232;

#[tokio::test]
async fn every_instruction_fits_in_one_transaction() {
    let fx = Fx::new().await;
    let owner = Keypair::new();
    let token = Keypair::new().pubkey();
    let pos = pda::position(&owner.pubkey(), 0);
    // The largest deployment: four reward pools, passed to every score-changing instruction.
    let mut d = fx.dep;
    let pools: Vec<PoolRef> =
        (0..4).map(|_| PoolRef { mint: Keypair::new().pubkey(), token_program: fx.dep.token_program }).collect();
    for p in &pools {
        d.add_pool(p.address());
    }
    let claim = |p: usize, mode: ClaimMode, history: Option<u64>| {
        let c = ClaimAccounts {
            pool: pools[p],
            pool_index: p as u8,
            destination: (mode == ClaimMode::Payout).then_some(token),
            target: None,
            history_chunk: history,
        };
        d.claim_rewards(owner.pubkey(), pos, mode, &c)
    };
    let full_update = ParamsUpdate {
        min_lock: Some(1),
        max_lock: Some(1),
        max_multiplier_bps: Some(1),
        level_thresholds: Some([1; 10]),
        distribution_period: Some(1),
        voting_period: Some(1),
        quorum_bps: Some(1),
        approval_margin_bps: Some(1),
        timelock: Some(1),
        execution_window: Some(1),
        proposals_per_month: Some([1; 11]),
    };
    let o = owner.pubkey();
    let cases = vec![
        ("initialize", d.initialize(o)),
        ("update_params (every field)", d.update_params(o, full_update.clone())),
        ("set_admin", d.set_admin(o, token)),
        ("accept_admin", d.accept_admin(o)),
        ("create_lock", d.create_lock(o, token, 0, 1, 1, LockKind::Fixed)),
        ("increase_amount", d.increase_amount(o, token, pos, 1)),
        ("extend_lock", d.extend_lock(o, pos, 1)),
        ("begin_unlock", d.begin_unlock(o, pos)),
        ("withdraw", d.withdraw(o, token, pos)),
        ("close_staker", d.close_staker(o)),
        ("set_revenue_authority", d.set_revenue_authority(o, token)),
        ("create_reward_pool", d.create_reward_pool(o, pools[0])),
        ("deposit_revenue", d.deposit_revenue(o, pools[0], token, 1)),
        ("crank_pool (two chunks)", d.crank_pool(pools[0], (0, Some(1)))),
        ("extend_reward_history", d.extend_reward_history(o, pools[0], 1)),
        ("claim_rewards payout (ended)", claim(0, ClaimMode::Payout, Some(0))),
        ("claim_rewards reinvest", claim(0, ClaimMode::Reinvest, None)),
        ("set_auto_compound", d.set_auto_compound(o, pos, true)),
        ("init_dao", d.init_dao(o, token, token)),
        ("transfer_to_dao", d.transfer_to_dao(o)),
        ("set_guardian", d.set_guardian(o, token)),
        (
            "create_proposal (longest)",
            d.create_proposal(
                o,
                0,
                CreateProposalArgs {
                    title: "t".repeat(80),
                    description_url: "u".repeat(200),
                    content_hash: [0; 32],
                    action: ProposalAction::UpdateParams(full_update.clone()),
                },
            ),
        ),
        ("cast_vote", d.cast_vote(o, token, VoteChoice::Yes)),
        ("change_vote", d.change_vote(o, token, VoteChoice::No)),
        ("withdraw_vote", d.withdraw_vote(o, token)),
        ("finalize_proposal", d.finalize_proposal(token)),
        (
            "execute_proposal (tokens)",
            d.execute_proposal(
                token,
                Some(ExecuteTokens {
                    mint: token,
                    token_program: token,
                    treasury: token,
                    destination: token,
                    pool: Some(token),
                }),
            ),
        ),
        ("cancel_proposal", d.cancel_proposal(o, token)),
        ("veto_proposal", d.veto_proposal(o, token)),
        (
            "open_round (all caps)",
            d.open_round(
                o,
                0,
                pools[0],
                OpenRoundArgs { total_cap: 1, start: 0, end: 1, level_caps: Some([1; 11]), window_open: Some([1; 11]) },
            ),
        ),
        ("commit", d.commit(o, token, pools[0], token, 1)),
        ("settle_commitment", d.settle_commitment(token, o, pools[0], token)),
        ("withdraw_proceeds", d.withdraw_proceeds(o, token, pools[0], token)),
        ("exit_lock (four pools)", d.exit_lock(o, token, pos, ExitRewards::Keep, &[0, 1, 2, 3])),
        ("create_treasury", d.create_treasury(o, pools[0])),
        (
            "execute_create_reward_pool",
            d.execute_action(o, token, &ProposalAction::CreateRewardPool { mint: pools[0].mint }, token),
        ),
        ("execute (retire pool)", d.execute_action(o, token, &ProposalAction::RetireRewardPool { mint: token }, token)),
        ("close_vote_record", d.close_vote_record(o, token)),
        ("close_proposal", d.close_proposal(o, token)),
        ("close_commitment", d.close_commitment(o, token)),
        ("close_round", d.close_round(o, token, pools[0], token)),
    ];
    let payer = Keypair::new();
    println!("{:<30} {:>6} {:>9}", "instruction", "bytes", "accounts");
    for (name, ix) in cases {
        let accounts = ix.accounts.len();
        let needs_owner = ix.accounts.iter().any(|m| m.is_signer && m.pubkey == o);
        let signers: Vec<&Keypair> = if needs_owner { vec![&payer, &owner] } else { vec![&payer] };
        let tx = Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &signers, fx.ctx.last_blockhash);
        let size = bincode::serialize(&tx).unwrap().len();
        println!("{name:<30} {size:>6} {accounts:>9}");
        assert!(size <= PACKET_DATA_SIZE, "{name}: {size} bytes > {PACKET_DATA_SIZE}");
    }
    // `withdraw` paying its rewards in every pool itself: five more accounts per pool, each
    // destination a distinct token account.
    for n in 1..=4u8 {
        let mut dn = fx.dep;
        for p in &pools[..usize::from(n)] {
            dn.add_pool(p.address());
        }
        let payouts: Vec<WithdrawPayout> = pools[..usize::from(n)]
            .iter()
            .map(|p| WithdrawPayout { pool: *p, history_chunk: 0, destination: Keypair::new().pubkey() })
            .collect();
        let ix = dn.withdraw_paying(o, token, pos, &payouts);
        let tx =
            Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &[&payer, &owner], fx.ctx.last_blockhash);
        let size = bincode::serialize(&tx).unwrap().len();
        println!("{:<30} {size:>6}", format!("withdraw paying {n} pool(s)"));
        assert!(size <= PACKET_DATA_SIZE, "withdraw paying {n} pools: {size} bytes");
    }
}

/// Account sizes, as recorded in `docs/accounts.md`. A layout change fails here until the docs
/// (and the rent figures there) are updated with it.
#[test]
fn account_sizes_match_the_docs() {
    use vetmai::state::{
        Commitment, Config, Dao, Position, Proposal, RewardHistory, RewardPool, SaleRound, Staker, VoteRecord,
    };
    let sizes = [
        ("Config", Config::SPACE, 1_839),
        ("Staker", Staker::SPACE, 1_637),
        ("Position", Position::SPACE, 231),
        ("RewardPool", RewardPool::SPACE, 2_467),
        ("RewardHistory", RewardHistory::SPACE, 8_248),
        ("Dao", Dao::SPACE, 153),
        ("Proposal", Proposal::SPACE, 693),
        ("VoteRecord", VoteRecord::SPACE, 98),
        ("SaleRound", SaleRound::SPACE, 413),
        ("Commitment", Commitment::SPACE, 163),
    ];
    for (name, size, _) in sizes {
        println!("{name:<14} {size:>6} bytes");
    }
    for (name, size, documented) in sizes {
        assert_eq!(size, documented, "{name}: update docs/accounts.md");
    }
    // The zero-copy history's declared size is its real layout.
    assert_eq!(RewardHistory::SPACE, 8 + std::mem::size_of::<RewardHistory>());
}
