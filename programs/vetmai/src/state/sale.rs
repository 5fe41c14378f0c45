use anchor_lang::prelude::*;

use crate::error::VetmaiError;

/// Levels 0..=10.
pub const LEVELS: usize = 11;
/// Hours into an early-access round at which each level may commit (SPEC §3 "early window":
/// levels 8–10 from the start, 5–7 after 12 h, 1–4 after 18 h; level 0 never).
pub const DEFAULT_WINDOW_OPEN_HOURS: [u64; LEVELS] = [u64::MAX, 18, 18, 18, 18, 12, 12, 12, 0, 0, 0];
/// Private-sale caps per level in whole payment tokens (SPEC §3, USD).
pub const DEFAULT_LEVEL_CAPS_WHOLE: [u64; LEVELS] =
    [0, 1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 8_000, 10_000, 12_000, 15_000];

/// An early-access sale round (SPEC §6). PDA `["round", id u64 LE]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct SaleRound {
    /// Sequential id.
    pub id: u64,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Who opened it; receives the proceeds.
    pub authority: Pubkey,
    /// Mint committers pay in.
    pub payment_mint: Pubkey,
    /// Token program of `payment_mint`.
    pub token_program: Pubkey,
    /// Token account holding commitments; PDA `["round_vault", round]`, authority = this round PDA
    /// (escrow: unreachable from governance).
    pub vault: Pubkey,
    /// Most the round sells, payment base units.
    pub total_cap: u64,
    /// Opens (for the earliest levels), unix seconds.
    pub start: i64,
    /// Closes, unix seconds; caps use veTMAI guaranteed through this time.
    pub end: i64,
    /// Cap per level 0..=10, payment base units.
    pub level_caps: [u64; LEVELS],
    /// Seconds after `start` when each level's window opens (`u64::MAX` = never).
    pub window_open: [u64; LEVELS],
    /// Σ commitments, payment base units (may exceed `total_cap`: settled pro rata).
    pub total_committed: u64,
    /// Σ allocations of settled commitments.
    pub total_allocated: u64,
    /// Σ refunds paid.
    pub total_refunded: u64,
    /// Proceeds already withdrawn by the authority.
    pub proceeds_withdrawn: u64,
    /// Commitments made (wallets).
    pub committers: u32,
    /// Space for fields added later without a migration.
    pub reserved: [u8; 32],
}

impl SaleRound {
    pub const SEED: &'static [u8] = b"round";
    pub const VAULT_SEED: &'static [u8] = b"round_vault";
    /// Account size in bytes, discriminator included.
    pub const SPACE: usize = 8 + Self::INIT_SPACE;

    /// When `level`'s window opens, unix seconds (`None` = never).
    pub fn opens_for(&self, level: u8) -> Option<i64> {
        let off = *self.window_open.get(usize::from(level))?;
        self.start.checked_add(i64::try_from(off).ok()?)
    }

    /// What the round sells in the end: everything committed, up to the cap.
    pub fn proceeds(&self) -> u64 {
        self.total_committed.min(self.total_cap)
    }
}

/// Most commits one wallet makes in a round (each is its own slice of the pro-rata range).
pub const MAX_COMMITS: usize = 4;

/// One wallet's commitment to a round. PDA `["commitment", round, wallet]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct Commitment {
    pub round: Pubkey,
    pub wallet: Pubkey,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Σ committed, payment base units.
    pub amount: u64,
    /// Each commit's place in the round's committed range: `(round total before it, amount)`.
    pub slices: [CommitSlice; MAX_COMMITS],
    /// Commits made.
    pub commits: u8,
    /// Set by `settle_commitment`.
    pub settled: bool,
    /// Allocated (kept by the round), payment base units; valid once settled.
    pub allocation: u64,
    /// Refunded, payment base units; valid once settled.
    pub refund: u64,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Default, PartialEq, Eq, Debug, InitSpace)]
pub struct CommitSlice {
    /// Round total committed before this commit.
    pub from: u64,
    /// Amount of this commit.
    pub amount: u64,
}

impl Commitment {
    pub const SEED: &'static [u8] = b"commitment";
    /// Account size in bytes, discriminator included.
    pub const SPACE: usize = 8 + Self::INIT_SPACE;

    /// Pro-rata allocation once the round is closed (Σ over all commitments = the round's proceeds).
    pub fn allocation_in(&self, round: &SaleRound) -> Result<u64> {
        let mut sum: u64 = 0;
        for s in self.slices.iter().take(usize::from(self.commits)) {
            let a = vetmai_math::governance::pro_rata(s.from, s.amount, round.total_committed, round.total_cap)
                .ok_or(VetmaiError::MathOverflow)?;
            sum = sum.checked_add(a).ok_or(VetmaiError::MathOverflow)?;
        }
        Ok(sum)
    }
}
