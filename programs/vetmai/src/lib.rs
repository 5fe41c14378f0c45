//! veTMAI: TMAI locks, Staking Score, revenue sharing and governance.
//!
//! Accounts (see `docs/accounts.md` for sizes):
//! - [`state::Config`]: parameters and program-wide totals, PDA `["config"]`;
//! - [`state::Staker`]: per-wallet aggregate, PDA `["staker", owner]`;
//! - [`state::Position`]: one lock, PDA `["position", owner, index]`;
//! - [`state::RewardPool`]: revenue in one mint, PDA `["reward_pool", mint]`, with its
//!   [`state::RewardHistory`] chunks `["reward_history", pool, chunk]`.
//!
//! Scores are piecewise constant: a position scores `amount · multiplier(duration)` until its end
//! (an epoch boundary) and nothing after, so totals drop exactly at boundaries with no keeper.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects, clippy::unwrap_used))]
#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;

pub mod constants;
pub mod error;
pub mod events;
pub mod instructions;
pub mod state;

pub use constants::*;
pub use error::VetmaiError;
pub use instructions::*;
pub use state::*;

declare_id!("HUVPA9UiDVA7TTtNSUoaemRZGmaHwU8j5WQ25chndRjs");

#[program]
pub mod vetmai {
    use super::*;

    /// Creates the config (published defaults) and the TMAI vault. Once per deployment, by the
    /// program's upgrade authority.
    pub fn initialize(ctx: Context<Initialize>) -> Result<()> {
        instructions::admin::initialize::handle_initialize(ctx)
    }

    /// Changes any subset of the DAO-governed parameters (admin only).
    pub fn update_params(ctx: Context<UpdateParams>, update: ParamsUpdate) -> Result<()> {
        instructions::admin::update_params::handle_update_params(ctx, update)
    }

    /// Proposes a new admin (step one of two).
    pub fn set_admin(ctx: Context<SetAdmin>, new_admin: Pubkey) -> Result<()> {
        instructions::admin::set_admin::handle_set_admin(ctx, new_admin)
    }

    /// The proposed admin accepts (step two of two).
    pub fn accept_admin(ctx: Context<AcceptAdmin>) -> Result<()> {
        instructions::admin::accept_admin::handle_accept_admin(ctx)
    }

