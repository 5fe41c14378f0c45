//! HTTP surface: `fn app(state) -> Router`, so tests drive it with `oneshot`.
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::error_handling::HandleErrorLayer;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{BoxError, Extension, Json, Router};
use serde::Deserialize;
use serde_json::json;
use tower::ServiceBuilder;

use crate::coalesce::Checked;
use crate::keys::{self, Purpose, Terms};
use crate::limit;
use crate::meter::Decision;
use crate::tiers::Tier;
use crate::ApiError;
use crate::{score, tx, views};

/// The OpenAPI document, checked in next to the code.
pub const OPENAPI: &str = include_str!("../openapi.json");

pub use crate::state::{
    AppState, Metrics, RouteLimits, DEFAULT_CHALLENGES_GLOBAL, DEFAULT_CHALLENGES_PER_CLIENT,
    DEFAULT_MAX_KEYS_PER_WALLET, MAX_BODY_BYTES,
};

/// Sheds what is over a route's concurrency limit and stops what runs over its time, both as
/// JSON 503s with `Retry-After`.
fn limited(r: Router<AppState>, (max, timeout): (usize, Duration)) -> Router<AppState> {
    r.layer(
        ServiceBuilder::new()
            .layer(HandleErrorLayer::new(|e: BoxError| async move {
                if e.is::<tower::timeout::error::Elapsed>() {
                    ApiError::TimedOut
                } else if e.is::<tower::load_shed::error::Overloaded>() {
                    ApiError::Overloaded
                } else {
                    ApiError::Internal(e.to_string())
                }
            }))
            .load_shed()
            .concurrency_limit(max)
            .timeout(timeout),
    )
}

/// Unknown routes answer JSON too.
async fn no_route(method: Method, uri: Uri) -> ApiError {
    ApiError::NoRoute(format!("{method} {}", uri.path()))
}

/// Every error is JSON `{code, message}`: what axum answers by itself (405, path and query
/// rejections, body limits) is rewritten here, keeping its status and headers.
async fn json_errors(r: Response) -> Response {
    let status = r.status();
    let is_json = r
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return r;
    }
    let (parts, body) = r.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.map(|b| String::from_utf8_lossy(&b).trim().to_string());
    let message = match text {
        Ok(t) if !t.is_empty() => t,
        _ => status.canonical_reason().unwrap_or("error").to_string(),
    };
    let code = match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::REQUEST_TIMEOUT => "timed_out",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    };
    let mut out = (status, Json(json!({ "code": code, "message": message }))).into_response();
    for (k, v) in &parts.headers {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            out.headers_mut().insert(k.clone(), v.clone());
        }
    }
    out
}

