use anchor_lang::prelude::*;

/// Program errors. Numbers are public API (6000 + position): only ever append variants.
#[error_code]
pub enum VetmaiError {
    #[msg("Arithmetic overflow or underflow")]
    MathOverflow,
    #[msg("Signer is not the config admin")]
    Unauthorized,
    #[msg("Signer is not the pending admin")]
    NotPendingAdmin,
    #[msg("Lock bounds invalid: need 1 day <= min_lock <= max_lock <= 365 days")]
    InvalidLockBounds,
    #[msg("Max multiplier must be between 10000 and 100000 bps")]
    InvalidMultiplier,
    #[msg("Level thresholds must be non-zero and strictly increasing")]
    InvalidThresholds,
    #[msg("A governance or reward parameter is out of range")]
    InvalidParam,
    #[msg("Mint decimals too large: level thresholds overflow u64")]
    DecimalsTooLarge,
    #[msg("Amount must be greater than zero")]
    ZeroAmount,
    #[msg("Lock duration is shorter than min_lock")]
    DurationTooShort,
    #[msg("Lock duration is longer than max_lock")]
    DurationTooLong,
    #[msg("Position index must equal the staker's next index")]
    InvalidPositionIndex,
    #[msg("Signer does not own this position")]
    NotPositionOwner,
    #[msg("Mint is not the configured TMAI mint")]
    WrongMint,
    #[msg("Vault is not the configured vault")]
    WrongVault,
    #[msg("Token program is not the one the TMAI mint uses")]
    WrongTokenProgram,
    #[msg("Lock has ended; extend it or withdraw")]
    LockExpired,
    #[msg("Lock has not ended yet")]
    LockNotExpired,
    #[msg("Extension must move the lock end later (or lengthen a constant lock)")]
    ExtendNotLonger,
    #[msg("Only a constant lock can begin unlocking")]
    NotConstant,
    #[msg("A constant lock must begin unlocking before it can be withdrawn")]
    ConstantNotUnlocking,
    #[msg("Too many distinct constant-lock durations in one wallet")]
    TooManyConstantDurations,
    #[msg("Staker still has open positions")]
    StakerNotEmpty,
    #[msg("Clock is before the Unix epoch")]
    InvalidClock,
    #[msg("Score schedule is inconsistent or the lock end is outside its window")]
    ScheduleOutOfRange,
    #[msg("TMAI mint has a Token-2022 extension that breaks exact accounting")]
    UnsupportedMintExtension,
    #[msg("Reward pools must be passed in registration order")]
    WrongRewardPool,
    #[msg("Every registered reward pool must be passed (writable) after the named accounts")]
    MissingRewardPools,
    #[msg("Reward pool has an epoch boundary to record: run crank_pool first")]
    PoolNeedsCrank,
    #[msg("The reward history chunk for this epoch was not passed or does not exist yet")]
    HistoryChunkMissing,
    #[msg("No more reward pools can be registered")]
    TooManyRewardPools,
    #[msg("Rewards of this ended position must be claimed in every pool first")]
    RewardsNotSettled,
    #[msg("Only rewards paid in TMAI can be reinvested")]
    ReinvestNotTmai,
    #[msg("Position does not allow harvesting by others (auto-compound is off)")]
    AutoCompoundOff,
    #[msg("Payout needs a destination token account; reinvest needs the TMAI vault")]
    MissingClaimAccount,
    #[msg("History chunks must be created in order")]
    WrongHistoryChunk,
    #[msg("Governance has not taken over the config yet (transfer_to_dao)")]
    DaoNotInCharge,
    #[msg("Proposer's level is too low to create proposals")]
    LevelTooLow,
    #[msg("Monthly proposal limit of this level reached")]
    ProposalLimitReached,
    #[msg("Title longer than 80 bytes or description URL longer than 200 bytes")]
    TextTooLong,
    #[msg("Proposal is not open for voting")]
    VotingClosed,
    #[msg("Voting has not ended yet")]
    VotingNotEnded,
    #[msg("Voter has no veTMAI guaranteed through the voting end")]
    NoVotingWeight,
    #[msg("Proposal is not in the state this instruction needs")]
    WrongProposalState,
    #[msg("Timelock has not passed yet")]
    TimelockActive,
    #[msg("Execution window has closed")]
    ExecutionWindowClosed,
    #[msg("Only the proposer can cancel, and only before the first vote")]
    CannotCancel,
    #[msg("Signer is not the guardian, or the proposal is past its timelock")]
    CannotVeto,
    #[msg("Accounts passed do not match the proposal's action")]
    ActionAccountsMismatch,
    #[msg("Round times or caps are invalid")]
    InvalidRound,
    #[msg("The committer's level window is not open (or the round has closed)")]
    WindowNotOpen,
    #[msg("Commitment would exceed the cap of the committer's guaranteed level")]
    LevelCapExceeded,
    #[msg("Too many commits by one wallet in this round")]
    TooManyCommits,
    #[msg("Round has not ended yet")]
    RoundNotEnded,
    #[msg("Commitment already settled")]
    AlreadySettled,
    #[msg("Staker created proposals this month; it can be closed from next month")]
    StakerHasRecentProposals,
    #[msg("Reward payout account is not the owner's token account of the pool's mint")]
    WrongRewardDestination,
    #[msg("Treasury must be the DAO treasury PDA [\"treasury\", mint] of the action's mint")]
    NotTreasury,
    #[msg("Program data account is not this program's ProgramData (upgradeable loader)")]
    WrongProgramData,
    #[msg("Only the program's upgrade authority may initialize")]
    NotUpgradeAuthority,
    #[msg("Reward pool is retired: it takes no more revenue")]
    PoolRetired,
    #[msg("This proposal action is executed by its own instruction (execute_create_reward_pool)")]
    ActionNeedsOwnInstruction,
    #[msg("A proposal that replaces the guardian cannot be vetoed by the guardian")]
    CannotVetoGuardianChange,
    #[msg("Position holds no TMAI (already exited): claim its rewards, then withdraw to close it")]
    PositionEmpty,
    #[msg("Account is not finished yet and cannot be closed")]
    NotFinished,
    #[msg("Rent receiver is not the account's creator")]
    WrongRentReceiver,
    #[msg("Reinvest target must be another position (omit it to reinvest into this one)")]
    ReinvestTargetIsSource,
}
