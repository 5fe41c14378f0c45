import { useState } from 'preact/hooks';

import type { Allocation, LevelInfo, Round, WalletView } from '../api';
import { formatDate, formatDuration, formatRelative, formatShare, formatUnits } from '../format';
import { roundWindow } from '../governance';
import { commitBlocked, parseCommit, roundStanding, type RoundStanding } from '../sale';
import type { Ctx } from './context';
import { ErrorBox } from './ErrorBox';
import { WalletTable } from './WalletTable';

interface Props {
  ctx: Ctx;
  rounds: Round[];
  allocations: Record<number, Allocation[]>;
  view: WalletView | null;
  levels: LevelInfo[];
  /** The wallet's balances of payment mints, base units (null: unknown). */
  balances?: Record<string, bigint> | null;
}

/** Early-access sale rounds: caps, windows per level, commitments and pro-rata allocations. */
export function Rounds({ ctx, rounds, allocations, view, levels, balances = null }: Props) {
  return (
    <section class="card" data-testid="rounds">
      <h2>Sale rounds</h2>
      {rounds.length === 0 && <p class="muted">No sale rounds yet.</p>}
      {rounds.map((r) => {
        const m = ctx.mint(r.payment_mint);
        const open = ctx.now >= r.start && ctx.now < r.end;
        const list = allocations[r.id] ?? [];
        const standing = view ? roundStanding(r, view, levels, list, ctx.now) : null;
        const myLevel = standing ? standing.level : null;
        const mine = standing ? standing.window : null;
        const myCommit = view ? list.find((a) => a.wallet === view.wallet) : undefined;
        const committed = BigInt(r.total_committed);
        const cap = BigInt(r.total_cap);
        return (
          <article class="round" key={r.pubkey} data-testid={`round-${r.id}`}>
            <header>
              <strong>Round #{r.id}</strong>{' '}
              <span class={`chip ${open ? 'tone-open' : 'tone-neutral'}`}>
                {ctx.now < r.start ? 'upcoming' : open ? 'open' : 'closed'}
              </span>{' '}
              <span class="muted small">
                paid in {m.symbol} · {formatDate(r.start)} → {formatDate(r.end)} ({formatRelative(open ? r.end : r.start, ctx.now)})
              </span>
            </header>
            <div class="progress">
              <div style={{ width: `${cap === 0n ? 0 : Math.min(100, Number((committed * 100n) / cap))}%` }} />
            </div>
            <p class="small">
              {formatUnits(committed, m.decimals)} of {formatUnits(cap, m.decimals)} {m.symbol} committed ({formatShare(committed, cap)}) by{' '}
              {r.committers} wallet{r.committers === 1 ? '' : 's'}
              {committed > cap && ' — oversubscribed: settled pro rata with refunds'}
            </p>
            {mine && myLevel !== null && (
              <p class="small" data-testid="round-mine">
                {mine.state === 'never'
                  ? `At level ${myLevel} (veTMAI guaranteed through the round's end) this wallet cannot commit: reach level 1 first.`
                  : `At level ${myLevel} your cap is ${formatUnits(mine.cap, m.decimals)} ${m.symbol}; your window ${
                      mine.state === 'open' ? 'is open now' : mine.state === 'not yet' ? `opens ${formatDate(mine.opensAt!)}` : 'has closed'
                    }.`}
                {myCommit && (
                  <span data-testid={`round-mine-committed-${r.id}`}>
                    {` You committed ${formatUnits(myCommit.committed, m.decimals)} ${m.symbol} (allocation ${formatUnits(myCommit.allocation, m.decimals)}).`}
                  </span>
                )}
              </p>
            )}
            {open && ctx.wallet && standing && (
              <CommitForm ctx={ctx} round={r} standing={standing} balance={balances?.[r.payment_mint] ?? null} />
            )}
            <details>
              <summary class="small">Caps and windows by level</summary>
              <table class="compact">
                <thead>
                  <tr>
                    <th>Level</th>
                    <th class="num">Cap ({m.symbol})</th>
                    <th>Window opens</th>
                  </tr>
                </thead>
                <tbody>
                  {r.level_caps.map((_, level) => {
                    const w = roundWindow(r, level, ctx.now);
                    return (
                      <tr key={level} class={level === myLevel ? 'row-guaranteed' : ''}>
                        <td>{level}</td>
                        <td class="num">{w.state === 'never' ? '—' : formatUnits(w.cap, m.decimals)}</td>
                        <td>{w.opensAt === null ? 'never' : `${formatDuration(w.opensAt - r.start)} after start`}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </details>
            <WalletTable
              summary="Commitments"
              items={list}
              wallet={(a) => a.wallet}
              head={
                <>
                  <th class="num">Committed</th>
                  <th class="num">Allocation</th>
                  <th class="num">Refund</th>
                </>
              }
              cells={(a) => (
                <>
                  <td class="num">{formatUnits(a.committed, m.decimals)}</td>
                  <td class="num">{formatUnits(a.allocation, m.decimals)}</td>
                  <td class="num">{formatUnits(a.refund, m.decimals)}</td>
                </>
              )}
            />
          </article>
        );
      })}
    </section>
  );
}

/** Commit payment tokens to an open round, through the action flow; waits for the allocation. */
function CommitForm({ ctx, round, standing, balance }: { ctx: Ctx; round: Round; standing: RoundStanding; balance: bigint | null }) {
  const [amount, setAmount] = useState('');
  const [error, setError] = useState<unknown>(null);
  const m = ctx.mint(round.payment_mint);
  const known = ctx.mintKnown(round.payment_mint);
  const blocked = known ? commitBlocked(round, standing, ctx.now, m.symbol, m.decimals) : `Reading the decimals of ${m.symbol}…`;
  const id = round.id;

  const submit = (e: Event) => {
    e.preventDefault();
    setError(null);
    const wallet = ctx.wallet;
    if (!wallet || blocked) return;
    try {
      const base = parseCommit(amount, m, standing, balance);
      ctx.act({
        label: `Commit ${formatUnits(base, m.decimals, { maxFraction: m.decimals })} ${m.symbol} to round #${id}`,
        action: 'commit',
        body: { owner: wallet.address, round: round.pubkey, amount: base.toString() },
        watch: { kind: 'commit', roundId: id, amount: base },
      });
      setAmount('');
    } catch (err) {
      setError(err);
    }
  };

  return (
    <form class="inline commit" onSubmit={submit} data-testid={`commit-form-${id}`}>
      <label>
        Commit ({m.symbol})
        <input
          data-testid={`commit-amount-${id}`}
          inputMode="decimal"
          placeholder="1 000"
          value={amount}
          disabled={blocked !== null}
          onInput={(e) => setAmount((e.currentTarget as HTMLInputElement).value)}
        />
      </label>
      <button type="submit" data-testid={`commit-submit-${id}`} disabled={ctx.busy || blocked !== null}>
        Commit
      </button>
      <span class="muted small" data-testid={`commit-hint-${id}`}>
        {blocked ??
          `${standing.exact ? '' : 'About '}${formatUnits(standing.room, m.decimals)} ${m.symbol} left under your level ${standing.level} cap` +
            (balance !== null ? ` · you hold ${formatUnits(balance, m.decimals)} ${m.symbol}` : '')}
      </span>
      {error !== null && <ErrorBox error={error} onDismiss={() => setError(null)} testId={`commit-error-${id}`} />}
    </form>
  );
}
