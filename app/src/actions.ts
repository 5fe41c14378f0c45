// One wallet action end to end: ask the API for the instructions, add fee payer and blockhash,
// sign, send to the RPC, wait for confirmation, then wait until the indexer shows the change.
import type { ApiClient, InstructionJson, TxAction, TxRequest } from './api';
import { TxFailedError, TxTimeoutError } from './errors';
import { RpcError, type RpcClient } from './rpc';
import { assembleTransaction, signatureOf, wireBase64 } from './tx';
import type { AppWallet } from './wallet/types';

export type Step = 'building' | 'signing' | 'sending' | 'confirming' | 'indexing' | 'done';

export interface Progress {
  step: Step;
  signature?: string;
  /** Set on `done`: false when the chain confirmed but the index had not shown it in time. */
  indexed?: boolean;
}

export interface RunOptions {
  api: ApiClient;
  rpc: RpcClient;
  wallet: AppWallet;
  action: TxAction;
  body: TxRequest;
  /** True once the indexer's answer reflects the transaction (polled after confirmation). */
  indexed?: () => Promise<boolean>;
  onProgress?: (p: Progress) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  confirmTimeoutMs?: number;
  indexTimeoutMs?: number;
  pollMs?: number;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function runAction(o: RunOptions): Promise<Progress> {
  const sleep = o.sleep ?? defaultSleep;
  const now = o.now ?? (() => Date.now());
  const poll = o.pollMs ?? 500;
  const report = (p: Progress) => {
    o.onProgress?.(p);
    return p;
  };

  report({ step: 'building' });
  const ixs: InstructionJson[] = await o.api.tx(o.action, o.body);
  const programIds = ixs.map((ix) => ix.program_id);
  const lifetime = await o.rpc.latestBlockhash('confirmed');
  const unsigned = assembleTransaction(ixs, o.wallet.address, lifetime);

  report({ step: 'signing' });
  const signed = await o.wallet.signTransaction(unsigned);
  const signature = signatureOf(signed);

  report({ step: 'sending', signature });
  try {
    await o.rpc.sendTransaction(wireBase64(signed));
  } catch (e) {
    if (e instanceof RpcError) e.programIds = programIds;
    throw e;
  }

  report({ step: 'confirming', signature });
  const deadline = now() + (o.confirmTimeoutMs ?? 60_000);
  for (let i = 0; ; i++) {
    const status = await o.rpc.signatureStatus(signature);
    if (status?.err) throw new TxFailedError(signature, status.err, 'The transaction failed on chain.', programIds);
    if (status && (status.confirmationStatus === 'confirmed' || status.confirmationStatus === 'finalized')) break;
    if (i % 4 === 3 && (await o.rpc.blockHeight('confirmed')) > lifetime.lastValidBlockHeight) {
      throw new TxTimeoutError(signature, 'The blockhash expired before the transaction was confirmed; nothing was changed. Try again.');
    }
    if (now() > deadline) {
      throw new TxTimeoutError(signature, `Not confirmed after ${Math.round((o.confirmTimeoutMs ?? 60_000) / 1000)} s; it may still land — check the signature.`);
    }
    await sleep(poll);
  }

  if (!o.indexed) return report({ step: 'done', signature, indexed: true });
  report({ step: 'indexing', signature });
  const indexDeadline = now() + (o.indexTimeoutMs ?? 30_000);
  while (now() <= indexDeadline) {
    try {
      if (await o.indexed()) return report({ step: 'done', signature, indexed: true });
    } catch {
      // the API may answer 503 while the indexer catches up: keep polling until the deadline
    }
    await sleep(poll);
  }
  return report({ step: 'done', signature, indexed: false });
}
