import { describe, expect, it } from 'vitest';

import type { Allocation, Position } from '../src/api';
import { InputError } from '../src/format';
import { commitBlocked, parseCommit, roundStanding } from '../src/sale';
import { commitIndexed, committedBy } from '../src/watch';
import { governanceFixtures } from './governance.fixtures';
import { LEVELS, walletView } from './fixtures';

const USDC = { symbol: 'USDC', decimals: 6 };
const U = 1_000_000n;
const TMAI = 1_000_000n;
const { round } = governanceFixtures(); // start 1 770 000 000, 3 days, published windows and caps

function holder(wallet: string, score: bigint, end: number | null, kind: 'fixed' | 'constant' = 'fixed', duration = 31_536_000) {
  const p: Position = {
    pubkey: `${wallet}-0`,
    index: 0,
    kind,
    amount: String(score / 2n),
    score: String(score),
    active_score: String(score),
    duration,
    created_at: round.start,
    end,
    auto_compound: false,
    pending_rewards: [],
  };
  return walletView({ wallet, ve: String(score), items: [p] });
}

const alloc = (wallet: string, committed: bigint): Allocation => ({
  pubkey: `c-${wallet}`,
  wallet,
  committed: String(committed),
  allocation: String(committed),
  refund: '0',
  settled: false,
});

describe('a wallet in a sale round', () => {
  const alice = holder('alice', 40_000n * TMAI, round.end + 86_400 * 300); // level 1 through the end
  const dave = holder('dave', 6_000_000n * TMAI, round.end + 86_400 * 300); // level 9
  const early = round.start + 60;

  it('level 1: the window opens 18 h after the start, then 1 000 USDC', () => {
    const s = roundStanding(round, alice, LEVELS, [], early);
    expect(s).toMatchObject({ level: 1, exact: true, committed: 0n, room: 1_000n * U, window: { state: 'not yet', opensAt: round.start + 64_800 } });
    expect(commitBlocked(round, s, early, 'USDC', 6)).toMatch(/^The window for level 1 opens /);
    const later = round.start + 64_800;
    const open = roundStanding(round, alice, LEVELS, [], later);
    expect(commitBlocked(round, open, later, 'USDC', 6)).toBeNull();
    expect(parseCommit('1 000', USDC, open, 50_000n * U)).toBe(1_000n * U);
    expect(() => parseCommit('1000.000001', USDC, open, 50_000n * U)).toThrow('Level 1 may commit up to 1,000 USDC in this round.');
  });

  it('level 9 after committing 5 000: 7 000 USDC of room left', () => {
    const s = roundStanding(round, dave, LEVELS, [alloc('dave', 5_000n * U), alloc('carol', 1n)], early);
    expect(s).toMatchObject({ level: 9, committed: 5_000n * U, room: 7_000n * U, window: { state: 'open' } });
    expect(commitBlocked(round, s, early, 'USDC', 6)).toBeNull();
    expect(parseCommit('100', USDC, s, 45_000n * U)).toBe(100n * U);
    expect(parseCommit('0.000001', USDC, s, null)).toBe(1n);
    expect(parseCommit('7000', USDC, s, null)).toBe(7_000n * U);
    expect(() => parseCommit('7000.000001', USDC, s, null)).toThrow(/already committed, so at most 7,000 USDC more/);
    expect(() => parseCommit('100', USDC, s, 99n * U)).toThrow('You have 99 USDC in this wallet.');
    expect(() => parseCommit('1.0000001', USDC, s, null)).toThrow(InputError);
    expect(() => parseCommit('1e3', USDC, s, null)).toThrow(InputError);
    const full = roundStanding(round, dave, LEVELS, [alloc('dave', 12_000n * U)], early);
    expect(full.room).toBe(0n);
    expect(commitBlocked(round, full, early, 'USDC', 6)).toBe('This wallet has committed its level 9 cap of 12,000 USDC.');
  });

  it('a lock that ends before the round does not count (level 0: never)', () => {
    const short = holder('bob', 6_000_000n * TMAI, round.end - 1);
    const s = roundStanding(round, short, LEVELS, [], early);
    expect(s).toMatchObject({ level: 0, window: { state: 'never' }, room: 0n });
    expect(commitBlocked(round, s, early, 'USDC', 6)).toBe('No allocation at level 0: lock TMAI through 5 Feb 2026, 02:40 UTC to reach a level with a window.');
    const constant = holder('carol', 250_000n * TMAI, null, 'constant', 31_536_000);
    expect(roundStanding(round, constant, LEVELS, [], early).level).toBe(3);
  });

  it('with an estimated level the API decides; ended and upcoming rounds are closed', () => {
    const paged = { ...holder('erin', 0n, null), next_offset: 100 };
    const s = roundStanding(round, paged, LEVELS, [], early);
    expect(s.exact).toBe(false);
    expect(commitBlocked(round, s, early, 'USDC', 6)).toBeNull();
    expect(parseCommit('50000', USDC, s, null)).toBe(50_000n * U); // no cap check on an estimate
    expect(commitBlocked(round, s, round.end, 'USDC', 6)).toBe('The round has ended.');
    expect(commitBlocked(round, s, round.start - 1, 'USDC', 6)).toMatch(/^The round opens /);
    expect(roundStanding(round, alice, [], [], early).exact).toBe(false); // tiers not loaded yet
  });
});

describe('a commit is indexed', () => {
  it('once the wallet’s commitment grew by the amount', () => {
    expect(committedBy([alloc('dave', 5n)], 'alice')).toBe(0n);
    expect(commitIndexed([], [alloc('alice', 100n)], 'alice', 100n)).toBe(true);
    expect(commitIndexed([], [alloc('alice', 100n)], 'alice', 101n)).toBe(false);
    expect(commitIndexed([alloc('dave', 5_000n)], [alloc('dave', 5_100n)], 'dave', 100n)).toBe(true);
    expect(commitIndexed([alloc('dave', 5_000n)], [alloc('dave', 5_000n)], 'dave', 100n)).toBe(false);
    expect(commitIndexed([alloc('dave', 5_000n)], [alloc('carol', 5_100n), alloc('dave', 5_000n)], 'dave', 100n)).toBe(false);
  });
});
