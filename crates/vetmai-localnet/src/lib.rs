//! Test support: a real in-process `solana-test-validator` (=4.2.2) with the veTMAI program
//! registered **natively** (compiled for the host), plus a throwaway Postgres cluster.
//!
//! There is no SBF toolchain on the project's machines, so the program cannot be deployed as a
//! BPF binary. Instead (see `docs/native.md`):
//!
//! 1. an executable, native-loader-owned account is preloaded at the program id in genesis;
//! 2. after start, the program's `entry` is added as a builtin on every bank (child banks inherit it);
//! 3. anchor 1.2.2 calls the solana-sysvar **3.x** syscall stubs while program-test 4.2.2 installs
//!    its stubs (CPI, sysvars) into solana-sysvar **4.x**, so a [`V3Adapter`] forwards one to the other.
//!
//! `initialize` accepts only the program's upgrade authority, read from its ProgramData account;
//! a ProgramData account naming the upgrade authority (default: the payer, see
//! [`LocalnetBuilder::upgrade_authority`]) is preloaded at the canonical address so that check
//! runs for real.
//!
//! RPC transaction history is on (`getTransaction`, `getSignaturesForAddress`), the validator
//! runs on wall-clock time (no warp), and the genesis mint keypair pays for everything.
//!
//! ```no_run
//! # async fn demo() -> Result<(), vetmai_localnet::LocalnetError> {
//! let net = vetmai_localnet::Localnet::start().await?;
//! let (dep, admin) = net.deploy(6).await?; // TMAI mint + `initialize` by the upgrade authority
//! # Ok(()) }
//! ```
#![allow(deprecated)]

pub mod pg;

use std::sync::Arc;

use anchor_lang::prelude::{AccountInfo, Pubkey};
use anchor_lang::solana_program::entrypoint::ProgramResult;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_lang::solana_program::system_instruction;
use anchor_spl::token::spl_token;
use solana_account_4::{Account, AccountSharedData, ReadableAccount};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_program_runtime::program_cache_entry::ProgramCacheEntry;
use solana_program_test_4::processor;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_signer::Signer;
use solana_test_validator::{TestValidator, TestValidatorGenesis};
use solana_transaction_4::{Signature, Transaction};
use vetmai_client::ix::Deployment;

pub use solana_account_4::Account as GenesisAccount;

/// The `Clock` sysvar.
const CLOCK_SYSVAR: Pubkey = anchor_lang::prelude::pubkey!("SysvarC1ock11111111111111111111111111111111");

/// The native loader's id (owner of builtin program accounts).
pub const NATIVE_LOADER: Pubkey = anchor_lang::prelude::pubkey!("NativeLoader1111111111111111111111111111111");

#[derive(Debug, thiserror::Error)]
pub enum LocalnetError {
    #[error("validator failed to start: {0}")]
    Start(String),
    #[error("rpc: {0}")]
    Rpc(#[from] solana_rpc_client_api::client_error::Error),
    #[error("instruction: {0}")]
    Instruction(String),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("postgres: {0}")]
    Postgres(String),
}

/// Anchor ≥ 1.0 generates `entry<'info>(&'info Pubkey, &'info [AccountInfo<'info>], &'info [u8])`
/// while `processor!` wants independent lifetimes.
fn vetmai_entry(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    // SAFETY: only lifetimes change; the runtime's input buffer outlives this call and `entry`
    // keeps no reference past it.
    let accounts: &[AccountInfo] = unsafe { std::mem::transmute(accounts) };
    vetmai::entry(program_id, accounts, data)
}

mod stubs {
    use anchor_lang::compat::solana_sysvar as sysvar_v3;
    use anchor_lang::prelude::{AccountInfo, Pubkey};
    use anchor_lang::solana_program::entrypoint::ProgramResult;
    use anchor_lang::solana_program::instruction::Instruction;
    use solana_sysvar_4 as sysvar_v4;

    /// Implements anchor's (solana-sysvar 3.x) stub trait by forwarding to program-test's 4.x stubs.
    pub struct V3Adapter(pub Box<dyn sysvar_v4::program_stubs::SyscallStubs>);

