use anchor_lang::prelude::*;

use super::ParamsUpdate;
use crate::constants::{MAX_TITLE_LEN, MAX_URL_LEN};
use crate::error::VetmaiError;

/// The DAO: its PDA `["dao"]` is the governance authority (config admin after `transfer_to_dao`)
/// and the owner of the treasury token accounts; passed proposals act through its signature.
#[account]
#[derive(InitSpace, Debug)]
pub struct Dao {
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Proposals created so far (the next proposal's id).
    pub proposal_count: u64,
    /// Sale rounds opened so far (the next round's id).
    pub round_count: u64,
    /// May veto a passed proposal during its timelock; default pubkey = no guardian.
    pub guardian: Pubkey,
    /// May open sale rounds (set by the admin, later by proposals).
    pub sale_authority: Pubkey,
    /// Space for fields added later without a migration.
    pub reserved: [u8; 64],
}

impl Dao {
    pub const SEED: &'static [u8] = b"dao";
    /// Treasury token accounts: PDA `["treasury", mint]`, authority = the DAO PDA. Token-moving
    /// proposals pay only from these, never from any other account the DAO might control.
    pub const TREASURY_SEED: &'static [u8] = b"treasury";
    /// Account size in bytes, discriminator included.
    pub const SPACE: usize = 8 + Self::INIT_SPACE;
}

/// What a passed proposal does when executed (SPEC §5).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, PartialEq, Eq, Debug, InitSpace)]
pub enum ProposalAction {
    /// Text only.
    Signal,
    /// Change DAO-governed parameters.
    UpdateParams(ParamsUpdate),
    /// Move `amount` of treasury tokens of `mint` into that mint's reward pool (streamed like a deposit).
    FundRewards { mint: Pubkey, amount: u64 },
    /// Pay `amount` of treasury tokens of `mint` to the token account `recipient`.
    TransferTreasury { mint: Pubkey, amount: u64, recipient: Pubkey },
    /// Set who may deposit revenue.
    SetRevenueAuthority { authority: Pubkey },
    /// Set who may open sale rounds.
    SetSaleAuthority { authority: Pubkey },
    /// Replace the guardian (default pubkey: no guardian). The guardian cannot veto it.
    SetGuardian { guardian: Pubkey },
    /// Register a reward pool for `mint` (executed by `execute_create_reward_pool`, which pays
    /// for the new accounts).
    CreateRewardPool { mint: Pubkey },
    /// Retire `mint`'s reward pool: it takes no more revenue; what it streams and owes stays
    /// claimable.
    RetireRewardPool { mint: Pubkey },
}

/// Where a proposal stands.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, PartialEq, Eq, Debug, InitSpace)]
pub enum ProposalState {
    /// Open for votes until `voting_ends_at`.
    Voting,
    /// Quorum and margin met; executable after the timelock, until the execution window closes.
    Passed,
    /// Quorum or margin not met.
    Defeated,
    /// Withdrawn by its proposer before any vote.
    Cancelled,
    /// Stopped by the guardian during the timelock.
    Vetoed,
    /// Its action was applied.
    Executed,
}

/// A vote choice.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, PartialEq, Eq, Debug, InitSpace)]
pub enum VoteChoice {
    Yes,
    No,
    Abstain,
}

/// A proposal. PDA `["proposal", id u64 LE]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct Proposal {
    /// Sequential id.
    pub id: u64,
    /// Wallet that created it.
    pub proposer: Pubkey,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Title, at most 80 bytes.
    #[max_len(MAX_TITLE_LEN)]
    pub title: String,
    /// Description URL, at most 200 bytes.
    #[max_len(MAX_URL_LEN)]
    pub description_url: String,
    /// Hash of the description's content (e.g. SHA-256), so the text cannot change unseen.
    pub content_hash: [u8; 32],
    /// The action executed if it passes.
    pub action: ProposalAction,
    pub state: ProposalState,
    /// Creation time, unix seconds (voting opens here).
    pub created_at: i64,
    /// Voting closes, unix seconds; vote weight is veTMAI guaranteed through this time.
    pub voting_ends_at: i64,
    /// Program-wide veTMAI at creation (the quorum base).
    pub total_ve_at_creation: u128,
    /// Quorum, bps of `total_ve_at_creation` (snapshot of the parameter at creation).
    pub quorum_bps: u64,
    /// Required `yes − no`, bps of `yes + no` (snapshot).
    pub approval_margin_bps: u64,
    /// Seconds after `voting_ends_at` before execution (snapshot).
    pub timelock: u64,
    /// Seconds after the timelock during which it can be executed (snapshot).
    pub execution_window: u64,
    /// Tallies, veTMAI.
    pub yes: u128,
    pub no: u128,
    pub abstain: u128,
    /// Vote records currently counted.
    pub voters: u32,
    /// Set by the first vote ever cast (even if later changed or withdrawn): the proposer can
    /// no longer cancel.
    pub ever_voted: bool,
    /// Space for fields added later without a migration.
    pub reserved: [u8; 31],
}

