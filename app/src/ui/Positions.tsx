import { useState } from 'preact/hooks';

import type { Pool, Position } from '../api';
import { formatDate, formatDuration, formatRelative, formatUnits, parseUnits } from '../format';
import { DURATIONS, isLocked } from '../tiers';
import type { Ctx } from './context';
import { ErrorBox } from './ErrorBox';

interface Props {
  ctx: Ctx;
  positions: Position[];
  pools: Pool[];
  /** The API has more positions than this page. */
  more?: boolean;
}

/** The wallet's positions with pending rewards per pool, and what can be done with each. */
export function Positions({ ctx, positions, pools, more = false }: Props) {
  if (positions.length === 0) {
    return (
      <section class="card" data-testid="positions">
        <h2>Positions</h2>
        <p class="muted" data-testid="positions-empty">
          No positions yet. Lock TMAI to get veTMAI, a level and a share of the revenue.
        </p>
      </section>
    );
  }
  return (
    <section class="card" data-testid="positions">
      <h2>Positions</h2>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>#</th>
              <th>Kind</th>
              <th class="num">TMAI</th>
              <th class="num">veTMAI</th>
              <th>Unlocks</th>
              <th>Pending rewards</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {positions.map((p) => (
              <PositionRow key={p.pubkey} ctx={ctx} p={p} pools={pools} />
            ))}
          </tbody>
        </table>
      </div>
      {more && <p class="muted small">Showing the first {positions.length} positions.</p>}
    </section>
  );
}

type Open = null | 'add' | 'extend';

