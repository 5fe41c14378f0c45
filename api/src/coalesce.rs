//! Check-and-meter: quota leases, batching and context caching.
//!
//! **Leases.** The monthly quota is the wallet's, shared by all its keys. A process reserves a
//! block of it for one key in Postgres (`api_lease`) and admits that key's calls from memory
//! until the block runs low; a background task reports what was used, tops the lease up at the
//! key's recent rate, renews it, and gives back what an idle key no longer needs. Admission stays
//! exact across keys and processes: what is leased to one key in one process is not free to any
//! other (see [`meter`]). Leases are only granted while the quota has room
//! ([`LeaseConfig::min_room`]) and at most a quarter of what is free at a time, so near the end
//! of a quota every call is decided in Postgres; a call that finds the rest leased (to another
//! process, or to another key of the wallet) waits while the holders are asked
//! (`NOTIFY … 'd:<wallet>'`) to give their leases of the wallet back.
//!
//! **Changes take effect on the next check.** Memory is only trusted while this process listens
//! on the `vetmai_api` channel, where triggers announce every change a tier depends on (a
//! wallet's staker row, a key's revocation or overage flag, the level thresholds). A notice drops
//! what is cached and leased for the wallet before any further call is admitted from memory;
//! if the listening connection drops, everything is dropped and calls go to Postgres until it
//! is back. A half-open connection reports no error and delivers nothing, so the process also
//! hears its own lease heartbeat on it (`h:<holder>`, sent through another connection at least
//! every second): when it has not for [`HEARD_WITHIN`], memory is distrusted and the listener
//! reconnects. Every statement also re-checks that the key is live and the cached staker and
//! thresholds are still the mirrored ones ([`meter::Guard`]).
//!
//! **Batching.** Calls that need Postgres while a statement is in flight wait, and the next
//! statement decides all of them — any number of keys — so a burst costs one round trip per
//! batch, not per call.
//!
//! **Strangers.** A key this process holds nothing for is looked up before it may queue for a
//! statement, a few lookups at a time with a short queue behind them (past it: 503
//! `overloaded`), and a key found unknown is remembered as such for a minute. So a flood of
//! made-up keys costs at most [`LOOKUPS`] reads at a time and never delays a statement of a real
//! key; the statement queue is bounded too ([`MAX_WAITING`]).
//!
//! **Overage** is never admitted from memory: a call past a spent quota is metered by a statement
//! first, so a crash never loses billed calls.
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::sync::{oneshot, Notify, Semaphore};

use crate::clock::{local_ms, DbClock};
use crate::meter::{self, Decision, Guard, Holder, Outcome, Report};
use crate::score::{self, KeyContext, Thresholds};
use crate::state::{AppState, Metrics};
use crate::tiers::{Quotas, Tier};
use crate::ApiError;

/// One metered call: the decision, the tier it was made under, and the guaranteed level.
#[derive(Debug, Clone, Copy)]
pub struct Checked {
    pub decision: Decision,
    pub tier: Tier,
    pub level: u8,
}

/// A call waiting for Postgres; `since`: when it first found its quota leased elsewhere.
struct Reply {
    tx: oneshot::Sender<Result<Checked, ApiError>>,
    since: Option<Instant>,
}

impl Reply {
    fn send(self, r: Result<Checked, ApiError>) {
        let _ = self.tx.send(r);
    }
}

/// The channel the triggers notify.
pub const CHANNEL: &str = "vetmai_api";
/// Keys cached before idle ones are dropped (a bound on memory, not an expiry).
const MAX_KEYS: usize = 100_000;
/// Metering statements one process keeps in flight.
const FLUSHERS: usize = 2;
/// Attempts to meter a key whose context keeps changing under it.
const ATTEMPTS: usize = 4;
/// Rows per background statement.
const CHUNK: usize = 32;
/// Smallest and largest lease asked for.
const MIN_LEASE: u64 = 64;
const MAX_LEASE: u64 = 1_000_000;
/// A lease is sized to last this long at the key's recent rate.
const LEASE_COVERS_MS: u64 = 10_000;
/// Use of a lease is reported at least this often.
const REPORT_EVERY: Duration = Duration::from_secs(10);
/// A lease unused for this long is given back.
const IDLE: Duration = Duration::from_secs(2);
/// A key's cached context unused for this long (with nothing leased) is dropped.
const FORGET: Duration = Duration::from_secs(60);
/// How long a call waits between tries while the rest of its quota is leased elsewhere.
const CONTENDED_RETRY: Duration = Duration::from_millis(10);
/// Calls waiting for a metering statement; past this, new ones are answered 503 `overloaded`.
pub const MAX_WAITING: usize = 8_192;
/// Lookups of keys this process holds nothing for: how many run at once, and how many may wait.
pub const LOOKUPS: usize = 4;
pub const MAX_LOOKUPS_QUEUED: usize = 256;
/// A key found unknown or revoked is answered 401 from memory for this long.
pub const UNKNOWN_TTL: Duration = Duration::from_secs(60);
/// Unknown keys remembered at most (a bound on memory under a flood).
const MAX_UNKNOWN: usize = 100_000;
/// Memory is trusted only while the listener heard this process's own heartbeat this recently.
pub const HEARD_WITHIN: Duration = Duration::from_secs(3);
/// Heartbeats are at most this far apart (and at most a quarter of the lease TTL).
const MAX_BEAT_EVERY: Duration = Duration::from_secs(1);

/// How this process leases quota.
#[derive(Debug, Clone)]
pub struct LeaseConfig {
    /// No lease is granted unless at least this many calls of the quota stay free.
    pub min_room: u64,
    /// Leases of a holder whose heartbeat is this old lapse, and count in full as used.
    pub ttl: Duration,
    /// How often the background task reports, tops up and gives back.
    pub tick: Duration,
}

impl Default for LeaseConfig {
    fn default() -> Self {
        Self { min_room: 256, ttl: Duration::from_secs(10), tick: Duration::from_millis(250) }
    }
}

/// What the metering thread needs of the app (not the app itself: it owns the coalescer), with
/// a pool of its own: connections belong to the runtime that opened them.
#[derive(Clone)]
struct Env {
    pool: PgPool,
    quotas: Quotas,
    clock: Arc<dyn Fn() -> i64 + Send + Sync>,
    metrics: Arc<Metrics>,
}

