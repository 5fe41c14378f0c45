//! Shared fixture for the native program tests.
//!
//! The program is compiled for the host and registered in `solana-program-test` (=3.1.12) as a
//! builtin, next to the real SPL Token and Token-2022 programs (their SBF binaries ship with
//! program-test). See `docs/native.md` for why and how.
#![allow(dead_code)]
use anchor_lang::prelude::{AccountInfo, Clock, Pubkey};
use anchor_lang::solana_program::{entrypoint::ProgramResult, instruction::Instruction, program_pack::Pack};
use anchor_lang::AccountDeserialize;
use anchor_spl::token::spl_token;
use anchor_spl::token_2022::spl_token_2022;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_keypair::Keypair;
use solana_program_test::{processor, BanksClientError, ProgramTest, ProgramTestContext};
use solana_signer::Signer;
use solana_transaction::Transaction;
use vetmai::state::{Config, Position, Staker};
use vetmai_client::ix::{Deployment, PoolRef};
use vetmai_client::pda;

/// 2026-11-24 12:00:00 UTC, mid-epoch: every test starts here.
pub const T0: i64 = 1_795_521_600;
pub const DAY: u64 = 86_400;
pub const EPOCH: i64 = 604_800;

/// End of a revenue stream started at `now`: the first epoch boundary at least `period` later
/// (SPEC §4, written here independently of the program).
pub fn stream_end(now: i64, period: i64) -> i64 {
    (now + period + EPOCH - 1).div_euclid(EPOCH) * EPOCH
}
pub const DECIMALS: u8 = 6;
/// One whole TMAI in base units.
pub const TMAI: u64 = 1_000_000;

/// Anchor ≥ 1.0 generates `entry<'info>(&'info Pubkey, &'info [AccountInfo<'info>], &'info [u8])`
/// while `processor!` wants independent lifetimes. program-test hands in borrows of one input
/// buffer that outlives the call and `entry` keeps nothing, so unifying the lifetimes is sound.
pub fn vetmai_entry(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    // SAFETY: only lifetimes change; the input buffer outlives this call.
    let accounts: &[AccountInfo] = unsafe { std::mem::transmute(accounts) };
    vetmai::entry(program_id, accounts, data)
}

/// Which token program the TMAI mint lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Spl,
    Token2022,
}

impl TokenKind {
    pub fn program(self) -> Pubkey {
        match self {
            TokenKind::Spl => spl_token::ID,
            TokenKind::Token2022 => spl_token_2022::ID,
        }
    }
}

/// A funded wallet with a TMAI token account.
pub struct Wallet {
    pub kp: Keypair,
    pub token: Pubkey,
}

impl Wallet {
    pub fn key(&self) -> Pubkey {
        self.kp.pubkey()
    }
}

pub struct Fx {
    pub ctx: ProgramTestContext,
    pub dep: Deployment,
    pub admin: Keypair,
    nonce: u32,
}

pub fn program_test() -> ProgramTest {
    let mut pt = ProgramTest::new("vetmai", vetmai::ID, processor!(vetmai_entry));
    pt.prefer_bpf(false);
    pt
}

impl Fx {
    /// Program-test with an SPL TMAI mint, the clock at [`T0`], and `initialize` done.
    pub async fn new() -> Self {
        Self::with(TokenKind::Spl).await
    }

    pub async fn with(kind: TokenKind) -> Self {
        let mut fx = Self::uninitialized(kind).await;
        let ix = fx.dep.initialize(fx.admin.pubkey());
        let admin = fx.admin.insecure_clone();
        fx.send(&[ix], &[&admin]).await.expect("initialize");
        fx
    }

    /// Program-test with a TMAI mint and the clock at [`T0`], before `initialize`.
    pub async fn uninitialized(kind: TokenKind) -> Self {
        Self::start(program_test(), kind).await
    }

    pub async fn start(pt: ProgramTest, kind: TokenKind) -> Self {
        let ctx = pt.start_with_context().await;
        let admin = Keypair::new();
        let mint = Keypair::new();
        let dep = Deployment::new(mint.pubkey(), kind.program());
        let mut fx = Fx { ctx, dep, admin, nonce: 0 };
        fx.warp_to(T0).await;
        let admin_key = fx.admin.pubkey();
        fx.set_upgrade_authority(Some(admin_key));
        fx.airdrop(admin_key, 10_000_000_000).await;
        fx.create_mint(&mint, kind.program(), &[]).await;
        fx
    }