impl Proposal {
    pub const SEED: &'static [u8] = b"proposal";
    /// Account size in bytes, discriminator included.
    pub const SPACE: usize = 8 + Self::INIT_SPACE;

    fn secs(v: u64) -> Result<i64> {
        i64::try_from(v).map_err(|_| error!(VetmaiError::MathOverflow))
    }

    /// Earliest execution time.
    pub fn executable_at(&self) -> Result<i64> {
        self.voting_ends_at.checked_add(Self::secs(self.timelock)?).ok_or_else(|| error!(VetmaiError::MathOverflow))
    }

    /// Execution deadline (exclusive).
    pub fn expires_at(&self) -> Result<i64> {
        self.executable_at()?
            .checked_add(Self::secs(self.execution_window)?)
            .ok_or_else(|| error!(VetmaiError::MathOverflow))
    }

    /// Whether nothing more can happen to this proposal at `now` (its account may be closed):
    /// defeated, cancelled, vetoed, executed, or passed with its execution window over.
    pub fn is_finished(&self, now: i64) -> Result<bool> {
        Ok(match self.state {
            ProposalState::Voting => false,
            ProposalState::Passed => now >= self.expires_at()?,
            ProposalState::Defeated | ProposalState::Cancelled | ProposalState::Vetoed | ProposalState::Executed => {
                true
            }
        })
    }

    /// Adds (or removes) `weight` on `choice`.
    pub fn tally(&mut self, choice: VoteChoice, weight: u128, add: bool) -> Result<()> {
        let t = match choice {
            VoteChoice::Yes => &mut self.yes,
            VoteChoice::No => &mut self.no,
            VoteChoice::Abstain => &mut self.abstain,
        };
        *t = if add { t.checked_add(weight) } else { t.checked_sub(weight) }.ok_or(VetmaiError::MathOverflow)?;
        Ok(())
    }

    /// Whether the tallies pass (SPEC §5): turnout ≥ quorum of the veTMAI at creation, yes > no,
    /// and `yes − no ≥ margin · (yes + no)`.
    pub fn outcome_passes(&self) -> Option<bool> {
        vetmai_math::governance::passes(
            self.yes,
            self.no,
            self.abstain,
            self.total_ve_at_creation,
            self.quorum_bps,
            self.approval_margin_bps,
        )
    }
}

/// One wallet's vote on one proposal. PDA `["vote", proposal, voter]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct VoteRecord {
    pub proposal: Pubkey,
    pub voter: Pubkey,
    /// Canonical bump of this PDA.
    pub bump: u8,
    pub choice: VoteChoice,
    /// The voter's veTMAI guaranteed through the voting end, when last cast.
    pub weight: u128,
    /// When last cast or changed, unix seconds.
    pub updated_at: i64,
}

impl VoteRecord {
    pub const SEED: &'static [u8] = b"vote";
    /// Account size in bytes, discriminator included.
    pub const SPACE: usize = 8 + Self::INIT_SPACE;
}
