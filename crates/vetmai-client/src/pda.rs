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

/// `["treasury", mint]`: the DAO's treasury token account of `mint` (authority: the DAO PDA);
/// token-moving proposals pay only from these.
pub fn treasury(mint: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[Dao::TREASURY_SEED, mint.as_ref()], &vetmai::ID).0
}

/// The program's ProgramData account under the upgradeable loader (`initialize` checks its
/// upgrade authority).
pub fn program_data() -> Pubkey {
    vetmai::program_data_address()
}

/// `["round", id u64 LE]`.
pub fn round(id: u64) -> Pubkey {
    Pubkey::find_program_address(&[SaleRound::SEED, &id.to_le_bytes()], &vetmai::ID).0
}

/// `["round_vault", round]`: the round's escrow (authority: the round PDA).
pub fn round_vault(round: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[SaleRound::VAULT_SEED, round.as_ref()], &vetmai::ID).0
}

/// `["commitment", round, wallet]`.
pub fn commitment(round: &Pubkey, wallet: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[Commitment::SEED, round.as_ref(), wallet.as_ref()], &vetmai::ID).0
}

/// The bytes the upgradeable loader keeps at the head of a ProgramData account
/// (`UpgradeableLoaderState::ProgramData { slot, upgrade_authority_address }`, bincode): what a
/// test harness that registers the program natively preloads at [`program_data`] so that
/// `initialize`'s upgrade-authority check runs for real.
pub fn program_data_header(slot: u64, upgrade_authority: Option<Pubkey>) -> Vec<u8> {
    let mut out = Vec::with_capacity(45);
    out.extend_from_slice(&3u32.to_le_bytes()); // enum variant 3: ProgramData
    out.extend_from_slice(&slot.to_le_bytes());
    match upgrade_authority {
        Some(a) => {
            out.push(1);
            out.extend_from_slice(a.as_ref());
        }
        None => out.push(0),
    }
    out
}

#[cfg(test)]
mod tests {
    use anchor_lang::prelude::ProgramData;
    use anchor_lang::AccountDeserialize;

    use super::*;

    #[test]
    fn program_data_header_reads_back_as_the_loader_state() {
        let authority = Pubkey::new_unique();
        let bytes = program_data_header(7, Some(authority));
        let pd = ProgramData::try_deserialize(&mut bytes.as_slice()).expect("decodes");
        assert_eq!((pd.slot, pd.upgrade_authority_address), (7, Some(authority)));
        let none = ProgramData::try_deserialize(&mut program_data_header(0, None).as_slice()).expect("decodes");
        assert_eq!(none.upgrade_authority_address, None);
    }
}
