//! Serves the built web app and `/sandbox.json` (endpoints, program, mints and the dev wallets'
//! keypairs — this server listens on loopback only).
use std::path::PathBuf;

use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;
use tower_http::services::{ServeDir, ServeFile};

pub fn router(app_dir: PathBuf, sandbox: Value) -> Router {
    let index = app_dir.join("index.html");
    let router = Router::new().route("/sandbox.json", get(move || async move { Json(sandbox.clone()) }));
    if index.exists() {
        // Unknown paths get the app's index.html (client-side routes).
        router.fallback_service(ServeDir::new(&app_dir).not_found_service(ServeFile::new(index)))
    } else {
        let msg = format!(
            "The web app is not built ({} is missing). Build it with: (cd app && npm ci && npm run build)\n",
            index.display()
        );
        router.fallback(move || async move { (axum::http::StatusCode::SERVICE_UNAVAILABLE, msg.clone()) })
    }
}
