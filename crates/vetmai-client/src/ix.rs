//! Instruction builders. Account lists come from the program's own `accounts::*` structs.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::{system_program, InstructionData, ToAccountMetas};
use vetmai::state::{Config, ParamsUpdate, ProposalAction};
use vetmai::{
    accounts, instruction, ClaimMode, CreateLockArgs, CreateProposalArgs, ExitRewards, LockKind, OpenRoundArgs,
    VoteChoice, MAX_REWARD_POOLS,
};

use crate::pda;

/// The deployment an instruction targets: the TMAI mint, the token program that owns it, and the
/// registered reward pools (every score-changing instruction passes all of them, in order).
#[derive(Debug, Clone, Copy)]
pub struct Deployment {
    pub tmai_mint: Pubkey,
    pub token_program: Pubkey,
    pub reward_pools: [Pubkey; MAX_REWARD_POOLS],
    pub reward_pool_count: u8,
}

/// A reward pool as instructions name it: its mint and that mint's token program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolRef {
    pub mint: Pubkey,
    pub token_program: Pubkey,
}

impl PoolRef {
    pub fn address(&self) -> Pubkey {
        pda::reward_pool(&self.mint)
    }
}

/// Accounts a token-moving proposal (FundRewards, TransferTreasury) needs at execution.
#[derive(Debug, Clone, Copy)]
pub struct ExecuteTokens {
    pub mint: Pubkey,
    pub token_program: Pubkey,
    /// The DAO's treasury of `mint`: `pda::treasury(&mint)` (the program refuses any other).
    pub treasury: Pubkey,
    /// FundRewards: the pool's vault; TransferTreasury: the recipient.
    pub destination: Pubkey,
    /// FundRewards: the mint's reward pool.
    pub pool: Option<Pubkey>,
}

/// One pool's payout inside `withdraw` (`vetmai::WITHDRAW_PAYOUT_ACCOUNTS`).
#[derive(Debug, Clone, Copy)]
pub struct WithdrawPayout {
    pub pool: PoolRef,
    /// History chunk holding the lock's end (`view::claim_history_chunk`, or 0 when it has none).
    pub history_chunk: u64,
    /// The owner's token account of the pool's mint.
    pub destination: Pubkey,
}

/// Accounts a claim needs besides the position.
#[derive(Debug, Clone, Copy)]
pub struct ClaimAccounts {
    pub pool: PoolRef,
    /// Slot of the pool in the deployment (its `RewardPool::index`).
    pub pool_index: u8,
    /// Payout: the owner's token account of the reward mint.
    pub destination: Option<Pubkey>,
    /// Reinvest into another of the owner's positions.
    pub target: Option<Pubkey>,
    /// History chunk holding an ended position's end (see `view::claim_history_chunk`).
    pub history_chunk: Option<u64>,
}

fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction { program_id: vetmai::ID, accounts: accounts.to_account_metas(None), data: data.data() }
}

impl Deployment {
    /// A deployment with no reward pools yet.
    pub fn new(tmai_mint: Pubkey, token_program: Pubkey) -> Self {
        Self { tmai_mint, token_program, reward_pools: [Pubkey::default(); MAX_REWARD_POOLS], reward_pool_count: 0 }
    }

    /// The deployment as a config account describes it.
    pub fn from_config(config: &Config) -> Self {
        Self {
            tmai_mint: config.tmai_mint,
            token_program: config.token_program,
            reward_pools: config.reward_pools,
            reward_pool_count: config.reward_pool_count,
        }
    }

    /// Records a newly registered pool (what `create_reward_pool` does to the config).
    pub fn add_pool(&mut self, pool: Pubkey) {
        let i = usize::from(self.reward_pool_count);
        self.reward_pools[i] = pool;
        self.reward_pool_count += 1;
    }

    /// The registered pools, writable, in registration order: the remaining accounts of every
    /// instruction that settles or changes a score.
    pub fn pool_metas(&self) -> Vec<AccountMeta> {
        self.reward_pools[..usize::from(self.reward_pool_count)].iter().map(|p| AccountMeta::new(*p, false)).collect()
    }

    fn with_pools(&self, mut ix: Instruction) -> Instruction {
        ix.accounts.extend(self.pool_metas());
        ix
    }
    pub fn initialize(&self, admin: Pubkey) -> Instruction {
        build(
            accounts::Initialize {
                admin,
                program_data: pda::program_data(),
                tmai_mint: self.tmai_mint,
                config: pda::config(),
                vault: pda::vault(),
                token_program: self.token_program,
                system_program: system_program::ID,
            },
            instruction::Initialize {},
        )
    }

