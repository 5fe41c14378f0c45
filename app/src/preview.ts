// What a new lock would do, before it is sent: its veTMAI (the program's integer math, from the
// chain's parameters in `/v1/stats` → `lock_params`), the level and tier it leads to now and
// through the end of the billing month. Pure and exact (BigInt), unit-tested against hand-computed
// values; the program stays the authority (vetmai-math `multiplier_bps`, `score`, `level`).
import type { LevelInfo, LockParams, WalletView } from './api';
import { lockEnd } from './tiers';

export const BPS = 10_000n;

/**
 * `multiplier_bps(d) = 10 000 + (max_multiplier_bps − 10 000) · min(d, max_lock) / max_lock`,
 * rounded down (vetmai-math `multiplier_bps`). Null when the parameters are unusable.
 */
export function multiplierBps(duration: number | bigint, maxLock: number | bigint, maxMultiplierBps: number | bigint): bigint | null {
  const max = BigInt(maxLock);
  const mult = BigInt(maxMultiplierBps);
  if (max <= 0n || mult < BPS) return null;
  let d = BigInt(duration);
  if (d < 0n) return null;
  if (d > max) d = max;
  return BPS + ((mult - BPS) * d) / max;
}

/** `score = amount · multiplier_bps / 10 000`, rounded down (vetmai-math `score`). */
export function scoreOf(amount: bigint, multiplier: bigint): bigint {
  return (amount * multiplier) / BPS;
}

/** veTMAI of `amount` base units locked for `duration` seconds (null: unusable parameters). */
export function lockScore(amount: bigint, duration: number, p: Pick<LockParams, 'max_lock' | 'max_multiplier_bps'>): bigint | null {
  const m = multiplierBps(duration, p.max_lock, p.max_multiplier_bps);
  return m === null ? null : scoreOf(amount, m);
}

/** Level = number of thresholds ≤ `ve` (vetmai-math `level`); thresholds are base units. */
export function levelFromThresholds(ve: bigint, thresholds: readonly (string | bigint)[]): number {
  let n = 0;
  for (const t of thresholds) if (BigInt(t) <= ve) n++;
  return n;
}

/** Tier name of a level from `/v1/tiers` (null when the table does not have it yet). */
export function tierOfLevel(level: number, levels: LevelInfo[]): string | null {
  return levels.find((l) => l.level === level)?.tier.name ?? null;
}

/** The lock form's duration against the chain's bounds; null when it is allowed. */
export function durationProblem(duration: number, p: Pick<LockParams, 'min_lock' | 'max_lock'>): string | null {
  if (duration < p.min_lock) return `The shortest lock is ${days(p.min_lock)}.`;
  if (duration > p.max_lock) return `The longest lock is ${days(p.max_lock)}.`;
  return null;
}

function days(s: number): string {
  const d = s / 86_400;
  return Number.isInteger(d) ? `${d} day${d === 1 ? '' : 's'}` : `${s} s`;
}

/**
 * Whether a new lock still counts at `t` (the API's guaranteed veTMAI through `t`): a Fixed lock
 * when its epoch-rounded end is at or after `t`, a Constant lock when `now + duration ≥ t`.
 */
export function lockCountsThrough(kind: 'fixed' | 'constant', duration: number, now: number, t: number): boolean {
  if (t <= now) return true;
  return kind === 'fixed' ? lockEnd(now, duration) >= t : now + duration >= t;
}

export interface LockPreview {
  multiplierBps: bigint;
  /** veTMAI of the new lock, base units. */
  score: bigint;
  /** Unlock time of a Fixed lock (epoch-rounded), null for Constant. */
  end: number | null;
  veNow: bigint;
  levelNow: number;
  tierNow: string | null;
  /** Whether the new lock counts toward the veTMAI guaranteed through the billing month. */
  countsThroughBilling: boolean;
  guaranteedVe: bigint;
  guaranteedLevel: number;
  tierGuaranteed: string | null;
  /** Before the lock, for "level 0 → 1". */
  levelBefore: number;
  guaranteedLevelBefore: number;
}

export interface PreviewInput {
  amount: bigint;
  duration: number;
  kind: 'fixed' | 'constant';
  now: number;
  params: LockParams;
  /** The wallet's current figures (veTMAI, guaranteed veTMAI and the billing month's end). */
  view: Pick<WalletView, 've' | 'guaranteed_ve' | 'guaranteed_through'> | null;
  levels: LevelInfo[];
}

/** The preview of a lock, or null when the parameters are unusable. */
export function previewLock(i: PreviewInput): LockPreview | null {
  const multiplier = multiplierBps(i.duration, i.params.max_lock, i.params.max_multiplier_bps);
  if (multiplier === null) return null;
  const score = scoreOf(i.amount, multiplier);
  const th = i.params.level_thresholds;
  const ve = BigInt(i.view?.ve ?? '0');
  const g = BigInt(i.view?.guaranteed_ve ?? '0');
  const through = i.view?.guaranteed_through ?? i.now;
  const counts = lockCountsThrough(i.kind, i.duration, i.now, through);
  const veNow = ve + score;
  const guaranteedVe = g + (counts ? score : 0n);
  const levelNow = levelFromThresholds(veNow, th);
  const guaranteedLevel = levelFromThresholds(guaranteedVe, th);
  return {
    multiplierBps: multiplier,
    score,
    end: i.kind === 'fixed' ? lockEnd(i.now, i.duration) : null,
    veNow,
    levelNow,
    tierNow: tierOfLevel(levelNow, i.levels),
    countsThroughBilling: counts,
    guaranteedVe,
    guaranteedLevel,
    tierGuaranteed: tierOfLevel(guaranteedLevel, i.levels),
    levelBefore: levelFromThresholds(ve, th),
    guaranteedLevelBefore: levelFromThresholds(g, th),
  };
}

/**
 * veTMAI of a wallet guaranteed through `t`, seen at `now`, as the program computes it
 * (`Staker::guaranteed`): Fixed positions ending at or after `t` plus Constant positions whose
 * `now + duration ≥ t`. Exact from the positions when the wallet answer lists all of them; else
 * read off the weekly schedule at the first point at or after `t` (never more than the truth).
 */
export function guaranteedThrough(view: WalletView, t: number, now: number): { ve: bigint; exact: boolean } {
  if (t <= now) return { ve: BigInt(view.ve), exact: true };
  if (view.next_offset === null) {
    let sum = 0n;
    for (const p of view.items) {
      const counts = p.kind === 'constant' ? now + p.duration >= t : p.end !== null && p.end >= t;
      if (counts) sum += BigInt(p.score);
    }
    return { ve: sum, exact: true };
  }
  const point = view.schedule.find((p) => p.at >= t) ?? view.schedule[view.schedule.length - 1];
  return { ve: point ? BigInt(point.guaranteed) : 0n, exact: false };
}

/** `lock_params` as the API sent it, or null when absent or malformed (the preview is then hidden). */
export function lockParamsOf(x: unknown): LockParams | null {
  if (typeof x !== 'object' || x === null) return null;
  const o = x as Record<string, unknown>;
  const int = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!int(o.tmai_decimals) || !int(o.min_lock) || !int(o.max_lock) || !int(o.max_multiplier_bps)) return null;
  const th = o.level_thresholds;
  if (!Array.isArray(th) || !th.every((t) => typeof t === 'string' && /^[0-9]+$/.test(t))) return null;
  return {
    tmai_decimals: o.tmai_decimals,
    min_lock: o.min_lock,
    max_lock: o.max_lock,
    max_multiplier_bps: o.max_multiplier_bps,
    level_thresholds: th as string[],
  };
}
