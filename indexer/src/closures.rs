//! Live closure detection (issue 14 item 7).
//!
//! Anchor's `close` zeroes an account's lamports and hands it to the System Program; the runtime
//! then drops it. `programSubscribe` only reports accounts the program owns after the change, so it
//! never reports a closure. The live source therefore also subscribes to the logs of every
//! transaction that mentions the program (`logsSubscribe` with `mentions`: a notification arrives
//! per transaction even when the program logs nothing, as on the native test validator), and for
//! each successful one re-reads the accounts the transaction could write ([`lookup`]): one that is
//! now gone ([`is_gone`]: absent, no lamports, or handed to another program empty) is closed at
//! the slot it was read at. The sink closes only mirrored rows, so a key that never was a program
//! account (a transfer's recipient) changes nothing. Slot order makes the result right whatever
//! arrives first: an account re-created after the read has a newer slot and reopens the row; one
//! re-created before the read is not gone.
use std::str::FromStr;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use serde_json::{json, Value};
use solana_account_decoder_client_types::UiAccount;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::request::RpcRequest;
use solana_rpc_client_api::response::Response;

use crate::IndexerError;

/// Most keys per `getMultipleAccounts` call (the RPC limit).
const MAX_MULTIPLE_ACCOUNTS: usize = 100;

/// How long a lookup waits for a transaction its notification announced to become readable
/// with `getTransaction` (the status is written a little after the notification).
pub const TRANSACTION_WAIT: Duration = Duration::from_secs(5);

fn bad(what: impl Into<String>) -> IndexerError {
    IndexerError::BadAccount(what.into())
}

fn keys_of(v: Option<&Value>) -> Result<Vec<Pubkey>, IndexerError> {
    let Some(v) = v else { return Ok(Vec::new()) };
    let arr = v.as_array().ok_or_else(|| bad("getTransaction: an address list is not an array"))?;
    arr.iter()
        .map(|k| {
            let s = k.as_str().ok_or_else(|| bad("getTransaction: an address is not a string"))?;
            Pubkey::from_str(s).map_err(|e| bad(format!("getTransaction: address {s}: {e}")))
        })
        .collect()
}

/// The keys of one transaction that matter for closures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxKeys {
    /// The slot the transaction landed in.
    pub slot: u64,
    /// The accounts it may write: the static keys the message header marks writable, then the
    /// writable addresses loaded from lookup tables.
    pub writable: Vec<Pubkey>,
    /// Its signers (never a PDA, so never a closed program account of this program's kind).
    pub signers: Vec<Pubkey>,
}

/// [`TxKeys`] of a `getTransaction` result in `json` encoding.
pub fn tx_keys(tx: &Value) -> Result<TxKeys, IndexerError> {
    let slot = tx.get("slot").and_then(Value::as_u64).ok_or_else(|| bad("getTransaction: no slot"))?;
    let message = tx
        .pointer("/transaction/message")
        .ok_or_else(|| bad("getTransaction: no transaction.message (not json encoding?)"))?;
    let keys = keys_of(message.get("accountKeys"))?;
    let header = message.get("header").ok_or_else(|| bad("getTransaction: no message header"))?;
    let field = |name: &str| {
        header
            .get(name)
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| bad(format!("getTransaction: header.{name}")))
    };
    let signed = field("numRequiredSignatures")?;
    let signed_ro = field("numReadonlySignedAccounts")?;
    let unsigned_ro = field("numReadonlyUnsignedAccounts")?;
    let writable_signed = signed.saturating_sub(signed_ro);
    let writable_unsigned_end = keys.len().saturating_sub(unsigned_ro);
    let signers = keys.iter().take(signed).copied().collect();
    let mut writable: Vec<Pubkey> = keys
        .into_iter()
        .enumerate()
        .filter(|(i, _)| *i < writable_signed || (*i >= signed && *i < writable_unsigned_end))
        .map(|(_, k)| k)
        .collect();
    writable.extend(keys_of(tx.pointer("/meta/loadedAddresses/writable"))?);
    Ok(TxKeys { slot, writable, signers })
}

/// `getTransaction` at `confirmed` (json, versioned transactions too), retried while the node
/// does not have it yet, for up to `wait`.
pub async fn fetch_transaction(rpc: &RpcClient, signature: &str, wait: Duration) -> Result<Value, IndexerError> {
    let config = json!({ "encoding": "json", "commitment": "confirmed", "maxSupportedTransactionVersion": 0 });
    let deadline = tokio::time::Instant::now() + wait;
    let mut pause = Duration::from_millis(50);
    loop {
        let tx: Value = rpc.send(RpcRequest::GetTransaction, json!([signature, config])).await?;
        if !tx.is_null() {
            return Ok(tx);
        }
        if tokio::time::Instant::now() + pause > deadline {
            return Err(bad(format!("transaction {signature} not readable after {wait:?}")));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(400));
    }
}

/// Whether an account read back after a transaction is no longer a program account: absent
/// (Anchor's `close` leaves no lamports, and the runtime drops such accounts), no lamports, or
/// handed to another program with no data left, the state `close` leaves when something refunds
/// the address in the same transaction. A signer or an account with data of another program
/// (the fee payer, a wallet, a token account) is not one this program closed.
pub fn is_gone(account: Option<&UiAccount>, signer: bool) -> bool {
    match account {
        None => true,
        Some(a) if a.lamports == 0 => true,
        Some(a) => a.owner != vetmai::ID.to_string() && !signer && a.space.unwrap_or(0) == 0,
    }
}

