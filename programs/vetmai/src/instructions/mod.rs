//! One file per instruction, grouped by area.
pub mod admin;
pub mod governance;
pub mod locks;
pub mod rewards;
pub mod sales;
pub mod token;

pub use admin::*;
pub use governance::*;
pub use locks::*;
pub use rewards::*;
pub use sales::*;
