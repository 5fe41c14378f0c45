//! Tables for the reward, governance and sale accounts. Each decoded account becomes a row of
//! text values that SQL casts to the column types, so one generic upsert serves every table
//! (slot-ordered like the others: only a newer slot wins).
//!
//! On-chain byte strings (a proposal's title and URL) are stored twice: as readable `text`
//! ([`pg_text`]: Postgres `text` cannot hold NUL) and byte for byte in a `bytea` column.
use sqlx::{Postgres, Transaction};
use vetmai::state::{Commitment, Dao, RewardHistory, RewardPool, SaleRound, VoteChoice, VoteRecord};
use vetmai::Proposal;
use vetmai_client::ProgramAccount;

use crate::model::AccountUpdate;
use crate::IndexerError;

/// How a text value becomes a column.
#[derive(Clone, Copy)]
pub enum Col {
    Text,
    Numeric,
    /// Unix seconds.
    Time,
    Int,
    Bool,
    /// Raw bytes, travelling as hex.
    Bytes,
}

impl Col {
    fn cast(self, name: &str) -> String {
        match self {
            Col::Text => format!("u.{name}"),
            Col::Numeric => format!("u.{name}::numeric"),
            Col::Time => format!("to_timestamp(u.{name}::float8)"),
            Col::Int => format!("u.{name}::int8"),
            Col::Bool => format!("u.{name}::boolean"),
            Col::Bytes => format!("decode(u.{name}, 'hex')"),
        }
    }
}

/// A mirrored table: its name and decoded columns (besides pubkey, data, slot, closed).
pub struct Table {
    pub name: &'static str,
    pub cols: &'static [(&'static str, Col)],
}

pub const REWARD_POOL: Table = Table {
    name: "reward_pool",
    cols: &[
        ("mint", Col::Text),
        ("token_program", Col::Text),
        ("vault", Col::Text),
        ("pool_index", Col::Int),
        ("acc", Col::Numeric),
        ("last_update", Col::Time),
        ("stream_remaining", Col::Numeric),
        ("stream_end", Col::Time),
        ("carry", Col::Numeric),
        ("total_deposited", Col::Numeric),
        ("total_claimed", Col::Numeric),
        ("history_start_epoch", Col::Numeric),
        ("history_chunks", Col::Numeric),
        ("total_score", Col::Numeric),
    ],
};
pub const REWARD_HISTORY: Table = Table {
    name: "reward_history",
    cols: &[("pool", Col::Text), ("chunk", Col::Numeric), ("start_epoch", Col::Numeric)],
};
pub const DAO: Table = Table {
    name: "dao",
    cols: &[
        ("proposal_count", Col::Numeric),
        ("round_count", Col::Numeric),
        ("guardian", Col::Text),
        ("sale_authority", Col::Text),
    ],
};
pub const PROPOSAL: Table = Table {
    name: "proposal",
    cols: &[
        ("id", Col::Numeric),
        ("proposer", Col::Text),
        ("title", Col::Text),
        ("description_url", Col::Text),
        ("content_hash", Col::Text),
        ("action", Col::Text),
        ("state", Col::Text),
        ("created_at", Col::Time),
        ("voting_ends_at", Col::Time),
        ("total_ve_at_creation", Col::Numeric),
        ("yes", Col::Numeric),
        ("no", Col::Numeric),
        ("abstain", Col::Numeric),
        ("voters", Col::Int),
        ("title_raw", Col::Bytes),
        ("description_url_raw", Col::Bytes),
    ],
};
pub const VOTE_RECORD: Table = Table {
    name: "vote_record",
    cols: &[
        ("proposal", Col::Text),
        ("voter", Col::Text),
        ("choice", Col::Text),
        ("weight", Col::Numeric),
        ("cast_at", Col::Time),
    ],
};
pub const SALE_ROUND: Table = Table {
    name: "sale_round",
    cols: &[
        ("id", Col::Numeric),
        ("authority", Col::Text),
        ("payment_mint", Col::Text),
        ("total_cap", Col::Numeric),
        ("starts_at", Col::Time),
        ("ends_at", Col::Time),
        ("total_committed", Col::Numeric),
        ("total_allocated", Col::Numeric),
        ("total_refunded", Col::Numeric),
        ("proceeds_withdrawn", Col::Numeric),
        ("committers", Col::Int),
    ],
};
pub const COMMITMENT: Table = Table {
    name: "commitment",
    cols: &[
        ("round", Col::Text),
        ("wallet", Col::Text),
        ("amount", Col::Numeric),
        ("settled", Col::Bool),
        ("allocation", Col::Numeric),
        ("refund", Col::Numeric),
    ],
};

