//! HTTP surface: `fn app(state) -> Router`, so tests drive it with `oneshot`.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use sqlx::PgPool;

use crate::coalesce::{Checked, Coalescer};
use crate::keys::{self, Purpose};
use crate::meter::Decision;
use crate::tiers::{Quotas, Tier};
use crate::ApiError;
use crate::{score, tx, views};

/// The OpenAPI document, checked in next to the code.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// Default of [`AppState::max_keys_per_wallet`].
pub const DEFAULT_MAX_KEYS_PER_WALLET: u32 = 10;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub quotas: Quotas,
    /// Unix seconds now (injectable so tests can cross month boundaries).
    pub clock: Arc<dyn Fn() -> i64 + Send + Sync>,
    pub metrics: Arc<Metrics>,
    /// `/readyz` fails when the indexer's live cursor is older than this.
    pub max_lag_secs: u64,
    /// Batches concurrent checks of one key.
    pub coalescer: Arc<Coalescer>,
    /// Most unrevoked keys a wallet may hold (`409 too_many_keys` past it).
    pub max_keys_per_wallet: u32,
}

impl AppState {
    pub fn new(pool: PgPool, quotas: Quotas) -> Self {
        Self {
            pool,
            quotas,
            clock: Arc::new(|| chrono::Utc::now().timestamp()),
            metrics: Arc::default(),
            max_lag_secs: 60,
            coalescer: Arc::default(),
            max_keys_per_wallet: DEFAULT_MAX_KEYS_PER_WALLET,
        }
    }

    pub fn now(&self) -> i64 {
        (self.clock)()
    }
}

/// Counters exported at `/metrics`.
#[derive(Default)]
pub struct Metrics {
    pub checks_allowed: AtomicU64,
    pub checks_refused: AtomicU64,
    pub checks_overage: AtomicU64,
    /// Metering statements issued (each serves a coalesced batch of checks, or reports leases).
    pub check_batches: AtomicU64,
    /// Checks answered from a lease (or a spent quota) in memory.
    pub checks_local: AtomicU64,
    /// Checks that waited for Postgres, and how long in all (µs).
    pub check_waits: AtomicU64,
    pub check_wait_micros: AtomicU64,
    pub errors: AtomicU64,
}

pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/v1/keys/challenge", post(challenge))
        .route("/v1/keys", post(create_key))
        .route("/v1/keys/list", post(list_keys))
        .route("/v1/keys/{id}/revoke", post(revoke_key))
        .route("/v1/check", post(check))
        .route("/v1/auth", get(auth))
        .route("/v1/tiers", get(tiers))
        .route("/v1/wallets/{wallet}", get(views::wallet))
        .route("/v1/proposals", get(views::proposals))
        .route("/v1/proposals/{id}/votes", get(views::votes))
        .route("/v1/rounds", get(views::rounds))
        .route("/v1/rounds/{id}/allocations", get(views::allocations))
        .route("/v1/stats", get(views::stats))
        .route("/v1/pools", get(views::reward_pools))
        .route("/v1/tx/{action}", post(tx::build))
        .route("/healthz", get(|| async { Json(json!({ "status": "ok" })) }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(|| async { ([("content-type", "application/json")], OPENAPI) }))
        .with_state(state)
        // Browser dashboards on any origin may read and build transactions; keys are sent in a
        // header and never as cookies, so there are no credentials to protect from other origins.
        .layer(
            tower_http::cors::CorsLayer::new()
                .allow_origin(tower_http::cors::Any)
                .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
                .allow_headers([axum::http::header::CONTENT_TYPE, axum::http::HeaderName::from_static("x-api-key")])
                .expose_headers([
                    axum::http::HeaderName::from_static("ratelimit"),
                    axum::http::HeaderName::from_static("ratelimit-policy"),
                    axum::http::header::RETRY_AFTER,
                ]),
        )
}

#[derive(Deserialize)]
struct ChallengeReq {
    wallet: String,
    purpose: Purpose,
}

async fn challenge(
    State(s): State<AppState>,
    body: Result<Json<ChallengeReq>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) = body?;
    let wallet = keys::parse_wallet(&req.wallet)?;
    let (nonce, message, expires_at) = keys::issue(&s.pool, &wallet, req.purpose, s.now()).await?;
    Ok((StatusCode::CREATED, Json(json!({ "nonce": nonce, "message": message, "expires_at": expires_at })))
        .into_response())
}

