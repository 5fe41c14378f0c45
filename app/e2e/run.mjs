// @ts-check
// Browser test of the dashboard against a running sandbox (./scripts/run.sh), in Debian's headless
// Chromium driven by playwright-core:
//   open the app → connect the dev wallet → a vote without veTMAI is refused (the API's 422) →
//   lock 20 000 TMAI for 12 months → veTMAI and tier change once the indexer has the lock (Free →
//   Advanced for alice; the form's preview says 40 000 veTMAI, level 1, before it is sent) → vote →
//   claim rewards → alice's sale window (level 1: 18 h after the start) is shown as not open yet →
//   through the Wallet Standard path, a browser wallet injected into the page (holding the
//   sandbox's bob key) connects and votes → dave (level 9, whose window opened with the round)
//   commits 100 USDC to round 0 and the round's allocations show it.
// Env: APP_URL (default http://127.0.0.1:3000), E2E_WALLET (alice), E2E_ARTIFACTS (screenshots,
// default ./e2e-artifacts), CHROMIUM (default /usr/bin/chromium), E2E_TIMEOUT_MS (per wait, 90 000),
// E2E_STANDARD_WALLET (the dev wallet the injected Wallet Standard wallet holds, bob; "" skips it),
// E2E_COMMIT_WALLET (the dev wallet that commits to round 0, dave; "" skips it).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { chromium } from 'playwright-core';

const APP_URL = process.env.APP_URL ?? 'http://127.0.0.1:3000';
const WALLET = process.env.E2E_WALLET ?? 'alice';
const ARTIFACTS = resolve(process.env.E2E_ARTIFACTS ?? 'e2e-artifacts');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const TIMEOUT = Number(process.env.E2E_TIMEOUT_MS ?? 90_000);
const LOCK_TMAI = '20000';
const LOCK_SECONDS = String(365 * 86_400);
const STANDARD_WALLET = process.env.E2E_STANDARD_WALLET ?? 'bob';
const INJECTED_NAME = 'E2E-Wallet';
const COMMIT_WALLET = process.env.E2E_COMMIT_WALLET ?? 'dave';
const COMMIT_USDC = '100';

/**
 * Runs in the page before the app: registers a Wallet Standard wallet (the protocol of
 * @wallet-standard/wallet: answer `wallet-standard:app-ready`, dispatch
 * `wallet-standard:register-wallet`) that signs with WebCrypto Ed25519 the way a browser
 * extension would: it gets the serialized transaction, signs its message, returns the bytes.
 * @param {{ name: string, secretKey: number[] }} arg
 */
