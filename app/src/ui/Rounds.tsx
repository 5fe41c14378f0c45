import type { Allocation, LevelInfo, Round, WalletView } from '../api';
import { formatDate, formatDuration, formatRelative, formatShare, formatUnits, shortAddress } from '../format';
import { roundWindow } from '../governance';
import { levelOf } from '../tiers';
import type { Ctx } from './context';

interface Props {
  ctx: Ctx;
  rounds: Round[];
  allocations: Record<number, Allocation[]>;
  view: WalletView | null;
  levels: LevelInfo[];
}

/** The level a wallet holds at least through `t`, from its schedule (weekly points, conservative). */
export function guaranteedLevelAt(view: WalletView, levels: LevelInfo[], t: number): number {
  const point = view.schedule.find((p) => p.at >= t) ?? view.schedule[view.schedule.length - 1];
  return point ? levelOf(BigInt(point.guaranteed), levels) : 0;
}

/** Early-access sale rounds: caps, windows per level, commitments and pro-rata allocations. */
export function Rounds({ ctx, rounds, allocations, view, levels }: Props) {
  return (
    <section class="card" data-testid="rounds">
      <h2>Sale rounds</h2>
      {rounds.length === 0 && <p class="muted">No sale rounds yet.</p>}
      {rounds.map((r) => {
        const m = ctx.mint(r.payment_mint);
        const open = ctx.now >= r.start && ctx.now < r.end;
        const myLevel = view ? guaranteedLevelAt(view, levels, r.end) : null;
        const mine = myLevel === null ? null : roundWindow(r, myLevel, ctx.now);
        const list = allocations[r.id] ?? [];
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
                {myCommit && ` You committed ${formatUnits(myCommit.committed, m.decimals)} ${m.symbol} (allocation ${formatUnits(myCommit.allocation, m.decimals)}).`}
              </p>
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
            {list.length > 0 && (
              <details>
                <summary class="small">Commitments ({list.length})</summary>
                <table class="compact">
                  <thead>
                    <tr>
                      <th>Wallet</th>
                      <th class="num">Committed</th>
                      <th class="num">Allocation</th>
                      <th class="num">Refund</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((a) => (
                      <tr key={a.pubkey}>
                        <td>
                          <code title={a.wallet}>{shortAddress(a.wallet)}</code>
                        </td>
                        <td class="num">{formatUnits(a.committed, m.decimals)}</td>
                        <td class="num">{formatUnits(a.allocation, m.decimals)}</td>
                        <td class="num">{formatUnits(a.refund, m.decimals)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </details>
            )}
          </article>
        );
      })}
    </section>
  );
}
