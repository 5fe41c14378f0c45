use anchor_lang::prelude::*;
use vetmai_math::{DEFAULT_LEVEL_THRESHOLDS_TOKENS, LEVEL_COUNT};

use super::ScoreBook;
use crate::constants::*;
use crate::error::VetmaiError;

/// Program-wide configuration and totals. Singleton PDA `["config"]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct Config {
    /// May change parameters; becomes the DAO authority PDA once governance takes over.
    pub admin: Pubkey,
    /// Admin proposed by `set_admin`, awaiting `accept_admin`; default pubkey when none.
    pub pending_admin: Pubkey,
    /// The TMAI mint (SPL Token or Token-2022).
    pub tmai_mint: Pubkey,
    /// Token program owning `tmai_mint` and `vault`.
    pub token_program: Pubkey,
    /// Token account holding every locked TMAI; PDA `["vault", config]`, authority = this config.
    pub vault: Pubkey,
    /// May deposit revenue into reward pools (the DAO, or an authority it sets).
    pub revenue_authority: Pubkey,
    /// Registered reward pools, in registration order; the first `reward_pool_count` are live.
    /// Every instruction that changes a score takes all of them, in this order.
    pub reward_pools: [Pubkey; MAX_REWARD_POOLS],
    /// Number of registered reward pools.
    pub reward_pool_count: u8,
    /// Decimals of `tmai_mint`.
    pub tmai_decimals: u8,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Canonical bump of the vault PDA.
    pub vault_bump: u8,
    /// DAO-governed parameters.
    pub params: Params,
    /// Program-wide totals, kept exact by every lock instruction.
    pub totals: Totals,
    /// Space for fields added later without a migration.
    pub reserved: [u8; 256],
}

impl Config {
    /// The live reward pools.
    pub fn pools(&self) -> &[Pubkey] {
        let n = usize::from(self.reward_pool_count).min(MAX_REWARD_POOLS);
        &self.reward_pools[..n]
    }

    /// Account size in bytes, discriminator included.
    pub const SPACE: usize = 8 + Self::INIT_SPACE;
    pub const SEED: &'static [u8] = b"config";
    pub const VAULT_SEED: &'static [u8] = b"vault";
}

/// Parameters the DAO may change (SPEC §2–§5). Defaults are Token Metrics' published numbers.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, InitSpace, PartialEq, Eq, Debug)]
pub struct Params {
    /// Shortest lock, seconds.
    pub min_lock: u64,
    /// Longest lock, seconds; earns `max_multiplier_bps`.
    pub max_lock: u64,
    /// Multiplier of a `max_lock` lock, bps (20 000 = 2.0x).
    pub max_multiplier_bps: u64,
    /// veTMAI needed for levels 1..=10, base units (whole tokens × 10^decimals).
    pub level_thresholds: [u64; LEVEL_COUNT],
    /// Period over which each revenue deposit streams, seconds.
    pub distribution_period: u64,
    /// Voting period of a proposal, seconds.
    pub voting_period: u64,
    /// Turnout needed, bps of total veTMAI at proposal creation.
    pub quorum_bps: u64,
    /// Required `yes − no`, bps of `yes + no`.
    pub approval_margin_bps: u64,
    /// Delay between a passed vote and execution, seconds.
    pub timelock: u64,
    /// How long after the timelock a passed proposal stays executable, seconds.
    pub execution_window: u64,
    /// Proposals a wallet may create per calendar month (UTC), by level 0..=10.
    pub proposals_per_month: [u8; 11],
}

impl Params {
    /// Published defaults, thresholds scaled to the mint's decimals.
    pub fn defaults(decimals: u8) -> Result<Self> {
        let level_thresholds = vetmai_math::thresholds_in_base_units(&DEFAULT_LEVEL_THRESHOLDS_TOKENS, decimals)
            .ok_or(VetmaiError::DecimalsTooLarge)?;
        Ok(Self {
            min_lock: DEFAULT_MIN_LOCK,
            max_lock: DEFAULT_MAX_LOCK,
            max_multiplier_bps: DEFAULT_MAX_MULTIPLIER_BPS,
            level_thresholds,
            distribution_period: DEFAULT_DISTRIBUTION_PERIOD,
            voting_period: DEFAULT_VOTING_PERIOD,
            quorum_bps: DEFAULT_QUORUM_BPS,
            approval_margin_bps: DEFAULT_APPROVAL_MARGIN_BPS,
            timelock: DEFAULT_TIMELOCK,
            execution_window: DEFAULT_EXECUTION_WINDOW,
            proposals_per_month: DEFAULT_PROPOSALS_PER_MONTH,
        })
    }