pub fn app(state: AppState) -> Router {
    let l = state.limits;
    let metering = Router::new().route("/v1/check", post(check)).route("/v1/auth", get(auth));
    let keys = Router::new()
        .route("/v1/keys/challenge", post(challenge))
        .route("/v1/keys", post(create_key))
        .route("/v1/keys/list", post(list_keys))
        .route("/v1/keys/{id}/revoke", post(revoke_key));
    let reads = Router::new()
        .route("/v1/tiers", get(tiers))
        .route("/v1/usage", get(usage))
        .route("/v1/wallets/{wallet}", get(views::wallet))
        .route("/v1/proposals", get(views::proposals))
        .route("/v1/proposals/{id}/votes", get(views::votes))
        .route("/v1/rounds", get(views::rounds))
        .route("/v1/rounds/{id}/allocations", get(views::allocations))
        .route("/v1/stats", get(views::stats))
        .route("/v1/pools", get(views::reward_pools))
        .route("/v1/tx/{action}", post(tx::build));
    let ops = Router::new()
        .route("/healthz", get(|| async { Json(json!({ "status": "ok" })) }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(|| async { ([("content-type", "application/json")], OPENAPI) }));
    Router::new()
        .merge(limited(metering, l.metering))
        .merge(limited(keys, l.keys))
        .merge(limited(reads, l.reads))
        .merge(limited(ops, l.ops))
        .fallback(no_route)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
        .layer(axum::middleware::map_response(json_errors))
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
    /// What the request will do besides its action (name, overage, key_id).
    #[serde(flatten)]
    terms: Terms,
}

async fn challenge(
    State(s): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    body: Result<Json<ChallengeReq>, JsonRejection>,
) -> Result<Response, ApiError> {
    let client = limit::client_ip(peer_addr(peer), &headers, s.trust_forwarded_for);
    s.challenges.take(client).map_err(ApiError::RateLimited)?;
    let Json(req) = body?;
    let wallet = keys::parse_wallet(&req.wallet)?;
    let c = keys::issue(&s.pool, &s.challenge_sweep, &s.siws, &wallet, req.purpose, &req.terms, s.now()).await?;
    Ok((StatusCode::CREATED, Json(c)).into_response())
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

async fn redeem(
    s: &AppState,
    signed: &Signed,
    purpose: Purpose,
    terms: &Terms,
) -> Result<anchor_lang::prelude::Pubkey, ApiError> {
    let wallet = keys::parse_wallet(&signed.wallet)?;
    keys::redeem(&s.pool, &wallet, purpose, terms, &signed.nonce, &signed.signature, s.now()).await?;
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
    let terms = Terms { name: req.name.clone(), overage: req.overage, key_id: None };
    let wallet = redeem(&s, &req.signed, Purpose::CreateKey, &terms).await?;
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
    let wallet = redeem(&s, &req, Purpose::ListKeys, &Terms::default()).await?;
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
    let terms = Terms { key_id: Some(id), ..Terms::default() };
    let wallet = redeem(&s, &req, Purpose::RevokeKey, &terms).await?;
    keys::revoke(&s.pool, &wallet, id).await?;
    // This process stops admitting the key at once; others when the trigger's notice reaches them.
    s.coalescer.forget_wallet(&wallet.to_string());
    Ok(Json(json!({ "id": id, "revoked": true })).into_response())
}

/// Looks up the key, resolves the tier from the guaranteed veTMAI and meters the call.
async fn decide(s: &AppState, peer: Option<SocketAddr>, headers: &HeaderMap) -> Result<(Decision, Tier, u8), ApiError> {
    let key = headers.get("x-api-key").and_then(|v| v.to_str().ok()).ok_or(ApiError::MissingKey)?;
    if !keys::plausible_key(key) {
        s.metrics.unknown_cached.fetch_add(1, Ordering::Relaxed);
        return Err(ApiError::UnknownKey);
    }
    let client = limit::client_ip(peer, headers, s.trust_forwarded_for);
    let Checked { decision: d, tier, level } = s.coalescer.check(s, &keys::key_hash(key), client).await?;
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

/// The connection's peer, when the server was started with connect info.
type Peer = Option<Extension<ConnectInfo<SocketAddr>>>;

fn peer_addr(p: Peer) -> Option<SocketAddr> {
    p.map(|Extension(ConnectInfo(a))| a)
}

async fn check(State(s): State<AppState>, peer: Peer, headers: HeaderMap) -> Result<Response, ApiError> {
    let (d, tier, level) = decide(&s, peer_addr(peer), &headers).await?;
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
async fn auth(State(s): State<AppState>, peer: Peer, headers: HeaderMap) -> Result<Response, ApiError> {
    let (d, tier, _) = decide(&s, peer_addr(peer), &headers).await?;
    let status = if d.allowed { StatusCode::NO_CONTENT } else { StatusCode::TOO_MANY_REQUESTS };
    let mut h = rate_headers(&d, s.now());
    if let Ok(v) = HeaderValue::from_str(tier.name) {
        h.insert("x-vetmai-tier", v);
    }
    Ok((status, h).into_response())
}

/// This month's usage of the key's wallet (and the key's share), its tier and reset time, read
/// without metering a call. Usage is what Postgres has been told: calls a process admitted from a
/// lease show up at its next report (within seconds). Each read of a key counts against the
/// client's lookups ([`AppState::key_lookups`]), as it costs Postgres what a lookup does.
async fn usage(State(s): State<AppState>, peer: Peer, headers: HeaderMap) -> Result<Response, ApiError> {
    let key = headers.get("x-api-key").and_then(|v| v.to_str().ok()).ok_or(ApiError::MissingKey)?;
    if !keys::plausible_key(key) {
        return Err(ApiError::UnknownKey);
    }
    let client = limit::client_ip(peer_addr(peer), &headers, s.trust_forwarded_for);
    s.key_lookups.take(client).map_err(ApiError::RateLimited)?;
    let ctx = score::key_context(&s.pool, &keys::key_hash(key)).await?;
    let th = score::thresholds(&s.pool).await?;
    let now = s.now();
    let level = ctx.score(&th.config, now)?.guaranteed_level;
    let tier = s.quotas.for_level(level);
    let month = vetmai_math::time::month_index(now).and_then(|m| i32::try_from(m).ok()).ok_or(ApiError::Overflow)?;
    let reset = vetmai_math::time::next_month_start(now).ok_or(ApiError::Overflow)?;
    let (used, overage, key_used, key_overage): (i64, i64, i64, i64) = sqlx::query_as(
        "select coalesce((select used from api_wallet_usage where wallet = $1 and month = $3), 0), \
                coalesce((select overage from api_wallet_usage where wallet = $1 and month = $3), 0), \
                coalesce((select used from api_usage where key_id = $2 and month = $3), 0), \
                coalesce((select overage from api_usage where key_id = $2 and month = $3), 0)",
    )
    .bind(ctx.wallet.to_string())
    .bind(ctx.key_id)
    .bind(month)
    .fetch_one(&s.pool)
    .await?;
    let count = |v: i64| u64::try_from(v).map_err(|_| ApiError::Overflow);
    let used = count(used)?;
    let reset_at = chrono::DateTime::from_timestamp(reset, 0).map(|t| t.to_rfc3339()).unwrap_or_default();
    Ok(Json(json!({
        "wallet": ctx.wallet.to_string(),
        "tier": tier.name,
        "level": level,
        "limit": tier.calls_per_month,
        "used": used,
        "remaining": tier.calls_per_month.saturating_sub(used),
        "overage": count(overage)?,
        "key": { "id": ctx.key_id, "used": count(key_used)?, "overage": count(key_overage)?, "overage_on": ctx.overage },
        "reset": reset_at,
        "reset_unix": reset,
    }))
    .into_response())
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
         vetmai_api_check_wait_seconds_sum {}\n\
         # TYPE vetmai_api_shed_total counter\n\
         vetmai_api_shed_total {}\n\
         # TYPE vetmai_api_unknown_keys_cached_total counter\n\
         vetmai_api_unknown_keys_cached_total {}\n\
         # TYPE vetmai_api_key_lookups_total counter\n\
         vetmai_api_key_lookups_total {}\n\
         # TYPE vetmai_api_lease_calls_reclaimed_total counter\n\
         vetmai_api_lease_calls_reclaimed_total {}\n\
         # TYPE vetmai_api_errors_total counter\n\
         vetmai_api_errors_total {}\n\
         # TYPE vetmai_api_memory_trusted gauge\n\
         vetmai_api_memory_trusted {}\n",
        m.checks_allowed.load(Ordering::Relaxed),
        m.checks_overage.load(Ordering::Relaxed),
        m.checks_refused.load(Ordering::Relaxed),
        m.check_batches.load(Ordering::Relaxed),
        m.checks_local.load(Ordering::Relaxed),
        m.check_waits.load(Ordering::Relaxed),
        m.check_wait_micros.load(Ordering::Relaxed) as f64 / 1e6,
        m.shed.load(Ordering::Relaxed),
        m.unknown_cached.load(Ordering::Relaxed),
        m.key_lookups.load(Ordering::Relaxed),
        m.reclaimed.load(Ordering::Relaxed),
        m.errors.load(Ordering::Relaxed),
        u8::from(s.coalescer.trusted()),
    );
    ([("content-type", "text/plain; version=0.0.4")], body).into_response()
}