/// Of `keys`, those [`is_gone`] (read at `confirmed`, no earlier than `min_slot`), with the slot
/// they were read at (the lowest context slot of the calls).
pub async fn no_longer_program_accounts(
    rpc: &RpcClient,
    keys: &[Pubkey],
    signers: &[Pubkey],
    min_slot: u64,
) -> Result<(u64, Vec<Pubkey>), IndexerError> {
    let mut closed = Vec::new();
    let mut read_at = u64::MAX;
    for chunk in keys.chunks(MAX_MULTIPLE_ACCOUNTS) {
        let addresses: Vec<String> = chunk.iter().map(|k| k.to_string()).collect();
        let config = json!({
            "encoding": "base64",
            "commitment": "confirmed",
            "minContextSlot": min_slot,
            "dataSlice": { "offset": 0, "length": 0 },
        });
        let resp: Response<Vec<Option<UiAccount>>> =
            rpc.send(RpcRequest::GetMultipleAccounts, json!([addresses, config])).await?;
        if resp.value.len() != chunk.len() {
            return Err(bad(format!("getMultipleAccounts: {} answers for {} keys", resp.value.len(), chunk.len())));
        }
        read_at = read_at.min(resp.context.slot);
        for (key, acc) in chunk.iter().zip(resp.value) {
            if is_gone(acc.as_ref(), signers.contains(key)) {
                closed.push(*key);
            }
        }
    }
    Ok((if read_at == u64::MAX { min_slot } else { read_at }, closed))
}

/// What one transaction closed: re-reads the accounts it could write (see the module doc).
/// Returns the slot the accounts were read at and the keys to mark closed there.
pub async fn lookup(rpc: &RpcClient, signature: &str, wait: Duration) -> Result<(u64, Vec<Pubkey>), IndexerError> {
    let tx = fetch_transaction(rpc, signature, wait).await?;
    if tx.pointer("/meta/err").is_some_and(|e| !e.is_null()) {
        return Ok((0, Vec::new()));
    }
    let TxKeys { slot, writable: mut keys, signers } = tx_keys(&tx)?;
    keys.sort();
    keys.dedup();
    keys.retain(|k| *k != vetmai::ID);
    if keys.is_empty() {
        return Ok((slot, keys));
    }
    no_longer_program_accounts(rpc, &keys, &signers, slot).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writable_keys_follow_the_header_and_include_loaded_writable_addresses() {
        let k: Vec<Pubkey> = (1..=6u8).map(|i| Pubkey::new_from_array([i; 32])).collect();
        let loaded_w = Pubkey::new_from_array([7; 32]);
        let loaded_r = Pubkey::new_from_array([8; 32]);
        // 2 signers (1 read-only), 4 unsigned (2 read-only): writable = k0, k2, k3.
        let tx = json!({
            "slot": 42,
            "meta": { "err": null, "loadedAddresses": { "writable": [loaded_w.to_string()], "readonly": [loaded_r.to_string()] } },
            "transaction": { "message": {
                "accountKeys": k.iter().map(|x| x.to_string()).collect::<Vec<_>>(),
                "header": { "numRequiredSignatures": 2, "numReadonlySignedAccounts": 1, "numReadonlyUnsignedAccounts": 2 },
            } },
        });
        let got = tx_keys(&tx).unwrap();
        assert_eq!(got.slot, 42);
        assert_eq!(got.writable, vec![k[0], k[2], k[3], loaded_w]);
        assert_eq!(got.signers, vec![k[0], k[1]]);
    }

    #[test]
    fn a_legacy_transaction_without_loaded_addresses_parses() {
        let k = Pubkey::new_unique();
        let tx = json!({
            "slot": 1,
            "meta": { "err": null },
            "transaction": { "message": {
                "accountKeys": [k.to_string()],
                "header": { "numRequiredSignatures": 1, "numReadonlySignedAccounts": 0, "numReadonlyUnsignedAccounts": 0 },
            } },
        });
        assert_eq!(tx_keys(&tx).unwrap(), TxKeys { slot: 1, writable: vec![k], signers: vec![k] });
        assert!(tx_keys(&json!({ "slot": 1 })).is_err(), "not json encoding");
    }

    fn account(owner: &str, lamports: u64, space: u64) -> UiAccount {
        UiAccount {
            lamports,
            data: solana_account_decoder_client_types::UiAccountData::Binary(
                String::new(),
                solana_account_decoder_client_types::UiAccountEncoding::Base64,
            ),
            owner: owner.to_string(),
            executable: false,
            rent_epoch: 0,
            space: Some(space),
        }
    }

    #[test]
    fn gone_means_absent_emptied_or_handed_away_empty() {
        let program = vetmai::ID.to_string();
        let system = "11111111111111111111111111111111";
        let token = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
        assert!(is_gone(None, false), "absent");
        assert!(is_gone(Some(&account(&program, 0, 100)), false), "no lamports");
        assert!(is_gone(Some(&account(system, 5_000, 0)), false), "closed, then refunded");
        assert!(!is_gone(Some(&account(&program, 1_000, 100)), false), "still the program's");
        assert!(!is_gone(Some(&account(system, 5_000, 0)), true), "a signer: the fee payer or a wallet");
        assert!(!is_gone(Some(&account(token, 2_000, 165)), false), "a token account");
    }
}
