//! initialize, update_params, set_admin / accept_admin.
use anchor_spl::token_2022::spl_token_2022::{self, extension::ExtensionType};
use solana_keypair::Keypair;
use solana_program_test::tokio;
use solana_signer::Signer;
use vetmai::state::ParamsUpdate;
use vetmai::VetmaiError;
use vetmai_client::pda;

use crate::fixture::*;

#[tokio::test]
async fn initialize_sets_published_defaults_for_both_token_programs() {
    for kind in [TokenKind::Spl, TokenKind::Token2022] {
        let mut fx = Fx::with(kind).await;
        let c = fx.config().await;
        assert_eq!(c.admin, fx.admin.pubkey());
        assert_eq!(c.tmai_mint, fx.dep.tmai_mint);
        assert_eq!(c.token_program, kind.program());
        assert_eq!(c.vault, pda::vault());
        assert_eq!(c.tmai_decimals, DECIMALS);
        let p = c.params;
        assert_eq!((p.min_lock, p.max_lock, p.max_multiplier_bps), (7 * DAY, 365 * DAY, 20_000));
        assert_eq!(p.level_thresholds[0], 22_000 * TMAI);
        assert_eq!(p.level_thresholds[9], 7_777_000 * TMAI);
        assert_eq!((p.quorum_bps, p.approval_margin_bps, p.voting_period, p.timelock), (2_500, 1_000, 7 * DAY, DAY));
        assert_eq!(p.proposals_per_month, [0, 1, 1, 1, 2, 2, 2, 3, 3, 4, 4]);
        assert_eq!(c.totals.score.fixed.epoch, (T0 / EPOCH) as u64);
        let vault = fx.ctx.banks_client.get_account(pda::vault()).await.unwrap().unwrap();
        assert_eq!(vault.owner, kind.program());
        assert_eq!(fx.balance(pda::vault()).await, 0);
    }
}

#[tokio::test]
async fn initialize_twice_fails_and_leaves_config_alone() {
    let mut fx = Fx::new().await;
    let before = fx.config().await;
    // The upgrade authority itself (anyone else is refused earlier, see below).
    let other = fx.admin.insecure_clone();
    let ix = fx.dep.initialize(other.pubkey());
    // Anchor creates the config first; for an address that already holds lamports it allocates
    // through the system program, which refuses an account that already has data. (Natively the
    // refusal surfaces as InvalidInstructionData; on SBF as SystemError::AccountAlreadyInUse.)
    let err = format!("{:?}", fx.send(&[ix], &[&other]).await.expect_err("second initialize must fail"));
    assert!(
        err.contains("InstructionError(1, InvalidInstructionData)") || err.contains("InstructionError(1, Custom(0))"),
        "unexpected error {err}"
    );
    let after = fx.config().await;
    assert_eq!((after.admin, after.totals, after.params), (before.admin, before.totals, before.params));
}

#[tokio::test]
async fn initialize_rejects_a_mint_of_another_token_program() {
    let mut fx = Fx::uninitialized(TokenKind::Spl).await;
    let mut dep = fx.dep;
    dep.token_program = spl_token_2022::ID;
    let admin = fx.admin.insecure_clone();
    // Anchor creates the vault (a CPI into the named token program) before it checks the mint's
    // owner, so the token program itself refuses the foreign mint.
    let err = format!("{:?}", fx.send(&[dep.initialize(admin.pubkey())], &[&admin]).await.unwrap_err());
    assert!(err.contains("InstructionError(1, IncorrectProgramId)"), "unexpected error {err}");
    assert!(fx.ctx.banks_client.get_account(pda::config()).await.unwrap().is_none(), "nothing half-written");
}

