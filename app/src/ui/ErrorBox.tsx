import type { TxAction } from '../api';
import { describeTxError } from '../errors';

interface Props {
  error: unknown;
  programId?: string;
  /** The wallet action that failed, for advice on common errors. */
  action?: TxAction;
  onDismiss?: () => void;
  testId?: string;
}

/** An error as a person reads it: what failed, the machine code, the message, logs folded. */
export function ErrorBox({ error, programId, action, onDismiss, testId = 'error' }: Props) {
  const d = describeTxError(error, action, programId);
  return (
    <div class="error" role="alert" data-testid={testId} data-code={d.code ?? ''}>
      <div class="error-head">
        <strong>{d.title}</strong>
        {d.code && (
          <code class="error-code" data-testid="error-code">
            {d.code}
          </code>
        )}
        {onDismiss && (
          <button class="link dismiss" onClick={onDismiss} aria-label="Dismiss">
            ×
          </button>
        )}
      </div>
      <p data-testid="error-message">{d.message}</p>
      {d.hint && (
        <p class="hint" data-testid="error-hint">
          {d.hint}
        </p>
      )}
      {d.details.length > 0 && (
        <details>
          <summary>Details</summary>
          <pre>{d.details.join('\n')}</pre>
        </details>
      )}
    </div>
  );
}
