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
    let other = Keypair::new();
    fx.airdrop(other.pubkey(), 1_000_000_000).await;
    let ix = fx.dep.initialize(other.pubkey());
    // Anchor creates the config first; for an address that already holds lamports it allocates
    // through the system program, which refuses an account that already has data. (Natively the
    // refusal surfaces as InvalidInstructionData; on SBF as SystemError::AccountAlreadyInUse.)
    let err = format!("{:?}", fx.send(&[ix], &[&other]).await.expect_err("second initialize must fail"));
    assert!(
        err.contains("InstructionError(1, InvalidInstructionData)") || err.contains("InstructionError(1, Custom(0))"),
        "unexpected error {err}"
    );
    assert_eq!(fx.config().await.admin, before.admin);
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
