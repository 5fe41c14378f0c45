//! Account decoding with the program's own types (never a hand copy of the layout).
use anchor_lang::{AccountDeserialize, Discriminator};
use vetmai::state::{
    Commitment, Config, Dao, Position, Proposal, RewardHistory, RewardPool, SaleRound, Staker, VoteRecord,
};

#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("account data is shorter than a discriminator ({0} bytes)")]
    TooShort(usize),
    #[error("unknown account discriminator {0:?}")]
    UnknownDiscriminator([u8; 8]),
    #[error("malformed account data: {0}")]
    Malformed(String),
}

/// Every account type the program owns.
#[derive(Debug)]
pub enum ProgramAccount {
    Config(Box<Config>),
    Staker(Box<Staker>),
    Position(Box<Position>),
    RewardPool(Box<RewardPool>),
    RewardHistory(Box<RewardHistory>),
    Dao(Box<Dao>),
    Proposal(Box<Proposal>),
    VoteRecord(Box<VoteRecord>),
    SaleRound(Box<SaleRound>),
    Commitment(Box<Commitment>),
}

impl ProgramAccount {
    /// Short stable name of the account type (used as a table/metric label).
    pub fn kind(&self) -> &'static str {
        match self {
            ProgramAccount::Config(_) => "config",
            ProgramAccount::Staker(_) => "staker",
            ProgramAccount::Position(_) => "position",
            ProgramAccount::RewardPool(_) => "reward_pool",
            ProgramAccount::RewardHistory(_) => "reward_history",
            ProgramAccount::Dao(_) => "dao",
            ProgramAccount::Proposal(_) => "proposal",
            ProgramAccount::VoteRecord(_) => "vote_record",
            ProgramAccount::SaleRound(_) => "sale_round",
            ProgramAccount::Commitment(_) => "commitment",
        }
    }
}

/// Decodes one account of a known type (checks the discriminator).
pub fn decode<T: AccountDeserialize>(data: &[u8]) -> Result<T, DecodeError> {
    T::try_deserialize(&mut &data[..]).map_err(|e| DecodeError::Malformed(e.to_string()))
}

/// Decodes any program account by its discriminator.
pub fn decode_any(data: &[u8]) -> Result<ProgramAccount, DecodeError> {
    let disc: [u8; 8] = data.get(..8).and_then(|d| d.try_into().ok()).ok_or(DecodeError::TooShort(data.len()))?;
    if disc == Config::DISCRIMINATOR {
        Ok(ProgramAccount::Config(Box::new(decode(data)?)))
    } else if disc == Staker::DISCRIMINATOR {
        Ok(ProgramAccount::Staker(Box::new(decode(data)?)))
    } else if disc == Position::DISCRIMINATOR {
        Ok(ProgramAccount::Position(Box::new(decode(data)?)))
    } else if disc == RewardPool::DISCRIMINATOR {
        Ok(ProgramAccount::RewardPool(Box::new(decode(data)?)))
    } else if disc == RewardHistory::DISCRIMINATOR {
        Ok(ProgramAccount::RewardHistory(decode_history(data)?))
    } else if disc == Dao::DISCRIMINATOR {
        Ok(ProgramAccount::Dao(Box::new(decode(data)?)))
    } else if disc == Proposal::DISCRIMINATOR {
        Ok(ProgramAccount::Proposal(Box::new(decode(data)?)))
    } else if disc == VoteRecord::DISCRIMINATOR {
        Ok(ProgramAccount::VoteRecord(Box::new(decode(data)?)))
    } else if disc == SaleRound::DISCRIMINATOR {
        Ok(ProgramAccount::SaleRound(Box::new(decode(data)?)))
    } else if disc == Commitment::DISCRIMINATOR {
        Ok(ProgramAccount::Commitment(Box::new(decode(data)?)))
    } else {
        Err(DecodeError::UnknownDiscriminator(disc))
    }
}

/// Decodes a reward-history chunk (a zero-copy account: a plain byte image after the discriminator).
pub fn decode_history(data: &[u8]) -> Result<Box<RewardHistory>, DecodeError> {
    if data.get(..8) != Some(RewardHistory::DISCRIMINATOR) {
        return Err(DecodeError::Malformed("not a reward history account".into()));
    }
    let body = data
        .get(8..RewardHistory::SPACE)
        .ok_or_else(|| DecodeError::Malformed(format!("reward history is {} bytes", data.len())))?;
    Ok(Box::new(bytemuck::pod_read_unaligned(body)))
}
