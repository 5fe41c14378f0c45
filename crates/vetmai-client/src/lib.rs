//! Client side of the veTMAI program: PDA derivation, instruction builders, account decoding and
//! the derived numbers (veTMAI, level, guaranteed veTMAI) computed with `vetmai-math` exactly as
//! the program computes them.
pub mod decode;
pub mod ix;
pub mod pda;
pub mod view;

pub use decode::{decode, decode_any, DecodeError, ProgramAccount};
pub use vetmai::ID as PROGRAM_ID;
