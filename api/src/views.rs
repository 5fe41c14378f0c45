//! Read endpoints over the mirror (SPEC §8): wallet (positions, pending rewards), proposals and
//! votes, sale rounds and allocations, program stats. Lists are paginated with `limit` (1–100,
//! default 20) and `offset`; every figure is computed from the mirrored account data with the
//! program's own types and `vetmai-math`.
use anchor_lang::prelude::Pubkey;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::Row;
use vetmai::state::{Commitment, LockKind, Position, Proposal, RewardHistory, RewardPool, SaleRound, VoteRecord};

use crate::state::AppState;
use crate::{keys, score, ApiError};

#[derive(Deserialize)]
pub struct Page {
    limit: Option<i64>,
    offset: Option<i64>,
}

impl Page {
    fn bounds(&self) -> Result<(i64, i64), ApiError> {
        let limit = self.limit.unwrap_or(20);
        let offset = self.offset.unwrap_or(0);
        if !(1..=100).contains(&limit) || offset < 0 {
            return Err(ApiError::BadRequest("limit must be 1–100 and offset ≥ 0".into()));
        }
        Ok((limit, offset))
    }
}

/// `{ items, next_offset }`; fetches one row more than `limit` to know whether a next page exists.
fn paged(mut items: Vec<Value>, limit: i64, offset: i64) -> Value {
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    json!({ "items": items, "next_offset": if more { Some(offset + limit) } else { None } })
}

async fn rows(
    s: &AppState,
    sql: &str,
    bind: Option<String>,
    limit: i64,
    offset: i64,
) -> Result<Vec<(String, Vec<u8>)>, ApiError> {
    let q = sqlx::query(sql);
    let q = match bind {
        Some(b) => q.bind(b),
        None => q,
    };
    let rows = q.bind(limit + 1).bind(offset).fetch_all(&s.pool).await?;
    Ok(rows.iter().map(|r| (r.get::<String, _>(0), r.get::<Vec<u8>, _>(1))).collect())
}

fn decode<T: anchor_lang::AccountDeserialize>(data: &[u8]) -> Result<T, ApiError> {
    vetmai_client::decode(data).map_err(|e| ApiError::Internal(e.to_string()))
}

/// Every reward pool with its history chunks.
/// A mirrored reward pool: its address, the pool, and its history chunks.
pub(crate) type MirroredPool = (Pubkey, RewardPool, Vec<RewardHistory>);

pub(crate) async fn pools(s: &AppState) -> Result<Vec<MirroredPool>, ApiError> {
    let pools = sqlx::query("select pubkey, data from reward_pool where not closed").fetch_all(&s.pool).await?;
    let mut out = vec![];
    for r in pools {
        let key: String = r.get(0);
        let pool: RewardPool = decode(&r.get::<Vec<u8>, _>(1))?;
        let hist = sqlx::query("select data from reward_history where pool = $1 and not closed order by chunk")
            .bind(&key)
            .fetch_all(&s.pool)
            .await?;
        let mut chunks = vec![];
        for h in hist {
            chunks.push(
                *vetmai_client::decode::decode_history(&h.get::<Vec<u8>, _>(0))
                    .map_err(|e| ApiError::Internal(e.to_string()))?,
            );
        }
        out.push((keys::parse_wallet(&key)?, pool, chunks));
    }
    out.sort_by_key(|(_, p, _)| p.index);
    Ok(out)
}

fn position_json(key: &str, p: &Position, now: i64, pending: Vec<Value>) -> Value {
    json!({
        "pubkey": key,
        "index": p.index,
        "kind": if p.kind == LockKind::Fixed { "fixed" } else { "constant" },
        "amount": p.amount.to_string(),
        "score": p.score.to_string(),
        "active_score": vetmai_client::view::position_score(p, now).to_string(),
        "duration": p.duration,
        "created_at": p.created_at,
        "end": if p.kind == LockKind::Fixed { Some(p.end) } else { None },
        "auto_compound": p.auto_compound,
        "pending_rewards": pending,
    })
}

