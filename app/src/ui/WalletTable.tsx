import type { ComponentChildren } from 'preact';

import { shortAddress } from '../format';

interface Props<T> {
  /** The summary's label; the count follows it in parentheses. */
  summary: string;
  items: T[];
  /** The wallet of a row, shown first (short, full address on hover). */
  wallet: (item: T) => string;
  /** Header cells after "Wallet"; without them the table has no header. */
  head?: ComponentChildren;
  /** The cells after the wallet's. */
  cells: (item: T) => ComponentChildren;
}

/** A folded table of per-wallet records (votes, commitments), nothing when there are none. */
export function WalletTable<T extends { pubkey: string }>({ summary, items, wallet, head, cells }: Props<T>) {
  if (items.length === 0) return null;
  return (
    <details>
      <summary class="small">
        {summary} ({items.length})
      </summary>
      <table class="compact">
        {head && (
          <thead>
            <tr>
              <th>Wallet</th>
              {head}
            </tr>
          </thead>
        )}
        <tbody>
          {items.map((item) => {
            const w = wallet(item);
            return (
              <tr key={item.pubkey}>
                <td>
                  <code title={w}>{shortAddress(w)}</code>
                </td>
                {cells(item)}
              </tr>
            );
          })}
        </tbody>
      </table>
    </details>
  );
}