    /// Writes the program's ProgramData account (owner: the upgradeable loader) naming
    /// `authority` as upgrade authority, as a real deployment has it: `initialize` checks it.
    pub fn set_upgrade_authority(&mut self, authority: Option<Pubkey>) {
        let data = pda::program_data_header(0, authority);
        let mut acc = solana_account::AccountSharedData::new(
            1_000_000_000,
            data.len(),
            &anchor_lang::solana_program::bpf_loader_upgradeable::ID,
        );
        solana_account::WritableAccount::data_as_mut_slice(&mut acc).copy_from_slice(&data);
        self.ctx.set_account(&pda::program_data(), &acc);
    }

    pub fn payer(&self) -> Pubkey {
        self.ctx.payer.pubkey()
    }

    /// Sends `ixs` paid by the context payer and signed by `signers`. A compute-budget
    /// instruction with a per-call nonce keeps otherwise identical transactions distinct.
    pub async fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Result<(), BanksClientError> {
        self.nonce += 1;
        let mut all = vec![ComputeBudgetInstruction::set_compute_unit_limit(1_000_000 + self.nonce)];
        all.extend_from_slice(ixs);
        let bh = self.ctx.banks_client.get_latest_blockhash().await.expect("blockhash");
        let mut keys: Vec<&Keypair> = vec![&self.ctx.payer];
        keys.extend_from_slice(signers);
        let tx = Transaction::new_signed_with_payer(&all, Some(&self.ctx.payer.pubkey()), &keys, bh);
        self.ctx.banks_client.process_transaction(tx).await
    }

    pub async fn airdrop(&mut self, to: Pubkey, lamports: u64) {
        let ix = anchor_lang::solana_program::system_instruction::transfer(&self.payer(), &to, lamports);
        self.send(&[ix], &[]).await.expect("airdrop");
    }

    pub async fn create_mint(&mut self, mint: &Keypair, token_program: Pubkey, pre_init: &[Instruction]) {
        let rent = self.ctx.banks_client.get_rent().await.expect("rent");
        let space = spl_token::state::Mint::LEN;
        let payer = self.payer();
        let mut ixs = vec![anchor_lang::solana_program::system_instruction::create_account(
            &payer,
            &mint.pubkey(),
            rent.minimum_balance(space),
            space as u64,
            &token_program,
        )];
        ixs.extend_from_slice(pre_init);
        ixs.push(
            spl_token_2022::instruction::initialize_mint2(&token_program, &mint.pubkey(), &payer, None, DECIMALS)
                .expect("init mint"),
        );
        self.send(&ixs, &[mint]).await.expect("create mint");
    }

    /// A new wallet with SOL and `amount` TMAI base units in a fresh token account.
    pub async fn wallet(&mut self, amount: u64) -> Wallet {
        let kp = Keypair::new();
        self.airdrop(kp.pubkey(), 1_000_000_000).await;
        let token = self.token_account(kp.pubkey(), self.dep.tmai_mint).await;
        if amount > 0 {
            self.mint_to(token, amount).await;
        }
        Wallet { kp, token }
    }

    /// Creates a token account of `mint` (in the deployment's token program) owned by `owner`.
    pub async fn token_account(&mut self, owner: Pubkey, mint: Pubkey) -> Pubkey {
        let tp = self.dep.token_program;
        self.token_account_in(owner, mint, tp).await
    }

    /// Creates a token account of `mint` in token program `tp`, owned by `owner`.
    pub async fn token_account_in(&mut self, owner: Pubkey, mint: Pubkey, tp: Pubkey) -> Pubkey {
        let acc = Keypair::new();
        let rent = self.ctx.banks_client.get_rent().await.expect("rent");
        let space = spl_token::state::Account::LEN;
        let payer = self.payer();
        let ixs = [
            anchor_lang::solana_program::system_instruction::create_account(
                &payer,
                &acc.pubkey(),
                rent.minimum_balance(space),
                space as u64,
                &tp,
            ),
            spl_token_2022::instruction::initialize_account3(&tp, &acc.pubkey(), &mint, &owner).expect("init account"),
        ];
        self.send(&ixs, &[&acc]).await.expect("create token account");
        acc.pubkey()
    }