fn s(v: impl ToString) -> Option<String> {
    Some(v.to_string())
}

/// On-chain bytes as Postgres `text`, which holds neither NUL nor invalid UTF-8: both become
/// U+FFFD. Store the exact bytes beside it (a [`Col::Bytes`] column).
pub fn pg_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace('\0', "\u{FFFD}")
}

/// Bytes as the hex a [`Col::Bytes`] column takes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The table and decoded column values of an account of one of these types (`None` for the
/// types the main store handles).
pub fn row(a: &ProgramAccount) -> Option<(&'static Table, Vec<Option<String>>)> {
    Some(match a {
        ProgramAccount::RewardPool(p) => (&REWARD_POOL, reward_pool(p)),
        ProgramAccount::RewardHistory(h) => (&REWARD_HISTORY, history(h)),
        ProgramAccount::Dao(d) => (&DAO, dao(d)),
        ProgramAccount::Proposal(p) => (&PROPOSAL, proposal(p)),
        ProgramAccount::VoteRecord(v) => (&VOTE_RECORD, vote(v)),
        ProgramAccount::SaleRound(r) => (&SALE_ROUND, round(r)),
        ProgramAccount::Commitment(c) => (&COMMITMENT, commitment(c)),
        _ => return None,
    })
}

fn reward_pool(p: &RewardPool) -> Vec<Option<String>> {
    let total = p.score.fixed.active.saturating_add(p.score.constant_score);
    vec![
        s(p.mint),
        s(p.token_program),
        s(p.vault),
        s(p.index),
        s(p.stream.acc),
        s(p.stream.last_update),
        s(p.stream.remaining),
        s(p.stream.end),
        s(p.stream.carry),
        s(p.total_deposited),
        s(p.total_claimed),
        s(p.history_start_epoch),
        s(p.history_chunks),
        s(total),
    ]
}

fn history(h: &RewardHistory) -> Vec<Option<String>> {
    vec![s(h.pool), s(h.chunk), s(h.start_epoch)]
}

fn dao(d: &Dao) -> Vec<Option<String>> {
    vec![s(d.proposal_count), s(d.round_count), s(d.guardian), s(d.sale_authority)]
}

fn proposal(p: &Proposal) -> Vec<Option<String>> {
    let action = match &p.action {
        vetmai::ProposalAction::Signal => "signal",
        vetmai::ProposalAction::UpdateParams(_) => "update_params",
        vetmai::ProposalAction::FundRewards { .. } => "fund_rewards",
        vetmai::ProposalAction::TransferTreasury { .. } => "transfer_treasury",
        vetmai::ProposalAction::SetRevenueAuthority { .. } => "set_revenue_authority",
        vetmai::ProposalAction::SetSaleAuthority { .. } => "set_sale_authority",
        vetmai::ProposalAction::SetGuardian { .. } => "set_guardian",
        vetmai::ProposalAction::CreateRewardPool { .. } => "create_reward_pool",
        vetmai::ProposalAction::RetireRewardPool { .. } => "retire_reward_pool",
    };
    vec![
        s(p.id),
        s(p.proposer),
        s(pg_text(p.title.as_bytes())),
        s(pg_text(p.description_url.as_bytes())),
        s(hex(&p.content_hash)),
        s(action),
        s(vetmai_client::view::proposal_state_name(p.state)),
        s(p.created_at),
        s(p.voting_ends_at),
        s(p.total_ve_at_creation),
        s(p.yes),
        s(p.no),
        s(p.abstain),
        s(p.voters),
        s(hex(p.title.as_bytes())),
        s(hex(p.description_url.as_bytes())),
    ]
}

