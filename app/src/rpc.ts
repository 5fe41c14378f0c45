// The few Solana JSON-RPC calls the dashboard makes, with the node's error kept whole (code,
// message, and for a failed simulation the program logs and the instruction error).

export class RpcError extends Error {
  /** Program ids of the transaction's instructions (set by the sender), to attribute `Custom` codes. */
  programIds: string[] = [];

  constructor(
    readonly code: number,
    message: string,
    readonly method: string,
    /** `data` of the JSON-RPC error: `{err, logs, …}` for a failed preflight simulation. */
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'RpcError';
  }

  get logs(): string[] {
    const d = this.data as { logs?: unknown } | undefined;
    return Array.isArray(d?.logs) ? d.logs.filter((l): l is string => typeof l === 'string') : [];
  }

  get txError(): unknown {
    return (this.data as { err?: unknown } | undefined)?.err ?? null;
  }
}

export type Commitment = 'processed' | 'confirmed' | 'finalized';

export interface SignatureStatus {
  slot: number;
  confirmations: number | null;
  err: unknown;
  confirmationStatus: Commitment | null;
}

export class RpcClient {
  private id = 0;

  constructor(
    readonly url: string,
    private readonly fetchFn: typeof fetch = (...a) => fetch(...a),
  ) {}

  async call<T>(method: string, params: unknown[] = []): Promise<T> {
    let res: Response;
    try {
      res = await this.fetchFn(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: ++this.id, method, params }),
      });
    } catch (e) {
      throw new RpcError(0, `Could not reach the Solana RPC at ${this.url} (${e instanceof Error ? e.message : String(e)}).`, method);
    }
    const text = await res.text();
    let body: { result?: T; error?: { code: number; message: string; data?: unknown } };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new RpcError(res.status, `The RPC answered HTTP ${res.status} without JSON: ${text.slice(0, 200)}`, method);
    }
    if (body.error) throw new RpcError(body.error.code, body.error.message, method, body.error.data);
    if (!res.ok) throw new RpcError(res.status, `The RPC answered HTTP ${res.status}`, method);
    return body.result as T;
  }

  async latestBlockhash(commitment: Commitment = 'confirmed'): Promise<{ blockhash: string; lastValidBlockHeight: bigint }> {
    const r = await this.call<{ value: { blockhash: string; lastValidBlockHeight: number } }>('getLatestBlockhash', [
      { commitment },
    ]);
    return { blockhash: r.value.blockhash, lastValidBlockHeight: BigInt(r.value.lastValidBlockHeight) };
  }

  async blockHeight(commitment: Commitment = 'confirmed'): Promise<bigint> {
    return BigInt(await this.call<number>('getBlockHeight', [{ commitment }]));
  }

  /** Sends a signed wire transaction (base64) after a preflight simulation; answers its signature. */
  sendTransaction(base64: string): Promise<string> {
    return this.call<string>('sendTransaction', [
      base64,
      { encoding: 'base64', preflightCommitment: 'confirmed', maxRetries: 5 },
    ]);
  }

  async signatureStatus(signature: string): Promise<SignatureStatus | null> {
    const r = await this.call<{ value: (SignatureStatus | null)[] }>('getSignatureStatuses', [[signature]]);
    return r.value[0] ?? null;
  }

  async balance(address: string): Promise<bigint> {
    const r = await this.call<{ value: number }>('getBalance', [address, { commitment: 'confirmed' }]);
    return BigInt(r.value);
  }

  /** Σ of the owner's token accounts of `mint`, base units. */
  async tokenBalance(owner: string, mint: string): Promise<bigint> {
    const r = await this.call<{
      value: { account: { data: { parsed?: { info?: { tokenAmount?: { amount?: string } } } } } }[];
    }>('getTokenAccountsByOwner', [owner, { mint }, { encoding: 'jsonParsed', commitment: 'confirmed' }]);
    return r.value.reduce((sum, a) => sum + BigInt(a.account.data.parsed?.info?.tokenAmount?.amount ?? '0'), 0n);
  }

  /** Decimals of a mint (for reward pools paid in a mint the config does not name). */
  async mintDecimals(mint: string): Promise<number> {
    const r = await this.call<{ value: { decimals: number } }>('getTokenSupply', [mint]);
    return r.value.decimals;
  }
}
