import type { Transaction } from '@solana/kit';

/** What the dashboard needs from a wallet: its address and a way to sign a transaction. */
export interface AppWallet {
  address: string;
  /** "Dev wallet alice", "Phantom" … */
  label: string;
  kind: 'dev' | 'standard';
  /** Answers the transaction signed by this wallet (a wallet may also add instructions, e.g. fees). */
  signTransaction(tx: Transaction): Promise<Transaction>;
  disconnect(): Promise<void>;
}
