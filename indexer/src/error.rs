use thiserror::Error;

#[derive(Debug, Error)]
pub enum IndexerError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("rpc: {0}")]
    Rpc(#[from] solana_rpc_client_api::client_error::Error),
    #[error("pubsub: {0}")]
    Pubsub(#[from] solana_pubsub_client::nonblocking::pubsub_client::PubsubClientError),
    #[error("decode: {0}")]
    Decode(#[from] vetmai_client::DecodeError),
    #[error("bad account data from rpc: {0}")]
    BadAccount(String),
    #[error("the event channel closed")]
    ChannelClosed,
    #[error("arithmetic overflow in a derived figure")]
    Overflow,
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

impl IndexerError {
    /// Postgres refused a value written, rather than being unreachable, busy or out of space:
    /// SQLSTATE class 22 (data exception, e.g. a time outside `timestamptz`) or 23 (integrity
    /// constraint violation), or a value sqlx could not encode. Writing the same rows again fails
    /// the same way, so the sink writes the batch row by row and quarantines the rows that fail.
    pub fn is_data_error(&self) -> bool {
        match self {
            IndexerError::Db(sqlx::Error::Database(e)) => {
                e.code().is_some_and(|c| c.starts_with("22") || c.starts_with("23"))
            }
            IndexerError::Db(sqlx::Error::Encode(_)) => true,
            _ => false,
        }
    }
}
