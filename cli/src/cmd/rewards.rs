//! `claim`, `pool create | crank`, `deposit`.
use anchor_lang::prelude::Pubkey;
use clap::{Args, Subcommand};
use serde_json::json;
use vetmai::state::Config;
use vetmai::ClaimMode;
use vetmai_client::ix::ClaimAccounts;
use vetmai_client::{format_amount, parse_amount, pda, view};

use super::opt_pubkey;
use crate::chain::{ata, create_ata, step, Ctx, PoolState};
use crate::error::{CliError, Result};
use crate::out::{amount_json, time, Report};
use crate::parse;

#[derive(Args)]
pub struct ClaimArgs {
    /// Position number (see `show`) or address
    pub position: String,
    /// Only this pool: its reward mint, its address or its index (default: every pool; with
    /// --reinvest, the TMAI pool)
    #[arg(long)]
    pub pool: Option<String>,
    /// Lock the rewards instead of paying them out (TMAI rewards only), scored like `lock increase`
    #[arg(long)]
    pub reinvest: bool,
    /// With --reinvest: the position to lock the rewards into (default: the claiming one)
    #[arg(long, requires = "reinvest", value_name = "POSITION")]
    pub into: Option<String>,
}

/// The pool a `--pool` value names.
fn find_pool<'a>(pools: &'a [PoolState], sel: &str) -> Result<&'a PoolState> {
    let found = match sel.trim().parse::<u8>() {
        Ok(i) => pools.iter().find(|p| p.pool.index == i),
        Err(_) => {
            let k = parse::pubkey(sel, "pool")?;
            pools.iter().find(|p| p.mint.address == k || p.address == k)
        }
    };
    found.ok_or_else(|| {
        CliError::preflight(
            "no_reward_pool",
            format!(
                "no reward pool for `{sel}`: the deployment has {} pool(s); `vetmai config` lists them",
                pools.len()
            ),
        )
    })
}

pub fn claim(ctx: &Ctx, a: ClaimArgs) -> Result<Report> {
    let owner = ctx.signer()?;
    let (config, dep) = ctx.deployment()?;
    let (key, p) = ctx.position(&owner, parse::reference(&a.position, "position")?)?;
    let pools = ctx.pools(&config)?;
    if pools.is_empty() {
        return Err(CliError::preflight(
            "no_reward_pool",
            "no reward pools: nothing to claim (the admin creates one with `vetmai pool create`)",
        ));
    }
    let selected: Vec<&PoolState> = match (&a.pool, a.reinvest) {
        (Some(sel), _) => vec![find_pool(&pools, sel)?],
        (None, true) => vec![pools.iter().find(|ps| ps.mint.address == config.tmai_mint).ok_or_else(|| {
            CliError::preflight(
                "no_tmai_pool",
                format!(
                    "nothing to reinvest: no reward pool pays TMAI ({}); only TMAI rewards can be reinvested",
                    config.tmai_mint
                ),
            )
        })?],
        (None, false) => pools.iter().collect(),
    };
    let mode = if a.reinvest { ClaimMode::Reinvest } else { ClaimMode::Payout };
    let target = match &a.into {
        Some(t) => Some(ctx.position(&owner, parse::reference(t, "position")?)?.0),
        None => None,
    };
    let now = ctx.now()?;
    let mut setup = ctx.cranks(&dep, &pools, now);
    let mut main = vec![];
    let mut before = vec![];
    for ps in &selected {
        let destination = match mode {
            ClaimMode::Payout => {
                setup.insert(0, create_ata(&owner, &owner, &ps.mint));
                Some(ata(&owner, &ps.mint))
            }
            ClaimMode::Reinvest => None,
        };
        before.push(match destination {
            Some(d) => ctx.token_account(&d)?.map_or(0, |t| t.amount),
            None => reinvest_target_amount(ctx, target.unwrap_or(key))?,
        });
        let c = ClaimAccounts {
            pool: ps.mint.pool_ref(),
            pool_index: ps.pool.index,
            destination,
            target,
            history_chunk: view::claim_history_chunk(&ps.pool, &p, now),
        };
        main.push(step("claim_rewards", dep.claim_rewards(owner, key, mode, &c)));
    }
    let sig = ctx.send(setup, main)?;
    let mut claimed = vec![];
    let mut lines = vec![];
    for (ps, b) in selected.iter().zip(before) {
        let after = match mode {
            ClaimMode::Payout => ctx.token_account(&ata(&owner, &ps.mint))?.map_or(0, |t| t.amount),
            ClaimMode::Reinvest => reinvest_target_amount(ctx, target.unwrap_or(key))?,
        };
        let got = after.saturating_sub(b);
        claimed.push(json!({
            "pool": ps.address.to_string(),
            "mint": ps.mint.address.to_string(),
            "amount": amount_json(u128::from(got), ps.mint.decimals),
        }));
        lines.push(format!(
            "  {} of mint {} (pool {})",
            format_amount(u128::from(got), ps.mint.decimals),
            ps.mint.address,
            ps.pool.index
        ));
    }
    let verb = match mode {
        ClaimMode::Payout => "Claimed".to_string(),
        ClaimMode::Reinvest => format!("Reinvested into position {}", target.unwrap_or(key)),
    };
    Ok(Report::new(
        json!({
            "signature": sig,
            "position": key.to_string(),
            "mode": if a.reinvest { "reinvest" } else { "payout" },
            "into": a.reinvest.then(|| target.unwrap_or(key).to_string()),
            "claimed": claimed,
        }),
        format!("{verb}:\n{}\nSignature: {sig}", lines.join("\n")),
    ))
}

