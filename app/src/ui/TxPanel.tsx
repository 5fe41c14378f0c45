import type { Progress, Step } from '../actions';
import type { TxAction } from '../api';
import { shortAddress } from '../format';
import { ErrorBox } from './ErrorBox';

export interface TxState {
  label: string;
  action?: TxAction;
  progress: Progress | null;
  error: unknown;
}

const STEPS: [Step, string][] = [
  ['building', 'Build (API)'],
  ['signing', 'Sign'],
  ['sending', 'Send'],
  ['confirming', 'Confirm'],
  ['indexing', 'Index'],
  ['done', 'Done'],
];

/** Where the current transaction is: API build → sign → send → confirmation → indexer. */
export function TxPanel({ tx, programId, onClose }: { tx: TxState; programId: string; onClose: () => void }) {
  const step = tx.progress?.step ?? 'building';
  const at = STEPS.findIndex(([s]) => s === step);
  const state = tx.error ? 'error' : step === 'done' ? (tx.progress?.indexed === false ? 'confirmed' : 'indexed') : 'pending';
  return (
    <section class="card tx" data-testid="tx-status" data-state={state} data-step={step} aria-live="polite">
      <div class="tx-head">
        <strong>{tx.label}</strong>
        {(state !== 'pending') && (
          <button class="link dismiss" onClick={onClose} aria-label="Close">
            ×
          </button>
        )}
      </div>
      <ol class="steps">
        {STEPS.map(([s, label], i) => (
          <li key={s} class={tx.error && i === at ? 'failed' : i < at || state === 'indexed' ? 'past' : i === at ? 'now' : ''}>
            {label}
          </li>
        ))}
      </ol>
      {tx.progress?.signature && (
        <p class="muted small">
          Signature <code title={tx.progress.signature}>{shortAddress(tx.progress.signature, 8)}</code>
        </p>
      )}
      {state === 'pending' && step === 'indexing' && <p class="muted small">Confirmed. Waiting for the indexer to mirror it…</p>}
      {state === 'indexed' && <p class="ok small">Confirmed and indexed: the figures below are up to date.</p>}
      {state === 'confirmed' && (
        <p class="warn small">
          Confirmed on chain, but the index has not shown the change yet; the dashboard keeps refreshing.
        </p>
      )}
      {tx.error !== null && tx.error !== undefined && <ErrorBox error={tx.error} programId={programId} action={tx.action} testId="tx-error" />}
    </section>
  );
}
