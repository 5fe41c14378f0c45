//! Account types, one file each.
pub mod config;
pub mod position;
pub mod reward_pool;
pub mod schedule;
pub mod staker;

pub use config::*;
pub use position::*;
pub use reward_pool::*;
pub use schedule::*;
pub use staker::*;
