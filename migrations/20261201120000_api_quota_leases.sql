-- Quota leases (api/src/coalesce.rs). An API process reserves a block of a key's monthly quota
-- and admits calls from memory. `held` is the part it has reserved and not yet reported as used.
-- Admission stays exact across processes because `used + Σ held ≤ limit` is enforced under the
-- usage row's lock, and every write to a key's leases takes that lock first.
--
-- Each holder renews one heartbeat row (`api_holder`), not every lease. Once a holder's heartbeat
-- has expired (its process died, or stalled for longer than the TTL), whoever meets one of its
-- leases next reclaims it. The lease counts in full as used, because its holder may have
-- admitted all of it. After a crash the usage row can therefore over-count by at most the unused
-- part of the holder's leases; it never admits past the quota.
create table api_holder (
    holder     text primary key,
    expires_at timestamptz not null
);

create table api_lease (
    key_id     bigint not null,
    month      integer not null,
    holder     text not null,
    held       bigint not null check (held > 0),
    primary key (key_id, month, holder),
    foreign key (key_id, month) references api_usage (key_id, month)
);

-- Changes an API process must hear about before it admits another call from memory. They go out
-- on channel `vetmai_api`: 'w:<wallet>' (its staker or one of its keys changed), '*' (level
-- thresholds or a whole table changed), and 'd:<key id>' (a process waits for quota that another
-- holds: holders, give back your lease).
create function api_notify_staker() returns trigger language plpgsql as $$
begin
    if tg_op in ('UPDATE', 'DELETE') then
        perform pg_notify('vetmai_api', 'w:' || old.owner);
    end if;
    if tg_op in ('INSERT', 'UPDATE') and (tg_op = 'INSERT' or new.owner <> old.owner) then
        perform pg_notify('vetmai_api', 'w:' || new.owner);
    end if;
    return null;
end $$;

create function api_notify_key() returns trigger language plpgsql as $$
begin
    perform pg_notify('vetmai_api', 'w:' || old.wallet);
    return null;
end $$;

create function api_notify_all() returns trigger language plpgsql as $$
begin
    perform pg_notify('vetmai_api', '*');
    return null;
end $$;

-- Row triggers, so an upsert that changes nothing a tier depends on stays quiet (the indexer
-- rewrites the config on every stake, for its totals).
create trigger staker_insert_notify_api after insert or delete on staker
    for each row execute function api_notify_staker();
create trigger staker_update_notify_api after update on staker
    for each row when (old.data is distinct from new.data or old.closed is distinct from new.closed
                       or old.owner is distinct from new.owner)
    execute function api_notify_staker();
create trigger staker_truncate_notify_api after truncate on staker
    for each statement execute function api_notify_all();

create trigger api_key_update_notify_api after update on api_key
    for each row when (old.revoked_at is distinct from new.revoked_at or old.overage is distinct from new.overage
                       or old.wallet is distinct from new.wallet)
    execute function api_notify_key();
create trigger api_key_delete_notify_api after delete on api_key
    for each row execute function api_notify_key();

create trigger config_insert_notify_api after insert or delete on config
    for each row execute function api_notify_all();
create trigger config_update_notify_api after update on config
    for each row when (old.level_thresholds is distinct from new.level_thresholds or old.closed is distinct from new.closed)
    execute function api_notify_all();
create trigger config_truncate_notify_api after truncate on config
    for each statement execute function api_notify_all();

-- Meters a batch in one call. Row i is key p_key[i] in month p_month[i] (the caller sorts rows by
-- key then month, so concurrent callers lock usage rows in one order). For each row, in order:
--   1. Report what this holder did since its last report: p_used calls admitted from its lease
--      (they move from `held` to `used`), p_over calls metered as overage, and p_release unused
--      calls of its lease given back.
--   2. Decide p_n calls now against p_lim. Calls go from free quota; what quota another holder
--      still has leased is not free, so a call that finds only that is left undecided
--      (`o_granted < p_n` with `o_others > 0`) and the holders are asked to give it back.
--   3. Lease up to p_want more calls: a quarter of what is free at most, and only when at least
--      p_min_room stays free (near the end of a quota every call is decided here).
-- 2 and 3 happen only while what the caller's tier was computed from is current: the key is
-- live, the wallet's staker row is the version read (p_ver is its `xmin`, or -1 for none; a null
-- p_wallet skips the check), and the level thresholds are p_thresholds (null skips).
create function api_meter(
    p_holder text, p_ttl_ms integer, p_min_room bigint, p_thresholds text,
    p_key bigint[], p_month integer[], p_n bigint[], p_lim bigint[], p_ovg boolean[], p_wallet text[],
    p_ver bigint[], p_want bigint[], p_used bigint[], p_over bigint[], p_release bigint[])
