//! The chain as the CLI sees it: account reads over JSON-RPC decoded with the program's own types,
//! pre-flight checks on that state, and transaction sending with failures decoded into the check
//! that failed.
use std::cell::OnceCell;
use std::path::PathBuf;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::AccountDeserialize;
use anchor_spl::associated_token::{get_associated_token_address_with_program_id, spl_associated_token_account};
use anchor_spl::token_interface::{Mint, TokenAccount};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_rpc_client::rpc_client::RpcClient;
use solana_rpc_client_api::client_error::{Error as ClientError, ErrorKind, TransactionError};
use solana_rpc_client_api::request::{RpcError, RpcResponseErrorData};
use solana_signer::Signer;
use solana_transaction_4::{InstructionError, Transaction};
use vetmai::state::{Config, Dao, Position, Proposal, RewardHistory, RewardPool, SaleRound, Staker};
use vetmai_client::ix::{Deployment, PoolRef};
use vetmai_client::{pda, view};

use crate::error::{CliError, ProgramFailure, Result};
use crate::parse::Ref;

/// The `Clock` sysvar.
const CLOCK_SYSVAR: Pubkey = anchor_lang::prelude::pubkey!("SysvarC1ock11111111111111111111111111111111");
/// Largest serialized transaction the network accepts (bytes).
const PACKET_DATA_SIZE: usize = 1232;
/// `getMultipleAccounts` takes at most 100 keys.
const MULTIPLE_ACCOUNTS_MAX: usize = 100;

/// One instruction of a transaction, with the name errors refer to it by.
pub struct Step {
    pub label: &'static str,
    pub ix: Instruction,
}

pub fn step(label: &'static str, ix: Instruction) -> Step {
    Step { label, ix }
}

/// A mint's decimals and the token program that owns it.
#[derive(Debug, Clone, Copy)]
pub struct MintInfo {
    pub address: Pubkey,
    pub decimals: u8,
    pub token_program: Pubkey,
}

impl MintInfo {
    pub fn pool_ref(&self) -> PoolRef {
        PoolRef { mint: self.address, token_program: self.token_program }
    }
}

/// A reward pool with its mint.
pub struct PoolState {
    pub address: Pubkey,
    pub pool: RewardPool,
    pub mint: MintInfo,
}

pub struct Ctx {
    pub url: String,
    pub rpc: RpcClient,
    keypair_path: PathBuf,
    keypair: OnceCell<Keypair>,
}

impl Ctx {
    pub fn new(url: String, commitment: CommitmentConfig, keypair_path: PathBuf) -> Self {
        let rpc = RpcClient::new_with_commitment(url.clone(), commitment);
        Ctx { url, rpc, keypair_path, keypair: OnceCell::new() }
    }

    /// The signing keypair, read from the keypair file on first use.
    pub fn keypair(&self) -> Result<&Keypair> {
        if let Some(k) = self.keypair.get() {
            return Ok(k);
        }
        let kp = solana_keypair::read_keypair_file(&self.keypair_path).map_err(|e| {
            CliError::Input(format!(
                "cannot read the keypair file {}: {e} (pass -k/--keypair or set VETMAI_KEYPAIR)",
                self.keypair_path.display()
            ))
        })?;
        Ok(self.keypair.get_or_init(|| kp))
    }

    pub fn signer(&self) -> Result<Pubkey> {
        Ok(self.keypair()?.pubkey())
    }

    fn rpc_error(&self, e: ClientError) -> CliError {
        CliError::Rpc { url: self.url.clone(), message: e.to_string() }
    }

    pub fn account(&self, key: &Pubkey) -> Result<Option<solana_account_4::Account>> {
        let r = self.rpc.get_account_with_commitment(key, self.rpc.commitment()).map_err(|e| self.rpc_error(e))?;
        Ok(r.value)
    }

