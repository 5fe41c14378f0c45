//! veTMAI access API (SPEC §8): API keys bound to wallets by a signed Sign-In With Solana
//! challenge, tier resolution from the indexer's mirror (veTMAI guaranteed through the end of the
//! billing month), and exact monthly metering of the wallet's quota: calls are decided in batches
//! by one Postgres statement (`api_meter`) or admitted from a quota lease reserved there first, so
//! no process ever admits call `Q + 1` of a `Q` quota ([`coalesce`], [`meter`]).
pub mod clock;
pub mod coalesce;
pub mod error;
pub mod keys;
pub mod limit;
pub mod meter;
pub mod routes;
pub mod score;
pub mod state;
pub mod tiers;
pub mod tx;
pub mod views;

pub use error::ApiError;
pub use routes::app;
pub use state::AppState;

/// The SQL migrations (indexer mirror + API tables), shared with the indexer.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");
