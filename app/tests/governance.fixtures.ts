import type { Proposal, Round, Vote } from '../src/api';

export function governanceFixtures() {
  const proposal: Proposal = {
    pubkey: 'Prop111111111111111111111111111111111111111',
    id: 0,
    proposer: 'dave',
    title: 'Raise the VIP API quota to 300 000 calls',
    description_url: 'https://example.org/vetmai/proposals/0',
    content_hash: '07'.repeat(32),
    action: 'Signal',
    state: 'voting',
    created_at: 1_770_000_000,
    voting_ends_at: 1_770_604_800,
    total_ve_at_creation: '6530000000000',
    yes: '6000000000000',
    no: '500000000000',
    abstain: '0',
    voters: 2,
    passes_now: true,
  };
  const votes: Vote[] = [
    { pubkey: 'v1', voter: 'dave', choice: 'yes', weight: '6000000000000', updated_at: 1_770_000_010 },
    { pubkey: 'v2', voter: 'carol', choice: 'no', weight: '500000000000', updated_at: 1_770_000_020 },
  ];
  const round: Round = {
    pubkey: 'Round11111111111111111111111111111111111111',
    id: 0,
    authority: 'admin',
    payment_mint: 'USDC',
    total_cap: '250000000000',
    start: 1_770_000_000,
    end: 1_770_259_200,
    level_caps: ['0', '1000000000', '2000000000', '3000000000', '4000000000', '5000000000', '6000000000', '8000000000', '10000000000', '12000000000', '15000000000'],
    window_open_seconds: [null, 64_800, 64_800, 64_800, 64_800, 43_200, 43_200, 43_200, 0, 0, 0],
    total_committed: '5000000000',
    proceeds: '5000000000',
    committers: 1,
  };
  return { proposal, votes, round };
}
