//! `POST /v1/tx/{action}`: the instructions a wallet signs to act on veTMAI, built with
//! `vetmai-client` from the mirrored state (deployment, pools, the wallet's staker and positions).
//! Browsers and wallet adapters get the exact account lists the program expects without copying
//! any layout; they add a fee payer and a recent blockhash, sign and send.
//!
//! The answer reflects the mirror, which trails the chain by about a second: an instruction
//! built against a state the chain has since left fails on-chain with the program's own error
//! (for example a taken position index), never silently does something else.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_spl::associated_token::{get_associated_token_address_with_program_id, spl_associated_token_account};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::Row;
use vetmai::state::{Position, RewardPool, SaleRound};
use vetmai::{ClaimMode, LockKind, VoteChoice};
use vetmai_client::ix::{ClaimAccounts, Deployment, PoolRef, WithdrawPayout};
use vetmai_client::pda;

use crate::state::AppState;
use crate::views::MirroredPool;
use crate::{score, views, ApiError};

/// Every action, with its request body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Body {
    owner: Option<String>,
    voter: Option<String>,
    position: Option<String>,
    proposal: Option<String>,
    amount: Option<String>,
    duration: Option<u64>,
    kind: Option<String>,
    token_account: Option<String>,
    pool_index: Option<u8>,
    mode: Option<String>,
    target: Option<String>,
    choice: Option<String>,
    round: Option<String>,
}

fn field<'a, T>(v: &'a Option<T>, name: &str) -> Result<&'a T, ApiError> {
    v.as_ref().ok_or_else(|| ApiError::BadRequest(format!("missing field `{name}`")))
}

fn address(v: &Option<String>, name: &str) -> Result<Pubkey, ApiError> {
    field(v, name)?.parse().map_err(|_| ApiError::BadRequest(format!("`{name}` is not a base58 address")))
}

fn amount(v: &Option<String>) -> Result<u64, ApiError> {
    let a: u64 = field(v, "amount")?
        .parse()
        .map_err(|_| ApiError::BadRequest("`amount` must be a decimal string of base units (u64)".into()))?;
    if a == 0 {
        return Err(ApiError::BadRequest("`amount` must be greater than zero".into()));
    }
    Ok(a)
}

/// The instruction as JSON: program id, account metas, base64 data.
pub fn instruction_json(ix: &Instruction) -> Value {
    json!({
        "program_id": ix.program_id.to_string(),
        "accounts": ix.accounts.iter().map(|m| json!({
            "pubkey": m.pubkey.to_string(),
            "is_signer": m.is_signer,
            "is_writable": m.is_writable,
        })).collect::<Vec<_>>(),
        "data": base64::engine::general_purpose::STANDARD.encode(&ix.data),
    })
}

/// The mirrored account `key` of table `table`, decoded, or 404 `what`.
async fn mirrored<T: anchor_lang::AccountDeserialize>(
    s: &AppState,
    table: &str,
    key: &Pubkey,
    what: &'static str,
) -> Result<T, ApiError> {
    let row = sqlx::query(&format!("select data from {table} where pubkey = $1 and not closed"))
        .bind(key.to_string())
        .fetch_optional(&s.pool)
        .await?
        .ok_or(ApiError::NotFound(what))?;
    vetmai_client::decode(&row.get::<Vec<u8>, _>(0)).map_err(|e| ApiError::Internal(e.to_string()))
}

/// veTMAI of `wallet` guaranteed through `t` (positions still locked then), 0 without a staker.
async fn guaranteed_through(s: &AppState, wallet: &Pubkey, now: i64, t: i64) -> Result<u128, ApiError> {
    match score::staker(&s.pool, wallet).await? {
        Some(st) => st.guaranteed(now, t).ok_or_else(|| ApiError::Internal("guaranteed veTMAI overflows".into())),
        None => Ok(0),
    }
}

async fn position(s: &AppState, key: &Pubkey, owner: &Pubkey) -> Result<Position, ApiError> {
    let p: Position = mirrored(s, "position", key, "position").await?;
    if p.owner != *owner {
        return Err(ApiError::Rejected(format!("position {key} belongs to {}, not {owner}", p.owner)));
    }
    Ok(p)
}

/// The owner's associated token account of `mint`, created first if needed (idempotent).
fn ata(owner: &Pubkey, mint: &Pubkey, token_program: &Pubkey, ixs: &mut Vec<Instruction>) -> Pubkey {
    ixs.push(spl_associated_token_account::instruction::create_associated_token_account_idempotent(
        owner,
        owner,
        mint,
        token_program,
    ));
    get_associated_token_address_with_program_id(owner, mint, token_program)
}

