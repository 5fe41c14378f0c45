-- Mirror of the veTMAI program's accounts: one table per account type.
-- Every row keeps the raw account data (`data`, discriminator included) and the slot it was
-- read at; upserts only win when newer (`where excluded.slot > t.slot`). An account that no
-- longer exists keeps its last row with `closed = true` (and the slot its absence was seen at).
-- u64 -> numeric(20,0), u128 -> numeric(39,0), unix seconds -> timestamptz, pubkeys -> base58 text.

create table config (
    pubkey         text primary key,
    admin          text not null,
    pending_admin  text not null,
    tmai_mint      text not null,
    token_program  text not null,
    vault          text not null,
    tmai_decimals  smallint not null,
    min_lock       numeric(20,0) not null,
    max_lock       numeric(20,0) not null,
    max_multiplier_bps numeric(20,0) not null,
    level_thresholds numeric(20,0)[] not null,
    locked_amount  numeric(20,0) not null,
    open_positions numeric(20,0) not null,
    stakers        numeric(20,0) not null,
    data           bytea not null,
    slot           bigint not null,
    closed         boolean not null default false,
    updated_at     timestamptz not null default now()
);

create table staker (
    pubkey         text primary key,
    owner          text not null,
    next_index     numeric(20,0) not null,
    open_positions bigint not null,
    locked_amount  numeric(20,0) not null,
    constant_score numeric(39,0) not null,
    data           bytea not null,
    slot           bigint not null,
    closed         boolean not null default false,
    updated_at     timestamptz not null default now()
);
create unique index staker_owner_idx on staker (owner) where not closed;

create table position (
    pubkey         text primary key,
    owner          text not null,
    index          numeric(20,0) not null,
    kind           text not null check (kind in ('fixed', 'constant')),
    amount         numeric(20,0) not null,
    score          numeric(39,0) not null,
    duration       numeric(20,0) not null,
    created_at     timestamptz not null,
    lock_end       timestamptz,            -- null for a Constant position
    data           bytea not null,
    slot           bigint not null,
    closed         boolean not null default false,
    updated_at     timestamptz not null default now()
);
create index position_owner_idx on position (owner) where not closed;

-- Progress: named cursors (e.g. `backfill` = slot of the last complete getProgramAccounts
-- snapshot at confirmed, `reconcile` = same at finalized, `live` = last slot seen live).
create table cursor (
    name       text primary key,
    slot       bigint not null,
    updated_at timestamptz not null default now()
);