    pub fn accounts(&self, keys: &[Pubkey]) -> Result<Vec<Option<solana_account_4::Account>>> {
        let mut out = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(MULTIPLE_ACCOUNTS_MAX) {
            let r = self
                .rpc
                .get_multiple_accounts_with_commitment(chunk, self.rpc.commitment())
                .map_err(|e| self.rpc_error(e))?;
            out.extend(r.value);
        }
        Ok(out)
    }

    /// The cluster's current unix time (the `Clock` sysvar), which the program's checks use.
    pub fn now(&self) -> Result<i64> {
        let clock = self
            .account(&CLOCK_SYSVAR)?
            .ok_or_else(|| CliError::Rpc { url: self.url.clone(), message: "the Clock sysvar is missing".into() })?;
        // Clock = { slot u64, epoch_start_timestamp i64, epoch u64, leader_schedule_epoch u64, unix_timestamp i64 }
        let ts = clock
            .data
            .get(32..40)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .ok_or_else(|| CliError::Rpc { url: self.url.clone(), message: "the Clock sysvar is too short".into() })?;
        Ok(i64::from_le_bytes(ts))
    }

    /// Decodes a program-owned account, if it exists.
    pub fn program_account<T: AccountDeserialize>(&self, key: &Pubkey) -> Result<Option<T>> {
        match self.account(key)? {
            Some(a) => decode_owned(key, &a.owner, &a.data).map(Some),
            None => Ok(None),
        }
    }

    pub fn config(&self) -> Result<Config> {
        self.program_account(&pda::config())?.ok_or_else(|| {
            CliError::preflight(
                "config_missing",
                format!(
                    "the veTMAI program is not initialized on {} (no config account at {}); \
                     an admin runs `vetmai init --mint <TMAI mint>` first",
                    self.url,
                    pda::config()
                ),
            )
        })
    }

    pub fn deployment(&self) -> Result<(Config, Deployment)> {
        let c = self.config()?;
        let d = Deployment::from_config(&c);
        Ok((c, d))
    }

    pub fn dao(&self) -> Result<Dao> {
        self.program_account(&pda::dao())?.ok_or_else(|| {
            CliError::preflight(
                "dao_missing",
                format!("the DAO is not set up (no account at {}); the admin runs `vetmai dao init` first", pda::dao()),
            )
        })
    }

    pub fn staker(&self, owner: &Pubkey) -> Result<Option<Staker>> {
        self.program_account(&pda::staker(owner))
    }

    /// Every open position of `owner`, by index (closed ones are skipped).
    pub fn positions(&self, owner: &Pubkey, staker: Option<&Staker>) -> Result<Vec<(Pubkey, Position)>> {
        let Some(staker) = staker else { return Ok(vec![]) };
        let keys: Vec<Pubkey> = (0..staker.next_index).map(|i| pda::position(owner, i)).collect();
        let mut out = vec![];
        for (key, acc) in keys.iter().zip(self.accounts(&keys)?) {
            if let Some(a) = acc {
                out.push((*key, decode_owned(key, &a.owner, &a.data)?));
            }
        }
        Ok(out)
    }

    /// A position named by index (of `owner`) or address, checked to exist and belong to `owner`.
    pub fn position(&self, owner: &Pubkey, r: Ref) -> Result<(Pubkey, Position)> {
        let key = match r {
            Ref::Index(i) => pda::position(owner, i),
            Ref::Address(k) => k,
        };
        let shown = match r {
            Ref::Index(i) => format!("position {i} of {owner} ({key})"),
            Ref::Address(k) => format!("position {k}"),
        };
        let p: Position = self.program_account(&key)?.ok_or_else(|| {
            CliError::preflight(
                "no_such_position",
                format!(
                    "no such position: {shown} does not exist (never created, or withdrawn); `vetmai show` lists yours"
                ),
            )
        })?;
        if p.owner != *owner {
            return Err(CliError::preflight(
                "not_position_owner",
                format!("not the owner: position {key} belongs to {}, not to the signer {owner}", p.owner),
            ));
        }
        Ok((key, p))
    }