/// `crank_pool` for every pool with an epoch boundary still to record: a score change touches
/// every pool and the program refuses it with `PoolNeedsCrank` until the pool has caught up.
fn crank_due(pools: &[MirroredPool], dep: &Deployment, now: i64, ixs: &mut Vec<Instruction>) {
    for (_, pool, _) in pools {
        if vetmai_client::view::pool_needs_crank(pool, now) {
            if let Some(chunks) = vetmai_client::view::crank_history_chunks(pool, now) {
                ixs.push(dep.crank_pool(PoolRef { mint: pool.mint, token_program: pool.token_program }, chunks));
            }
        }
    }
}

fn kind(v: &Option<String>) -> Result<LockKind, ApiError> {
    match v.as_deref() {
        None | Some("fixed") => Ok(LockKind::Fixed),
        Some("constant") => Ok(LockKind::Constant),
        Some(k) => Err(ApiError::BadRequest(format!("`kind` must be fixed or constant, not {k:?}"))),
    }
}

fn pool_of(pools: &[MirroredPool], index: u8) -> Result<&RewardPool, ApiError> {
    pools
        .iter()
        .map(|(_, p, _)| p)
        .find(|p| p.index == index)
        .ok_or_else(|| ApiError::Rejected(format!("no reward pool with index {index}")))
}

