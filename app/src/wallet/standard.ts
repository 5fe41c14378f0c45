// Browser wallets through the Wallet Standard (@wallet-standard/app): Phantom, Solflare, Backpack…
// register themselves; the dashboard asks for `standard:connect` and `solana:signTransaction`, then
// sends the signed transaction to its own RPC (so it lands on the cluster the API indexes).
import { getTransactionDecoder, getTransactionEncoder, type Transaction } from '@solana/kit';
import { SolanaSignTransaction, type SolanaSignTransactionFeature } from '@solana/wallet-standard-features';
import { getWallets } from '@wallet-standard/app';
import type { IdentifierString, Wallet, WalletAccount } from '@wallet-standard/base';
import {
  StandardConnect,
  StandardDisconnect,
  type StandardConnectFeature,
  type StandardDisconnectFeature,
} from '@wallet-standard/features';

import { WalletError } from '../errors';
import type { AppWallet } from './types';

export interface WalletChoice {
  wallet: Wallet;
  name: string;
  icon: string;
  /** Why it cannot be used here, if it cannot. */
  unsupported?: string;
}

/** What a registered wallet offers for `chain`. */
export function describeWallet(wallet: Wallet, chain: IdentifierString): WalletChoice {
  const choice: WalletChoice = { wallet, name: wallet.name, icon: wallet.icon };
  if (!(StandardConnect in wallet.features)) choice.unsupported = 'no standard:connect';
  else if (!(SolanaSignTransaction in wallet.features)) choice.unsupported = 'cannot sign transactions (solana:signTransaction)';
  else if (!wallet.chains.some((c) => c === chain)) choice.unsupported = `not on ${chain}`;
  return choice;
}

/** Every Solana wallet registered with the page (and later ones, through `onChange`). */
export function watchWallets(chain: IdentifierString, onChange: (choices: WalletChoice[]) => void): () => void {
  const api = getWallets();
  const emit = () =>
    onChange(api.get().filter((w) => w.chains.some((c) => c.startsWith('solana:'))).map((w) => describeWallet(w, chain)));
  emit();
  const off1 = api.on('register', emit);
  const off2 = api.on('unregister', emit);
  return () => {
    off1();
    off2();
  };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export async function connectStandardWallet(wallet: Wallet, chain: IdentifierString): Promise<AppWallet> {
  const connect = (wallet.features as Partial<StandardConnectFeature>)[StandardConnect];
  const sign = (wallet.features as Partial<SolanaSignTransactionFeature>)[SolanaSignTransaction];
  if (!connect || !sign) throw new WalletError(`${wallet.name} does not support connecting and signing transactions.`);
  let accounts: readonly WalletAccount[];
  try {
    accounts = (await connect.connect()).accounts;
  } catch (e) {
    throw new WalletError(`${wallet.name} did not connect: ${message(e)}`);
  }
  const account = accounts.find((a) => a.chains.includes(chain)) ?? accounts[0];
  if (!account) throw new WalletError(`${wallet.name} connected without an account.`);
  if (!sign.supportedTransactionVersions.includes('legacy')) {
    throw new WalletError(`${wallet.name} does not sign legacy transactions.`);
  }
  const encoder = getTransactionEncoder();
  const decoder = getTransactionDecoder();
  return {
    address: account.address,
    label: wallet.name,
    kind: 'standard',
    async signTransaction(tx: Transaction): Promise<Transaction> {
      let out;
      try {
        out = await sign.signTransaction({
          account,
          chain,
          transaction: new Uint8Array(encoder.encode(tx)),
          options: { preflightCommitment: 'confirmed' },
        });
      } catch (e) {
        throw new WalletError(`${wallet.name}: ${message(e)}`);
      }
      const signed = out[0]?.signedTransaction;
      if (!signed) throw new WalletError(`${wallet.name} answered no signed transaction.`);
      return decoder.decode(signed);
    },
    async disconnect() {
      const d = (wallet.features as Partial<StandardDisconnectFeature>)[StandardDisconnect];
      await d?.disconnect().catch(() => undefined);
    },
  };
}
