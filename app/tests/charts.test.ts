import { describe, expect, it } from 'vitest';

import { areaPath, linePath, nearest, niceMax, scale, ticks, timeTicks, toNumber } from '../src/charts';

describe('chart geometry', () => {
  it('nice maxima', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(40_000)).toBe(50_000);
    expect(niceMax(22_000)).toBe(25_000);
    expect(niceMax(100_000)).toBe(100_000);
    expect(niceMax(111_000)).toBe(200_000);
  });

  it('scales, including a flat domain', () => {
    expect(scale(0, 10, 0, 100)(5)).toBe(50);
    expect(scale(0, 10, 200, 0)(10)).toBe(0);
    expect(scale(3, 3, 0, 100)(3)).toBe(50);
    expect(ticks(100, 4)).toEqual([0, 25, 50, 75, 100]);
  });

  it('time ticks fall on whole UTC days', () => {
    const t = timeTicks(1_770_000_123, 1_770_000_123 + 365 * 86_400);
    expect(t.length).toBeGreaterThanOrEqual(4);
    expect(t.every((x) => x % 86_400 === 0)).toBe(true);
  });

  it('step paths hold the value until the next point (veTMAI drops at a lock end)', () => {
    const pts = [
      { t: 0, v: 10 },
      { t: 1, v: 10 },
      { t: 2, v: 0 },
    ];
    const x = (t: number) => t * 100;
    const y = (v: number) => 100 - v * 10;
    expect(linePath(pts, x, y, true)).toBe('M0,0H100V0H200V100');
    expect(linePath(pts, x, y)).toBe('M0,0L100,0L200,100');
    expect(areaPath(pts, x, y)).toBe('M0,100L0,0L100,0L200,100V100Z');
    expect(areaPath([], x, y)).toBe('');
  });

  it('base units to numbers and nearest points', () => {
    expect(toNumber('40000123456', 6)).toBeCloseTo(40_000.123456, 6);
    expect(toNumber(7_777_000_000_000n, 6)).toBe(7_777_000);
    expect(nearest([{ t: 0, v: 0 }, { t: 10, v: 0 }, { t: 20, v: 0 }], 14)).toBe(1);
  });
});
