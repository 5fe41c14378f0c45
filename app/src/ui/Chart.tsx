import { useState } from 'preact/hooks';

import { areaPath, linePath, nearest, niceMax, scale, ticks, timeTicks, type Pt } from '../charts';
import { formatDate, formatDay } from '../format';

export interface Series {
  name: string;
  points: Pt[];
  color: string;
  step?: boolean;
  fill?: boolean;
  dashed?: boolean;
}

export interface Marker {
  label: string;
  /** A horizontal line at a value… */
  v?: number;
  /** …or a vertical one at a time. */
  t?: number;
}

interface Props {
  series: Series[];
  markers?: Marker[];
  yFormat: (v: number) => string;
  /** Read-out of a value in the hover box. */
  valueFormat?: (v: number) => string;
  title: string;
  testId?: string;
  height?: number;
}

const BOX = { width: 720, left: 64, right: 16, top: 14, bottom: 28 };

/** A small time-series chart drawn as inline SVG, with a hover read-out. */
export function LineChart({ series, markers = [], yFormat, valueFormat = yFormat, title, testId, height = 220 }: Props) {
  const [hover, setHover] = useState<number | null>(null);
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return <p class="muted">Nothing to chart yet.</p>;
  const t0 = Math.min(...all.map((p) => p.t));
  const t1 = Math.max(...all.map((p) => p.t));
  const vmax = niceMax(Math.max(...all.map((p) => p.v), ...markers.filter((m) => m.v !== undefined).map((m) => m.v!)) || 1);
  const x = scale(t0, t1, BOX.left, BOX.width - BOX.right);
  const y = scale(0, vmax, height - BOX.bottom, BOX.top);
  const withYear = t1 - t0 > 200 * 86_400;
  const base = series[0]?.points ?? [];
  const hi = hover === null ? null : nearest(base, hover);

  const onMove = (e: MouseEvent) => {
    const svg = e.currentTarget as SVGSVGElement;
    const r = svg.getBoundingClientRect();
    const px = ((e.clientX - r.left) / r.width) * BOX.width;
    const t = scale(BOX.left, BOX.width - BOX.right, t0, t1)(px);
    setHover(Math.min(Math.max(t, t0), t1));
  };

  return (
    <figure class="chart" data-testid={testId}>
      <svg
        viewBox={`0 0 ${BOX.width} ${height}`}
        role="img"
        aria-label={title}
        onMouseMove={onMove}
        onMouseLeave={() => setHover(null)}
      >
        <title>{title}</title>
        {ticks(vmax).map((v) => (
          <g key={`y${v}`}>
            <line x1={BOX.left} x2={BOX.width - BOX.right} y1={y(v)} y2={y(v)} class="grid" />
            <text x={BOX.left - 6} y={y(v) + 4} class="axis" text-anchor="end">
              {yFormat(v)}
            </text>
          </g>
        ))}
        {timeTicks(t0, t1).map((t) => (
          <text key={`x${t}`} x={x(t)} y={height - 8} class="axis" text-anchor="middle">
            {formatDay(t, withYear)}
          </text>
        ))}
        {markers.map((m) =>
          m.v !== undefined ? (
            <g key={`m${m.label}`} class="marker">
              <line x1={BOX.left} x2={BOX.width - BOX.right} y1={y(m.v)} y2={y(m.v)} />
              <text x={BOX.width - BOX.right - 4} y={y(m.v) - 4} text-anchor="end">
                {m.label}
              </text>
            </g>
          ) : m.t !== undefined && m.t >= t0 && m.t <= t1 ? (
            <g key={`m${m.label}`} class="marker">
              <line x1={x(m.t)} x2={x(m.t)} y1={BOX.top} y2={height - BOX.bottom} />
              <text x={x(m.t) + 4} y={BOX.top + 10}>
                {m.label}
              </text>
            </g>
          ) : null,
        )}
        {series.map((s) =>
          s.fill ? <path key={`a${s.name}`} d={areaPath(s.points, x, y, s.step)} fill={s.color} opacity="0.12" /> : null,
        )}
        {series.map((s) => (
          <path
            key={`l${s.name}`}
            d={linePath(s.points, x, y, s.step)}
            fill="none"
            stroke={s.color}
            stroke-width="2"
            stroke-dasharray={s.dashed ? '6 4' : undefined}
          />
        ))}
        {hi !== null && base[hi] && (
          <g class="hover">
            <line x1={x(base[hi].t)} x2={x(base[hi].t)} y1={BOX.top} y2={height - BOX.bottom} />
            {series.map((s) => {
              const p = s.points[nearest(s.points, base[hi]!.t)];
              return p ? <circle key={`c${s.name}`} cx={x(p.t)} cy={y(p.v)} r="3.5" fill={s.color} /> : null;
            })}
          </g>
        )}
      </svg>
      <figcaption>
        {series.map((s) => (
          <span key={s.name} class="legend">
            <i style={{ background: s.color }} />
            {s.name}
            {hi !== null && s.points.length > 0 && `: ${valueFormat(s.points[nearest(s.points, base[hi]?.t ?? t0)]!.v)}`}
          </span>
        ))}
        {hi !== null && base[hi] && <span class="legend muted">{formatDate(base[hi].t)}</span>}
      </figcaption>
    </figure>
  );
}
