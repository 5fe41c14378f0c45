// Wording of proposal states and tallies (pure: unit-tested).
import type { Proposal, Round } from './api';

export interface ProposalStatus {
  label: string;
  open: boolean;
  tone: 'open' | 'good' | 'bad' | 'neutral';
}

export function proposalStatus(p: Proposal, now: number): ProposalStatus {
  switch (p.state) {
    case 'voting':
      return now < p.voting_ends_at
        ? { label: 'Voting', open: true, tone: 'open' }
        : { label: p.passes_now ? 'Voting ended — passing' : 'Voting ended — not passing', open: false, tone: p.passes_now ? 'good' : 'bad' };
    case 'passed':
      return { label: 'Passed', open: false, tone: 'good' };
    case 'executed':
      return { label: 'Executed', open: false, tone: 'good' };
    case 'defeated':
      return { label: 'Defeated', open: false, tone: 'bad' };
    case 'vetoed':
      return { label: 'Vetoed', open: false, tone: 'bad' };
    case 'cancelled':
      return { label: 'Cancelled', open: false, tone: 'neutral' };
    default:
      return { label: p.state, open: false, tone: 'neutral' };
  }
}

export interface Tally {
  yes: bigint;
  no: bigint;
  abstain: bigint;
  turnout: bigint;
  /** shares of the turnout, basis points */
  yesBps: number;
  noBps: number;
  abstainBps: number;
  /** turnout / total veTMAI at creation, basis points */
  turnoutBps: number;
}

export function tally(p: Proposal): Tally {
  const yes = BigInt(p.yes);
  const no = BigInt(p.no);
  const abstain = BigInt(p.abstain);
  const turnout = yes + no + abstain;
  const share = (x: bigint, of: bigint) => (of === 0n ? 0 : Number((x * 10_000n) / of));
  return {
    yes,
    no,
    abstain,
    turnout,
    yesBps: share(yes, turnout),
    noBps: share(no, turnout),
    abstainBps: share(abstain, turnout),
    turnoutBps: share(turnout, BigInt(p.total_ve_at_creation)),
  };
}

export interface RoundWindow {
  /** when the level may commit, unix seconds; null = never */
  opensAt: number | null;
  cap: bigint;
  state: 'never' | 'not yet' | 'open' | 'closed';
}

/** A level's window and cap in a sale round. */
export function roundWindow(r: Round, level: number, now: number): RoundWindow {
  const off = r.window_open_seconds[level] ?? null;
  const cap = BigInt(r.level_caps[level] ?? '0');
  if (off === null || cap === 0n) return { opensAt: null, cap, state: 'never' };
  const opensAt = r.start + off;
  const state = now >= r.end ? 'closed' : now < opensAt ? 'not yet' : 'open';
  return { opensAt, cap, state };
}
