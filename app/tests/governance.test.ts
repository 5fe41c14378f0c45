import { describe, expect, it } from 'vitest';

import { proposalStatus, roundWindow, tally } from '../src/governance';
import { governanceFixtures } from './governance.fixtures';

describe('proposals', () => {
  const { proposal } = governanceFixtures();
  it('voting is open until its end, then says whether it passes', () => {
    expect(proposalStatus(proposal, proposal.voting_ends_at - 1)).toEqual({ label: 'Voting', open: true, tone: 'open' });
    expect(proposalStatus(proposal, proposal.voting_ends_at)).toMatchObject({ label: 'Voting ended — passing', open: false });
    expect(proposalStatus({ ...proposal, passes_now: false }, proposal.voting_ends_at + 5).label).toBe('Voting ended — not passing');
    expect(proposalStatus({ ...proposal, state: 'executed' }, 0)).toMatchObject({ label: 'Executed', tone: 'good' });
    expect(proposalStatus({ ...proposal, state: 'vetoed' }, 0).tone).toBe('bad');
  });

  it('tally shares', () => {
    const t = tally(proposal);
    expect(t.turnout).toBe(6_500_000_000_000n);
    expect(t.yesBps).toBe(9230);
    expect(t.noBps).toBe(769);
    expect(t.abstainBps).toBe(0);
    expect(t.turnoutBps).toBe(9954);
    expect(tally({ ...proposal, yes: '0', no: '0', abstain: '0' }).yesBps).toBe(0);
  });
});

describe('sale round windows', () => {
  const { round } = governanceFixtures();
  it('level 0 never, levels 8–10 from the start, 5–7 after 12 h, 1–4 after 18 h', () => {
    expect(roundWindow(round, 0, round.start)).toEqual({ opensAt: null, cap: 0n, state: 'never' });
    expect(roundWindow(round, 8, round.start)).toEqual({ opensAt: round.start, cap: 10_000_000_000n, state: 'open' });
    expect(roundWindow(round, 5, round.start + 3600)).toMatchObject({ opensAt: round.start + 43_200, state: 'not yet' });
    expect(roundWindow(round, 1, round.start + 64_800)).toMatchObject({ state: 'open', cap: 1_000_000_000n });
    expect(roundWindow(round, 10, round.end)).toMatchObject({ state: 'closed' });
  });
});
