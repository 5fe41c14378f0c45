import { describe, expect, it } from 'vitest';

import { governanceFixtures } from './governance.fixtures';
import { claimIndexed, voteIndexed, walletFingerprint } from '../src/watch';
import { POOL, position, POSITION, walletView } from './fixtures';

describe('walletFingerprint', () => {
  it('changes with a new lock, ignores the schedule’s clock', () => {
    const before = walletView();
    const later = walletView({ schedule: [{ at: 5, vetmai: '0', guaranteed: '0' }] });
    expect(walletFingerprint(later)).toBe(walletFingerprint(before));
    const after = walletView({ ve: '40000000000', items: [position()] });
    expect(walletFingerprint(after)).not.toBe(walletFingerprint(before));
  });

  it('changes when a lock is extended or increased', () => {
    const a = walletView({ items: [position()] });
    expect(walletFingerprint(walletView({ items: [position({ end: 1_802_131_200 })] }))).not.toBe(walletFingerprint(a));
    expect(walletFingerprint(walletView({ items: [position({ amount: '25000000000' })] }))).not.toBe(walletFingerprint(a));
  });
});

describe('claimIndexed', () => {
  const before = walletView({ items: [position()] });
  it('waits while the pending amount keeps growing', () => {
    const growing = walletView({ items: [position({ pending_rewards: [{ pool: POOL, mint: 'USDC', amount: '1800' }] })] });
    expect(claimIndexed(before, growing, POSITION, POOL)).toBe(false);
  });
  it('is done once it dropped', () => {
    const claimed = walletView({ items: [position({ pending_rewards: [{ pool: POOL, mint: 'USDC', amount: '3' }] })] });
    expect(claimIndexed(before, claimed, POSITION, POOL)).toBe(true);
  });
  it('or when the position is gone', () => {
    expect(claimIndexed(before, walletView(), POSITION, POOL)).toBe(true);
  });
});

describe('voteIndexed', () => {
  const { votes } = governanceFixtures();
  it('needs the voter, the choice and a fresh record', () => {
    expect(voteIndexed(votes, 'carol', 'no', 1_770_000_000)).toBe(true);
    expect(voteIndexed(votes, 'carol', 'yes', 1_770_000_000)).toBe(false);
    expect(voteIndexed(votes, 'carol', 'no', 1_770_000_100)).toBe(false);
    expect(voteIndexed(votes, 'alice', 'yes', 0)).toBe(false);
  });
});