    pub fn update_params(&self, admin: Pubkey, update: ParamsUpdate) -> Instruction {
        build(accounts::UpdateParams { admin, config: pda::config() }, instruction::UpdateParams { update })
    }

    pub fn set_admin(&self, admin: Pubkey, new_admin: Pubkey) -> Instruction {
        build(accounts::SetAdmin { admin, config: pda::config() }, instruction::SetAdmin { new_admin })
    }

    pub fn accept_admin(&self, new_admin: Pubkey) -> Instruction {
        build(accounts::AcceptAdmin { new_admin, config: pda::config() }, instruction::AcceptAdmin {})
    }

    /// Locks `amount` from `owner_token` in position `index` (the staker's `next_index`).
    pub fn create_lock(
        &self,
        owner: Pubkey,
        owner_token: Pubkey,
        index: u64,
        amount: u64,
        duration: u64,
        kind: LockKind,
    ) -> Instruction {
        self.with_pools(build(
            accounts::CreateLock {
                owner,
                config: pda::config(),
                tmai_mint: self.tmai_mint,
                vault: pda::vault(),
                owner_token,
                staker: pda::staker(&owner),
                position: pda::position(&owner, index),
                token_program: self.token_program,
                system_program: system_program::ID,
            },
            instruction::CreateLock { args: CreateLockArgs { index, amount, duration, kind } },
        ))
    }

    pub fn increase_amount(&self, owner: Pubkey, owner_token: Pubkey, position: Pubkey, amount: u64) -> Instruction {
        self.with_pools(build(
            accounts::IncreaseAmount {
                owner,
                config: pda::config(),
                tmai_mint: self.tmai_mint,
                vault: pda::vault(),
                owner_token,
                staker: pda::staker(&owner),
                position,
                token_program: self.token_program,
            },
            instruction::IncreaseAmount { amount },
        ))
    }

    fn modify(owner: Pubkey, position: Pubkey) -> accounts::ModifyLock {
        accounts::ModifyLock { owner, config: pda::config(), staker: pda::staker(&owner), position }
    }

    pub fn extend_lock(&self, owner: Pubkey, position: Pubkey, new_duration: u64) -> Instruction {
        self.with_pools(build(Self::modify(owner, position), instruction::ExtendLock { new_duration }))
    }

    pub fn begin_unlock(&self, owner: Pubkey, position: Pubkey) -> Instruction {
        self.with_pools(build(Self::modify(owner, position), instruction::BeginUnlock {}))
    }

    pub fn withdraw(&self, owner: Pubkey, owner_token: Pubkey, position: Pubkey) -> Instruction {
        self.with_pools(build(
            accounts::Withdraw {
                owner,
                config: pda::config(),
                tmai_mint: self.tmai_mint,
                vault: pda::vault(),
                owner_token,
                staker: pda::staker(&owner),
                position,
                token_program: self.token_program,
            },
            instruction::Withdraw {},
        ))
    }

    /// `withdraw` that also settles and pays the position's rewards in every pool (one payout per
    /// registered pool, in registration order).
    pub fn withdraw_paying(
        &self,
        owner: Pubkey,
        owner_token: Pubkey,
        position: Pubkey,
        payouts: &[WithdrawPayout],
    ) -> Instruction {
        let mut ix = self.withdraw(owner, owner_token, position);
        for p in payouts {
            let pool = p.pool.address();
            ix.accounts.extend([
                AccountMeta::new_readonly(pda::reward_history(&pool, p.history_chunk), false),
                AccountMeta::new(pda::reward_vault(&pool), false),
                AccountMeta::new_readonly(p.pool.mint, false),
                AccountMeta::new(p.destination, false),
                AccountMeta::new_readonly(p.pool.token_program, false),
            ]);
        }
        ix
    }

    /// `exit_lock`: returns an ended position's TMAI, keeping (or forfeiting) its rewards.
    /// `history_chunks`: per registered pool, in order, the chunk holding the lock's end
    /// (`view::claim_history_chunk`, or 0 when it has none).
    pub fn exit_lock(
        &self,
        owner: Pubkey,
        owner_token: Pubkey,
        position: Pubkey,
        rewards: ExitRewards,
        history_chunks: &[u64],
    ) -> Instruction {
        let mut ix = self.withdraw(owner, owner_token, position);
        ix.data = instruction::ExitLock { rewards }.data();
        let pools = &self.reward_pools[..usize::from(self.reward_pool_count)];
        for (pool, chunk) in pools.iter().zip(history_chunks) {
            ix.accounts.push(AccountMeta::new_readonly(pda::reward_history(pool, *chunk), false));
        }
        ix
    }

