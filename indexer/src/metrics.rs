//! Process-wide counters and gauges, rendered in the Prometheus text format.
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, Default)]
pub struct Metrics {
    /// Account events received by the sink (before deduplication).
    pub received: AtomicU64,
    /// Rows inserted or advanced by a newer slot.
    pub applied: AtomicU64,
    /// Updates ignored because the row was as new or newer.
    pub stale: AtomicU64,
    /// Rows marked closed.
    pub closed: AtomicU64,
    /// Batches committed.
    pub batches: AtomicU64,
    /// Account updates quarantined (undecodable, or refused by Postgres).
    pub quarantined: AtomicU64,
    /// Errors (RPC, websocket, database), each retried.
    pub errors: AtomicU64,
    /// Websocket (re)connections.
    pub connects: AtomicU64,
    /// Completed snapshots (getProgramAccounts of every type).
    pub snapshots: AtomicU64,
    /// Accounts fetched by snapshots.
    pub snapshot_accounts: AtomicU64,
    /// Newest confirmed slot the RPC node reports.
    pub head_slot: AtomicU64,
    /// Slot up to which the mirror is known complete (last live heartbeat written after a backfill).
    pub watermark_slot: AtomicU64,
    /// When the watermark last advanced (unix milliseconds).
    pub watermark_ms: AtomicU64,
    /// Account notifications read from the websocket (`programSubscribe`).
    pub live_notifications: AtomicU64,
    /// Distinct accounts waiting in the live buffer for room in the sink's channel (a gauge).
    pub live_buffer_accounts: AtomicU64,
    /// Times the live buffer went over its bound and was dropped (the sink was not accepting).
    pub live_buffer_overflows: AtomicU64,
    /// Buffered account states dropped by those overflows.
    pub live_buffer_dropped: AtomicU64,
    /// Snapshots re-read because live updates were dropped (after an overflow).
    pub resnapshots: AtomicU64,
    /// Transactions mentioning the program whose accounts were re-read for closures.
    pub closure_lookups: AtomicU64,
    /// Closure lookups that failed (getTransaction / getMultipleAccounts); the next reconcile repairs.
    pub closure_lookup_errors: AtomicU64,
    /// Closure lookups dropped because too many were waiting (a snapshot repairs).
    pub closure_lookups_dropped: AtomicU64,
    /// Closures found live by re-reading transactions' accounts (sent as `Closed` events).
    pub live_closures: AtomicU64,
}

pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

impl Metrics {
    pub fn lag_slots(&self) -> u64 {
        self.head_slot.load(Relaxed).saturating_sub(self.watermark_slot.load(Relaxed))
    }

    /// Seconds since the watermark last advanced (`None` before the first one).
    pub fn lag_seconds(&self) -> Option<f64> {
        match self.watermark_ms.load(Relaxed) {
            0 => None,
            t => Some(now_ms().saturating_sub(t) as f64 / 1000.0),
        }
    }

    pub fn advance_watermark(&self, slot: u64) {
        self.watermark_slot.fetch_max(slot, Relaxed);
        self.watermark_ms.store(now_ms(), Relaxed);
    }

