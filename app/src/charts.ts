// Geometry of the inline SVG charts (pure, so it is unit-tested): scales, ticks and paths.

export interface Pt {
  /** unix seconds */
  t: number;
  v: number;
}

export interface Box {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export function scale(d0: number, d1: number, r0: number, r1: number): (x: number) => number {
  const span = d1 - d0;
  return (x) => (span === 0 ? (r0 + r1) / 2 : r0 + ((x - d0) / span) * (r1 - r0));
}

/** A round axis maximum ≥ `max`: 1, 2, 2.5, 5 or 10 × a power of ten. */
export function niceMax(max: number): number {
  if (!(max > 0) || !Number.isFinite(max)) return 1;
  const pow = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * pow >= max * (1 - 1e-12)) return m * pow;
  return 10 * pow;
}

/** `n + 1` evenly spaced ticks from 0 to `max`. */
export function ticks(max: number, n = 4): number[] {
  return Array.from({ length: n + 1 }, (_, i) => (max * i) / n);
}

/** Time ticks: about `n` points between t0 and t1, on whole days (UTC). */
export function timeTicks(t0: number, t1: number, n = 5): number[] {
  if (t1 <= t0) return [t0];
  const day = 86_400;
  const step = Math.max(day, Math.ceil((t1 - t0) / n / day) * day);
  const first = Math.ceil(t0 / day) * day;
  const out: number[] = [];
  for (let t = first; t <= t1; t += step) out.push(t);
  return out;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/**
 * SVG path of a series. `step`: the value holds until the next point (veTMAI is piecewise
 * constant: it drops when a lock ends, it does not slide).
 */
export function linePath(points: Pt[], x: (t: number) => number, y: (v: number) => number, step = false): string {
  let d = '';
  points.forEach((p, i) => {
    const px = fmt(x(p.t));
    const py = fmt(y(p.v));
    if (i === 0) d += `M${px},${py}`;
    else if (step) d += `H${px}V${py}`;
    else d += `L${px},${py}`;
  });
  return d;
}

/** The same path closed down to the baseline, for a filled area. */
export function areaPath(points: Pt[], x: (t: number) => number, y: (v: number) => number, step = false): string {
  if (points.length === 0) return '';
  const first = points[0]!;
  const line = linePath(points, x, y, step).replace(/^M/, 'L');
  return `M${fmt(x(first.t))},${fmt(y(0))}${line}V${fmt(y(0))}Z`;
}

/** Base-unit decimal string → a plain number of whole tokens (for drawing only). */
export function toNumber(base: string | bigint, decimals: number): number {
  const v = typeof base === 'bigint' ? base : BigInt(base);
  const scaleBy = 10n ** BigInt(decimals);
  return Number(v / scaleBy) + Number(v % scaleBy) / Number(scaleBy);
}

/** Index of the point nearest to `t` (for the hover read-out). */
export function nearest(points: Pt[], t: number): number {
  let best = 0;
  points.forEach((p, i) => {
    if (Math.abs(p.t - t) < Math.abs(points[best]!.t - t)) best = i;
  });
  return best;
}
