// A local dev keypair wallet: the sandbox's demo wallets (`/sandbox.json` → dev_wallets), signing
// in the page with WebCrypto Ed25519. Only ever offered when the sandbox serves its keypairs.
import { createKeyPairFromBytes, getAddressFromPublicKey, partiallySignTransaction, type Transaction } from '@solana/kit';

import type { DevWallet } from '../config';
import { WalletError } from '../errors';
import type { AppWallet } from './types';

export async function connectDevWallet(w: DevWallet): Promise<AppWallet> {
  let keys: CryptoKeyPair;
  try {
    keys = await createKeyPairFromBytes(w.secretKey);
  } catch (e) {
    throw new WalletError(`Dev wallet ${w.name}: the keypair from sandbox.json is invalid (${e instanceof Error ? e.message : String(e)}).`);
  }
  const derived = await getAddressFromPublicKey(keys.publicKey);
  if (derived !== w.pubkey) {
    throw new WalletError(`Dev wallet ${w.name}: its secret key belongs to ${derived}, not ${w.pubkey}.`);
  }
  return {
    address: w.pubkey,
    label: `Dev wallet ${w.name}`,
    kind: 'dev',
    async signTransaction(tx: Transaction): Promise<Transaction> {
      return partiallySignTransaction([keys], tx);
    },
    async disconnect() {},
  };
}