/// `GET /v1/wallets/{wallet}`: score figures and the wallet's positions (paginated) with what
/// each would be paid by a claim now, per reward pool.
pub async fn wallet(
    State(s): State<AppState>,
    Path(wallet): Path<String>,
    Query(page): Query<Page>,
) -> Result<Response, ApiError> {
    let w = keys::parse_wallet(&wallet)?;
    let (limit, offset) = page.bounds()?;
    let now = s.now();
    let sc = score::score(&s.pool, &w, now).await?;
    let pools = pools(&s).await?;
    let list = rows(
        &s,
        "select pubkey, data from position where owner = $1 and not closed order by index limit $2 offset $3",
        Some(w.to_string()),
        limit,
        offset,
    )
    .await?;
    let mut items = vec![];
    for (key, data) in list {
        let p: Position = decode(&data)?;
        let pending = pools
            .iter()
            .map(|(pk, pool, hist)| {
                let owed = vetmai_client::view::pending_rewards(pool, &p, hist, now);
                json!({ "pool": pk.to_string(), "mint": pool.mint.to_string(), "amount": owed.map(|o| o.to_string()) })
            })
            .collect();
        items.push(position_json(&key, &p, now, pending));
    }
    let mut body = paged(items, limit, offset);
    let q = s.quotas;
    body["wallet"] = json!(w.to_string());
    body["ve"] = json!(sc.ve.to_string());
    body["level"] = json!(sc.level);
    body["tier"] = json!(q.for_level(sc.level).name);
    body["guaranteed_ve"] = json!(sc.guaranteed.to_string());
    body["guaranteed_level"] = json!(sc.guaranteed_level);
    body["guaranteed_tier"] = json!(q.for_level(sc.guaranteed_level).name);
    body["guaranteed_through"] = json!(sc.through);
    let config = score::config(&s.pool).await?;
    let staker = score::staker(&s.pool, &w).await?;
    let points = score::schedule(&config, staker.as_ref(), now, 7 * 86_400)?;
    body["schedule"] = json!(points
        .iter()
        .map(|p| json!({ "at": p.at, "vetmai": p.ve.to_string(), "guaranteed": p.guaranteed.to_string() }))
        .collect::<Vec<_>>());
    Ok(Json(body).into_response())
}

fn proposal_json(key: &str, p: &Proposal) -> Value {
    json!({
        "pubkey": key,
        "id": p.id,
        "proposer": p.proposer.to_string(),
        "title": p.title,
        "description_url": p.description_url,
        "content_hash": p.content_hash.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        "action": format!("{:?}", p.action),
        "state": vetmai_client::view::proposal_state_name(p.state),
        "created_at": p.created_at,
        "voting_ends_at": p.voting_ends_at,
        "total_ve_at_creation": p.total_ve_at_creation.to_string(),
        "yes": p.yes.to_string(),
        "no": p.no.to_string(),
        "abstain": p.abstain.to_string(),
        "voters": p.voters,
        "passes_now": p.outcome_passes(),
    })
}

/// `GET /v1/proposals`: newest first.
pub async fn proposals(State(s): State<AppState>, Query(page): Query<Page>) -> Result<Response, ApiError> {
    let (limit, offset) = page.bounds()?;
    let list = rows(
        &s,
        "select pubkey, data from proposal where not closed order by id desc limit $1 offset $2",
        None,
        limit,
        offset,
    )
    .await?;
    let items =
        list.iter().map(|(k, d)| decode::<Proposal>(d).map(|p| proposal_json(k, &p))).collect::<Result<Vec<_>, _>>()?;
    Ok(Json(paged(items, limit, offset)).into_response())
}

/// `GET /v1/proposals/{id}/votes`.
pub async fn votes(
    State(s): State<AppState>,
    Path(id): Path<u64>,
    Query(page): Query<Page>,
) -> Result<Response, ApiError> {
    let (limit, offset) = page.bounds()?;
    let proposal = vetmai_client::pda::proposal(id).to_string();
    let list = rows(
        &s,
        "select pubkey, data from vote_record where proposal = $1 and not closed order by weight desc, pubkey limit $2 offset $3",
        Some(proposal),
        limit,
        offset,
    )
    .await?;
    let mut items = vec![];
    for (k, d) in list {
        let v: VoteRecord = decode(&d)?;
        items.push(json!({ "pubkey": k, "voter": v.voter.to_string(), "choice": format!("{:?}", v.choice).to_lowercase(), "weight": v.weight.to_string(), "updated_at": v.updated_at }));
    }
    Ok(Json(paged(items, limit, offset)).into_response())
}

fn round_json(key: &str, r: &SaleRound) -> Value {
    json!({
        "pubkey": key,
        "id": r.id,
        "authority": r.authority.to_string(),
        "payment_mint": r.payment_mint.to_string(),
        "total_cap": r.total_cap.to_string(),
        "start": r.start,
        "end": r.end,
        "level_caps": r.level_caps.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
        "window_open_seconds": r.window_open.iter().map(|w| if *w == u64::MAX { None } else { Some(*w) }).collect::<Vec<_>>(),
        "total_committed": r.total_committed.to_string(),
        "proceeds": r.proceeds().to_string(),
        "committers": r.committers,
    })
}

/// `GET /v1/rounds`: newest first.
pub async fn rounds(State(s): State<AppState>, Query(page): Query<Page>) -> Result<Response, ApiError> {
    let (limit, offset) = page.bounds()?;
    let list = rows(
        &s,
        "select pubkey, data from sale_round where not closed order by id desc limit $1 offset $2",
        None,
        limit,
        offset,
    )
    .await?;
    let items =
        list.iter().map(|(k, d)| decode::<SaleRound>(d).map(|r| round_json(k, &r))).collect::<Result<Vec<_>, _>>()?;
    Ok(Json(paged(items, limit, offset)).into_response())
}