    pub fn render(&self) -> String {
        let mut s = String::new();
        let mut c = |name: &str, help: &str, kind: &str, v: f64| {
            let _ = writeln!(
                s,
                "# HELP vetmai_indexer_{name} {help}\n# TYPE vetmai_indexer_{name} {kind}\nvetmai_indexer_{name} {v}"
            );
        };
        let g = |a: &AtomicU64| a.load(Relaxed) as f64;
        c("updates_received_total", "Account events received by the sink.", "counter", g(&self.received));
        c("updates_applied_total", "Rows inserted or advanced to a newer slot.", "counter", g(&self.applied));
        c("updates_stale_total", "Updates ignored: the row was as new or newer.", "counter", g(&self.stale));
        c("rows_closed_total", "Rows marked closed.", "counter", g(&self.closed));
        c("batches_total", "Batches committed.", "counter", g(&self.batches));
        c(
            "quarantined_total",
            "Account updates quarantined: undecodable, or refused by Postgres (see the quarantine table).",
            "counter",
            g(&self.quarantined),
        );
        c("errors_total", "Errors (rpc, websocket, database); each is retried.", "counter", g(&self.errors));
        c("ws_connects_total", "Websocket connections made (1 + reconnects).", "counter", g(&self.connects));
        c("snapshots_total", "Complete getProgramAccounts snapshots.", "counter", g(&self.snapshots));
        c("snapshot_accounts_total", "Accounts fetched by snapshots.", "counter", g(&self.snapshot_accounts));
        c(
            "live_notifications_total",
            "Account notifications read from the websocket.",
            "counter",
            g(&self.live_notifications),
        );
        c(
            "live_buffer_accounts",
            "Distinct accounts waiting in the live buffer for the sink.",
            "gauge",
            g(&self.live_buffer_accounts),
        );
        c(
            "live_buffer_overflows_total",
            "Times the live buffer exceeded its bound and was dropped (a snapshot repairs).",
            "counter",
            g(&self.live_buffer_overflows),
        );
        c(
            "live_buffer_dropped_total",
            "Buffered account states dropped by overflows.",
            "counter",
            g(&self.live_buffer_dropped),
        );
        c("resnapshots_total", "Snapshots re-read because live updates were dropped.", "counter", g(&self.resnapshots));
        c(
            "closure_lookups_total",
            "Transactions mentioning the program re-read for closed accounts.",
            "counter",
            g(&self.closure_lookups),
        );
        c(
            "closure_lookup_errors_total",
            "Closure lookups that failed (also in errors_total).",
            "counter",
            g(&self.closure_lookup_errors),
        );
        c(
            "closure_lookups_dropped_total",
            "Closure lookups dropped for lack of room (a snapshot repairs).",
            "counter",
            g(&self.closure_lookups_dropped),
        );
        c("live_closures_total", "Closures found live by re-reading transactions.", "counter", g(&self.live_closures));
        c("head_slot", "Newest confirmed slot reported by RPC.", "gauge", g(&self.head_slot));
        c("watermark_slot", "Slot up to which the mirror is complete.", "gauge", g(&self.watermark_slot));
        c("lag_slots", "head_slot - watermark_slot.", "gauge", self.lag_slots() as f64);
        c(
            "lag_seconds",
            "Seconds since the watermark advanced (-1 before the first).",
            "gauge",
            self.lag_seconds().unwrap_or(-1.0),
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every counter and gauge the indexer keeps is on /metrics with its value (errors included).
    #[test]
    fn every_counter_is_exported_with_its_value() {
        let m = Metrics::default();
        let fields: [(&AtomicU64, &str); 22] = [
            (&m.received, "updates_received_total"),
            (&m.applied, "updates_applied_total"),
            (&m.stale, "updates_stale_total"),
            (&m.closed, "rows_closed_total"),
            (&m.batches, "batches_total"),
            (&m.quarantined, "quarantined_total"),
            (&m.errors, "errors_total"),
            (&m.connects, "ws_connects_total"),
            (&m.snapshots, "snapshots_total"),
            (&m.snapshot_accounts, "snapshot_accounts_total"),
            (&m.head_slot, "head_slot"),
            (&m.watermark_slot, "watermark_slot"),
            (&m.live_notifications, "live_notifications_total"),
            (&m.live_buffer_accounts, "live_buffer_accounts"),
            (&m.live_buffer_overflows, "live_buffer_overflows_total"),
            (&m.live_buffer_dropped, "live_buffer_dropped_total"),
            (&m.resnapshots, "resnapshots_total"),
            (&m.closure_lookups, "closure_lookups_total"),
            (&m.closure_lookup_errors, "closure_lookup_errors_total"),
            (&m.closure_lookups_dropped, "closure_lookups_dropped_total"),
            (&m.live_closures, "live_closures_total"),
            (&m.watermark_ms, ""),
        ];
        for (i, (a, _)) in fields.iter().enumerate() {
            a.store(1_000 + i as u64, Relaxed);
        }
        let text = m.render();
        for (i, (_, name)) in fields.iter().enumerate().filter(|(_, (_, n))| !n.is_empty()) {
            let line = format!("vetmai_indexer_{name} {}", 1_000 + i);
            assert!(text.lines().any(|l| l == line), "{line} missing from:\n{text}");
        }
    }
}