returns table (o_ord integer, o_live boolean, o_staker_ok boolean, o_cfg_ok boolean, o_used bigint,
               o_overage bigint, o_granted bigint, o_leased bigint, o_others bigint, o_free bigint,
               o_lost boolean)
language plpgsql as $$
declare
    t timestamptz := clock_timestamp();
    cfg_ok boolean := p_thresholds is null or coalesce(
        (select c.level_thresholds::text from config c where not c.closed order by c.slot desc limit 1), '')
        = p_thresholds;
    i integer;
    u bigint; o bigint; mine bigint; has_mine boolean; lapsed bigint; oth bigint; fr bigint; g bigint;
    l bigint; live boolean; staker_ok boolean; lost boolean;
begin
    -- A new holder's heartbeat starts with its first statement (renewals come separately).
    insert into api_holder (holder, expires_at) values (p_holder, t + make_interval(secs => p_ttl_ms / 1000.0))
        on conflict (holder) do nothing;
    for i in 1 .. coalesce(array_length(p_key, 1), 0) loop
        select k.revoked_at is null into live from api_key k where k.id = p_key[i];
        if not found then
            -- No such key: nothing to count.
            return query select i, false, false, cfg_ok, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint,
                0::bigint, false;
            continue;
        end if;
        staker_ok := p_wallet[i] is null or coalesce(
            (select s.xmin::text::bigint from staker s where s.owner = p_wallet[i] and not s.closed), -1) = p_ver[i];
        select a.used, a.overage into u, o from api_usage a
            where a.key_id = p_key[i] and a.month = p_month[i] for update;
        if not found then
            insert into api_usage (key_id, month) values (p_key[i], p_month[i]) on conflict do nothing;
            select a.used, a.overage into u, o from api_usage a
                where a.key_id = p_key[i] and a.month = p_month[i] for update;
        end if;
        select coalesce(sum(x.held) filter (where x.holder = p_holder), 0), coalesce(bool_or(x.holder = p_holder), false),
               coalesce(sum(x.held) filter (where x.holder <> p_holder and coalesce(h.expires_at < t, true)), 0),
               coalesce(sum(x.held) filter (where x.holder <> p_holder and h.expires_at >= t), 0)
            into mine, has_mine, lapsed, oth
            from api_lease x left join api_holder h on h.holder = x.holder
            where x.key_id = p_key[i] and x.month = p_month[i];
        if lapsed > 0 then
            delete from api_lease x
                where x.key_id = p_key[i] and x.month = p_month[i] and x.holder <> p_holder
                  and not exists (select 1 from api_holder h where h.holder = x.holder and h.expires_at >= t);
            u := u + lapsed;
        end if;
        -- Our own lease lapsed and was reclaimed (counted in full): what we report is in it already.
        lost := p_used[i] + p_release[i] > 0 and not has_mine;
        if not lost then
            u := u + p_used[i];
            mine := greatest(mine - p_used[i] - p_release[i], 0);
        end if;
        o := o + p_over[i];
        fr := greatest(p_lim[i] - u - mine - oth, 0);
        g := 0;
        l := 0;
        if live and staker_ok and cfg_ok then
            if p_n[i] > 0 then
                g := least(p_n[i], fr);
                u := u + g;
                fr := fr - g;
                if g < p_n[i] and oth > 0 then
                    perform pg_notify('vetmai_api', 'd:' || p_key[i]);
                elsif p_ovg[i] then
                    o := o + (p_n[i] - g);
                end if;
            end if;
            if p_want[i] > 0 and g = p_n[i] and fr >= p_min_room then
                l := least(p_want[i], fr / 4);
                mine := mine + l;
                fr := fr - l;
            end if;
        end if;
        update api_usage a set used = u, overage = o where a.key_id = p_key[i] and a.month = p_month[i];
        if mine > 0 then
            insert into api_lease as x (key_id, month, holder, held)
                values (p_key[i], p_month[i], p_holder, mine)
                on conflict (key_id, month, holder) do update set held = excluded.held;
        elsif has_mine then
            delete from api_lease x where x.key_id = p_key[i] and x.month = p_month[i] and x.holder = p_holder;
        end if;
        return query select i, live, staker_ok, cfg_ok, u, o, g, l, oth, fr, lost;
    end loop;
end $$;
