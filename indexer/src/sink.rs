//! The sink: drains the channel into batches and writes each in one transaction.
use std::io::IsTerminal;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sqlx::PgPool;
use tokio::sync::mpsc::Receiver;

use crate::metrics::Metrics;
use crate::model::{AccountKind, Event, Origin};
use crate::store::{self, Batch};
use crate::IndexerError;

pub struct Sink {
    pub pool: PgPool,
    pub metrics: Arc<Metrics>,
    /// Most account events folded into one transaction.
    pub batch_size: usize,
}

impl Sink {
    /// Folds one event into the batch.
    pub fn fold(batch: &mut Batch, ev: Event) {
        match ev {
            Event::Account(u, _) => batch.push_account(u),
            Event::Closed { pubkey, slot } => batch.push_closed(pubkey, slot),
            Event::Snapshot { kind, slot, origin, .. } => batch.snapshots.push((kind, slot, origin)),
            Event::Heartbeat { slot } => batch.heartbeat = Some(batch.heartbeat.map_or(slot, |h| h.max(slot))),
        }
    }

    /// Writes a batch, retrying with backoff until it is committed (a batch is never dropped).
    /// A batch Postgres refuses for its data ([`IndexerError::is_data_error`]) would fail the
    /// same way forever: it is written again at once row by row, quarantining the rows that fail
    /// ([`store::write_batch_isolating`]). Any other error (Postgres down, busy) is retried as is.
    pub async fn write(&self, batch: &Batch) -> store::Written {
        let mut backoff = Duration::from_millis(100);
        let mut isolate = false;
        loop {
            let r = if isolate {
                store::write_batch_isolating(&self.pool, batch).await
            } else {
                store::write_batch(&self.pool, batch).await
            };
            match r {
                Ok(w) => {
                    let m = &self.metrics;
                    m.received.fetch_add(batch.received, Relaxed);
                    m.applied.fetch_add(w.applied, Relaxed);
                    m.stale.fetch_add(
                        w.stale + (batch.received - batch.accounts.len() as u64 - batch.closed.len() as u64),
                        Relaxed,
                    );
                    m.closed.fetch_add(w.closed, Relaxed);
                    m.quarantined.fetch_add(w.quarantined, Relaxed);
                    m.batches.fetch_add(1, Relaxed);
                    if let Some(slot) = batch.heartbeat {
                        m.advance_watermark(slot);
                    }
                    return w;
                }
                Err(e) if !isolate && e.is_data_error() => {
                    self.metrics.errors.fetch_add(1, Relaxed);
                    tracing::warn!(error = %e, "postgres refused a row of the batch; writing it row by row");
                    isolate = true;
                }
                Err(e) => {
                    self.metrics.errors.fetch_add(1, Relaxed);
                    tracing::warn!(error = %e, ?backoff, "batch write failed; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    /// Runs until every sender is dropped, then returns after the last batch is written.
    pub async fn run(self, mut rx: Receiver<Event>) -> Result<(), IndexerError> {
        let mut last_log = Instant::now();
        let mut since_log = 0u64;
        let mut bar = BackfillBar::new();
        while let Some(first) = rx.recv().await {
            let mut batch = Batch::default();
            let mut n = 1usize;
            let mut snapshot_in_batch = false;
            let mut first_snapshot_done = false;
            let mut ev = Some(first);
            while let Some(e) = ev.take() {
                match &e {
                    Event::Account(_, Origin::Backfill) => bar.fetched_written += 1,
                    Event::Snapshot { kind, origin, .. } => {
                        snapshot_in_batch = true;
                        first_snapshot_done |= *origin == Origin::Backfill && AccountKind::ALL.last() == Some(kind);
                    }
                    _ => {}
                }
                Self::fold(&mut batch, e);
                if n < self.batch_size {
                    ev = rx.try_recv().ok();
                    n += 1;
                }
            }
            let w = self.write(&batch).await;
            since_log += batch.received;
            if bar.update(&self.metrics, first_snapshot_done) {
                continue;
            }
            if last_log.elapsed() > Duration::from_secs(2) || snapshot_in_batch {
                let rate = since_log as f64 / last_log.elapsed().as_secs_f64().max(0.001);
                tracing::info!(
                    written = self.metrics.applied.load(Relaxed),
                    received = self.metrics.received.load(Relaxed),
                    fetched = self.metrics.snapshot_accounts.load(Relaxed),
                    per_sec = rate as u64,
                    applied = w.applied,
                    closed = w.closed,
                    lag_slots = self.metrics.lag_slots(),
                    "progress"
                );
                last_log = Instant::now();
                since_log = 0;
            }
        }
        Ok(())
    }
}

/// The first backfill's progress as a bar when stderr is a terminal (accounts written of those
/// fetched so far); otherwise, and once that backfill is written, the sink's periodic log lines.
struct BackfillBar {
    bar: Option<ProgressBar>,
    /// Backfill accounts folded into committed batches.
    fetched_written: u64,
}

impl BackfillBar {
    fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "backfill [{elapsed_precise}] {wide_bar} {pos}/{len} accounts ({per_sec}, eta {eta})",
            ) {
                bar.set_style(style);
            }
            bar
        });
        BackfillBar { bar, fetched_written: 0 }
    }

    /// Moves the bar after a committed batch; `true` while the bar stands in for log lines.
    fn update(&mut self, metrics: &Metrics, done: bool) -> bool {
        let Some(bar) = &self.bar else { return false };
        bar.set_length(metrics.snapshot_accounts.load(Relaxed).max(self.fetched_written));
        bar.set_position(self.fetched_written);
        if done {
            bar.finish_with_message("backfill written");
            self.bar = None;
        }
        true
    }
}
