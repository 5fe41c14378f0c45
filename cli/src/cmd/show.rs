//! Read commands: `address`, `show` (a wallet), `config` (the deployment).
use anchor_lang::prelude::Pubkey;
use clap::Args;
use serde_json::{json, Value};
use vetmai::state::{LockKind, Position};
use vetmai_client::{format_amount, pda, view};

use crate::chain::{ata, Ctx, PoolState};
use crate::error::{CliError, Result};
use crate::out::{amount_json, multiplier, time, Report};
use crate::parse;

pub fn address(ctx: &Ctx) -> Result<Report> {
    let k = ctx.signer()?;
    Ok(Report::new(json!({ "address": k.to_string() }), k.to_string()))
}

#[derive(Args)]
pub struct ShowArgs {
    /// Wallet to show (default: the keypair's)
    pub wallet: Option<String>,
    /// Report guaranteed veTMAI through this long from now, e.g. 30d (default: through the end of
    /// the current calendar month, UTC — what the API bills on)
    #[arg(long, value_name = "DURATION")]
    pub through: Option<String>,
}

fn kind_name(k: LockKind) -> &'static str {
    match k {
        LockKind::Fixed => "fixed",
        LockKind::Constant => "constant",
    }
}

/// A position as JSON plus its one-line rendering.
pub fn position_json(key: &Pubkey, p: &Position, decimals: u8, now: i64) -> Value {
    let mult = if p.amount == 0 { 0 } else { p.score.saturating_mul(10_000) / u128::from(p.amount) };
    json!({
        "index": p.index,
        "address": key.to_string(),
        "kind": kind_name(p.kind),
        "amount": amount_json(u128::from(p.amount), decimals),
        "score": amount_json(p.score, decimals),
        "current_score": amount_json(view::position_score(p, now), decimals),
        "multiplier_bps": mult.to_string(),
        "duration": p.duration,
        "created_at": p.created_at,
        "end": if p.kind == LockKind::Constant { Value::Null } else { json!(p.end) },
        "locked": p.is_locked(now),
        "withdrawable": p.kind == LockKind::Fixed && p.end <= now,
        "auto_compound": p.auto_compound,
    })
}

pub fn position_line(key: &Pubkey, p: &Position, decimals: u8, now: i64) -> String {
    let mult = if p.amount == 0 { 0 } else { p.score.saturating_mul(10_000) / u128::from(p.amount) };
    let status = match p.kind {
        LockKind::Constant => "constant: never counts down until `lock unlock`".to_string(),
        LockKind::Fixed if p.end > now => format!("locked until {}", time(p.end)),
        LockKind::Fixed => format!("ended {} — withdrawable", time(p.end)),
    };
    format!(
        "#{} {key}  {} {} TMAI  score {} ({})  {}  {status}",
        p.index,
        kind_name(p.kind),
        format_amount(u128::from(p.amount), decimals),
        format_amount(p.score, decimals),
        multiplier(mult),
        parse::human_duration(p.duration),
    )
}

pub fn show(ctx: &Ctx, a: ShowArgs) -> Result<Report> {
    let wallet = match &a.wallet {
        Some(w) => parse::pubkey(w, "wallet")?,
        None => ctx.signer()?,
    };
    let config = ctx.config()?;
    let tmai = ctx.mint(&config.tmai_mint)?;
    let d = tmai.decimals;
    let now = ctx.now()?;
    let through = match &a.through {
        Some(t) => now.saturating_add(i64::try_from(parse::duration(t)?).unwrap_or(i64::MAX)),
        None => vetmai_math::time::next_month_start(now).unwrap_or(now),
    };
    let staker = ctx.staker(&wallet)?;
    let positions = ctx.positions(&wallet, staker.as_ref())?;
    let score = match &staker {
        Some(s) => view::wallet_score(&config, s, now, through)
            .ok_or_else(|| CliError::Rpc { url: ctx.url.clone(), message: "staker account figures overflow".into() })?,
        None => view::WalletScore { ve: 0, level: 0, guaranteed: 0, guaranteed_level: 0, through },
    };
    let balance = ctx.token_account(&ata(&wallet, &tmai))?.map_or(0, |t| t.amount);
    let pools = ctx.pools(&config)?;
    let mut histories = vec![];
    for p in &pools {
        histories.push(ctx.histories(&p.address, &p.pool)?);
    }
    let thresholds = &config.params.level_thresholds;
    let next = thresholds.get(usize::from(score.level)).map(|t| (score.level + 1, u128::from(*t)));
    let locked: u128 = positions.iter().map(|(_, p)| u128::from(p.amount)).sum();

    let mut pos_json = vec![];
    let mut lines = vec![];
    for (key, p) in &positions {
        let mut j = position_json(key, p, d, now);
        let mut pending = vec![];
        let mut pending_txt = vec![];
        for (ps, h) in pools.iter().zip(&histories) {
            let owed = view::pending_rewards(&ps.pool, p, h, now).unwrap_or(0);
            pending.push(json!({
                "pool": ps.address.to_string(),
                "pool_index": ps.pool.index,
                "mint": ps.mint.address.to_string(),
                "amount": amount_json(u128::from(owed), ps.mint.decimals),
            }));
            let name = if ps.mint.address == tmai.address {
                "TMAI".to_string()
            } else {
                format!("of mint {}", ps.mint.address)
            };
            pending_txt.push(format!("{} {name}", format_amount(u128::from(owed), ps.mint.decimals)));
        }
        j["pending_rewards"] = json!(pending);
        pos_json.push(j);
        lines.push(format!("  {}", position_line(key, p, d, now)));
        if !pending_txt.is_empty() {
            lines.push(format!("      pending rewards: {}", pending_txt.join(", ")));
        }
    }

    let json = json!({
        "wallet": wallet.to_string(),
        "now": now,
        "tmai_mint": tmai.address.to_string(),
        "decimals": d,
        "balance": amount_json(u128::from(balance), d),
        "locked": amount_json(locked, d),
        "ve": amount_json(score.ve, d),
        "level": score.level,
        "guaranteed": amount_json(score.guaranteed, d),
        "guaranteed_level": score.guaranteed_level,
        "guaranteed_through": through,
        "next_level": next.map(|(l, t)| json!({
            "level": l,
            "threshold": amount_json(t, d),
            "missing": amount_json(t.saturating_sub(score.ve), d),
        })),
        "positions": pos_json,
    });
    let mut h = format!(
        "wallet      {wallet}\nTMAI        {} in wallet, {} locked in {} position{}\nveTMAI      {} (level {})\nguaranteed  {} through {} (level {})\n",
        format_amount(u128::from(balance), d),
        format_amount(locked, d),
        positions.len(),
        if positions.len() == 1 { "" } else { "s" },
        format_amount(score.ve, d),
        score.level,
        format_amount(score.guaranteed, d),
        time(through),
        score.guaranteed_level,
    );
    if let Some((l, t)) = next {
        h.push_str(&format!(
            "next level  {l} at {} veTMAI ({} more)\n",
            format_amount(t, d),
            format_amount(t.saturating_sub(score.ve), d)
        ));
    }
    if positions.is_empty() {
        h.push_str("positions   none (`vetmai lock create <AMOUNT> 12mo` locks TMAI)\n");
    } else {
        h.push_str("positions\n");
        h.push_str(&lines.join("\n"));
    }
    Ok(Report::new(json, h))
}