#[tokio::test]
async fn initialize_rejects_token_2022_mint_with_permanent_delegate() {
    let mut fx = Fx::uninitialized(TokenKind::Token2022).await;
    let mint = Keypair::new();
    let space =
        ExtensionType::try_calculate_account_len::<spl_token_2022::state::Mint>(&[ExtensionType::PermanentDelegate])
            .unwrap();
    let rent = fx.ctx.banks_client.get_rent().await.unwrap();
    let payer = fx.payer();
    let ixs = [
        anchor_lang::solana_program::system_instruction::create_account(
            &payer,
            &mint.pubkey(),
            rent.minimum_balance(space),
            space as u64,
            &spl_token_2022::ID,
        ),
        spl_token_2022::instruction::initialize_permanent_delegate(&spl_token_2022::ID, &mint.pubkey(), &payer)
            .unwrap(),
        spl_token_2022::instruction::initialize_mint2(&spl_token_2022::ID, &mint.pubkey(), &payer, None, DECIMALS)
            .unwrap(),
    ];
    fx.send(&ixs, &[&mint]).await.unwrap();
    let mut dep = fx.dep;
    dep.tmai_mint = mint.pubkey();
    let admin = fx.admin.insecure_clone();
    expect_err(fx.send(&[dep.initialize(admin.pubkey())], &[&admin]).await, VetmaiError::UnsupportedMintExtension);
    assert!(fx.ctx.banks_client.get_account(pda::config()).await.unwrap().is_none(), "nothing half-written");
}

