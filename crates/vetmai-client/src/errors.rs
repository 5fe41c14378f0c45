//! Program error codes decoded into names and messages.
//!
//! A failed instruction reports only a number (`InstructionError::Custom(code)`). Codes from 6000
//! are the program's [`VetmaiError`] (6000 + position), codes 100–5999 are the Anchor framework's
//! [`ErrorCode`], and codes below 100 inside a veTMAI instruction come from the token program it
//! called. Names and messages are taken from those enums themselves (`name()`, `Display`), so they
//! cannot drift from the program. The variant lists below only enumerate the enums (Rust has no
//! stable way to); each is checked exhaustive by the compiler, so appending a variant to
//! `VetmaiError` without listing it here fails to build.
use anchor_lang::error::ErrorCode;
use anchor_spl::token::spl_token::error::TokenError;
use vetmai::VetmaiError;

/// Which error space a code belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorSource {
    /// The veTMAI program's `VetmaiError` (6000+).
    Program,
    /// The Anchor framework (account constraints, deserialization; 100–5999).
    Anchor,
    /// The SPL Token program (propagated from a CPI, or a direct token instruction).
    Token,
}

impl ErrorSource {
    pub fn as_str(&self) -> &'static str {
        match self {
            ErrorSource::Program => "program",
            ErrorSource::Anchor => "anchor",
            ErrorSource::Token => "token",
        }
    }
}

/// A decoded custom error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramErrorInfo {
    pub code: u32,
    /// The variant name, e.g. `DurationTooShort`.
    pub name: String,
    /// Its message, e.g. `Lock duration is shorter than min_lock`.
    pub message: String,
    pub source: ErrorSource,
}

impl std::fmt::Display for ProgramErrorInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.name, self.code, self.message)
    }
}