    pub fn close_staker(&self, owner: Pubkey) -> Instruction {
        build(
            accounts::CloseStaker { owner, config: pda::config(), staker: pda::staker(&owner) },
            instruction::CloseStaker {},
        )
    }

    pub fn set_revenue_authority(&self, admin: Pubkey, authority: Pubkey) -> Instruction {
        build(
            accounts::SetRevenueAuthority { admin, config: pda::config() },
            instruction::SetRevenueAuthority { authority },
        )
    }

    pub fn create_reward_pool(&self, admin: Pubkey, pool: PoolRef) -> Instruction {
        let address = pool.address();
        build(
            accounts::CreateRewardPool {
                admin,
                config: pda::config(),
                reward_mint: pool.mint,
                pool: address,
                reward_vault: pda::reward_vault(&address),
                history: pda::reward_history(&address, 0),
                token_program: pool.token_program,
                system_program: system_program::ID,
            },
            instruction::CreateRewardPool {},
        )
    }

    /// Registers a pool for a passed `CreateRewardPool` proposal; `payer` pays the rent.
    pub fn execute_create_reward_pool(&self, payer: Pubkey, proposal: Pubkey, pool: PoolRef) -> Instruction {
        let address = pool.address();
        build(
            accounts::ExecuteCreateRewardPool {
                payer,
                proposal,
                dao: pda::dao(),
                config: pda::config(),
                reward_mint: pool.mint,
                pool: address,
                reward_vault: pda::reward_vault(&address),
                history: pda::reward_history(&address, 0),
                token_program: pool.token_program,
                system_program: system_program::ID,
            },
            instruction::ExecuteCreateRewardPool {},
        )
    }

    /// Creates the DAO's treasury for `mint` (`pda::treasury`); `payer` pays the rent.
    pub fn create_treasury(&self, payer: Pubkey, mint: PoolRef) -> Instruction {
        build(
            accounts::CreateTreasury {
                payer,
                dao: pda::dao(),
                mint: mint.mint,
                treasury: pda::treasury(&mint.mint),
                token_program: mint.token_program,
                system_program: system_program::ID,
            },
            instruction::CreateTreasury {},
        )
    }

    pub fn deposit_revenue(&self, authority: Pubkey, pool: PoolRef, source: Pubkey, amount: u64) -> Instruction {
        let address = pool.address();
        build(
            accounts::DepositRevenue {
                authority,
                config: pda::config(),
                pool: address,
                reward_mint: pool.mint,
                reward_vault: pda::reward_vault(&address),
                source,
                token_program: pool.token_program,
            },
            instruction::DepositRevenue { amount },
        )
    }

    /// `chunks`: from `view::crank_history_chunks`.
    pub fn crank_pool(&self, pool: PoolRef, chunks: (u64, Option<u64>)) -> Instruction {
        let address = pool.address();
        build(
            accounts::CrankPool {
                config: pda::config(),
                pool: address,
                history: pda::reward_history(&address, chunks.0),
                history_next: chunks.1.map(|c| pda::reward_history(&address, c)),
            },
            instruction::CrankPool {},
        )
    }

    pub fn extend_reward_history(&self, payer: Pubkey, pool: PoolRef, chunk: u64) -> Instruction {
        let address = pool.address();
        build(
            accounts::ExtendRewardHistory {
                payer,
                pool: address,
                history: pda::reward_history(&address, chunk),
                system_program: system_program::ID,
            },
            instruction::ExtendRewardHistory {},
        )
    }

    fn claim_accounts(
        &self,
        authority: Pubkey,
        owner: Pubkey,
        position: Pubkey,
        c: &ClaimAccounts,
        reinvest: bool,
    ) -> accounts::ClaimRewards {
        let address = c.pool.address();
        accounts::ClaimRewards {
            authority,
            config: pda::config(),
            staker: pda::staker(&owner),
            position,
            history: c.history_chunk.map(|chunk| pda::reward_history(&address, chunk)),
            reward_mint: c.pool.mint,
            reward_vault: pda::reward_vault(&address),
            destination: c.destination,
            target: c.target,
            tmai_vault: reinvest.then(pda::vault),
            token_program: c.pool.token_program,
        }
    }

    pub fn claim_rewards(&self, owner: Pubkey, position: Pubkey, mode: ClaimMode, c: &ClaimAccounts) -> Instruction {
        let reinvest = mode == ClaimMode::Reinvest;
        self.with_pools(build(
            self.claim_accounts(owner, owner, position, c, reinvest),
            instruction::ClaimRewards { pool_index: c.pool_index, mode },
        ))
    }

