use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// Every way a request can fail, with its status and machine-readable code.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the x-api-key header is missing")]
    MissingKey,
    #[error("unknown or revoked API key")]
    UnknownKey,
    #[error("malformed request: {0}")]
    BadRequest(String),
    #[error("the request body is larger than the {0} bytes this route accepts")]
    PayloadTooLarge(usize),
    #[error("the request body must be JSON (content-type: application/json)")]
    UnsupportedMediaType,
    #[error("the request differs from what the wallet signed: {0}")]
    TermsMismatch(&'static str),
    #[error("too many requests from this address; retry in {0} s")]
    RateLimited(u64),
    #[error("the service is at capacity; retry shortly")]
    Overloaded,
    #[error("the request took too long and was stopped; retry")]
    TimedOut,
    #[error("the database is unavailable; retry shortly")]
    Unavailable(String),
    #[error("not a valid wallet address (base58 ed25519 public key)")]
    BadWallet,
    #[error("malformed signature (base58, 64 bytes)")]
    BadSignature,
    #[error("the signature does not verify for this wallet and challenge")]
    WrongSigner,
    #[error("unknown challenge nonce")]
    UnknownChallenge,
    #[error("the challenge has expired; request a new one")]
    ChallengeExpired,
    #[error("the challenge was already used")]
    ChallengeReplayed,
    #[error("the challenge was issued for another wallet or purpose")]
    ChallengeMismatch,
    #[error("no such key for this wallet")]
    KeyNotFound,
    #[error("the wallet already has {0} live keys, the most it may have; revoke one first")]
    TooManyKeys(u32),
    #[error("bad key name: {0}")]
    BadKeyName(&'static str),
    #[error("no such {0} in the index")]
    NotFound(&'static str),
    #[error("no route {0}; see /openapi.json")]
    NoRoute(String),
    #[error(
        "unknown action {0:?}: one of create_lock, increase_amount, extend_lock, begin_unlock, withdraw, claim, vote"
    )]
    UnknownAction(String),
    #[error("{0}")]
    Rejected(String),
    #[error("the index has not mirrored the program config yet")]
    NotReady,
    #[error("the indexer's live stream is behind or silent (last report {0:?} s ago)")]
    IndexLagging(Option<f64>),
    #[error(
        "the rest of this wallet's quota is leased to another API process or key that has not given it back; retry"
    )]
    Contended,
    #[error("database error")]
    Db(sqlx::Error),
    #[error("arithmetic overflow")]
    Overflow,
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::MissingKey | ApiError::UnknownKey | ApiError::WrongSigner => StatusCode::UNAUTHORIZED,
            ApiError::BadRequest(_)
            | ApiError::BadWallet
            | ApiError::BadSignature
            | ApiError::BadKeyName(_)
            | ApiError::ChallengeExpired
            | ApiError::ChallengeMismatch => StatusCode::BAD_REQUEST,
            ApiError::UnknownChallenge
            | ApiError::KeyNotFound
            | ApiError::NotFound(_)
            | ApiError::NoRoute(_)
            | ApiError::UnknownAction(_) => StatusCode::NOT_FOUND,
            ApiError::Rejected(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::ChallengeReplayed | ApiError::TooManyKeys(_) => StatusCode::CONFLICT,
            ApiError::TermsMismatch(_) => StatusCode::FORBIDDEN,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::NotReady
            | ApiError::IndexLagging(_)
            | ApiError::Contended
            | ApiError::Overloaded
            | ApiError::TimedOut
            | ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Db(_) | ApiError::Overflow | ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::MissingKey => "missing_api_key",
            ApiError::UnknownKey => "unknown_api_key",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::TermsMismatch(_) => "terms_mismatch",
            ApiError::RateLimited(_) => "rate_limited",
            ApiError::Overloaded => "overloaded",
            ApiError::TimedOut => "timed_out",
            ApiError::Unavailable(_) => "database_unavailable",
            ApiError::BadWallet => "bad_wallet",
            ApiError::BadSignature => "bad_signature",
            ApiError::WrongSigner => "wrong_signer",
            ApiError::UnknownChallenge => "unknown_challenge",
            ApiError::ChallengeExpired => "challenge_expired",
            ApiError::ChallengeReplayed => "challenge_replayed",
            ApiError::ChallengeMismatch => "challenge_mismatch",
            ApiError::KeyNotFound => "key_not_found",
            ApiError::TooManyKeys(_) => "too_many_keys",
            ApiError::BadKeyName(_) => "bad_key_name",
            ApiError::NotFound(_) => "not_found",
            ApiError::NoRoute(_) => "no_route",
            ApiError::UnknownAction(_) => "unknown_action",
            ApiError::Rejected(_) => "rejected",
            ApiError::NotReady => "not_ready",
            ApiError::IndexLagging(_) => "index_lagging",
            ApiError::Contended => "quota_contended",
            ApiError::Db(_) | ApiError::Overflow | ApiError::Internal(_) => "internal",
        }
    }
}

