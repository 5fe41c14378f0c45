//! `lock create | extend | increase | unlock | withdraw | exit`.
use anchor_lang::prelude::Pubkey;
use clap::Subcommand;
use serde_json::json;
use vetmai::state::{LockKind, Position};
use vetmai::ExitRewards;
use vetmai_client::ix::{PoolRef, WithdrawPayout};
use vetmai_client::{format_amount, parse_amount, pda, view};

use super::opt_pubkey;
use crate::chain::{ata, create_ata, step, Ctx};
use crate::cmd::show::{position_json, position_line};
use crate::error::{CliError, Result};
use crate::out::{amount_json, time, Report};
use crate::parse;

#[derive(Subcommand)]
pub enum LockCmd {
    /// Lock TMAI in a new position, e.g. `lock create 20000 12mo`
    Create {
        /// TMAI to lock, e.g. 20000 or 1.5
        amount: String,
        /// Lock duration: 12mo, 52w, 30d or seconds (7 days to 12 months by default)
        duration: Option<String>,
        /// Lock duration in months (12 = the 365-day maximum), instead of DURATION
        #[arg(long, conflicts_with = "duration")]
        months: Option<u64>,
        /// A constant lock: never counts down until `lock unlock`
        #[arg(long)]
        constant: bool,
        /// TMAI token account to take the tokens from (default: the wallet's associated account)
        #[arg(long, value_name = "TOKEN_ACCOUNT")]
        from: Option<String>,
    },
    /// Re-commit a position to a longer lock from now (and re-score it); re-locks an ended one
    Extend {
        /// Position number (see `show`) or address
        position: String,
        /// The new duration from now: 12mo, 52w, 30d or seconds
        duration: String,
    },
    /// Add TMAI to a locked position
    Increase {
        /// Position number (see `show`) or address
        position: String,
        /// TMAI to add, e.g. 500
        amount: String,
        /// TMAI token account to take the tokens from (default: the wallet's associated account)
        #[arg(long, value_name = "TOKEN_ACCOUNT")]
        from: Option<String>,
    },
    /// Start the countdown of a constant lock (it then ends its duration from now)
    Unlock {
        /// Position number (see `show`) or address
        position: String,
    },
    /// Withdraw an ended lock: the TMAI and every pool's rewards are paid out, the position closes
    Withdraw {
        /// Position number (see `show`) or address
        position: String,
    },
    /// Take an ended lock's TMAI back without paying its rewards (when a reward vault cannot pay,
    /// e.g. a frozen mint): what is owed stays claimable with `claim`, or is given back to the
    /// pools with `--forfeit`
    Exit {
        /// Position number (see `show`) or address
        position: String,
        /// Give the owed rewards back to each pool's stream instead of keeping them claimable
        #[arg(long)]
        forfeit: bool,
    },
}

pub fn run(ctx: &Ctx, c: LockCmd) -> Result<Report> {
    match c {
        LockCmd::Create { amount, duration, months, constant, from } => {
            let duration = match (duration, months) {
                (Some(d), _) => parse::duration(&d)?,
                (None, Some(m)) => parse::duration(&format!("{m}mo"))?,
                (None, None) => {
                    return Err(CliError::Input("give the lock duration, e.g. `12mo`, `52w`, or `--months 12`".into()))
                }
            };
            create(ctx, &amount, duration, constant, &from)
        }
        LockCmd::Extend { position, duration } => extend(ctx, &position, parse::duration(&duration)?),
        LockCmd::Increase { position, amount, from } => increase(ctx, &position, &amount, &from),
        LockCmd::Unlock { position } => unlock(ctx, &position),
        LockCmd::Withdraw { position } => withdraw(ctx, &position),
        LockCmd::Exit { position, forfeit } => exit(ctx, &position, forfeit),
    }
}

/// The position after a change, as a report.
fn changed(ctx: &Ctx, what: String, key: &Pubkey, decimals: u8, sig: String) -> Result<Report> {
    let p: Position = ctx.program_account(key)?.ok_or_else(|| CliError::Rpc {
        url: ctx.url.clone(),
        message: format!("position {key} is not visible after the transaction"),
    })?;
    let now = ctx.now()?;
    let mut j = position_json(key, &p, decimals, now);
    j["signature"] = json!(sig);
    Ok(Report::new(j, format!("{what}\n  {}\nSignature: {sig}", position_line(key, &p, decimals, now))))
}