    /// Locks TMAI in a new position (Fixed or Constant).
    pub fn create_lock<'info>(ctx: Context<'info, CreateLock<'info>>, args: CreateLockArgs) -> Result<()> {
        instructions::locks::create_lock::handle_create_lock(ctx, args)
    }

    /// Adds TMAI to a locked position.
    pub fn increase_amount<'info>(ctx: Context<'info, IncreaseAmount<'info>>, amount: u64) -> Result<()> {
        instructions::locks::increase_amount::handle_increase_amount(ctx, amount)
    }

    /// Re-commits a position to a longer lock and re-scores it.
    pub fn extend_lock<'info>(ctx: Context<'info, ModifyLock<'info>>, new_duration: u64) -> Result<()> {
        instructions::locks::extend_lock::handle_extend_lock(ctx, new_duration)
    }

    /// Starts the countdown of a Constant position.
    pub fn begin_unlock<'info>(ctx: Context<'info, ModifyLock<'info>>) -> Result<()> {
        instructions::locks::begin_unlock::handle_begin_unlock(ctx)
    }

    /// Returns an ended position's tokens and closes it.
    pub fn withdraw<'info>(ctx: Context<'info, Withdraw<'info>>) -> Result<()> {
        instructions::locks::withdraw::handle_withdraw(ctx)
    }

    /// Sets who may deposit revenue (admin).
    pub fn set_revenue_authority(ctx: Context<SetRevenueAuthority>, authority: Pubkey) -> Result<()> {
        instructions::admin::set_revenue_authority::handle_set_revenue_authority(ctx, authority)
    }

    /// Registers a reward pool for a mint (admin).
    pub fn create_reward_pool(ctx: Context<CreateRewardPool>) -> Result<()> {
        instructions::rewards::create_reward_pool::handle_create_reward_pool(ctx)
    }

    /// Adds revenue to a pool as its own stream over (at least) the distribution period (revenue authority).
    pub fn deposit_revenue(ctx: Context<DepositRevenue>, amount: u64) -> Result<()> {
        instructions::rewards::deposit_revenue::handle_deposit_revenue(ctx, amount)
    }

    /// Brings a pool forward, recording epoch boundaries (permissionless).
    pub fn crank_pool(ctx: Context<CrankPool>) -> Result<()> {
        instructions::rewards::crank_pool::handle_crank_pool(ctx)
    }

    /// Creates a pool's next reward-history chunk (permissionless).
    pub fn extend_reward_history(ctx: Context<ExtendRewardHistory>) -> Result<()> {
        instructions::rewards::extend_reward_history::handle_extend_reward_history(ctx)
    }

    /// Claims a position's rewards from one pool: paid out, or reinvested (TMAI pools).
    pub fn claim_rewards<'info>(
        ctx: Context<'info, ClaimRewards<'info>>,
        pool_index: u8,
        mode: ClaimMode,
    ) -> Result<()> {
        instructions::rewards::claim_rewards::handle_claim_rewards(ctx, pool_index, mode)
    }

    /// Reinvests an auto-compounding position's TMAI rewards into it (permissionless).
    pub fn harvest<'info>(ctx: Context<'info, ClaimRewards<'info>>, pool_index: u8) -> Result<()> {
        instructions::rewards::claim_rewards::handle_harvest(ctx, pool_index)
    }

    /// Turns a position's auto-compounding on or off.
    pub fn set_auto_compound(ctx: Context<SetAutoCompound>, enabled: bool) -> Result<()> {
        instructions::rewards::set_auto_compound::handle_set_auto_compound(ctx, enabled)
    }

    /// Creates the DAO account (admin).
    pub fn init_dao(ctx: Context<InitDao>, guardian: Pubkey, sale_authority: Pubkey) -> Result<()> {
        instructions::governance::init_dao::handle_init_dao(ctx, guardian, sale_authority)
    }

    /// Hands the admin rights to the DAO PDA (admin).
    pub fn transfer_to_dao(ctx: Context<TransferToDao>) -> Result<()> {
        instructions::governance::init_dao::handle_transfer_to_dao(ctx)
    }

    /// Replaces or removes the guardian (guardian, or admin; after `transfer_to_dao`, the guardian
    /// or a passed `SetGuardian` proposal).
    pub fn set_guardian(ctx: Context<SetGuardian>, guardian: Pubkey) -> Result<()> {
        instructions::governance::init_dao::handle_set_guardian(ctx, guardian)
    }

    /// Opens a proposal (level ≥ 1, monthly limit by level).
    pub fn create_proposal(ctx: Context<CreateProposal>, args: CreateProposalArgs) -> Result<()> {
        instructions::governance::create_proposal::handle_create_proposal(ctx, args)
    }

    /// Casts the wallet's vote, weighted by veTMAI guaranteed through the voting end.
    pub fn cast_vote(ctx: Context<CastVote>, choice: VoteChoice) -> Result<()> {
        instructions::governance::cast_vote::handle_cast_vote(ctx, choice)
    }

    /// Changes a vote (and re-weighs it) until the end.
    pub fn change_vote(ctx: Context<ChangeVote>, choice: VoteChoice) -> Result<()> {
        instructions::governance::cast_vote::handle_change_vote(ctx, choice)
    }

    /// Takes a vote back until the end.
    pub fn withdraw_vote(ctx: Context<WithdrawVote>) -> Result<()> {
        instructions::governance::cast_vote::handle_withdraw_vote(ctx)
    }

    /// Records Passed or Defeated after the voting end (permissionless).
    pub fn finalize_proposal(ctx: Context<FinalizeProposal>) -> Result<()> {
        instructions::governance::lifecycle::handle_finalize_proposal(ctx)
    }

    /// Applies a passed proposal after its timelock (permissionless).
    pub fn execute_proposal(ctx: Context<ExecuteProposal>) -> Result<()> {
        instructions::governance::execute_proposal::handle_execute_proposal(ctx)
    }

    /// The proposer withdraws a proposal before any vote.
    pub fn cancel_proposal(ctx: Context<CancelProposal>) -> Result<()> {
        instructions::governance::lifecycle::handle_cancel_proposal(ctx)
    }

    /// The guardian vetoes a passed proposal during its timelock.
    pub fn veto_proposal(ctx: Context<VetoProposal>) -> Result<()> {
        instructions::governance::lifecycle::handle_veto_proposal(ctx)
    }

    /// Opens an early-access sale round (sale authority).
    pub fn open_round(ctx: Context<OpenRound>, args: OpenRoundArgs) -> Result<()> {
        instructions::sales::open_round::handle_open_round(ctx, args)
    }

    /// Commits to a round inside the wallet's level window, up to its level cap.
    pub fn commit(ctx: Context<Commit>, amount: u64) -> Result<()> {
        instructions::sales::commit::handle_commit(ctx, amount)
    }

    /// Settles a commitment pro rata after the round (permissionless); refunds the excess.
    pub fn settle_commitment(ctx: Context<SettleCommitment>) -> Result<()> {
        instructions::sales::settle::handle_settle_commitment(ctx)
    }

    /// The round's authority withdraws the proceeds after the end.
    pub fn withdraw_proceeds(ctx: Context<WithdrawProceeds>) -> Result<()> {
        instructions::sales::settle::handle_withdraw_proceeds(ctx)
    }

    /// Closes a wallet's aggregate once it has no positions.
    pub fn close_staker(ctx: Context<CloseStaker>) -> Result<()> {
        instructions::locks::close_staker::handle_close_staker(ctx)
    }

    /// Returns an ended position's TMAI while its rewards stay owed (or are forfeited), for when a
    /// reward vault cannot pay.
    pub fn exit_lock<'info>(ctx: Context<'info, Withdraw<'info>>, rewards: ExitRewards) -> Result<()> {
        instructions::locks::exit_lock::handle_exit_lock(ctx, rewards)
    }

    /// Creates the DAO's treasury token account for a mint (permissionless).
    pub fn create_treasury(ctx: Context<CreateTreasury>) -> Result<()> {
        instructions::governance::treasury::handle_create_treasury(ctx)
    }

    /// Executes a passed `CreateRewardPool` proposal (permissionless; the caller pays the rent).
    pub fn execute_create_reward_pool(ctx: Context<ExecuteCreateRewardPool>) -> Result<()> {
        instructions::governance::treasury::handle_execute_create_reward_pool(ctx)
    }

    /// The voter closes its vote record once voting has ended (rent back).
    pub fn close_vote_record(ctx: Context<CloseVoteRecord>) -> Result<()> {
        instructions::governance::close_records::handle_close_vote_record(ctx)
    }

    /// The proposer closes a finished proposal (rent back).
    pub fn close_proposal(ctx: Context<CloseProposal>) -> Result<()> {
        instructions::governance::close_records::handle_close_proposal(ctx)
    }

    /// The committer closes a settled commitment (rent back).
    pub fn close_commitment(ctx: Context<CloseCommitment>) -> Result<()> {
        instructions::sales::close_round::handle_close_commitment(ctx)
    }

    /// The round's authority closes a finished round and its vault (rent back).
    pub fn close_round(ctx: Context<CloseRound>) -> Result<()> {
        instructions::sales::close_round::handle_close_round(ctx)
    }
}