fn vote(v: &VoteRecord) -> Vec<Option<String>> {
    let choice = match v.choice {
        VoteChoice::Yes => "yes",
        VoteChoice::No => "no",
        VoteChoice::Abstain => "abstain",
    };
    vec![s(v.proposal), s(v.voter), s(choice), s(v.weight), s(v.updated_at)]
}

fn round(r: &SaleRound) -> Vec<Option<String>> {
    vec![
        s(r.id),
        s(r.authority),
        s(r.payment_mint),
        s(r.total_cap),
        s(r.start),
        s(r.end),
        s(r.total_committed),
        s(r.total_allocated),
        s(r.total_refunded),
        s(r.proceeds_withdrawn),
        s(r.committers),
    ]
}

fn commitment(c: &Commitment) -> Vec<Option<String>> {
    vec![s(c.round), s(c.wallet), s(c.amount), s(c.settled), s(c.allocation), s(c.refund)]
}

/// An account update with its decoded column values.
pub type Row<'a> = (&'a AccountUpdate, Vec<Option<String>>);

/// Slot-ordered batched upsert of `rows` into `table`.
pub async fn upsert(tx: &mut Transaction<'_, Postgres>, table: &Table, rows: &[Row<'_>]) -> Result<u64, IndexerError> {
    if rows.is_empty() {
        return Ok(0);
    }
    let names: Vec<&str> = table.cols.iter().map(|(n, _)| *n).collect();
    let casts: Vec<String> = table.cols.iter().map(|(n, c)| c.cast(n)).collect();
    let n = table.cols.len();
    let params: Vec<String> = (0..n).map(|i| format!("${}::text[]", i + 2)).collect();
    let sets: Vec<String> = names.iter().map(|c| format!("{c} = excluded.{c}")).collect();
    let sql = format!(
        "insert into {t} as t (pubkey, {cols}, data, slot) \
         select u.pubkey, {casts}, u.data, u.slot \
         from unnest($1::text[], {params}, ${d}::bytea[], ${sl}::int8[]) as u(pubkey, {cols}, data, slot) \
         on conflict (pubkey) do update set {sets}, data = excluded.data, slot = excluded.slot, \
           closed = false, updated_at = now() \
         where excluded.slot > t.slot",
        t = table.name,
        cols = names.join(", "),
        casts = casts.join(", "),
        params = params.join(", "),
        d = n + 2,
        sl = n + 3,
        sets = sets.join(", "),
    );
    let mut q = sqlx::query(&sql).bind(rows.iter().map(|(u, _)| u.pubkey.to_string()).collect::<Vec<_>>());
    for i in 0..n {
        q = q.bind(rows.iter().map(|(_, v)| v[i].clone()).collect::<Vec<Option<String>>>());
    }
    let r = q
        .bind(rows.iter().map(|(u, _)| u.data.clone()).collect::<Vec<_>>())
        .bind(rows.iter().map(|(u, _)| i64::try_from(u.slot).unwrap_or(i64::MAX)).collect::<Vec<_>>())
        .execute(&mut **tx)
        .await?;
    Ok(r.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pg_text_replaces_what_text_cannot_hold() {
        assert_eq!(pg_text(b"a\0b"), "a\u{FFFD}b");
        assert_eq!(pg_text(b"\0\0"), "\u{FFFD}\u{FFFD}");
        assert_eq!(pg_text(b"ok \xff\xfe end"), "ok \u{FFFD}\u{FFFD} end");
        assert_eq!(pg_text("déjà vu".as_bytes()), "déjà vu");
        assert_eq!(hex(b"a\0b"), "610062");
    }
}
