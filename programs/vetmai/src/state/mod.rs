//! Account types, one file each.
pub mod config;
pub mod dao;
pub mod position;
pub mod reward_pool;
pub mod sale;
pub mod schedule;
pub mod staker;

pub use config::*;
pub use dao::*;
pub use position::*;
pub use reward_pool::*;
pub use sale::*;
pub use schedule::*;
pub use staker::*;
