//! Early-access sale rounds (SPEC §6).
pub mod close_round;
pub mod commit;
pub mod open_round;
pub mod settle;

pub use close_round::*;
pub use commit::*;
pub use open_round::*;
pub use settle::*;