fn pool_json(p: &PoolState) -> Value {
    let d = p.mint.decimals;
    json!({
        "address": p.address.to_string(),
        "index": p.pool.index,
        "mint": p.mint.address.to_string(),
        "decimals": d,
        "vault": p.pool.vault.to_string(),
        "total_deposited": amount_json(p.pool.total_deposited, d),
        "total_claimed": amount_json(p.pool.total_claimed, d),
        "streaming": amount_json(u128::from(p.pool.stream.remaining), d),
        "stream_end": p.pool.stream.end,
    })
}

pub fn config(ctx: &Ctx) -> Result<Report> {
    let c = ctx.config()?;
    let d = c.tmai_decimals;
    let now = ctx.now()?;
    let pools = ctx.pools(&c)?;
    let p = &c.params;
    let total = view::total_ve(&c, now).unwrap_or(0);
    let json = json!({
        "config": pda::config().to_string(),
        "admin": c.admin.to_string(),
        "dao_in_charge": c.admin == pda::dao(),
        "revenue_authority": c.revenue_authority.to_string(),
        "tmai_mint": c.tmai_mint.to_string(),
        "decimals": d,
        "token_program": c.token_program.to_string(),
        "vault": c.vault.to_string(),
        "params": {
            "min_lock": p.min_lock,
            "max_lock": p.max_lock,
            "max_multiplier_bps": p.max_multiplier_bps,
            "level_thresholds": p.level_thresholds.iter().map(|t| amount_json(u128::from(*t), d)).collect::<Vec<_>>(),
            "distribution_period": p.distribution_period,
            "voting_period": p.voting_period,
            "quorum_bps": p.quorum_bps,
            "approval_margin_bps": p.approval_margin_bps,
            "timelock": p.timelock,
            "execution_window": p.execution_window,
            "proposals_per_month": p.proposals_per_month,
        },
        "totals": {
            "locked": amount_json(u128::from(c.totals.locked_amount), d),
            "open_positions": c.totals.open_positions,
            "stakers": c.totals.stakers,
            "ve": amount_json(total, d),
        },
        "reward_pools": pools.iter().map(pool_json).collect::<Vec<_>>(),
    });
    let mut h = format!(
        "config             {}\nadmin              {}{}\nrevenue authority  {}\nTMAI mint          {} ({d} decimals, token program {})\nvault              {}\n\
         locks              {} to {}, up to {} multiplier\nlevels (veTMAI)    {}\ngovernance         voting {}, quorum {} bps, margin {} bps, timelock {}, execution window {}\n\
         totals             {} TMAI locked in {} positions by {} stakers; {} veTMAI\n",
        pda::config(),
        c.admin,
        if c.admin == pda::dao() { " (the DAO)" } else { "" },
        c.revenue_authority,
        c.tmai_mint,
        c.token_program,
        c.vault,
        parse::human_duration(p.min_lock),
        parse::human_duration(p.max_lock),
        multiplier(u128::from(p.max_multiplier_bps)),
        p.level_thresholds.iter().map(|t| format_amount(u128::from(*t), d)).collect::<Vec<_>>().join(" "),
        parse::human_duration(p.voting_period),
        p.quorum_bps,
        p.approval_margin_bps,
        parse::human_duration(p.timelock),
        parse::human_duration(p.execution_window),
        format_amount(u128::from(c.totals.locked_amount), d),
        c.totals.open_positions,
        c.totals.stakers,
        format_amount(total, d),
    );
    if pools.is_empty() {
        h.push_str("reward pools       none\n");
    }
    for p in &pools {
        h.push_str(&format!(
            "reward pool {}      {} mint {}: {} deposited, {} claimed, {} still streaming until {}\n",
            p.pool.index,
            p.address,
            p.mint.address,
            format_amount(p.pool.total_deposited, p.mint.decimals),
            format_amount(p.pool.total_claimed, p.mint.decimals),
            format_amount(u128::from(p.pool.stream.remaining), p.mint.decimals),
            time(p.pool.stream.end),
        ));
    }
    Ok(Report::new(json, h))
}
