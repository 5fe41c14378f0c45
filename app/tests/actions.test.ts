import { describe, expect, it, vi } from 'vitest';

import { runAction, type Progress } from '../src/actions';
import { ApiClient, ApiError } from '../src/api';
import { TxFailedError, TxTimeoutError } from '../src/errors';
import { RpcClient, RpcError } from '../src/rpc';
import { connectDevWallet } from '../src/wallet/dev';
import { BLOCKHASH, createLockIxs, PROGRAM_ID, solanaKeypair } from './fixtures';

interface RpcScript {
  statuses?: ({ confirmationStatus: string | null; err: unknown } | null)[];
  sendError?: { code: number; message: string; data?: unknown };
  blockHeight?: number;
}

/** A fake API + RPC behind one fetch, recording every request. */
function backend(owner: string, rpc: RpcScript = {}) {
  const calls: { url: string; body: unknown }[] = [];
  let status = 0;
  const fetchFn = vi.fn(async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    const body: unknown = init?.body ? JSON.parse(String(init.body)) : undefined;
    calls.push({ url, body });
    const json = (v: unknown, s = 200) => new Response(JSON.stringify(v), { status: s, headers: { 'content-type': 'application/json' } });
    if (url.startsWith('http://api')) {
      if (url.endsWith('/v1/tx/create_lock')) return json({ instructions: createLockIxs(owner) });
      return json({ code: 'rejected', message: 'position X belongs to Y, not Z' }, 422);
    }
    const { method, id } = body as { method: string; id: number };
    const result = (r: unknown) => json({ jsonrpc: '2.0', id, result: r });
    switch (method) {
      case 'getLatestBlockhash':
        return result({ context: { slot: 1 }, value: { blockhash: BLOCKHASH, lastValidBlockHeight: 150 } });
      case 'sendTransaction':
        if (rpc.sendError) return json({ jsonrpc: '2.0', id, error: rpc.sendError });
        return result('sig');
      case 'getSignatureStatuses': {
        const list = rpc.statuses ?? [{ confirmationStatus: 'confirmed', err: null }];
        const s = list[Math.min(status++, list.length - 1)];
        return result({ context: { slot: 2 }, value: [s ? { slot: 2, confirmations: 1, ...s } : null] });
      }
      case 'getBlockHeight':
        return result(rpc.blockHeight ?? 10);
      default:
        return json({ jsonrpc: '2.0', id, error: { code: -32601, message: `Method not found: ${method}` } });
    }
  });
  const f = fetchFn as unknown as typeof fetch;
  return { api: new ApiClient('http://api', f), rpc: new RpcClient('http://rpc', f), calls };
}

async function alice() {
  const kp = solanaKeypair();
  return connectDevWallet({ name: 'alice', pubkey: kp.pubkey, secretKey: Uint8Array.from(kp.secretKey), note: '' });
}

const body = (owner: string) => ({ owner, amount: '20000000000', duration: 31_536_000, kind: 'fixed' as const });