/// `POST /v1/tx/{action}` → `{ "instructions": [...] }`.
pub async fn build(
    State(s): State<AppState>,
    Path(action): Path<String>,
    body: Result<Json<Body>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(b) = body?;
    let config = score::config(&s.pool).await?;
    let dep = Deployment::from_config(&config);
    let now = s.now();
    let mut ixs = vec![];
    match action.as_str() {
        "create_lock" => {
            let owner = address(&b.owner, "owner")?;
            let duration = *field(&b.duration, "duration")?;
            let index = score::staker(&s.pool, &owner).await?.map_or(0, |st| st.next_index);
            let token = match &b.token_account {
                Some(_) => address(&b.token_account, "token_account")?,
                None => get_associated_token_address_with_program_id(&owner, &dep.tmai_mint, &dep.token_program),
            };
            crank_due(&views::pools(&s).await?, &dep, now, &mut ixs);
            ixs.push(dep.create_lock(owner, token, index, amount(&b.amount)?, duration, kind(&b.kind)?));
        }
        "increase_amount" => {
            let owner = address(&b.owner, "owner")?;
            let key = address(&b.position, "position")?;
            position(&s, &key, &owner).await?;
            let token = match &b.token_account {
                Some(_) => address(&b.token_account, "token_account")?,
                None => get_associated_token_address_with_program_id(&owner, &dep.tmai_mint, &dep.token_program),
            };
            crank_due(&views::pools(&s).await?, &dep, now, &mut ixs);
            ixs.push(dep.increase_amount(owner, token, key, amount(&b.amount)?));
        }
        "extend_lock" => {
            let owner = address(&b.owner, "owner")?;
            let key = address(&b.position, "position")?;
            position(&s, &key, &owner).await?;
            crank_due(&views::pools(&s).await?, &dep, now, &mut ixs);
            ixs.push(dep.extend_lock(owner, key, *field(&b.duration, "duration")?));
        }
        "begin_unlock" => {
            let owner = address(&b.owner, "owner")?;
            let key = address(&b.position, "position")?;
            position(&s, &key, &owner).await?;
            crank_due(&views::pools(&s).await?, &dep, now, &mut ixs);
            ixs.push(dep.begin_unlock(owner, key));
        }
        "withdraw" => {
            let owner = address(&b.owner, "owner")?;
            let key = address(&b.position, "position")?;
            let p = position(&s, &key, &owner).await?;
            if p.is_locked(now) {
                return Err(ApiError::Rejected(format!("position {key} is locked until {}", p.end)));
            }
            let pools = views::pools(&s).await?;
            let token = ata(&owner, &dep.tmai_mint, &dep.token_program, &mut ixs);
            let mut payouts = vec![];
            for (_, pool, _) in &pools {
                let destination = ata(&owner, &pool.mint, &pool.token_program, &mut ixs);
                payouts.push(WithdrawPayout {
                    pool: PoolRef { mint: pool.mint, token_program: pool.token_program },
                    history_chunk: vetmai_client::view::claim_history_chunk(pool, &p, now).unwrap_or(0),
                    destination,
                });
            }
            crank_due(&pools, &dep, now, &mut ixs);
            ixs.push(dep.withdraw_paying(owner, token, key, &payouts));
        }
        "claim" => {
            let owner = address(&b.owner, "owner")?;
            let key = address(&b.position, "position")?;
            let p = position(&s, &key, &owner).await?;
            let pools = views::pools(&s).await?;
            let pool = pool_of(&pools, *field(&b.pool_index, "pool_index")?)?;
            let mode = match b.mode.as_deref() {
                None | Some("payout") => ClaimMode::Payout,
                Some("reinvest") => ClaimMode::Reinvest,
                Some(m) => return Err(ApiError::BadRequest(format!("`mode` must be payout or reinvest, not {m:?}"))),
            };
            let pool_ref = PoolRef { mint: pool.mint, token_program: pool.token_program };
            let destination = match mode {
                ClaimMode::Payout => Some(ata(&owner, &pool.mint, &pool.token_program, &mut ixs)),
                ClaimMode::Reinvest => None,
            };
            let target = match &b.target {
                Some(_) => Some(address(&b.target, "target")?),
                None => None,
            };
            let c = ClaimAccounts {
                pool: pool_ref,
                pool_index: pool.index,
                destination,
                target,
                history_chunk: vetmai_client::view::claim_history_chunk(pool, &p, now),
            };
            if let Some((first, last)) = vetmai_client::view::crank_history_chunks(pool, now) {
                ixs.push(dep.crank_pool(pool_ref, (first, last)));
            }
            ixs.push(dep.claim_rewards(owner, key, mode, &c));
        }
        "vote" => {
            let voter = address(&b.voter, "voter")?;
            let proposal = address(&b.proposal, "proposal")?;
            let choice = match field(&b.choice, "choice")?.as_str() {
                "yes" | "for" => VoteChoice::Yes,
                "no" | "against" => VoteChoice::No,
                "abstain" => VoteChoice::Abstain,
                c => return Err(ApiError::BadRequest(format!("`choice` must be yes, no or abstain, not {c:?}"))),
            };
            let open: Option<(String, i64)> = sqlx::query_as(
                "select state, extract(epoch from voting_ends_at)::bigint from proposal where pubkey = $1 and not closed",
            )
            .bind(proposal.to_string())
            .fetch_optional(&s.pool)
            .await?;
            let voting_end = match open {
                None => return Err(ApiError::NotFound("proposal")),
                Some((state, end)) if state == "voting" => end,
                Some((state, _)) => {
                    return Err(ApiError::Rejected(format!("proposal {proposal} is {state}, not voting")))
                }
            };
            // The program weighs a vote by veTMAI guaranteed through the voting end.
            if guaranteed_through(&s, &voter, now, voting_end).await? == 0 {
                return Err(ApiError::Rejected(format!(
                    "{voter} has no veTMAI locked through the voting end ({voting_end}): lock TMAI past it to vote"
                )));
            }
            let voted: bool =
                sqlx::query_scalar("select exists(select 1 from vote_record where pubkey = $1 and not closed)")
                    .bind(pda::vote(&proposal, &voter).to_string())
                    .fetch_one(&s.pool)
                    .await?;
            ixs.push(if voted {
                dep.change_vote(voter, proposal, choice)
            } else {
                dep.cast_vote(voter, proposal, choice)
            });
        }
        "commit" => {
            let owner = address(&b.owner, "owner")?;
            let key = address(&b.round, "round")?;
            let amount = amount(&b.amount)?;
            let round: SaleRound = mirrored(&s, "sale_round", &key, "round").await?;
            if now >= round.end {
                return Err(ApiError::Rejected(format!("round {key} ended at {}", round.end)));
            }
            // As the program decides: the level of veTMAI guaranteed through the round's end.
            let g = guaranteed_through(&s, &owner, now, round.end).await?;
            let level = vetmai_math::level(g, &config.params.level_thresholds);
            let opens = round.opens_for(level).ok_or_else(|| {
                ApiError::Rejected(format!(
                    "level {level} (veTMAI guaranteed through the round's end: {g}) has no allocation in round {key}"
                ))
            })?;
            if now < opens {
                return Err(ApiError::Rejected(format!("the window for level {level} opens at {opens}")));
            }
            let committed: Option<String> =
                sqlx::query_scalar("select amount::text from commitment where pubkey = $1 and not closed")
                    .bind(pda::commitment(&key, &owner).to_string())
                    .fetch_optional(&s.pool)
                    .await?;
            let committed: u64 =
                committed.map_or(Ok(0), |c| c.parse()).map_err(|_| ApiError::Internal("commitment amount".into()))?;
            let cap = round.level_caps.get(usize::from(level)).copied().unwrap_or(0);
            if committed.checked_add(amount).is_none_or(|t| t > cap) {
                return Err(ApiError::Rejected(format!(
                    "{committed} already committed + {amount} exceeds the level {level} cap of {cap}"
                )));
            }
            let source = match &b.token_account {
                Some(_) => address(&b.token_account, "token_account")?,
                None => get_associated_token_address_with_program_id(&owner, &round.payment_mint, &round.token_program),
            };
            let payment = PoolRef { mint: round.payment_mint, token_program: round.token_program };
            ixs.push(dep.commit(owner, key, payment, source, amount));
        }
        other => return Err(ApiError::UnknownAction(other.to_string())),
    }
    Ok(Json(json!({ "instructions": ixs.iter().map(instruction_json).collect::<Vec<_>>() })).into_response())
}