/// Connections of the metering thread's pool.
const METER_CONNECTIONS: u32 = 6;
/// A call waits this long at most for a connection before it is answered 503.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(1);

/// A request to the metering thread from outside it.
enum Control {
    /// Report everything admitted from memory (leases are kept).
    Sync(oneshot::Sender<Result<(), ApiError>>),
    /// Stop admitting from memory; report and give back everything.
    Shutdown(oneshot::Sender<Result<(), ApiError>>),
}

/// The month and reset time of a Unix time.
fn month_of(now: i64) -> Result<(i32, i64), ApiError> {
    let month = i32::try_from(vetmai_math::time::month_index(now).ok_or(ApiError::Overflow)?)
        .map_err(|_| ApiError::Overflow)?;
    Ok((month, vetmai_math::time::next_month_start(now).ok_or(ApiError::Overflow)?))
}

/// What this process knows and holds of one key.
struct Slot {
    key_id: i64,
    wallet: String,
    /// `None` once invalidated: re-read before the next call.
    ctx: Option<Arc<KeyContext>>,
    /// Bumped by every invalidation: a lease granted to an older generation is given back.
    gen: u64,
    /// The coalescer's epoch when the context was read.
    epoch: u64,
    month: i32,
    reset: i64,
    tier: Tier,
    level: u8,
    meter_overage: bool,
    /// Calls leased and not yet admitted.
    lease: u64,
    /// Calls admitted from the lease, and metered as overage, not yet reported.
    unreported: u64,
    over_unreported: u64,
    /// The month's usage as of the last statement (with what was reported since).
    base_used: u64,
    base_over: u64,
    /// No quota is left for this month and tier and no other process holds any.
    exhausted: bool,
    /// A statement carrying this slot's report is in flight.
    reporting: bool,
    /// A top-up was asked of the background task.
    topping: bool,
    /// The lease this key should hold: what its recent rate uses in `LEASE_COVERS_MS`.
    target: u64,
    /// Calls admitted from memory since the last statement.
    since_stmt: u64,
    last_stmt: Instant,
    /// Start of the window `since_stmt` counts over.
    rate_since: Instant,
    last_use: Instant,
}

impl Slot {
    fn new(key_id: i64, wallet: String) -> Self {
        let now = Instant::now();
        Slot {
            key_id,
            wallet,
            ctx: None,
            gen: 0,
            epoch: 0,
            month: 0,
            reset: 0,
            tier: Quotas::default().for_level(0),
            level: 0,
            meter_overage: false,
            lease: 0,
            unreported: 0,
            over_unreported: 0,
            base_used: 0,
            base_over: 0,
            exhausted: false,
            reporting: false,
            topping: false,
            target: MIN_LEASE,
            since_stmt: 0,
            last_stmt: now,
            rate_since: now,
            last_use: now,
        }
    }

    /// Hands back what is held (to be reported and released) and forgets the lease.
    fn surrender(&mut self) -> Option<Pending> {
        let report = Report { used: self.unreported, over: self.over_unreported, release: self.lease };
        self.lease = 0;
        self.unreported = 0;
        self.over_unreported = 0;
        self.exhausted = false;
        (!report.is_empty()).then_some(Pending { key_id: self.key_id, month: self.month, report })
    }

    /// Drops the context and what is held: the next call re-reads the key.
    fn invalidate(&mut self) -> Option<Pending> {
        self.ctx = None;
        self.gen += 1;
        self.surrender()
    }

    /// What was admitted from memory and not yet reported, counted as seen from now on.
    fn take_unreported(&mut self) -> Report {
        let report = Report { used: self.unreported, over: self.over_unreported, release: 0 };
        self.base_used += self.unreported;
        self.base_over += self.over_unreported;
        self.unreported = 0;
        self.over_unreported = 0;
        report
    }

    /// The statement row for this slot's key in its month, guarded by the context it was read
    /// with.
    fn row(&self, ctx: &KeyContext, n: u64, want: u64, report: Report) -> meter::Row {
        meter::Row {
            key_id: self.key_id,
            month: self.month,
            n,
            tier: self.tier,
            overage: ctx.overage,
            guard: Some(Guard { wallet: self.wallet.clone(), staker_version: ctx.staker_version }),
            want,
            report,
        }
    }

    /// Takes the report for a statement (if none is in flight) and what to ask for.
    fn take_report(&mut self, leasing: bool, now: Instant) -> Option<(Report, u64)> {
        if self.reporting {
            return None;
        }
        self.reporting = true;
        self.topping = false;
        let report = self.take_unreported();
        // The rate over the interval since the last statement (too short an interval says little).
        self.last_stmt = now;
        let ms = u64::try_from(now.duration_since(self.rate_since).as_millis()).unwrap_or(u64::MAX).max(1);
        if ms >= 250 || self.since_stmt > self.target {
            let rate = self.since_stmt.saturating_mul(1000) / ms;
            self.target = (rate.saturating_mul(LEASE_COVERS_MS) / 1000).clamp(MIN_LEASE, MAX_LEASE);
            self.since_stmt = 0;
            self.rate_since = now;
        }
        // Top up to the target (what is asked is added to what is held).
        let want =
            if leasing && !self.exhausted && self.ctx.is_some() { self.target.saturating_sub(self.lease) } else { 0 };
        Some((report, want))
    }

    fn decision(&self, allowed: bool) -> Checked {
        let used = self.base_used + self.unreported;
        let limit = self.tier.calls_per_month;
        Checked {
            decision: Decision {
                allowed,
                used,
                limit,
                remaining: limit.saturating_sub(used),
                overage: self.base_over + self.over_unreported,
                reset: self.reset,
            },
            tier: self.tier,
            level: self.level,
        }
    }
}

/// A report for a key and month this process no longer has a live slot for.
#[derive(Debug, Clone, Copy)]
struct Pending {
    key_id: i64,
    month: i32,
    report: Report,
}

#[derive(Default)]
struct Slots {
    map: HashMap<Vec<u8>, Slot>,
    by_wallet: HashMap<String, Vec<Vec<u8>>>,
}

