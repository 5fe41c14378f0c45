//! Program-derived addresses, from the seeds the program declares.
use anchor_lang::prelude::Pubkey;
use vetmai::state::{Config, Position, RewardHistory, RewardPool, Staker};

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
