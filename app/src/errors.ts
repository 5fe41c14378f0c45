// Every failure the dashboard can meet, turned into what a person needs to read: a title, the
// machine-readable code, the message, and the program logs when the chain sent them. Program
// error codes are named from the program's own IDL (idl/vetmai.json), never a copy.
import { errors as idlErrors } from '../../idl/vetmai.json';

import { ANCHOR_ERRORS } from './anchorErrors';
import { ApiError, type TxAction } from './api';
import { ConfigError } from './config';
import { InputError } from './format';
import { RpcError } from './rpc';
import { TxBuildError } from './tx';

/** A transaction that reached the chain and failed there (or was never confirmed). */
export class TxFailedError extends Error {
  constructor(
    readonly signature: string,
    readonly txError: unknown,
    message: string,
    /** Program ids of the transaction's instructions, to attribute `Custom` codes. */
    readonly programIds: string[] = [],
  ) {
    super(message);
    this.name = 'TxFailedError';
  }
}

export class TxTimeoutError extends Error {
  constructor(
    readonly signature: string,
    message: string,
  ) {
    super(message);
    this.name = 'TxTimeoutError';
  }
}

/** The wallet refused or failed to sign (user rejection included). */
export class WalletError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WalletError';
  }
}

export interface Described {
  title: string;
  code?: string;
  message: string;
  /** What to do about it, when the action and the error say enough. */
  hint?: string;
  /** Program logs, signature, request: shown folded. */
  details: string[];
}

const PROGRAM_ERRORS = new Map<number, { name: string; msg: string }>(
  idlErrors.map((e) => [e.code, { name: e.name, msg: e.msg ?? e.name }]),
);

/** SPL Token / Token-2022 errors a wallet action can run into (spl-token's `TokenError`). */
const TOKEN_ERRORS: Record<number, [string, string]> = {
  0: ['NotRentExempt', 'Lamport balance below rent-exempt threshold'],
  1: ['InsufficientFunds', 'Insufficient token balance'],
  2: ['InvalidMint', 'Invalid mint'],
  3: ['MintMismatch', 'Account not associated with this mint'],
  4: ['OwnerMismatch', 'Owner does not match'],
  17: ['AccountFrozen', 'Account is frozen'],
};

