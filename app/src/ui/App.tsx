import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';

import { runAction } from '../actions';
import {
  ApiClient,
  type Allocation,
  type LevelInfo,
  type Pool,
  type Proposal,
  type Round,
  type Stats,
  type Vote,
  type WalletView,
} from '../api';
import { walletChain, type AppConfig, type DevWallet } from '../config';
import { RpcClient } from '../rpc';
import { connectDevWallet } from '../wallet/dev';
import { connectStandardWallet, watchWallets, type WalletChoice } from '../wallet/standard';
import type { AppWallet } from '../wallet/types';
import { lockParamsOf } from '../preview';
import { claimIndexed, commitIndexed, voteIndexed, walletFingerprint } from '../watch';
import { mintInfo, type ActRequest, type Ctx } from './context';
import { ErrorBox } from './ErrorBox';
import { Governance } from './Governance';
import { LockForm } from './LockForm';
import { Positions } from './Positions';
import { Overview, Rewards } from './Rewards';
import { Rounds } from './Rounds';
import { Summary, TierTable } from './Summary';
import { TxPanel, type TxState } from './TxPanel';
import { WalletBar } from './WalletBar';

const REFRESH_MS = 10_000;

interface PublicData {
  stats: Stats | null;
  pools: Pool[];
  proposals: Proposal[];
  votes: Record<number, Vote[]>;
  rounds: Round[];
  allocations: Record<number, Allocation[]>;
  levels: LevelInfo[];
}

const EMPTY: PublicData = { stats: null, pools: [], proposals: [], votes: {}, rounds: [], allocations: {}, levels: [] };

interface Balances {
  sol: bigint;
  tmai: bigint;
  /** Payment mints of the sale rounds, base units. */
  tokens: Record<string, bigint>;
}

type Errors = Partial<Record<'public' | 'wallet' | 'connect', unknown>>;

