//! Seeds, hard limits and the published (Token Metrics) defaults.
use vetmai_math::{DAY_SECONDS, EPOCH_SECONDS};

/// Seconds in a day, as `u64` for duration parameters.
pub const DAY: u64 = DAY_SECONDS as u64;
/// Seconds in an epoch (7 days), as `u64`.
pub const EPOCH: u64 = EPOCH_SECONDS as u64;

/// Hard cap on `max_lock`: 12 months. Keeps every lock end inside the 64-boundary schedule.
pub const MAX_LOCK_CAP: u64 = 365 * DAY;
/// Hard floor on `min_lock`: one day.
pub const MIN_LOCK_FLOOR: u64 = DAY;
/// Hard cap on `max_multiplier_bps` (10x).
pub const MAX_MULTIPLIER_CAP_BPS: u64 = 100_000;
/// Governance safety rails: bounds no parameter update (admin or DAO) can cross.
/// Quorum: at least 5 %, at most 50 % of the veTMAI at creation (above that, low turnout could
/// freeze governance for good).
pub const QUORUM_BPS_RANGE: core::ops::RangeInclusive<u64> = 500..=5_000;
/// Approval margin: `yes − no` at least 1 %, at most 50 % of `yes + no`.
pub const APPROVAL_MARGIN_BPS_RANGE: core::ops::RangeInclusive<u64> = 100..=5_000;
/// Voting period: at least a day, at most 30 days (and never longer than `max_lock`, or no lock
/// could be guaranteed through the voting end).
pub const VOTING_PERIOD_RANGE: core::ops::RangeInclusive<u64> = DAY..=30 * DAY;
/// Timelock (the guardian's veto window): at least an hour, at most 30 days.
pub const TIMELOCK_RANGE: core::ops::RangeInclusive<u64> = 3_600..=30 * DAY;
/// Execution window after the timelock: a day to a year.
pub const EXECUTION_WINDOW_RANGE: core::ops::RangeInclusive<u64> = DAY..=MAX_LOCK_CAP;

/// Distinct Constant-lock durations one wallet may hold at once (their scores are bucketed by
/// duration so guaranteed veTMAI is exact and read from one account).
pub const MAX_CONSTANT_DURATIONS: usize = 16;
/// Reward pools a deployment may register (one per reward mint). Position accounts keep one
/// reward checkpoint per pool slot.
pub const MAX_REWARD_POOLS: usize = 4;
/// Epochs per reward-history chunk account (≈ 9.8 years).
pub const HISTORY_LEN: usize = 512;
/// Longest title of a proposal, bytes (SPEC §5).
pub const MAX_TITLE_LEN: usize = 80;
/// Longest description URL of a proposal, bytes (SPEC §5).
pub const MAX_URL_LEN: usize = 200;

/// Default shortest lock: 7 days.
pub const DEFAULT_MIN_LOCK: u64 = 7 * DAY;
/// Default longest lock: 365 days, "up to 12 months" (TM).
pub const DEFAULT_MAX_LOCK: u64 = 365 * DAY;
/// Default multiplier of a max-length lock: 2.0x (TM).
pub const DEFAULT_MAX_MULTIPLIER_BPS: u64 = 20_000;
/// Default period over which a revenue deposit streams: 7 days.
pub const DEFAULT_DISTRIBUTION_PERIOD: u64 = 7 * DAY;
/// Default voting period: 7 days (TM).
pub const DEFAULT_VOTING_PERIOD: u64 = 7 * DAY;
/// Default quorum: 25% of total veTMAI at proposal creation (TM).
pub const DEFAULT_QUORUM_BPS: u64 = 2_500;
/// Default approval margin: yes − no ≥ 10% of yes + no (TM).
pub const DEFAULT_APPROVAL_MARGIN_BPS: u64 = 1_000;
/// Default timelock between passing and execution: 24 h (TM).
pub const DEFAULT_TIMELOCK: u64 = DAY;
/// Default execution window after the timelock: 7 days.
pub const DEFAULT_EXECUTION_WINDOW: u64 = 7 * DAY;
/// Default proposals per calendar month by level 0..=10 (TM).
pub const DEFAULT_PROPOSALS_PER_MONTH: [u8; 11] = [0, 1, 1, 1, 2, 2, 2, 3, 3, 4, 4];
