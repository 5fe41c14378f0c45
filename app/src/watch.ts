// How the dashboard knows the indexer has caught up with a confirmed transaction: the API's answer
// differs from the one read before it in the way the action changes it.
import type { Allocation, Vote, WalletView } from './api';

/** What lock actions change: positions (amount, score, kind, end, duration) and veTMAI. */
export function walletFingerprint(w: WalletView): string {
  const positions = w.items.map((p) => [p.pubkey, p.amount, p.score, p.kind, p.end, p.duration].join(':'));
  return [w.ve, w.guaranteed_ve, ...positions].join('|');
}

function pending(w: WalletView, position: string, pool: string): bigint | null {
  const p = w.items.find((x) => x.pubkey === position);
  if (!p) return null;
  const r = p.pending_rewards.find((x) => x.pool === pool);
  return r?.amount ? BigInt(r.amount) : 0n;
}

/**
 * A claim resets the position's pending amount in that pool: it is indexed once the pending amount
 * fell below what it was before (or the position is gone).
 */
export function claimIndexed(before: WalletView, after: WalletView, position: string, pool: string): boolean {
  const b = pending(before, position, pool);
  const a = pending(after, position, pool);
  if (a === null) return true;
  if (b === null) return false;
  return a < b || (b === 0n && walletFingerprint(before) !== walletFingerprint(after));
}

/** The voter's vote record shows the choice, written at or after `since` (unix seconds). */
export function voteIndexed(votes: Vote[], voter: string, choice: string, since: number): boolean {
  return votes.some((v) => v.voter === voter && v.choice === choice && v.updated_at >= since);
}

/** The wallet's commitment in the round's allocations, base units (0 without one). */
export function committedBy(allocations: Allocation[], wallet: string): bigint {
  return BigInt(allocations.find((a) => a.wallet === wallet)?.committed ?? '0');
}

/** A commit is indexed once the wallet's commitment grew by at least `amount` since `before`. */
export function commitIndexed(before: Allocation[], after: Allocation[], wallet: string, amount: bigint): boolean {
  return committedBy(after, wallet) >= committedBy(before, wallet) + amount;
}
