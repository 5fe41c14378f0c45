//! Issue 13 (7): Token-2022 mints whose extensions break exact accounting or custody are refused
//! wherever a mint is accepted: `initialize` (TMAI), `create_reward_pool`, `open_round`,
//! `create_treasury`.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_spl::token_2022::spl_token_2022::{
    self,
    extension::{default_account_state, pausable, transfer_fee, transfer_hook, ExtensionType},
    state::AccountState,
};
use solana_keypair::Keypair;
use solana_program_test::tokio;
use solana_signer::Signer;
use vetmai::{OpenRoundArgs, VetmaiError};
use vetmai_client::ix::PoolRef;
use vetmai_client::pda;

use crate::fixture::*;

/// Creates a Token-2022 mint carrying `ext` (the fixture payer as every authority).
async fn mint_with(fx: &mut Fx, ext: ExtensionType) -> PoolRef {
    let mint = Keypair::new();
    let (m, payer, tp) = (mint.pubkey(), fx.payer(), spl_token_2022::ID);
    let init: Instruction = match ext {
        ExtensionType::TransferFeeConfig => {
            transfer_fee::instruction::initialize_transfer_fee_config(&tp, &m, Some(&payer), Some(&payer), 50, 1_000)
        }
        ExtensionType::TransferHook => transfer_hook::instruction::initialize(&tp, &m, Some(payer), None),
        ExtensionType::Pausable => pausable::instruction::initialize(&tp, &m, &payer),
        ExtensionType::MintCloseAuthority => {
            spl_token_2022::instruction::initialize_mint_close_authority(&tp, &m, Some(&payer))
        }
        ExtensionType::DefaultAccountState => {
            default_account_state::instruction::initialize_default_account_state(&tp, &m, &AccountState::Frozen)
        }
        other => panic!("no initializer for {other:?}"),
    }
    .unwrap();
    let space = ExtensionType::try_calculate_account_len::<spl_token_2022::state::Mint>(&[ext]).unwrap();
    let rent = fx.ctx.banks_client.get_rent().await.unwrap();
    let ixs = [
        anchor_lang::solana_program::system_instruction::create_account(
            &payer,
            &m,
            rent.minimum_balance(space),
            space as u64,
            &tp,
        ),
        init,
        spl_token_2022::instruction::initialize_mint2(&tp, &m, &payer, Some(&payer), DECIMALS).unwrap(),
    ];
    fx.send(&ixs, &[&mint]).await.unwrap_or_else(|e| panic!("creating a mint with {ext:?}: {e:?}"));
    PoolRef { mint: m, token_program: tp }
}

const REFUSED: [ExtensionType; 5] = [
    ExtensionType::TransferFeeConfig,
    ExtensionType::TransferHook,
    ExtensionType::Pausable,
    ExtensionType::MintCloseAuthority,
    ExtensionType::DefaultAccountState,
];

#[tokio::test]
async fn mints_with_dangerous_extensions_are_refused_everywhere() {
    // As the TMAI mint.
    let mut fx = Fx::uninitialized(TokenKind::Token2022).await;
    let admin = fx.admin.insecure_clone();
    for ext in REFUSED {
        let bad = mint_with(&mut fx, ext).await;
        let mut dep = fx.dep;
        dep.tmai_mint = bad.mint;
        let res = fx.send(&[dep.initialize(admin.pubkey())], &[&admin]).await;
        expect_err(res, VetmaiError::UnsupportedMintExtension);
        assert!(fx.ctx.banks_client.get_account(pda::config()).await.unwrap().is_none(), "{ext:?}: nothing written");
    }

    // As a reward mint, a sale round's payment mint and a treasury mint.
    let mut fx = Fx::new().await;
    fx.init_dao(Pubkey::default()).await;
    let admin = fx.admin.insecure_clone();
    let payer = fx.payer();
    let now = fx.now().await;
    for ext in REFUSED {
        let bad = mint_with(&mut fx, ext).await;
        let res = fx.send(&[fx.dep.create_reward_pool(admin.pubkey(), bad)], &[&admin]).await;
        expect_err(res, VetmaiError::UnsupportedMintExtension);
        let args = OpenRoundArgs { total_cap: 1, start: now, end: now + 3_600, level_caps: None, window_open: None };
        let res = fx.send(&[fx.dep.open_round(admin.pubkey(), 0, bad, args)], &[&admin]).await;
        expect_err(res, VetmaiError::UnsupportedMintExtension);
        let res = fx.send(&[fx.dep.create_treasury(payer, bad)], &[]).await;
        expect_err(res, VetmaiError::UnsupportedMintExtension);
    }
    let c = fx.config().await;
    assert_eq!((c.reward_pool_count, fx.dao().await.round_count), (0, 0));
    // A plain Token-2022 mint is accepted everywhere.
    let plain = Keypair::new();
    fx.create_mint(&plain, spl_token_2022::ID, &[]).await;
    let ok = PoolRef { mint: plain.pubkey(), token_program: spl_token_2022::ID };
    fx.send(&[fx.dep.create_reward_pool(admin.pubkey(), ok)], &[&admin]).await.unwrap();
    fx.send(&[fx.dep.create_treasury(payer, ok)], &[]).await.unwrap();
}
