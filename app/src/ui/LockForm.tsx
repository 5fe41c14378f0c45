import { useState } from 'preact/hooks';

import { formatDate, formatUnits, InputError, parseUnits } from '../format';
import { DURATIONS, lockEnd } from '../tiers';
import type { Ctx } from './context';
import { ErrorBox } from './ErrorBox';

/** Create a lock: amount, duration, kind. The API builds the instruction; the wallet signs. */
export function LockForm({ ctx, available }: { ctx: Ctx; available: bigint | null }) {
  const decimals = ctx.config.tmaiDecimals;
  const [amount, setAmount] = useState('');
  const [duration, setDuration] = useState(DURATIONS[DURATIONS.length - 1]!.seconds);
  const [kind, setKind] = useState<'fixed' | 'constant'>('fixed');
  const [error, setError] = useState<unknown>(null);
  const wallet = ctx.wallet;

  const submit = (e: Event) => {
    e.preventDefault();
    setError(null);
    if (!wallet) return;
    try {
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
              <option key={d.seconds} value={String(d.seconds)}>
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
          Longer locks score more: the multiplier grows with the duration, up to its maximum at the longest lock.
        </p>
        <button type="submit" data-testid="lock-submit" disabled={!wallet || ctx.busy}>
          {wallet ? 'Lock' : 'Connect a wallet to lock'}
        </button>
      </form>
      {error !== null && <ErrorBox error={error} onDismiss={() => setError(null)} testId="lock-error" />}
    </section>
  );
}
