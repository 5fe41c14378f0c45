import type { DevWallet } from '../config';
import { formatSol, formatUnits, shortAddress } from '../format';
import type { WalletChoice } from '../wallet/standard';
import type { AppWallet } from '../wallet/types';

interface Props {
  wallet: AppWallet | null;
  devWallets: DevWallet[];
  standard: WalletChoice[];
  connecting: boolean;
  balances: { sol: bigint; tmai: bigint } | null;
  tmaiDecimals: number;
  onDev: (w: DevWallet) => void;
  onStandard: (c: WalletChoice) => void;
  onDisconnect: () => void;
}

/** Connect a wallet: the sandbox's dev keypairs, or any Wallet Standard wallet in the browser. */
export function WalletBar(p: Props) {
  if (p.wallet) {
    return (
      <div class="wallet-bar connected" data-testid="wallet-connected">
        <span class="badge">{p.wallet.label}</span>
        <code data-testid="wallet-address" title={p.wallet.address}>
          {shortAddress(p.wallet.address, 6)}
        </code>
        {p.balances && (
          <span class="muted small" data-testid="wallet-balances">
            {formatUnits(p.balances.tmai, p.tmaiDecimals)} TMAI · {formatSol(p.balances.sol)}
          </span>
        )}
        <button class="secondary" data-testid="disconnect" onClick={p.onDisconnect}>
          Disconnect
        </button>
      </div>
    );
  }
  return (
    <div class="wallet-bar" data-testid="wallet-picker">
      {p.devWallets.length > 0 && (
        <div class="group">
          <span class="muted small">Sandbox dev wallets</span>
          {p.devWallets.map((w) => (
            <button
              key={w.name}
              data-testid={`dev-wallet-${w.name}`}
              title={w.note}
              disabled={p.connecting}
              onClick={() => p.onDev(w)}
            >
              {w.name}
            </button>
          ))}
        </div>
      )}
      <div class="group">
        <span class="muted small">Browser wallets</span>
        {p.standard.length === 0 && <span class="muted small">none detected (Wallet Standard)</span>}
        {p.standard.map((c) => (
          <button
            key={c.name}
            class="secondary"
            data-testid={`standard-wallet-${c.name}`}
            disabled={p.connecting || Boolean(c.unsupported)}
            title={c.unsupported ?? `Connect ${c.name}`}
            onClick={() => p.onStandard(c)}
          >
            {c.icon && <img src={c.icon} alt="" width={16} height={16} />} {c.name}
          </button>
        ))}
      </div>
    </div>
  );
}
