// The whole dashboard against a fake API and RPC: the fetch stub both sides answer through, and
// mounting <App> with the dev wallets of a sandbox.json.
import { render } from 'preact';
import { vi } from 'vitest';

import { parseConfig } from '../src/config';
import { App } from '../src/ui/App';
import { BLOCKHASH, sandboxJson, solanaKeypair } from './fixtures';

const API_URL = 'http://127.0.0.1:8080';

export const json = (v: unknown, status = 200) => new Response(JSON.stringify(v), { status, headers: { 'content-type': 'application/json' } });

/** The fake chain behind the RPC URL. */
export interface FakeChain {
  /** The wallet's TMAI token account balance, base units, as it is now. */
  tokenAmount: () => string;
  /** A transaction was sent. */
  onSend?: () => void;
  /** Its status is asked (and answered confirmed): where the fake indexer catches up. */
  onConfirm?: () => void;
}

/**
 * A fetch stub: API paths (without the query) go to `api`, whose undefined is a 404 not_found;
 * everything else is a JSON-RPC call answered from `chain`.
 */
export function fakeFetch(api: (path: string, init?: RequestInit) => Response | undefined, chain: FakeChain) {
  return vi.fn(async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    if (url.startsWith(API_URL)) {
      const path = url.slice(API_URL.length).split('?')[0]!;
      return api(path, init) ?? json({ code: 'not_found', message: `no route ${path}` }, 404);
    }
    const { method, id } = JSON.parse(String(init?.body)) as { method: string; id: number };
    const result = (r: unknown) => json({ jsonrpc: '2.0', id, result: r });
    switch (method) {
      case 'getBalance':
        return result({ context: { slot: 1 }, value: 10_000_000_000 });
      case 'getTokenAccountsByOwner':
        return result({ context: { slot: 1 }, value: [{ account: { data: { parsed: { info: { tokenAmount: { amount: chain.tokenAmount() } } } } } }] });
      case 'getLatestBlockhash':
        return result({ context: { slot: 1 }, value: { blockhash: BLOCKHASH, lastValidBlockHeight: 500 } });
      case 'sendTransaction':
        chain.onSend?.();
        return result('x');
      case 'getSignatureStatuses':
        chain.onConfirm?.();
        return result({ context: { slot: 2 }, value: [{ slot: 2, confirmations: 1, err: null, confirmationStatus: 'confirmed' }] });
      default:
        return json({ jsonrpc: '2.0', id, error: { code: -32601, message: method } });
    }
  });
}

/** Polls `f` every 10 ms until it is truthy; throws after `ms`. */
export async function until<T>(f: () => T | null | undefined | false, what: string, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Stubs fetch with `fetchMock` and renders <App> with `kp` as the dev wallet alice. */
export function mountApp(kp: ReturnType<typeof solanaKeypair>, fetchMock: ReturnType<typeof fakeFetch>) {
  vi.stubGlobal('fetch', fetchMock);
  const root = document.createElement('div');
  document.body.appendChild(root);
  render(<App config={parseConfig(sandboxJson([kp]))} />, root);
  const q = (id: string) => root.querySelector<HTMLElement>(`[data-testid="${id}"]`);
  return { q, done: () => render(null, root) };
}

/** Types `value` into an input as a user would, and lets Preact re-render with the new state. */
export async function typeInto(input: HTMLInputElement, value: string) {
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  await new Promise((r) => setTimeout(r, 20));
}
