// @ts-check
// Browser test of the dashboard against a running sandbox (./scripts/run.sh), in Debian's headless
// Chromium driven by playwright-core:
//   open the app → connect the dev wallet → a vote without veTMAI fails with the program's error →
//   lock 20 000 TMAI for 12 months → veTMAI and tier change once the indexer has the lock (Free →
//   Advanced for alice) → vote → claim rewards.
// Env: APP_URL (default http://127.0.0.1:3000), E2E_WALLET (alice), E2E_ARTIFACTS (screenshots,
// default ./e2e-artifacts), CHROMIUM (default /usr/bin/chromium), E2E_TIMEOUT_MS (per wait, 90 000).
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
  return (await tid(id).first().textContent())?.trim() ?? '';
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
    if (code !== 'NoVotingWeight') throw new Error(`expected the program error NoVotingWeight on screen, got [${code}] ${shown}`);
    await screenshot('vote-error-shown');
    await closeTx();
  }

  // Lock.
  await tid('lock-amount').fill(LOCK_TMAI);
  await tid('lock-duration').selectOption(LOCK_SECONDS);
  await tid('lock-kind').selectOption('fixed');
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