#[derive(Deserialize)]
struct Signed {
    wallet: String,
    nonce: String,
    signature: String,
}

#[derive(Deserialize)]
struct CreateKeyReq {
    #[serde(flatten)]
    signed: Signed,
    name: Option<String>,
    #[serde(default)]
    overage: bool,
}

async fn redeem(s: &AppState, signed: &Signed, purpose: Purpose) -> Result<anchor_lang::prelude::Pubkey, ApiError> {
    let wallet = keys::parse_wallet(&signed.wallet)?;
    keys::redeem(&s.pool, &wallet, purpose, &signed.nonce, &signed.signature, s.now()).await?;
    Ok(wallet)
}

async fn create_key(
    State(s): State<AppState>,
    body: Result<Json<CreateKeyReq>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) = body?;
    if let Some(name) = &req.name {
        keys::check_name(name)?;
    }
    let wallet = redeem(&s, &req.signed, Purpose::CreateKey).await?;
    let (id, key, prefix) =
        keys::create_capped(&s.pool, &wallet, req.name.as_deref(), req.overage, s.max_keys_per_wallet).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "key": key, "prefix": prefix, "wallet": wallet.to_string(), "overage": req.overage })),
    )
        .into_response())
}

async fn list_keys(State(s): State<AppState>, body: Result<Json<Signed>, JsonRejection>) -> Result<Response, ApiError> {
    let Json(req) = body?;
    let wallet = redeem(&s, &req, Purpose::ListKeys).await?;
    let now = s.now();
    let month = vetmai_math::time::month_index(now).and_then(|m| i32::try_from(m).ok()).ok_or(ApiError::Overflow)?;
    let reset = vetmai_math::time::next_month_start(now).ok_or(ApiError::Overflow)?;
    let (keys, usage) = keys::list(&s.pool, &wallet, month).await?;
    // The quota is the wallet's: `usage` counts the calls of all its keys (each key's share is
    // in its own `used`).
    let usage = json!({ "used": usage.used, "overage": usage.overage, "reset_unix": reset });
    Ok(Json(json!({ "keys": keys, "usage": usage })).into_response())
}

async fn revoke_key(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    body: Result<Json<Signed>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) = body?;
    let wallet = redeem(&s, &req, Purpose::RevokeKey).await?;
    keys::revoke(&s.pool, &wallet, id).await?;
    // This process stops admitting the key at once; others when the trigger's notice reaches them.
    s.coalescer.forget_wallet(&wallet.to_string());
    Ok(Json(json!({ "id": id, "revoked": true })).into_response())
}

/// Looks up the key, resolves the tier from the guaranteed veTMAI and meters the call.
async fn decide(s: &AppState, headers: &HeaderMap) -> Result<(Decision, Tier, u8), ApiError> {
    let key = headers.get("x-api-key").and_then(|v| v.to_str().ok()).ok_or(ApiError::MissingKey)?;
    let Checked { decision: d, tier, level } = s.coalescer.check(s, &keys::key_hash(key)).await?;
    let m = &s.metrics;
    match (d.allowed, d.used >= d.limit && d.overage > 0) {
        (false, _) => m.checks_refused.fetch_add(1, Ordering::Relaxed),
        (true, true) => m.checks_overage.fetch_add(1, Ordering::Relaxed),
        (true, false) => m.checks_allowed.fetch_add(1, Ordering::Relaxed),
    };
    Ok((d, tier, level))
}

/// `RateLimit-Policy` / `RateLimit` (IETF draft) and, when refused, `Retry-After`.
fn rate_headers(d: &Decision, now: i64) -> HeaderMap {
    let mut h = HeaderMap::new();
    let window =
        vetmai_math::time::month_index(now).and_then(vetmai_math::time::month_start).map_or(0, |start| d.reset - start);
    let until = (d.reset - now).max(0);
    let put = |h: &mut HeaderMap, k: &'static str, v: String| {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    };
    put(&mut h, "ratelimit-policy", format!("\"monthly\";q={};w={window}", d.limit));
    put(&mut h, "ratelimit", format!("\"monthly\";r={};t={until}", d.remaining));
    if !d.allowed {
        put(&mut h, "retry-after", until.to_string());
    }
    h
}

