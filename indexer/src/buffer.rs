//! The live source's bounded coalescing buffer (issue 14 item 6).
//!
//! Websocket notifications must be read as fast as they arrive: the pubsub client queues them in
//! unbounded channels of its own, so a live source that waits on a stalled sink (Postgres down)
//! grows memory without limit. The live source therefore never waits on the sink: it folds every
//! update into this buffer, which keeps only the newest state per account (an update or a
//! closure), and drains it into the sink's channel, lowest slot first, as capacity allows.
//!
//! The buffer holds at most `bound` distinct accounts. One more and it is emptied: its contents
//! are lost, which the live source repairs with a full snapshot once the sink accepts again
//! ([`Pushed::Overflowed`]). Until that snapshot is sent no heartbeat may advance the watermark.
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use anchor_lang::prelude::Pubkey;

use crate::metrics::Metrics;
use crate::model::{AccountUpdate, Event, Origin};

/// What the buffer holds for one account: its newest known state.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pending {
    Account(AccountUpdate),
    Closed(u64),
}

impl Pending {
    fn slot(&self) -> u64 {
        match self {
            Pending::Account(u) => u.slot,
            Pending::Closed(slot) => *slot,
        }
    }
}

/// The outcome of folding one update into the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    /// Buffered (new account, or newer than what was buffered for it).
    Kept,
    /// Ignored: the buffer already holds a newer state of that account.
    Stale,
    /// The update would have made `bound + 1` distinct accounts: everything buffered, this
    /// update included, was dropped (`dropped` accounts) and so was the pending heartbeat. The
    /// caller must re-read a full snapshot before the watermark may advance again.
    Overflowed { dropped: usize },
}

#[derive(Debug)]
pub struct LiveBuffer {
    /// Newest state per account, with the sequence number of its arrival.
    latest: HashMap<Pubkey, (u64, Pending)>,
    /// Drain order: (slot, arrival, account).
    order: BTreeSet<(u64, u64, Pubkey)>,
    /// Highest heartbeat slot not yet drained; drained after every buffered account.
    heartbeat: Option<u64>,
    seq: u64,
    bound: usize,
}

impl LiveBuffer {
    /// A buffer holding at most `bound` distinct accounts (at least 1).
    pub fn new(bound: usize) -> Self {
        Self { latest: HashMap::new(), order: BTreeSet::new(), heartbeat: None, seq: 0, bound: bound.max(1) }
    }

    pub fn bound(&self) -> usize {
        self.bound
    }

    /// Distinct accounts buffered.
    pub fn len(&self) -> usize {
        self.latest.len()
    }

    /// Nothing to drain: no account and no heartbeat.
    pub fn is_empty(&self) -> bool {
        self.latest.is_empty() && self.heartbeat.is_none()
    }

    /// An account's state at `u.slot` (newest slot wins; at equal slots, the later arrival).
    pub fn push_account(&mut self, u: AccountUpdate) -> Pushed {
        let key = u.pubkey;
        self.push(key, Pending::Account(u))
    }

    /// The account was closed at `slot` (same rule as [`Self::push_account`]).
    pub fn push_closed(&mut self, pubkey: Pubkey, slot: u64) -> Pushed {
        self.push(pubkey, Pending::Closed(slot))
    }

    /// The stream is healthy up to `slot`: drained once every account buffered before it is.
    pub fn push_heartbeat(&mut self, slot: u64) {
        self.heartbeat = Some(self.heartbeat.map_or(slot, |h| h.max(slot)));
    }

    /// Forgets the pending heartbeat (the buffer lost updates and a snapshot is due).
    pub fn drop_heartbeat(&mut self) {
        self.heartbeat = None;
    }

    fn push(&mut self, key: Pubkey, p: Pending) -> Pushed {
        let slot = p.slot();
        if let Some((seq, old)) = self.latest.get(&key) {
            if old.slot() > slot {
                return Pushed::Stale;
            }
            self.order.remove(&(old.slot(), *seq, key));
        } else if self.latest.len() >= self.bound {
            let dropped = self.latest.len() + 1;
            self.latest.clear();
            self.order.clear();
            self.heartbeat = None;
            return Pushed::Overflowed { dropped };
        }
        self.seq += 1;
        self.order.insert((slot, self.seq, key));
        self.latest.insert(key, (self.seq, p));
        Pushed::Kept
    }

    /// The next event to send: the buffered account with the lowest slot, then (once no account
    /// is left) the heartbeat.
    pub fn pop(&mut self) -> Option<Event> {
        match self.order.pop_first() {
            Some((_, _, key)) => match self.latest.remove(&key) {
                Some((_, Pending::Account(u))) => Some(Event::Account(u, Origin::Live)),
                Some((_, Pending::Closed(slot))) => Some(Event::Closed { pubkey: key, slot }),
                None => None,
            },
            None => self.heartbeat.take().map(|slot| Event::Heartbeat { slot }),
        }
    }
}

