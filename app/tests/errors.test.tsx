// @vitest-environment happy-dom
import { render } from 'preact';
import { describe, expect, it } from 'vitest';

import { ApiClient, ApiError, errorFromResponse } from '../src/api';
import { ConfigError } from '../src/config';
import { describeError, describeTxError, programError, TxFailedError, TxTimeoutError, WalletError } from '../src/errors';
import { InputError } from '../src/format';
import { RpcError } from '../src/rpc';
import { TxBuildError } from '../src/tx';
import { ErrorBox } from '../src/ui/ErrorBox';
import { PROGRAM_ID, TOKEN_PROGRAM } from './fixtures';

const ANCHOR_LOG =
  'Program log: AnchorError thrown in programs/vetmai/src/instructions/governance/cast_vote.rs:48. Error Code: NoVotingWeight. Error Number: 6042. Error Message: Voter has no veTMAI guaranteed through the voting end.';

describe('programError', () => {
  it('reads Anchor’s log line first', () => {
    expect(programError(null, ['Program x invoke [1]', ANCHOR_LOG], [])).toEqual({
      name: 'NoVotingWeight',
      number: 6042,
      message: 'Voter has no veTMAI guaranteed through the voting end',
    });
  });

  it('names a vetmai Custom code from the IDL when there are no logs', () => {
    expect(programError({ InstructionError: [1, { Custom: 6009 }] }, [], ['ComputeBudget111111111111111111111111111111', PROGRAM_ID], PROGRAM_ID)).toEqual({
      name: 'DurationTooShort',
      number: 6009,
      message: 'Lock duration is shorter than min_lock',
      instruction: 1,
    });
  });

  it('names Anchor framework codes of the program (no logs from a native builtin)', () => {
    expect(programError({ InstructionError: [0, { Custom: 3012 }] }, ['Program HUVP invoke [1]', 'Program HUVP failed: custom program error: 0xbc4'], [PROGRAM_ID], PROGRAM_ID)).toEqual({
      name: 'AccountNotInitialized',
      number: 3012,
      message: 'The program expected this account to be already initialized',
      instruction: 0,
    });
    expect(programError({ InstructionError: [0, { Custom: 2006 }] }, [], [PROGRAM_ID], PROGRAM_ID)?.name).toBe('ConstraintSeeds');
  });

  it('names SPL Token errors by the instruction’s program, not the IDL', () => {
    expect(programError({ InstructionError: [0, { Custom: 1 }] }, [], [TOKEN_PROGRAM], PROGRAM_ID)).toMatchObject({
      name: 'InsufficientFunds',
      message: 'Insufficient token balance',
    });
  });

  it('falls back to the raw code for unknown programs and to the error name otherwise', () => {
    const other = '11111111111111111111111111111111';
    expect(programError({ InstructionError: [0, { Custom: 6009 }] }, [], [other], PROGRAM_ID)?.message).toBe(
      `custom program error 6009 (0x1779) from ${other}`,
    );
    expect(programError({ InstructionError: [0, 'InvalidAccountData'] }, [], [PROGRAM_ID])).toMatchObject({
      name: 'InvalidAccountData',
      message: 'invalid account data',
    });
    expect(programError('AccountNotFound', [], [])).toBeNull();
  });
});

