import type { Pool, Position, Stats } from '../api';
import { toNumber } from '../charts';
import { formatCompact, formatDate, formatRelative, formatUnits } from '../format';
import { LineChart } from './Chart';
import type { Ctx } from './context';

/** Each reward pool's revenue stream (from `/v1/pools`) and what this wallet has pending in it. */
export function Rewards({ ctx, pools, stats, positions }: { ctx: Ctx; pools: Pool[]; stats: Stats | null; positions: Position[] }) {
  return (
    <section class="card" data-testid="rewards">
      <h2>Revenue to stakers</h2>
      {pools.length === 0 && <p class="muted">No reward pool yet.</p>}
      {pools.map((pool) => {
        const m = ctx.mint(pool.mint);
        const rate = stats?.reward_pools.find((r) => r.pool === pool.pubkey);
        const mine = positions.reduce((sum, p) => {
          const r = p.pending_rewards.find((x) => x.pool === pool.pubkey);
          return sum + (r?.amount ? BigInt(r.amount) : 0n);
        }, 0n);
        const deposited = toNumber(pool.total_deposited, m.decimals);
        const streaming = BigInt(pool.streaming.remaining) > 0n && pool.streaming.until > ctx.now;
        return (
          <div class="pool" key={pool.pubkey} data-testid={`pool-${pool.index}`}>
            <div class="figures">
              <div class="figure">
                <span class="label">{m.symbol} deposited</span>
                <span class="value">{formatUnits(pool.total_deposited, m.decimals)}</span>
              </div>
              <div class="figure">
                <span class="label">claimed</span>
                <span class="value">{formatUnits(pool.total_claimed, m.decimals)}</span>
              </div>
              <div class="figure">
                <span class="label">streaming now</span>
                <span class="value">{rate ? `${formatUnits(rate.rate_per_day, m.decimals)}/day` : '—'}</span>
                <span class="muted small">
                  {streaming
                    ? `${formatUnits(pool.streaming.remaining, m.decimals)} ${m.symbol} left, until ${formatDate(pool.streaming.until)} (${formatRelative(pool.streaming.until, ctx.now)})`
                    : 'no revenue streaming'}
                </span>
              </div>
              {ctx.wallet && (
                <div class="figure">
                  <span class="label">your pending</span>
                  <span class="value" data-testid={`my-pending-${m.symbol}`}>
                    {formatUnits(mine, m.decimals, { maxFraction: Math.min(m.decimals, 6) })}
                  </span>
                </div>
              )}
            </div>
            {pool.points.length > 1 ? (
              <LineChart
                title={`${m.symbol} distributed to stakers until the stream ends`}
                testId={`stream-chart-${pool.index}`}
                series={[
                  {
                    name: `${m.symbol} distributed`,
                    points: pool.points.map((p) => ({ t: p.at, v: toNumber(p.distributed, m.decimals) })),
                    color: '#d97706',
                    fill: true,
                  },
                ]}
                markers={[{ v: deposited, label: 'deposited' }]}
                yFormat={(v) => formatCompact(BigInt(Math.round(v)) * 10n ** BigInt(m.decimals), m.decimals)}
                valueFormat={(v) => `${Math.round(v).toLocaleString('en-US')} ${m.symbol}`}
                height={180}
              />
            ) : (
              <p class="muted small">Everything deposited so far has been distributed.</p>
            )}
          </div>
        );
      })}
    </section>
  );
}

export function Overview({ stats, decimals }: { stats: Stats; decimals: number }) {
  return (
    <section class="card" data-testid="overview">
      <h2>Protocol</h2>
      <div class="figures">
        <div class="figure">
          <span class="label">TMAI locked</span>
          <span class="value" data-testid="stats-tvl">
            {formatUnits(stats.tvl, decimals)}
          </span>
        </div>
        <div class="figure">
          <span class="label">total veTMAI</span>
          <span class="value">{formatUnits(stats.total_ve, decimals)}</span>
        </div>
        <div class="figure">
          <span class="label">stakers</span>
          <span class="value">{stats.stakers.toLocaleString('en-US')}</span>
        </div>
        <div class="figure">
          <span class="label">open positions</span>
          <span class="value">{stats.open_positions.toLocaleString('en-US')}</span>
        </div>
      </div>
    </section>
  );
}