fn create(ctx: &Ctx, amount: &str, duration: u64, constant: bool, from: &Option<String>) -> Result<Report> {
    let owner = ctx.signer()?;
    let (config, dep) = ctx.deployment()?;
    let tmai = ctx.mint(&config.tmai_mint)?;
    let amount = parse_amount(amount, tmai.decimals)?;
    let source = ctx.funded_source(&owner, &tmai, opt_pubkey(from, "token account")?, amount, "TMAI")?;
    let index = ctx.staker(&owner)?.map_or(0, |s| s.next_index);
    let now = ctx.now()?;
    let pools = ctx.pools(&config)?;
    let kind = if constant { LockKind::Constant } else { LockKind::Fixed };
    let ix = dep.create_lock(owner, source, index, amount, duration, kind);
    let sig = ctx.send(ctx.cranks(&dep, &pools, now), vec![step("create_lock", ix)])?;
    let key = pda::position(&owner, index);
    let what = format!(
        "Locked {} TMAI for {} in position {index} ({})",
        format_amount(u128::from(amount), tmai.decimals),
        parse::human_duration(duration),
        if constant { "constant" } else { "fixed" }
    );
    changed(ctx, what, &key, tmai.decimals, sig)
}

fn extend(ctx: &Ctx, position: &str, duration: u64) -> Result<Report> {
    let owner = ctx.signer()?;
    let (config, dep) = ctx.deployment()?;
    let (key, _) = ctx.position(&owner, parse::reference(position, "position")?)?;
    let now = ctx.now()?;
    let pools = ctx.pools(&config)?;
    let sig =
        ctx.send(ctx.cranks(&dep, &pools, now), vec![step("extend_lock", dep.extend_lock(owner, key, duration))])?;
    changed(
        ctx,
        format!("Extended position {key} to {} from now", parse::human_duration(duration)),
        &key,
        config.tmai_decimals,
        sig,
    )
}

fn increase(ctx: &Ctx, position: &str, amount: &str, from: &Option<String>) -> Result<Report> {
    let owner = ctx.signer()?;
    let (config, dep) = ctx.deployment()?;
    let (key, _) = ctx.position(&owner, parse::reference(position, "position")?)?;
    let tmai = ctx.mint(&config.tmai_mint)?;
    let amount = parse_amount(amount, tmai.decimals)?;
    let source = ctx.funded_source(&owner, &tmai, opt_pubkey(from, "token account")?, amount, "TMAI")?;
    let now = ctx.now()?;
    let pools = ctx.pools(&config)?;
    let ix = dep.increase_amount(owner, source, key, amount);
    let sig = ctx.send(ctx.cranks(&dep, &pools, now), vec![step("increase_amount", ix)])?;
    let what = format!("Added {} TMAI to position {key}", format_amount(u128::from(amount), tmai.decimals));
    changed(ctx, what, &key, tmai.decimals, sig)
}

fn unlock(ctx: &Ctx, position: &str) -> Result<Report> {
    let owner = ctx.signer()?;
    let (config, dep) = ctx.deployment()?;
    let (key, _) = ctx.position(&owner, parse::reference(position, "position")?)?;
    let now = ctx.now()?;
    let pools = ctx.pools(&config)?;
    let sig = ctx.send(ctx.cranks(&dep, &pools, now), vec![step("begin_unlock", dep.begin_unlock(owner, key))])?;
    changed(ctx, format!("Position {key} is counting down"), &key, config.tmai_decimals, sig)
}

