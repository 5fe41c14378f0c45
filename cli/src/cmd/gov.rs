//! Governance: `dao init | transfer`, `propose`, `vote`, `finalize`, `execute`, `proposals`.
use anchor_lang::prelude::Pubkey;
use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use vetmai::state::{ParamsUpdate, Proposal, ProposalAction, ProposalState, VoteRecord};
use vetmai::{CreateProposalArgs, VoteChoice};
use vetmai_client::{format_amount, parse_amount, pda, view};

use super::opt_pubkey;
use crate::chain::{step, Ctx};
use crate::error::{CliError, Result};
use crate::out::{amount_json, time, Report};
use crate::parse;

#[derive(Subcommand)]
pub enum DaoCmd {
    /// Create the DAO account (admin, once)
    Init {
        /// May veto passed proposals during their timelock (default: no guardian)
        #[arg(long)]
        guardian: Option<String>,
        /// May open sale rounds (default: the signer)
        #[arg(long)]
        sale_authority: Option<String>,
    },
    /// Hand the config's admin rights to the DAO (admin; from then on parameters change only by
    /// executed proposals)
    Transfer,
    /// Create the DAO's treasury token account for a mint (anyone; the signer pays the rent).
    /// Token-moving proposals pay only from it.
    Treasury {
        #[arg(long)]
        mint: String,
    },
}

pub fn dao(ctx: &Ctx, c: DaoCmd) -> Result<Report> {
    let admin = ctx.signer()?;
    let (_, dep) = ctx.deployment()?;
    match c {
        DaoCmd::Init { guardian, sale_authority } => {
            if ctx.account(&pda::dao())?.is_some() {
                return Err(CliError::preflight("dao_exists", format!("the DAO already exists ({})", pda::dao())));
            }
            let guardian = opt_pubkey(&guardian, "guardian")?.unwrap_or_default();
            let sale = opt_pubkey(&sale_authority, "sale authority")?.unwrap_or(admin);
            let sig = ctx.send(vec![], vec![step("init_dao", dep.init_dao(admin, guardian, sale))])?;
            Ok(Report::new(
                json!({
                    "signature": sig,
                    "dao": pda::dao().to_string(),
                    "guardian": (guardian != Pubkey::default()).then(|| guardian.to_string()),
                    "sale_authority": sale.to_string(),
                }),
                format!(
                    "Created the DAO {}\n  guardian        {}\n  sale authority  {sale}\nSignature: {sig}",
                    pda::dao(),
                    if guardian == Pubkey::default() { "none".to_string() } else { guardian.to_string() }
                ),
            ))
        }
        DaoCmd::Treasury { mint } => {
            ctx.dao()?;
            let m = ctx.mint(&parse::pubkey(&mint, "mint")?)?;
            let treasury = pda::treasury(&m.address);
            if ctx.account(&treasury)?.is_some() {
                return Err(CliError::preflight(
                    "treasury_exists",
                    format!("the treasury already exists ({treasury})"),
                ));
            }
            let sig = ctx.send(vec![], vec![step("create_treasury", dep.create_treasury(admin, m.pool_ref()))])?;
            Ok(Report::new(
                json!({ "signature": sig, "mint": m.address.to_string(), "treasury": treasury.to_string() }),
                format!("Created the DAO treasury {treasury} for mint {}\nSignature: {sig}", m.address),
            ))
        }
        DaoCmd::Transfer => {
            ctx.dao()?;
            let sig = ctx.send(vec![], vec![step("transfer_to_dao", dep.transfer_to_dao(admin))])?;
            Ok(Report::new(
                json!({ "signature": sig, "admin": pda::dao().to_string() }),
                format!("The DAO {} is now the config admin\nSignature: {sig}", pda::dao()),
            ))
        }
    }
}

#[derive(Args)]
#[command(group(ArgGroup::new("content").required(true).args(["content_hash", "content_file"])))]
pub struct ProposeArgs {
    /// Title, at most 80 bytes
    #[arg(long)]
    pub title: String,
    /// Description URL, at most 200 bytes (`--url` is the global RPC URL)
    #[arg(long, value_name = "URL")]
    pub description_url: String,
    /// SHA-256 of the description's content, 64 hex digits
    #[arg(long, value_name = "HEX")]
    pub content_hash: Option<String>,
    /// The description's content: its SHA-256 becomes the content hash
    #[arg(long, value_name = "PATH")]
    pub content_file: Option<std::path::PathBuf>,
    /// What the proposal does when executed (default: signal, text only)
    #[command(subcommand)]
    pub action: Option<ActionCmd>,
}

