//! `/metrics` (Prometheus), `/healthz` (process up), `/readyz` (mirror caught up).
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::metrics::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub metrics: Arc<Metrics>,
    /// Not ready when `head_slot - watermark_slot` exceeds this.
    pub max_lag_slots: u64,
    /// Not ready when the watermark has not advanced for this many seconds.
    pub max_lag_seconds: f64,
}

pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .with_state(state)
}

async fn metrics(State(s): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], s.metrics.render()).into_response()
}

/// Why the mirror is not ready, if it is not.
pub fn not_ready(s: &AppState) -> Option<String> {
    let m = &s.metrics;
    let Some(secs) = m.lag_seconds() else { return Some("initial backfill not finished".into()) };
    if secs > s.max_lag_seconds {
        return Some(format!("no progress for {secs:.1}s (max {})", s.max_lag_seconds));
    }
    let lag = m.lag_slots();
    if lag > s.max_lag_slots {
        return Some(format!("{lag} slots behind (max {})", s.max_lag_slots));
    }
    None
}

async fn readyz(State(s): State<AppState>) -> Response {
    let body = |code: &str, message: String| json!({ "code": code, "message": message });
    match not_ready(&s) {
        None => {
            (StatusCode::OK, Json(body("ready", format!("{} slots behind", s.metrics.lag_slots())))).into_response()
        }
        Some(why) => (StatusCode::SERVICE_UNAVAILABLE, Json(body("lagging", why))).into_response(),
    }
}