fn reinvest_target_amount(ctx: &Ctx, key: Pubkey) -> Result<u64> {
    let p: Option<vetmai::state::Position> = ctx.program_account(&key)?;
    Ok(p.map_or(0, |p| p.amount))
}

#[derive(Subcommand)]
pub enum PoolCmd {
    /// Register a reward pool for a mint (admin; at most four)
    Create {
        /// The reward mint, e.g. USDC or TMAI
        #[arg(long)]
        mint: String,
    },
    /// Bring a pool forward, recording the epoch boundaries passed (anyone; other commands do
    /// this themselves when needed)
    Crank {
        /// The pool's reward mint
        #[arg(long)]
        mint: String,
    },
}

fn registered<'a>(config: &Config, pools: &'a [PoolState], mint: &Pubkey) -> Result<&'a PoolState> {
    pools.iter().find(|p| p.mint.address == *mint).ok_or_else(|| {
        CliError::preflight(
            "no_reward_pool",
            format!(
                "no reward pool for mint {mint} (the deployment has {} of 4); the admin creates it with `vetmai pool create --mint {mint}`",
                config.reward_pool_count
            ),
        )
    })
}

pub fn pool(ctx: &Ctx, c: PoolCmd) -> Result<Report> {
    match c {
        PoolCmd::Create { mint } => {
            let admin = ctx.signer()?;
            let mint = parse::pubkey(&mint, "mint")?;
            let (_, dep) = ctx.deployment()?;
            let m = ctx.mint(&mint)?;
            let address = pda::reward_pool(&mint);
            if ctx.account(&address)?.is_some() {
                return Err(CliError::preflight(
                    "pool_exists",
                    format!("a reward pool for mint {mint} already exists ({address})"),
                ));
            }
            let sig =
                ctx.send(vec![], vec![step("create_reward_pool", dep.create_reward_pool(admin, m.pool_ref()))])?;
            let pool: vetmai::state::RewardPool = ctx.program_account(&address)?.ok_or_else(|| CliError::Rpc {
                url: ctx.url.clone(),
                message: format!("pool {address} is not visible after the transaction"),
            })?;
            Ok(Report::new(
                json!({
                    "signature": sig,
                    "pool": address.to_string(),
                    "index": pool.index,
                    "mint": mint.to_string(),
                    "vault": pool.vault.to_string(),
                }),
                format!(
                    "Created reward pool {} for mint {mint}\n  pool   {address}\n  vault  {}\nSignature: {sig}",
                    pool.index, pool.vault
                ),
            ))
        }
        PoolCmd::Crank { mint } => {
            let mint = parse::pubkey(&mint, "mint")?;
            let (config, dep) = ctx.deployment()?;
            let pools = ctx.pools(&config)?;
            let ps = registered(&config, &pools, &mint)?;
            let now = ctx.now()?;
            let chunks = view::crank_history_chunks(&ps.pool, now)
                .ok_or_else(|| CliError::Input("the cluster clock is before 1970".into()))?;
            let sig = ctx.send(vec![], vec![step("crank_pool", dep.crank_pool(ps.mint.pool_ref(), chunks))])?;
            Ok(Report::new(
                json!({ "signature": sig, "pool": ps.address.to_string(), "mint": mint.to_string() }),
                format!("Cranked reward pool {} ({})\nSignature: {sig}", ps.pool.index, ps.address),
            ))
        }
    }
}

#[derive(Args)]
pub struct DepositArgs {
    /// Revenue to deposit, e.g. 100000 or 1.5 (in the reward mint's units)
    pub amount: String,
    /// The reward mint (its pool must exist)
    #[arg(long)]
    pub mint: String,
    /// Token account to take the revenue from (default: the signer's associated account)
    #[arg(long, value_name = "TOKEN_ACCOUNT")]
    pub from: Option<String>,
}

pub fn deposit(ctx: &Ctx, a: DepositArgs) -> Result<Report> {
    let authority = ctx.signer()?;
    let mint = parse::pubkey(&a.mint, "mint")?;
    let (config, dep) = ctx.deployment()?;
    let pools = ctx.pools(&config)?;
    let ps = registered(&config, &pools, &mint)?;
    let amount = parse_amount(&a.amount, ps.mint.decimals)?;
    let source =
        ctx.funded_source(&authority, &ps.mint, opt_pubkey(&a.from, "token account")?, amount, "reward token")?;
    let ix = dep.deposit_revenue(authority, ps.mint.pool_ref(), source, amount);
    let sig = ctx.send(vec![], vec![step("deposit_revenue", ix)])?;
    let pool: vetmai::state::RewardPool = ctx.program_account(&ps.address)?.ok_or_else(|| CliError::Rpc {
        url: ctx.url.clone(),
        message: format!("pool {} is not visible after the transaction", ps.address),
    })?;
    let d = ps.mint.decimals;
    Ok(Report::new(
        json!({
            "signature": sig,
            "pool": ps.address.to_string(),
            "mint": mint.to_string(),
            "amount": amount_json(u128::from(amount), d),
            "streaming": amount_json(u128::from(pool.stream.remaining), d),
            "stream_end": pool.stream.end,
            "total_deposited": amount_json(pool.total_deposited, d),
        }),
        format!(
            "Deposited {} into reward pool {} ({}); {} streaming to stakers until {}\nSignature: {sig}",
            format_amount(u128::from(amount), d),
            pool.index,
            ps.address,
            format_amount(u128::from(pool.stream.remaining), d),
            time(pool.stream.end)
        ),
    ))
}
