import type { TxAction, TxRequest } from '../api';
import type { AppConfig, MintInfo } from '../config';
import { shortAddress } from '../format';
import type { AppWallet } from '../wallet/types';

/** What the dashboard should wait for in the index after a transaction is confirmed. */
export type Watch =
  | { kind: 'wallet' }
  | { kind: 'claim'; position: string; pool: string }
  | { kind: 'vote'; proposalId: number; choice: 'yes' | 'no' | 'abstain' }
  | { kind: 'commit'; roundId: number; amount: bigint };

export interface ActRequest {
  label: string;
  action: TxAction;
  body: TxRequest;
  watch: Watch;
}

export interface Ctx {
  config: AppConfig;
  /** unix seconds, refreshed every few seconds */
  now: number;
  wallet: AppWallet | null;
  /** A transaction is in flight. */
  busy: boolean;
  mint(mint: string): MintInfo;
  /** Whether the mint's decimals are known (configured or read from the chain). */
  mintKnown(mint: string): boolean;
  act(req: ActRequest): void;
}

export function mintInfo(config: AppConfig, decimals: Record<string, number>, mint: string): MintInfo {
  return config.mints[mint] ?? { symbol: shortAddress(mint), decimals: decimals[mint] ?? 0 };
}