function injectStandardWallet({ name, secretKey }) {
  const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  /** @param {Uint8Array} bytes */
  const b58 = (bytes) => {
    let n = 0n;
    for (const b of bytes) n = n * 256n + BigInt(b);
    let s = '';
    while (n > 0n) {
      s = ALPHABET[Number(n % 58n)] + s;
      n /= 58n;
    }
    for (const b of bytes) {
      if (b !== 0) break;
      s = '1' + s;
    }
    return s;
  };
  /** @param {Uint8Array} bytes @param {number} o @returns {[number, number]} */
  const compactU16 = (bytes, o) => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = /** @type {number} */ (bytes[o++]);
      v |= (b & 0x7f) << shift;
      if (!(b & 0x80)) return [v, o];
    }
  };
  const pub = new Uint8Array(secretKey.slice(32));
  const pkcs8 = new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20, ...secretKey.slice(0, 32)]);
  const key = crypto.subtle.importKey('pkcs8', pkcs8, 'Ed25519', false, ['sign']);
  const address = b58(pub);
  const chains = /** @type {const} */ (['solana:localnet']);
  const account = { address, publicKey: pub, chains, features: ['solana:signTransaction'] };
  const wallet = {
    version: '1.0.0',
    name,
    icon: 'data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAxNiAxNiI+PHJlY3Qgd2lkdGg9IjE2IiBoZWlnaHQ9IjE2IiBmaWxsPSIjMDU5NjY5Ii8+PC9zdmc+',
    chains,
    accounts: [account],
    features: {
      'standard:connect': { version: '1.0.0', connect: async () => ({ accounts: [account] }) },
      'standard:events': { version: '1.0.0', on: () => () => undefined },
      'solana:signTransaction': {
        version: '1.0.0',
        supportedTransactionVersions: ['legacy', 0],
        /** @param {...{ transaction: Uint8Array }} inputs */
        signTransaction: async (...inputs) =>
          Promise.all(
            inputs.map(async ({ transaction }) => {
              const bytes = new Uint8Array(transaction);
              const [sigCount, sigStart] = compactU16(bytes, 0);
              const message = bytes.slice(sigStart + 64 * sigCount);
              // Legacy message: 3 header bytes, then the account keys; signers come first.
              const [, keysStart] = compactU16(message, 3);
              let index = -1;
              for (let i = 0; i < sigCount; i++) {
                if (b58(message.slice(keysStart + 32 * i, keysStart + 32 * (i + 1))) === address) index = i;
              }
              if (index < 0) throw new Error(`${name}: this transaction needs no signature from ${address}`);
              const sig = new Uint8Array(await crypto.subtle.sign('Ed25519', await key, message));
              const out = bytes.slice();
              out.set(sig, sigStart + 64 * index);
              return { signedTransaction: out };
            }),
          ),
      },
    },
  };
  /** @param {{ register: (w: unknown) => void }} api */
  const register = (api) => api.register(wallet);
  window.addEventListener('wallet-standard:app-ready', (e) => register(/** @type {CustomEvent} */ (e).detail));
  window.dispatchEvent(new CustomEvent('wallet-standard:register-wallet', { detail: register }));
}

mkdirSync(ARTIFACTS, { recursive: true });
const started = Date.now();
const log = (/** @type {string} */ msg) => console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);

/** @type {string[]} */
const consoleLines = [];
/** @type {string[]} */
const pageErrors = [];
let shot = 0;

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
}).catch((e) => {
  console.error(`e2e: cannot start Chromium at ${CHROMIUM} (${e.message}). Install it: apt-get install -y chromium`);
  process.exit(2);
});
const page = await browser.newPage({ viewport: { width: 1360, height: 960 } });
page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
page.on('pageerror', (e) => pageErrors.push(String(e)));

/** @type {{ name: string, secretKey: number[] } | null} */
let injected = null;
if (STANDARD_WALLET) {
  const res = await fetch(new URL('sandbox.json', APP_URL.endsWith('/') ? APP_URL : `${APP_URL}/`)).catch(() => null);
  const sandbox = res && res.ok ? await res.json().catch(() => null) : null;
  const dev = sandbox?.dev_wallets?.find((/** @type {{ name: string }} */ w) => w.name === STANDARD_WALLET);
  if (dev) {
    injected = { name: INJECTED_NAME, secretKey: dev.secret_key };
    await page.addInitScript(injectStandardWallet, injected);
  } else {
    console.log(`[e2e] no dev wallet "${STANDARD_WALLET}" in sandbox.json: skipping the Wallet Standard step`);
  }
}

/** @param {string} name */
async function screenshot(name) {
  const file = join(ARTIFACTS, `${String(++shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  log(`screenshot ${file}`);
}

/** @param {string} id */
const tid = (id) => page.locator(`[data-testid="${id}"]`);

/** @param {string} id */
async function text(id) {
  return (await tid(id).first().innerText()).replace(/\s+/g, ' ').trim();
}

/**
 * Waits for `check` to answer a truthy value, failing with `what` and the page's state on timeout.
 * @template T
 * @param {string} what
 * @param {() => Promise<T>} check
 * @param {number} [timeout]
 * @returns {Promise<NonNullable<T>>}
 */
async function waitFor(what, check, timeout = TIMEOUT) {
  const deadline = Date.now() + timeout;
  let last = '';
  for (;;) {
    try {
      const v = await check();
      if (v) return /** @type {NonNullable<T>} */ (v);
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout / 1000} s waiting for ${what}${last ? ` (last error: ${last})` : ''}`);
    await page.waitForTimeout(250);
  }
}