impl Slots {
    fn remove(&mut self, hash: &[u8]) -> Option<Slot> {
        let s = self.map.remove(hash)?;
        if let Some(v) = self.by_wallet.get_mut(&s.wallet) {
            v.retain(|h| h != hash);
            if v.is_empty() {
                self.by_wallet.remove(&s.wallet);
            }
        }
        Some(s)
    }
}

/// A key's calls waiting for a statement, with what its slot asked for.
struct Calls {
    hash: Vec<u8>,
    replies: Vec<Reply>,
}

/// What one row of a statement is for.
enum Purpose {
    /// Calls of a slot (maybe with its report).
    Slot { hash: Vec<u8>, gen: u64, epoch: u64, reporter: bool, replies: Vec<Reply>, level: u8 },
    /// A report for a slot that was dropped, invalidated or rolled over.
    Pending,
}

pub struct Coalescer {
    holder: Holder,
    lease: LeaseConfig,
    waiting: Mutex<Vec<(Vec<u8>, Reply)>>,
    flushers: Arc<Semaphore>,
    slots: Mutex<Slots>,
    pending: Mutex<Vec<Pending>>,
    thresholds: Mutex<Option<Arc<Thresholds>>>,
    /// Listening for changes: memory may be trusted.
    armed: AtomicBool,
    /// Bumped whenever everything cached is dropped.
    epoch: AtomicU64,
    started: OnceLock<()>,
    /// Wakes the background task (top-ups asked for, leases handed back, control requests).
    wake: Notify,
    /// Wakes the flusher (calls waiting for Postgres).
    flush_wake: Arc<Notify>,
    control: Mutex<Vec<Control>>,
    /// Slots asking for a top-up.
    due: Mutex<Vec<Vec<u8>>>,
    /// The last heartbeat Postgres took.
    last_beat: Mutex<Option<Instant>>,
    /// When the listener last heard this process's own heartbeat notice.
    heard: Mutex<Option<Instant>>,
    /// Key hashes found unknown or revoked, with when.
    unknown: Mutex<HashMap<Vec<u8>, Instant>>,
    /// Lookups of keys this process holds nothing for: permits, how many run or wait, and the
    /// one in flight for each key (its other calls wait for it instead of queueing their own).
    lookups: Semaphore,
    lookups_queued: AtomicUsize,
    lookups_inflight: Mutex<HashMap<Vec<u8>, Arc<Lookup>>>,
    /// The database clock, kept in step by the heartbeat (when the app uses it).
    db_clock: OnceLock<Arc<DbClock>>,
}

/// One key's lookup in flight, shared by its concurrent calls.
type Lookup = tokio::sync::OnceCell<Result<(), ApiError>>;

