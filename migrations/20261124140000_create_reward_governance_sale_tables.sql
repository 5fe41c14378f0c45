-- Mirror of the reward, governance and sale accounts (same conventions as the first migration:
-- raw `data`, `slot`, `closed`; u64 numeric(20,0), u128 numeric(39,0), unix seconds timestamptz).

create table reward_pool (
    pubkey              text primary key,
    mint                text not null,
    token_program       text not null,
    vault               text not null,
    pool_index          smallint not null,
    acc                 numeric(39,0) not null,
    last_update         timestamptz not null,
    stream_remaining    numeric(20,0) not null,
    stream_end          timestamptz not null,
    carry               numeric(20,0) not null,
    total_deposited     numeric(39,0) not null,
    total_claimed       numeric(39,0) not null,
    history_start_epoch numeric(20,0) not null,
    history_chunks      numeric(20,0) not null,
    total_score         numeric(39,0) not null,
    data                bytea not null,
    slot                bigint not null,
    closed              boolean not null default false,
    updated_at          timestamptz not null default now()
);

create table reward_history (
    pubkey      text primary key,
    pool        text not null,
    chunk       numeric(20,0) not null,
    start_epoch numeric(20,0) not null,
    data        bytea not null,
    slot        bigint not null,
    closed      boolean not null default false,
    updated_at  timestamptz not null default now()
);
create index reward_history_pool_idx on reward_history (pool, chunk);

create table dao (
    pubkey         text primary key,
    proposal_count numeric(20,0) not null,
    round_count    numeric(20,0) not null,
    guardian       text not null,
    sale_authority text not null,
    data           bytea not null,
    slot           bigint not null,
    closed         boolean not null default false,
    updated_at     timestamptz not null default now()
);

create table proposal (
    pubkey               text primary key,
    id                   numeric(20,0) not null,
    proposer             text not null,
    title                text not null,
    description_url      text not null,
    content_hash         text not null,
    action               text not null,
    state                text not null,
    created_at           timestamptz not null,
    voting_ends_at       timestamptz not null,
    total_ve_at_creation numeric(39,0) not null,
    yes                  numeric(39,0) not null,
    no                   numeric(39,0) not null,
    abstain              numeric(39,0) not null,
    voters               bigint not null,
    data                 bytea not null,
    slot                 bigint not null,
    closed               boolean not null default false,
    updated_at           timestamptz not null default now()
);
create index proposal_id_idx on proposal (id);

create table vote_record (
    pubkey     text primary key,
    proposal   text not null,
    voter      text not null,
    choice     text not null,
    weight     numeric(39,0) not null,
    cast_at    timestamptz not null,
    data       bytea not null,
    slot       bigint not null,
    closed     boolean not null default false,
    updated_at timestamptz not null default now()
);
create index vote_record_proposal_idx on vote_record (proposal) where not closed;

create table sale_round (
    pubkey             text primary key,
    id                 numeric(20,0) not null,
    authority          text not null,
    payment_mint       text not null,
    total_cap          numeric(20,0) not null,
    starts_at          timestamptz not null,
    ends_at            timestamptz not null,
    total_committed    numeric(20,0) not null,
    total_allocated    numeric(20,0) not null,
    total_refunded     numeric(20,0) not null,
    proceeds_withdrawn numeric(20,0) not null,
    committers         bigint not null,
    data               bytea not null,
    slot               bigint not null,
    closed             boolean not null default false,
    updated_at         timestamptz not null default now()
);

create table commitment (
    pubkey     text primary key,
    round      text not null,
    wallet     text not null,
    amount     numeric(20,0) not null,
    settled    boolean not null,
    allocation numeric(20,0) not null,
    refund     numeric(20,0) not null,
    data       bytea not null,
    slot       bigint not null,
    closed     boolean not null default false,
    updated_at timestamptz not null default now()
);
create index commitment_wallet_idx on commitment (wallet) where not closed;