    impl sysvar_v3::program_stubs::SyscallStubs for V3Adapter {
        fn sol_log(&self, m: &str) {
            self.0.sol_log(m)
        }
        fn sol_log_compute_units(&self) {
            self.0.sol_log_compute_units()
        }
        fn sol_remaining_compute_units(&self) -> u64 {
            self.0.sol_remaining_compute_units()
        }
        fn sol_invoke_signed(&self, ix: &Instruction, infos: &[AccountInfo], seeds: &[&[&[u8]]]) -> ProgramResult {
            self.0.sol_invoke_signed(ix, infos, seeds)
        }
        fn sol_get_sysvar(&self, id: *const u8, var: *mut u8, off: u64, len: u64) -> u64 {
            self.0.sol_get_sysvar(id, var, off, len)
        }
        fn sol_get_clock_sysvar(&self, v: *mut u8) -> u64 {
            self.0.sol_get_clock_sysvar(v)
        }
        fn sol_get_epoch_schedule_sysvar(&self, v: *mut u8) -> u64 {
            self.0.sol_get_epoch_schedule_sysvar(v)
        }
        fn sol_get_fees_sysvar(&self, v: *mut u8) -> u64 {
            self.0.sol_get_fees_sysvar(v)
        }
        // v4 Rent {u64, [u8; 8], u8} and v3 Rent {u64, f64, u8} have the same repr(C) layout.
        fn sol_get_rent_sysvar(&self, v: *mut u8) -> u64 {
            self.0.sol_get_rent_sysvar(v)
        }
        fn sol_get_epoch_rewards_sysvar(&self, v: *mut u8) -> u64 {
            self.0.sol_get_epoch_rewards_sysvar(v)
        }
        fn sol_get_last_restart_slot(&self, v: *mut u8) -> u64 {
            self.0.sol_get_last_restart_slot(v)
        }
        fn sol_get_epoch_stake(&self, a: *const u8) -> u64 {
            self.0.sol_get_epoch_stake(a)
        }
        fn sol_get_return_data(&self) -> Option<(Pubkey, Vec<u8>)> {
            self.0.sol_get_return_data()
        }
        fn sol_set_return_data(&self, d: &[u8]) {
            self.0.sol_set_return_data(d)
        }
        fn sol_log_data(&self, f: &[&[u8]]) {
            self.0.sol_log_data(f)
        }
        fn sol_get_processed_sibling_instruction(&self, i: usize) -> Option<Instruction> {
            self.0.sol_get_processed_sibling_instruction(i)
        }
        fn sol_get_stack_height(&self) -> u64 {
            self.0.sol_get_stack_height()
        }
    }

    pub struct NoStubs;
    impl sysvar_v4::program_stubs::SyscallStubs for NoStubs {}

    static INSTALLED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();

    /// Installs program-test's stubs behind the v3 adapter, once per process.
    pub async fn install() {
        INSTALLED
            .get_or_init(|| async {
                // `ProgramTest::default()` installs a debug-level logger unless RUST_LOG is set.
                if std::env::var_os("RUST_LOG").is_none() {
                    std::env::set_var("RUST_LOG", "warn");
                }
                // `ProgramTest` setup installs its stubs into solana-sysvar 4.x (std::sync::Once).
                let _ctx = solana_program_test_4::ProgramTest::default().start_with_context().await;
                let pt = sysvar_v4::program_stubs::set_syscall_stubs(Box::new(NoStubs));
                sysvar_v3::program_stubs::set_syscall_stubs(Box::new(V3Adapter(pt)));
            })
            .await;
    }
}

/// What to preload before the validator starts, and where it listens.
#[derive(Default)]
pub struct LocalnetBuilder {
    accounts: Vec<(Pubkey, AccountSharedData)>,
    rpc_port: Option<u16>,
    payer: Option<Keypair>,
    upgrade_authority: Option<Pubkey>,
}

impl LocalnetBuilder {
    /// Preloads an account into genesis (e.g. program accounts with real encodings, owner = `vetmai::ID`).
    pub fn account(mut self, address: Pubkey, account: Account) -> Self {
        self.accounts.push((address, AccountSharedData::from(account)));
        self
    }

    /// Preloads many accounts.
    pub fn accounts(mut self, accounts: impl IntoIterator<Item = (Pubkey, Account)>) -> Self {
        self.accounts.extend(accounts.into_iter().map(|(k, a)| (k, AccountSharedData::from(a))));
        self
    }

    /// JSON-RPC on `port` and the websocket on `port + 1` (default: free ports).
    pub fn rpc_port(mut self, port: u16) -> Self {
        self.rpc_port = Some(port);
        self
    }

    /// The genesis mint keypair (default: a new one). Reusing one across restarts keeps it the
    /// authority of mints created earlier and restored with [`Localnet::snapshot`].
    pub fn payer(mut self, payer: Keypair) -> Self {
        self.payer = Some(payer);
        self
    }