    /// Rejects any combination the program could not honour, or that would remove a governance
    /// safety rail (see the `*_RANGE` bounds in `constants`).
    pub fn validate(&self) -> Result<()> {
        require!(
            self.min_lock >= MIN_LOCK_FLOOR && self.min_lock <= self.max_lock && self.max_lock <= MAX_LOCK_CAP,
            VetmaiError::InvalidLockBounds
        );
        require!(
            (vetmai_math::BPS..=MAX_MULTIPLIER_CAP_BPS).contains(&self.max_multiplier_bps),
            VetmaiError::InvalidMultiplier
        );
        require!(vetmai_math::thresholds_valid(&self.level_thresholds), VetmaiError::InvalidThresholds);
        let day_to_year = DAY..=MAX_LOCK_CAP;
        require!(day_to_year.contains(&self.distribution_period), VetmaiError::InvalidParam);
        require!(
            VOTING_PERIOD_RANGE.contains(&self.voting_period) && self.voting_period <= self.max_lock,
            VetmaiError::InvalidParam
        );
        require!(QUORUM_BPS_RANGE.contains(&self.quorum_bps), VetmaiError::InvalidParam);
        require!(APPROVAL_MARGIN_BPS_RANGE.contains(&self.approval_margin_bps), VetmaiError::InvalidParam);
        require!(TIMELOCK_RANGE.contains(&self.timelock), VetmaiError::InvalidParam);
        require!(EXECUTION_WINDOW_RANGE.contains(&self.execution_window), VetmaiError::InvalidParam);
        Ok(())
    }

    /// Score of `amount` locked for `duration` seconds under these parameters.
    pub fn score(&self, amount: u64, duration: u64) -> Result<u128> {
        vetmai_math::lock_score(amount, duration, self.max_lock, self.max_multiplier_bps)
            .ok_or_else(|| error!(VetmaiError::MathOverflow))
    }

    /// Checks a requested lock duration against the bounds.
    pub fn check_duration(&self, duration: u64) -> Result<()> {
        require!(duration >= self.min_lock, VetmaiError::DurationTooShort);
        require!(duration <= self.max_lock, VetmaiError::DurationTooLong);
        Ok(())
    }
}

/// Partial parameter update: `None` keeps the current value. The result is validated as a whole.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Default, PartialEq, Eq, Debug, InitSpace)]
pub struct ParamsUpdate {
    pub min_lock: Option<u64>,
    pub max_lock: Option<u64>,
    pub max_multiplier_bps: Option<u64>,
    pub level_thresholds: Option<[u64; LEVEL_COUNT]>,
    pub distribution_period: Option<u64>,
    pub voting_period: Option<u64>,
    pub quorum_bps: Option<u64>,
    pub approval_margin_bps: Option<u64>,
    pub timelock: Option<u64>,
    pub execution_window: Option<u64>,
    pub proposals_per_month: Option<[u8; 11]>,
}

impl ParamsUpdate {
    /// The parameters after applying this update (not yet validated).
    pub fn apply_to(&self, p: &Params) -> Params {
        Params {
            min_lock: self.min_lock.unwrap_or(p.min_lock),
            max_lock: self.max_lock.unwrap_or(p.max_lock),
            max_multiplier_bps: self.max_multiplier_bps.unwrap_or(p.max_multiplier_bps),
            level_thresholds: self.level_thresholds.unwrap_or(p.level_thresholds),
            distribution_period: self.distribution_period.unwrap_or(p.distribution_period),
            voting_period: self.voting_period.unwrap_or(p.voting_period),
            quorum_bps: self.quorum_bps.unwrap_or(p.quorum_bps),
            approval_margin_bps: self.approval_margin_bps.unwrap_or(p.approval_margin_bps),
            timelock: self.timelock.unwrap_or(p.timelock),
            execution_window: self.execution_window.unwrap_or(p.execution_window),
            proposals_per_month: self.proposals_per_month.unwrap_or(p.proposals_per_month),
        }
    }
}

/// Program-wide totals over every open position.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, InitSpace, PartialEq, Eq, Debug)]
pub struct Totals {
    /// Σ position amounts, base units (equals the vault balance unless someone donated to it).
    pub locked_amount: u64,
    /// Open positions.
    pub open_positions: u64,
    /// Staker accounts in existence.
    pub stakers: u64,
    /// Program-wide score: Constant scores plus Fixed scores by end boundary.
    pub score: ScoreBook,
}

impl Totals {
    /// Program-wide veTMAI at `now`. Exact whether or not the schedule was advanced to `now`.
    pub fn ve_at(&self, now: i64) -> Option<u128> {
        self.score.ve_at(now)
    }
}
