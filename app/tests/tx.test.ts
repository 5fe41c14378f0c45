import { describe, expect, it } from 'vitest';

import { getBase58Decoder, getBase64Encoder, getTransactionDecoder, verifySignature, type SignatureBytes } from '@solana/kit';

import type { InstructionJson } from '../src/api';
import { assembleTransaction, requiredSigners, signatureOf, toInstruction, TxBuildError, wireBase64 } from '../src/tx';
import { connectDevWallet } from '../src/wallet/dev';
import { BLOCKHASH, CONFIG_PDA, createLockIxs, POOL, POSITION, PROGRAM_ID, SYSTEM_PROGRAM, TMAI_MINT, TOKEN_PROGRAM, solanaKeypair } from './fixtures';

const b58 = getBase58Decoder();

/** An independent reader of the legacy message format (not kit's): header, keys, blockhash, ixs. */
function readMessage(bytes: Uint8Array) {
  let o = 0;
  const u8 = () => bytes[o++]!;
  const compact = () => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = u8();
      v |= (b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  const take = (n: number) => bytes.slice(o, (o += n));
  const header = [u8(), u8(), u8()] as const;
  const keys = Array.from({ length: compact() }, () => b58.decode(take(32)));
  const blockhash = b58.decode(take(32));
  const ixs = Array.from({ length: compact() }, () => ({
    program: u8(),
    accounts: Array.from({ length: compact() }, () => u8()),
    data: take(compact()),
  }));
  if (o !== bytes.length) throw new Error(`trailing bytes: ${bytes.length - o}`);
  return { header, keys, blockhash, ixs };
}

describe('toInstruction', () => {
  it('maps signer / writable flags to account roles and decodes the data', () => {
    const owner = solanaKeypair().pubkey;
    const ix = toInstruction(createLockIxs(owner)[0]!);
    expect(ix.programAddress).toBe(PROGRAM_ID);
    expect(ix.accounts?.map((a) => a.role)).toEqual([3, 1, 0, 1, 0, 0, 1]);
    expect([...(ix.data ?? [])]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0x4e]);
  });

  it.each([
    [{ program_id: 'nope', accounts: [], data: '' }, /program_id \(#0\) is not an address/],
    [{ program_id: PROGRAM_ID, accounts: [{ pubkey: 'x', is_signer: false, is_writable: false }], data: '' }, /account 0 \(#0\) is not an address/],
    [{ program_id: PROGRAM_ID, accounts: [{ pubkey: POOL, is_signer: 'yes', is_writable: false }], data: '' }, /must be booleans/],
    [{ program_id: PROGRAM_ID, accounts: [], data: 'not base64!' }, /data is not base64/],
    [{ program_id: PROGRAM_ID, data: '' }, /malformed/],
  ])('refuses malformed instruction %#', (ix, msg) => {
    expect(() => toInstruction(ix as unknown as InstructionJson)).toThrow(TxBuildError);
    expect(() => toInstruction(ix as unknown as InstructionJson)).toThrow(msg);
  });
});

describe('assembleTransaction', () => {
  it('puts the fee payer first, orders keys by role, and keeps the API’s data byte for byte', () => {
    const owner = solanaKeypair().pubkey;
    const ixs = createLockIxs(owner);
    const tx = assembleTransaction(ixs, owner, { blockhash: BLOCKHASH, lastValidBlockHeight: 100n });
    const m = readMessage(new Uint8Array(tx.messageBytes));
    // 1 signature, 0 read-only signers, read-only unsigned: mint, token program, system program, vetmai program
    expect(m.header).toEqual([1, 0, 4]);
    expect(m.keys[0]).toBe(owner);
    expect(new Set(m.keys.slice(1, 4))).toEqual(new Set([CONFIG_PDA, POSITION, POOL]));
    expect(new Set(m.keys.slice(4))).toEqual(new Set([TMAI_MINT, TOKEN_PROGRAM, SYSTEM_PROGRAM, PROGRAM_ID]));
    expect(m.blockhash).toBe(BLOCKHASH);
    expect(m.ixs).toHaveLength(1);
    const ix = m.ixs[0]!;
    expect(m.keys[ix.program]).toBe(PROGRAM_ID);
    expect(ix.accounts.map((i) => m.keys[i])).toEqual(ixs[0]!.accounts.map((a) => a.pubkey));
    expect(Buffer.from(ix.data).toString('base64')).toBe(ixs[0]!.data);
    expect(Object.keys(tx.signatures)).toEqual([owner]);
    expect(tx.signatures[owner as keyof typeof tx.signatures]).toBeNull();
  });

  it('keeps several instructions in the API’s order (withdraw: create ATAs, then withdraw)', () => {
    const owner = solanaKeypair().pubkey;
    const ata: InstructionJson = {
      program_id: 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL',
      accounts: [
        { pubkey: owner, is_signer: true, is_writable: true },
        { pubkey: POOL, is_signer: false, is_writable: true },
      ],
      data: 'AQ==',
    };
    const tx = assembleTransaction([ata, ...createLockIxs(owner)], owner, { blockhash: BLOCKHASH, lastValidBlockHeight: 1n });
    const m = readMessage(new Uint8Array(tx.messageBytes));
    expect(m.ixs.map((i) => m.keys[i.program])).toEqual(['ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL', PROGRAM_ID]);
    expect([...m.ixs[0]!.data]).toEqual([1]);
  });

  it('refuses instructions that need another signer than the wallet', () => {
    const owner = solanaKeypair().pubkey;
    const other = solanaKeypair().pubkey;
    expect(requiredSigners(createLockIxs(owner))).toEqual([owner]);
    expect(() => assembleTransaction(createLockIxs(owner), other, { blockhash: BLOCKHASH, lastValidBlockHeight: 1n })).toThrow(
      /need signatures from .* not only the connected wallet/,
    );
    expect(() => assembleTransaction([], owner, { blockhash: BLOCKHASH, lastValidBlockHeight: 1n })).toThrow(/No instructions/);
  });

  it('is signed by the dev keypair with a signature that verifies, and encodes to the wire', async () => {
    const kp = solanaKeypair();
    const wallet = await connectDevWallet({ name: 'alice', pubkey: kp.pubkey, secretKey: Uint8Array.from(kp.secretKey), note: '' });
    const tx = assembleTransaction(createLockIxs(kp.pubkey), kp.pubkey, { blockhash: BLOCKHASH, lastValidBlockHeight: 1n });
    const signed = await wallet.signTransaction(tx);
    const sig = signed.signatures[kp.pubkey as keyof typeof signed.signatures] as SignatureBytes;
    expect(sig).toHaveLength(64);
    const publicKey = await crypto.subtle.importKey('raw', Uint8Array.from(kp.secretKey.slice(32)), 'Ed25519', true, ['verify']);
    expect(await verifySignature(publicKey, sig, signed.messageBytes)).toBe(true);
    expect(signatureOf(signed)).toBe(b58.decode(sig));
    // wire = compact(1) + signature + message
    const wire = new Uint8Array(getBase64Encoder().encode(wireBase64(signed)));
    expect(wire[0]).toBe(1);
    expect(Buffer.from(wire.slice(65)).equals(Buffer.from(signed.messageBytes))).toBe(true);
    expect(getTransactionDecoder().decode(wire).messageBytes).toEqual(signed.messageBytes);
  });

  it('signing by the wrong dev key is caught when connecting', async () => {
    const a = solanaKeypair();
    const b = solanaKeypair();
    await expect(connectDevWallet({ name: 'bob', pubkey: b.pubkey, secretKey: Uint8Array.from(a.secretKey), note: '' })).rejects.toThrow(
      /belongs to .*, not /,
    );
  });
});
