//! Sandbox state across restarts. The validator runs the program natively, which only works on a
//! fresh genesis (see `docs/native.md`), so instead of replaying its ledger the sandbox saves
//! every account that matters — the program's, SPL Token's (mints, wallets' and vaults' token
//! accounts) and the demo wallets' SOL — and preloads them into the next genesis. Account data
//! and balances come back exactly; slots restart from zero and transaction history is not kept.
use std::path::Path;

use anchor_lang::prelude::Pubkey;
use anyhow::Context;
use base64::Engine;
use serde_json::{json, Value};
use solana_account_4::Account;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Writes `accounts` to `path` atomically (a temporary file renamed over it).
pub fn save(path: &Path, accounts: &[(Pubkey, Account)]) -> anyhow::Result<()> {
    let list: Vec<Value> = accounts
        .iter()
        .map(|(k, a)| {
            json!({
                "pubkey": k.to_string(),
                "lamports": a.lamports,
                "owner": a.owner.to_string(),
                "executable": a.executable,
                "data": B64.encode(&a.data),
            })
        })
        .collect();
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec(&json!({ "accounts": list }))?)
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
}

/// Reads a snapshot written by [`save`].
pub fn load(path: &Path) -> anyhow::Result<Vec<(Pubkey, Account)>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let doc: Value = serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let bad = |what: &str, i: usize| anyhow::anyhow!("{}: account {i}: bad or missing {what}", path.display());
    let mut out = vec![];
    for (i, a) in doc["accounts"].as_array().ok_or_else(|| bad("accounts list", 0))?.iter().enumerate() {
        let key: Pubkey = a["pubkey"].as_str().and_then(|s| s.parse().ok()).ok_or_else(|| bad("pubkey", i))?;
        let owner: Pubkey = a["owner"].as_str().and_then(|s| s.parse().ok()).ok_or_else(|| bad("owner", i))?;
        let data = a["data"].as_str().and_then(|s| B64.decode(s).ok()).ok_or_else(|| bad("data", i))?;
        out.push((
            key,
            Account {
                lamports: a["lamports"].as_u64().ok_or_else(|| bad("lamports", i))?,
                data,
                owner,
                executable: a["executable"].as_bool().unwrap_or(false),
                rent_epoch: 0,
            },
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let dir = std::env::temp_dir().join(format!("vetmai-snapshot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("accounts.json");
        let accounts = vec![
            (
                Pubkey::new_unique(),
                Account { lamports: 5, data: vec![1, 2, 3], owner: vetmai::ID, ..Account::default() },
            ),
            (
                Pubkey::new_unique(),
                Account { lamports: u64::MAX, data: vec![], owner: Pubkey::default(), ..Account::default() },
            ),
        ];
        save(&path, &accounts).unwrap();
        assert_eq!(load(&path).unwrap(), accounts);
        std::fs::write(&path, r#"{"accounts":[{"pubkey":"nope"}]}"#).unwrap();
        assert!(load(&path).unwrap_err().to_string().contains("account 0: bad or missing pubkey"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