    pub fn mint(&self, mint: &Pubkey) -> Result<MintInfo> {
        let a = self
            .account(mint)?
            .ok_or_else(|| CliError::preflight("no_such_mint", format!("no such mint: {mint} does not exist")))?;
        let m = Mint::try_deserialize_unchecked(&mut &a.data[..]).map_err(|_| {
            CliError::preflight("no_such_mint", format!("{mint} is not a token mint (owner {})", a.owner))
        })?;
        Ok(MintInfo { address: *mint, decimals: m.decimals, token_program: a.owner })
    }

    /// The registered reward pools, in registration order, with their mints.
    pub fn pools(&self, config: &Config) -> Result<Vec<PoolState>> {
        let keys = config.pools().to_vec();
        let mut out = vec![];
        for (key, acc) in keys.iter().zip(self.accounts(&keys)?) {
            let a = acc.ok_or_else(|| CliError::Rpc {
                url: self.url.clone(),
                message: format!("registered reward pool {key} is missing"),
            })?;
            let pool: RewardPool = decode_owned(key, &a.owner, &a.data)?;
            let mint = self.mint(&pool.mint)?;
            out.push(PoolState { address: *key, pool, mint });
        }
        Ok(out)
    }

    /// The stored history chunks of a pool.
    pub fn histories(&self, pool_key: &Pubkey, pool: &RewardPool) -> Result<Vec<RewardHistory>> {
        let keys: Vec<Pubkey> = (0..pool.history_chunks).map(|c| pda::reward_history(pool_key, c)).collect();
        let mut out = vec![];
        for (key, acc) in keys.iter().zip(self.accounts(&keys)?) {
            if let Some(a) = acc {
                let h = vetmai_client::decode::decode_history(&a.data)
                    .map_err(|e| CliError::Rpc { url: self.url.clone(), message: format!("account {key}: {e}") })?;
                out.push(*h);
            }
        }
        Ok(out)
    }

    pub fn proposal(&self, r: Ref) -> Result<(Pubkey, Proposal)> {
        self.numbered(r, pda::proposal, "no_such_proposal", "proposal", "vetmai proposals")
    }

    pub fn round(&self, r: Ref) -> Result<(Pubkey, SaleRound)> {
        self.numbered(r, pda::round, "no_such_round", "sale round", "vetmai sale list")
    }

    /// A program account named by its number (the PDA `address_of(i)`) or its address; a missing
    /// one fails the pre-flight check `check`, pointing at the command `lists` that lists them.
    fn numbered<T: AccountDeserialize>(
        &self,
        r: Ref,
        address_of: fn(u64) -> Pubkey,
        check: &'static str,
        what: &str,
        lists: &str,
    ) -> Result<(Pubkey, T)> {
        let key = match r {
            Ref::Index(i) => address_of(i),
            Ref::Address(k) => k,
        };
        let account = self.program_account(&key)?.ok_or_else(|| {
            CliError::preflight(check, format!("no such {what}: {key} does not exist; `{lists}` lists them"))
        })?;
        Ok((key, account))
    }

    pub fn token_account(&self, key: &Pubkey) -> Result<Option<TokenAccount>> {
        match self.account(key)? {
            Some(a) => Ok(TokenAccount::try_deserialize_unchecked(&mut &a.data[..]).ok()),
            None => Ok(None),
        }
    }

