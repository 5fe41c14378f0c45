// Typed client of the access API (api/openapi.json). Every failure becomes an `ApiError` carrying
// the API's own `{code, message}` (or a description of what went wrong on the way).

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly request: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface PendingReward {
  pool: string;
  mint: string;
  /** Base units of the pool's mint; null when the API could not compute it (overflow). */
  amount: string | null;
}

export interface Position {
  pubkey: string;
  index: number;
  kind: 'fixed' | 'constant';
  amount: string;
  score: string;
  active_score: string;
  duration: number;
  created_at: number;
  end: number | null;
  auto_compound: boolean;
  pending_rewards: PendingReward[];
}

export interface SchedulePoint {
  at: number;
  vetmai: string;
  guaranteed: string;
}

export interface WalletView {
  wallet: string;
  ve: string;
  level: number;
  tier: string;
  guaranteed_ve: string;
  guaranteed_level: number;
  guaranteed_tier: string;
  guaranteed_through: number;
  items: Position[];
  next_offset: number | null;
  schedule: SchedulePoint[];
}

export interface TierInfo {
  name: string;
  calls_per_month: number;
  overage_micro_usd: number | null;
}

export interface LevelInfo {
  level: number;
  min_ve: string;
  tier: TierInfo;
}

export interface Proposal {
  pubkey: string;
  id: number;
  proposer: string;
  title: string;
  description_url: string;
  content_hash: string;
  action: string;
  state: string;
  created_at: number;
  voting_ends_at: number;
  total_ve_at_creation: string;
  yes: string;
  no: string;
  abstain: string;
  voters: number;
  passes_now: boolean;
}

export interface Vote {
  pubkey: string;
  voter: string;
  choice: 'yes' | 'no' | 'abstain';
  weight: string;
  updated_at: number;
}

export interface Round {
  pubkey: string;
  id: number;
  authority: string;
  payment_mint: string;
  total_cap: string;
  start: number;
  end: number;
  level_caps: string[];
  window_open_seconds: (number | null)[];
  total_committed: string;
  proceeds: string;
  committers: number;
}

export interface Allocation {
  pubkey: string;
  wallet: string;
  committed: string;
  allocation: string;
  refund: string;
  settled: boolean;
}

export interface Pool {
  pubkey: string;
  index: number;
  mint: string;
  token_program: string;
  total_deposited: string;
  total_claimed: string;
  streaming: { remaining: string; until: number; last_update: number };
  points: { at: number; distributed: string }[];
}

export interface PoolRate {
  pool: string;
  mint: string;
  streaming_until: number;
  remaining: string;
  rate_per_day: string;
  total_deposited: string;
  total_claimed: string;
}

/** The chain's lock parameters (`/v1/stats` → `lock_params`): what a lock's score is computed from. */
export interface LockParams {
  tmai_decimals: number;
  /** Seconds. */
  min_lock: number;
  /** Seconds. */
  max_lock: number;
  max_multiplier_bps: number;
  /** Base units of veTMAI, decimal strings, one per level 1…10. */
  level_thresholds: string[];
}

export interface Stats {
  tvl: string;
  total_ve: string;
  open_positions: number;
  stakers: number;
  reward_pools: PoolRate[];
  /** Absent from APIs older than the lock preview. */
  lock_params?: LockParams;
}

export interface Page<T> {
  items: T[];
  next_offset: number | null;
}

export interface InstructionJson {
  program_id: string;
  accounts: { pubkey: string; is_signer: boolean; is_writable: boolean }[];
  /** base64 */
  data: string;
}

export type TxAction =
  | 'create_lock'
  | 'increase_amount'
  | 'extend_lock'
  | 'begin_unlock'
  | 'withdraw'
  | 'claim'
  | 'vote'
  | 'commit';

/** The body of `POST /v1/tx/{action}` (fields by action; see api/openapi.json). */
export interface TxRequest {
  owner?: string;
  voter?: string;
  position?: string;
  proposal?: string;
  token_account?: string;
  target?: string;
  /** Base units, decimal string. */
  amount?: string;
  /** Seconds. */
  duration?: number;
  kind?: 'fixed' | 'constant';
  pool_index?: number;
  mode?: 'payout' | 'reinvest';
  choice?: 'yes' | 'no' | 'abstain';
  /** Sale round address (commit). */
  round?: string;
}

/** Reads an error body: `{code, message}` when the API answered, else what the server sent. */
export async function errorFromResponse(res: Response, request: string): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === 'object' && body !== null) {
      const { code, message } = body as { code?: unknown; message?: unknown };
      if (typeof code === 'string' && typeof message === 'string') return new ApiError(res.status, code, message, request);
    }
  } catch {
    // not JSON: fall through
  }
  const snippet = text.trim().slice(0, 300);
  return new ApiError(
    res.status,
    `http_${res.status}`,
    `${res.status} ${res.statusText || 'error'}${snippet ? `: ${snippet}` : ''}`,
    request,
  );
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly fetchFn: typeof fetch = (...a) => fetch(...a),
  ) {}

  private async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const request = `${method} ${path}`;
    const init: RequestInit = { method, headers: { accept: 'application/json' } };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { accept: 'application/json', 'content-type': 'application/json' };
    }
    let res: Response;
    try {
      res = await this.fetchFn(`${this.baseUrl}${path}`, init);
    } catch (e) {
      throw new ApiError(
        0,
        'network',
        `Could not reach the API at ${this.baseUrl} (${e instanceof Error ? e.message : String(e)}).`,
        request,
      );
    }
    if (!res.ok) throw await errorFromResponse(res, request);
    try {
      return (await res.json()) as T;
    } catch (e) {
      throw new ApiError(res.status, 'bad_response', `The API sent a body that is not JSON: ${String(e)}`, request);
    }
  }

  wallet(wallet: string, limit = 100): Promise<WalletView> {
    return this.request('GET', `/v1/wallets/${encodeURIComponent(wallet)}?limit=${limit}`);
  }

  async tiers(): Promise<LevelInfo[]> {
    return (await this.request<{ levels: LevelInfo[] }>('GET', '/v1/tiers')).levels;
  }

  proposals(limit = 20): Promise<Page<Proposal>> {
    return this.request('GET', `/v1/proposals?limit=${limit}`);
  }

  votes(id: number, limit = 100): Promise<Page<Vote>> {
    return this.request('GET', `/v1/proposals/${id}/votes?limit=${limit}`);
  }

  rounds(limit = 20): Promise<Page<Round>> {
    return this.request('GET', `/v1/rounds?limit=${limit}`);
  }

  allocations(id: number, limit = 100): Promise<Page<Allocation>> {
    return this.request('GET', `/v1/rounds/${id}/allocations?limit=${limit}`);
  }

  async pools(): Promise<Pool[]> {
    return (await this.request<{ items: Pool[] }>('GET', '/v1/pools')).items;
  }

  stats(): Promise<Stats> {
    return this.request('GET', '/v1/stats');
  }

  /** The unsigned instructions of a wallet action, built by the API with the client crate. */
  async tx(action: TxAction, body: TxRequest): Promise<InstructionJson[]> {
    const res = await this.request<{ instructions?: unknown }>('POST', `/v1/tx/${action}`, body);
    if (!Array.isArray(res.instructions) || res.instructions.length === 0) {
      throw new ApiError(200, 'bad_response', 'The API answered no instructions to sign.', `POST /v1/tx/${action}`);
    }
    return res.instructions as InstructionJson[];
  }
}
