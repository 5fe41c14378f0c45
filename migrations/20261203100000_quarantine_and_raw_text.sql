-- No on-chain byte string may halt ingestion (issue 14).
--
-- Postgres `text` holds neither NUL nor invalid UTF-8, while a proposal's title and description
-- URL are whatever bytes its creator sent: one such row failed its whole batch, and the sink
-- retried that batch forever. The text columns now hold a readable rendering (NUL and invalid
-- UTF-8 as U+FFFD) and these columns the exact on-chain bytes.
alter table proposal add column title_raw bytea, add column description_url_raw bytea;
update proposal set title_raw = convert_to(title, 'UTF8'), description_url_raw = convert_to(description_url, 'UTF8');
alter table proposal alter column title_raw set not null, alter column description_url_raw set not null;

-- Accounts the indexer could not store: data that does not decode as any known account type, or
-- a row Postgres refuses (the sink then writes its batch row by row and quarantines the rows that
-- fail, so the rest commits). One row per account, for the newest failing update seen: `kind` is
-- the table its discriminator names (`unknown` when none), `data` the raw account, `count` how
-- many updates failed. The account's mirrored row, if any, is left as last stored: a snapshot
-- that still returns the account does not mark it closed. The row goes away once a newer update
-- of the account is stored, or the account is closed.
create table quarantine (
    pubkey     text primary key,
    kind       text not null,
    slot       bigint not null,
    error      text not null,
    data       bytea not null,
    first_seen timestamptz not null default now(),
    last_seen  timestamptz not null default now(),
    count      bigint not null default 1
);
