//! One module per command family. Each command reads what it needs over RPC, checks it, sends,
//! and returns a [`Report`](crate::out::Report).
pub mod admin;
pub mod gov;
pub mod lock;
pub mod rewards;
pub mod sale;
pub mod show;

use anchor_lang::prelude::Pubkey;

use crate::error::Result;
use crate::parse;

/// An optional address argument.
pub fn opt_pubkey(v: &Option<String>, what: &str) -> Result<Option<Pubkey>> {
    v.as_deref().map(|s| parse::pubkey(s, what)).transpose()
}
