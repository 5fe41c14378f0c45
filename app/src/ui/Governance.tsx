import type { Proposal, Vote } from '../api';
import { formatBps, formatDate, formatRelative, formatUnits, shortAddress } from '../format';
import { proposalStatus, tally } from '../governance';
import type { Ctx } from './context';
import { WalletTable } from './WalletTable';

interface Props {
  ctx: Ctx;
  proposals: Proposal[];
  votes: Record<number, Vote[]>;
}

const CHOICES: ['yes' | 'no' | 'abstain', string][] = [
  ['yes', 'Yes'],
  ['no', 'No'],
  ['abstain', 'Abstain'],
];

/** DAO proposals with their tallies; vote (or change a vote) while voting is open. */
export function Governance({ ctx, proposals, votes }: Props) {
  const d = ctx.config.tmaiDecimals;
  return (
    <section class="card" data-testid="proposals">
      <h2>Proposals</h2>
      {proposals.length === 0 && <p class="muted">No proposals yet.</p>}
      {proposals.map((p) => {
        const st = proposalStatus(p, ctx.now);
        const t = tally(p);
        const list = votes[p.id] ?? [];
        const mine = ctx.wallet ? list.find((v) => v.voter === ctx.wallet?.address) : undefined;
        return (
          <article class="proposal" key={p.pubkey} data-testid={`proposal-${p.id}`}>
            <header>
              <span class="muted">#{p.id}</span> <strong data-testid="proposal-title">{p.title}</strong>{' '}
              <span class={`chip tone-${st.tone}`} data-testid="proposal-state">
                {st.label}
              </span>
            </header>
            <p class="muted small">
              {p.action} · by <code title={p.proposer}>{shortAddress(p.proposer)}</code> ·{' '}
              {st.open ? `voting ends ${formatRelative(p.voting_ends_at, ctx.now)}` : 'voting ended'} ({formatDate(p.voting_ends_at)}) ·{' '}
              {/^https?:\/\//.test(p.description_url) ? (
                <a href={p.description_url} target="_blank" rel="noopener noreferrer">
                  description
                </a>
              ) : (
                <span>{p.description_url}</span>
              )}
            </p>
            <div class="tally" aria-label="tally">
              <div class="bar">
                <span class="yes" style={{ width: `${t.yesBps / 100}%` }} />
                <span class="no" style={{ width: `${t.noBps / 100}%` }} />
                <span class="abstain" style={{ width: `${t.abstainBps / 100}%` }} />
              </div>
              <p class="small" data-testid="proposal-tally">
                <span class="c-yes">Yes {formatUnits(t.yes, d)}</span> · <span class="c-no">No {formatUnits(t.no, d)}</span> ·{' '}
                <span class="c-abstain">Abstain {formatUnits(t.abstain, d)}</span> veTMAI ·{' '}
                <span data-testid="proposal-voters">{p.voters}</span> voter{p.voters === 1 ? '' : 's'} · turnout {formatBps(t.turnoutBps)} of the
                veTMAI at creation · {p.passes_now ? 'passing' : 'not passing'} now
              </p>
            </div>
            {mine && (
              <p class="small" data-testid="my-vote">
                You voted <b>{mine.choice}</b> with {formatUnits(mine.weight, d)} veTMAI (your veTMAI guaranteed through the voting end).
              </p>
            )}
            {st.open && (
              <div class="vote-buttons">
                {CHOICES.map(([c, label]) => (
                  <button
                    key={c}
                    class={mine?.choice === c ? '' : 'secondary'}
                    data-testid={`vote-${p.id}-${c}`}
                    disabled={!ctx.wallet || ctx.busy || mine?.choice === c}
                    title={ctx.wallet ? undefined : 'Connect a wallet to vote'}
                    onClick={() =>
                      ctx.wallet &&
                      ctx.act({
                        label: `${mine ? 'Change vote' : 'Vote'} ${label} on proposal #${p.id}`,
                        action: 'vote',
                        body: { voter: ctx.wallet.address, proposal: p.pubkey, choice: c },
                        watch: { kind: 'vote', proposalId: p.id, choice: c },
                      })
                    }
                  >
                    {mine ? (mine.choice === c ? `✓ ${label}` : `Change to ${label}`) : `Vote ${label}`}
                  </button>
                ))}
              </div>
            )}
            <WalletTable
              summary="Votes"
              items={list}
              wallet={(v) => v.voter}
              cells={(v) => (
                <>
                  <td class={`c-${v.choice}`}>{v.choice}</td>
                  <td class="num">{formatUnits(v.weight, d)} veTMAI</td>
                  <td class="muted small">{formatDate(v.updated_at)}</td>
                </>
              )}
            />
          </article>
        );
      })}
    </section>
  );
}