impl ApiError {
    /// The same error for another waiter of a coalesced batch (database errors become `Internal`).
    pub fn duplicate(&self) -> ApiError {
        match self {
            ApiError::MissingKey => ApiError::MissingKey,
            ApiError::UnknownKey => ApiError::UnknownKey,
            ApiError::BadRequest(m) => ApiError::BadRequest(m.clone()),
            ApiError::PayloadTooLarge(n) => ApiError::PayloadTooLarge(*n),
            ApiError::UnsupportedMediaType => ApiError::UnsupportedMediaType,
            ApiError::TermsMismatch(f) => ApiError::TermsMismatch(f),
            ApiError::RateLimited(s) => ApiError::RateLimited(*s),
            ApiError::Overloaded => ApiError::Overloaded,
            ApiError::TimedOut => ApiError::TimedOut,
            ApiError::Unavailable(m) => ApiError::Unavailable(m.clone()),
            ApiError::BadWallet => ApiError::BadWallet,
            ApiError::BadSignature => ApiError::BadSignature,
            ApiError::WrongSigner => ApiError::WrongSigner,
            ApiError::UnknownChallenge => ApiError::UnknownChallenge,
            ApiError::ChallengeExpired => ApiError::ChallengeExpired,
            ApiError::ChallengeReplayed => ApiError::ChallengeReplayed,
            ApiError::ChallengeMismatch => ApiError::ChallengeMismatch,
            ApiError::KeyNotFound => ApiError::KeyNotFound,
            ApiError::TooManyKeys(n) => ApiError::TooManyKeys(*n),
            ApiError::BadKeyName(m) => ApiError::BadKeyName(m),
            ApiError::NotFound(w) => ApiError::NotFound(w),
            ApiError::NoRoute(r) => ApiError::NoRoute(r.clone()),
            ApiError::UnknownAction(a) => ApiError::UnknownAction(a.clone()),
            ApiError::Rejected(m) => ApiError::Rejected(m.clone()),
            ApiError::NotReady => ApiError::NotReady,
            ApiError::IndexLagging(a) => ApiError::IndexLagging(*a),
            ApiError::Contended => ApiError::Contended,
            ApiError::Db(e) => ApiError::Internal(e.to_string()),
            ApiError::Overflow => ApiError::Overflow,
            ApiError::Internal(m) => ApiError::Internal(m.clone()),
        }
    }
}

impl ApiError {
    /// Seconds a client should wait before retrying, for answers that say "later".
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            ApiError::RateLimited(s) => Some((*s).max(1)),
            _ if self.status() == StatusCode::SERVICE_UNAVAILABLE => Some(1),
            _ => None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = ?self, "request failed");
            "internal error".to_string()
        } else {
            if let ApiError::Unavailable(why) = &self {
                tracing::warn!(error = %why, "database unavailable");
            }
            self.to_string()
        };
        let mut r = (status, Json(json!({ "code": self.code(), "message": message }))).into_response();
        if let Some(s) = self.retry_after() {
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        r
    }
}

/// Errors that mean "Postgres cannot be reached now" answer 503 (`database_unavailable`) with
/// `Retry-After`; the rest are internal errors.
impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => ApiError::Unavailable(e.to_string()),
            sqlx::Error::Database(d) if d.code().is_some_and(|c| c.starts_with("08") || c.starts_with("57P")) => {
                // Connection exceptions and operator intervention (shutdown, cannot connect now).
                ApiError::Unavailable(e.to_string())
            }
            _ => ApiError::Db(e),
        }
    }
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(r: axum::extract::rejection::JsonRejection) -> Self {
        match r.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(crate::state::MAX_BODY_BYTES),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType,
            _ => ApiError::BadRequest(r.body_text()),
        }
    }
}
