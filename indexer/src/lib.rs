//! veTMAI indexer: mirrors every program account into Postgres (SPEC §7).
//!
//! ```text
//!  sources ──(one tokio channel of Event)──▶ sink ──▶ Postgres (one table per account type)
//!   • backfill   getProgramAccounts per discriminator at `confirmed`, with the context slot
//!   • live       programSubscribe + logsSubscribe (closures) + slotSubscribe at `confirmed`;
//!                reconnect loop with backoff; every (re)connect re-runs the backfill to close the
//!                gap; a bounded coalescing buffer so the websocket never waits on the sink
//!   • reconcile  the same snapshot at `finalized`, periodically
//! ```
//!
//! Every write is slot-ordered (`where excluded.slot > t.slot`), so duplicated, replayed or
//! out-of-order updates never regress a row, and a crash at any point is repaired by the next
//! backfill. Adding an account type = one [`model::AccountKind`] variant, one migration, one
//! upsert in [`store`].
pub mod buffer;
pub mod closures;
pub mod error;
pub mod extra;
pub mod metrics;
pub mod model;
pub mod run;
pub mod server;
pub mod sink;
pub mod source;
pub mod store;

pub use error::IndexerError;