fn withdraw(ctx: &Ctx, position: &str) -> Result<Report> {
    let owner = ctx.signer()?;
    let (config, dep) = ctx.deployment()?;
    let (key, p) = ctx.position(&owner, parse::reference(position, "position")?)?;
    let now = ctx.now()?;
    let d = config.tmai_decimals;
    ensure_ended(&p, now)?;
    let tmai = ctx.mint(&config.tmai_mint)?;
    let pools = ctx.pools(&config)?;
    let mut setup = vec![create_ata(&owner, &owner, &tmai)];
    let mut payouts = vec![];
    let mut rewards = vec![];
    let mut reward_txt = vec![];
    for ps in &pools {
        setup.push(create_ata(&owner, &owner, &ps.mint));
        let histories = ctx.histories(&ps.address, &ps.pool)?;
        let owed = view::pending_rewards(&ps.pool, &p, &histories, now).unwrap_or(0);
        payouts.push(WithdrawPayout {
            pool: PoolRef { mint: ps.mint.address, token_program: ps.mint.token_program },
            history_chunk: view::claim_history_chunk(&ps.pool, &p, now).unwrap_or(0),
            destination: ata(&owner, &ps.mint),
        });
        rewards.push(json!({
            "pool": ps.address.to_string(),
            "mint": ps.mint.address.to_string(),
            "amount": amount_json(u128::from(owed), ps.mint.decimals),
        }));
        reward_txt.push(format!("{} of mint {}", format_amount(u128::from(owed), ps.mint.decimals), ps.mint.address));
    }
    setup.extend(ctx.cranks(&dep, &pools, now));
    let ix = dep.withdraw_paying(owner, ata(&owner, &tmai), key, &payouts);
    let sig = ctx.send(setup, vec![step("withdraw", ix)])?;
    let mut h = format!(
        "Withdrew position {} ({key}): {} TMAI back to {}",
        p.index,
        format_amount(u128::from(p.amount), d),
        ata(&owner, &tmai)
    );
    if !reward_txt.is_empty() {
        h.push_str(&format!("\n  rewards paid: {}", reward_txt.join(", ")));
    }
    h.push_str(&format!("\nSignature: {sig}"));
    Ok(Report::new(
        json!({
            "signature": sig,
            "position": key.to_string(),
            "index": p.index,
            "amount": amount_json(u128::from(p.amount), d),
            "rewards": rewards,
        }),
        h,
    ))
}

/// Refuses, before sending, a position that cannot be withdrawn or exited yet.
fn ensure_ended(p: &Position, now: i64) -> Result<()> {
    match p.kind {
        LockKind::Constant => Err(CliError::preflight(
            "constant_not_unlocking",
            format!(
                "position {} is a constant lock: run `vetmai lock unlock {}` first; it can be withdrawn {} later",
                p.index,
                p.index,
                parse::human_duration(p.duration)
            ),
        )),
        LockKind::Fixed if p.end > now => Err(CliError::preflight(
            "position_locked",
            format!(
                "position {} is locked until {} ({} from now)",
                p.index,
                time(p.end),
                parse::human_duration((p.end - now) as u64)
            ),
        )),
        LockKind::Fixed => Ok(()),
    }
}

/// `exit_lock`: the TMAI back, rewards kept claimable (or forfeited); no reward vault is touched.
fn exit(ctx: &Ctx, position: &str, forfeit: bool) -> Result<Report> {
    let owner = ctx.signer()?;
    let (config, dep) = ctx.deployment()?;
    let (key, p) = ctx.position(&owner, parse::reference(position, "position")?)?;
    let now = ctx.now()?;
    let d = config.tmai_decimals;
    ensure_ended(&p, now)?;
    if p.amount == 0 {
        return Err(CliError::preflight(
            "position_empty",
            format!(
                "position {} holds no TMAI (already exited): claim its rewards, then `lock withdraw` closes it",
                p.index
            ),
        ));
    }
    let tmai = ctx.mint(&config.tmai_mint)?;
    let pools = ctx.pools(&config)?;
    let mut setup = vec![create_ata(&owner, &owner, &tmai)];
    setup.extend(ctx.cranks(&dep, &pools, now));
    let chunks: Vec<u64> = pools.iter().map(|ps| view::claim_history_chunk(&ps.pool, &p, now).unwrap_or(0)).collect();
    let mode = if forfeit { ExitRewards::Forfeit } else { ExitRewards::Keep };
    let ix = dep.exit_lock(owner, ata(&owner, &tmai), key, mode, &chunks);
    let sig = ctx.send(setup, vec![step("exit_lock", ix)])?;
    let closed = ctx.account(&key)?.is_none();
    let rewards = match (forfeit, closed) {
        (true, _) => "its rewards were given back to the pools",
        (false, true) => "nothing was owed; the position is closed",
        (false, false) => "its rewards stay claimable: `vetmai claim` them, then `vetmai lock withdraw` closes it",
    };
    Ok(Report::new(
        json!({
            "signature": sig,
            "position": key.to_string(),
            "index": p.index,
            "amount": amount_json(u128::from(p.amount), d),
            "rewards": if forfeit { "forfeited" } else { "kept" },
            "closed": closed,
        }),
        format!(
            "Exited position {} ({key}): {} TMAI back to {}; {rewards}\nSignature: {sig}",
            p.index,
            format_amount(u128::from(p.amount), d),
            ata(&owner, &tmai)
        ),
    ))
}
