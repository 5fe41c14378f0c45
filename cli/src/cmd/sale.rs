//! Early-access sale rounds: `sale open | commit | settle | withdraw-proceeds | list`.
use anchor_lang::prelude::Pubkey;
use clap::Subcommand;
use serde_json::{json, Value};
use vetmai::state::{Commitment, SaleRound};
use vetmai::OpenRoundArgs;
use vetmai_client::{format_amount, parse_amount, pda, view};

use super::opt_pubkey;
use crate::chain::{ata, create_ata, step, Ctx};
use crate::error::{CliError, Result};
use crate::out::{amount_json, time, Report};
use crate::parse;

#[derive(Subcommand)]
pub enum SaleCmd {
    /// Open a round (the sale authority): per-level caps and windows are the published defaults
    Open {
        /// The mint committers pay in
        #[arg(long)]
        mint: String,
        /// Most the round sells, in the payment mint's units
        #[arg(long)]
        cap: String,
        /// When the round opens (for levels 8-10), from now
        #[arg(long, default_value = "0", value_name = "DURATION")]
        start_in: String,
        /// How long the round lasts (at most 90 days)
        #[arg(long, value_name = "DURATION")]
        duration: String,
    },
    /// Commit payment tokens to a round, inside your level's window and up to its cap
    Commit {
        /// Round number or address
        round: String,
        /// Amount in the payment mint's units, e.g. 5000
        amount: String,
        /// Token account to pay from (default: the wallet's associated account)
        #[arg(long, value_name = "TOKEN_ACCOUNT")]
        from: Option<String>,
    },
    /// After the round: fix a commitment's pro-rata allocation and refund the rest (anyone)
    Settle {
        /// Round number or address
        round: String,
        /// The committer (default: the signer); the refund goes to its associated token account
        #[arg(long)]
        wallet: Option<String>,
    },
    /// After the round: the round's authority withdraws the proceeds
    WithdrawProceeds {
        /// Round number or address
        round: String,
        /// Token account to receive them (default: the signer's associated account)
        #[arg(long, value_name = "TOKEN_ACCOUNT")]
        to: Option<String>,
    },
    /// List the rounds
    List,
}

fn round_json(key: &Pubkey, r: &SaleRound, d: u8) -> Value {
    json!({
        "id": r.id,
        "address": key.to_string(),
        "authority": r.authority.to_string(),
        "payment_mint": r.payment_mint.to_string(),
        "vault": r.vault.to_string(),
        "total_cap": amount_json(u128::from(r.total_cap), d),
        "start": r.start,
        "end": r.end,
        "total_committed": amount_json(u128::from(r.total_committed), d),
        "committers": r.committers,
        "level_caps": r.level_caps.iter().map(|c| amount_json(u128::from(*c), d)).collect::<Vec<_>>(),
        "window_opens": (0..=10u8).map(|l| r.opens_for(l)).collect::<Vec<_>>(),
        "proceeds_withdrawn": amount_json(u128::from(r.proceeds_withdrawn), d),
    })
}

fn round_line(r: &SaleRound, d: u8) -> String {
    format!(
        "#{} cap {} of mint {}, committed {} by {} wallet(s); {} to {}",
        r.id,
        format_amount(u128::from(r.total_cap), d),
        r.payment_mint,
        format_amount(u128::from(r.total_committed), d),
        r.committers,
        time(r.start),
        time(r.end)
    )
}

