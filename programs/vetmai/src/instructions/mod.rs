//! One file per instruction, grouped by area.
pub mod admin;
pub mod locks;
pub mod rewards;
pub mod token;

pub use admin::*;
pub use locks::*;
pub use rewards::*;
