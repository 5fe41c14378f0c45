// Turns the API's instruction JSON (built by `vetmai-client` from the program's own types) into a
// transaction: fee payer + recent blockhash, compiled with @solana/kit. The app never lays out an
// account list itself.
import {
  AccountRole,
  address,
  appendTransactionMessageInstructions,
  compileTransaction,
  createTransactionMessage,
  getBase64EncodedWireTransaction,
  getBase64Encoder,
  getSignatureFromTransaction,
  isAddress,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  type Blockhash,
  type Instruction,
  type Transaction,
} from '@solana/kit';

import type { InstructionJson } from './api';

export class TxBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TxBuildError';
  }
}

function role(isSigner: boolean, isWritable: boolean): AccountRole {
  if (isSigner) return isWritable ? AccountRole.WRITABLE_SIGNER : AccountRole.READONLY_SIGNER;
  return isWritable ? AccountRole.WRITABLE : AccountRole.READONLY;
}

function checkAddress(value: unknown, what: string): string {
  if (typeof value !== 'string' || !isAddress(value)) {
    throw new TxBuildError(`The API sent an instruction whose ${what} is not an address: ${JSON.stringify(value)}`);
  }
  return value;
}

/** One API instruction → a kit instruction (validated: addresses, flags, base64 data). */
export function toInstruction(ix: InstructionJson, i = 0): Instruction {
  if (typeof ix !== 'object' || ix === null || !Array.isArray(ix.accounts) || typeof ix.data !== 'string') {
    throw new TxBuildError(`Instruction ${i} from the API is malformed.`);
  }
  const programAddress = address(checkAddress(ix.program_id, `program_id (#${i})`));
  const accounts = ix.accounts.map((m, j) => {
    if (typeof m.is_signer !== 'boolean' || typeof m.is_writable !== 'boolean') {
      throw new TxBuildError(`Instruction ${i}, account ${j}: is_signer / is_writable must be booleans.`);
    }
    return { address: address(checkAddress(m.pubkey, `account ${j} (#${i})`)), role: role(m.is_signer, m.is_writable) };
  });
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(ix.data) || ix.data.length % 4 !== 0) {
    throw new TxBuildError(`Instruction ${i}: data is not base64.`);
  }
  const data = getBase64Encoder().encode(ix.data);
  return { programAddress, accounts, data };
}

/** The signers an instruction list requires, in order of first appearance. */
export function requiredSigners(ixs: InstructionJson[]): string[] {
  const out: string[] = [];
  for (const ix of ixs) for (const m of ix.accounts) if (m.is_signer && !out.includes(m.pubkey)) out.push(m.pubkey);
  return out;
}

export interface Lifetime {
  blockhash: string;
  lastValidBlockHeight: bigint;
}

/**
 * A legacy transaction of the API's instructions, paid by `feePayer`. Only the fee payer may be
 * asked to sign: an instruction wanting another signer is refused (the wallet could not sign it).
 */
export function assembleTransaction(ixs: InstructionJson[], feePayer: string, lifetime: Lifetime): Transaction {
  if (ixs.length === 0) throw new TxBuildError('No instructions to send.');
  const payer = address(checkAddress(feePayer, 'fee payer'));
  const others = requiredSigners(ixs).filter((s) => s !== feePayer);
  if (others.length) {
    throw new TxBuildError(`The instructions need signatures from ${others.join(', ')}, not only the connected wallet ${feePayer}.`);
  }
  const instructions = ixs.map(toInstruction);
  const message = pipe(
    createTransactionMessage({ version: 'legacy' }),
    (m) => setTransactionMessageFeePayer(payer, m),
    (m) =>
      setTransactionMessageLifetimeUsingBlockhash(
        { blockhash: lifetime.blockhash as Blockhash, lastValidBlockHeight: lifetime.lastValidBlockHeight },
        m,
      ),
    (m) => appendTransactionMessageInstructions(instructions, m),
  );
  return compileTransaction(message);
}

export function wireBase64(tx: Transaction): string {
  return getBase64EncodedWireTransaction(tx);
}

/** The transaction's id (its fee payer's signature, base58); throws if unsigned. */
export function signatureOf(tx: Transaction): string {
  return getSignatureFromTransaction(tx);
}