/// The live source's state between the websocket and the sink's channel: the [`LiveBuffer`],
/// whether a snapshot is running or due, and the metrics. Heartbeats are kept only while the
/// mirror can be complete: not while a snapshot is running (the connect-time one included) nor
/// while one is due because buffered updates were dropped.
#[derive(Debug)]
pub struct LiveQueue {
    buf: LiveBuffer,
    metrics: Arc<Metrics>,
    /// Updates were dropped: a snapshot must be sent once the sink accepts again.
    snapshot_due: bool,
    /// A snapshot is being sent.
    snapshot_running: bool,
}

impl LiveQueue {
    pub fn new(bound: usize, metrics: Arc<Metrics>) -> Self {
        Self { buf: LiveBuffer::new(bound), metrics, snapshot_due: false, snapshot_running: false }
    }

    fn pushed(&mut self, p: Pushed) {
        if let Pushed::Overflowed { dropped } = p {
            self.metrics.live_buffer_overflows.fetch_add(1, Relaxed);
            self.metrics.live_buffer_dropped.fetch_add(dropped as u64, Relaxed);
            if !self.snapshot_due {
                tracing::warn!(
                    dropped,
                    bound = self.buf.bound(),
                    "live buffer full (the sink is not accepting): dropped it; a snapshot will repair the mirror"
                );
            }
            self.snapshot_due = true;
        }
        self.metrics.live_buffer_accounts.store(self.buf.len() as u64, Relaxed);
    }

    pub fn account(&mut self, u: AccountUpdate) {
        let p = self.buf.push_account(u);
        self.pushed(p);
    }

    pub fn closed(&mut self, pubkey: Pubkey, slot: u64) {
        let p = self.buf.push_closed(pubkey, slot);
        self.pushed(p);
    }

    /// Something else lost live information (e.g. closure lookups dropped): a snapshot is due.
    pub fn lost(&mut self) {
        self.snapshot_due = true;
        self.buf.drop_heartbeat();
    }

    /// A slot heartbeat: kept only while no snapshot is running or due.
    pub fn heartbeat(&mut self, slot: u64) {
        if !self.snapshot_due && !self.snapshot_running {
            self.buf.push_heartbeat(slot);
        }
    }

    /// A snapshot should be started now (one is due and none is running).
    pub fn wants_snapshot(&self) -> bool {
        self.snapshot_due && !self.snapshot_running
    }

    /// A snapshot was started: the updates dropped before now are covered by it.
    pub fn snapshot_started(&mut self) {
        self.snapshot_due = false;
        self.snapshot_running = true;
        self.buf.drop_heartbeat();
    }

    /// The snapshot read at `slot` is in the channel: unless updates were dropped meanwhile, the
    /// mirror is complete at `slot` once what is buffered is written (a heartbeat).
    pub fn snapshot_done(&mut self, slot: u64) {
        self.snapshot_running = false;
        if !self.snapshot_due {
            self.buf.push_heartbeat(slot);
        }
    }

    /// Anything to do with a channel permit: an event to send or a snapshot to start.
    pub fn has_work(&self) -> bool {
        !self.buf.is_empty() || self.wants_snapshot()
    }

    /// The next event for the channel (lowest slot first, heartbeat last).
    pub fn pop(&mut self) -> Option<Event> {
        let ev = self.buf.pop();
        self.metrics.live_buffer_accounts.store(self.buf.len() as u64, Relaxed);
        ev
    }

    /// Distinct accounts buffered.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
}