#[tokio::test]
async fn update_params_validates_the_whole_set() {
    let mut fx = Fx::new().await;
    let admin = fx.admin.insecure_clone();
    let dep = fx.dep;
    let upd = |u: ParamsUpdate| dep.update_params(admin.pubkey(), u);
    let cases: Vec<(ParamsUpdate, VetmaiError)> = vec![
        (ParamsUpdate { min_lock: Some(DAY - 1), ..Default::default() }, VetmaiError::InvalidLockBounds),
        (ParamsUpdate { max_lock: Some(366 * DAY), ..Default::default() }, VetmaiError::InvalidLockBounds),
        (
            ParamsUpdate { min_lock: Some(30 * DAY), max_lock: Some(29 * DAY), ..Default::default() },
            VetmaiError::InvalidLockBounds,
        ),
        (ParamsUpdate { max_multiplier_bps: Some(9_999), ..Default::default() }, VetmaiError::InvalidMultiplier),
        (ParamsUpdate { max_multiplier_bps: Some(100_001), ..Default::default() }, VetmaiError::InvalidMultiplier),
        (ParamsUpdate { level_thresholds: Some([5; 10]), ..Default::default() }, VetmaiError::InvalidThresholds),
        (
            ParamsUpdate { level_thresholds: Some([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), ..Default::default() },
            VetmaiError::InvalidThresholds,
        ),
        (ParamsUpdate { quorum_bps: Some(10_001), ..Default::default() }, VetmaiError::InvalidParam),
        (ParamsUpdate { distribution_period: Some(0), ..Default::default() }, VetmaiError::InvalidParam),
    ];
    let before = fx.config().await.params;
    for (u, e) in cases {
        let ix = upd(u.clone());
        expect_err(fx.send(&[ix], &[&admin]).await, e);
        assert_eq!(fx.config().await.params, before, "rejected update {u:?} changed nothing");
    }
    let ix = upd(ParamsUpdate { max_multiplier_bps: Some(30_000), min_lock: Some(14 * DAY), ..Default::default() });
    fx.send(&[ix], &[&admin]).await.unwrap();
    let after = fx.config().await.params;
    assert_eq!((after.max_multiplier_bps, after.min_lock), (30_000, 14 * DAY));
    assert_eq!(after.level_thresholds, before.level_thresholds, "fields not named are kept");
}

#[tokio::test]
async fn update_params_needs_the_admin() {
    let mut fx = Fx::new().await;
    let mallory = Keypair::new();
    let ix = fx.dep.update_params(mallory.pubkey(), ParamsUpdate { max_lock: Some(30 * DAY), ..Default::default() });
    expect_err(fx.send(&[ix], &[&mallory]).await, VetmaiError::Unauthorized);
}

#[tokio::test]
async fn admin_handover_takes_two_steps() {
    let mut fx = Fx::new().await;
    let admin = fx.admin.insecure_clone();
    let next = Keypair::new();
    let mallory = Keypair::new();
    // Nobody can accept before a proposal, or in place of the proposed admin.
    expect_err(fx.send(&[fx.dep.accept_admin(next.pubkey())], &[&next]).await, VetmaiError::NotPendingAdmin);
    expect_err(
        fx.send(&[fx.dep.set_admin(mallory.pubkey(), mallory.pubkey())], &[&mallory]).await,
        VetmaiError::Unauthorized,
    );
    fx.send(&[fx.dep.set_admin(admin.pubkey(), next.pubkey())], &[&admin]).await.unwrap();
    assert_eq!(fx.config().await.admin, admin.pubkey(), "proposal alone changes nothing");
    expect_err(fx.send(&[fx.dep.accept_admin(mallory.pubkey())], &[&mallory]).await, VetmaiError::NotPendingAdmin);
    fx.send(&[fx.dep.accept_admin(next.pubkey())], &[&next]).await.unwrap();
    let c = fx.config().await;
    assert_eq!((c.admin, c.pending_admin), (next.pubkey(), Default::default()));
    let ix = fx.dep.update_params(admin.pubkey(), ParamsUpdate::default());
    expect_err(fx.send(&[ix], &[&admin]).await, VetmaiError::Unauthorized);
    let ix = fx.dep.update_params(next.pubkey(), ParamsUpdate::default());
    fx.send(&[ix], &[&next]).await.unwrap();
}

/// Issue 13 (2): `initialize` cannot be front-run. Only the upgrade authority recorded in the
/// program's ProgramData account (at its canonical address, owned by the upgradeable loader) may
/// run it; an immutable program (no upgrade authority) cannot be initialized by anyone.
#[tokio::test]
async fn only_the_upgrade_authority_can_initialize() {
    let mut fx = Fx::uninitialized(TokenKind::Spl).await;
    let admin = fx.admin.insecure_clone();
    let mallory = Keypair::new();
    fx.airdrop(mallory.pubkey(), 1_000_000_000).await;
    // The front-runner: a random signer, with the real ProgramData account.
    let ix = fx.dep.initialize(mallory.pubkey());
    expect_err(fx.send(&[ix], &[&mallory]).await, VetmaiError::NotUpgradeAuthority);
    assert!(fx.ctx.banks_client.get_account(pda::config()).await.unwrap().is_none(), "nothing half-written");
    // A ProgramData of its own making, at another address: refused by address.
    let data = pda::program_data_header(0, Some(mallory.pubkey()));
    let loader = anchor_lang::solana_program::bpf_loader_upgradeable::ID;
    let mut forged = solana_account::AccountSharedData::new(1_000_000_000, data.len(), &loader);
    solana_account::WritableAccount::data_as_mut_slice(&mut forged).copy_from_slice(&data);
    let fake = anchor_lang::prelude::Pubkey::new_unique();
    fx.ctx.set_account(&fake, &forged);
    let mut ix = fx.dep.initialize(mallory.pubkey());
    ix.accounts[1].pubkey = fake;
    expect_err(fx.send(&[ix], &[&mallory]).await, VetmaiError::WrongProgramData);
    // The same bytes owned by the system program, at the canonical address: not loader state.
    let mut system_owned = solana_account::AccountSharedData::new(1_000_000_000, data.len(), &Default::default());
    solana_account::WritableAccount::data_as_mut_slice(&mut system_owned).copy_from_slice(&data);
    fx.ctx.set_account(&pda::program_data(), &system_owned);
    let ix = fx.dep.initialize(mallory.pubkey());
    expect_anchor(fx.send(&[ix], &[&mallory]).await, anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram);
    // Made immutable (no upgrade authority): nobody.
    fx.set_upgrade_authority(None);
    let ix = fx.dep.initialize(admin.pubkey());
    expect_err(fx.send(&[ix], &[&admin]).await, VetmaiError::NotUpgradeAuthority);
    // The upgrade authority succeeds.
    fx.set_upgrade_authority(Some(admin.pubkey()));
    fx.send(&[fx.dep.initialize(admin.pubkey())], &[&admin]).await.unwrap();
    assert_eq!(fx.config().await.admin, admin.pubkey());
}

/// Issue 13 (5): no parameter update removes a governance safety rail. Each bound is tried
/// below, at and above it; a refused update changes nothing.
#[tokio::test]
async fn governance_parameters_keep_their_safety_rails() {
    let mut fx = Fx::new().await;
    let admin = fx.admin.insecure_clone();
    type Set = fn(u64) -> ParamsUpdate;
    let quorum: Set = |v| ParamsUpdate { quorum_bps: Some(v), ..Default::default() };
    let margin: Set = |v| ParamsUpdate { approval_margin_bps: Some(v), ..Default::default() };
    let voting: Set = |v| ParamsUpdate { voting_period: Some(v), ..Default::default() };
    let timelock: Set = |v| ParamsUpdate { timelock: Some(v), ..Default::default() };
    let window: Set = |v| ParamsUpdate { execution_window: Some(v), ..Default::default() };
    // (parameter, lowest allowed, highest allowed)
    let bounds: [(&str, Set, u64, u64); 5] = [
        ("quorum_bps", quorum, 500, 5_000),
        ("approval_margin_bps", margin, 100, 5_000),
        ("voting_period", voting, DAY, 30 * DAY),
        ("timelock", timelock, 3_600, 30 * DAY),
        ("execution_window", window, DAY, 365 * DAY),
    ];
    let defaults = fx.config().await.params;
    for (name, set, lo, hi) in bounds {
        for (value, ok) in [(0, false), (lo - 1, false), (lo, true), (hi, true), (hi + 1, false)] {
            let before = fx.config().await.params;
            let res = fx.send(&[fx.dep.update_params(admin.pubkey(), set(value))], &[&admin]).await;
            if ok {
                res.unwrap_or_else(|e| panic!("{name} = {value} must be accepted: {e:?}"));
            } else {
                expect_err(res, VetmaiError::InvalidParam);
                assert_eq!(fx.config().await.params, before, "{name} = {value}: refused, nothing changed");
            }
        }
    }
    // A voting period longer than the longest lock would leave nobody with weight.
    let short_locks = ParamsUpdate { max_lock: Some(14 * DAY), voting_period: Some(14 * DAY), ..Default::default() };
    fx.send(&[fx.dep.update_params(admin.pubkey(), short_locks)], &[&admin]).await.unwrap();
    expect_err(
        fx.send(&[fx.dep.update_params(admin.pubkey(), voting(14 * DAY + 1))], &[&admin]).await,
        VetmaiError::InvalidParam,
    );
    assert_ne!(fx.config().await.params, defaults);
}

/// Issue 13 (7): admin, governance and sale actions emit events (natively `emit!` reaches no
/// log, so this reads the committed IDL, which `idl-gen --check` keeps equal to the program).
#[test]
fn admin_governance_and_sale_actions_have_events() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../idl/vetmai.json");
    let idl: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let events: Vec<&str> = idl["events"].as_array().unwrap().iter().filter_map(|e| e["name"].as_str()).collect();
    for name in [
        "Initialized",
        "ParamsUpdated",
        "AdminChanged",
        "RevenueAuthoritySet",
        "RewardPoolChanged",
        "DaoChanged",
        "TreasuryCreated",
        "ProposalCreated",
        "VoteChanged",
        "ProposalStateChanged",
        "RoundOpened",
        "Committed",
        "CommitmentSettled",
        "ProceedsWithdrawn",
        "AccountClosed",
        "LockExited",
    ] {
        assert!(events.contains(&name), "event {name} missing from the IDL: {events:?}");
    }
}
