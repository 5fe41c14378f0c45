//! What flows from the sources to the sink.
use anchor_lang::prelude::Pubkey;
use anchor_lang::Discriminator;
use vetmai::state::{
    Commitment, Config, Dao, Position, Proposal, RewardHistory, RewardPool, SaleRound, Staker, VoteRecord,
};

/// Every account type the indexer mirrors: its discriminator (the `getProgramAccounts` memcmp
/// filter at offset 0) and its table. Keep in step with `vetmai_client::ProgramAccount`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountKind {
    Config,
    Staker,
    Position,
    RewardPool,
    RewardHistory,
    Dao,
    Proposal,
    VoteRecord,
    SaleRound,
    Commitment,
}

impl AccountKind {
    pub const ALL: [AccountKind; 10] = [
        AccountKind::Config,
        AccountKind::Staker,
        AccountKind::Position,
        AccountKind::RewardPool,
        AccountKind::RewardHistory,
        AccountKind::Dao,
        AccountKind::Proposal,
        AccountKind::VoteRecord,
        AccountKind::SaleRound,
        AccountKind::Commitment,
    ];

    pub fn discriminator(self) -> &'static [u8] {
        match self {
            AccountKind::Config => Config::DISCRIMINATOR,
            AccountKind::Staker => Staker::DISCRIMINATOR,
            AccountKind::Position => Position::DISCRIMINATOR,
            AccountKind::RewardPool => RewardPool::DISCRIMINATOR,
            AccountKind::RewardHistory => RewardHistory::DISCRIMINATOR,
            AccountKind::Dao => Dao::DISCRIMINATOR,
            AccountKind::Proposal => Proposal::DISCRIMINATOR,
            AccountKind::VoteRecord => VoteRecord::DISCRIMINATOR,
            AccountKind::SaleRound => SaleRound::DISCRIMINATOR,
            AccountKind::Commitment => Commitment::DISCRIMINATOR,
        }
    }

    /// The type whose discriminator `data` starts with.
    pub fn of(data: &[u8]) -> Option<AccountKind> {
        let disc = data.get(..8)?;
        AccountKind::ALL.into_iter().find(|k| k.discriminator() == disc)
    }

    /// Table name (also the `kind` label in metrics and logs).
    pub fn table(self) -> &'static str {
        match self {
            AccountKind::Config => "config",
            AccountKind::Staker => "staker",
            AccountKind::Position => "position",
            AccountKind::RewardPool => "reward_pool",
            AccountKind::RewardHistory => "reward_history",
            AccountKind::Dao => "dao",
            AccountKind::Proposal => "proposal",
            AccountKind::VoteRecord => "vote_record",
            AccountKind::SaleRound => "sale_round",
            AccountKind::Commitment => "commitment",
        }
    }
}

/// The state of one program account at `slot` (raw data, discriminator included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountUpdate {
    pub pubkey: Pubkey,
    pub slot: u64,
    pub data: Vec<u8>,
}

/// Where an event came from (a metrics label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Backfill,
    Live,
    Reconcile,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Backfill => "backfill",
            Origin::Live => "live",
            Origin::Reconcile => "reconcile",
        }
    }
}

#[derive(Debug, Clone)]
pub enum Event {
    /// An account exists with this data at this slot.
    Account(AccountUpdate, Origin),
    /// The account no longer exists (or left the program) at this slot.
    Closed { pubkey: Pubkey, slot: u64 },
    /// A complete snapshot of one account type at `slot` (`count` accounts), sent after the
    /// snapshot's accounts. Once those are written every live row of that type has
    /// `slot >= snapshot slot`, so any row still older was absent from the snapshot: it is closed.
    Snapshot { kind: AccountKind, slot: u64, count: usize, origin: Origin },
    /// The live stream is healthy up to `slot`: once written, the mirror is complete there.
    Heartbeat { slot: u64 },
}