/// Counts a waiting lookup while it lives.
struct Queued<'a>(&'a AtomicUsize);

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Default for Coalescer {
    fn default() -> Self {
        Self::new(LeaseConfig::default())
    }
}

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Coalescer {
    pub fn new(lease: LeaseConfig) -> Self {
        let mut id = [0u8; 12];
        rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut id);
        let holder = Holder {
            id: bs58::encode(id).into_string(),
            ttl_ms: u32::try_from(lease.ttl.as_millis()).unwrap_or(u32::MAX),
            min_room: lease.min_room,
        };
        Self {
            holder,
            lease,
            waiting: Mutex::default(),
            flushers: Arc::new(Semaphore::new(FLUSHERS)),
            slots: Mutex::default(),
            pending: Mutex::default(),
            thresholds: Mutex::default(),
            armed: AtomicBool::new(false),
            epoch: AtomicU64::new(0),
            started: OnceLock::new(),
            wake: Notify::new(),
            flush_wake: Arc::new(Notify::new()),
            control: Mutex::default(),
            due: Mutex::default(),
            last_beat: Mutex::default(),
            heard: Mutex::default(),
            unknown: Mutex::default(),
            lookups: Semaphore::new(LOOKUPS),
            lookups_queued: AtomicUsize::new(0),
            lookups_inflight: Mutex::default(),
            db_clock: OnceLock::new(),
        }
    }

    /// Keeps `clock` in step with the database at every heartbeat.
    pub fn use_db_clock(&self, clock: Arc<DbClock>) {
        let _ = self.db_clock.set(clock);
    }

    /// Memory may be trusted: listening, and the listener heard our heartbeat recently.
    pub fn trusted(&self) -> bool {
        self.armed() && locked(&self.heard).is_some_and(|t| t.elapsed() < HEARD_WITHIN)
    }

    /// How often to beat: a quarter of the lease TTL, at most [`MAX_BEAT_EVERY`].
    fn beat_every(&self) -> Duration {
        (self.lease.ttl / 4).min(MAX_BEAT_EVERY)
    }

    /// Whether calls may be admitted from memory (this process hears about changes).
    pub fn armed(&self) -> bool {
        self.armed.load(Ordering::Acquire)
    }

    /// Whether to ask for leases: armed, with a heartbeat recent enough that others will not
    /// take our leases for lapsed.
    fn leasing(&self) -> bool {
        self.trusted() && locked(&self.last_beat).is_some_and(|t| t.elapsed() < self.lease.ttl / 2)
    }

    /// Checks and meters one call of the key with this hash.
    /// `client`: the caller's address, which the lookup of a key this process holds nothing for is
    /// counted against ([`AppState::key_lookups`]).
    pub async fn check(
        self: &Arc<Self>,
        state: &AppState,
        key_hash: &[u8],
        client: std::net::IpAddr,
    ) -> Result<Checked, ApiError> {
        self.start(state);
        let (month, _) = month_of(state.now())?;
        let metrics = &state.metrics;
        if let Some(c) = self.admit_local(key_hash, month, metrics) {
            return Ok(c);
        }
        if !locked(&self.slots).map.contains_key(key_hash) {
            self.look_up(state, key_hash, client).await?;
        }
        if locked(&self.waiting).len() >= MAX_WAITING {
            metrics.shed.fetch_add(1, Ordering::Relaxed);
            return Err(ApiError::Overloaded);
        }
        let started = Instant::now();
        let r = self.enqueue(key_hash).await;
        let waited = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        metrics.check_waits.fetch_add(1, Ordering::Relaxed);
        metrics.check_wait_micros.fetch_add(waited, Ordering::Relaxed);
        r
    }

    /// Whether `hash` was found unknown within [`UNKNOWN_TTL`].
    fn known_unknown(&self, hash: &[u8]) -> bool {
        let mut unknown = locked(&self.unknown);
        match unknown.get(hash) {
            Some(t) if t.elapsed() < UNKNOWN_TTL => true,
            Some(_) => {
                unknown.remove(hash);
                false
            }
            None => false,
        }
    }

    fn remember_unknown(&self, hash: &[u8]) {
        let mut unknown = locked(&self.unknown);
        if unknown.len() >= MAX_UNKNOWN {
            unknown.retain(|_, t| t.elapsed() < UNKNOWN_TTL);
            if unknown.len() >= MAX_UNKNOWN {
                // A flood of distinct keys: start over rather than grow (they are looked up again,
                // through the same bounded lane).
                unknown.clear();
            }
        }
        unknown.insert(hash.to_vec(), Instant::now());
    }

    /// Reads the context of a key this process holds nothing for, on the caller's runtime, a few
    /// at a time ([`LOOKUPS`], with [`MAX_LOOKUPS_QUEUED`] distinct keys waiting; past that 503
    /// `overloaded`). Concurrent calls of one key share its lookup. Unknown keys are remembered
    /// for [`UNKNOWN_TTL`].
    async fn look_up(&self, state: &AppState, hash: &[u8], client: std::net::IpAddr) -> Result<(), ApiError> {
        let metrics = &state.metrics;
        if self.known_unknown(hash) {
            metrics.unknown_cached.fetch_add(1, Ordering::Relaxed);
            return Err(ApiError::UnknownKey);
        }
        let cell = {
            let mut inflight = locked(&self.lookups_inflight);
            match inflight.get(hash) {
                Some(c) => c.clone(),
                None => {
                    // A client network may only make so many keys be looked up (one hammering
                    // made-up keys is refused before it costs Postgres anything).
                    if let Err(secs) = state.key_lookups.take(client) {
                        metrics.shed.fetch_add(1, Ordering::Relaxed);
                        return Err(ApiError::RateLimited(secs));
                    }
                    if self.lookups_queued.load(Ordering::Acquire) >= LOOKUPS + MAX_LOOKUPS_QUEUED {
                        metrics.shed.fetch_add(1, Ordering::Relaxed);
                        return Err(ApiError::Overloaded);
                    }
                    let c = Arc::new(tokio::sync::OnceCell::new());
                    inflight.insert(hash.to_vec(), c.clone());
                    c
                }
            }
        };
        let r = cell.get_or_init(|| self.read_context(state, hash)).await;
        {
            let mut inflight = locked(&self.lookups_inflight);
            if inflight.get(hash).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
                inflight.remove(hash);
            }
        }
        r.as_ref().map(|_| ()).map_err(ApiError::duplicate)
    }

    /// [`Coalescer::look_up`]'s read, counted in the lookup queue while it waits and runs.
    async fn read_context(&self, state: &AppState, hash: &[u8]) -> Result<(), ApiError> {
        let metrics = &state.metrics;
        self.lookups_queued.fetch_add(1, Ordering::AcqRel);
        let _queued = Queued(&self.lookups_queued);
        let _permit = self.lookups.acquire().await.map_err(|_| ApiError::Internal("closed".into()))?;
        // Another call of the same key may have looked it up meanwhile.
        if locked(&self.slots).map.contains_key(hash) {
            return Ok(());
        }
        if self.known_unknown(hash) {
            return Err(ApiError::UnknownKey);
        }
        let epoch = self.epoch.load(Ordering::Acquire);
        metrics.key_lookups.fetch_add(1, Ordering::Relaxed);
        match score::key_context(&state.pool, hash).await {
            Ok(ctx) => {
                self.install(hash, Arc::new(ctx), epoch);
                Ok(())
            }
            Err(ApiError::UnknownKey) => {
                self.remember_unknown(hash);
                Err(ApiError::UnknownKey)
            }
            Err(e) => Err(e),
        }
    }

    /// Starts the metering thread (once; every check calls it, and the binary at start-up, so a
    /// process that serves no call still heartbeats and reclaims lapsed leases). Statements, the
    /// change listener and lease upkeep run there, on a runtime of their own, so a saturated HTTP
    /// runtime cannot starve a top-up.
    pub fn start(self: &Arc<Self>, state: &AppState) {
        let mut first = false;
        self.started.get_or_init(|| first = true);
        if !first {
            return;
        }
        let options = (*state.pool.connect_options()).clone();
        let (quotas, clock, metrics) = (state.quotas, state.clock.clone(), state.metrics.clone());
        let me = Arc::downgrade(self);
        let tick = self.lease.tick;
        let spawned = std::thread::Builder::new().name("vetmai-meter".into()).spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    tracing::error!(error = %e, "metering runtime");
                    return;
                }
            };
            rt.block_on(async move {
                let pool =
                    // Opened up front and not pinged before each use: a call waiting for Postgres
                    // should wait for its statement, not for a connection.
                    sqlx::postgres::PgPoolOptions::new()
                        .max_connections(METER_CONNECTIONS)
                        .min_connections(METER_CONNECTIONS)
                        .acquire_timeout(ACQUIRE_TIMEOUT)
                        .test_before_acquire(false)
                        .connect_lazy_with(options);
                let env = Env { pool, quotas, clock, metrics };
                let Some(wake) = me.upgrade().map(|c| c.flush_wake.clone()) else { return };
                tokio::spawn(listen(me.clone(), (*env.pool.connect_options()).clone()));
                tokio::spawn(flusher(me.clone(), wake, env.clone()));
                background(me, env, tick).await;
            });
        });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "starting the metering thread");
        }
    }

    /// Admits from the lease, or refuses a spent quota, without Postgres — when memory may be
    /// trusted. `None`: Postgres must decide.
    fn admit_local(&self, key_hash: &[u8], month: i32, metrics: &Metrics) -> Option<Checked> {
        if !self.trusted() {
            return None;
        }
        let epoch = self.epoch.load(Ordering::Acquire);
        let mut slots = locked(&self.slots);
        let Some(s) = slots.map.get_mut(key_hash) else {
            tracing::debug!("to postgres: no slot");
            return None;
        };
        if s.ctx.is_none() || s.epoch != epoch || s.month != month {
            tracing::debug!(ctx = s.ctx.is_some(), epoch_ok = s.epoch == epoch, "to postgres: stale slot");
            return None;
        }
        s.last_use = Instant::now();
        let c = if s.lease > 0 {
            s.lease -= 1;
            s.unreported += 1;
            s.since_stmt += 1;
            if s.lease <= s.target / 2 && !s.topping && !s.reporting {
                s.topping = true;
                locked(&self.due).push(key_hash.to_vec());
                self.wake.notify_one();
            }
            s.decision(true)
        } else if s.exhausted && !s.meter_overage {
            // Refused: nothing to record.
            s.decision(false)
        } else if s.exhausted {
            // Overage is billed: a statement records it before the call is admitted.
            return None;
        } else {
            tracing::debug!(
                target = s.target,
                topping = s.topping,
                reporting = s.reporting,
                "to postgres: lease spent"
            );
            return None;
        };
        metrics.checks_local.fetch_add(1, Ordering::Relaxed);
        Some(c)
    }

    /// Waits for a statement (on the metering thread) to decide this call.
    async fn enqueue(&self, key_hash: &[u8]) -> Result<Checked, ApiError> {
        let (tx, rx) = oneshot::channel();
        locked(&self.waiting).push((key_hash.to_vec(), Reply { tx, since: None }));
        self.flush_wake.notify_one();
        rx.await.map_err(|_| ApiError::Internal("the metering thread stopped".into()))?
    }

    async fn thresholds(&self, pool: &PgPool) -> Result<Arc<Thresholds>, ApiError> {
        if let Some(t) = locked(&self.thresholds).as_ref() {
            return Ok(t.clone());
        }
        let t = Arc::new(score::thresholds(pool).await?);
        *locked(&self.thresholds) = Some(t.clone());
        Ok(t)
    }

    /// Drops what is cached and held for a wallet's keys (its staker or a key changed).
    pub fn forget_wallet(&self, wallet: &str) {
        let mut slots = locked(&self.slots);
        let hashes = slots.by_wallet.get(wallet).cloned().unwrap_or_default();
        let mut freed = vec![];
        for h in hashes {
            if let Some(p) = slots.map.get_mut(&h).and_then(Slot::invalidate) {
                freed.push(p);
            }
        }
        drop(slots);
        self.hand_back(freed);
    }

    /// Drops everything cached and held.
    fn forget_all(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        *locked(&self.thresholds) = None;
        let mut slots = locked(&self.slots);
        let freed: Vec<Pending> = slots.map.values_mut().filter_map(Slot::invalidate).collect();
        drop(slots);
        self.hand_back(freed);
    }

    /// Gives back this process's leases of every key of a wallet whose quota a call is waiting
    /// for (in another process, or for another key of the wallet in this one).
    fn release_wallet(&self, wallet: &str) {
        let mut slots = locked(&self.slots);
        let hashes = slots.by_wallet.get(wallet).cloned().unwrap_or_default();
        let freed: Vec<Pending> =
            hashes.iter().filter_map(|h| slots.map.get_mut(h).and_then(Slot::surrender)).collect();
        drop(slots);
        self.hand_back(freed);
    }

    fn hand_back(&self, freed: Vec<Pending>) {
        if !freed.is_empty() {
            locked(&self.pending).extend(freed);
            self.wake.notify_one();
        }
    }

    /// Handles one notice from the `vetmai_api` channel.
    fn notice(&self, payload: &str) {
        tracing::debug!(payload, "change notice");
        if let Some(holder) = payload.strip_prefix("h:") {
            // A heartbeat: ours says the listening connection still delivers; others' say nothing.
            if holder == self.holder.id {
                *locked(&self.heard) = Some(Instant::now());
            }
        } else if let Some(wallet) = payload.strip_prefix("w:") {
            self.forget_wallet(wallet);
        } else if let Some(wallet) = payload.strip_prefix("d:") {
            self.release_wallet(wallet);
        } else {
            self.forget_all();
        }
    }

    /// Decides calls: reads what it must of each key, builds one row per key (with its report
    /// and top-up), and runs the statement, in as many rounds as contexts turn out stale.
    async fn flush(self: &Arc<Self>, env: &Env, mut calls: Vec<Calls>) {
        for _ in 0..ATTEMPTS {
            if calls.is_empty() {
                return;
            }
            env.metrics.check_batches.fetch_add(1, Ordering::Relaxed);
            calls = match self.round(env, calls).await {
                Ok(stale) => stale,
                Err((e, calls)) => {
                    for c in calls {
                        fail(c.replies, &e);
                    }
                    return;
                }
            };
        }
        let e = ApiError::Internal("the key's context kept changing while metering".into());
        for c in calls {
            fail(c.replies, &e);
        }
    }

    /// The context of a key: cached, or read (and its slot made current).
    async fn context(&self, env: &Env, hash: &[u8], epoch: u64) -> Result<Arc<KeyContext>, ApiError> {
        if let Some(s) = locked(&self.slots).map.get(hash) {
            if let (Some(c), true) = (&s.ctx, s.epoch == epoch) {
                return Ok(c.clone());
            }
        }
        let ctx = match score::key_context(&env.pool, hash).await {
            Ok(c) => Arc::new(c),
            Err(e) => {
                let gone = locked(&self.slots).remove(hash).and_then(|mut s| s.invalidate());
                self.hand_back(gone.into_iter().collect());
                if matches!(e, ApiError::UnknownKey) {
                    self.remember_unknown(hash);
                }
                return Err(e);
            }
        };
        self.install(hash, ctx.clone(), epoch);
        Ok(ctx)
    }

    /// Makes `ctx` (read at `epoch`) the slot's context, creating the slot if need be.
    fn install(&self, hash: &[u8], ctx: Arc<KeyContext>, epoch: u64) {
        let mut slots = locked(&self.slots);
        if !slots.map.contains_key(hash) {
            if slots.map.len() >= MAX_KEYS {
                let idle: Vec<Vec<u8>> = slots
                    .map
                    .iter()
                    .filter(|(_, s)| s.lease == 0 && s.unreported == 0 && s.over_unreported == 0 && !s.reporting)
                    .map(|(h, _)| h.clone())
                    .collect();
                for h in idle {
                    slots.remove(&h);
                }
            }
            let wallet = ctx.wallet.to_string();
            slots.by_wallet.entry(wallet.clone()).or_default().push(hash.to_vec());
            slots.map.insert(hash.to_vec(), Slot::new(ctx.key_id, wallet));
        }
        if let Some(s) = slots.map.get_mut(hash) {
            s.key_id = ctx.key_id;
            s.ctx = Some(ctx);
            s.epoch = epoch;
        }
    }

    /// One statement for `calls` plus whatever reports are pending; returns the calls to try
    /// again because what their tier was computed from had changed.
    async fn round(self: &Arc<Self>, env: &Env, calls: Vec<Calls>) -> Result<Vec<Calls>, (ApiError, Vec<Calls>)> {
        let th = match self.thresholds(&env.pool).await {
            Ok(t) => t,
            Err(e) => return Err((e, calls)),
        };
        let now = (env.clock)();
        let (month, reset) = match month_of(now) {
            Ok(m) => m,
            Err(e) => return Err((e, calls)),
        };
        let epoch = self.epoch.load(Ordering::Acquire);
        let leasing = self.leasing();
        let mut rows = vec![];
        let mut purposes = vec![];
        for c in calls {
            let ctx = match self.context(env, &c.hash, epoch).await {
                Ok(ctx) => ctx,
                Err(e) => {
                    fail(c.replies, &e);
                    continue;
                }
            };
            let level = match ctx.score(&th.config, now) {
                Ok(s) => s.guaranteed_level,
                Err(e) => {
                    fail(c.replies, &e);
                    continue;
                }
            };
            let tier = env.quotas.for_level(level);
            let mut freed = vec![];
            let mut slots = locked(&self.slots);
            let Some(s) = slots.map.get_mut(&c.hash) else {
                drop(slots);
                fail(c.replies, &ApiError::Internal("key dropped while metering".into()));
                continue;
            };
            if s.month != month || s.tier != tier || s.level != level {
                // A new month, or a new tier: what was held is for the old one.
                freed.extend(s.surrender());
                if s.month != month {
                    s.base_used = 0;
                    s.base_over = 0;
                }
                s.month = month;
                s.reset = reset;
                s.tier = tier;
                s.level = level;
            }
            s.meter_overage = tier.meters_overage(ctx.overage);
            s.last_use = Instant::now();
            let (report, want, reporter) = match s.take_report(leasing, Instant::now()) {
                Some((r, w)) => (r, w, true),
                None => (Report::default(), 0, false),
            };
            rows.push(s.row(&ctx, c.replies.len() as u64, want, report));
            purposes.push(Purpose::Slot { hash: c.hash, gen: s.gen, epoch, reporter, replies: c.replies, level });
            drop(slots);
            self.hand_back(freed);
        }
        let pending = std::mem::take(&mut *locked(&self.pending));
        for p in pending {
            rows.push(pending_row(&p, env));
            purposes.push(Purpose::Pending);
        }
        if rows.is_empty() {
            return Ok(vec![]);
        }
        let outcomes = match meter::meter(&env.pool, &self.holder, Some(&th.text), &rows).await {
            Ok(o) => o,
            Err(e) => {
                self.restore(&rows, &purposes);
                let calls = purposes
                    .into_iter()
                    .filter_map(|p| match p {
                        Purpose::Slot { hash, replies, .. } => Some(Calls { hash, replies }),
                        Purpose::Pending => None,
                    })
                    .collect();
                return Err((e, calls));
            }
        };
        let mut again = vec![];
        for ((row, purpose), out) in rows.iter().zip(purposes).zip(outcomes) {
            let Purpose::Slot { hash, gen, epoch, reporter, replies, level } = purpose else {
                continue;
            };
            if !out.thresholds_current {
                *locked(&self.thresholds) = None;
            }
            let Some(out) = self.settle(row, &hash, gen, epoch, reporter, &out) else {
                again.push(Calls { hash, replies });
                continue;
            };
            let n = row.n;
            let undecided = out.undecided(n);
            let meter_overage = row.tier.meters_overage(row.overage);
            let mut replies = replies;
            let later = replies.split_off((n - undecided) as usize);
            for (reply, decision) in
                replies.into_iter().zip(meter::decisions(row.tier, meter_overage, &out, n - undecided, reset))
            {
                reply.send(Ok(Checked { decision, tier: row.tier, level }));
            }
            for reply in later {
                self.retry_later(hash.clone(), reply);
            }
        }
        Ok(again)
    }

    /// Applies a statement's outcome to the slot; `None` when the key's context was stale. The
    /// outcome returned counts, for the answers, what this process admitted from memory and has
    /// not yet seen counted in Postgres (its report may still be in flight).
    fn settle(
        &self,
        row: &meter::Row,
        hash: &[u8],
        gen: u64,
        epoch: u64,
        reporter: bool,
        out: &Outcome,
    ) -> Option<Outcome> {
        let mut freed = vec![];
        let current = out.current();
        let mut seen = *out;
        let mut slots = locked(&self.slots);
        match slots.map.get_mut(hash) {
            Some(s) => {
                if reporter {
                    s.reporting = false;
                }
                if out.lost && s.gen == gen {
                    // Our lease lapsed and was counted in full: what was admitted from it is in.
                    s.lease = 0;
                    s.unreported = 0;
                }
                let over_now = if row.tier.meters_overage(row.overage) {
                    (row.n - out.undecided(row.n)).saturating_sub(out.granted)
                } else {
                    0
                };
                let used_before = (s.base_used + s.unreported).max(out.used - out.granted);
                let over_before = (s.base_over + s.over_unreported).max(out.overage.saturating_sub(over_now));
                seen.used = used_before + out.granted;
                seen.overage = over_before + over_now;
                s.base_used = (s.base_used + out.granted).max(out.used);
                s.base_over = (s.base_over + over_now).max(out.overage);
                let ours = s.gen == gen && s.epoch == epoch && epoch == self.epoch.load(Ordering::Acquire);
                if out.leased > 0 {
                    if ours && current && self.trusted() {
                        s.lease += out.leased;
                    } else {
                        freed.push(Pending {
                            key_id: s.key_id,
                            month: s.month,
                            report: Report { release: out.leased, ..Report::default() },
                        });
                    }
                }
                if !current {
                    freed.extend(s.invalidate());
                } else if ours {
                    s.exhausted = out.free == 0 && out.others == 0;
                }
            }
            // A lease granted to a slot that is gone: give it back.
            None if out.leased > 0 => freed.push(Pending {
                key_id: row.key_id,
                month: row.month,
                report: Report { release: out.leased, ..Report::default() },
            }),
            None => {}
        }
        drop(slots);
        self.hand_back(freed);
        current.then_some(seen)
    }

    /// A statement failed: its reports are pending again.
    fn restore(&self, rows: &[meter::Row], purposes: &[Purpose]) {
        let mut back = vec![];
        let mut slots = locked(&self.slots);
        for (row, p) in rows.iter().zip(purposes) {
            if let Purpose::Slot { hash, reporter: true, .. } = p {
                if let Some(s) = slots.map.get_mut(hash) {
                    s.reporting = false;
                }
            }
            if !row.report.is_empty() {
                back.push(Pending { key_id: row.key_id, month: row.month, report: row.report });
            }
        }
        drop(slots);
        locked(&self.pending).extend(back);
    }

    /// A call that found the rest of the quota leased elsewhere tries again shortly, while the
    /// holders give it back; past the lease TTL (a holder that never answers has lapsed by then)
    /// it is answered 503.
    fn retry_later(self: &Arc<Self>, hash: Vec<u8>, mut reply: Reply) {
        let since = *reply.since.get_or_insert_with(Instant::now);
        if since.elapsed() > self.lease.ttl + IDLE {
            reply.send(Err(ApiError::Contended));
            return;
        }
        let me = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(CONTENDED_RETRY).await;
            locked(&me.waiting).push((hash, reply));
            me.flush_wake.notify_one();
        });
    }

    /// The background task's round: pending reports, top-ups asked for, and the periodic
    /// report, idle release and month rollover of every slot (the heartbeat keeps leases).
    async fn upkeep(self: &Arc<Self>, env: &Env, full: bool) -> Result<(), ApiError> {
        let now = Instant::now();
        let (month, _) = month_of((env.clock)())?;
        let leasing = self.leasing();
        let asked: Vec<Vec<u8>> = std::mem::take(&mut *locked(&self.due));
        let mut rows = vec![];
        let mut purposes = vec![];
        let mut freed = vec![];
        {
            let mut slots = locked(&self.slots);
            let hashes: Vec<Vec<u8>> = if full { slots.map.keys().cloned().collect() } else { asked };
            let mut forget = vec![];
            for hash in hashes {
                let Some(s) = slots.map.get_mut(&hash) else { continue };
                if s.month != month {
                    freed.extend(s.surrender());
                    s.ctx = None;
                    continue;
                }
                let holds = s.lease > 0 || s.unreported > 0 || s.over_unreported > 0;
                let idle = now.duration_since(s.last_use) >= IDLE;
                if idle && s.lease > 0 {
                    freed.extend(s.surrender());
                    continue;
                }
                if !holds && !s.reporting && now.duration_since(s.last_use) >= FORGET {
                    forget.push(hash);
                    continue;
                }
                let Some(ctx) = s.ctx.clone() else { continue };
                let top_up = leasing && s.lease <= s.target / 2 && !idle && !s.exhausted;
                let report_due =
                    (s.unreported > 0 || s.over_unreported > 0) && now.duration_since(s.last_stmt) >= REPORT_EVERY;
                if !(top_up || report_due) {
                    continue;
                }
                let Some((report, want)) = s.take_report(leasing, now) else { continue };
                rows.push(s.row(&ctx, 0, want, report));
                purposes.push(Purpose::Slot {
                    hash,
                    gen: s.gen,
                    epoch: s.epoch,
                    reporter: true,
                    replies: vec![],
                    level: s.level,
                });
            }
            for h in forget {
                slots.remove(&h);
            }
        }
        locked(&self.pending).extend(freed);
        let pending = std::mem::take(&mut *locked(&self.pending));
        for p in pending {
            rows.push(pending_row(&p, env));
            purposes.push(Purpose::Pending);
        }
        if rows.is_empty() {
            return Ok(());
        }
        // Top-ups first: a key about to run dry should not wait behind routine reports.
        let mut both: Vec<(meter::Row, Purpose)> = rows.into_iter().zip(purposes).collect();
        both.sort_by_key(|(r, _)| std::cmp::Reverse(r.want.min(1)));
        let (mut rows, mut purposes): (Vec<meter::Row>, Vec<Purpose>) = both.into_iter().unzip();
        let th = self.thresholds(&env.pool).await.ok();
        while !rows.is_empty() {
            let take = rows.len().min(CHUNK);
            let chunk: Vec<meter::Row> = rows.drain(..take).collect();
            let ps: Vec<Purpose> = purposes.drain(..take).collect();
            let _permit = self.flushers.acquire().await.map_err(|_| ApiError::Internal("closed".into()))?;
            env.metrics.check_batches.fetch_add(1, Ordering::Relaxed);
            match meter::meter(&env.pool, &self.holder, th.as_ref().map(|t| t.text.as_str()), &chunk).await {
                Ok(outs) => {
                    for ((row, p), out) in chunk.iter().zip(ps).zip(outs) {
                        if let Purpose::Slot { hash, gen, epoch, reporter, .. } = p {
                            if !out.thresholds_current {
                                *locked(&self.thresholds) = None;
                            }
                            self.settle(row, &hash, gen, epoch, reporter, &out);
                        }
                    }
                }
                Err(e) => {
                    self.restore(&chunk, &ps);
                    self.restore(&rows, &purposes);
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Stops admitting from memory and reports and gives back everything held (graceful
    /// shutdown). Usage in Postgres then counts every call this process admitted.
    pub async fn shutdown(&self) -> Result<(), ApiError> {
        self.armed.store(false, Ordering::Release);
        self.forget_all();
        self.ask(Control::Shutdown).await
    }

    /// Reports everything admitted from memory so far (leases are kept).
    pub async fn sync(&self) -> Result<(), ApiError> {
        self.ask(Control::Sync).await
    }

    async fn ask(&self, make: fn(oneshot::Sender<Result<(), ApiError>>) -> Control) -> Result<(), ApiError> {
        if self.started.get().is_none() {
            return Ok(());
        }
        let (tx, rx) = oneshot::channel();
        locked(&self.control).push(make(tx));
        self.wake.notify_one();
        rx.await.map_err(|_| ApiError::Internal("the metering thread stopped".into()))?
    }

    /// Carries out a control request on the metering thread.
    async fn control(self: &Arc<Self>, env: &Env, c: Control) {
        match c {
            Control::Sync(tx) => {
                let mut back = vec![];
                for s in locked(&self.slots).map.values_mut() {
                    if s.unreported > 0 || s.over_unreported > 0 {
                        // A report-only row: the lease row keeps `held` for the rest.
                        back.push(Pending { key_id: s.key_id, month: s.month, report: s.take_unreported() });
                    }
                }
                locked(&self.pending).extend(back);
                let _ = tx.send(self.upkeep(env, false).await);
            }
            Control::Shutdown(tx) => {
                let mut last = Ok(());
                for _ in 0..3 {
                    last = self.upkeep(env, false).await;
                    if last.is_ok() && locked(&self.pending).is_empty() {
                        break;
                    }
                }
                if last.is_ok() {
                    last = meter::retire(&env.pool, &self.holder).await;
                }
                let _ = tx.send(last);
            }
        }
    }
}

/// A report-only row (no calls, no guard, no top-up).
fn pending_row(p: &Pending, env: &Env) -> meter::Row {
    meter::Row {
        key_id: p.key_id,
        month: p.month,
        n: 0,
        tier: env.quotas.for_level(0),
        overage: false,
        guard: None,
        want: 0,
        report: p.report,
    }
}

fn fail(replies: Vec<Reply>, e: &ApiError) {
    for reply in replies {
        reply.send(Err(e.duplicate()));
    }
}

/// Listens for changes; memory is trusted only while this runs and hears our heartbeats. Each
/// session has a connection of its own (a pool of one), so a half-open one given up on holds
/// nothing the statements need.
async fn listen(me: Weak<Coalescer>, options: sqlx::postgres::PgConnectOptions) {
    loop {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(2))
            .connect_lazy_with(options.clone());
        let mut listener = match sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "change listener: connect failed; metering in Postgres only");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %e, "change listener: LISTEN failed; metering in Postgres only");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        {
            let Some(c) = me.upgrade() else { return };
            // Whatever was read before listening may have changed unheard.
            c.forget_all();
            // Just subscribed: the connection delivers (until a heartbeat is missed).
            *locked(&c.heard) = Some(Instant::now());
            c.armed.store(true, Ordering::Release);
        }
        loop {
            match tokio::time::timeout(Duration::from_millis(500), listener.try_recv()).await {
                Err(_) => {
                    let Some(c) = me.upgrade() else { return };
                    if !c.trusted() {
                        tracing::warn!(
                            "change listener: own heartbeat not heard for {HEARD_WITHIN:?}; metering in Postgres \
                             only, reconnecting"
                        );
                        c.armed.store(false, Ordering::Release);
                        c.forget_all();
                        break;
                    }
                }
                Ok(Ok(Some(n))) => {
                    let Some(c) = me.upgrade() else { return };
                    c.notice(n.payload());
                }
                Ok(Ok(None) | Err(_)) => {
                    let Some(c) = me.upgrade() else { return };
                    tracing::warn!("change listener: connection lost; metering in Postgres only until it is back");
                    c.armed.store(false, Ordering::Release);
                    c.forget_all();
                    break;
                }
            }
        }
    }
}

/// Meters the calls waiting for Postgres, `FLUSHERS` statements at a time.
async fn flusher(me: Weak<Coalescer>, wake: Arc<Notify>, env: Env) {
    loop {
        wake.notified().await;
        let Some(c) = me.upgrade() else { return };
        loop {
            let Ok(permit) = c.flushers.clone().acquire_owned().await else { return };
            let batch = std::mem::take(&mut *locked(&c.waiting));
            if batch.is_empty() {
                break;
            }
            let mut by_key: HashMap<Vec<u8>, Vec<Reply>> = HashMap::new();
            for (hash, reply) in batch {
                by_key.entry(hash).or_default().push(reply);
            }
            let calls = by_key.into_iter().map(|(hash, replies)| Calls { hash, replies }).collect();
            let (c, env) = (c.clone(), env.clone());
            tokio::spawn(async move {
                c.flush(&env, calls).await;
                drop(permit);
                // Calls that arrived meanwhile.
                c.flush_wake.notify_one();
            });
        }
    }
}

/// Reports, renews, tops up and gives back leases: every `tick`, and at once when asked. Returns
/// (ending the metering thread) once the coalescer is gone.
async fn background(me: Weak<Coalescer>, env: Env, tick: Duration) {
    let mut last_full = Instant::now();
    loop {
        let Some(c) = me.upgrade() else { return };
        let beat_due = locked(&c.last_beat).is_none_or(|t| t.elapsed() >= c.beat_every());
        if beat_due {
            let before = local_ms();
            match meter::heartbeat(&env.pool, &c.holder).await {
                Ok(beat) => {
                    *locked(&c.last_beat) = Some(Instant::now());
                    if let Some(clock) = c.db_clock.get() {
                        clock.observe(beat.db_now_ms, before, local_ms());
                    }
                    if beat.reclaimed > 0 {
                        env.metrics.reclaimed.fetch_add(beat.reclaimed, Ordering::Relaxed);
                        tracing::info!(calls = beat.reclaimed, "reclaimed lapsed leases (counted as used)");
                    }
                }
                Err(e) => {
                    env.metrics.errors.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(error = %e, "lease heartbeat failed; no new leases until it succeeds");
                }
            }
        }
        let woken = tokio::select! {
            _ = c.wake.notified() => true,
            _ = tokio::time::sleep(tick.min(c.beat_every())) => false,
        };
        let requests = std::mem::take(&mut *locked(&c.control));
        for req in requests {
            c.control(&env, req).await;
        }
        let full = !woken || last_full.elapsed() >= tick;
        if full {
            last_full = Instant::now();
        }
        if let Err(e) = c.upkeep(&env, full).await {
            tracing::warn!(error = %e, "lease upkeep failed; will retry");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
