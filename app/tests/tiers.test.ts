import { describe, expect, it } from 'vitest';

import { chartThresholds, DURATIONS, isLocked, levelOf, lockEnd, MONTH_SECONDS, nextLevel, nextTier, tierClass, tierExplanation } from '../src/tiers';
import { LEVELS, walletView } from './fixtures';

const TMAI = 1_000_000n;

describe('levels', () => {
  it.each([
    [0n, 0],
    [21_999n * TMAI, 0],
    [22_000n * TMAI, 1],
    [40_000n * TMAI, 1],
    [250_000n * TMAI, 3],
    [444_000n * TMAI, 4],
    [3_000_000n * TMAI, 6],
    [6_010_000n * TMAI, 9],
    [100_000_000n * TMAI, 10],
  ])('%s base units of veTMAI → level %d', (ve, level) => {
    expect(levelOf(ve, LEVELS)).toBe(level);
  });

  it('next level and progress', () => {
    expect(nextLevel(0n, LEVELS)).toMatchObject({ level: 1, tier: 'Advanced', missing: 22_000n * TMAI, progress: 0 });
    const n = nextLevel(66_500n * TMAI, LEVELS)!;
    expect(n).toMatchObject({ level: 2, minVe: 111_000n * TMAI, missing: 44_500n * TMAI });
    expect(n.progress).toBeCloseTo(0.5, 3);
    expect(nextLevel(7_777_000n * TMAI, LEVELS)).toBeNull();
  });

  it('next tier skips levels of the same tier', () => {
    expect(nextTier(40_000n * TMAI, LEVELS, 'Advanced')).toMatchObject({ level: 4, tier: 'Premium', missing: 404_000n * TMAI });
    expect(nextTier(0n, LEVELS, 'Free')).toMatchObject({ level: 1, tier: 'Advanced' });
    expect(nextTier(8_000_000n * TMAI, LEVELS, 'VIP')).toBeNull();
  });

  it('tier badge classes', () => {
    expect(tierClass('VIP')).toBe('tier tier-vip');
    expect(tierClass('Advanced')).toBe('tier tier-advanced');
  });
});

describe('tierExplanation', () => {
  it('Free with no lock', () => {
    expect(tierExplanation(walletView(), 6)).toMatch(/^No active lock: the API serves this wallet at the Free tier/);
  });

  it('same tier now and guaranteed', () => {
    const w = walletView({ ve: '40000000000', level: 1, tier: 'Advanced', guaranteed_ve: '40000000000', guaranteed_level: 1, guaranteed_tier: 'Advanced' });
    expect(tierExplanation(w, 6)).toBe('The API serves this wallet at the Advanced tier: 40,000 veTMAI stay locked through 1 Jun 2026.');
  });

  it('explains why a short lock does not buy the tier', () => {
    const w = walletView({ ve: '3010000000000', level: 6, tier: 'Premium', guaranteed_ve: '20000000000', guaranteed_level: 0, guaranteed_tier: 'Free' });
    const text = tierExplanation(w, 6);
    expect(text).toContain('level 6 (Premium)');
    expect(text).toContain('through the end of the billing month (1 Jun 2026): 20,000 veTMAI, level 0 (Free)');
    expect(text).toContain('Locks that end before then do not count');
  });
});

describe('locks', () => {
  it('lock ends round up to whole epochs (Thursday 00:00 UTC)', () => {
    const epoch = 604_800;
    expect(lockEnd(0, 1)).toBe(epoch);
    expect(lockEnd(epoch, epoch)).toBe(2 * epoch);
    const end = lockEnd(1_770_000_000, 365 * 86_400);
    expect(end % epoch).toBe(0);
    expect(end - (1_770_000_000 + 365 * 86_400)).toBeLessThan(epoch);
    expect(new Date(end * 1000).getUTCDay()).toBe(4);
  });

  it('12 months is the 365-day maximum', () => {
    expect(DURATIONS.at(-1)).toEqual({ label: '12 months', seconds: 31_536_000 });
    expect(MONTH_SECONDS * 12).toBe(365 * 86_400);
    expect(DURATIONS.every((d) => Number.isInteger(d.seconds))).toBe(true);
  });

  it('locked: fixed until its end, constant always', () => {
    expect(isLocked({ kind: 'fixed', end: 100 }, 99)).toBe(true);
    expect(isLocked({ kind: 'fixed', end: 100 }, 100)).toBe(false);
    expect(isLocked({ kind: 'constant', end: null }, 1e12)).toBe(true);
  });
});

describe('chartThresholds', () => {
  it('draws the thresholds reached and the next one', () => {
    expect(chartThresholds(LEVELS, 40_000, 6).map((t) => t.label)).toEqual(['L1 Advanced']);
    expect(chartThresholds(LEVELS, 60_000, 6).map((t) => t.label)).toEqual(['L1 Advanced', 'L2 Advanced']);
    expect(chartThresholds(LEVELS, 500_000, 6).map((t) => t.level)).toEqual([3, 4, 5]);
    expect(chartThresholds(LEVELS, 0, 6).map((t) => t.level)).toEqual([1]);
    expect(chartThresholds(LEVELS, 1e9, 6).map((t) => t.level)).toEqual([9, 10]);
  });
});
