import { describe, expect, it } from 'vitest';

import type { LockParams, Position } from '../src/api';
import { durationProblem, guaranteedThrough, levelFromThresholds, lockCountsThrough, lockParamsOf, lockScore, multiplierBps, previewLock, scoreOf } from '../src/preview';
import { DURATIONS, lockEnd, MONTH_SECONDS } from '../src/tiers';
import { LEVELS, walletView } from './fixtures';

const TMAI = 1_000_000n;
const DAY = 86_400;
const YEAR = 365 * DAY; // 31 536 000 = max_lock
const THRESHOLDS = LEVELS.filter((l) => l.level > 0).map((l) => l.min_ve);
const PARAMS: LockParams = { tmai_decimals: 6, min_lock: 7 * DAY, max_lock: YEAR, max_multiplier_bps: 20_000, level_thresholds: THRESHOLDS };
const NOV_1 = Date.UTC(2026, 10, 1) / 1000;
const DEC_1 = Date.UTC(2026, 11, 1) / 1000;

describe('multiplier (vetmai-math multiplier_bps, hand-computed)', () => {
  it.each([
    [0, 10_000n],
    [DAY, 10_027n], // 10 000·86 400/31 536 000 = 27.39 → 27
    [7 * DAY, 10_191n], // 10 000·604 800/31 536 000 = 191.78 → 191
    [MONTH_SECONDS, 10_833n], // 833.33 → 833
    [3 * MONTH_SECONDS, 12_500n],
    [6 * MONTH_SECONDS, 15_000n],
    [9 * MONTH_SECONDS, 17_500n],
    [12 * MONTH_SECONDS, 20_000n], // the longest lock: exactly 2.0x
    [YEAR + 1, 20_000n], // capped at max_lock
  ])('%i s → %i bps', (d, bps) => {
    expect(multiplierBps(d, YEAR, 20_000)).toBe(bps);
  });

  it('follows other parameters and refuses unusable ones', () => {
    // 180-day max, 2.5x: 15 000·604 800/15 552 000 = 583.33 → 583
    expect(multiplierBps(7 * DAY, 180 * DAY, 25_000)).toBe(10_583n);
    expect(multiplierBps(180 * DAY, 180 * DAY, 25_000)).toBe(25_000n);
    expect(multiplierBps(YEAR, YEAR, 10_000)).toBe(10_000n);
    expect(multiplierBps(DAY, 0, 20_000)).toBeNull();
    expect(multiplierBps(DAY, YEAR, 9_999)).toBeNull();
  });
});

describe('score of a lock (amount · multiplier / 10 000, floor)', () => {
  it('12 months doubles the amount exactly', () => {
    expect(lockScore(20_000n * TMAI, 12 * MONTH_SECONDS, PARAMS)).toBe(40_000n * TMAI);
    expect(lockScore(11_000n * TMAI, YEAR, PARAMS)).toBe(22_000n * TMAI);
    expect(lockScore(1n, YEAR, PARAMS)).toBe(2n);
    expect(lockScore((1n << 64n) - 1n, YEAR, PARAMS)).toBe(2n * ((1n << 64n) - 1n)); // no overflow, no float
  });

  it('a 7-day lock: ×1.0191', () => {
    expect(lockScore(TMAI, 7 * DAY, PARAMS)).toBe(1_019_100n);
    expect(lockScore(1_000n * TMAI, 7 * DAY, PARAMS)).toBe(1_019_100_000n);
  });

  it('rounds down', () => {
    expect(lockScore(1n, 7 * DAY, PARAMS)).toBe(1n); // 1.0191
    expect(lockScore(99n, 7 * DAY, PARAMS)).toBe(100n); // 100.8909
    expect(lockScore(7n, MONTH_SECONDS, PARAMS)).toBe(7n); // 7.5831
    expect(lockScore(3n, DAY, PARAMS)).toBe(3n); // 3.0081
    expect(scoreOf(3n, 10_001n)).toBe(3n);
    expect(lockScore(123_456_789n, MONTH_SECONDS, PARAMS)).toBe(133_740_739n); // 133 740 739.53…
  });
});

describe('levels from lock_params thresholds', () => {
  it('counts thresholds ≤ veTMAI', () => {
    expect(levelFromThresholds(0n, THRESHOLDS)).toBe(0);
    expect(levelFromThresholds(22_000n * TMAI - 1n, THRESHOLDS)).toBe(0);
    expect(levelFromThresholds(22_000n * TMAI, THRESHOLDS)).toBe(1);
    expect(levelFromThresholds(6_010_191n * TMAI, THRESHOLDS)).toBe(9);
    expect(levelFromThresholds(10n ** 30n, THRESHOLDS)).toBe(10);
  });

  it('11 000 TMAI for 12 months is level 1, one base unit less is not', () => {
    expect(levelFromThresholds(lockScore(11_000n * TMAI, YEAR, PARAMS)!, THRESHOLDS)).toBe(1);
    expect(levelFromThresholds(lockScore(11_000n * TMAI - 1n, YEAR, PARAMS)!, THRESHOLDS)).toBe(0);
  });
});

