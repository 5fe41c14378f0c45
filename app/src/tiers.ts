// How levels and tiers are explained on screen. The figures (veTMAI, level, tier, guaranteed) are
// the API's, computed with the program's own math; this only words and positions them.
import type { LevelInfo, WalletView } from './api';
import { formatDate, formatUnits } from './format';

export const EPOCH_SECONDS = 604_800;
export const DAY_SECONDS = 86_400;
/** A month of a 12-month (365-day) year: `months × 2 628 000 s`, so 12 months = 365 days. */
export const MONTH_SECONDS = (365 * DAY_SECONDS) / 12;

export type TierName = 'Free' | 'Advanced' | 'Premium' | 'VIP' | string;

/** Level of a veTMAI amount under the thresholds of `/v1/tiers` (count of thresholds ≤ ve). */
export function levelOf(ve: bigint, levels: LevelInfo[]): number {
  return levels.filter((l) => l.level > 0 && BigInt(l.min_ve) <= ve).length;
}

export interface NextLevel {
  level: number;
  tier: string;
  minVe: bigint;
  /** veTMAI still missing, base units. */
  missing: bigint;
  /** Progress from the current level's threshold to the next, 0–1. */
  progress: number;
}

/** The next level above `ve`, or null at the top. */
export function nextLevel(ve: bigint, levels: LevelInfo[]): NextLevel | null {
  const sorted = [...levels].sort((a, b) => a.level - b.level);
  const next = sorted.find((l) => l.level > 0 && BigInt(l.min_ve) > ve);
  if (!next) return null;
  const prev = [...sorted].reverse().find((l) => BigInt(l.min_ve) <= ve);
  const from = prev ? BigInt(prev.min_ve) : 0n;
  const to = BigInt(next.min_ve);
  const span = to - from;
  const progress = span > 0n ? Number(((ve - from) * 10_000n) / span) / 10_000 : 0;
  return { level: next.level, tier: next.tier.name, minVe: to, missing: to - ve, progress: Math.min(Math.max(progress, 0), 1) };
}

/** The next tier (not just level) above `ve`: what it takes to be upgraded. */
export function nextTier(ve: bigint, levels: LevelInfo[], current: string): NextLevel | null {
  const sorted = [...levels].sort((a, b) => a.level - b.level);
  const target = sorted.find((l) => l.level > 0 && l.tier.name !== current && BigInt(l.min_ve) > ve);
  if (!target) return null;
  const n = nextLevel(ve, levels);
  return n && { ...n, level: target.level, tier: target.tier.name, minVe: BigInt(target.min_ve), missing: BigInt(target.min_ve) - ve };
}

/** CSS class of a tier badge. */
export function tierClass(tier: TierName): string {
  return `tier tier-${tier.toLowerCase().replace(/[^a-z]/g, '') || 'free'}`;
}

/** One sentence on what the API grants and why, when current and guaranteed tiers differ. */
export function tierExplanation(w: WalletView, decimals: number): string {
  const through = formatDate(w.guaranteed_through, { time: false });
  if (w.tier === w.guaranteed_tier) {
    if (BigInt(w.ve) === 0n) return 'No active lock: the API serves this wallet at the Free tier. Lock TMAI to raise your Staking Score.';
    return `The API serves this wallet at the ${w.guaranteed_tier} tier: ${formatUnits(w.guaranteed_ve, decimals)} veTMAI stay locked through ${through}.`;
  }
  return (
    `Your veTMAI now is level ${w.level} (${w.tier}), but the API grants the tier of the veTMAI guaranteed through the end of ` +
    `the billing month (${through}): ${formatUnits(w.guaranteed_ve, decimals)} veTMAI, level ${w.guaranteed_level} ` +
    `(${w.guaranteed_tier}). Locks that end before then do not count toward it.`
  );
}

/**
 * The level thresholds worth drawing on a chart whose values reach `top` whole tokens: the highest
 * ones reached and the next one up when it is within 2× (at most three).
 */
export function chartThresholds(levels: LevelInfo[], top: number, decimals: number): { level: number; v: number; label: string }[] {
  const scale = 10 ** decimals;
  const all = levels
    .filter((l) => l.level > 0)
    .sort((a, b) => a.level - b.level)
    .map((l) => ({ level: l.level, v: Number(BigInt(l.min_ve)) / scale, label: `L${l.level} ${l.tier.name}` }));
  const reached = all.filter((l) => l.v <= top);
  // The next threshold only while it fits without flattening the wallet's own line.
  const next = all.find((l) => l.v > top && (top === 0 || l.v <= 2 * top));
  return [...reached.slice(-2), ...(next ? [next] : [])];
}

/** Lock end as the program computes it: `now + duration` rounded up to a whole epoch (7 days, UTC). */
export function lockEnd(now: number, duration: number): number {
  const t = now + duration;
  return Math.ceil(t / EPOCH_SECONDS) * EPOCH_SECONDS;
}

export interface DurationChoice {
  label: string;
  seconds: number;
}

/** Lock durations the form offers: weeks, then months of a 365-day year. */
export const DURATIONS: DurationChoice[] = [
  { label: '1 week', seconds: 7 * DAY_SECONDS },
  { label: '1 month', seconds: MONTH_SECONDS },
  { label: '3 months', seconds: 3 * MONTH_SECONDS },
  { label: '6 months', seconds: 6 * MONTH_SECONDS },
  { label: '9 months', seconds: 9 * MONTH_SECONDS },
  { label: '12 months', seconds: 12 * MONTH_SECONDS },
];

/** Is a position still locked at `now` (Constant positions always are until unlocking begins)? */
export function isLocked(p: { kind: string; end: number | null }, now: number): boolean {
  return p.kind === 'constant' || (p.end !== null && p.end > now);
}
