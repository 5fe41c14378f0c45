//! Program-derived addresses, from the seeds the program declares.
use anchor_lang::prelude::Pubkey;
use vetmai::state::{
    Commitment, Config, Dao, Position, Proposal, RewardHistory, RewardPool, SaleRound, Staker, VoteRecord,
};

/// `["config"]`.
pub fn config() -> Pubkey {
    Pubkey::find_program_address(&[Config::SEED], &vetmai::ID).0
}

/// `["vault", config]`: the token account holding locked TMAI.
pub fn vault() -> Pubkey {
    Pubkey::find_program_address(&[Config::VAULT_SEED, config().as_ref()], &vetmai::ID).0
}

/// `["staker", owner]`.
pub fn staker(owner: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[Staker::SEED, owner.as_ref()], &vetmai::ID).0
}

/// `["position", owner, index (u64 LE)]`.
pub fn position(owner: &Pubkey, index: u64) -> Pubkey {
    Pubkey::find_program_address(&[Position::SEED, owner.as_ref(), &index.to_le_bytes()], &vetmai::ID).0
}

/// `["reward_pool", mint]`.
pub fn reward_pool(mint: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[RewardPool::SEED, mint.as_ref()], &vetmai::ID).0
}

/// `["reward_vault", pool]`: the pool's token account.
pub fn reward_vault(pool: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[RewardPool::VAULT_SEED, pool.as_ref()], &vetmai::ID).0
}

/// `["reward_history", pool, chunk u64 LE]`.
pub fn reward_history(pool: &Pubkey, chunk: u64) -> Pubkey {
    Pubkey::find_program_address(&[RewardHistory::SEED, pool.as_ref(), &chunk.to_le_bytes()], &vetmai::ID).0
}

/// `["dao"]`: the governance authority and treasury owner.
pub fn dao() -> Pubkey {
    Pubkey::find_program_address(&[Dao::SEED], &vetmai::ID).0
}

/// `["proposal", id u64 LE]`.
pub fn proposal(id: u64) -> Pubkey {
    Pubkey::find_program_address(&[Proposal::SEED, &id.to_le_bytes()], &vetmai::ID).0
}

/// `["vote", proposal, voter]`.
pub fn vote(proposal: &Pubkey, voter: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[VoteRecord::SEED, proposal.as_ref(), voter.as_ref()], &vetmai::ID).0
}

/// `["round", id u64 LE]`.
pub fn round(id: u64) -> Pubkey {
    Pubkey::find_program_address(&[SaleRound::SEED, &id.to_le_bytes()], &vetmai::ID).0
}

/// `["round_vault", round]`.
pub fn round_vault(round: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[SaleRound::VAULT_SEED, round.as_ref()], &vetmai::ID).0
}

/// `["commitment", round, wallet]`.
pub fn commitment(round: &Pubkey, wallet: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[Commitment::SEED, round.as_ref(), wallet.as_ref()], &vetmai::ID).0
}
