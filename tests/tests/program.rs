//! Native program tests: the program runs host-compiled inside solana-program-test.
//! One module per instruction family; `fixture` holds the shared setup.
#![allow(deprecated, clippy::arithmetic_side_effects, clippy::unwrap_used)]

#[path = "program/fixture.rs"]
mod fixture;

#[path = "program/admin.rs"]
mod admin;
#[path = "program/attacks.rs"]
mod attacks;
#[path = "program/conservation.rs"]
mod conservation;
#[path = "program/exit.rs"]
mod exit;
#[path = "program/governance.rs"]
mod governance;
#[path = "program/locks.rs"]
mod locks;
#[path = "program/mints.rs"]
mod mints;
#[path = "program/rewards.rs"]
mod rewards;
#[path = "program/rewards_model.rs"]
mod rewards_model;
#[path = "program/sale.rs"]
mod sale;
#[path = "program/security.rs"]
mod security;
#[path = "program/sequences.rs"]
mod sequences;
#[path = "program/tx_size.rs"]
mod tx_size;