const TOKEN_PROGRAMS = new Set(['TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA', 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb']);

export interface ProgramErrorInfo {
  name: string;
  message: string;
  number?: number;
  instruction?: number;
}

/** The program error of a failed transaction: from Anchor's log line, else from the error code. */
export function programError(txError: unknown, logs: string[], programIds: string[], vetmaiId?: string): ProgramErrorInfo | null {
  // "Program log: AnchorError thrown in …. Error Code: DurationTooShort. Error Number: 6009. Error Message: …."
  for (const line of logs) {
    const m = /Error Code: (\w+)\. Error Number: (\d+)\. Error Message: (.*?)\.?$/.exec(line);
    if (m) return { name: m[1]!, number: Number(m[2]), message: m[3]! };
  }
  const ie = (txError as { InstructionError?: unknown } | null)?.InstructionError;
  if (!Array.isArray(ie) || ie.length !== 2) return null;
  const [index, inner] = ie as [number, unknown];
  const program = programIds[index];
  const custom = (inner as { Custom?: unknown } | null)?.Custom;
  if (typeof custom === 'number') {
    const isVetmai = program === undefined || vetmaiId === undefined || program === vetmaiId;
    const known = isVetmai ? PROGRAM_ERRORS.get(custom) : undefined;
    if (known) return { name: known.name, number: custom, message: known.msg, instruction: index };
    const anchor = isVetmai ? ANCHOR_ERRORS[custom] : undefined;
    if (anchor) return { name: anchor[0], number: custom, message: anchor[1], instruction: index };
    const token = program && TOKEN_PROGRAMS.has(program) ? TOKEN_ERRORS[custom] : undefined;
    if (token) return { name: token[0], number: custom, message: token[1], instruction: index };
    return { name: `Custom`, number: custom, message: `custom program error ${custom} (0x${custom.toString(16)})${program ? ` from ${program}` : ''}`, instruction: index };
  }
  const name = typeof inner === 'string' ? inner : JSON.stringify(inner);
  return { name, message: humanize(name), instruction: index };
}

function humanize(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

function txErrorText(err: unknown): string {
  if (typeof err === 'string') return humanize(err);
  return JSON.stringify(err);
}

const HINTS: Record<string, string> = {
  'vote:NoVotingWeight': 'Your voting weight is the veTMAI you have guaranteed through the voting end: lock TMAI first.',
  'vote:AccountNotInitialized': 'This wallet has never locked TMAI, so it has no voting weight: lock TMAI first.',
  'vote:rejected': 'A vote needs the proposal still voting and veTMAI guaranteed through its voting end: lock TMAI past the voting end first.',
  'vote:VotingClosed': 'Voting on this proposal has ended.',
  '*:InsufficientFunds': 'The wallet does not hold enough of the token for this.',
  '*:InsufficientFundsForFee': 'The wallet needs SOL to pay the transaction fee.',
  '*:PoolNeedsCrank': 'A reward pool has an epoch boundary to record; try again in a moment (the API adds the crank).',
  '*:InvalidPositionIndex': 'Another lock of this wallet landed meanwhile; try again.',
  'commit:rejected': "Your window and cap follow the level of the veTMAI you have guaranteed through the round's end: lock more TMAI through the end, wait for your window, or commit less.",
  'commit:WindowNotOpen': "The window for your level (from the veTMAI guaranteed through the round's end) is not open.",
  'commit:LevelCapExceeded': 'This commitment would exceed the cap of your level in this round: commit less.',
  'commit:TooManyCommits': 'A wallet can commit at most 4 times to one round.',
  'commit:AccountNotInitialized': 'This wallet has never locked TMAI, so it has no level for sale rounds: lock TMAI first.',
  'withdraw:LockNotExpired': 'The lock has not ended yet.',
  'withdraw:ConstantNotUnlocking': 'Begin unlocking this constant lock first; it can be withdrawn once its duration has passed.',
};

/** Describes an error of a wallet action, with advice for the common cases. */
export function describeTxError(e: unknown, action: TxAction | undefined, vetmaiId?: string): Described {
  const d = describeError(e, vetmaiId);
  const hint = d.code ? (HINTS[`${action}:${d.code}`] ?? HINTS[`*:${d.code}`]) : undefined;
  return hint ? { ...d, hint } : d;
}

/** Describes any error for the error panel. */
export function describeError(e: unknown, vetmaiId?: string): Described {
  if (e instanceof ApiError) {
    const title =
      e.status === 0
        ? 'The API is unreachable'
        : e.status === 422
          ? 'The API rejected the action'
          : e.status === 404
            ? 'Not found'
            : e.status === 503
              ? 'The index is not ready'
              : e.status === 429
                ? 'Quota exceeded'
                : e.status >= 500
                  ? 'The API failed'
                  : e.status >= 400
                    ? 'The API refused the request'
                    : 'Unexpected API answer';
    return { title, code: e.code, message: e.message, details: [`${e.request} → ${e.status || 'no answer'}`] };
  }
  if (e instanceof RpcError) {
    const logs = e.logs;
    const pe = e.txError || logs.length ? programError(e.txError, logs, e.programIds, vetmaiId) : null;
    if (pe) {
      return {
        title: 'The transaction failed in simulation',
        code: pe.name,
        message: pe.number !== undefined ? `${pe.message} (error ${pe.number})` : pe.message,
        details: [`RPC ${e.method}: ${e.message}`, ...logs],
      };
    }
    return {
      title: e.code === 0 ? 'The Solana RPC is unreachable' : 'The Solana RPC refused the request',
      code: e.code ? `rpc ${e.code}` : 'network',
      message: e.message,
      details: [`RPC ${e.method}`, ...logs],
    };
  }
  if (e instanceof TxFailedError) {
    const pe = programError(e.txError, [], e.programIds, vetmaiId);
    return {
      title: 'The transaction failed on chain',
      code: pe?.name ?? 'transaction_error',
      message: pe ? `${pe.message}${pe.number !== undefined ? ` (error ${pe.number})` : ''}` : txErrorText(e.txError),
      details: [`signature ${e.signature}`, `error ${JSON.stringify(e.txError)}`],
    };
  }
  if (e instanceof TxTimeoutError) {
    return { title: 'Not confirmed in time', code: 'timeout', message: e.message, details: [`signature ${e.signature}`] };
  }
  if (e instanceof WalletError) return { title: 'The wallet did not sign', code: 'wallet', message: e.message, details: [] };
  if (e instanceof InputError) return { title: 'Check the form', code: 'invalid_input', message: e.message, details: [] };
  if (e instanceof ConfigError) return { title: 'The app is not configured', code: 'config', message: e.message, details: [] };
  if (e instanceof TxBuildError) return { title: 'Cannot build the transaction', code: 'bad_instructions', message: e.message, details: [] };
  if (e instanceof Error) return { title: 'Something went wrong', code: e.name, message: e.message, details: [] };
  return { title: 'Something went wrong', message: String(e), details: [] };
}
