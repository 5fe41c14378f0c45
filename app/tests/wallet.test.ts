import { describe, expect, it, vi } from 'vitest';

import { createKeyPairFromBytes, getTransactionDecoder, getTransactionEncoder, partiallySignTransaction } from '@solana/kit';
import type { Wallet } from '@wallet-standard/base';

import { WalletError } from '../src/errors';
import { assembleTransaction } from '../src/tx';
import { connectStandardWallet, describeWallet } from '../src/wallet/standard';
import { BLOCKHASH, createLockIxs, solanaKeypair } from './fixtures';

/** A Wallet Standard wallet that signs with a real key, as Phantom or Solflare would. */
async function fakeWallet(opts: { reject?: boolean; chains?: string[]; features?: string[] } = {}) {
  const kp = solanaKeypair();
  const keys = await createKeyPairFromBytes(Uint8Array.from(kp.secretKey));
  const account = { address: kp.pubkey, publicKey: Uint8Array.from(kp.secretKey.slice(32)), chains: ['solana:localnet'] as const, features: [] };
  const signTransaction = vi.fn(async (...inputs: { transaction: Uint8Array; chain?: string }[]) => {
    if (opts.reject) throw new Error('User rejected the request.');
    return Promise.all(
      inputs.map(async (i) => {
        const tx = getTransactionDecoder().decode(i.transaction);
        return { signedTransaction: new Uint8Array(getTransactionEncoder().encode(await partiallySignTransaction([keys], tx))) };
      }),
    );
  });
  const all: Record<string, unknown> = {
    'standard:connect': { version: '1.0.0', connect: vi.fn(async () => ({ accounts: [account] })) },
    'standard:disconnect': { version: '1.0.0', disconnect: vi.fn(async () => {}) },
    'solana:signTransaction': { version: '1.0.0', supportedTransactionVersions: ['legacy', 0], signTransaction },
  };
  const features = Object.fromEntries(Object.entries(all).filter(([k]) => !opts.features || opts.features.includes(k)));
  const wallet = {
    version: '1.0.0',
    name: 'Test Wallet',
    icon: 'data:image/svg+xml;base64,AA==',
    chains: opts.chains ?? ['solana:localnet', 'solana:devnet'],
    accounts: [],
    features,
  } as unknown as Wallet;
  return { wallet, kp, signTransaction };
}

describe('Wallet Standard', () => {
  it('tells which wallets can be used on this cluster and why not', async () => {
    expect(describeWallet((await fakeWallet()).wallet, 'solana:localnet').unsupported).toBeUndefined();
    expect(describeWallet((await fakeWallet({ chains: ['solana:mainnet'] })).wallet, 'solana:localnet').unsupported).toBe('not on solana:localnet');
    expect(describeWallet((await fakeWallet({ features: ['standard:connect'] })).wallet, 'solana:localnet').unsupported).toMatch(/cannot sign/);
    expect(describeWallet((await fakeWallet({ features: [] })).wallet, 'solana:localnet').unsupported).toBe('no standard:connect');
  });

  it('connects, then signs the assembled transaction through solana:signTransaction', async () => {
    const { wallet, kp, signTransaction } = await fakeWallet();
    const w = await connectStandardWallet(wallet, 'solana:localnet');
    expect(w).toMatchObject({ address: kp.pubkey, label: 'Test Wallet', kind: 'standard' });
    const tx = assembleTransaction(createLockIxs(kp.pubkey), kp.pubkey, { blockhash: BLOCKHASH, lastValidBlockHeight: 1n });
    const signed = await w.signTransaction(tx);
    expect(signTransaction).toHaveBeenCalledTimes(1);
    expect(signTransaction.mock.calls[0]![0]).toMatchObject({ chain: 'solana:localnet' });
    expect(signed.messageBytes).toEqual(tx.messageBytes);
    expect(signed.signatures[kp.pubkey as keyof typeof signed.signatures]).toHaveLength(64);
  });

  it('a rejection becomes a WalletError with the wallet’s words', async () => {
    const { wallet, kp } = await fakeWallet({ reject: true });
    const w = await connectStandardWallet(wallet, 'solana:localnet');
    const tx = assembleTransaction(createLockIxs(kp.pubkey), kp.pubkey, { blockhash: BLOCKHASH, lastValidBlockHeight: 1n });
    const err = await w.signTransaction(tx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WalletError);
    expect((err as Error).message).toBe('Test Wallet: User rejected the request.');
  });

  it('refuses a wallet that cannot sign transactions', async () => {
    const { wallet } = await fakeWallet({ features: ['standard:connect'] });
    await expect(connectStandardWallet(wallet, 'solana:localnet')).rejects.toThrow(/does not support connecting and signing/);
  });
});
