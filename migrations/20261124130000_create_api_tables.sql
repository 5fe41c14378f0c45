-- Access API: wallet-bound keys and monthly metering (SPEC §8).

-- One-time challenges a wallet signs (ed25519) to create, list or revoke its keys.
create table api_challenge (
    nonce      text primary key,
    wallet     text not null,
    purpose    text not null check (purpose in ('create_key', 'list_keys', 'revoke_key')),
    expires_at timestamptz not null,
    used_at    timestamptz
);

-- API keys: shown once, stored as a SHA-256 hash with a visible prefix.
create table api_key (
    id         bigserial primary key,
    wallet     text not null,
    prefix     text not null unique,
    key_hash   bytea not null unique,
    name       text,
    overage    boolean not null default false,
    created_at timestamptz not null default now(),
    revoked_at timestamptz
);
create index api_key_wallet_idx on api_key (wallet);

-- Calls per key per calendar month (UTC; `month` = year·12 + month − 1): `used` within quota,
-- `overage` metered beyond it (paid tiers with overage enabled).
create table api_usage (
    key_id  bigint not null references api_key (id),
    month   integer not null,
    used    bigint not null default 0,
    overage bigint not null default 0,
    primary key (key_id, month)
);
