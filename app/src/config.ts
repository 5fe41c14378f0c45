// Where the app finds the API, the RPC and (in the sandbox) the dev wallets: `/sandbox.json`,
// served by `vetmai-sandbox` beside the app, or `/config.json` that a deployment puts beside
// index.html (same fields, without dev wallets).

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface DevWallet {
  name: string;
  pubkey: string;
  /** 64 bytes: ed25519 seed then public key (the Solana CLI keypair format). */
  secretKey: Uint8Array;
  note: string;
  keypairPath?: string;
}

export interface MintInfo {
  symbol: string;
  decimals: number;
}

export interface AppConfig {
  /** "sandbox", "localnet", "devnet", "mainnet" …: picks the Wallet Standard chain. */
  cluster: string;
  rpcUrl: string;
  wsUrl?: string;
  apiUrl: string;
  programId: string;
  tmaiMint: string;
  tmaiDecimals: number;
  /** Known mints by address (TMAI, the sandbox's USDC). */
  mints: Record<string, MintInfo>;
  devWallets: DevWallet[];
}

const BASE58 = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Obj, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw new ConfigError(`${where}: \`${key}\` must be a non-empty string`);
  return v;
}

function optStr(o: Obj, key: string, where: string): string | undefined {
  return o[key] === undefined || o[key] === null ? undefined : str(o, key, where);
}

function addr(o: Obj, key: string, where: string): string {
  const v = str(o, key, where);
  if (!BASE58.test(v)) throw new ConfigError(`${where}: \`${key}\` is not a base58 address: ${v}`);
  return v;
}

function url(o: Obj, key: string, where: string): string {
  const v = str(o, key, where);
  try {
    const u = new URL(v);
    if (!/^(https?|wss?):$/.test(u.protocol)) throw new Error('protocol');
  } catch {
    throw new ConfigError(`${where}: \`${key}\` is not an http(s) or ws(s) URL: ${v}`);
  }
  return v.replace(/\/+$/, '');
}

function decimals(o: Obj, key: string, where: string, fallback: number): number {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 18) {
    throw new ConfigError(`${where}: \`${key}\` must be an integer 0–18`);
  }
  return v;
}

function devWallet(v: unknown, i: number, where: string): DevWallet {
  const w = `${where}: dev_wallets[${i}]`;
  if (!isObj(v)) throw new ConfigError(`${w} must be an object`);
  const name = str(v, 'name', w);
  const pubkey = addr(v, 'pubkey', w);
  const sk = v['secret_key'];
  if (!Array.isArray(sk) || sk.length !== 64 || !sk.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
    throw new ConfigError(`${w} (${name}): \`secret_key\` must be 64 bytes (a Solana keypair file's array)`);
  }
  const out: DevWallet = { name, pubkey, secretKey: Uint8Array.from(sk as number[]), note: optStr(v, 'note', w) ?? '' };
  const path = optStr(v, 'keypair', w);
  if (path) out.keypairPath = path;
  return out;
}

/** Validates `/sandbox.json` (or `/config.json`) and names the first field that is wrong. */
export function parseConfig(json: unknown, where = 'sandbox.json'): AppConfig {
  if (!isObj(json)) throw new ConfigError(`${where} must be a JSON object`);
  const tmaiMint = addr(json, 'tmai_mint', where);
  const tmaiDecimals = decimals(json, 'tmai_decimals', where, 6);
  const mints: Record<string, MintInfo> = { [tmaiMint]: { symbol: 'TMAI', decimals: tmaiDecimals } };
  const usdc = optStr(json, 'usdc_mint', where);
  if (usdc) {
    if (!BASE58.test(usdc)) throw new ConfigError(`${where}: \`usdc_mint\` is not a base58 address: ${usdc}`);
    mints[usdc] = { symbol: 'USDC', decimals: decimals(json, 'usdc_decimals', where, 6) };
  }
  const wallets = json['dev_wallets'] ?? [];
  if (!Array.isArray(wallets)) throw new ConfigError(`${where}: \`dev_wallets\` must be an array`);
  const cfg: AppConfig = {
    cluster: optStr(json, 'cluster', where) ?? 'localnet',
    rpcUrl: url(json, 'rpc_url', where),
    apiUrl: url(json, 'api_url', where),
    programId: addr(json, 'program_id', where),
    tmaiMint,
    tmaiDecimals,
    mints,
    devWallets: wallets.map((w, i) => devWallet(w, i, where)),
  };
  const ws = optStr(json, 'ws_url', where);
  if (ws) cfg.wsUrl = url(json, 'ws_url', where);
  return cfg;
}

/** The Wallet Standard chain of a cluster name. */
export function walletChain(cluster: string): `solana:${string}` {
  switch (cluster) {
    case 'mainnet':
    case 'mainnet-beta':
      return 'solana:mainnet';
    case 'devnet':
      return 'solana:devnet';
    case 'testnet':
      return 'solana:testnet';
    default:
      return 'solana:localnet';
  }
}

/** Fetches `sandbox.json`, else `config.json`, from beside the app. */
export async function loadConfig(fetchFn: typeof fetch = fetch, base = ''): Promise<AppConfig> {
  const tried: string[] = [];
  for (const name of ['sandbox.json', 'config.json']) {
    let res: Response;
    try {
      res = await fetchFn(`${base}${name}`, { cache: 'no-store' });
    } catch (e) {
      tried.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    if (res.status === 404) {
      tried.push(`${name}: 404`);
      continue;
    }
    if (!res.ok) throw new ConfigError(`${name}: HTTP ${res.status}`);
    const type = res.headers.get('content-type') ?? '';
    if (!type.includes('json')) {
      tried.push(`${name}: not JSON (${type || 'no content type'})`);
      continue;
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch (e) {
      throw new ConfigError(`${name} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    return parseConfig(body, name);
  }
  throw new ConfigError(
    `No configuration found beside the app (${tried.join('; ')}). Run it with ./scripts/run.sh, or put a config.json ` +
      'with rpc_url, api_url, program_id and tmai_mint next to index.html.',
  );
}