    /// The program's upgrade authority recorded in its ProgramData account: the only signer
    /// `initialize` accepts (default: the payer).
    pub fn upgrade_authority(mut self, authority: Pubkey) -> Self {
        self.upgrade_authority = Some(authority);
        self
    }

    pub async fn start(self) -> Result<Localnet, LocalnetError> {
        stubs::install().await;
        let payer = self.payer.unwrap_or_else(Keypair::new);
        let mut genesis = TestValidatorGenesis::default();
        genesis.rpc_config(solana_rpc::rpc::JsonRpcConfig {
            enable_rpc_transaction_history: true,
            enable_extended_tx_metadata_storage: true,
            ..solana_rpc::rpc::JsonRpcConfig::default_for_test()
        });
        genesis.add_account(
            vetmai::ID,
            AccountSharedData::from(Account {
                lamports: 1,
                data: b"vetmai".to_vec(),
                owner: NATIVE_LOADER,
                executable: true,
                rent_epoch: 0,
            }),
        );
        let authority = self.upgrade_authority.unwrap_or_else(|| payer.pubkey());
        genesis.add_account(
            vetmai_client::pda::program_data(),
            AccountSharedData::from(Account {
                lamports: 1_000_000_000,
                data: vetmai_client::pda::program_data_header(0, Some(authority)),
                owner: anchor_lang::solana_program::bpf_loader_upgradeable::ID,
                executable: false,
                rent_epoch: 0,
            }),
        );
        // The genesis archive is capped at 10 MiB unpacked by default (about 35 000 position
        // accounts); raise the cap to fit what is preloaded.
        let preload: u64 = self.accounts.iter().map(|(_, a)| 128 + a.data().len() as u64).sum();
        genesis.max_genesis_archive_unpacked_size = Some((2 * preload).max(10 << 20) + (16 << 20));
        genesis.add_accounts(self.accounts);
        if let Some(port) = self.rpc_port {
            genesis.rpc_port(port);
        }
        let tv = genesis
            .start_async_with_mint_address(&payer, solana_net_utils::SocketAddrSpace::Unspecified)
            .await
            .map_err(|e| LocalnetError::Start(e.to_string()))?;
        register_builtin(&tv);
        let rpc = Arc::new(RpcClient::new_with_commitment(tv.rpc_url(), CommitmentConfig::confirmed()));
        let net = Localnet { tv, payer, rpc };
        net.wait_for_token_program().await?;
        Ok(net)
    }
}

fn register_builtin(tv: &TestValidator) {
    let forks = tv.bank_forks();
    let forks = forks.read().unwrap_or_else(|e| e.into_inner());
    for bank in forks.banks().values() {
        bank.add_builtin(
            vetmai::ID,
            "vetmai",
            ProgramCacheEntry::new_builtin(0, "vetmai".len(), processor!(vetmai_entry).expect("builtin")),
        );
    }
}

/// A running in-process validator with the program registered and a funded payer.
pub struct Localnet {
    tv: TestValidator,
    payer: Keypair,
    rpc: Arc<RpcClient>,
}

/// A wallet with SOL and a TMAI token account.
pub struct Wallet {
    pub kp: Keypair,
    pub token: Pubkey,
}

impl Wallet {
    pub fn key(&self) -> Pubkey {
        self.kp.pubkey()
    }
}

impl Localnet {
    pub fn builder() -> LocalnetBuilder {
        LocalnetBuilder::default()
    }

    /// A validator with nothing preloaded but the program.
    pub async fn start() -> Result<Self, LocalnetError> {
        Self::builder().start().await
    }

    pub fn rpc_url(&self) -> String {
        self.tv.rpc_url()
    }

    pub fn pubsub_url(&self) -> String {
        self.tv.rpc_pubsub_url()
    }

    /// RPC client at `confirmed`.
    pub fn rpc(&self) -> &RpcClient {
        &self.rpc
    }

    pub fn rpc_arc(&self) -> Arc<RpcClient> {
        self.rpc.clone()
    }

    /// The genesis mint keypair: pays fees, holds the SOL supply, is the TMAI mint authority.
    pub fn payer(&self) -> &Keypair {
        &self.payer
    }