    /// The token account tokens are taken from: `from`, or the owner's associated token account,
    /// checked to hold `amount` of `mint` (`insufficient_balance` otherwise).
    pub fn funded_source(
        &self,
        owner: &Pubkey,
        mint: &MintInfo,
        from: Option<Pubkey>,
        amount: u64,
        symbol: &str,
    ) -> Result<Pubkey> {
        let key = from.unwrap_or_else(|| ata(owner, mint));
        let needed = vetmai_client::format_amount(u128::from(amount), mint.decimals);
        let Some(t) = self.token_account(&key)? else {
            return Err(CliError::preflight(
                "insufficient_balance",
                format!(
                    "insufficient balance: {owner} has no {symbol} token account at {key} (mint {}); {needed} {symbol} needed",
                    mint.address
                ),
            ));
        };
        if t.mint != mint.address {
            return Err(CliError::preflight(
                "wrong_token_account",
                format!("token account {key} holds mint {}, not {symbol} ({})", t.mint, mint.address),
            ));
        }
        if t.owner != *owner {
            return Err(CliError::preflight(
                "wrong_token_account",
                format!("token account {key} belongs to {}, not to the signer {owner}", t.owner),
            ));
        }
        if t.amount < amount {
            return Err(CliError::preflight(
                "insufficient_balance",
                format!(
                    "insufficient balance: token account {key} holds {} {symbol}, {needed} {symbol} needed",
                    vetmai_client::format_amount(u128::from(t.amount), mint.decimals)
                ),
            ));
        }
        Ok(key)
    }

    /// `crank_pool` for every pool that has an epoch boundary to record (lock operations and
    /// claims fail with `PoolNeedsCrank` otherwise).
    pub fn cranks(&self, dep: &Deployment, pools: &[PoolState], now: i64) -> Vec<Step> {
        pools
            .iter()
            .filter(|p| view::pool_needs_crank(&p.pool, now))
            .filter_map(|p| {
                let chunks = view::crank_history_chunks(&p.pool, now)?;
                Some(step("crank_pool", dep.crank_pool(p.mint.pool_ref(), chunks)))
            })
            .collect()
    }

    /// Sends `setup` and `main` in one transaction, or `setup` first when both do not fit in one.
    /// Returns the signature of the transaction holding `main`.
    pub fn send(&self, setup: Vec<Step>, main: Vec<Step>) -> Result<String> {
        let kp = self.keypair()?;
        let all: Vec<&Step> = setup.iter().chain(main.iter()).collect();
        if setup.is_empty() || tx_size(&all, &kp.pubkey()) <= PACKET_DATA_SIZE {
            return self.send_one(&all);
        }
        self.send_one(&setup.iter().collect::<Vec<_>>())?;
        self.send_one(&main.iter().collect::<Vec<_>>())
    }

    fn send_one(&self, steps: &[&Step]) -> Result<String> {
        let kp = self.keypair()?;
        let ixs: Vec<Instruction> = steps.iter().map(|s| s.ix.clone()).collect();
        let bh = self.rpc.get_latest_blockhash().map_err(|e| self.rpc_error(e))?;
        let tx = Transaction::new_signed_with_payer(&ixs, Some(&kp.pubkey()), &[kp], bh);
        match self.rpc.send_and_confirm_transaction(&tx) {
            Ok(sig) => Ok(sig.to_string()),
            Err(e) => Err(self.transaction_error(e, steps, &kp.pubkey())),
        }
    }

    fn transaction_error(&self, e: ClientError, steps: &[&Step], payer: &Pubkey) -> CliError {
        let logs = match e.kind() {
            ErrorKind::RpcError(RpcError::RpcResponseError {
                data: RpcResponseErrorData::SendTransactionPreflightFailure(r),
                ..
            }) => r.logs.clone().unwrap_or_default(),
            _ => vec![],
        };
        match e.get_transaction_error() {
            Some(TransactionError::InstructionError(i, ie)) => {
                let s = steps.get(usize::from(i));
                let label = s.map_or("instruction", |s| s.label).to_string();
                let program = s.map(|s| s.ix.program_id);
                instruction_error(i, label, program, ie, logs)
            }
            Some(TransactionError::AccountNotFound) => CliError::Transaction {
                check: "AccountNotFound".into(),
                message: format!("the fee payer {payer} has no SOL on {} (fund it first)", self.url),
                logs,
            },
            Some(TransactionError::InsufficientFundsForFee) => CliError::Transaction {
                check: "InsufficientFundsForFee".into(),
                message: format!("the fee payer {payer} has too little SOL for the fee"),
                logs,
            },
            Some(other) => CliError::Transaction { check: variant_name(&other), message: other.to_string(), logs },
            None => self.rpc_error(e),
        }
    }
}

