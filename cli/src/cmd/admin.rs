//! `init`: the program config for a TMAI mint.
use serde_json::json;
use vetmai_client::ix::Deployment;
use vetmai_client::pda;

use crate::chain::{step, Ctx};
use crate::error::{CliError, Result};
use crate::out::Report;
use crate::parse;

pub fn init(ctx: &Ctx, mint: &str) -> Result<Report> {
    let mint = parse::pubkey(mint, "mint")?;
    let admin = ctx.signer()?;
    if let Some(a) = ctx.account(&pda::config())? {
        let current = crate::chain::decode_owned::<vetmai::state::Config>(&pda::config(), &a.owner, &a.data)
            .map(|c| format!(" for TMAI mint {} (admin {})", c.tmai_mint, c.admin))
            .unwrap_or_default();
        return Err(CliError::preflight(
            "already_initialized",
            format!("already initialized: the config {} exists{current}", pda::config()),
        ));
    }
    let m = ctx.mint(&mint)?;
    let dep = Deployment::new(mint, m.token_program);
    let sig = ctx.send(vec![], vec![step("initialize", dep.initialize(admin))])?;
    let c = ctx.config()?;
    Ok(Report::new(
        json!({
            "signature": sig,
            "config": pda::config().to_string(),
            "vault": c.vault.to_string(),
            "admin": c.admin.to_string(),
            "tmai_mint": c.tmai_mint.to_string(),
            "decimals": c.tmai_decimals,
            "token_program": c.token_program.to_string(),
        }),
        format!(
            "Initialized veTMAI for TMAI mint {mint} ({} decimals)\n  config  {}\n  vault   {}\n  admin   {admin}\nSignature: {sig}",
            c.tmai_decimals,
            pda::config(),
            c.vault
        ),
    ))
}
