import { describe, expect, it } from 'vitest';

import {
  formatBps,
  formatCompact,
  formatDate,
  formatDuration,
  formatMultiplier,
  formatRelative,
  formatShare,
  formatSol,
  formatUnits,
  InputError,
  parseUnits,
  shortAddress,
} from '../src/format';

describe('formatUnits', () => {
  it.each([
    ['0', 6, {}, '0'],
    ['20000000000', 6, {}, '20,000'],
    ['1234567890', 6, {}, '1,234.56'],
    ['1234567890', 6, { maxFraction: 6 }, '1,234.56789'],
    ['1', 6, { maxFraction: 6 }, '0.000001'],
    ['1', 6, {}, '<0.01'],
    ['1', 6, { maxFraction: 0 }, '<1'],
    ['5000000', 6, { minFraction: 2 }, '5.00'],
    ['18446744073709551615', 6, {}, '18,446,744,073,709.55'],
    ['340282366920938463463374607431768211455', 6, { maxFraction: 0 }, '340,282,366,920,938,463,463,374,607,431,768'],
    ['-2500000', 6, {}, '-2.5'],
    ['999', 0, {}, '999'],
  ] as const)('%s with %d decimals %j → %s', (v, d, o, out) => {
    expect(formatUnits(v, d, o)).toBe(out);
  });

  it('rounds toward zero, never up', () => {
    expect(formatUnits('1999999', 6)).toBe('1.99');
  });

  it('takes bigint and safe numbers, refuses the rest', () => {
    expect(formatUnits(40_000_000_000n, 6)).toBe('40,000');
    expect(formatUnits(1_500_000, 6)).toBe('1.5');
    expect(() => formatUnits('1.5', 6)).toThrow(/not an integer/);
    expect(() => formatUnits(0.5, 6)).toThrow(/not an integer/);
  });
});

describe('parseUnits', () => {
  it.each([
    ['20000', '20000000000'],
    ['20 000', '20000000000'],
    ['20,000', '20000000000'],
    ['1.5', '1500000'],
    ['.5', '500000'],
    ['0.000001', '1'],
    ['  7 ', '7000000'],
  ])('%j → %s base units', (input, out) => {
    expect(parseUnits(input, 6).toString()).toBe(out);
  });

  it.each([
    ['', /Enter an amount/],
    ['abc', /not an amount/],
    ['-5', /not an amount/],
    ['1e6', /not an amount/],
    ['1.2.3', /not an amount/],
    ['.', /not an amount/],
    ['0', /greater than zero/],
    ['0.0000001', /At most 6 decimal places/],
    ['18446744073709.551616', /too large/],
  ])('refuses %j', (input, msg) => {
    expect(() => parseUnits(input, 6)).toThrow(InputError);
    expect(() => parseUnits(input, 6)).toThrow(msg);
  });

  it('names the field', () => {
    try {
      parseUnits('x', 6, 'lock-amount');
      expect.unreachable();
    } catch (e) {
      expect((e as InputError).field).toBe('lock-amount');
    }
  });

  it('round-trips with formatUnits', () => {
    for (const s of ['1', '22000', '123456.789012']) {
      expect(formatUnits(parseUnits(s, 6), 6, { maxFraction: 6 }).replace(/,/g, '')).toBe(s);
    }
  });
});

describe('bps, shares and multipliers', () => {
  it.each([
    [2500, '25%'],
    [1000, '10%'],
    [1050, '10.5%'],
    [1, '0.01%'],
    [0, '0%'],
    [10_000, '100%'],
  ])('%d bps → %s', (bps, out) => expect(formatBps(bps)).toBe(out));

  it('shares', () => {
    expect(formatShare('1', '4')).toBe('25%');
    expect(formatShare('5', '0')).toBe('0%');
    expect(formatShare('1', '3')).toBe('33.33%');
  });

  it('multipliers', () => {
    expect(formatMultiplier(20_000)).toBe('2.00×');
    expect(formatMultiplier(15_050)).toBe('1.50×');
  });
});

describe('compact axis labels', () => {
  it.each([
    ['0', '0'],
    ['42000000', '42'],
    ['350000000000', '350K'],
    ['1250000000000', '1.2M'],
    ['3000000000000', '3M'],
    ['7777000000000', '7.7M'],
    ['2000000000000000', '2B'],
  ])('%s → %s', (v, out) => expect(formatCompact(v, 6)).toBe(out));
});

describe('dates and durations', () => {
  it('formats in UTC', () => {
    expect(formatDate(1_780_272_000)).toBe('1 Jun 2026, 00:00 UTC');
    expect(formatDate(1_780_272_000 + 14 * 3600 + 5 * 60, { time: false })).toBe('1 Jun 2026');
    expect(formatDate(Number.NaN)).toBe('—');
  });

  it.each([
    [365 * 86_400, '12 months'],
    [3 * 2_628_000, '3 months'],
    [2_628_000, '1 month'],
    [7 * 86_400, '1 week'],
    [14 * 86_400, '2 weeks'],
    [3 * 86_400, '3 days'],
    [5 * 3600, '5 h'],
    [40 * 60, '40 min'],
    [12, '12 s'],
  ])('%d s → %s', (s, out) => expect(formatDuration(s)).toBe(out));

  it('relative', () => {
    expect(formatRelative(1000 + 3 * 86_400, 1000)).toBe('in 3 days');
    expect(formatRelative(1000, 1000 + 2 * 3600)).toBe('2 h ago');
    expect(formatRelative(1010, 1000)).toBe('now');
  });
});

describe('addresses and SOL', () => {
  it('shortens', () => {
    expect(shortAddress('HUVPA9UiDVA7TTtNSUoaemRZGmaHwU8j5WQ25chndRjs')).toBe('HUVP…dRjs');
    expect(shortAddress('abc')).toBe('abc');
  });
  it('SOL', () => expect(formatSol(9_999_995_000n)).toBe('9.9999 SOL'));
});
