//! veTMAI access API (SPEC §8): API keys bound to wallets by an ed25519-signed challenge, tier
//! resolution from the indexer's mirror (veTMAI guaranteed through the end of the billing month),
//! and exact monthly metering — one conditional upsert per call, so no process ever admits call
//! `Q + 1` of a `Q` quota.
pub mod coalesce;
pub mod error;
pub mod keys;
pub mod meter;
pub mod routes;
pub mod score;
pub mod tiers;
pub mod tx;
pub mod views;

pub use error::ApiError;
pub use routes::{app, AppState};

/// The SQL migrations (indexer mirror + API tables), shared with the indexer.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");