async fn check(State(s): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let (d, tier, level) = decide(&s, &headers).await?;
    let status = if d.allowed { StatusCode::OK } else { StatusCode::TOO_MANY_REQUESTS };
    let reset = chrono::DateTime::from_timestamp(d.reset, 0).map(|t| t.to_rfc3339()).unwrap_or_default();
    let body = json!({
        "allowed": d.allowed,
        "tier": tier.name,
        "level": level,
        "limit": d.limit,
        "used": d.used,
        "remaining": d.remaining,
        "overage": d.overage,
        "reset": reset,
        "reset_unix": d.reset,
    });
    let mut body = body;
    if !d.allowed {
        body["code"] = json!("quota_exceeded");
        body["message"] = json!(format!("monthly quota of {} calls used; resets at {reset}", d.limit));
    }
    Ok((status, rate_headers(&d, s.now()), Json(body)).into_response())
}

/// For a gateway's auth sub-request: 204 when allowed, 429 when not, with the same headers.
async fn auth(State(s): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let (d, tier, _) = decide(&s, &headers).await?;
    let status = if d.allowed { StatusCode::NO_CONTENT } else { StatusCode::TOO_MANY_REQUESTS };
    let mut h = rate_headers(&d, s.now());
    if let Ok(v) = HeaderValue::from_str(tier.name) {
        h.insert("x-vetmai-tier", v);
    }
    Ok((status, h).into_response())
}

async fn tiers(State(s): State<AppState>) -> Result<Response, ApiError> {
    let config = score::config(&s.pool).await?;
    let mut levels = vec![json!({ "level": 0, "min_ve": "0", "tier": s.quotas.for_level(0) })];
    for (i, t) in config.params.level_thresholds.iter().enumerate() {
        let level = u8::try_from(i + 1).map_err(|_| ApiError::Overflow)?;
        levels.push(json!({ "level": level, "min_ve": t.to_string(), "tier": s.quotas.for_level(level) }));
    }
    Ok(Json(json!({ "levels": levels })).into_response())
}

/// Ready when the program config is mirrored and the indexer's live stream reported within
/// `max_lag_secs`.
async fn readyz(State(s): State<AppState>) -> Result<Response, ApiError> {
    score::config(&s.pool).await?;
    let age: Option<f64> = sqlx::query_scalar(
        "select extract(epoch from now() - max(updated_at))::float8 from cursor where name = 'live'",
    )
    .fetch_one(&s.pool)
    .await?;
    match age {
        Some(a) if a <= s.max_lag_secs as f64 => {
            Ok(Json(json!({ "status": "ready", "lag_seconds": a })).into_response())
        }
        _ => Err(ApiError::IndexLagging(age)),
    }
}

async fn metrics(State(s): State<AppState>) -> Response {
    let m = &s.metrics;
    let body = format!(
        "# TYPE vetmai_api_checks_total counter\n\
         vetmai_api_checks_total{{result=\"allowed\"}} {}\n\
         vetmai_api_checks_total{{result=\"overage\"}} {}\n\
         vetmai_api_checks_total{{result=\"refused\"}} {}\n\
         # TYPE vetmai_api_check_batches_total counter\n\
         vetmai_api_check_batches_total {}\n\
         # TYPE vetmai_api_checks_local_total counter\n\
         vetmai_api_checks_local_total {}\n\
         # TYPE vetmai_api_check_wait_seconds summary\n\
         vetmai_api_check_wait_seconds_count {}\n\
         vetmai_api_check_wait_seconds_sum {}\n",
        m.checks_allowed.load(Ordering::Relaxed),
        m.checks_overage.load(Ordering::Relaxed),
        m.checks_refused.load(Ordering::Relaxed),
        m.check_batches.load(Ordering::Relaxed),
        m.checks_local.load(Ordering::Relaxed),
        m.check_waits.load(Ordering::Relaxed),
        m.check_wait_micros.load(Ordering::Relaxed) as f64 / 1e6,
    );
    ([("content-type", "text/plain; version=0.0.4")], body).into_response()
}
