//! Client side of the veTMAI program: PDA derivation, instruction builders, account decoding and
//! the derived numbers (veTMAI, level, guaranteed veTMAI) computed with `vetmai-math` exactly as
//! the program computes them.
pub mod amount;
pub mod decode;
pub mod errors;
pub mod ix;
pub mod pda;
pub mod view;

pub use amount::{format_amount, parse_amount, AmountError};
pub use decode::{decode, decode_any, DecodeError, ProgramAccount};
pub use errors::{decode_program_error, ErrorSource, ProgramErrorInfo};
pub use vetmai::ID as PROGRAM_ID;