    /// Sends `ixs` paid by the payer and signed by `signers`, waits for `confirmed`.
    pub async fn send(&self, ixs: &[Instruction], signers: &[&Keypair]) -> Result<Signature, LocalnetError> {
        let bh = self.rpc.get_latest_blockhash().await?;
        let mut keys: Vec<&Keypair> = vec![&self.payer];
        keys.extend(signers.iter().copied().filter(|k| k.pubkey() != self.payer.pubkey()));
        let tx = Transaction::new_signed_with_payer(ixs, Some(&self.payer.pubkey()), &keys, bh);
        Ok(self.rpc.send_and_confirm_transaction(&tx).await?)
    }

    /// Returns once a transaction calling the SPL Token program simulates cleanly at `confirmed`.
    /// Right after start the genesis token program can still be invisible to the preflight bank
    /// ("Program Tokenkeg… is not deployed"), which made the first token transaction of a test
    /// fail now and then; nothing is sent before the program is loadable.
    async fn wait_for_token_program(&self) -> Result<(), LocalnetError> {
        use solana_rpc_client_api::config::RpcSimulateTransactionConfig;
        let mint = Keypair::new();
        let payer = self.payer.pubkey();
        let space = spl_token::state::Mint::LEN;
        let ixs = [
            system_instruction::create_account(&payer, &mint.pubkey(), 10_000_000, space as u64, &spl_token::ID),
            spl_token::instruction::initialize_mint2(&spl_token::ID, &mint.pubkey(), &payer, None, 0)
                .map_err(|e| LocalnetError::Instruction(e.to_string()))?,
        ];
        let config = RpcSimulateTransactionConfig {
            sig_verify: false,
            replace_recent_blockhash: true,
            commitment: Some(CommitmentConfig::confirmed()),
            ..RpcSimulateTransactionConfig::default()
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let bh = self.rpc.get_latest_blockhash().await?;
            let tx = Transaction::new_signed_with_payer(&ixs, Some(&payer), &[&self.payer, &mint], bh);
            let last = match self.rpc.simulate_transaction_with_config(&tx, config.clone()).await {
                Ok(r) => match r.value.err {
                    None => return Ok(()),
                    Some(e) => e.to_string(),
                },
                Err(e) => e.to_string(),
            };
            if std::time::Instant::now() > deadline {
                return Err(LocalnetError::Start(format!(
                    "the SPL Token program is still not loadable after 30 s: {last}"
                )));
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// Transfers lamports from the payer.
    pub async fn airdrop(&self, to: Pubkey, lamports: u64) -> Result<Signature, LocalnetError> {
        self.send(&[system_instruction::transfer(&self.payer.pubkey(), &to, lamports)], &[]).await
    }

    /// A new keypair holding `lamports`.
    pub async fn funded_keypair(&self, lamports: u64) -> Result<Keypair, LocalnetError> {
        let kp = Keypair::new();
        self.airdrop(kp.pubkey(), lamports).await?;
        Ok(kp)
    }

    /// Creates an SPL Token TMAI mint (authority = payer) and returns the deployment for it.
    pub async fn create_tmai_mint(&self, decimals: u8) -> Result<Deployment, LocalnetError> {
        let mint = Keypair::new();
        let payer = self.payer.pubkey();
        let space = spl_token::state::Mint::LEN;
        let rent = self.rpc.get_minimum_balance_for_rent_exemption(space).await?;
        let ixs = [
            system_instruction::create_account(&payer, &mint.pubkey(), rent, space as u64, &spl_token::ID),
            spl_token::instruction::initialize_mint2(&spl_token::ID, &mint.pubkey(), &payer, None, decimals)
                .map_err(|e| LocalnetError::Instruction(e.to_string()))?,
        ];
        self.send(&ixs, &[&mint]).await?;
        Ok(Deployment::new(mint.pubkey(), spl_token::ID))
    }

    /// Creates the TMAI mint and runs `initialize` with the payer, the default upgrade authority,
    /// as admin; returns (deployment, admin).
    pub async fn deploy(&self, decimals: u8) -> Result<(Deployment, Keypair), LocalnetError> {
        let dep = self.create_tmai_mint(decimals).await?;
        let admin = self.payer.insecure_clone();
        self.send(&[dep.initialize(admin.pubkey())], &[&admin]).await?;
        Ok((dep, admin))
    }

    /// A new wallet with 1 SOL and `amount` TMAI base units in a fresh token account.
    pub async fn wallet(&self, dep: &Deployment, amount: u64) -> Result<Wallet, LocalnetError> {
        let kp = Keypair::new();
        self.airdrop(kp.pubkey(), 1_000_000_000).await?;
        let token = self.token_account(kp.pubkey(), dep.tmai_mint, amount).await?;
        Ok(Wallet { kp, token })
    }

    /// A token account of `mint` (SPL Token, mint authority = the payer) owned by `owner` at a new
    /// address, holding `amount` newly minted base units.
    pub async fn token_account(&self, owner: Pubkey, mint: Pubkey, amount: u64) -> Result<Pubkey, LocalnetError> {
        let acc = Keypair::new();
        let payer = self.payer.pubkey();
        let space = spl_token::state::Account::LEN;
        let rent = self.rpc.get_minimum_balance_for_rent_exemption(space).await?;
        let mut ixs = vec![
            system_instruction::create_account(&payer, &acc.pubkey(), rent, space as u64, &spl_token::ID),
            spl_token::instruction::initialize_account3(&spl_token::ID, &acc.pubkey(), &mint, &owner)
                .map_err(ix_err)?,
        ];
        if amount > 0 {
            ixs.push(mint_to(&mint, &acc.pubkey(), &payer, amount)?);
        }
        self.send(&ixs, &[&acc]).await?;
        Ok(acc.pubkey())
    }

    /// The associated token account of `owner` for `mint` (SPL Token), created if missing, with
    /// `amount` newly minted base units added (mint authority = the payer).
    pub async fn associated_token_account(
        &self,
        owner: Pubkey,
        mint: Pubkey,
        amount: u64,
    ) -> Result<Pubkey, LocalnetError> {
        use anchor_spl::associated_token::{get_associated_token_address, spl_associated_token_account};
        let payer = self.payer.pubkey();
        let ata = get_associated_token_address(&owner, &mint);
        let mut ixs = vec![spl_associated_token_account::instruction::create_associated_token_account_idempotent(
            &payer,
            &owner,
            &mint,
            &spl_token::ID,
        )];
        if amount > 0 {
            ixs.push(mint_to(&mint, &ata, &payer, amount)?);
        }
        self.send(&ixs, &[]).await?;
        Ok(ata)
    }

    /// Mints `amount` base units of `mint` (SPL Token, mint authority = the payer) to `account`.
    pub async fn mint_to(&self, mint: Pubkey, account: Pubkey, amount: u64) -> Result<Signature, LocalnetError> {
        self.send(&[mint_to(&mint, &account, &self.payer.pubkey(), amount)?], &[]).await
    }

    /// Every account owned by the program or by SPL Token, plus `extra` (e.g. wallets' system
    /// accounts): what [`LocalnetBuilder::accounts`] needs to bring the same state back in a new
    /// validator. Slots and transaction history are not carried over.
    pub async fn snapshot(&self, extra: &[Pubkey]) -> Result<Vec<(Pubkey, Account)>, LocalnetError> {
        let mut out = vec![];
        for owner in [vetmai::ID, spl_token::ID] {
            out.extend(self.rpc.get_program_accounts(&owner).await?);
        }
        for chunk in extra.chunks(100) {
            let accounts = self.rpc.get_multiple_accounts(chunk).await?;
            out.extend(chunk.iter().zip(accounts).filter_map(|(k, a)| Some((*k, a?))));
        }
        Ok(out)
    }

    /// The validator's current unix time: the `Clock` sysvar at `confirmed`.
    pub async fn now(&self) -> Result<i64, LocalnetError> {
        let clock = self.rpc.get_account(&CLOCK_SYSVAR).await?;
        // Clock = { slot u64, epoch_start_timestamp i64, epoch u64, leader_schedule_epoch u64, unix_timestamp i64 }
        let ts = clock
            .data
            .get(32..40)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .ok_or_else(|| LocalnetError::Instruction("clock sysvar too short".into()))?;
        Ok(i64::from_le_bytes(ts))
    }
}

fn ix_err(e: anchor_lang::solana_program::program_error::ProgramError) -> LocalnetError {
    LocalnetError::Instruction(e.to_string())
}

fn mint_to(mint: &Pubkey, to: &Pubkey, authority: &Pubkey, amount: u64) -> Result<Instruction, LocalnetError> {
    spl_token::instruction::mint_to(&spl_token::ID, mint, to, authority, &[], amount).map_err(ix_err)
}

/// A genesis account owned by the program holding `data` (rent-exempt lamports for its size).
pub fn program_account(data: Vec<u8>) -> GenesisAccount {
    // 6 960 lamports per byte-year × 2 years, over (128 + len) bytes: the rent-exempt minimum.
    let lamports = (128 + data.len() as u64) * 6_960;
    GenesisAccount { lamports, data, owner: vetmai::ID, executable: false, rent_epoch: 0 }
}