    /// Permissionless reinvestment of an auto-compounding position's TMAI rewards.
    pub fn harvest(&self, cranker: Pubkey, owner: Pubkey, position: Pubkey, c: &ClaimAccounts) -> Instruction {
        self.with_pools(build(
            self.claim_accounts(cranker, owner, position, c, true),
            instruction::Harvest { pool_index: c.pool_index },
        ))
    }

    pub fn set_auto_compound(&self, owner: Pubkey, position: Pubkey, enabled: bool) -> Instruction {
        build(accounts::SetAutoCompound { owner, position }, instruction::SetAutoCompound { enabled })
    }

    pub fn init_dao(&self, admin: Pubkey, guardian: Pubkey, sale_authority: Pubkey) -> Instruction {
        build(
            accounts::InitDao { admin, config: pda::config(), dao: pda::dao(), system_program: system_program::ID },
            instruction::InitDao { guardian, sale_authority },
        )
    }

    pub fn transfer_to_dao(&self, admin: Pubkey) -> Instruction {
        build(accounts::TransferToDao { admin, config: pda::config(), dao: pda::dao() }, instruction::TransferToDao {})
    }

    pub fn set_guardian(&self, authority: Pubkey, guardian: Pubkey) -> Instruction {
        build(
            accounts::SetGuardian { authority, config: pda::config(), dao: pda::dao() },
            instruction::SetGuardian { guardian },
        )
    }

    /// `id` must be the DAO's `proposal_count`.
    pub fn create_proposal(&self, proposer: Pubkey, id: u64, args: CreateProposalArgs) -> Instruction {
        build(
            accounts::CreateProposal {
                proposer,
                config: pda::config(),
                dao: pda::dao(),
                staker: pda::staker(&proposer),
                proposal: pda::proposal(id),
                system_program: system_program::ID,
            },
            instruction::CreateProposal { args },
        )
    }

    pub fn cast_vote(&self, voter: Pubkey, proposal: Pubkey, choice: VoteChoice) -> Instruction {
        build(
            accounts::CastVote {
                voter,
                proposal,
                staker: pda::staker(&voter),
                vote: pda::vote(&proposal, &voter),
                system_program: system_program::ID,
            },
            instruction::CastVote { choice },
        )
    }

    pub fn change_vote(&self, voter: Pubkey, proposal: Pubkey, choice: VoteChoice) -> Instruction {
        build(
            accounts::ChangeVote { voter, proposal, staker: pda::staker(&voter), vote: pda::vote(&proposal, &voter) },
            instruction::ChangeVote { choice },
        )
    }

    pub fn withdraw_vote(&self, voter: Pubkey, proposal: Pubkey) -> Instruction {
        build(
            accounts::WithdrawVote { voter, proposal, vote: pda::vote(&proposal, &voter) },
            instruction::WithdrawVote {},
        )
    }

    pub fn finalize_proposal(&self, proposal: Pubkey) -> Instruction {
        build(accounts::FinalizeProposal { proposal }, instruction::FinalizeProposal {})
    }

    pub fn execute_proposal(&self, proposal: Pubkey, tokens: Option<ExecuteTokens>) -> Instruction {
        build(
            accounts::ExecuteProposal {
                proposal,
                dao: pda::dao(),
                config: pda::config(),
                mint: tokens.map(|t| t.mint),
                treasury: tokens.map(|t| t.treasury),
                pool: tokens.and_then(|t| t.pool),
                destination: tokens.map(|t| t.destination),
                token_program: tokens.map(|t| t.token_program),
            },
            instruction::ExecuteProposal {},
        )
    }