impl Drop for LiveQueue {
    fn drop(&mut self) {
        self.metrics.live_buffer_accounts.store(0, Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: u8) -> Pubkey {
        Pubkey::new_from_array([i; 32])
    }

    fn upd(i: u8, slot: u64) -> AccountUpdate {
        AccountUpdate { pubkey: key(i), slot, data: vec![i, slot as u8] }
    }

    fn drain(b: &mut LiveBuffer) -> Vec<Event> {
        std::iter::from_fn(|| b.pop()).collect()
    }

    fn describe(ev: &Event) -> (char, Option<Pubkey>, u64) {
        match ev {
            Event::Account(u, _) => ('a', Some(u.pubkey), u.slot),
            Event::Closed { pubkey, slot } => ('c', Some(*pubkey), *slot),
            Event::Heartbeat { slot } => ('h', None, *slot),
            Event::Snapshot { slot, .. } => ('s', None, *slot),
        }
    }

    #[test]
    fn newest_state_per_account_wins_closures_included_and_drains_by_slot() {
        let mut b = LiveBuffer::new(10);
        assert_eq!(b.push_account(upd(1, 5)), Pushed::Kept);
        assert_eq!(b.push_account(upd(2, 3)), Pushed::Kept);
        assert_eq!(b.push_account(upd(1, 7)), Pushed::Kept);
        assert_eq!(b.push_account(upd(1, 6)), Pushed::Stale, "older than what is buffered");
        assert_eq!(b.push_closed(key(2), 8), Pushed::Kept, "a closure replaces the update");
        assert_eq!(b.push_account(upd(3, 1)), Pushed::Kept);
        b.push_heartbeat(4);
        b.push_heartbeat(2);
        assert_eq!(b.len(), 3);
        let got: Vec<_> = drain(&mut b).iter().map(describe).collect();
        assert_eq!(
            got,
            vec![('a', Some(key(3)), 1), ('a', Some(key(1)), 7), ('c', Some(key(2)), 8), ('h', None, 4)],
            "lowest slot first, the heartbeat after every account"
        );
        assert!(b.is_empty());
    }

    #[test]
    fn a_reopen_after_a_closure_wins_and_equal_slots_keep_the_later_arrival() {
        let mut b = LiveBuffer::new(10);
        b.push_closed(key(1), 5);
        b.push_account(upd(1, 9));
        b.push_account(upd(2, 4));
        b.push_closed(key(2), 4);
        let got: Vec<_> = drain(&mut b).iter().map(describe).collect();
        assert_eq!(got, vec![('c', Some(key(2)), 4), ('a', Some(key(1)), 9)]);
    }

    #[test]
    fn overflow_empties_the_buffer_and_forgets_the_heartbeat() {
        let mut b = LiveBuffer::new(3);
        for i in 0..3 {
            assert_eq!(b.push_account(upd(i, 10)), Pushed::Kept);
        }
        b.push_heartbeat(10);
        assert_eq!(b.push_account(upd(0, 11)), Pushed::Kept, "an account already buffered is no growth");
        assert_eq!(b.push_closed(key(9), 12), Pushed::Overflowed { dropped: 4 });
        assert_eq!(b.len(), 0);
        assert!(b.is_empty(), "no heartbeat may follow lost updates");
        assert_eq!(b.push_account(upd(5, 13)), Pushed::Kept, "usable again after the overflow");
        assert_eq!(drain(&mut b).len(), 1);
    }

    /// Issue 14 item 6: with the sink blocked (a full channel nobody reads), the live side keeps
    /// taking updates; the buffer never holds more than its bound, an overflow is counted and a
    /// snapshot is requested, no heartbeat advances the watermark over the lost updates, and once
    /// the sink accepts again the snapshot starts and heartbeats resume after it.
    #[tokio::test]
    async fn with_the_sink_blocked_the_buffer_stays_bounded_and_a_snapshot_is_requested() {
        let metrics = Arc::new(Metrics::default());
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Event>(4);
        let mut q = LiveQueue::new(100, metrics.clone());
        // The sink stalls: the channel fills, then nothing more is accepted.
        let mut sent = 0u64;
        let mut max_len = 0;
        for i in 0..10_000u64 {
            let mut k = [0u8; 32];
            k[..8].copy_from_slice(&i.to_le_bytes());
            q.account(AccountUpdate { pubkey: Pubkey::new_from_array(k), slot: 100 + i / 50, data: vec![1; 200] });
            if i % 50 == 0 {
                q.heartbeat(100 + i / 50);
            }
            max_len = max_len.max(q.len());
            assert!(metrics.live_buffer_accounts.load(Relaxed) <= 100, "gauge bounded");
            // The live loop only sends when the channel has room; it never waits.
            while q.has_work() {
                let Ok(permit) = tx.try_reserve() else { break };
                if let Some(ev) = q.pop() {
                    permit.send(ev);
                    sent += 1;
                }
            }
        }
        assert_eq!(sent, 4, "only what the channel holds was sent");
        assert!(max_len <= 100, "buffer bounded: at most {max_len} accounts");
        assert!(metrics.live_buffer_overflows.load(Relaxed) >= 90, "overflows counted");
        assert!(metrics.live_buffer_dropped.load(Relaxed) >= 9_000);
        assert!(q.wants_snapshot(), "a snapshot is requested");

        // The sink accepts again: the session starts the snapshot first, then drains.
        for _ in 0..4 {
            assert!(rx.recv().await.is_some(), "what was sent before the stall");
        }
        assert!(tx.try_reserve().is_ok(), "room again");
        q.snapshot_started();
        q.heartbeat(500);
        assert!(!q.wants_snapshot());
        let mut drained = Vec::new();
        while let Some(ev) = q.pop() {
            drained.push(ev);
        }
        assert!(
            drained.iter().all(|e| !matches!(e, Event::Heartbeat { .. })),
            "no heartbeat before the snapshot is sent"
        );
        q.snapshot_done(490);
        q.heartbeat(501);
        assert!(matches!(q.pop(), Some(Event::Heartbeat { slot: 501 })), "heartbeats resume after the snapshot");
        drop(q);
        assert_eq!(metrics.live_buffer_accounts.load(Relaxed), 0);
    }
}
