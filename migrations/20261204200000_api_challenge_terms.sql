-- Signed challenges say what they authorize (issue 14 item 4): each challenge keeps the exact
-- Sign-In With Solana message it was issued with and the request fields that message spells out
-- (`terms`: the new key's name and overage flag, the key id being revoked). Redeeming checks the
-- signature over `message` and that the request carries the same terms.
alter table api_challenge
    add column terms   jsonb not null default '{}',
    add column message text not null default '';

-- Expired challenges are swept periodically; the sweep reads this index, not the whole table.
create index api_challenge_expires_idx on api_challenge (expires_at);
