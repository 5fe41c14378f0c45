// @vitest-environment happy-dom
// The commit form of an open sale round in the whole dashboard, against a fake API and RPC: a
// level 9 wallet commits 100 USDC through the action flow and the form waits until the round's
// allocations show it; a level 1 wallet before its window cannot; an estimated level leaves the
// decision to the API, whose 422 is shown with advice.
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { Allocation, Round, WalletView } from '../src/api';
import { governanceFixtures } from './governance.fixtures';
import { createLockIxs, LEVELS, position, solanaKeypair, USDC_MINT, walletView } from './fixtures';
import { fakeFetch, json, mountApp, typeInto, until } from './harness';
const U = 1_000_000n;

function holderView(owner: string, score: bigint, over: Partial<WalletView> = {}): WalletView {
  const now = Math.floor(Date.now() / 1000);
  const end = now + 300 * 86_400;
  return walletView({
    wallet: owner,
    ve: String(score),
    guaranteed_ve: String(score),
    items: [
      position({
        pubkey: 'Pos1111111111111111111111111111111111111111',
        amount: String(score / 2n),
        score: String(score),
        active_score: String(score),
        created_at: now,
        end,
        pending_rewards: [],
      }),
    ],
    schedule: [0, 1].map((i) => ({ at: now + i * 604_800, vetmai: String(score), guaranteed: String(score) })),
    ...over,
  });
}

interface Backend {
  view: WalletView;
  /** Answer of POST /v1/tx/commit: instructions, or an error body and status. */
  commit?: { status: number; body: unknown };
}

function fakeBackend(owner: string, b: Backend) {
  const now = Math.floor(Date.now() / 1000);
  const round: Round = { ...governanceFixtures().round, payment_mint: USDC_MINT, start: now - 60, end: now + 3 * 86_400 };
  let allocations: Allocation[] = [{ pubkey: 'c1', wallet: 'dave', committed: String(5_000n * U), allocation: String(5_000n * U), refund: '0', settled: false }];
  const commits: unknown[] = [];
  let pending: bigint | null = null;
  const fetchMock = fakeFetch(
    (path, init) => {
      switch (path) {
        case '/v1/stats':
          return json({ tvl: '0', total_ve: '0', open_positions: 0, stakers: 0, reward_pools: [] });
        case '/v1/pools':
          return json({ items: [] });
        case '/v1/proposals':
          return json({ items: [], next_offset: null });
        case '/v1/rounds': {
          const total = allocations.reduce((s, a) => s + BigInt(a.committed), 0n);
          return json({ items: [{ ...round, total_committed: String(total), committers: allocations.length }], next_offset: null });
        }
        case '/v1/rounds/0/allocations':
          return json({ items: allocations, next_offset: null });
        case '/v1/tiers':
          return json({ levels: LEVELS });
        case `/v1/wallets/${owner}`:
          return json(b.view);
        case '/v1/tx/commit': {
          const body = JSON.parse(String(init?.body)) as { amount: string };
          commits.push(body);
          if (b.commit) return json(b.commit.body, b.commit.status);
          pending = BigInt(body.amount);
          return json({ instructions: createLockIxs(owner) });
        }
        default:
          return undefined;
      }
    },
    {
      tokenAmount: () => '50000000000',
      onConfirm: () => {
        if (pending !== null) {
          // the indexer mirrors the commitment right after confirmation
          const mine = allocations.find((a) => a.wallet === owner);
          const committed = BigInt(mine?.committed ?? '0') + pending;
          allocations = [...allocations.filter((a) => a.wallet !== owner), { pubkey: 'c2', wallet: owner, committed: String(committed), allocation: String(committed), refund: '0', settled: false }];
          pending = null;
        }
      },
    },
  );
  return { fetchMock, commits };
}

async function mount(b: Backend) {
  const kp = solanaKeypair();
  const backend = fakeBackend(kp.pubkey, { ...b, view: { ...b.view, wallet: kp.pubkey } });
  const { q, done } = mountApp(kp, backend.fetchMock);
  await until(() => q('round-0'), 'the round');
  q('dev-wallet-alice')!.click();
  await until(() => q('commit-form-0'), 'the commit form');
  const type = (v: string) => typeInto(q('commit-amount-0') as HTMLInputElement, v);
  return { q, type, backend, owner: kp.pubkey, done };
}

afterEach(() => vi.unstubAllGlobals());

describe('committing to a sale round', () => {
  it('level 9: commits 100 USDC and waits for the allocation', async () => {
    const { q, type, backend, owner, done } = await mount({ view: holderView('', 6_000_000n * U) });
    await until(() => q('commit-hint-0')?.textContent?.includes('12,000 USDC left under your level 9 cap'), 'the room under the cap');
    await until(() => q('commit-hint-0')?.textContent?.includes('you hold 50,000 USDC'), 'the USDC balance');
    await type('12000.5');
    q('commit-submit-0')!.click();
    await until(() => q('commit-error-0'), 'the cap error');
    expect(q('commit-error-0')!.textContent).toContain('Level 9 may commit up to 12,000 USDC');
    expect(backend.commits).toHaveLength(0);

    await type('100');
    q('commit-submit-0')!.click();
    await until(() => q('tx-status')?.getAttribute('data-state') === 'indexed', 'the commit to be indexed');
    expect(backend.commits).toEqual([{ owner, round: governanceFixtures().round.pubkey, amount: '100000000' }]);
    expect(q('round-mine-committed-0')!.textContent).toContain('You committed 100 USDC');
    await until(() => q('commit-hint-0')?.textContent?.includes('11,900 USDC left'), 'the room to shrink');
    done();
  });

  it('level 1 before its window: the form says when it opens and sends nothing', async () => {
    const { q, backend, done } = await mount({ view: holderView('', 40_000n * U) });
    await until(() => q('commit-hint-0')?.textContent?.startsWith('The window for level 1 opens'), 'the window notice');
    expect((q('commit-submit-0') as HTMLButtonElement).disabled).toBe(true);
    expect(backend.commits).toHaveLength(0);
    done();
  });

  it('an estimated level leaves it to the API: its 422 is shown with advice', async () => {
    const { q, type, done } = await mount({
      view: holderView('', 40_000n * U, { next_offset: 100 }),
      commit: { status: 422, body: { code: 'rejected', message: 'the window for level 1 opens at 1770064800' } },
    });
    await until(() => q('commit-hint-0')?.textContent?.includes('About 1,000 USDC left'), 'the estimate');
    await type('10');
    q('commit-submit-0')!.click();
    await until(() => q('tx-status')?.getAttribute('data-state') === 'error', 'the refusal');
    expect(q('tx-error')!.getAttribute('data-code')).toBe('rejected');
    expect(q('tx-error')!.textContent).toContain('the window for level 1 opens at 1770064800');
    expect(q('error-hint')!.textContent).toContain("guaranteed through the round's end");
    done();
  });
});