    pub async fn mint_to(&mut self, account: Pubkey, amount: u64) {
        let pool = PoolRef { mint: self.dep.tmai_mint, token_program: self.dep.token_program };
        self.mint_to_in(pool, account, amount).await
    }

    /// Mints `amount` of `mint.mint` (its token program in `mint.token_program`) to `account`.
    pub async fn mint_to_in(&mut self, mint: PoolRef, account: Pubkey, amount: u64) {
        let payer = self.payer();
        let ix = spl_token_2022::instruction::mint_to(&mint.token_program, &mint.mint, &account, &payer, &[], amount)
            .expect("mint_to");
        self.send(&[ix], &[]).await.expect("mint_to");
    }

    /// Registers a reward pool for a new mint in `kind`'s token program (or for TMAI itself).
    pub async fn create_pool(&mut self, kind: Option<TokenKind>) -> PoolRef {
        let pool = match kind {
            Some(kind) => {
                let mint = Keypair::new();
                self.create_mint(&mint, kind.program(), &[]).await;
                PoolRef { mint: mint.pubkey(), token_program: kind.program() }
            }
            None => PoolRef { mint: self.dep.tmai_mint, token_program: self.dep.token_program },
        };
        let admin = self.admin.insecure_clone();
        let ix = self.dep.create_reward_pool(admin.pubkey(), pool);
        self.send(&[ix], &[&admin]).await.expect("create_reward_pool");
        self.dep.add_pool(pool.address());
        pool
    }

    /// The admin (revenue authority by default) deposits `amount` of fresh tokens into `pool`.
    pub async fn deposit(&mut self, pool: PoolRef, amount: u64) -> Result<(), BanksClientError> {
        let admin = self.admin.insecure_clone();
        let source = self.token_account_in(admin.pubkey(), pool.mint, pool.token_program).await;
        self.mint_to_in(pool, source, amount).await;
        let ix = self.dep.deposit_revenue(admin.pubkey(), pool, source, amount);
        self.send(&[ix], &[&admin]).await
    }

    pub async fn pool(&mut self, pool: PoolRef) -> vetmai::RewardPool {
        self.account(pool.address()).await.expect("pool exists")
    }

    /// Every stored history chunk of a pool.
    pub async fn histories(&mut self, pool: PoolRef) -> Vec<vetmai::RewardHistory> {
        let p = self.pool(pool).await;
        let mut out = vec![];
        for chunk in 0..p.history_chunks {
            let addr = pda::reward_history(&pool.address(), chunk);
            let acc = self.ctx.banks_client.get_account(addr).await.expect("rpc").expect("history exists");
            out.push(*vetmai_client::decode::decode_history(&acc.data).expect("history decodes"));
        }
        out
    }

    /// A `crank_pool` instruction for `pool` at the current clock.
    pub async fn crank_ix(&mut self, pool: PoolRef) -> Instruction {
        let p = self.pool(pool).await;
        let now = self.now().await;
        let chunks = vetmai_client::view::crank_history_chunks(&p, now).expect("chunks");
        self.dep.crank_pool(pool, chunks)
    }

    /// Creates the DAO with `guardian`; the admin is the sale authority.
    pub async fn init_dao(&mut self, guardian: Pubkey) {
        let admin = self.admin.insecure_clone();
        let ix = self.dep.init_dao(admin.pubkey(), guardian, admin.pubkey());
        self.send(&[ix], &[&admin]).await.expect("init_dao");
    }

    pub async fn dao(&mut self) -> vetmai::Dao {
        self.account(pda::dao()).await.expect("dao exists")
    }

    pub async fn crank(&mut self, pool: PoolRef) -> Result<(), BanksClientError> {
        let ix = self.crank_ix(pool).await;
        self.send(&[ix], &[]).await
    }

    pub async fn balance(&mut self, account: Pubkey) -> u64 {
        let acc = self.ctx.banks_client.get_account(account).await.expect("rpc").expect("token account exists");
        spl_token::state::Account::unpack_from_slice(&acc.data[..spl_token::state::Account::LEN])
            .expect("token account")
            .amount
    }

    pub async fn now(&mut self) -> i64 {
        let clock: Clock = self.ctx.banks_client.get_sysvar().await.expect("clock");
        clock.unix_timestamp
    }

    pub async fn warp_to(&mut self, ts: i64) {
        let mut clock: Clock = self.ctx.banks_client.get_sysvar().await.expect("clock");
        clock.unix_timestamp = ts;
        self.ctx.set_sysvar(&clock);
    }

