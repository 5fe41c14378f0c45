-- The tier's monthly calls belong to the wallet (issue 14): every key of a wallet draws on one
-- quota. `api_wallet_usage` is what is enforced; `api_usage` stays as each key's share of it (its
-- rows of a wallet and month always add up to the wallet's row). Leases stay per key and holder
-- (`api_lease`), but what is free is the wallet's quota less its usage and every lease on any of
-- its keys, so `used + Σ held ≤ limit` now holds per wallet. Every write to a wallet's usage or to
-- the usage and leases of any of its keys takes the wallet row's lock first.
create table api_wallet_usage (
    wallet  text not null,
    month   integer not null,
    used    bigint not null default 0,
    overage bigint not null default 0,
    primary key (wallet, month)
);

insert into api_wallet_usage (wallet, month, used, overage)
    select k.wallet, u.month, sum(u.used), sum(u.overage)
    from api_usage u join api_key k on k.id = u.key_id
    group by k.wallet, u.month;

-- Live keys per wallet are counted when one is created (`--max-keys-per-wallet`).
create index api_key_live_wallet_idx on api_key (wallet) where revoked_at is null;

-- As in 20261201120000_api_quota_leases.sql, with the quota per wallet. Per row:
--   0. (Before any row) every wallet row the statement meters is locked, in (wallet, month)
--      order, so concurrent statements never deadlock whatever keys they carry.
--   1. Report what this holder did with its lease of the key since its last report; a lapsed
--      holder's lease on any key of the wallet is reclaimed and counts in full as used.
--   2. Decide p_n calls against p_lim from what is free for the wallet: the quota less its usage,
--      this holder's lease of the key, and every other lease on the wallet's keys (other
--      holders', and this holder's of the wallet's other keys). A call that finds only leased
--      quota is left undecided (`o_granted < p_n` with `o_others > 0`) and every holder is asked
--      to give back its leases of the wallet: NOTIFY 'd:<wallet>'.
--   3. Lease up to p_want more calls of the key: a quarter of what is free at most, and only when
--      at least p_min_room stays free.
-- o_used and o_overage are the wallet's usage.
create or replace function api_meter(
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
    r record;
    w text;
    u bigint; o bigint; ku bigint; ko bigint; mine bigint; has_mine boolean; lapsed bigint; oth bigint;
    fr bigint; g bigint; l bigint; live boolean; staker_ok boolean; lost boolean;
begin
    -- A new holder's heartbeat starts with its first statement (renewals come separately).
    insert into api_holder (holder, expires_at) values (p_holder, t + make_interval(secs => p_ttl_ms / 1000.0))
        on conflict (holder) do nothing;
    for r in
        select distinct k.wallet, x.month
        from unnest(p_key, p_month) as x(key_id, month) join api_key k on k.id = x.key_id
        order by k.wallet, x.month
    loop
        perform 1 from api_wallet_usage a where a.wallet = r.wallet and a.month = r.month for update;
        if not found then
            insert into api_wallet_usage (wallet, month) values (r.wallet, r.month) on conflict do nothing;
            perform 1 from api_wallet_usage a where a.wallet = r.wallet and a.month = r.month for update;
        end if;
    end loop;
    for i in 1 .. coalesce(array_length(p_key, 1), 0) loop
        select k.revoked_at is null, k.wallet into live, w from api_key k where k.id = p_key[i];
        if not found then
            -- No such key: nothing to count.
            return query select i, false, false, cfg_ok, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint,
                0::bigint, false;
            continue;
        end if;
        staker_ok := p_wallet[i] is null or coalesce(
            (select s.xmin::text::bigint from staker s where s.owner = p_wallet[i] and not s.closed), -1) = p_ver[i];
        select a.used, a.overage into u, o from api_wallet_usage a
            where a.wallet = w and a.month = p_month[i] for update;
        insert into api_usage (key_id, month) values (p_key[i], p_month[i]) on conflict do nothing;
        select coalesce(sum(x.held) filter (where x.key_id = p_key[i] and x.holder = p_holder), 0),
               coalesce(bool_or(x.key_id = p_key[i] and x.holder = p_holder), false),
               coalesce(sum(x.held) filter (where x.holder <> p_holder and coalesce(h.expires_at < t, true)), 0),
               coalesce(sum(x.held) filter (where x.holder <> p_holder and h.expires_at >= t), 0)
                 + coalesce(sum(x.held) filter (where x.holder = p_holder and x.key_id <> p_key[i]), 0)
            into mine, has_mine, lapsed, oth
            from api_lease x join api_key k on k.id = x.key_id left join api_holder h on h.holder = x.holder
            where k.wallet = w and x.month = p_month[i];
        if lapsed > 0 then
            -- Each reclaimed lease counts in full as used, by the wallet and by its key.
            with gone as (
                delete from api_lease x using api_key k
                where k.id = x.key_id and k.wallet = w and x.month = p_month[i] and x.holder <> p_holder
                  and not exists (select 1 from api_holder h where h.holder = x.holder and h.expires_at >= t)
                returning x.key_id, x.held
            )
            update api_usage a set used = a.used + s.held
                from (select gone.key_id, sum(gone.held) as held from gone group by gone.key_id) s
                where a.key_id = s.key_id and a.month = p_month[i];
            u := u + lapsed;
        end if;
        ku := 0;
        ko := p_over[i];
        -- Our own lease lapsed and was reclaimed (counted in full): what we report is in it already.
        lost := p_used[i] + p_release[i] > 0 and not has_mine;
        if not lost then
            u := u + p_used[i];
            ku := p_used[i];
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
                ku := ku + g;
                fr := fr - g;
                if g < p_n[i] and oth > 0 then
                    perform pg_notify('vetmai_api', 'd:' || w);
                elsif p_ovg[i] then
                    o := o + (p_n[i] - g);
                    ko := ko + (p_n[i] - g);
                end if;
            end if;
            if p_want[i] > 0 and g = p_n[i] and fr >= p_min_room then
                l := least(p_want[i], fr / 4);
                mine := mine + l;
                fr := fr - l;
            end if;
        end if;
        update api_wallet_usage a set used = u, overage = o where a.wallet = w and a.month = p_month[i];
        if ku > 0 or ko > 0 then
            update api_usage a set used = a.used + ku, overage = a.overage + ko
                where a.key_id = p_key[i] and a.month = p_month[i];
        end if;
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
