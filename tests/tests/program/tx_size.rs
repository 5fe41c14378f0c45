//! Serialized size of a transaction carrying each instruction (payer + required signers),
//! printed and checked against the 1 232-byte packet limit.
use solana_keypair::Keypair;
use solana_program_test::tokio;
use solana_signer::Signer;
use solana_transaction::Transaction;
use vetmai::state::ParamsUpdate;
use vetmai::LockKind;
use vetmai_client::pda;

use crate::fixture::*;

const PACKET_DATA_SIZE: usize = 1_232;

#[tokio::test]
async fn every_instruction_fits_in_one_transaction() {
    let fx = Fx::new().await;
    let owner = Keypair::new();
    let token = Keypair::new().pubkey();
    let pos = pda::position(&owner.pubkey(), 0);
    let d = fx.dep;
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
        ("update_params (every field)", d.update_params(o, full_update)),
        ("set_admin", d.set_admin(o, token)),
        ("accept_admin", d.accept_admin(o)),
        ("create_lock", d.create_lock(o, token, 0, 1, 1, LockKind::Fixed)),
        ("increase_amount", d.increase_amount(o, token, pos, 1)),
        ("extend_lock", d.extend_lock(o, pos, 1)),
        ("begin_unlock", d.begin_unlock(o, pos)),
        ("withdraw", d.withdraw(o, token, pos)),
        ("close_staker", d.close_staker(o)),
    ];
    let payer = Keypair::new();
    println!("{:<30} {:>6} {:>9}", "instruction", "bytes", "accounts");
    for (name, ix) in cases {
        let accounts = ix.accounts.len();
        let tx =
            Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &[&payer, &owner], fx.ctx.last_blockhash);
        let size = bincode::serialize(&tx).unwrap().len();
        println!("{name:<30} {size:>6} {accounts:>9}");
        assert!(size <= PACKET_DATA_SIZE, "{name}: {size} bytes > {PACKET_DATA_SIZE}");
    }
}

/// Account sizes, as recorded in `docs/accounts.md`. A layout change fails here until the docs
/// (and the rent figures there) are updated with it.
#[test]
fn account_sizes_match_the_docs() {
    use vetmai::state::{Config, Position, RewardHistory, RewardPool, Staker};
    let sizes = [
        ("Config", Config::SPACE, 1_839),
        ("Staker", Staker::SPACE, 1_637),
        ("Position", Position::SPACE, 231),
        ("RewardPool", RewardPool::SPACE, 1_395),
        ("RewardHistory", RewardHistory::SPACE, 8_248),
    ];
    for (name, size, documented) in sizes {
        println!("{name:<14} {size:>6} bytes");
        assert_eq!(size, documented, "{name}: update docs/accounts.md");
    }
    // The zero-copy history's declared size is its real layout.
    assert_eq!(RewardHistory::SPACE, 8 + std::mem::size_of::<RewardHistory>());
}