#[derive(Subcommand)]
pub enum ActionCmd {
    /// Text only
    Signal,
    /// Change DAO-governed parameters (only those given)
    Params(ParamsArgs),
    /// Move treasury tokens into that mint's reward pool, streamed like revenue
    FundRewards {
        #[arg(long)]
        mint: String,
        amount: String,
    },
    /// Pay treasury tokens to a token account
    TransferTreasury {
        #[arg(long)]
        mint: String,
        /// Recipient token account (of the same mint)
        #[arg(long, value_name = "TOKEN_ACCOUNT")]
        to: String,
        amount: String,
    },
    /// Set who may deposit revenue
    RevenueAuthority { authority: String },
    /// Set who may open sale rounds
    SaleAuthority { authority: String },
    /// Replace the guardian (`none` removes it); the guardian cannot veto this
    Guardian { guardian: String },
    /// Register a reward pool for a mint (executing it pays the pool's rent)
    CreatePool {
        #[arg(long)]
        mint: String,
    },
    /// Retire a mint's reward pool: no more revenue; what it owes stays claimable
    RetirePool {
        #[arg(long)]
        mint: String,
    },
}

#[derive(Args)]
pub struct ParamsArgs {
    #[arg(long, value_name = "DURATION")]
    pub min_lock: Option<String>,
    #[arg(long, value_name = "DURATION")]
    pub max_lock: Option<String>,
    #[arg(long, value_name = "BPS")]
    pub max_multiplier_bps: Option<u64>,
    /// Ten comma-separated veTMAI thresholds for levels 1..=10, in whole tokens
    #[arg(long, value_name = "LIST")]
    pub level_thresholds: Option<String>,
    #[arg(long, value_name = "DURATION")]
    pub distribution_period: Option<String>,
    #[arg(long, value_name = "DURATION")]
    pub voting_period: Option<String>,
    #[arg(long, value_name = "BPS")]
    pub quorum_bps: Option<u64>,
    #[arg(long, value_name = "BPS")]
    pub approval_margin_bps: Option<u64>,
    #[arg(long, value_name = "DURATION")]
    pub timelock: Option<String>,
    #[arg(long, value_name = "DURATION")]
    pub execution_window: Option<String>,
    /// Eleven comma-separated monthly proposal limits for levels 0..=10
    #[arg(long, value_name = "LIST")]
    pub proposals_per_month: Option<String>,
}

fn opt_duration(v: &Option<String>) -> Result<Option<u64>> {
    v.as_deref().map(parse::duration).transpose()
}

fn comma_list<const N: usize, T>(v: &str, what: &str, f: impl Fn(&str) -> Result<T>) -> Result<[T; N]> {
    let items: Vec<T> = v.split(',').map(|s| f(s.trim())).collect::<Result<_>>()?;
    let n = items.len();
    items.try_into().map_err(|_| CliError::Input(format!("{what} needs {N} comma-separated values, got {n}")))
}

fn params_update(p: &ParamsArgs, tmai_decimals: u8) -> Result<ParamsUpdate> {
    let update = ParamsUpdate {
        min_lock: opt_duration(&p.min_lock)?,
        max_lock: opt_duration(&p.max_lock)?,
        max_multiplier_bps: p.max_multiplier_bps,
        level_thresholds: p
            .level_thresholds
            .as_deref()
            .map(|v| comma_list(v, "--level-thresholds", |s| Ok(parse_amount(s, tmai_decimals)?)))
            .transpose()?,
        distribution_period: opt_duration(&p.distribution_period)?,
        voting_period: opt_duration(&p.voting_period)?,
        quorum_bps: p.quorum_bps,
        approval_margin_bps: p.approval_margin_bps,
        timelock: opt_duration(&p.timelock)?,
        execution_window: opt_duration(&p.execution_window)?,
        proposals_per_month: p
            .proposals_per_month
            .as_deref()
            .map(|v| {
                comma_list(v, "--proposals-per-month", |s| {
                    s.parse::<u8>()
                        .map_err(|_| CliError::Input(format!("`{s}` is not a monthly proposal count (0-255)")))
                })
            })
            .transpose()?,
    };
    if update == ParamsUpdate::default() {
        return Err(CliError::Input("`propose params` needs at least one parameter to change".into()));
    }
    Ok(update)
}

