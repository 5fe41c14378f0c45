//! The database's clock. Every API process takes the month (and so the quota's reset) from
//! Postgres' clock rather than its own host's, so processes on hosts whose clocks disagree still
//! agree on when a month ends. The offset to the local clock is measured at start and again at
//! every lease heartbeat (half the round trip is taken as the transit time).
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::PgPool;

use crate::ApiError;

/// Local time, ms since the epoch.
pub fn local_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Postgres' clock as seen from this process, plus a fixed shift (tests set one to run a process
/// a few seconds before a month ends).
#[derive(Debug, Default)]
pub struct DbClock {
    /// Database clock − local clock, ms.
    offset_ms: AtomicI64,
    shift_secs: i64,
}

impl DbClock {
    pub fn new(shift_secs: i64) -> Self {
        DbClock { offset_ms: AtomicI64::new(0), shift_secs }
    }

    /// Unix seconds now, by the database's clock.
    pub fn now(&self) -> i64 {
        let ms = local_ms().saturating_add(self.offset_ms.load(Ordering::Relaxed));
        ms.div_euclid(1000).saturating_add(self.shift_secs)
    }

    /// Records a reading of the database clock taken between local times `before_ms` and
    /// `after_ms`.
    pub fn observe(&self, db_ms: i64, before_ms: i64, after_ms: i64) {
        let mid = before_ms + (after_ms - before_ms) / 2;
        self.offset_ms.store(db_ms - mid, Ordering::Relaxed);
    }

    /// Reads the database clock once.
    pub async fn sync(&self, pool: &PgPool) -> Result<(), ApiError> {
        let before = local_ms();
        let db: i64 =
            sqlx::query_scalar("select (extract(epoch from clock_timestamp()) * 1000)::int8").fetch_one(pool).await?;
        self.observe(db, before, local_ms());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offset_is_taken_at_the_middle_of_the_round_trip() {
        let c = DbClock::new(0);
        // Database 10 s ahead, read over a 200 ms round trip.
        let before = local_ms();
        c.observe(before + 100 + 10_000, before, before + 200);
        let now = c.now();
        let expect = (local_ms() + 10_000).div_euclid(1000);
        assert!((now - expect).abs() <= 1, "{now} vs {expect}");
        let shifted = DbClock::new(-3600);
        assert!((shifted.now() - (local_ms().div_euclid(1000) - 3600)).abs() <= 1);
    }
}