    /// The instruction that executes a passed proposal's `action`: `execute_proposal` with the
    /// accounts the action needs (the DAO treasury PDA of the mint for token-moving actions, the
    /// pool for pool actions), or `execute_create_reward_pool` paid by `payer`.
    /// `mint_token_program`: the token program of the action's mint (ignored by other actions).
    pub fn execute_action(
        &self,
        payer: Pubkey,
        proposal: Pubkey,
        action: &ProposalAction,
        mint_token_program: Pubkey,
    ) -> Instruction {
        let tokens = |mint: Pubkey, destination: Pubkey, pool: Option<Pubkey>| ExecuteTokens {
            mint,
            token_program: mint_token_program,
            treasury: pda::treasury(&mint),
            destination,
            pool,
        };
        match *action {
            ProposalAction::FundRewards { mint, .. } => {
                let pool = pda::reward_pool(&mint);
                self.execute_proposal(proposal, Some(tokens(mint, pda::reward_vault(&pool), Some(pool))))
            }
            ProposalAction::TransferTreasury { mint, recipient, .. } => {
                self.execute_proposal(proposal, Some(tokens(mint, recipient, None)))
            }
            ProposalAction::CreateRewardPool { mint } => {
                self.execute_create_reward_pool(payer, proposal, PoolRef { mint, token_program: mint_token_program })
            }
            ProposalAction::RetireRewardPool { mint } => build(
                accounts::ExecuteProposal {
                    proposal,
                    dao: pda::dao(),
                    config: pda::config(),
                    mint: None,
                    treasury: None,
                    pool: Some(pda::reward_pool(&mint)),
                    destination: None,
                    token_program: None,
                },
                instruction::ExecuteProposal {},
            ),
            _ => self.execute_proposal(proposal, None),
        }
    }

    pub fn close_vote_record(&self, voter: Pubkey, proposal: Pubkey) -> Instruction {
        build(
            accounts::CloseVoteRecord { voter, proposal, vote: pda::vote(&proposal, &voter) },
            instruction::CloseVoteRecord {},
        )
    }

    pub fn close_proposal(&self, proposer: Pubkey, proposal: Pubkey) -> Instruction {
        build(accounts::CloseProposal { proposer, proposal }, instruction::CloseProposal {})
    }

    pub fn close_commitment(&self, wallet: Pubkey, round: Pubkey) -> Instruction {
        build(
            accounts::CloseCommitment { wallet, commitment: pda::commitment(&round, &wallet) },
            instruction::CloseCommitment {},
        )
    }

    /// Closes a finished round and its vault; anything sent to the vault outside the round goes
    /// to `destination` (a token account of the payment mint).
    pub fn close_round(&self, authority: Pubkey, round: Pubkey, payment: PoolRef, destination: Pubkey) -> Instruction {
        build(
            accounts::CloseRound {
                authority,
                round,
                payment_mint: payment.mint,
                vault: pda::round_vault(&round),
                destination,
                token_program: payment.token_program,
            },
            instruction::CloseRound {},
        )
    }

    pub fn cancel_proposal(&self, proposer: Pubkey, proposal: Pubkey) -> Instruction {
        build(accounts::CancelProposal { proposer, proposal }, instruction::CancelProposal {})
    }

    pub fn veto_proposal(&self, guardian: Pubkey, proposal: Pubkey) -> Instruction {
        build(accounts::VetoProposal { guardian, dao: pda::dao(), proposal }, instruction::VetoProposal {})
    }

    /// `id` must be the DAO's `round_count`.
    pub fn open_round(&self, authority: Pubkey, id: u64, payment: PoolRef, args: OpenRoundArgs) -> Instruction {
        let round = pda::round(id);
        build(
            accounts::OpenRound {
                authority,
                dao: pda::dao(),
                payment_mint: payment.mint,
                round,
                vault: pda::round_vault(&round),
                token_program: payment.token_program,
                system_program: system_program::ID,
            },
            instruction::OpenRound { args },
        )
    }

    pub fn commit(&self, wallet: Pubkey, round: Pubkey, payment: PoolRef, source: Pubkey, amount: u64) -> Instruction {
        build(
            accounts::Commit {
                wallet,
                config: pda::config(),
                staker: pda::staker(&wallet),
                round,
                payment_mint: payment.mint,
                vault: pda::round_vault(&round),
                source,
                commitment: pda::commitment(&round, &wallet),
                token_program: payment.token_program,
                system_program: system_program::ID,
            },
            instruction::Commit { amount },
        )
    }

    pub fn settle_commitment(&self, round: Pubkey, wallet: Pubkey, payment: PoolRef, refund_to: Pubkey) -> Instruction {
        build(
            accounts::SettleCommitment {
                round,
                commitment: pda::commitment(&round, &wallet),
                payment_mint: payment.mint,
                vault: pda::round_vault(&round),
                refund_to,
                token_program: payment.token_program,
            },
            instruction::SettleCommitment {},
        )
    }

    pub fn withdraw_proceeds(
        &self,
        authority: Pubkey,
        round: Pubkey,
        payment: PoolRef,
        destination: Pubkey,
    ) -> Instruction {
        build(
            accounts::WithdrawProceeds {
                authority,
                round,
                payment_mint: payment.mint,
                vault: pda::round_vault(&round),
                destination,
                token_program: payment.token_program,
            },
            instruction::WithdrawProceeds {},
        )
    }
}
