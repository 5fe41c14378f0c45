// Committing to a sale round: the wallet's level for the round (veTMAI guaranteed through the
// round's end, as the program decides), its window and the room left under its cap, and the
// checks of the commit form. Pure; the API (422) and the program stay the authority.
import type { Allocation, LevelInfo, Round, WalletView } from './api';
import { formatDate, formatUnits, InputError, parseUnits } from './format';
import { roundWindow, type RoundWindow } from './governance';
import { guaranteedThrough } from './preview';
import { levelOf } from './tiers';

export interface RoundStanding {
  /** Level from the veTMAI guaranteed through the round's end. */
  level: number;
  guaranteed: bigint;
  /** False when read off the weekly schedule (the wallet has more positions than one page). */
  exact: boolean;
  window: RoundWindow;
  /** Already committed by this wallet, payment base units. */
  committed: bigint;
  /** What the cap still allows, payment base units (never negative). */
  room: bigint;
}

export function roundStanding(r: Round, view: WalletView, levels: LevelInfo[], allocations: Allocation[], now: number): RoundStanding {
  const g = guaranteedThrough(view, r.end, now);
  const level = levelOf(g.ve, levels);
  const window = roundWindow(r, level, now);
  const committed = BigInt(allocations.find((a) => a.wallet === view.wallet)?.committed ?? '0');
  const room = window.cap > committed ? window.cap - committed : 0n;
  return { level, guaranteed: g.ve, exact: g.exact && levels.length > 0, window, committed, room };
}

/**
 * Why the wallet cannot commit now, or null. Only said when the figures are exact: with an
 * estimated level the API decides (and answers 422 with its reason).
 */
export function commitBlocked(r: Round, s: RoundStanding, now: number, symbol: string, decimals: number): string | null {
  if (now < r.start) return `The round opens ${formatDate(r.start)}.`;
  if (now >= r.end) return 'The round has ended.';
  if (!s.exact) return null;
  if (s.window.state === 'never') {
    return `No allocation at level ${s.level}: lock TMAI through ${formatDate(r.end)} to reach a level with a window.`;
  }
  if (s.window.state === 'not yet') return `The window for level ${s.level} opens ${formatDate(s.window.opensAt!)}.`;
  if (s.room === 0n) return `This wallet has committed its level ${s.level} cap of ${formatUnits(s.window.cap, decimals)} ${symbol}.`;
  return null;
}

/**
 * The commit form's amount, in human units of the payment mint → base units, exactly. Throws an
 * `InputError` for a malformed amount, more than the wallet holds or (exact figures only) more
 * than the room under the level's cap.
 */
export function parseCommit(
  input: string,
  m: { symbol: string; decimals: number },
  s: RoundStanding,
  balance: bigint | null,
): bigint {
  const base = parseUnits(input, m.decimals, 'amount');
  const full = (v: bigint) => `${formatUnits(v, m.decimals, { maxFraction: m.decimals })} ${m.symbol}`;
  if (balance !== null && base > balance) throw new InputError(`You have ${full(balance)} in this wallet.`, 'amount');
  if (s.exact && base > s.room) {
    throw new InputError(
      `Level ${s.level} may commit up to ${full(s.window.cap)} in this round${s.committed > 0n ? `; ${full(s.committed)} already committed, so at most ${full(s.room)} more` : ''}.`,
      'amount',
    );
  }
  return base;
}