fn state_name(s: ProposalState) -> &'static str {
    view::proposal_state_name(s)
}

fn action_json(a: &ProposalAction) -> Value {
    match a {
        ProposalAction::Signal => json!({ "type": "signal" }),
        ProposalAction::UpdateParams(u) => json!({ "type": "update_params", "update": format!("{u:?}") }),
        ProposalAction::FundRewards { mint, amount } => {
            json!({ "type": "fund_rewards", "mint": mint.to_string(), "amount": amount.to_string() })
        }
        ProposalAction::TransferTreasury { mint, amount, recipient } => json!({
            "type": "transfer_treasury", "mint": mint.to_string(), "amount": amount.to_string(), "recipient": recipient.to_string(),
        }),
        ProposalAction::SetRevenueAuthority { authority } => {
            json!({ "type": "set_revenue_authority", "authority": authority.to_string() })
        }
        ProposalAction::SetSaleAuthority { authority } => {
            json!({ "type": "set_sale_authority", "authority": authority.to_string() })
        }
        ProposalAction::SetGuardian { guardian } => json!({
            "type": "set_guardian", "guardian": (*guardian != Pubkey::default()).then(|| guardian.to_string()),
        }),
        ProposalAction::CreateRewardPool { mint } => json!({ "type": "create_reward_pool", "mint": mint.to_string() }),
        ProposalAction::RetireRewardPool { mint } => json!({ "type": "retire_reward_pool", "mint": mint.to_string() }),
    }
}

fn proposal_json(key: &Pubkey, p: &Proposal, d: u8) -> Value {
    json!({
        "id": p.id,
        "address": key.to_string(),
        "proposer": p.proposer.to_string(),
        "title": p.title,
        "description_url": p.description_url,
        "content_hash": parse::hex(&p.content_hash),
        "action": action_json(&p.action),
        "state": state_name(p.state),
        "created_at": p.created_at,
        "voting_ends_at": p.voting_ends_at,
        "executable_at": p.executable_at().ok(),
        "expires_at": p.expires_at().ok(),
        "yes": amount_json(p.yes, d),
        "no": amount_json(p.no, d),
        "abstain": amount_json(p.abstain, d),
        "voters": p.voters,
        "total_ve_at_creation": amount_json(p.total_ve_at_creation, d),
        "quorum_bps": p.quorum_bps,
        "approval_margin_bps": p.approval_margin_bps,
    })
}

fn proposal_line(p: &Proposal, d: u8) -> String {
    format!(
        "#{} [{}] {} — yes {} / no {} / abstain {} ({} voters); voting ends {}",
        p.id,
        state_name(p.state),
        p.title,
        format_amount(p.yes, d),
        format_amount(p.no, d),
        format_amount(p.abstain, d),
        p.voters,
        time(p.voting_ends_at)
    )
}

/// The signer's staker account, which proposing, voting and committing read.
fn require_staker(ctx: &Ctx, who: &Pubkey, check: &'static str, doing: &str) -> Result<()> {
    if ctx.staker(who)?.is_none() {
        return Err(CliError::preflight(
            check,
            format!("{who} has never locked TMAI (no staker account, level 0): {doing}"),
        ));
    }
    Ok(())
}

