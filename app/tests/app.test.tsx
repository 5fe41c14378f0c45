// @vitest-environment happy-dom
// The whole dashboard against a fake API and RPC: connect the dev wallet, see Free, lock, see the
// transaction go through every step and the figures change once the (fake) index has the lock.
import { afterEach, describe, expect, it, vi } from 'vitest';

import { governanceFixtures } from './governance.fixtures';
import { createLockIxs, LEVELS, POOL, position, solanaKeypair, USDC_MINT, walletView } from './fixtures';
import { fakeFetch, json, mountApp, typeInto, until } from './harness';

function fakeBackend(owner: string) {
  let locked = false;
  let sent = 0;
  const { proposal, votes, round } = governanceFixtures();
  const fetchMock = fakeFetch(
    (path, init) => {
      switch (path) {
        case '/v1/stats':
          return json({
            tvl: '3275000000000',
            total_ve: '6530000000000',
            open_positions: 4,
            stakers: 3,
            reward_pools: [],
            lock_params: {
              tmai_decimals: 6,
              min_lock: 604_800,
              max_lock: 31_536_000,
              max_multiplier_bps: 20_000,
              level_thresholds: LEVELS.filter((l) => l.level > 0).map((l) => l.min_ve),
            },
          });
        case '/v1/pools':
          return json({
            items: [
              {
                pubkey: POOL,
                index: 0,
                mint: USDC_MINT,
                token_program: 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA',
                total_deposited: '100000000000',
                total_claimed: '0',
                streaming: { remaining: '90000000000', until: 1_770_604_800, last_update: 1_770_000_000 },
                points: [
                  { at: 1_770_000_000, distributed: '10000000000' },
                  { at: 1_770_604_800, distributed: '100000000000' },
                ],
              },
            ],
          });
        case '/v1/proposals':
          return json({ items: [{ ...proposal, voting_ends_at: Math.floor(Date.now() / 1000) + 86_400 }], next_offset: null });
        case '/v1/proposals/0/votes':
          return json({ items: votes, next_offset: null });
        case '/v1/rounds':
          return json({ items: [round], next_offset: null });
        case '/v1/rounds/0/allocations':
          return json({ items: [], next_offset: null });
        case '/v1/tiers':
          return json({ levels: LEVELS });
        case `/v1/wallets/${owner}`: {
          const now = Math.floor(Date.now() / 1000);
          return json(
            locked
              ? walletView({
                  wallet: owner,
                  ve: '40000000000',
                  level: 1,
                  tier: 'Advanced',
                  guaranteed_ve: '40000000000',
                  guaranteed_level: 1,
                  guaranteed_tier: 'Advanced',
                  items: [position({ created_at: now, end: now + 31_536_000, pending_rewards: [{ pool: POOL, mint: USDC_MINT, amount: '0' }] })],
                  schedule: [0, 1, 2].map((i) => ({ at: now + i * 604_800, vetmai: '40000000000', guaranteed: '40000000000' })),
                })
              : walletView({ wallet: owner, schedule: [{ at: now, vetmai: '0', guaranteed: '0' }] }),
          );
        }
        case '/v1/tx/create_lock':
          expect(JSON.parse(String(init?.body))).toEqual({ owner, amount: '20000000000', duration: 31_536_000, kind: 'fixed' });
          return json({ instructions: createLockIxs(owner) });
        default:
          return undefined;
      }
    },
    {
      tokenAmount: () => (locked ? '30000000000' : '50000000000'),
      onSend: () => sent++,
      onConfirm: () => (locked = true), // the indexer "catches up" right after confirmation
    },
  );
  return { fetchMock, sent: () => sent };
}

afterEach(() => vi.unstubAllGlobals());

describe('<App> against a fake API and RPC', () => {
  it('connects alice, shows Free, locks 20 000 TMAI for 12 months and shows Advanced', async () => {
    const kp = solanaKeypair();
    const backend = fakeBackend(kp.pubkey);
    const { q, done } = mountApp(kp, backend.fetchMock);

    await until(() => q('proposal-0'), 'the proposals');
    expect(q('proposal-title')!.textContent).toBe('Raise the VIP API quota to 300 000 calls');
    expect(q('round-0')).not.toBeNull();
    expect(q('stream-chart-0')!.querySelector('svg path')).not.toBeNull();

    q('dev-wallet-alice')!.click();
    await until(() => q('tier-current'), 'the wallet summary');
    expect(q('tier-current')!.textContent).toBe('Free');
    expect(q('ve-current')!.textContent).toBe('0');
    expect(q('positions-empty')).not.toBeNull();
    await until(() => q('wallet-balances')?.textContent?.includes('50,000 TMAI'), 'the balances');

    await typeInto(q('lock-amount') as HTMLInputElement, '20 000');
    expect((q('lock-duration') as HTMLSelectElement).value).toBe('31536000');
    // The preview: exactly 2.0x for 12 months, level 1 (Advanced) now and through the month.
    await until(() => q('lock-preview-ve'), 'the lock preview');
    expect(q('lock-preview-ve')!.textContent).toBe('40,000');
    expect(q('lock-preview-multiplier')!.textContent).toBe('2.00×');
    expect(q('lock-preview-level-now')!.dataset.level).toBe('1');
    expect(q('lock-preview-level-now')!.textContent).toContain('Advanced');
    expect(q('lock-preview-level-guaranteed')!.dataset.level).toBe('1');
    expect(q('lock-preview-short')).toBeNull();
    // A week instead: ×1.0191, 20 382 veTMAI, still level 0, and not through the month.
    const duration = q('lock-duration') as HTMLSelectElement;
    duration.value = '604800';
    duration.dispatchEvent(new Event('change', { bubbles: true }));
    await until(() => q('lock-preview-ve')?.textContent === '20,382', 'the 7-day preview');
    expect(q('lock-preview-multiplier')!.textContent).toBe('1.01×');
    expect(q('lock-preview-level-now')!.dataset.level).toBe('0');
    duration.value = '31536000';
    duration.dispatchEvent(new Event('change', { bubbles: true }));
    await until(() => q('lock-preview-ve')?.textContent === '40,000', 'the 12-month preview again');
    q('lock-submit')!.click();
    await until(() => q('tx-status')?.getAttribute('data-state') === 'indexed', 'the transaction to be indexed');
    expect(backend.sent()).toBe(1);
    await until(() => q('tier-current')?.textContent === 'Advanced', 'the Advanced tier');
    expect(q('ve-current')!.textContent).toBe('40,000');
    expect(q('tier-guaranteed')!.textContent).toBe('Advanced');
    expect(q('position-0')).not.toBeNull();
    expect(q('schedule-chart')!.querySelectorAll('path').length).toBeGreaterThan(1);
    done();
  });

  it('shows a form error without calling the API', async () => {
    const kp = solanaKeypair();
    const backend = fakeBackend(kp.pubkey);
    const { q, done } = mountApp(kp, backend.fetchMock);
    q('dev-wallet-alice')!.click();
    await until(() => q('wallet-balances'), 'the wallet');
    await typeInto(q('lock-amount') as HTMLInputElement, '60000');
    await until(() => q('lock-preview-error'), 'the live form warning');
    expect(q('lock-preview-error')!.textContent).toBe('You have 50,000 TMAI in this wallet.');
    q('lock-submit')!.click();
    await until(() => q('lock-error'), 'the form error');
    expect(q('lock-error')!.textContent).toContain('You have 50,000 TMAI in this wallet.');
    expect(backend.fetchMock.mock.calls.some(([u]) => String(u).includes('/v1/tx/'))).toBe(false);
    done();
  });
});
