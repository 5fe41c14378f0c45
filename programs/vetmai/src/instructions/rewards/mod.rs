//! Revenue distribution (SPEC §4): reward pools, deposits, the permissionless crank, claims.
pub mod claim_rewards;
pub mod crank_pool;
pub mod create_reward_pool;
pub mod deposit_revenue;
pub mod extend_reward_history;
pub mod set_auto_compound;

pub use claim_rewards::*;
pub use crank_pool::*;
pub use create_reward_pool::*;
pub use deposit_revenue::*;
pub use extend_reward_history::*;
pub use set_auto_compound::*;