describe('runAction', () => {
  it('builds with the API, signs, sends, confirms, then waits for the index', async () => {
    const wallet = await alice();
    const b = backend(wallet.address, {
      statuses: [null, { confirmationStatus: 'processed', err: null }, { confirmationStatus: 'confirmed', err: null }],
    });
    const steps: Progress[] = [];
    let polls = 0;
    const out = await runAction({
      ...b,
      wallet,
      action: 'create_lock',
      body: body(wallet.address),
      indexed: async () => ++polls >= 3,
      onProgress: (p) => steps.push(p),
      sleep: async () => {},
    });
    expect(steps.map((s) => s.step)).toEqual(['building', 'signing', 'sending', 'confirming', 'indexing', 'done']);
    expect(out).toMatchObject({ step: 'done', indexed: true });
    expect(out.signature).toMatch(/^[1-9A-HJ-NP-Za-km-z]{64,88}$/);
    expect(polls).toBe(3);
    // The API got exactly the form's body; the RPC got a base64 transaction with preflight.
    expect(b.calls[0]).toEqual({ url: 'http://api/v1/tx/create_lock', body: body(wallet.address) });
    const send = b.calls.find((c) => (c.body as { method?: string })?.method === 'sendTransaction')!;
    const [wire, opts] = (send.body as { params: [string, { encoding: string; preflightCommitment: string }] }).params;
    expect(opts).toMatchObject({ encoding: 'base64', preflightCommitment: 'confirmed' });
    expect(Buffer.from(wire, 'base64')[0]).toBe(1);
  });

  it('reports a confirmed transaction the index has not shown in time', async () => {
    const wallet = await alice();
    let t = 0;
    const out = await runAction({
      ...backend(wallet.address),
      wallet,
      action: 'create_lock',
      body: body(wallet.address),
      indexed: async () => false,
      sleep: async () => {
        t += 1000;
      },
      now: () => t,
      indexTimeoutMs: 5000,
    });
    expect(out).toMatchObject({ step: 'done', indexed: false });
  });

  it('keeps polling through index errors (503 while catching up)', async () => {
    const wallet = await alice();
    let n = 0;
    const out = await runAction({
      ...backend(wallet.address),
      wallet,
      action: 'create_lock',
      body: body(wallet.address),
      indexed: async () => {
        if (++n < 3) throw new ApiError(503, 'not_ready', 'not ready', 'GET /v1/wallets/x');
        return true;
      },
      sleep: async () => {},
    });
    expect(out.indexed).toBe(true);
  });

  it('passes the API error through untouched', async () => {
    const wallet = await alice();
    const err = await runAction({ ...backend(wallet.address), wallet, action: 'withdraw', body: { owner: wallet.address, position: wallet.address } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 422, code: 'rejected', message: 'position X belongs to Y, not Z' });
  });

  it('surfaces a failed preflight with its logs and the instructions’ program ids', async () => {
    const wallet = await alice();
    const logs = ['Program log: AnchorError occurred. Error Code: DurationTooShort. Error Number: 6009. Error Message: Lock duration is shorter than min_lock.'];
    const b = backend(wallet.address, {
      sendError: {
        code: -32002,
        message: 'Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1779',
        data: { err: { InstructionError: [0, { Custom: 6009 }] }, logs },
      },
    });
    const err = await runAction({ ...b, wallet, action: 'create_lock', body: body(wallet.address) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    const r = err as RpcError;
    expect(r.code).toBe(-32002);
    expect(r.logs).toEqual(logs);
    expect(r.txError).toEqual({ InstructionError: [0, { Custom: 6009 }] });
    expect(r.programIds).toEqual([PROGRAM_ID]);
  });

  it('fails when the chain reports an error for the signature', async () => {
    const wallet = await alice();
    const b = backend(wallet.address, { statuses: [{ confirmationStatus: 'confirmed', err: { InstructionError: [0, { Custom: 6042 }] } }] });
    const err = await runAction({ ...b, wallet, action: 'create_lock', body: body(wallet.address), sleep: async () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TxFailedError);
    expect((err as TxFailedError).programIds).toEqual([PROGRAM_ID]);
  });

  it('stops when the blockhash expired without confirmation', async () => {
    const wallet = await alice();
    const b = backend(wallet.address, { statuses: [null], blockHeight: 151 });
    const err = await runAction({ ...b, wallet, action: 'create_lock', body: body(wallet.address), sleep: async () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TxTimeoutError);
    expect((err as Error).message).toMatch(/blockhash expired/);
  });

  it('times out on a transaction that never confirms', async () => {
    const wallet = await alice();
    let t = 0;
    const b = backend(wallet.address, { statuses: [null], blockHeight: 1 });
    const err = await runAction({
      ...b,
      wallet,
      action: 'create_lock',
      body: body(wallet.address),
      sleep: async () => {
        t += 1000;
      },
      now: () => t,
      confirmTimeoutMs: 3000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TxTimeoutError);
    expect((err as Error).message).toMatch(/Not confirmed after 3 s/);
  });
});