pub fn propose(ctx: &Ctx, a: ProposeArgs) -> Result<Report> {
    let proposer = ctx.signer()?;
    let (config, dep) = ctx.deployment()?;
    let dao = ctx.dao()?;
    require_staker(ctx, &proposer, "level_too_low", "creating a proposal needs level 1 or more")?;
    let content_hash = match (&a.content_hash, &a.content_file) {
        (Some(h), _) => parse::hash32(h)?,
        (None, Some(f)) => {
            let bytes = std::fs::read(f).map_err(|e| CliError::Input(format!("cannot read {}: {e}", f.display())))?;
            Sha256::digest(&bytes).into()
        }
        (None, None) => return Err(CliError::Input("give --content-hash or --content-file".into())),
    };
    let token_amount = |mint: &str, amount: &str| -> Result<(Pubkey, u64)> {
        let m = ctx.mint(&parse::pubkey(mint, "mint")?)?;
        Ok((m.address, parse_amount(amount, m.decimals)?))
    };
    let action = match a.action.unwrap_or(ActionCmd::Signal) {
        ActionCmd::Signal => ProposalAction::Signal,
        ActionCmd::Params(p) => ProposalAction::UpdateParams(params_update(&p, config.tmai_decimals)?),
        ActionCmd::FundRewards { mint, amount } => {
            let (mint, amount) = token_amount(&mint, &amount)?;
            ProposalAction::FundRewards { mint, amount }
        }
        ActionCmd::TransferTreasury { mint, to, amount } => {
            let (mint, amount) = token_amount(&mint, &amount)?;
            ProposalAction::TransferTreasury { mint, amount, recipient: parse::pubkey(&to, "recipient")? }
        }
        ActionCmd::RevenueAuthority { authority } => {
            ProposalAction::SetRevenueAuthority { authority: parse::pubkey(&authority, "authority")? }
        }
        ActionCmd::SaleAuthority { authority } => {
            ProposalAction::SetSaleAuthority { authority: parse::pubkey(&authority, "authority")? }
        }
        ActionCmd::Guardian { guardian } => ProposalAction::SetGuardian {
            guardian: if guardian == "none" { Pubkey::default() } else { parse::pubkey(&guardian, "guardian")? },
        },
        ActionCmd::CreatePool { mint } => {
            ProposalAction::CreateRewardPool { mint: ctx.mint(&parse::pubkey(&mint, "mint")?)?.address }
        }
        ActionCmd::RetirePool { mint } => {
            let mint = parse::pubkey(&mint, "mint")?;
            if ctx.account(&pda::reward_pool(&mint))?.is_none() {
                return Err(CliError::preflight("no_reward_pool", format!("no reward pool for mint {mint}")));
            }
            ProposalAction::RetireRewardPool { mint }
        }
    };
    let id = dao.proposal_count;
    let args = CreateProposalArgs { title: a.title, description_url: a.description_url, content_hash, action };
    let sig = ctx.send(vec![], vec![step("create_proposal", dep.create_proposal(proposer, id, args))])?;
    let (key, p) = ctx.proposal(parse::Ref::Index(id))?;
    let d = config.tmai_decimals;
    let mut j = proposal_json(&key, &p, d);
    j["signature"] = json!(sig);
    Ok(Report::new(j, format!("Created proposal {id} ({key})\n  {}\nSignature: {sig}", proposal_line(&p, d))))
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Choice {
    Yes,
    No,
    Abstain,
}

#[derive(Args)]
pub struct VoteArgs {
    /// Proposal number or address
    pub proposal: String,
    pub choice: Choice,
}

pub fn vote(ctx: &Ctx, a: VoteArgs) -> Result<Report> {
    let voter = ctx.signer()?;
    let (config, dep) = ctx.deployment()?;
    let (key, _) = ctx.proposal(parse::reference(&a.proposal, "proposal")?)?;
    require_staker(ctx, &voter, "no_voting_weight", "no veTMAI to vote with")?;
    let choice = match a.choice {
        Choice::Yes => VoteChoice::Yes,
        Choice::No => VoteChoice::No,
        Choice::Abstain => VoteChoice::Abstain,
    };
    let record = pda::vote(&key, &voter);
    let existing: Option<VoteRecord> = ctx.program_account(&record)?;
    let (label, ix) = match existing {
        Some(_) => ("change_vote", dep.change_vote(voter, key, choice)),
        None => ("cast_vote", dep.cast_vote(voter, key, choice)),
    };
    let sig = ctx.send(vec![], vec![step(label, ix)])?;
    let v: Option<VoteRecord> = ctx.program_account(&record)?;
    let (_, p) = ctx.proposal(parse::Ref::Address(key))?;
    let d = config.tmai_decimals;
    let weight = v.map_or(0, |v| v.weight);
    let choice_name = match a.choice {
        Choice::Yes => "yes",
        Choice::No => "no",
        Choice::Abstain => "abstain",
    };
    Ok(Report::new(
        json!({
            "signature": sig,
            "proposal": key.to_string(),
            "id": p.id,
            "vote": record.to_string(),
            "choice": choice_name,
            "changed": label == "change_vote",
            "weight": amount_json(weight, d),
            "tally": { "yes": amount_json(p.yes, d), "no": amount_json(p.no, d), "abstain": amount_json(p.abstain, d) },
        }),
        format!(
            "{} {choice_name} on proposal {} with {} veTMAI\n  {}\nSignature: {sig}",
            if label == "change_vote" { "Changed the vote to" } else { "Voted" },
            p.id,
            format_amount(weight, d),
            proposal_line(&p, d)
        ),
    ))
}

#[derive(Args)]
pub struct ProposalArg {
    /// Proposal number or address
    pub proposal: String,
}

pub fn finalize(ctx: &Ctx, a: ProposalArg) -> Result<Report> {
    ctx.signer()?;
    let (config, dep) = ctx.deployment()?;
    let (key, p) = ctx.proposal(parse::reference(&a.proposal, "proposal")?)?;
    if p.state != ProposalState::Voting {
        return Err(CliError::preflight(
            "proposal_state",
            format!("proposal {} is already {}: only a proposal in voting can be finalized", p.id, state_name(p.state)),
        ));
    }
    let sig = ctx.send(vec![], vec![step("finalize_proposal", dep.finalize_proposal(key))])?;
    let (_, p) = ctx.proposal(parse::Ref::Address(key))?;
    let d = config.tmai_decimals;
    let mut j = proposal_json(&key, &p, d);
    j["signature"] = json!(sig);
    let next = match p.state {
        ProposalState::Passed => format!(
            "; executable from {} until {}",
            p.executable_at().map(time).unwrap_or_default(),
            p.expires_at().map(time).unwrap_or_default()
        ),
        _ => String::new(),
    };
    Ok(Report::new(
        j,
        format!("Proposal {} {}{next}\n  {}\nSignature: {sig}", p.id, state_name(p.state), proposal_line(&p, d)),
    ))
}

#[derive(Args)]
pub struct ExecuteArgs {
    /// Proposal number or address
    pub proposal: String,
}

pub fn execute(ctx: &Ctx, a: ExecuteArgs) -> Result<Report> {
    let payer = ctx.signer()?;
    let (config, dep) = ctx.deployment()?;
    let (key, p) = ctx.proposal(parse::reference(&a.proposal, "proposal")?)?;
    if p.state != ProposalState::Passed {
        return Err(CliError::preflight(
            "proposal_state",
            format!("proposal {} is {}: only a passed proposal can be executed", p.id, state_name(p.state)),
        ));
    }
    // Token-moving actions pay from the DAO's treasury PDA of the mint (the program refuses any
    // other account); pool actions name the mint's pool.
    let token_program = match &p.action {
        ProposalAction::FundRewards { mint, .. }
        | ProposalAction::TransferTreasury { mint, .. }
        | ProposalAction::CreateRewardPool { mint } => ctx.mint(mint)?.token_program,
        _ => Pubkey::default(),
    };
    let ix = dep.execute_action(payer, key, &p.action, token_program);
    let sig = ctx.send(vec![], vec![step("execute_proposal", ix)])?;
    let (_, p) = ctx.proposal(parse::Ref::Address(key))?;
    let d = config.tmai_decimals;
    let mut j = proposal_json(&key, &p, d);
    j["signature"] = json!(sig);
    Ok(Report::new(j, format!("Executed proposal {}\n  {}\nSignature: {sig}", p.id, proposal_line(&p, d))))
}

pub fn list(ctx: &Ctx) -> Result<Report> {
    let config = ctx.config()?;
    let dao = ctx.dao()?;
    let keys: Vec<Pubkey> = (0..dao.proposal_count).map(pda::proposal).collect();
    let d = config.tmai_decimals;
    let mut items = vec![];
    let mut lines = vec![];
    for (key, acc) in keys.iter().zip(ctx.accounts(&keys)?) {
        if let Some(acc) = acc {
            let p: Proposal = crate::chain::decode_owned(key, &acc.owner, &acc.data)?;
            items.push(proposal_json(key, &p, d));
            lines.push(proposal_line(&p, d));
        }
    }
    let human = if lines.is_empty() { "no proposals yet".to_string() } else { lines.join("\n") };
    Ok(Report::new(json!({ "proposals": items }), human))
}
