//! Program-derived addresses, from the seeds the program declares.
use anchor_lang::prelude::Pubkey;
use vetmai::state::{Config, Position, Staker};

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