describe('describeError', () => {
  it('API errors keep the API’s code and message', () => {
    const d = describeError(new ApiError(422, 'rejected', 'position 4Nd… is locked until 1780272000', 'POST /v1/tx/withdraw'));
    expect(d).toEqual({
      title: 'The API rejected the action',
      code: 'rejected',
      message: 'position 4Nd… is locked until 1780272000',
      details: ['POST /v1/tx/withdraw → 422'],
    });
    expect(describeError(new ApiError(503, 'index_lagging', 'behind', 'GET /v1/stats')).title).toBe('The index is not ready');
    expect(describeError(new ApiError(0, 'network', 'Could not reach', 'GET /v1/stats')).title).toBe('The API is unreachable');
    expect(describeError(new ApiError(400, 'bad_request', 'x', 'POST /v1/tx/vote')).title).toBe('The API refused the request');
    expect(describeError(new ApiError(500, 'internal', 'internal error', 'GET /v1/pools')).title).toBe('The API failed');
  });

  it('a failed simulation names the program error and keeps the logs', () => {
    const e = new RpcError(-32002, 'Transaction simulation failed: Error processing Instruction 0: custom program error: 0x179a', 'sendTransaction', {
      err: { InstructionError: [0, { Custom: 6042 }] },
      logs: ['Program HUVP invoke [1]', ANCHOR_LOG],
    });
    const d = describeError(e, PROGRAM_ID);
    expect(d.title).toBe('The transaction failed in simulation');
    expect(d.code).toBe('NoVotingWeight');
    expect(d.message).toBe('Voter has no veTMAI guaranteed through the voting end (error 6042)');
    expect(d.details).toContain(ANCHOR_LOG);
  });

  it('advises on the common failures of an action', () => {
    const e = new RpcError(-32002, 'Transaction simulation failed: Error processing Instruction 0: custom program error: 0xbc4', 'sendTransaction', {
      err: { InstructionError: [0, { Custom: 3012 }] },
      logs: [],
    });
    e.programIds = [PROGRAM_ID];
    expect(describeTxError(e, 'vote', PROGRAM_ID)).toMatchObject({
      code: 'AccountNotInitialized',
      hint: 'This wallet has never locked TMAI, so it has no voting weight: lock TMAI first.',
    });
    expect(describeTxError(e, 'claim', PROGRAM_ID).hint).toBeUndefined();
    const fee = new TxFailedError('s', { InstructionError: [0, { Custom: 1 }] }, 'x', [TOKEN_PROGRAM]);
    expect(describeTxError(fee, 'create_lock', PROGRAM_ID).hint).toBe('The wallet does not hold enough of the token for this.');
  });

  it('other RPC errors', () => {
    const d = describeError(new RpcError(-32602, 'invalid transaction: Transaction failed to sanitize accounts offsets correctly', 'sendTransaction'));
    expect(d).toMatchObject({ title: 'The Solana RPC refused the request', code: 'rpc -32602' });
    expect(describeError(new RpcError(0, 'Could not reach the Solana RPC', 'getLatestBlockhash')).title).toBe('The Solana RPC is unreachable');
  });

  it('on-chain failure, timeout, wallet, input, config, build errors', () => {
    const failed = describeError(new TxFailedError('5sig', { InstructionError: [0, { Custom: 6017 }] }, 'failed', [PROGRAM_ID]), PROGRAM_ID);
    expect(failed).toMatchObject({ title: 'The transaction failed on chain', code: 'LockNotExpired', message: 'Lock has not ended yet (error 6017)' });
    expect(failed.details[0]).toBe('signature 5sig');
    expect(describeError(new TxFailedError('s', 'InsufficientFundsForFee', 'x')).message).toBe('insufficient funds for fee');
    expect(describeError(new TxTimeoutError('s', 'Not confirmed after 60 s')).code).toBe('timeout');
    expect(describeError(new WalletError('User rejected the request.'))).toMatchObject({ title: 'The wallet did not sign', message: 'User rejected the request.' });
    expect(describeError(new InputError('Enter an amount.')).title).toBe('Check the form');
    expect(describeError(new ConfigError('no config')).title).toBe('The app is not configured');
    expect(describeError(new TxBuildError('bad')).code).toBe('bad_instructions');
    expect(describeError('weird').message).toBe('weird');
  });
});

describe('errorFromResponse', () => {
  it('reads {code, message}', async () => {
    const r = new Response(JSON.stringify({ code: 'bad_wallet', message: 'not a valid wallet address' }), { status: 400 });
    expect(await errorFromResponse(r, 'GET /v1/wallets/x')).toMatchObject({ status: 400, code: 'bad_wallet', message: 'not a valid wallet address' });
  });
  it('describes a body that is not the API’s', async () => {
    const r = new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' });
    expect(await errorFromResponse(r, 'GET /v1/stats')).toMatchObject({ code: 'http_502', message: '502 Bad Gateway: <html>Bad Gateway</html>' });
  });
  it('ApiClient turns a network failure into an ApiError', async () => {
    const api = new ApiClient('http://api', (async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch);
    await expect(api.stats()).rejects.toMatchObject({ status: 0, code: 'network', message: 'Could not reach the API at http://api (Failed to fetch).' });
  });
  it('ApiClient refuses an empty instruction list', async () => {
    const api = new ApiClient('http://api', (async () => new Response('{"instructions":[]}', { status: 200 })) as unknown as typeof fetch);
    await expect(api.tx('claim', {})).rejects.toMatchObject({ code: 'bad_response' });
  });
});

describe('<ErrorBox>', () => {
  it('renders title, code, message and folded logs', () => {
    const root = document.createElement('div');
    const e = new RpcError(-32002, 'Transaction simulation failed', 'sendTransaction', { err: { InstructionError: [0, { Custom: 6042 }] }, logs: [ANCHOR_LOG] });
    render(<ErrorBox error={e} programId={PROGRAM_ID} />, root);
    const box = root.querySelector('[data-testid="error"]')!;
    expect(box.getAttribute('role')).toBe('alert');
    expect(box.getAttribute('data-code')).toBe('NoVotingWeight');
    expect(box.querySelector('strong')!.textContent).toBe('The transaction failed in simulation');
    expect(box.querySelector('[data-testid="error-code"]')!.textContent).toBe('NoVotingWeight');
    expect(box.querySelector('[data-testid="error-message"]')!.textContent).toContain('Voter has no veTMAI');
    expect(box.querySelector('details pre')!.textContent).toContain('Error Number: 6042');
  });

  it('shows the advice of a failed action', () => {
    const root = document.createElement('div');
    const e = new RpcError(-32002, 'simulation failed', 'sendTransaction', { err: { InstructionError: [0, { Custom: 6042 }] }, logs: [] });
    e.programIds = [PROGRAM_ID];
    render(<ErrorBox error={e} programId={PROGRAM_ID} action="vote" />, root);
    expect(root.querySelector('[data-testid="error-code"]')!.textContent).toBe('NoVotingWeight');
    expect(root.querySelector('[data-testid="error-hint"]')!.textContent).toMatch(/lock TMAI first/);
  });

  it('an API error without details shows no empty fold', () => {
    const root = document.createElement('div');
    render(<ErrorBox error={new InputError('Enter an amount.')} />, root);
    expect(root.querySelector('details')).toBeNull();
    expect(root.textContent).toContain('Enter an amount.');
  });
});