function PositionRow({ ctx, p, pools }: { ctx: Ctx; p: Position; pools: Pool[] }) {
  const [open, setOpen] = useState<Open>(null);
  const [amount, setAmount] = useState('');
  const [duration, setDuration] = useState(DURATIONS[DURATIONS.length - 1]!.seconds);
  const [error, setError] = useState<unknown>(null);
  const d = ctx.config.tmaiDecimals;
  const owner = ctx.wallet?.address;
  const locked = isLocked(p, ctx.now);
  const disabled = !owner || ctx.busy;
  const active = BigInt(p.active_score);

  const claim = (poolIndex: number, pool: string, mint: string, mode: 'payout' | 'reinvest') => {
    if (!owner) return;
    const m = ctx.mint(mint);
    ctx.act({
      label: `${mode === 'payout' ? 'Claim' : 'Reinvest'} ${m.symbol} rewards of position #${p.index}`,
      action: 'claim',
      body: { owner, position: p.pubkey, pool_index: poolIndex, mode },
      watch: { kind: 'claim', position: p.pubkey, pool },
    });
  };

  const submit = (e: Event) => {
    e.preventDefault();
    setError(null);
    if (!owner) return;
    try {
      if (open === 'add') {
        const base = parseUnits(amount, d);
        ctx.act({
          label: `Add ${formatUnits(base, d, { maxFraction: d })} TMAI to position #${p.index}`,
          action: 'increase_amount',
          body: { owner, position: p.pubkey, amount: base.toString() },
          watch: { kind: 'wallet' },
        });
      } else if (open === 'extend') {
        ctx.act({
          label: `Extend position #${p.index} to ${formatDuration(duration)} from now`,
          action: 'extend_lock',
          body: { owner, position: p.pubkey, duration },
          watch: { kind: 'wallet' },
        });
      }
      setOpen(null);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <>
      <tr data-testid={`position-${p.index}`}>
        <td>{p.index}</td>
        <td>
          <span class={`chip ${p.kind === 'constant' ? 'alt' : ''}`}>{p.kind}</span>
        </td>
        <td class="num" data-testid="position-amount">
          {formatUnits(p.amount, d)}
        </td>
        <td class="num" data-testid="position-score">
          {formatUnits(active, d)}
          {active === 0n && BigInt(p.score) > 0n && <span class="muted small"> (ended)</span>}
        </td>
        <td>
          {p.end === null ? (
            <span title="Constant locks do not count down">
              {formatDuration(p.duration)} after unlocking begins
            </span>
          ) : (
            <span title={formatDate(p.end)}>
              {formatDate(p.end, { time: false })} <span class="muted small">({formatRelative(p.end, ctx.now)})</span>
            </span>
          )}
        </td>
        <td>
          {p.pending_rewards.map((r) => {
            const m = ctx.mint(r.mint);
            const pool = pools.find((x) => x.pubkey === r.pool);
            const amount = r.amount === null ? null : BigInt(r.amount);
            return (
              <div key={r.pool} class="pending" data-testid={`pending-${m.symbol}`}>
                <span>
                  {amount === null ? 'n/a' : formatUnits(amount, m.decimals, { maxFraction: Math.min(m.decimals, 6) })} {m.symbol}
                </span>
                {pool && (
                  <>
                    <button
                      class="small-btn"
                      data-testid={`claim-${p.index}-${m.symbol}`}
                      disabled={disabled || amount === 0n}
                      onClick={() => claim(pool.index, pool.pubkey, r.mint, 'payout')}
                    >
                      Claim
                    </button>
                    {r.mint === ctx.config.tmaiMint && locked && (
                      <button
                        class="small-btn secondary"
                        disabled={disabled || amount === 0n}
                        onClick={() => claim(pool.index, pool.pubkey, r.mint, 'reinvest')}
                      >
                        Reinvest
                      </button>
                    )}
                  </>
                )}
              </div>
            );
          })}
        </td>
        <td class="actions">
          {locked && (
            <button class="small-btn secondary" disabled={disabled} onClick={() => setOpen(open === 'add' ? null : 'add')}>
              Add
            </button>
          )}
          <button class="small-btn secondary" disabled={disabled} onClick={() => setOpen(open === 'extend' ? null : 'extend')}>
            Extend
          </button>
          {p.kind === 'constant' && (
            <button
              class="small-btn secondary"
              disabled={disabled}
              onClick={() =>
                owner &&
                ctx.act({
                  label: `Begin unlocking position #${p.index}`,
                  action: 'begin_unlock',
                  body: { owner, position: p.pubkey },
                  watch: { kind: 'wallet' },
                })
              }
            >
              Begin unlock
            </button>
          )}
          {!locked && (
            <button
              class="small-btn"
              data-testid={`withdraw-${p.index}`}
              disabled={disabled}
              onClick={() =>
                owner &&
                ctx.act({
                  label: `Withdraw position #${p.index}`,
                  action: 'withdraw',
                  body: { owner, position: p.pubkey },
                  watch: { kind: 'wallet' },
                })
              }
            >
              Withdraw
            </button>
          )}
        </td>
      </tr>
      {(open || error !== null) && (
        <tr class="row-form">
          <td colSpan={7}>
            {open && (
              <form class="inline" onSubmit={submit}>
                {open === 'add' ? (
                  <label>
                    Add TMAI
                    <input
                      inputMode="decimal"
                      value={amount}
                      placeholder="1 000"
                      onInput={(e) => setAmount((e.currentTarget as HTMLInputElement).value)}
                    />
                  </label>
                ) : (
                  <label>
                    New duration from now
                    <select value={String(duration)} onChange={(e) => setDuration(Number((e.currentTarget as HTMLSelectElement).value))}>
                      {DURATIONS.map((x) => (
                        <option key={x.seconds} value={String(x.seconds)}>
                          {x.label}
                        </option>
                      ))}
                    </select>
                  </label>
                )}
                <button type="submit" disabled={disabled}>
                  {open === 'add' ? 'Add to lock' : 'Extend lock'}
                </button>
                <button type="button" class="secondary" onClick={() => setOpen(null)}>
                  Cancel
                </button>
              </form>
            )}
            {error !== null && <ErrorBox error={error} onDismiss={() => setError(null)} />}
          </td>
        </tr>
      )}
    </>
  );
}