/** The transaction panel's final state; throws with the displayed error if it failed. */
async function txOutcome(/** @type {string} */ what) {
  const state = await waitFor(`${what}: the transaction to finish`, async () => {
    const s = await tid('tx-status').getAttribute('data-state', { timeout: 1000 });
    return s && s !== 'pending' ? s : null;
  });
  if (state === 'error') {
    const code = await tid('tx-error').getAttribute('data-code');
    throw new Error(`${what} failed: [${code}] ${await text('tx-error')}`);
  }
  return state;
}

async function closeTx() {
  await page.locator('[data-testid="tx-status"] button[aria-label="Close"]').click();
  await tid('tx-status').waitFor({ state: 'detached' });
}

let failed = false;
try {
  log(`opening ${APP_URL} (wallet ${WALLET}, artifacts in ${ARTIFACTS})`);
  const res = await page.goto(APP_URL, { waitUntil: 'domcontentloaded' });
  if (!res || !res.ok()) throw new Error(`GET ${APP_URL} answered ${res?.status()}`);
  await waitFor(`the dev wallet button "${WALLET}" (is ${APP_URL}/sandbox.json served?)`, async () => {
    if (await tid('config-error').count()) throw new Error(`the app says: ${await text('config-error')}`);
    return tid(`dev-wallet-${WALLET}`).isVisible();
  });
  await waitFor('the proposals and pools to load', async () => (await tid('proposal-0').count()) > 0 && (await tid('pool-0').count()) > 0);
  await screenshot('opened');

  // Connect.
  await tid(`dev-wallet-${WALLET}`).click();
  await waitFor('the wallet summary', async () => tid('tier-current').isVisible());
  const ve0 = await text('ve-current');
  const tier0 = await text('tier-current');
  const guaranteed0 = await text('ve-guaranteed');
  log(`connected ${await text('wallet-address')}: veTMAI ${ve0}, tier ${tier0}, guaranteed ${guaranteed0}`);
  await screenshot('connected');

  // Without guaranteed veTMAI a vote must fail, and the program's error must be on screen.
  if (guaranteed0 === '0' && (await tid('vote-0-yes').count())) {
    await tid('vote-0-yes').click();
    const state = await waitFor('the vote without veTMAI to fail', async () => {
      const s = await tid('tx-status').getAttribute('data-state', { timeout: 1000 });
      return s && s !== 'pending' ? s : null;
    });
    if (state !== 'error') throw new Error(`a vote with no veTMAI was expected to fail, but the transaction ended "${state}"`);
    const code = await tid('tx-error').getAttribute('data-code');
    const shown = await text('tx-error');
    log(`vote without veTMAI refused as expected: [${code}] ${shown.slice(0, 160)}`);
    // With no lock the voter has no staker account (Anchor's AccountNotInitialized); with only
    // ended locks the program answers NoVotingWeight. Either way it must be named, not a number.
    // The API refuses it first (422 rejected: no veTMAI locked through the voting end); should the
    // index lag, the program's own error must be named instead.
    if (!['rejected', 'NoVotingWeight', 'AccountNotInitialized'].includes(code ?? '')) {
      throw new Error(`expected the API's refusal or the program's error (NoVotingWeight or AccountNotInitialized) on screen, got [${code}] ${shown}`);
    }
    if (!(await tid('error-hint').count())) throw new Error('the failed vote shows no advice (lock TMAI first)');
    await screenshot('vote-error-shown');
    await closeTx();
  }

  // Lock.
  await tid('lock-amount').fill(LOCK_TMAI);
  await tid('lock-duration').selectOption(LOCK_SECONDS);
  await tid('lock-kind').selectOption('fixed');
  // The live preview: 12 months is exactly 2.0x, so 20 000 TMAI score 40 000 veTMAI.
  const previewVe = await waitFor('the lock preview', async () => ((await tid('lock-preview-ve').count()) ? text('lock-preview-ve') : null));
  const previewLevel = await tid('lock-preview-level-now').getAttribute('data-level');
  const previewGuaranteed = await tid('lock-preview-level-guaranteed').getAttribute('data-level');
  log(`preview: ${previewVe} veTMAI (${await text('lock-preview-multiplier')}), level ${previewLevel} now, ${previewGuaranteed} through the billing month`);
  if (previewVe !== '40,000') throw new Error(`the preview of 20 000 TMAI for 12 months says ${previewVe} veTMAI, not 40,000`);
  if (WALLET === 'alice' && ve0 === '0' && (previewLevel !== '1' || previewGuaranteed !== '1')) {
    throw new Error(`the preview for alice says level ${previewLevel} / ${previewGuaranteed}, not 1 / 1`);
  }
  await screenshot('lock-form-filled');
  await tid('lock-submit').click();
  log(`lock of ${LOCK_TMAI} TMAI for 12 months submitted`);
  await waitFor('the transaction to be sent', async () => {
    const step = await tid('tx-status').getAttribute('data-step', { timeout: 1000 });
    return step && !['building', 'signing'].includes(step);
  });
  await screenshot('lock-sent');
  const lockState = await txOutcome('create_lock');
  log(`create_lock ${lockState}: ${await text('tx-status')}`);

  const [ve1, tier1] = await waitFor(`the displayed veTMAI (${ve0}) and tier (${tier0}) to change after the lock`, async () => {
    const ve = await text('ve-current');
    const tier = await text('tier-current');
    return ve !== ve0 && (tier0 !== 'Free' || tier !== tier0) ? /** @type {[string, string]} */ ([ve, tier]) : null;
  });
  log(`after the lock: veTMAI ${ve0} → ${ve1}, tier ${tier0} → ${tier1}, guaranteed ${await text('ve-guaranteed')} (${await text('tier-guaranteed')})`);
  const toNum = (/** @type {string} */ s) => Number(s.replace(/,/g, ''));
  if (!(toNum(ve1) > toNum(ve0))) throw new Error(`veTMAI went from ${ve0} to ${ve1}: expected it to grow`);
  if (tier0 === 'Free' && tier1 === 'Free') throw new Error('tier is still Free after the lock');
  if (WALLET === 'alice' && tier0 === 'Free' && tier1 !== 'Advanced') throw new Error(`alice should be Advanced after the lock, not ${tier1}`);
  await tid('position-0').waitFor();
  await tid('schedule-chart').waitFor();
  await closeTx();
  await screenshot('locked-tier-changed');

  // Vote yes on proposal 0 (now with voting weight).
  const voters0 = Number(await text('proposal-voters'));
  if (await tid('vote-0-yes').isEnabled()) {
    await tid('vote-0-yes').click();
    const voteState = await txOutcome('vote');
    await waitFor('my vote to be shown', async () => tid('my-vote').isVisible());
    log(`vote ${voteState}: ${await text('my-vote')}`);
    await waitFor('the proposal tally to count the new voter', async () => Number(await text('proposal-voters')) >= voters0 + 1, 30_000).catch(
      () => log(`note: voters still ${voters0} (the proposal list refreshes every 10 s)`),
    );
    await closeTx();
    await screenshot('voted');
  } else {
    log('proposal 0 is not open for a new vote from this wallet; skipping the vote');
  }

  // Claim the rewards the new position has earned since the lock.
  const claim = page.locator('[data-testid^="claim-"][data-testid$="-USDC"]').first();
  await waitFor('pending USDC rewards to claim', async () => claim.isEnabled());
  const pending = await text('my-pending-USDC');
  await claim.click();
  const claimState = await txOutcome('claim');
  log(`claim of ${pending} USDC pending: ${claimState}`);
  await closeTx();
  await screenshot('claimed');

  // Round 0 opened with the sandbox: level 1–4 windows open 18 h after its start, so alice's form
  // says when and sends nothing (the API would refuse it: 422).
  if (await tid('commit-form-0').count()) {
    const hint = await text('commit-hint-0');
    log(`round 0 for ${WALLET}: ${hint}`);
    if (/^The window for level \d+ opens/.test(hint) && (await tid('commit-submit-0').isEnabled())) {
      throw new Error('the commit button is enabled although the window is not open');
    }
  }

  // The Wallet Standard path: a browser wallet (injected above) connects, signs and votes.
  if (injected) {
    await tid('disconnect').click();
    const button = tid(`standard-wallet-${INJECTED_NAME}`);
    await waitFor(`the Wallet Standard wallet "${INJECTED_NAME}" to be offered`, async () => button.isEnabled());
    await button.click();
    await waitFor('the standard wallet to connect', async () => (await text('wallet-connected')).includes(INJECTED_NAME));
    await waitFor('its summary', async () => tid('tier-current').isVisible());
    log(`connected ${INJECTED_NAME} (${STANDARD_WALLET}'s key) ${await text('wallet-address')}: veTMAI ${await text('ve-current')}, tier ${await text('tier-current')}`);
    const choice = (await tid('vote-0-abstain').count()) && (await tid('vote-0-abstain').isEnabled()) ? 'abstain' : 'no';
    if (await tid(`vote-0-${choice}`).count()) {
      await tid(`vote-0-${choice}`).click();
      const state = await txOutcome(`vote ${choice} signed by ${INJECTED_NAME}`);
      await waitFor('the wallet’s vote to be shown', async () => (await text('my-vote')).includes(choice));
      log(`vote ${choice} through the Wallet Standard wallet: ${state}`);
      await closeTx();
    }
    await screenshot('standard-wallet-voted');
  }

  // Commit to round 0 from a wallet whose window is open (dave, level 9: from the start).
  if (COMMIT_WALLET) {
    await tid('disconnect').click();
    await waitFor(`the dev wallet button "${COMMIT_WALLET}"`, async () => tid(`dev-wallet-${COMMIT_WALLET}`).isVisible());
    await tid(`dev-wallet-${COMMIT_WALLET}`).click();
    await waitFor(`${COMMIT_WALLET}'s commit form for round 0`, async () => (await tid('commit-submit-0').count()) && tid('commit-submit-0').isEnabled());
    const committedText = async () => ((await tid('round-mine-committed-0').count()) ? text('round-mine-committed-0') : '');
    const amountOf = (/** @type {string} */ s) => Number((/You committed ([\d,.]+)/.exec(s)?.[1] ?? '0').replace(/,/g, ''));
    const before = amountOf(await committedText());
    log(`${COMMIT_WALLET}: ${await text('commit-hint-0')}; committed so far ${before} USDC`);
    await tid('commit-amount-0').fill(COMMIT_USDC);
    await tid('commit-submit-0').click();
    const state = await txOutcome(`commit ${COMMIT_USDC} USDC`);
    if (state !== 'indexed') throw new Error(`the commit was confirmed but the allocation did not show it in time (${state})`);
    const after = await waitFor('the round to show the new commitment', async () => {
      const n = amountOf(await committedText());
      return n === before + Number(COMMIT_USDC) ? n : null;
    });
    log(`commit ${state}: ${COMMIT_WALLET} committed ${before} → ${after} USDC (${await text('round-mine-committed-0')})`);
    await closeTx();
    await screenshot('committed');
  }

  log('passed');
} catch (e) {
  failed = true;
  console.error(`\ne2e FAILED: ${e instanceof Error ? e.message : String(e)}`);
  await screenshot('failure').catch(() => undefined);
} finally {
  writeFileSync(join(ARTIFACTS, 'browser-console.log'), [...consoleLines, ...pageErrors.map((e) => `[pageerror] ${e}`)].join('\n') + '\n');
  if (pageErrors.length) {
    console.error(`uncaught errors in the page:\n  ${pageErrors.join('\n  ')}`);
    failed = true;
  }
  await browser.close();
}
process.exit(failed ? 1 : 0);