    pub async fn warp_by(&mut self, secs: i64) {
        let now = self.now().await;
        self.warp_to(now + secs).await;
    }

    pub async fn account<T: AccountDeserialize>(&mut self, addr: Pubkey) -> Option<T> {
        let acc = self.ctx.banks_client.get_account(addr).await.expect("rpc")?;
        Some(T::try_deserialize(&mut acc.data.as_slice()).expect("decodes"))
    }

    pub async fn config(&mut self) -> Config {
        self.account(pda::config()).await.expect("config exists")
    }

    pub async fn staker(&mut self, owner: Pubkey) -> Staker {
        self.account(pda::staker(&owner)).await.expect("staker exists")
    }

    pub async fn position(&mut self, addr: Pubkey) -> Position {
        self.account(addr).await.expect("position exists")
    }

    /// Creates a lock at the wallet's next index; returns the position address.
    pub async fn lock(&mut self, w: &Wallet, amount: u64, duration: u64, kind: vetmai::LockKind) -> Pubkey {
        let index = match self.account::<Staker>(pda::staker(&w.key())).await {
            Some(s) => s.next_index,
            None => 0,
        };
        let ix = self.dep.create_lock(w.key(), w.token, index, amount, duration, kind);
        self.send(&[ix], &[&w.kp]).await.expect("create_lock");
        pda::position(&w.key(), index)
    }
}

/// Asserts that `res` failed with custom error `code` (program errors are 6000+, Anchor's own
/// constraint errors 2000+, account errors 3000+, system program errors < 100).
#[track_caller]
pub fn expect_code(res: Result<(), BanksClientError>, code: u32) {
    let err = res.expect_err(&format!("expected error code {code}, but the transaction succeeded"));
    let text = format!("{err:?}");
    assert!(text.contains(&format!("Custom({code})")), "expected Custom({code}), got {text}");
}

/// Asserts a program error by variant.
#[track_caller]
pub fn expect_err(res: Result<(), BanksClientError>, e: vetmai::VetmaiError) {
    expect_code(res, 6000 + e as u32);
}

/// Asserts an Anchor framework error by variant.
#[track_caller]
pub fn expect_anchor(res: Result<(), BanksClientError>, e: anchor_lang::error::ErrorCode) {
    expect_code(res, e as u32);
}

// Helpers for the adversarial suite (`attacks.rs`) and the conservation test (`conservation.rs`).

impl Fx {
    /// The stored account at `addr` (`None` when it does not exist).
    pub async fn raw(&mut self, addr: Pubkey) -> Option<solana_account::Account> {
        self.ctx.banks_client.get_account(addr).await.expect("rpc")
    }

    /// Every listed account as stored, to compare before and after a refused transaction.
    pub async fn snapshot(&mut self, keys: &[Pubkey]) -> Vec<Option<solana_account::Account>> {
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            out.push(self.raw(*k).await);
        }
        out
    }

    /// Asserts that every listed account is byte for byte (data, lamports, owner) as in `before`.
    #[track_caller]
    pub fn assert_same(
        keys: &[Pubkey],
        before: &[Option<solana_account::Account>],
        after: &[Option<solana_account::Account>],
        what: &str,
    ) {
        assert_eq!(before.len(), after.len(), "{what}: snapshot lengths");
        for ((k, b), a) in keys.iter().zip(before).zip(after) {
            assert!(b == a, "{what}: account {k} changed");
        }
    }

    /// Plants an account the test forges or copies: `data` owned by `owner`, at `address`.
    pub fn plant(&mut self, address: Pubkey, owner: Pubkey, lamports: u64, data: &[u8]) {
        let mut acc = solana_account::AccountSharedData::new(lamports, data.len(), &owner);
        acc.set_data_from_slice(data);
        self.ctx.set_account(&address, &acc);
    }
}

/// Asserts that `res` failed with a runtime (non-custom) error whose debug text contains `text`,
/// e.g. `"InstructionError(1, InvalidInstructionData)"`.
#[track_caller]
pub fn expect_tx_err(res: Result<(), BanksClientError>, text: &str) {
    let err = res.expect_err(&format!("expected {text}, but the transaction succeeded"));
    let got = format!("{err:?}");
    assert!(got.contains(text), "expected {text}, got {got}");
}
