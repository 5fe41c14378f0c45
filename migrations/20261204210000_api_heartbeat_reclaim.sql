-- One heartbeat statement per API process (issue 14 items 5 and 6), every quarter of its lease TTL:
--   * renews the holder's heartbeat row (its leases stay its own for another TTL);
--   * sends 'h:<holder>' on the change channel: the process hears its own heartbeat on its
--     LISTEN connection, and stops trusting memory when it has not for a while (a half-open
--     connection delivers no notices and reports no error);
--   * reclaims every lapsed lease, of any month: a holder that died holding last month's quota is
--     met by no later statement of that month, so its leases are reclaimed here. Each counts in
--     full as used, for its key and its wallet, under the wallet row's lock (wallets locked in
--     (wallet, month) order, as `api_meter` does, so the two never deadlock);
--   * answers the database clock (ms since the epoch), which every process takes the month from.
create function api_heartbeat(p_holder text, p_ttl_ms integer)
returns table (o_now_ms bigint, o_reclaimed bigint)
language plpgsql as $$
declare
    t timestamptz := clock_timestamp();
    r record;
    n bigint := 0;
    got bigint;
begin
    insert into api_holder (holder, expires_at) values (p_holder, t + make_interval(secs => p_ttl_ms / 1000.0))
        on conflict (holder) do update set expires_at = excluded.expires_at;
    perform pg_notify('vetmai_api', 'h:' || p_holder);
    for r in
        select k.wallet, x.month
        from api_lease x join api_key k on k.id = x.key_id
        where not exists (select 1 from api_holder h where h.holder = x.holder and h.expires_at >= t)
        group by k.wallet, x.month
        order by k.wallet, x.month
    loop
        perform 1 from api_wallet_usage a where a.wallet = r.wallet and a.month = r.month for update;
        with gone as (
            delete from api_lease x using api_key k
            where k.id = x.key_id and k.wallet = r.wallet and x.month = r.month
              and not exists (select 1 from api_holder h where h.holder = x.holder and h.expires_at >= t)
            returning x.key_id, x.held
        ), per_key as (
            update api_usage a set used = a.used + s.held
            from (select gone.key_id, sum(gone.held) as held from gone group by gone.key_id) s
            where a.key_id = s.key_id and a.month = r.month
            returning a.key_id
        )
        select coalesce(sum(gone.held), 0) into got from gone;
        update api_wallet_usage a set used = a.used + got where a.wallet = r.wallet and a.month = r.month;
        n := n + got;
    end loop;
    return query select (extract(epoch from t) * 1000)::bigint, n;
end $$;