describe('lock preview', () => {
  const free = walletView({ guaranteed_through: DEC_1 });

  it('alice: 20 000 TMAI for 12 months → 40 000 veTMAI, level 1 Advanced now and through the month', () => {
    const p = previewLock({ amount: 20_000n * TMAI, duration: YEAR, kind: 'fixed', now: NOV_1, params: PARAMS, view: free, levels: LEVELS })!;
    expect(p).toMatchObject({
      multiplierBps: 20_000n,
      score: 40_000n * TMAI,
      end: lockEnd(NOV_1, YEAR),
      veNow: 40_000n * TMAI,
      levelNow: 1,
      tierNow: 'Advanced',
      countsThroughBilling: true,
      guaranteedVe: 40_000n * TMAI,
      guaranteedLevel: 1,
      tierGuaranteed: 'Advanced',
      levelBefore: 0,
      guaranteedLevelBefore: 0,
    });
  });

  it('a 7-day lock raises veTMAI now but not the tier of a month that outlasts it', () => {
    const p = previewLock({ amount: 30_000n * TMAI, duration: 7 * DAY, kind: 'fixed', now: NOV_1, params: PARAMS, view: free, levels: LEVELS })!;
    expect(p.score).toBe(30_573n * TMAI);
    expect(p).toMatchObject({ levelNow: 1, tierNow: 'Advanced', countsThroughBilling: false, guaranteedVe: 0n, guaranteedLevel: 0, tierGuaranteed: 'Free' });
  });

  it('adds to what the wallet has: carol 250 000 + 100 000 TMAI for 12 months → level 4 Premium', () => {
    const carol = walletView({ ve: String(250_000n * TMAI), guaranteed_ve: String(250_000n * TMAI), guaranteed_through: DEC_1 });
    const p = previewLock({ amount: 100_000n * TMAI, duration: YEAR, kind: 'constant', now: NOV_1, params: PARAMS, view: carol, levels: LEVELS })!;
    expect(p).toMatchObject({ end: null, veNow: 450_000n * TMAI, levelNow: 4, tierNow: 'Premium', levelBefore: 3, guaranteedLevel: 4 });
  });

  it('a Constant lock counts through the month when its duration reaches the month’s end', () => {
    expect(lockCountsThrough('constant', 30 * DAY, NOV_1, DEC_1)).toBe(true); // exactly 30 days
    expect(lockCountsThrough('constant', 30 * DAY - 1, NOV_1, DEC_1)).toBe(false);
    expect(lockCountsThrough('fixed', 30 * DAY, NOV_1, DEC_1)).toBe(true); // the end rounds up to an epoch
    expect(lockCountsThrough('fixed', 7 * DAY, NOV_1, DEC_1)).toBe(false);
    expect(lockCountsThrough('fixed', 7 * DAY, DEC_1, DEC_1)).toBe(true);
  });

  it('no preview with unusable parameters', () => {
    expect(previewLock({ amount: 1n, duration: DAY, kind: 'fixed', now: NOV_1, params: { ...PARAMS, max_lock: 0 }, view: null, levels: [] })).toBeNull();
  });

  it('durations against min_lock and max_lock', () => {
    expect(durationProblem(7 * DAY, PARAMS)).toBeNull();
    expect(durationProblem(YEAR, PARAMS)).toBeNull();
    expect(durationProblem(7 * DAY - 1, PARAMS)).toBe('The shortest lock is 7 days.');
    expect(durationProblem(YEAR + 1, PARAMS)).toBe('The longest lock is 365 days.');
    expect(DURATIONS.every((d) => durationProblem(d.seconds, PARAMS) === null)).toBe(true);
    expect(DURATIONS.filter((d) => durationProblem(d.seconds, { min_lock: 30 * DAY, max_lock: 183 * DAY }) === null).map((d) => d.label)).toEqual([
      '1 month',
      '3 months',
      '6 months',
    ]);
  });

  it('reads lock_params defensively', () => {
    expect(lockParamsOf(PARAMS)).toEqual(PARAMS);
    expect(lockParamsOf(undefined)).toBeNull();
    expect(lockParamsOf({ ...PARAMS, min_lock: '604800' })).toBeNull();
    expect(lockParamsOf({ ...PARAMS, level_thresholds: [22_000_000_000] })).toBeNull();
    expect(lockParamsOf({ ...PARAMS, level_thresholds: ['1e9'] })).toBeNull();
  });
});

describe('veTMAI guaranteed through a time (Staker::guaranteed)', () => {
  const pos = (over: Partial<Position>): Position => ({
    pubkey: `p${over.index ?? 0}`,
    index: 0,
    kind: 'fixed',
    amount: '0',
    score: '0',
    active_score: '0',
    duration: YEAR,
    created_at: NOV_1,
    end: null,
    auto_compound: false,
    pending_rewards: [],
    ...over,
  });
  const t = NOV_1 + 3 * DAY;
  const view = walletView({
    ve: '1111',
    items: [
      pos({ index: 0, score: '1000', end: t }), // ends at t: counts
      pos({ index: 1, score: '100', end: t - 1 }), // ends before: does not
      pos({ index: 2, kind: 'constant', score: '10', duration: 3 * DAY }), // now + d = t: counts
      pos({ index: 3, kind: 'constant', score: '1', duration: 3 * DAY - 1 }),
    ],
    schedule: [{ at: NOV_1 + 7 * DAY, vetmai: '1011', guaranteed: '7' }],
  });

  it('exact from the positions', () => {
    expect(guaranteedThrough(view, t, NOV_1)).toEqual({ ve: 1010n, exact: true });
    expect(guaranteedThrough(view, NOV_1, NOV_1)).toEqual({ ve: 1111n, exact: true });
  });

  it('from the schedule when some positions are on another page', () => {
    expect(guaranteedThrough({ ...view, next_offset: 100 }, t, NOV_1)).toEqual({ ve: 7n, exact: false });
  });
});