pub fn run(ctx: &Ctx, c: SaleCmd) -> Result<Report> {
    match c {
        SaleCmd::Open { mint, cap, start_in, duration } => {
            let authority = ctx.signer()?;
            let (_, dep) = ctx.deployment()?;
            let dao = ctx.dao()?;
            let m = ctx.mint(&parse::pubkey(&mint, "mint")?)?;
            let total_cap = parse_amount(&cap, m.decimals)?;
            let now = ctx.now()?;
            let secs = |v: u64| i64::try_from(v).map_err(|_| CliError::Input("duration too long".into()));
            let start = now.saturating_add(secs(parse::duration(&start_in)?)?);
            let end = start.saturating_add(secs(parse::duration(&duration)?)?);
            let id = dao.round_count;
            let args = OpenRoundArgs { total_cap, start, end, level_caps: None, window_open: None };
            let sig = ctx.send(vec![], vec![step("open_round", dep.open_round(authority, id, m.pool_ref(), args))])?;
            let (key, r) = ctx.round(parse::Ref::Index(id))?;
            let mut j = round_json(&key, &r, m.decimals);
            j["signature"] = json!(sig);
            Ok(Report::new(
                j,
                format!("Opened sale round {id} ({key})\n  {}\nSignature: {sig}", round_line(&r, m.decimals)),
            ))
        }
        SaleCmd::Commit { round, amount, from } => {
            let wallet = ctx.signer()?;
            let (config, dep) = ctx.deployment()?;
            let (key, r) = ctx.round(parse::reference(&round, "round")?)?;
            let m = ctx.mint(&r.payment_mint)?;
            let amount = parse_amount(&amount, m.decimals)?;
            let staker = ctx.staker(&wallet)?.ok_or_else(|| {
                CliError::preflight(
                    "window_not_open",
                    format!("{wallet} has never locked TMAI (level 0): level 0 has no window in sale rounds"),
                )
            })?;
            let source =
                ctx.funded_source(&wallet, &m, opt_pubkey(&from, "token account")?, amount, "payment token")?;
            let sig = ctx.send(vec![], vec![step("commit", dep.commit(wallet, key, m.pool_ref(), source, amount))])?;
            let now = ctx.now()?;
            let level = view::wallet_score(&config, &staker, now, r.end).map_or(0, |s| s.guaranteed_level);
            let c: Option<Commitment> = ctx.program_account(&pda::commitment(&key, &wallet))?;
            let total = c.map_or(0, |c| c.amount);
            let cap = r.level_caps.get(usize::from(level)).copied().unwrap_or(0);
            let d = m.decimals;
            Ok(Report::new(
                json!({
                    "signature": sig,
                    "round": key.to_string(),
                    "id": r.id,
                    "amount": amount_json(u128::from(amount), d),
                    "committed": amount_json(u128::from(total), d),
                    "level": level,
                    "level_cap": amount_json(u128::from(cap), d),
                }),
                format!(
                    "Committed {} to sale round {}: {} of your level-{level} cap of {}\nSignature: {sig}",
                    format_amount(u128::from(amount), d),
                    r.id,
                    format_amount(u128::from(total), d),
                    format_amount(u128::from(cap), d)
                ),
            ))
        }
        SaleCmd::Settle { round, wallet } => {
            let payer = ctx.signer()?;
            let (_, dep) = ctx.deployment()?;
            let (key, r) = ctx.round(parse::reference(&round, "round")?)?;
            let wallet = opt_pubkey(&wallet, "wallet")?.unwrap_or(payer);
            let ckey = pda::commitment(&key, &wallet);
            let c: Commitment = ctx.program_account(&ckey)?.ok_or_else(|| {
                CliError::preflight("no_commitment", format!("{wallet} has no commitment in sale round {}", r.id))
            })?;
            if c.settled {
                return Err(CliError::preflight(
                    "already_settled",
                    format!("the commitment of {wallet} in round {} is already settled", r.id),
                ));
            }
            let m = ctx.mint(&r.payment_mint)?;
            let refund_to = ata(&wallet, &m);
            let ix = dep.settle_commitment(key, wallet, m.pool_ref(), refund_to);
            let sig = ctx.send(vec![create_ata(&payer, &wallet, &m)], vec![step("settle_commitment", ix)])?;
            let c: Commitment = ctx.program_account(&ckey)?.unwrap_or(c);
            let d = m.decimals;
            Ok(Report::new(
                json!({
                    "signature": sig,
                    "round": key.to_string(),
                    "wallet": wallet.to_string(),
                    "committed": amount_json(u128::from(c.amount), d),
                    "allocation": amount_json(u128::from(c.allocation), d),
                    "refund": amount_json(u128::from(c.refund), d),
                }),
                format!(
                    "Settled {wallet} in round {}: {} committed, {} allocated, {} refunded to {refund_to}\nSignature: {sig}",
                    r.id,
                    format_amount(u128::from(c.amount), d),
                    format_amount(u128::from(c.allocation), d),
                    format_amount(u128::from(c.refund), d)
                ),
            ))
        }
        SaleCmd::WithdrawProceeds { round, to } => {
            let authority = ctx.signer()?;
            let (_, dep) = ctx.deployment()?;
            let (key, r) = ctx.round(parse::reference(&round, "round")?)?;
            let m = ctx.mint(&r.payment_mint)?;
            let (setup, destination) = match opt_pubkey(&to, "token account")? {
                Some(t) => (vec![], t),
                None => (vec![create_ata(&authority, &authority, &m)], ata(&authority, &m)),
            };
            let ix = dep.withdraw_proceeds(authority, key, m.pool_ref(), destination);
            let sig = ctx.send(setup, vec![step("withdraw_proceeds", ix)])?;
            let (_, after) = ctx.round(parse::Ref::Address(key))?;
            let got = after.proceeds_withdrawn.saturating_sub(r.proceeds_withdrawn);
            let d = m.decimals;
            Ok(Report::new(
                json!({
                    "signature": sig,
                    "round": key.to_string(),
                    "amount": amount_json(u128::from(got), d),
                    "destination": destination.to_string(),
                }),
                format!(
                    "Withdrew {} of proceeds from round {} to {destination}\nSignature: {sig}",
                    format_amount(u128::from(got), d),
                    r.id
                ),
            ))
        }
        SaleCmd::List => {
            ctx.config()?;
            let dao = ctx.dao()?;
            let keys: Vec<Pubkey> = (0..dao.round_count).map(pda::round).collect();
            let mut items = vec![];
            let mut lines = vec![];
            for (key, acc) in keys.iter().zip(ctx.accounts(&keys)?) {
                if let Some(acc) = acc {
                    let r: SaleRound = crate::chain::decode_owned(key, &acc.owner, &acc.data)?;
                    let d = ctx.mint(&r.payment_mint)?.decimals;
                    items.push(round_json(key, &r, d));
                    lines.push(round_line(&r, d));
                }
            }
            let human = if lines.is_empty() { "no sale rounds yet".to_string() } else { lines.join("\n") };
            Ok(Report::new(json!({ "rounds": items }), human))
        }
    }
}
