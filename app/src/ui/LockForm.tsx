import { useState } from 'preact/hooks';

import type { LevelInfo, LockParams, WalletView } from '../api';
import { formatDate, formatMultiplier, formatUnits, InputError, parseUnits } from '../format';
import { durationProblem, previewLock, type LockPreview } from '../preview';
import { DURATIONS, lockEnd, tierClass } from '../tiers';
import type { Ctx } from './context';
import { ErrorBox } from './ErrorBox';

interface Props {
  ctx: Ctx;
  available: bigint | null;
  /** The wallet's figures the preview adds the new lock to. */
  view?: WalletView | null;
  /** `/v1/stats` → `lock_params`; without them there is no preview. */
  params?: LockParams | null;
  levels?: LevelInfo[];
}

/** The amount typed so far, or why it is not one (empty input: neither). */
function readAmount(input: string, decimals: number, available: bigint | null): { base: bigint | null; problem: string | null } {
  if (input.trim() === '') return { base: null, problem: null };
  try {
    const base = parseUnits(input, decimals, 'amount');
    if (available !== null && base > available) {
      return { base, problem: `You have ${formatUnits(available, decimals, { maxFraction: decimals })} TMAI in this wallet.` };
    }
    return { base, problem: null };
  } catch (e) {
    return { base: null, problem: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Create a lock: amount, duration, kind, with a live preview of the new lock's veTMAI and the level
 * and tier it leads to. The API builds the instruction; the wallet signs.
 */
export function LockForm({ ctx, available, view = null, params = null, levels = [] }: Props) {
  const decimals = ctx.config.tmaiDecimals;
  const [amount, setAmount] = useState('');
  const [duration, setDuration] = useState(DURATIONS[DURATIONS.length - 1]!.seconds);
  const [kind, setKind] = useState<'fixed' | 'constant'>('fixed');
  const [error, setError] = useState<unknown>(null);
  const wallet = ctx.wallet;
  const badDuration = params ? durationProblem(duration, params) : null;
  const typed = readAmount(amount, decimals, available);
  const preview =
    params && typed.base !== null && !badDuration
      ? previewLock({ amount: typed.base, duration, kind, now: ctx.now, params, view, levels })
      : null;

  const submit = (e: Event) => {
    e.preventDefault();
    setError(null);
    if (!wallet) return;
    try {
      if (badDuration) throw new InputError(badDuration, 'duration');
      const base = parseUnits(amount, decimals, 'amount');
      if (available !== null && base > available) {
        throw new InputError(`You have ${formatUnits(available, decimals, { maxFraction: decimals })} TMAI in this wallet.`, 'amount');
      }
      ctx.act({
        label: `Lock ${formatUnits(base, decimals, { maxFraction: decimals })} TMAI for ${DURATIONS.find((d) => d.seconds === duration)?.label ?? `${duration} s`} (${kind})`,
        action: 'create_lock',
        body: { owner: wallet.address, amount: base.toString(), duration, kind },
        watch: { kind: 'wallet' },
      });
      setAmount('');
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section class="card" data-testid="lock-form">
      <h2>Lock TMAI</h2>
      <form onSubmit={submit}>
        <label>
          Amount (TMAI)
          <div class="input-row">
            <input
              data-testid="lock-amount"
              inputMode="decimal"
              placeholder="20 000"
              value={amount}
              onInput={(e) => setAmount((e.currentTarget as HTMLInputElement).value)}
            />
            {available !== null && (
              <button type="button" class="secondary" onClick={() => setAmount(formatUnits(available, decimals, { maxFraction: decimals }).replace(/,/g, ''))}>
                Max
              </button>
            )}
          </div>
          {available !== null && <span class="muted small">available: {formatUnits(available, decimals)} TMAI</span>}
        </label>
        <label>
          Duration
          <select
            data-testid="lock-duration"
            value={String(duration)}
            onChange={(e) => setDuration(Number((e.currentTarget as HTMLSelectElement).value))}
          >
            {DURATIONS.map((d) => (
              <option key={d.seconds} value={String(d.seconds)} disabled={params ? durationProblem(d.seconds, params) !== null : false}>
                {d.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Kind
          <select
            data-testid="lock-kind"
            value={kind}
            onChange={(e) => setKind((e.currentTarget as HTMLSelectElement).value as 'fixed' | 'constant')}
          >
            <option value="fixed">Fixed — counts down to its end</option>
            <option value="constant">Constant — keeps its duration until you begin unlocking</option>
          </select>
        </label>
        <p class="muted small" data-testid="lock-preview">
          {kind === 'fixed'
            ? `Unlocks around ${formatDate(lockEnd(ctx.now, duration))} (lock ends fall on whole 7-day epochs).`
            : 'Never counts down: begin unlocking to start the countdown of its full duration.'}{' '}
          {!params && 'Longer locks score more: the multiplier grows with the duration, up to its maximum at the longest lock.'}
        </p>
        {params && (
          <LockPreviewBox
            preview={preview}
            problem={badDuration ?? typed.problem}
            params={params}
            decimals={decimals}
            duration={duration}
            through={view?.guaranteed_through ?? null}
          />
        )}
        <button type="submit" data-testid="lock-submit" disabled={!wallet || ctx.busy || badDuration !== null}>
          {wallet ? 'Lock' : 'Connect a wallet to lock'}
        </button>
      </form>
      {error !== null && <ErrorBox error={error} onDismiss={() => setError(null)} testId="lock-error" />}
    </section>
  );
}

function LevelTier({ level, tier, before, testId }: { level: number; tier: string | null; before: number; testId: string }) {
  return (
    <span data-testid={testId} data-level={level}>
      level <b>{level}</b>
      {tier && (
        <>
          {' '}
          <span class={tierClass(tier)}>{tier}</span>
        </>
      )}
      {level !== before && <span class="muted small"> (was {before})</span>}
    </span>
  );
}

/** veTMAI of the new lock and the level and tier it leads to, now and through the billing month. */
function LockPreviewBox(p: {
  preview: LockPreview | null;
  problem: string | null;
  params: LockParams;
  decimals: number;
  duration: number;
  through: number | null;
}) {
  const maxMult = BigInt(p.params.max_multiplier_bps);
  if (p.problem) {
    return (
      <p class="warn small" data-testid="lock-preview-error">
        {p.problem}
      </p>
    );
  }
  if (!p.preview) {
    return (
      <p class="muted small" data-testid="lock-preview-hint">
        Enter an amount to see its veTMAI. The multiplier grows with the duration from 1.00× to {formatMultiplier(maxMult)} at{' '}
        {Math.round(p.params.max_lock / 86_400)} days.
      </p>
    );
  }
  const v = p.preview;
  const full = (x: bigint) => formatUnits(x, p.decimals, { maxFraction: p.decimals });
  return (
    <div class="preview" data-testid="lock-preview-box">
      <p class="small">
        This lock scores <b data-testid="lock-preview-ve">{full(v.score)}</b> veTMAI (multiplier{' '}
        <span data-testid="lock-preview-multiplier">{formatMultiplier(v.multiplierBps)}</span>).
      </p>
      <p class="small">
        veTMAI now <span data-testid="lock-preview-ve-now">{formatUnits(v.veNow, p.decimals)}</span>:{' '}
        <LevelTier level={v.levelNow} tier={v.tierNow} before={v.levelBefore} testId="lock-preview-level-now" />
      </p>
      <p class="small">
        Guaranteed through {p.through !== null ? formatDate(p.through, { time: false }) : 'the billing month'} (API tier){' '}
        <span data-testid="lock-preview-ve-guaranteed">{formatUnits(v.guaranteedVe, p.decimals)}</span>:{' '}
        <LevelTier level={v.guaranteedLevel} tier={v.tierGuaranteed} before={v.guaranteedLevelBefore} testId="lock-preview-level-guaranteed" />
      </p>
      {!v.countsThroughBilling && (
        <p class="warn small" data-testid="lock-preview-short">
          This lock ends before the billing month does, so it does not raise the API tier this month.
        </p>
      )}
    </div>
  );
}