/// Decodes a failed instruction into the check that failed.
fn instruction_error(
    i: u8,
    label: String,
    program: Option<Pubkey>,
    ie: InstructionError,
    logs: Vec<String>,
) -> CliError {
    let token_programs = [anchor_spl::token::ID, anchor_spl::token_2022::ID];
    match ie {
        InstructionError::Custom(code) => {
            let decoded = match program {
                Some(p) if p == vetmai::ID => vetmai_client::decode_program_error(code),
                Some(p) if token_programs.contains(&p) => vetmai_client::errors::decode_token_error(code),
                _ => None,
            };
            let (check, detail) = match &decoded {
                Some(d) if d.source == vetmai_client::ErrorSource::Token && program == Some(vetmai::ID) => (
                    d.name.clone(),
                    format!("a token transfer it made failed: SPL Token {} ({}): {}", d.name, d.code, d.message),
                ),
                Some(d) => (d.name.clone(), d.to_string()),
                None => (format!("Custom({code})"), format!("custom program error {code} (0x{code:x})")),
            };
            CliError::Program(Box::new(ProgramFailure {
                instruction: i,
                instruction_name: label,
                decoded,
                detail,
                check,
                logs,
            }))
        }
        other => CliError::Program(Box::new(ProgramFailure {
            instruction: i,
            instruction_name: label,
            decoded: None,
            check: variant_name(&other),
            detail: other.to_string(),
            logs,
        })),
    }
}

/// `Foo(..)` / `Foo { .. }` / `Foo` → `Foo`.
fn variant_name(e: &impl std::fmt::Debug) -> String {
    let d = format!("{e:?}");
    d.split(|c: char| !c.is_alphanumeric() && c != '_').next().unwrap_or_default().to_string()
}

fn tx_size(steps: &[&Step], payer: &Pubkey) -> usize {
    let ixs: Vec<Instruction> = steps.iter().map(|s| s.ix.clone()).collect();
    let msg = solana_transaction_4::Message::new(&ixs, Some(payer));
    let sigs = usize::from(msg.header.num_required_signatures);
    // compact-u16 signature count (1 byte below 128) + signatures + message.
    1 + 64 * sigs + msg.serialize().len()
}

/// Decodes program-owned account data, checking the owner.
pub fn decode_owned<T: AccountDeserialize>(key: &Pubkey, owner: &Pubkey, data: &[u8]) -> Result<T> {
    if *owner != vetmai::ID {
        return Err(CliError::preflight(
            "not_a_program_account",
            format!("account {key} is owned by {owner}, not by the veTMAI program {}", vetmai::ID),
        ));
    }
    T::try_deserialize(&mut &data[..]).map_err(|e| {
        CliError::preflight("not_a_program_account", format!("account {key} is not the expected veTMAI account: {e}"))
    })
}

/// The associated token account of `owner` for a mint.
pub fn ata(owner: &Pubkey, mint: &MintInfo) -> Pubkey {
    get_associated_token_address_with_program_id(owner, &mint.address, &mint.token_program)
}

/// Creates `owner`'s associated token account of `mint` if missing (paid by `payer`; idempotent).
pub fn create_ata(payer: &Pubkey, owner: &Pubkey, mint: &MintInfo) -> Step {
    step(
        "create_associated_token_account",
        spl_associated_token_account::instruction::create_associated_token_account_idempotent(
            payer,
            owner,
            &mint.address,
            &mint.token_program,
        ),
    )
}