export function App({ config }: { config: AppConfig }) {
  const api = useMemo(() => new ApiClient(config.apiUrl), [config]);
  const rpc = useMemo(() => new RpcClient(config.rpcUrl), [config]);
  const chain = walletChain(config.cluster);

  const [now, setNow] = useState(() => Math.floor(Date.now() / 1000));
  const [data, setData] = useState<PublicData>(EMPTY);
  const [loaded, setLoaded] = useState(false);
  const [wallet, setWallet] = useState<AppWallet | null>(null);
  const [view, setView] = useState<WalletView | null>(null);
  const [balances, setBalances] = useState<Balances | null>(null);
  const [standard, setStandard] = useState<WalletChoice[]>([]);
  const [connecting, setConnecting] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  const [tx, setTx] = useState<TxState | null>(null);
  const [decimals, setDecimals] = useState<Record<string, number>>({});
  const walletRef = useRef<AppWallet | null>(null);
  walletRef.current = wallet;
  // Payment mints of the sale rounds, whose balances the commit forms show.
  const paymentMintsRef = useRef<string[]>([]);
  paymentMintsRef.current = [...new Set(data.rounds.map((r) => r.payment_mint))].filter((m) => m !== config.tmaiMint);

  const setError = (k: keyof Errors, e: unknown) => setErrors((old) => ({ ...old, [k]: e }));

  const loadPublic = useCallback(async () => {
    try {
      const [stats, pools, proposals, rounds, levels] = await Promise.all([
        api.stats(),
        api.pools(),
        api.proposals(),
        api.rounds(),
        api.tiers(),
      ]);
      const votes: Record<number, Vote[]> = {};
      const allocations: Record<number, Allocation[]> = {};
      await Promise.all([
        ...proposals.items.map(async (p) => (votes[p.id] = (await api.votes(p.id)).items)),
        ...rounds.items.map(async (r) => (allocations[r.id] = (await api.allocations(r.id)).items)),
      ]);
      setData({ stats, pools, proposals: proposals.items, votes, rounds: rounds.items, allocations, levels });
      setError('public', null);
    } catch (e) {
      setError('public', e);
    } finally {
      setLoaded(true);
    }
  }, [api]);

  const loadWallet = useCallback(
    async (w: AppWallet | null = walletRef.current): Promise<WalletView | null> => {
      if (!w) return null;
      try {
        const mints = paymentMintsRef.current;
        const [v, sol, tmai, ...paid] = await Promise.all([
          api.wallet(w.address),
          rpc.balance(w.address).catch(() => null),
          rpc.tokenBalance(w.address, config.tmaiMint).catch(() => null),
          ...mints.map((m) => rpc.tokenBalance(w.address, m).catch(() => null)),
        ]);
        if (walletRef.current?.address !== w.address) return null;
        setView(v);
        const tokens: Record<string, bigint> = {};
        mints.forEach((m, i) => {
          const b = paid[i];
          if (b !== null && b !== undefined) tokens[m] = b;
        });
        setBalances(sol !== null && tmai !== null ? { sol, tmai, tokens } : null);
        setError('wallet', null);
        return v;
      } catch (e) {
        setError('wallet', e);
        return null;
      }
    },
    [api, rpc, config],
  );

  // First load, then a refresh every few seconds (the index follows the chain within a second or two).
  useEffect(() => {
    void loadPublic();
    const t = setInterval(() => {
      setNow(Math.floor(Date.now() / 1000));
      if (document.visibilityState !== 'hidden') {
        void loadPublic();
        void loadWallet();
      }
    }, REFRESH_MS);
    return () => clearInterval(t);
  }, [loadPublic, loadWallet]);

  useEffect(() => watchWallets(chain, setStandard), [chain]);

  // Decimals of reward and payment mints the config does not name.
  useEffect(() => {
    const mints = new Set([...data.pools.map((p) => p.mint), ...data.rounds.map((r) => r.payment_mint)]);
    for (const m of mints) {
      if (config.mints[m] || decimals[m] !== undefined) continue;
      rpc
        .mintDecimals(m)
        .then((d) => setDecimals((old) => ({ ...old, [m]: d })))
        .catch(() => undefined);
    }
  }, [data.pools, data.rounds, config, rpc, decimals]);

  const connected = async (w: AppWallet) => {
    setWallet(w);
    walletRef.current = w;
    setView(null);
    setError('connect', null);
    await loadWallet(w);
  };

  const connect = async (f: () => Promise<AppWallet>) => {
    setConnecting(true);
    try {
      await connected(await f());
    } catch (e) {
      setError('connect', e);
    } finally {
      setConnecting(false);
    }
  };

  const disconnect = async () => {
    await wallet?.disconnect();
    setWallet(null);
    walletRef.current = null;
    setView(null);
    setBalances(null);
    setTx(null);
  };

  const act = useCallback(
    (req: ActRequest) => {
      const w = walletRef.current;
      if (!w) return;
      let before = view;
      let allocationsBefore: Allocation[] = [];
      const since = Math.floor(Date.now() / 1000) - 60;
      const indexed = async (): Promise<boolean> => {
        const watch = req.watch;
        if (watch.kind === 'vote') {
          const votes = (await api.votes(watch.proposalId)).items;
          setData((d) => ({ ...d, votes: { ...d.votes, [watch.proposalId]: votes } }));
          return voteIndexed(votes, w.address, watch.choice, since);
        }
        if (watch.kind === 'commit') {
          const [allocations, rounds] = await Promise.all([api.allocations(watch.roundId), api.rounds()]);
          setData((d) => ({ ...d, rounds: rounds.items, allocations: { ...d.allocations, [watch.roundId]: allocations.items } }));
          return commitIndexed(allocationsBefore, allocations.items, w.address, watch.amount);
        }
        const after = await loadWallet(w);
        if (!after || !before) return after !== null;
        if (watch.kind === 'claim') return claimIndexed(before, after, watch.position, watch.pool);
        return walletFingerprint(after) !== walletFingerprint(before);
      };
      setTx({ label: req.label, action: req.action, progress: null, error: null });
      // A claim is recognised by its pending amount dropping: compare with a fresh reading.
      // A commit is recognised by the wallet's commitment growing: compare with a fresh reading.
      const watch = req.watch;
      const fresh =
        watch.kind === 'claim'
          ? loadWallet(w).then((v) => (before = v ?? before))
          : watch.kind === 'commit'
            ? api.allocations(watch.roundId).then((a) => (allocationsBefore = a.items))
            : Promise.resolve(before);
      fresh
        .then(() =>
          runAction({
            api,
            rpc,
            wallet: w,
            action: req.action,
            body: req.body,
            indexed,
            onProgress: (progress) => setTx((t) => (t ? { ...t, progress } : t)),
          }),
        )
        .catch((error: unknown) => setTx((t) => (t ? { ...t, error } : { label: req.label, action: req.action, progress: null, error })))
        .finally(() => {
          void loadPublic();
          void loadWallet(w);
        });
    },
    [api, rpc, view, loadWallet, loadPublic],
  );

  const busy = tx !== null && tx.error === null && tx.progress?.step !== 'done';
  const ctx: Ctx = {
    config,
    now,
    wallet,
    busy,
    mint: (m) => mintInfo(config, decimals, m),
    mintKnown: (m) => config.mints[m] !== undefined || decimals[m] !== undefined,
    act,
  };
  const d = config.tmaiDecimals;

  return (
    <div class="page">
      <header class="top">
        <div class="brand">
          <span class="logo">ve</span>
          <div>
            <h1>veTMAI</h1>
            <span class="muted small">
              Staking Score · tiers · revenue · DAO <span class="chip">{config.cluster}</span>
            </span>
          </div>
        </div>
        <WalletBar
          wallet={wallet}
          devWallets={config.devWallets}
          standard={standard}
          connecting={connecting}
          balances={balances}
          tmaiDecimals={d}
          onDev={(w: DevWallet) => void connect(() => connectDevWallet(w))}
          onStandard={(c) => void connect(() => connectStandardWallet(c.wallet, chain))}
          onDisconnect={() => void disconnect()}
        />
      </header>

      {errors.connect != null && <ErrorBox error={errors.connect} onDismiss={() => setError('connect', null)} testId="connect-error" />}
      {errors.public != null && <ErrorBox error={errors.public} testId="load-error" />}
      {tx && <TxPanel tx={tx} programId={config.programId} onClose={() => setTx(null)} />}

      <main>
        {wallet ? (
          <>
            {errors.wallet != null && <ErrorBox error={errors.wallet} testId="wallet-error" />}
            {view ? (
              <div class="grid two">
                <Summary view={view} levels={data.levels} decimals={d} />
                <LockForm
                  ctx={ctx}
                  available={balances?.tmai ?? null}
                  view={view}
                  params={lockParamsOf(data.stats?.lock_params)}
                  levels={data.levels}
                />
              </div>
            ) : (
              errors.wallet == null && <p class="muted">Loading the wallet…</p>
            )}
            {view && <Positions ctx={ctx} positions={view.items} pools={data.pools} more={view.next_offset !== null} />}
          </>
        ) : (
          <section class="card intro" data-testid="intro">
            <h2>Lock TMAI, raise your Staking Score</h2>
            <p>
              veTMAI is the score of your locked TMAI: the longer the lock, the higher it scores. It sets your level and your API
              tier, your share of the revenue streamed to stakers, your voting weight and your early access to sale rounds.
              Connect a wallet to see your positions and act.
            </p>
          </section>
        )}
        {!loaded && <p class="muted">Loading…</p>}
        {data.stats && <Overview stats={data.stats} decimals={d} />}
        <div class="grid two">
          <Rewards ctx={ctx} pools={data.pools} stats={data.stats} positions={view?.items ?? []} />
          <Governance ctx={ctx} proposals={data.proposals} votes={data.votes} />
        </div>
        <div class="grid two">
          <Rounds
            ctx={ctx}
            rounds={data.rounds}
            allocations={data.allocations}
            view={view}
            levels={data.levels}
            balances={balances?.tokens ?? null}
          />
          {data.levels.length > 0 && (
            <TierTable levels={data.levels} decimals={d} current={view?.level} guaranteed={view?.guaranteed_level} />
          )}
        </div>
      </main>
      <footer class="muted small">
        API <code>{config.apiUrl}</code> · RPC <code>{config.rpcUrl}</code> · program <code>{config.programId}</code>
      </footer>
    </div>
  );
}
