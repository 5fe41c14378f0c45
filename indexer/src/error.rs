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
