// Shared test data: a real ed25519 keypair in the Solana CLI format, a sandbox.json as
// vetmai-sandbox serves it, and API answers shaped like api/src/views.rs writes them.
import { generateKeyPairSync } from 'node:crypto';

import { getBase58Decoder } from '@solana/kit';

import type { InstructionJson, LevelInfo, Position, WalletView } from '../src/api';

export function solanaKeypair(): { secretKey: number[]; pubkey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32);
  const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return { secretKey: [...seed, ...pub], pubkey: getBase58Decoder().decode(pub) };
}

export const PROGRAM_ID = 'HUVPA9UiDVA7TTtNSUoaemRZGmaHwU8j5WQ25chndRjs';
export const TMAI_MINT = 'So11111111111111111111111111111111111111112';
export const USDC_MINT = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
export const TOKEN_PROGRAM = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
export const SYSTEM_PROGRAM = '11111111111111111111111111111111';
export const POOL = solanaKeypair().pubkey;
export const POSITION = solanaKeypair().pubkey;
export const CONFIG_PDA = solanaKeypair().pubkey;
export const BLOCKHASH = solanaKeypair().pubkey;

export function sandboxJson(wallets = [solanaKeypair()]) {
  return {
    program_id: PROGRAM_ID,
    tmai_mint: TMAI_MINT,
    tmai_decimals: 6,
    usdc_mint: USDC_MINT,
    usdc_decimals: 6,
    admin: { pubkey: wallets[0]!.pubkey, keypair: '/tmp/s/keys/admin.json' },
    dev_wallets: wallets.map((w, i) => ({
      name: ['alice', 'bob', 'carol', 'dave'][i] ?? `w${i}`,
      pubkey: w.pubkey,
      keypair: `/tmp/s/keys/w${i}.json`,
      secret_key: w.secretKey,
      note: 'no lock yet: Free tier',
    })),
    cluster: 'sandbox',
    rpc_url: 'http://127.0.0.1:8899',
    ws_url: 'ws://127.0.0.1:8900',
    api_url: 'http://127.0.0.1:8080',
  };
}

const T = 1_000_000n;
const THRESHOLDS = [22_000n, 111_000n, 222_000n, 444_000n, 888_000n, 1_333_000n, 3_333_000n, 4_444_000n, 5_555_000n, 7_777_000n];
const TIER_OF = (l: number) => (l === 0 ? 'Free' : l <= 3 ? 'Advanced' : l <= 6 ? 'Premium' : 'VIP');
const QUOTA: Record<string, [number, number | null]> = {
  Free: [50, null],
  Advanced: [10_000, 50_000],
  Premium: [50_000, 40_000],
  VIP: [250_000, 30_000],
};

export const LEVELS: LevelInfo[] = [0n, ...THRESHOLDS].map((t, level) => {
  const name = TIER_OF(level);
  const [calls, over] = QUOTA[name]!;
  return { level, min_ve: (t * T).toString(), tier: { name, calls_per_month: calls, overage_micro_usd: over } };
});

export function walletView(over: Partial<WalletView> = {}): WalletView {
  return {
    wallet: 'AL1ceWa11et1111111111111111111111111111111',
    ve: '0',
    level: 0,
    tier: 'Free',
    guaranteed_ve: '0',
    guaranteed_level: 0,
    guaranteed_tier: 'Free',
    guaranteed_through: 1_780_272_000, // 1 Jun 2026
    items: [],
    next_offset: null,
    schedule: [],
    ...over,
  };
}

/** A 12-month fixed lock of 20 000 TMAI (40 000 veTMAI) as the API lists it. */
export function position(over: Partial<Position> = {}): Position {
  return {
    pubkey: POSITION,
    index: 0,
    kind: 'fixed',
    amount: '20000000000',
    score: '40000000000',
    active_score: '40000000000',
    duration: 31_536_000,
    created_at: 1_770_000_000,
    end: 1_801_526_400,
    auto_compound: false,
    pending_rewards: [{ pool: POOL, mint: 'USDC', amount: '1500' }],
    ...over,
  };
}

/** create_lock as the API builds it: owner signs and pays, then config, mint, vault, … */
export function createLockIxs(owner: string): InstructionJson[] {
  return [
    {
      program_id: PROGRAM_ID,
      accounts: [
        { pubkey: owner, is_signer: true, is_writable: true },
        { pubkey: CONFIG_PDA, is_signer: false, is_writable: true },
        { pubkey: TMAI_MINT, is_signer: false, is_writable: false },
        { pubkey: POSITION, is_signer: false, is_writable: true },
        { pubkey: TOKEN_PROGRAM, is_signer: false, is_writable: false },
        { pubkey: SYSTEM_PROGRAM, is_signer: false, is_writable: false },
        { pubkey: POOL, is_signer: false, is_writable: true },
      ],
      // 8-byte discriminator + args, base64
      data: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0x4e]).toString('base64'),
    },
  ];
}
