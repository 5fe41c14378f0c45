//! Events: a convenience for log readers. Native runs drop them, so the indexer mirrors
//! account state and never relies on these.
use anchor_lang::prelude::*;

use crate::state::{LockKind, Position};

/// A position was created or its amount, duration, kind or score changed.
#[event]
pub struct LockChanged {
    pub owner: Pubkey,
    pub position: Pubkey,
    pub kind: LockKind,
    /// Base units.
    pub amount: u64,
    pub score: u128,
    /// Unix seconds; 0 for Constant.
    pub end: i64,
    /// The owner's veTMAI after the change.
    pub owner_ve: u128,
}

impl LockChanged {
    pub fn of(p: &Account<Position>, owner_ve: u128) -> Self {
        Self { owner: p.owner, position: p.key(), kind: p.kind, amount: p.amount, score: p.score, end: p.end, owner_ve }
    }
}

/// A position was withdrawn and closed.
#[event]
pub struct LockWithdrawn {
    pub owner: Pubkey,
    pub position: Pubkey,
    /// Base units returned.
    pub amount: u64,
}

/// Revenue was added to a reward pool.
#[event]
pub struct RevenueDeposited {
    pub pool: Pubkey,
    /// Base units.
    pub amount: u64,
    /// When this deposit's stream ends, unix seconds.
    pub stream_end: i64,
}

/// A position's rewards were claimed.
#[event]
pub struct RewardsClaimed {
    pub position: Pubkey,
    pub pool: Pubkey,
    /// Base units.
    pub amount: u64,
    /// The position the rewards were locked into (reinvest), if any.
    pub reinvested_into: Option<Pubkey>,
}

/// The config was created (`initialize`).
#[event]
pub struct Initialized {
    pub admin: Pubkey,
    pub tmai_mint: Pubkey,
    pub token_program: Pubkey,
}

/// DAO-governed parameters changed (by the admin, or a passed `UpdateParams`).
#[event]
pub struct ParamsUpdated {
    pub by: Pubkey,
    pub params: crate::state::Params,
}

/// The admin proposed a new admin (`set_admin`), or it accepted (`accept_admin`), or governance
/// took over (`transfer_to_dao`).
#[event]
pub struct AdminChanged {
    pub admin: Pubkey,
    /// Awaiting `accept_admin`; default pubkey when none.
    pub pending_admin: Pubkey,
}

/// Who may deposit revenue changed.
#[event]
pub struct RevenueAuthoritySet {
    pub authority: Pubkey,
}

/// A reward pool was registered (or retired by governance).
#[event]
pub struct RewardPoolChanged {
    pub pool: Pubkey,
    pub mint: Pubkey,
    pub index: u8,
    pub retired: bool,
}

/// The DAO was created, or its guardian or sale authority changed.
#[event]
pub struct DaoChanged {
    pub guardian: Pubkey,
    pub sale_authority: Pubkey,
}

/// A treasury token account of the DAO was created for a mint.
#[event]
pub struct TreasuryCreated {
    pub mint: Pubkey,
    pub treasury: Pubkey,
}

/// A proposal was created.
#[event]
pub struct ProposalCreated {
    pub proposal: Pubkey,
    pub id: u64,
    pub proposer: Pubkey,
    pub voting_ends_at: i64,
}

/// A vote was cast, changed (`weight` re-read) or withdrawn (`choice` none).
#[event]
pub struct VoteChanged {
    pub proposal: Pubkey,
    pub voter: Pubkey,
    pub choice: Option<crate::state::VoteChoice>,
    pub weight: u128,
}

/// A proposal changed state (finalized, executed, cancelled, vetoed).
#[event]
pub struct ProposalStateChanged {
    pub proposal: Pubkey,
    pub state: crate::state::ProposalState,
}

/// A sale round was opened.
#[event]
pub struct RoundOpened {
    pub round: Pubkey,
    pub id: u64,
    pub payment_mint: Pubkey,
    pub total_cap: u64,
    pub start: i64,
    pub end: i64,
}

/// A wallet committed to a round.
#[event]
pub struct Committed {
    pub round: Pubkey,
    pub wallet: Pubkey,
    /// This commit, payment base units.
    pub amount: u64,
    /// The wallet's total in the round.
    pub total: u64,
}

/// A commitment was settled pro rata.
#[event]
pub struct CommitmentSettled {
    pub round: Pubkey,
    pub wallet: Pubkey,
    pub allocation: u64,
    pub refund: u64,
}

/// The round's authority took the proceeds.
#[event]
pub struct ProceedsWithdrawn {
    pub round: Pubkey,
    pub destination: Pubkey,
    pub amount: u64,
}

/// A finished account was closed and its rent returned.
#[event]
pub struct AccountClosed {
    pub account: Pubkey,
    pub rent_to: Pubkey,
}

/// A lock's TMAI was returned while reward tokens stayed owed (`exit_lock`); `forfeited` went
/// back into the pools' streams.
#[event]
pub struct LockExited {
    pub owner: Pubkey,
    pub position: Pubkey,
    pub amount: u64,
    /// Still owed per pool slot (claimable later).
    pub owed: [u64; crate::constants::MAX_REWARD_POOLS],
    /// Given back per pool slot.
    pub forfeited: [u64; crate::constants::MAX_REWARD_POOLS],
}
