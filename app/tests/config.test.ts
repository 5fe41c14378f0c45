import { describe, expect, it, vi } from 'vitest';

import { ConfigError, loadConfig, parseConfig, walletChain } from '../src/config';
import { PROGRAM_ID, sandboxJson, TMAI_MINT, USDC_MINT } from './fixtures';

describe('parseConfig (sandbox.json)', () => {
  it('reads what vetmai-sandbox serves', () => {
    const json = sandboxJson();
    const c = parseConfig(json);
    expect(c.cluster).toBe('sandbox');
    expect(c.rpcUrl).toBe('http://127.0.0.1:8899');
    expect(c.wsUrl).toBe('ws://127.0.0.1:8900');
    expect(c.apiUrl).toBe('http://127.0.0.1:8080');
    expect(c.programId).toBe(PROGRAM_ID);
    expect(c.tmaiDecimals).toBe(6);
    expect(c.mints[TMAI_MINT]).toEqual({ symbol: 'TMAI', decimals: 6 });
    expect(c.mints[USDC_MINT]).toEqual({ symbol: 'USDC', decimals: 6 });
    expect(c.devWallets).toHaveLength(1);
    const w = c.devWallets[0]!;
    expect(w.name).toBe('alice');
    expect(w.pubkey).toBe(json.dev_wallets[0]!.pubkey);
    expect(w.secretKey).toBeInstanceOf(Uint8Array);
    expect([...w.secretKey]).toEqual(json.dev_wallets[0]!.secret_key);
    expect(w.keypairPath).toBe('/tmp/s/keys/w0.json');
  });

  it('strips trailing slashes from URLs', () => {
    const c = parseConfig({ ...sandboxJson(), api_url: 'http://h:1/' });
    expect(c.apiUrl).toBe('http://h:1');
  });

  it('works without dev wallets or USDC (a deployment config.json)', () => {
    const { dev_wallets: _w, usdc_mint: _u, ...rest } = sandboxJson();
    const c = parseConfig(rest, 'config.json');
    expect(c.devWallets).toEqual([]);
    expect(Object.keys(c.mints)).toEqual([TMAI_MINT]);
  });

  it.each([
    [null, /must be a JSON object/],
    [{ ...sandboxJson(), rpc_url: 42 }, /`rpc_url` must be a non-empty string/],
    [{ ...sandboxJson(), api_url: 'ftp://x' }, /`api_url` is not an http/],
    [{ ...sandboxJson(), program_id: 'not-an-address!' }, /`program_id` is not a base58 address/],
    [{ ...sandboxJson(), tmai_decimals: 40 }, /`tmai_decimals` must be an integer/],
    [{ ...sandboxJson(), dev_wallets: {} }, /`dev_wallets` must be an array/],
  ])('names the bad field %#', (json, msg) => {
    expect(() => parseConfig(json)).toThrow(ConfigError);
    expect(() => parseConfig(json)).toThrow(msg);
  });

  it('refuses a secret key that is not 64 bytes', () => {
    const json = sandboxJson();
    json.dev_wallets[0]!.secret_key = json.dev_wallets[0]!.secret_key.slice(0, 32);
    expect(() => parseConfig(json)).toThrow(/dev_wallets\[0\] \(alice\): `secret_key` must be 64 bytes/);
    json.dev_wallets[0]!.secret_key = [...Array(63).fill(1), 256];
    expect(() => parseConfig(json)).toThrow(/64 bytes/);
  });

  it('maps clusters to Wallet Standard chains', () => {
    expect(walletChain('sandbox')).toBe('solana:localnet');
    expect(walletChain('mainnet-beta')).toBe('solana:mainnet');
    expect(walletChain('devnet')).toBe('solana:devnet');
  });
});

function res(status: number, body: string, type = 'application/json'): Response {
  return new Response(body, { status, headers: { 'content-type': type } });
}

describe('loadConfig', () => {
  it('prefers sandbox.json', async () => {
    const f = vi.fn(async (_u: string | URL | Request) => res(200, JSON.stringify(sandboxJson())));
    const c = await loadConfig(f as unknown as typeof fetch, 'http://app/');
    expect(c.cluster).toBe('sandbox');
    expect(f).toHaveBeenCalledTimes(1);
    expect(String(f.mock.calls[0]![0])).toBe('http://app/sandbox.json');
  });

  it('falls back to config.json, skipping an HTML fallback page', async () => {
    const { dev_wallets: _d, ...cfg } = sandboxJson();
    const f = vi.fn(async (u: string | URL | Request) =>
      String(u).endsWith('sandbox.json') ? res(200, '<!doctype html>', 'text/html') : res(200, JSON.stringify({ ...cfg, cluster: 'devnet' })),
    );
    const c = await loadConfig(f as unknown as typeof fetch, '/');
    expect(c.cluster).toBe('devnet');
    expect(f).toHaveBeenCalledTimes(2);
  });

  it('says what it tried when nothing is there', async () => {
    const f = vi.fn(async () => res(404, 'not found', 'text/plain'));
    await expect(loadConfig(f as unknown as typeof fetch, '/')).rejects.toThrow(/sandbox.json: 404; config.json: 404/);
  });

  it('reports invalid JSON', async () => {
    const f = vi.fn(async () => res(200, '{oops'));
    await expect(loadConfig(f as unknown as typeof fetch, '/')).rejects.toThrow(/sandbox.json is not valid JSON/);
  });
});
