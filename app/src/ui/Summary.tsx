import type { LevelInfo, WalletView } from '../api';
import { toNumber } from '../charts';
import { formatCompact, formatDate, formatUnits } from '../format';
import { chartThresholds, nextTier, tierClass, tierExplanation } from '../tiers';
import { LineChart, type Marker } from './Chart';

interface Props {
  view: WalletView;
  levels: LevelInfo[];
  decimals: number;
}

/** veTMAI, level and tier now and guaranteed through the billing month, and the way up. */
export function Summary({ view, levels, decimals }: Props) {
  const ve = BigInt(view.ve);
  const up = levels.length ? nextTier(BigInt(view.guaranteed_ve), levels, view.guaranteed_tier) : null;
  return (
    <section class="card" data-testid="summary">
      <h2>Staking Score</h2>
      <div class="figures">
        <div class="figure">
          <span class="label">veTMAI now</span>
          <span class="value" data-testid="ve-current">
            {formatUnits(ve, decimals)}
          </span>
          <span>
            level <b data-testid="level-current">{view.level}</b>{' '}
            <span class={tierClass(view.tier)} data-testid="tier-current">
              {view.tier}
            </span>
          </span>
        </div>
        <div class="figure">
          <span class="label">Guaranteed through {formatDate(view.guaranteed_through, { time: false })}</span>
          <span class="value" data-testid="ve-guaranteed">
            {formatUnits(view.guaranteed_ve, decimals)}
          </span>
          <span>
            level <b data-testid="level-guaranteed">{view.guaranteed_level}</b>{' '}
            <span class={tierClass(view.guaranteed_tier)} data-testid="tier-guaranteed">
              {view.guaranteed_tier}
            </span>{' '}
            <span class="muted small">(API tier)</span>
          </span>
        </div>
      </div>
      <p class="explain" data-testid="tier-explanation">
        {tierExplanation(view, decimals)}
      </p>
      {up && (
        <div class="progress-block" data-testid="next-tier">
          <div class="progress">
            <div style={{ width: `${Math.round(up.progress * 100)}%` }} />
          </div>
          <span class="small">
            {formatUnits(up.missing, decimals)} more guaranteed veTMAI for level {up.level} ({up.tier}). The longest lock scores the most per TMAI.
          </span>
        </div>
      )}
      <ScheduleChart view={view} levels={levels} decimals={decimals} />
    </section>
  );
}

function ScheduleChart({ view, levels, decimals }: Props) {
  const ve = view.schedule.map((p) => ({ t: p.at, v: toNumber(p.vetmai, decimals) }));
  const g = view.schedule.map((p) => ({ t: p.at, v: toNumber(p.guaranteed, decimals) }));
  const top = Math.max(0, ...ve.map((p) => p.v));
  const markers: Marker[] = chartThresholds(levels, top, decimals).map((m) => ({ v: m.v, label: m.label }));
  markers.push({ t: view.guaranteed_through, label: 'billing month ends' });
  if (top === 0) {
    return (
      <p class="muted" data-testid="schedule-empty">
        No veTMAI yet: the chart of your veTMAI over the coming year appears with your first lock.
      </p>
    );
  }
  return (
    <LineChart
      title="veTMAI and guaranteed veTMAI over the next 12 months"
      testId="schedule-chart"
      series={[
        { name: 'veTMAI', points: ve, color: '#4f46e5', step: true, fill: true },
        { name: 'guaranteed from now', points: g, color: '#059669', step: true, dashed: true },
      ]}
      markers={markers}
      yFormat={(v) => formatCompact(BigInt(Math.round(v)) * 10n ** BigInt(decimals), decimals)}
      valueFormat={(v) => `${Math.round(v).toLocaleString('en-US')} veTMAI`}
    />
  );
}

/** Levels, thresholds and what each tier gets from the API. */
export function TierTable({ levels, decimals, current, guaranteed }: { levels: LevelInfo[]; decimals: number; current?: number; guaranteed?: number }) {
  return (
    <section class="card" data-testid="tier-table">
      <h2>Levels and tiers</h2>
      <table>
        <thead>
          <tr>
            <th>Level</th>
            <th class="num">veTMAI required</th>
            <th>Tier</th>
            <th class="num">API calls / month</th>
            <th class="num">Overage / call</th>
          </tr>
        </thead>
        <tbody>
          {levels.map((l) => (
            <tr
              key={l.level}
              class={[l.level === guaranteed ? 'row-guaranteed' : '', l.level === current ? 'row-current' : ''].join(' ')}
            >
              <td>{l.level}</td>
              <td class="num">{l.level === 0 ? '—' : formatUnits(l.min_ve, decimals)}</td>
              <td>
                <span class={tierClass(l.tier.name)}>{l.tier.name}</span>
                {l.level === guaranteed && <span class="chip">API tier</span>}
                {l.level === current && l.level !== guaranteed && <span class="chip alt">now</span>}
              </td>
              <td class="num">{l.tier.calls_per_month.toLocaleString('en-US')}</td>
              <td class="num">
                {l.tier.overage_micro_usd === null ? 'hard stop' : `$${(l.tier.overage_micro_usd / 1_000_000).toFixed(2)}`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