macro_rules! variants {
    ($(#[$doc:meta])* $fn_name:ident, $ty:ident, [$($v:ident),* $(,)?]) => {
        $(#[$doc])*
        pub fn $fn_name() -> &'static [$ty] {
            // Compile-time completeness: this match fails to build when the enum gains a variant
            // that is not listed.
            #[allow(dead_code)]
            fn exhaustive(e: $ty) {
                match e {
                    $($ty::$v)|* => {}
                }
            }
            &[$($ty::$v),*]
        }
    };
}

variants!(
    /// Every `VetmaiError` variant, in declaration order.
    vetmai_errors,
    VetmaiError,
    [
        MathOverflow, Unauthorized, NotPendingAdmin, InvalidLockBounds, InvalidMultiplier, InvalidThresholds,
        InvalidParam, DecimalsTooLarge, ZeroAmount, DurationTooShort, DurationTooLong, InvalidPositionIndex,
        NotPositionOwner, WrongMint, WrongVault, WrongTokenProgram, LockExpired, LockNotExpired, ExtendNotLonger,
        NotConstant, ConstantNotUnlocking, TooManyConstantDurations, StakerNotEmpty, InvalidClock,
        ScheduleOutOfRange, UnsupportedMintExtension, WrongRewardPool, MissingRewardPools, PoolNeedsCrank,
        HistoryChunkMissing, TooManyRewardPools, RewardsNotSettled, ReinvestNotTmai, AutoCompoundOff,
        MissingClaimAccount, WrongHistoryChunk, DaoNotInCharge, LevelTooLow, ProposalLimitReached, TextTooLong,
        VotingClosed, VotingNotEnded, NoVotingWeight, WrongProposalState, TimelockActive, ExecutionWindowClosed,
        CannotCancel, CannotVeto, ActionAccountsMismatch, InvalidRound, WindowNotOpen, LevelCapExceeded,
        TooManyCommits, RoundNotEnded, AlreadySettled, StakerHasRecentProposals, WrongRewardDestination,
        NotTreasury, WrongProgramData, NotUpgradeAuthority, PoolRetired, ActionNeedsOwnInstruction,
        CannotVetoGuardianChange, PositionEmpty, NotFinished, WrongRentReceiver, ReinvestTargetIsSource,
    ]
);

variants!(
    /// Every Anchor framework `ErrorCode` variant (anchor-lang 1.2.2).
    anchor_errors,
    ErrorCode,
    [
        InstructionMissing, InstructionFallbackNotFound, InstructionDidNotDeserialize, InstructionDidNotSerialize,
        IdlInstructionStub, IdlInstructionInvalidProgram, IdlAccountNotEmpty, EventInstructionStub, ConstraintMut,
        ConstraintHasOne, ConstraintSigner, ConstraintRaw, ConstraintOwner, ConstraintRentExempt, ConstraintSeeds,
        ConstraintExecutable, ConstraintState, ConstraintAssociated, ConstraintAssociatedInit, ConstraintClose,
        ConstraintAddress, ConstraintZero, ConstraintTokenMint, ConstraintTokenOwner, ConstraintMintMintAuthority,
        ConstraintMintFreezeAuthority, ConstraintMintDecimals, ConstraintSpace, ConstraintAccountIsNone,
        ConstraintTokenTokenProgram, ConstraintMintTokenProgram, ConstraintAssociatedTokenTokenProgram,
        ConstraintMintGroupPointerExtension, ConstraintMintGroupPointerExtensionAuthority,
        ConstraintMintGroupPointerExtensionGroupAddress, ConstraintMintGroupMemberPointerExtension,
        ConstraintMintGroupMemberPointerExtensionAuthority, ConstraintMintGroupMemberPointerExtensionMemberAddress,
        ConstraintMintMetadataPointerExtension, ConstraintMintMetadataPointerExtensionAuthority,
        ConstraintMintMetadataPointerExtensionMetadataAddress, ConstraintMintCloseAuthorityExtension,
        ConstraintMintCloseAuthorityExtensionAuthority, ConstraintMintPermanentDelegateExtension,
        ConstraintMintPermanentDelegateExtensionDelegate, ConstraintMintTransferHookExtension,
        ConstraintMintTransferHookExtensionAuthority, ConstraintMintTransferHookExtensionProgramId,
        ConstraintDuplicateMutableAccount, AccountAlreadyMigrated, AccountNotMigrated,
        ConstraintMintPausableExtension, ConstraintMintPausableAuthority, RequireViolated, RequireEqViolated,
        RequireKeysEqViolated, RequireNeqViolated, RequireKeysNeqViolated, RequireGtViolated, RequireGteViolated,
        AccountDiscriminatorAlreadySet, AccountDiscriminatorNotFound, AccountDiscriminatorMismatch,
        AccountDidNotDeserialize, AccountDidNotSerialize, AccountNotEnoughKeys, AccountNotMutable,
        AccountOwnedByWrongProgram, InvalidProgramId, InvalidProgramExecutable, AccountNotSigner,
        AccountNotSystemOwned, AccountNotInitialized, AccountNotProgramData, AccountNotAssociatedTokenAccount,
        AccountSysvarMismatch, AccountReallocExceedsLimit, AccountDuplicateReallocs, DeclaredProgramIdMismatch,
        TryingToInitPayerAsProgramAccount, InvalidNumericConversion, Deprecated,
    ]
);

/// The `VetmaiError` with this code (6000 + position).
pub fn vetmai_error(code: u32) -> Option<VetmaiError> {
    vetmai_errors().iter().copied().find(|e| u32::from(*e) == code)
}

/// The Anchor framework error with this code.
pub fn anchor_error(code: u32) -> Option<ErrorCode> {
    anchor_errors().iter().copied().find(|e| u32::from(*e) == code)
}

/// Decodes a custom error code returned by a veTMAI instruction: the program's own errors, the
/// Anchor framework's, or (below 100) the token program's propagated through a CPI.
pub fn decode_program_error(code: u32) -> Option<ProgramErrorInfo> {
    if let Some(e) = vetmai_error(code) {
        return Some(ProgramErrorInfo { code, name: e.name(), message: e.to_string(), source: ErrorSource::Program });
    }
    if let Some(e) = anchor_error(code) {
        return Some(ProgramErrorInfo { code, name: e.name(), message: e.to_string(), source: ErrorSource::Anchor });
    }
    decode_token_error(code)
}

/// Decodes a custom error code of the SPL Token program (the codes Token-2022 shares with it).
pub fn decode_token_error(code: u32) -> Option<ProgramErrorInfo> {
    let e = TokenError::try_from(code).ok()?;
    let name = format!("{e:?}");
    Some(ProgramErrorInfo { code, name, message: e.to_string(), source: ErrorSource::Token })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vetmai_codes_are_contiguous_from_6000_and_names_unique() {
        for (i, e) in vetmai_errors().iter().enumerate() {
            assert_eq!(u32::from(*e), 6000 + i as u32, "{} is out of order", e.name());
        }
        let mut names: Vec<String> = vetmai_errors().iter().map(|e| e.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), vetmai_errors().len());
    }

    #[test]
    fn decodes_program_anchor_and_token_codes() {
        let e = decode_program_error(u32::from(VetmaiError::DurationTooShort)).unwrap();
        assert_eq!((e.code, e.name.as_str(), e.source), (6009, "DurationTooShort", ErrorSource::Program));
        assert_eq!(e.message, "Lock duration is shorter than min_lock");
        assert_eq!(e.to_string(), "DurationTooShort (6009): Lock duration is shorter than min_lock");

        let last = *vetmai_errors().last().unwrap();
        assert_eq!(decode_program_error(u32::from(last)).unwrap().name, last.name());
        assert_eq!(decode_program_error(u32::from(last) + 1), None);

        let a = decode_program_error(2006).unwrap();
        assert_eq!((a.name.as_str(), a.source), ("ConstraintSeeds", ErrorSource::Anchor));
        assert_eq!(a.message, "A seeds constraint was violated");
        assert_eq!(decode_program_error(3012).unwrap().name, "AccountNotInitialized");

        let t = decode_program_error(1).unwrap();
        assert_eq!((t.name.as_str(), t.source), ("InsufficientFunds", ErrorSource::Token));
        assert_eq!(decode_program_error(99), None);
    }

    #[test]
    fn every_anchor_code_is_distinct() {
        let mut codes: Vec<u32> = anchor_errors().iter().map(|e| u32::from(*e)).collect();
        let n = codes.len();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), n);
        assert!(codes.iter().all(|c| (100..6000).contains(c)));
    }
}
