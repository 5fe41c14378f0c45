//! Read endpoints over rows written by the indexer's own store from real account encodings:
//! wallet positions with pending rewards, proposals and votes, rounds and allocations, stats,
//! pagination and its errors.
use anchor_lang::prelude::Pubkey;
use anchor_lang::{AccountSerialize, Discriminator};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};
use tower::ServiceExt;
use vetmai::state::*;
use vetmai_api::tiers::Quotas;
use vetmai_api::{app, AppState, MIGRATOR};
use vetmai_indexer::model::AccountUpdate;
use vetmai_indexer::store::{self, Batch};

mod common;

/// 2026-11-24 12:00 UTC.
const T0: i64 = 1_795_521_600;
const EPOCH: i64 = 604_800;

fn encode<T: AccountSerialize>(a: &T) -> Vec<u8> {
    let mut v = vec![];
    a.try_serialize(&mut v).unwrap();
    v
}

fn history_bytes(h: &RewardHistory) -> Vec<u8> {
    let mut v = RewardHistory::DISCRIMINATOR.to_vec();
    v.extend_from_slice(bytemuck::bytes_of(h));
    v
}

async fn get(router: &axum::Router, uri: &str) -> (StatusCode, Value) {
    send(router, Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn post(router: &axum::Router, uri: &str, body: Value) -> (StatusCode, Value) {
    let req = Request::post(uri).header("content-type", "application/json").body(Body::from(body.to_string()));
    send(router, req.unwrap()).await
}

async fn send(router: &axum::Router, req: Request<Body>) -> (StatusCode, Value) {
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 22).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test]
async fn reads_reflect_the_mirrored_accounts() {
    let db = common::Db::new().await;
    let pool = db.pool().await;
    MIGRATOR.run(&pool).await.unwrap();
    common::mirror_config(&db.url()).await;
    let epoch = (T0 / EPOCH) as u64;
    let owner = Pubkey::new_unique();
    let mut batch = Batch::default();
    let mut push = |pubkey: Pubkey, data: Vec<u8>| batch.push_account(AccountUpdate { pubkey, slot: 10, data });

    // A wallet with three 1 000-unit Fixed positions scoring 2 000 each, ending in 5 epochs.
    let end = (epoch as i64 + 5) * EPOCH;
    let mut fixed = ScoreSchedule::new(epoch);
    fixed.add(end, 6_000).unwrap();
    let staker = common::staker(owner, 3, 3_000, fixed);
    push(vetmai_client::pda::staker(&owner), encode(&staker));
    for i in 0..3u64 {
        let p = Position {
            owner,
            index: i,
            bump: 255,
            kind: LockKind::Fixed,
            amount: 1_000,
            score: 2_000,
            duration: 365 * 86_400,
            created_at: T0 - 86_400,
            end,
            rewards: Default::default(),
            auto_compound: false,
            reserved: [0; 32],
        };
        push(vetmai_client::pda::position(&owner, i), encode(&p));
    }
    // A pool whose stream released 600 units over a 6 000 score before T0 − 100: 0.1 per score
    // unit in the accumulator, nothing left streaming.
    let mut book = ScoreBook::new(epoch);
    book.fixed.add(end, 6_000).unwrap();
    let mint = Pubkey::new_unique();
    let pool_key = vetmai_client::pda::reward_pool(&mint);
    let reward_pool = RewardPool {
        mint,
        token_program: Pubkey::new_unique(),
        vault: Pubkey::new_unique(),
        index: 0,
        bump: 255,
        vault_bump: 255,
        stream: RewardStream {
            acc: 600 * vetmai_math::rewards::ACC_SCALE / 6_000,
            last_update: T0 - 100,
            end: T0 - 100,
            ..RewardStream::default()
        },
        rate_ends: [0; vetmai_math::RING_LEN],
        total_deposited: 600,
        total_claimed: 0,
        history_start_epoch: epoch,
        history_chunks: 1,
        score: book,
        retired: false,
        reserved: [0; 127],
    };
    push(pool_key, encode(&reward_pool));
    let history = RewardHistory { pool: pool_key, chunk: 0, start_epoch: epoch, acc: [[0; 16]; vetmai::HISTORY_LEN] };
    push(vetmai_client::pda::reward_history(&pool_key, 0), history_bytes(&history));
    // Three proposals, a vote on the newest, a round with two commitments.
    for id in 0..3u64 {
        let p = Proposal {
            id,
            proposer: owner,
            bump: 255,
            title: format!("proposal {id}"),
            description_url: "https://example.org".into(),
            content_hash: [id as u8; 32],
            action: ProposalAction::Signal,
            state: ProposalState::Voting,
            created_at: T0,
            voting_ends_at: T0 + 7 * 86_400,
            total_ve_at_creation: 6_000,
            quorum_bps: 2_500,
            approval_margin_bps: 1_000,
            timelock: 86_400,
            execution_window: 7 * 86_400,
            yes: 6_000,
            no: 0,
            abstain: 0,
            voters: 1,
            ever_voted: false,
            reserved: [0; 31],
        };
        push(vetmai_client::pda::proposal(id), encode(&p));
    }
    let proposal2 = vetmai_client::pda::proposal(2);
    let vote = VoteRecord {
        proposal: proposal2,
        voter: owner,
        bump: 255,
        choice: VoteChoice::Yes,
        weight: 6_000,
        updated_at: T0,
    };
    push(vetmai_client::pda::vote(&proposal2, &owner), encode(&vote));
    let round_key = vetmai_client::pda::round(0);
    let round = SaleRound {
        id: 0,
        bump: 255,
        authority: owner,
        payment_mint: mint,
        token_program: Pubkey::new_unique(),
        vault: Pubkey::new_unique(),
        total_cap: 100,
        start: T0 - 100,
        end: T0 + 100,
        level_caps: [1_000; 11],
        window_open: [0; 11],
        total_committed: 300,
        total_allocated: 0,
        total_refunded: 0,
        proceeds_withdrawn: 0,
        committers: 2,
        reserved: [0; 32],
    };
    push(round_key, encode(&round));
    let (round_mint, round_token_program) = (round.payment_mint, round.token_program);
    for (i, (from, amount)) in [(0u64, 100u64), (100, 200)].into_iter().enumerate() {
        let wallet = Pubkey::new_unique();
        let mut slices = [CommitSlice::default(); MAX_COMMITS];
        slices[0] = CommitSlice { from, amount };
        let c = Commitment {
            round: round_key,
            wallet,
            bump: 255,
            amount,
            slices,
            commits: 1,
            settled: false,
            allocation: 0,
            refund: 0,
        };
        push(vetmai_client::pda::commitment(&round_key, &wallet), encode(&c));
        let _ = i;
    }
    let written = store::write_batch(&pool, &batch).await.unwrap();
    assert_eq!(written.quarantined, 0);

    let mut state = AppState::new(pool.clone(), Quotas::default());
    state.clock = std::sync::Arc::new(|| T0);
    let router = app(state);

    // Wallet: paginated positions, each with its pending reward: 2 000 × 0.1 = 200.
    let (s, w) = get(&router, &format!("/v1/wallets/{owner}?limit=2")).await;
    assert_eq!(s, StatusCode::OK, "{w}");
    assert_eq!((w["ve"].as_str(), w["guaranteed_ve"].as_str()), (Some("6000"), Some("6000")));
    assert_eq!(w["items"].as_array().unwrap().len(), 2);
    assert_eq!(w["next_offset"].as_i64(), Some(2));
    assert_eq!(w["items"][0]["pending_rewards"][0]["amount"].as_str(), Some("200"));
    let (_, w2) = get(&router, &format!("/v1/wallets/{owner}?limit=2&offset=2")).await;
    assert_eq!((w2["items"].as_array().unwrap().len(), w2["next_offset"].is_null()), (1, true));
    // Proposals newest first; votes; paging errors.
    let (_, p) = get(&router, "/v1/proposals?limit=2").await;
    let ids: Vec<u64> = p["items"].as_array().unwrap().iter().map(|i| i["id"].as_u64().unwrap()).collect();
    assert_eq!((ids, p["next_offset"].as_i64()), (vec![2, 1], Some(2)));
    assert_eq!(p["items"][0]["passes_now"].as_bool(), Some(true));
    let (_, v) = get(&router, "/v1/proposals/2/votes").await;
    assert_eq!(v["items"][0]["weight"].as_str(), Some("6000"));
    for bad in ["/v1/proposals?limit=0", "/v1/proposals?limit=101", "/v1/proposals?offset=-1", "/v1/proposals?limit=x"]
    {
        assert_eq!(get(&router, bad).await.0, StatusCode::BAD_REQUEST, "{bad}");
    }
    // Round allocations: 300 committed against 100: pro rata 33 + 67 = 100 exactly.
    let (_, r) = get(&router, "/v1/rounds").await;
    assert_eq!(r["items"][0]["proceeds"].as_str(), Some("100"));
    let (_, a) = get(&router, "/v1/rounds/0/allocations").await;
    let total: u64 =
        a["items"].as_array().unwrap().iter().map(|i| i["allocation"].as_str().unwrap().parse::<u64>().unwrap()).sum();
    assert_eq!(total, 100);
    assert_eq!(get(&router, "/v1/rounds/9/allocations").await.0, StatusCode::NOT_FOUND);
    // Stats.
    let (_, st) = get(&router, "/v1/stats").await;
    assert_eq!(st["reward_pools"][0]["total_deposited"].as_str(), Some("600"));
    let defaults = vetmai::state::Params::defaults(6).unwrap();
    assert_eq!(st["lock_params"]["max_lock"].as_u64(), Some(defaults.max_lock));
    assert_eq!(
        st["lock_params"]["level_thresholds"][0].as_str(),
        Some(defaults.level_thresholds[0].to_string().as_str())
    );

    // Score over time: 6 000 until the locks end, 0 after.
    let sched = w["schedule"].as_array().unwrap();
    assert_eq!((sched[0]["at"].as_i64(), sched[0]["vetmai"].as_str()), (Some(T0), Some("6000")));
    let after = sched.iter().find(|p| p["at"].as_i64().unwrap() >= end).unwrap();
    assert_eq!(after["vetmai"].as_str(), Some("0"));
    // The reward stream has ended: all 600 distributed.
    let (s, pools) = get(&router, "/v1/pools").await;
    assert_eq!(s, StatusCode::OK, "{pools}");
    assert_eq!(pools["items"][0]["points"][0]["distributed"].as_str(), Some("600"));

    // Transactions: exactly what the client crate builds from the mirrored config and staker.
    let cfg: Vec<u8> = sqlx::query_scalar("select data from config").fetch_one(&pool).await.unwrap();
    let dep = vetmai_client::ix::Deployment::from_config(&vetmai_client::decode(&cfg).unwrap());
    let ata = anchor_spl::associated_token::get_associated_token_address_with_program_id(
        &owner,
        &dep.tmai_mint,
        &dep.token_program,
    );
    let body = json!({ "owner": owner.to_string(), "amount": "5000", "duration": 30 * 86_400, "kind": "constant" });
    let (s, t) = post(&router, "/v1/tx/create_lock", body).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    let expected = dep.create_lock(owner, ata, 3, 5_000, 30 * 86_400, LockKind::Constant);
    assert_eq!(t["instructions"], json!([vetmai_api::tx::instruction_json(&expected)]));
    // A second vote on proposal 2 is a change of vote.
    let body = json!({ "voter": owner.to_string(), "proposal": proposal2.to_string(), "choice": "no" });
    let (s, t) = post(&router, "/v1/tx/vote", body).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    let expected = dep.change_vote(owner, proposal2, VoteChoice::No);
    assert_eq!(t["instructions"], json!([vetmai_api::tx::instruction_json(&expected)]));
    // A commitment: checked against the level guaranteed through the round's end and its cap.
    let body = json!({ "owner": owner.to_string(), "round": round_key.to_string(), "amount": "400" });
    let (s, t) = post(&router, "/v1/tx/commit", body).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    let source = anchor_spl::associated_token::get_associated_token_address_with_program_id(
        &owner,
        &round_mint,
        &round_token_program,
    );
    let payment = vetmai_client::ix::PoolRef { mint: round_mint, token_program: round_token_program };
    let expected = dep.commit(owner, round_key, payment, source, 400);
    assert_eq!(t["instructions"], json!([vetmai_api::tx::instruction_json(&expected)]));
    // Every refusal names its reason.
    let position0 = vetmai_client::pda::position(&owner, 0).to_string();
    let stranger = Pubkey::new_unique().to_string();
    let cases = [
        ("unstake", json!({ "owner": owner.to_string() }), StatusCode::NOT_FOUND, "unknown_action"),
        ("create_lock", json!({ "owner": owner.to_string(), "duration": 1 }), StatusCode::BAD_REQUEST, "bad_request"),
        (
            "create_lock",
            json!({ "owner": owner.to_string(), "amount": "0", "duration": 1 }),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "create_lock",
            json!({ "owner": "nope", "amount": "1", "duration": 1 }),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "begin_unlock",
            json!({ "owner": owner.to_string(), "colour": "red" }),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "withdraw",
            json!({ "owner": owner.to_string(), "position": position0 }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "rejected",
        ),
        (
            "begin_unlock",
            json!({ "owner": stranger, "position": position0 }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "rejected",
        ),
        (
            "claim",
            json!({ "owner": owner.to_string(), "position": position0, "pool_index": 7 }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "rejected",
        ),
        (
            "extend_lock",
            json!({ "owner": owner.to_string(), "position": stranger, "duration": 1 }),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "vote",
            json!({ "voter": owner.to_string(), "proposal": stranger, "choice": "yes" }),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "vote",
            json!({ "voter": owner.to_string(), "proposal": proposal2.to_string(), "choice": "maybe" }),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        // No staker, so no veTMAI through the voting end: the program would refuse it.
        (
            "vote",
            json!({ "voter": stranger, "proposal": proposal2.to_string(), "choice": "yes" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "rejected",
        ),
        (
            "commit",
            json!({ "owner": owner.to_string(), "round": round_key.to_string(), "amount": "1001" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "rejected",
        ),
        (
            "commit",
            json!({ "owner": owner.to_string(), "round": stranger, "amount": "1" }),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        ("commit", json!({ "owner": owner.to_string(), "amount": "1" }), StatusCode::BAD_REQUEST, "bad_request"),
    ];
    for (action, body, status, code) in cases {
        let (s, v) = post(&router, &format!("/v1/tx/{action}"), body.clone()).await;
        assert_eq!((s, v["code"].as_str()), (status, Some(code)), "{action} {body}: {v}");
    }
    // A payout claim creates the owner's reward-token account first (idempotent).
    let body = json!({ "owner": owner.to_string(), "position": position0, "pool_index": 0, "mode": "payout" });
    let (s, t) = post(&router, "/v1/tx/claim", body).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    let ixs = t["instructions"].as_array().unwrap();
    assert_eq!(ixs[0]["program_id"].as_str(), Some(anchor_spl::associated_token::ID.to_string().as_str()));
    assert_eq!(ixs.last().unwrap()["program_id"].as_str(), Some(vetmai::ID.to_string().as_str()));

    // Once the pool's score has ended at a boundary it has not recorded, a score change would fail
    // with PoolNeedsCrank: the crank comes first.
    let later = end + EPOCH;
    assert!(vetmai_client::view::pool_needs_crank(&reward_pool, later));
    let mut state = AppState::new(pool.clone(), Quotas::default());
    state.clock = std::sync::Arc::new(move || later);
    let body = json!({ "owner": owner.to_string(), "position": position0, "duration": 30 * 86_400 });
    let (s, t) = post(&app(state), "/v1/tx/extend_lock", body).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    let chunks = vetmai_client::view::crank_history_chunks(&reward_pool, later).unwrap();
    let pool_ref = vetmai_client::ix::PoolRef { mint: reward_pool.mint, token_program: reward_pool.token_program };
    let owner_position0 = vetmai_client::pda::position(&owner, 0);
    let expected = [dep.crank_pool(pool_ref, chunks), dep.extend_lock(owner, owner_position0, 30 * 86_400)];
    assert_eq!(t["instructions"], json!(expected.iter().map(vetmai_api::tx::instruction_json).collect::<Vec<_>>()));
}
