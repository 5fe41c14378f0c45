// Formatting and parsing of the figures the dashboard shows. Amounts travel as decimal strings of
// base units (u64 / u128 do not fit a JS number), so everything here is BigInt arithmetic.

/** A user-facing input problem (a form field), shown next to the form. */
export class InputError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'InputError';
  }
}

export const U64_MAX = (1n << 64n) - 1n;

function toBigInt(value: string | bigint | number): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`not an integer amount: ${value}`);
    return BigInt(value);
  }
  if (!/^-?[0-9]+$/.test(value)) throw new RangeError(`not an integer amount: ${JSON.stringify(value)}`);
  return BigInt(value);
}

function group(int: bigint): string {
  return int.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export interface UnitsOptions {
  /** Most fraction digits shown (default 2); the rest is cut, never rounded up. */
  maxFraction?: number;
  /** Fewest fraction digits shown (default 0). */
  minFraction?: number;
}

/**
 * Base units → "20,000", "1,234.56", "0.000001". Rounds toward zero, so a figure is never shown
 * larger than it is; a non-zero amount too small for `maxFraction` shows as "<0.01".
 */
export function formatUnits(value: string | bigint | number, decimals: number, opts: UnitsOptions = {}): string {
  const maxFraction = Math.min(opts.maxFraction ?? 2, decimals);
  const minFraction = Math.min(opts.minFraction ?? 0, maxFraction);
  const v = toBigInt(value);
  const negative = v < 0n;
  const abs = negative ? -v : v;
  const scale = 10n ** BigInt(decimals);
  const int = abs / scale;
  let frac = (abs % scale).toString().padStart(decimals, '0').slice(0, maxFraction);
  while (frac.length > minFraction && frac.endsWith('0')) frac = frac.slice(0, -1);
  if (abs !== 0n && int === 0n && /^0*$/.test(frac) && maxFraction < decimals) {
    const smallest = maxFraction === 0 ? '1' : `0.${'0'.repeat(maxFraction - 1)}1`;
    return `${negative ? '>-' : '<'}${smallest}`;
  }
  return `${negative ? '-' : ''}${group(int)}${frac ? `.${frac}` : ''}`;
}

/** A compact figure for chart axes: 1.2M, 350K, 42. */
export function formatCompact(value: string | bigint, decimals: number): string {
  const whole = toBigInt(value) / 10n ** BigInt(decimals);
  const units: [bigint, string][] = [
    [1_000_000_000n, 'B'],
    [1_000_000n, 'M'],
    [1_000n, 'K'],
  ];
  for (const [size, suffix] of units) {
    if (whole >= size) {
      const tenths = (whole * 10n) / size;
      const text = tenths % 10n === 0n || tenths >= 1000n ? `${tenths / 10n}` : `${tenths / 10n}.${tenths % 10n}`;
      return `${text}${suffix}`;
    }
  }
  return whole.toString();
}

/**
 * "20000", "20 000", "20,000", "1.5" → base units. Rejects what a wallet must not guess at:
 * empty, negative, exponent notation, more fraction digits than the mint has, above u64.
 */
export function parseUnits(input: string, decimals: number, field = 'amount'): bigint {
  const text = input.trim().replace(/[\s,_\u00a0\u202f]/g, '');
  if (text === '') throw new InputError('Enter an amount.', field);
  if (!/^[0-9]*\.?[0-9]*$/.test(text) || text === '.') {
    throw new InputError(`"${input.trim()}" is not an amount: use digits and at most one decimal point.`, field);
  }
  const [int = '', frac = ''] = text.split('.');
  if (frac.length > decimals) {
    throw new InputError(`At most ${decimals} decimal places (the token has ${decimals} decimals).`, field);
  }
  const base = BigInt(int || '0') * 10n ** BigInt(decimals) + BigInt((frac || '').padEnd(decimals, '0') || '0');
  if (base === 0n) throw new InputError('The amount must be greater than zero.', field);
  if (base > U64_MAX) throw new InputError('The amount is too large.', field);
  return base;
}

/** Basis points → "25%", "10.5%", "0.01%". */
export function formatBps(bps: number | bigint): string {
  const v = BigInt(bps);
  const int = v / 100n;
  const frac = (v % 100n).toString().padStart(2, '0').replace(/0+$/, '');
  return `${int}${frac ? `.${frac}` : ''}%`;
}

/** `part / whole` as a percentage with one decimal, "0%" when `whole` is zero. */
export function formatShare(part: string | bigint, whole: string | bigint): string {
  const p = toBigInt(part);
  const w = toBigInt(whole);
  if (w === 0n) return '0%';
  return formatBps((p * 10_000n) / w);
}

/** A multiplier in basis points of 1.0x → "2.00×". */
export function formatMultiplier(bps: number | bigint): string {
  const v = BigInt(bps);
  return `${v / 10_000n}.${((v % 10_000n) / 100n).toString().padStart(2, '0')}×`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Unix seconds → "1 May 2026, 14:05 UTC" (UTC: billing months and epochs are UTC). */
export function formatDate(unix: number, opts: { time?: boolean } = {}): string {
  const d = new Date(unix * 1000);
  if (Number.isNaN(d.getTime())) return '—';
  const date = `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
  if (opts.time === false) return date;
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${date}, ${hh}:${mm} UTC`;
}

/** Short axis label: "1 May" or "May 26" for dates far apart. */
export function formatDay(unix: number, withYear = false): string {
  const d = new Date(unix * 1000);
  return withYear
    ? `${MONTHS[d.getUTCMonth()]} ’${String(d.getUTCFullYear()).slice(2)}`
    : `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
}

const DAY = 86_400;

/** Seconds → "12 months", "1 week", "3 days", "5 h", "40 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 365 * DAY && s % (365 * DAY) === 0) return plural(s / (365 * DAY) === 1 ? 12 : (s / (365 * DAY)) * 12, 'month');
  if (s >= 28 * DAY) {
    const months = Math.round((s / (365 * DAY)) * 12 * 10) / 10;
    return plural(months, 'month');
  }
  if (s >= 7 * DAY && s % (7 * DAY) === 0) return plural(s / (7 * DAY), 'week');
  if (s >= DAY) return plural(Math.round((s / DAY) * 10) / 10, 'day');
  if (s >= 3600) return `${Math.round(s / 360) / 10} h`;
  if (s >= 60) return `${Math.round(s / 60)} min`;
  return `${s} s`;
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** "in 3 days", "2 h ago", "now". */
export function formatRelative(unix: number, now: number): string {
  const diff = unix - now;
  if (Math.abs(diff) < 60) return 'now';
  const text = formatDuration(Math.abs(diff));
  return diff > 0 ? `in ${text}` : `${text} ago`;
}

/** "7xKX…AsU" for an address. */
export function shortAddress(address: string, keep = 4): string {
  return address.length <= keep * 2 + 1 ? address : `${address.slice(0, keep)}…${address.slice(-keep)}`;
}

/** Lamports → "9.99 SOL". */
export function formatSol(lamports: bigint | number | string): string {
  return `${formatUnits(lamports, 9, { maxFraction: 4 })} SOL`;
}