/// `GET /v1/rounds/{id}/allocations`: each commitment with its pro-rata allocation (final once
/// the round ended; what it would be if the round closed now before that).
pub async fn allocations(
    State(s): State<AppState>,
    Path(id): Path<u64>,
    Query(page): Query<Page>,
) -> Result<Response, ApiError> {
    let (limit, offset) = page.bounds()?;
    let round_key = vetmai_client::pda::round(id).to_string();
    let round = sqlx::query("select data from sale_round where pubkey = $1 and not closed")
        .bind(&round_key)
        .fetch_optional(&s.pool)
        .await?
        .ok_or(ApiError::NotFound("sale round"))?;
    let round: SaleRound = decode(&round.get::<Vec<u8>, _>(0))?;
    let list = rows(
        &s,
        "select pubkey, data from commitment where round = $1 and not closed order by wallet limit $2 offset $3",
        Some(round_key),
        limit,
        offset,
    )
    .await?;
    let mut items = vec![];
    for (k, d) in list {
        let c: Commitment = decode(&d)?;
        let alloc = c.allocation_in(&round).map_err(|e| ApiError::Internal(e.to_string()))?;
        items.push(json!({ "pubkey": k, "wallet": c.wallet.to_string(), "committed": c.amount.to_string(), "allocation": alloc.to_string(), "refund": (c.amount - alloc).to_string(), "settled": c.settled }));
    }
    Ok(Json(paged(items, limit, offset)).into_response())
}

/// `GET /v1/pools`: every reward pool with its totals and its revenue streams: what has been
/// distributed so far and, point by point (evenly spaced, plus every boundary where a deposit's
/// stream stops), what will have been by the end of the last stream.
pub async fn reward_pools(State(s): State<AppState>) -> Result<Response, ApiError> {
    let now = s.now();
    let mut items = vec![];
    for (k, p, _) in pools(&s).await? {
        let deposited = p.total_deposited;
        let stream = &p.stream;
        let from = now.max(stream.last_update);
        let span = stream.end.saturating_sub(from);
        let steps: i64 = if span > 0 { 24 } else { 0 };
        let mut times: Vec<i64> = (0..=steps).map(|i| from + span * i / steps.max(1)).collect();
        times.extend(stream_stops(&p).filter(|t| *t > from && *t < stream.end));
        times.sort_unstable();
        times.dedup();
        let mut points = vec![];
        for at in times {
            // What the program's own release schedule will still hold at `at`.
            let undistributed = u128::from(p.unreleased_at(at).ok_or(ApiError::Overflow)?);
            let distributed = deposited.checked_sub(undistributed).ok_or(ApiError::Overflow)?;
            points.push(json!({ "at": at, "distributed": distributed.to_string() }));
        }
        items.push(json!({
            "pubkey": k.to_string(),
            "index": p.index,
            "mint": p.mint.to_string(),
            "token_program": p.token_program.to_string(),
            "total_deposited": deposited.to_string(),
            "total_claimed": p.total_claimed.to_string(),
            "streaming": { "remaining": stream.remaining.to_string(), "until": stream.end, "last_update": stream.last_update },
            "points": points,
        }));
    }
    Ok(Json(json!({ "items": items })).into_response())
}

/// Boundaries (unix seconds) where some deposit's stream stops.
fn stream_stops(p: &RewardPool) -> impl Iterator<Item = i64> + '_ {
    (1..vetmai_math::RING_LEN as u64).filter_map(move |k| {
        let e = p.score.fixed.epoch.checked_add(k)?;
        let stopping = p.rate_ends[vetmai_math::schedule::slot(e)];
        (stopping != 0).then(|| vetmai_math::time::epoch_start(e)).flatten()
    })
}

/// `GET /v1/stats`: TVL, total veTMAI, positions, stakers, each pool's current reward rate, and
/// the lock parameters a client needs to preview a lock's score (`vetmai_math::lock_score`).
pub async fn stats(State(s): State<AppState>) -> Result<Response, ApiError> {
    let config = score::config(&s.pool).await?;
    let now = s.now();
    let pools = pools(&s).await?;
    let rates: Vec<Value> = pools
        .iter()
        .map(|(k, p, _)| {
            let from = now.max(p.stream.last_update);
            let per_day = match (p.unreleased_at(from), p.unreleased_at(from + 86_400)) {
                (Some(a), Some(b)) => a.saturating_sub(b),
                _ => 0,
            };
            json!({ "pool": k.to_string(), "mint": p.mint.to_string(), "streaming_until": p.stream.end, "remaining": p.stream.remaining.to_string(), "rate_per_day": per_day.to_string(), "total_deposited": p.total_deposited.to_string(), "total_claimed": p.total_claimed.to_string() })
        })
        .collect();
    Ok(Json(json!({
        "tvl": config.totals.locked_amount.to_string(),
        "total_ve": config.totals.ve_at(now).ok_or(ApiError::Overflow)?.to_string(),
        "open_positions": config.totals.open_positions,
        "stakers": config.totals.stakers,
        "reward_pools": rates,
        "lock_params": {
            "tmai_decimals": config.tmai_decimals,
            "min_lock": config.params.min_lock,
            "max_lock": config.params.max_lock,
            "max_multiplier_bps": config.params.max_multiplier_bps,
            "level_thresholds": config.params.level_thresholds.iter().map(|t| t.to_string()).collect::<Vec<_>>(),
        },
    }))
    .into_response())
}
