//! The connection pool of one bind, over sqlx connections.
//!
//! sqlx's own `Pool` pings every connection it takes back, to flush whatever a dropped future
//! may have left behind: one more round trip per statement, which made a one-row lookup on
//! PostgreSQL 1.7× slower than the same lookup on a single connection (see BENCHMARKS.md).
//! This pool knows how each connection was left, so it puts a connection whose work finished
//! straight back, and repairs or closes only the others:
//! - a transaction left open (a session dropped without commit, a panic) is rolled back by a
//!   spawned task before the connection is reused, so its locks are released at once;
//! - a statement abandoned midway (a cancelled future, a row that failed to decode) leaves a
//!   server connection in an unknown protocol state, so that connection is closed. SQLite's
//!   connections recover from it (and an in-memory database lives only as long as its
//!   connection), so those are rolled back and kept;
//! - a connection found dead is closed.
//!
//! Idle connections are reused last in, first out: a busy pool keeps using its warmest
//! connections and the spare ones age out through `idle_timeout`. A connection is pinged before
//! use only as [`PrePing`] says: when it sat idle past the threshold, or when the bind's
//! [`Health`] saw connections die since it was opened.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use sqlx::{ConnectOptions, Connection, Database};
use tokio::runtime::Handle;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError};

use super::SqlxBackend;
use super::health::{Health, is_connection_lost};
use crate::config::{PoolConfig, PrePing};

/// The sqlx connection type of a backend.
pub(crate) type RawConn<B> = <<B as SqlxBackend>::Db as Database>::Connection;

/// Runs `ROLLBACK` on a connection (the pool cannot name sqlx's executor bounds itself).
pub(crate) type Rollback<B> =
    for<'c> fn(&'c mut RawConn<B>) -> BoxFuture<'c, Result<(), sqlx::Error>>;

/// The longest a pool's housekeeping sleeps between rounds.
const MAINTENANCE_PERIOD: Duration = Duration::from_secs(60);

/// A pool of connections to one database.
pub(crate) struct Pool<B: SqlxBackend> {
    shared: Arc<Shared<B>>,
}

/// What the pool, its checked-out connections and its housekeeping task share.
struct Shared<B: SqlxBackend> {
    connect: <RawConn<B> as Connection>::Options,
    config: PoolConfig,
    max_lifetime: Option<Duration>,
    /// One permit per connection that may be checked out; idle connections hold none.
    permits: Arc<Semaphore>,
    /// Connections not in use, the most recently returned last.
    idle: Mutex<Vec<Idle<B>>>,
    /// Open connections, idle or checked out.
    size: AtomicU32,
    closed: AtomicBool,
    housekeeping: AtomicBool,
    health: Arc<Health>,
    rollback: Rollback<B>,
}

struct Idle<B: SqlxBackend> {
    conn: RawConn<B>,
    opened: Instant,
    since: Instant,
}

impl<B: SqlxBackend> Pool<B> {
    /// A pool that opens connections on first use. `config` is already adjusted to the
    /// backend; `health` is the bind's record of lost connections.
    pub(crate) fn new(
        connect: <RawConn<B> as Connection>::Options,
        config: PoolConfig,
        health: Arc<Health>,
        rollback: Rollback<B>,
    ) -> Self {
        Pool {
            shared: Arc::new(Shared {
                connect,
                max_lifetime: config.recycle_for(B::BACKEND),
                permits: Arc::new(Semaphore::new(config.max_connections as usize)),
                config,
                idle: Mutex::new(Vec::new()),
                size: AtomicU32::new(0),
                closed: AtomicBool::new(false),
                housekeeping: AtomicBool::new(false),
                health,
                rollback,
            }),
        }
    }

    /// A connection for one operation or transaction: an idle one (pinged first if it may have
    /// gone stale) or a new one. Waits up to `acquire_timeout` for a free slot, retrying a
    /// server that refuses connections (it may be starting), then fails with `PoolTimedOut`.
    pub(crate) async fn acquire(&self) -> Result<Pooled<B>, sqlx::Error> {
        let shared = &self.shared;
        if shared.closed.load(Ordering::Acquire) {
            return Err(sqlx::Error::PoolClosed);
        }
        // The common case, a free slot and an idle connection that needs no ping, sets no
        // timer and allocates nothing.
        match shared.permits.clone().try_acquire_owned() {
            Ok(permit) => {
                let mut slot = Pooled::empty(shared.clone(), permit);
                if slot.take_ready_idle() {
                    return Ok(slot);
                }
                self.acquire_slow(Some(slot)).await
            }
            Err(TryAcquireError::Closed) => Err(sqlx::Error::PoolClosed),
            Err(TryAcquireError::NoPermits) => self.acquire_slow(None).await,
        }
    }

    /// The rest of [`acquire`](Self::acquire): waiting for a slot, pinging, connecting. Boxed,
    /// because a connect future is kilobytes large, and every statement's future would carry
    /// it (and copy it as it is moved) if it were inlined.
    fn acquire_slow(
        &self,
        slot: Option<Pooled<B>>,
    ) -> BoxFuture<'_, Result<Pooled<B>, sqlx::Error>> {
        Box::pin(async move {
            let shared = &self.shared;
            let timeout = shared.config.acquire_timeout;
            let deadline = Instant::now() + timeout;
            let mut slot = match slot {
                Some(slot) => slot,
                None => {
                    let waited =
                        tokio::time::timeout(timeout, shared.permits.clone().acquire_owned());
                    match waited.await {
                        Ok(Ok(permit)) => Pooled::empty(shared.clone(), permit),
                        Ok(Err(_)) => return Err(sqlx::Error::PoolClosed),
                        Err(_) => return Err(sqlx::Error::PoolTimedOut),
                    }
                }
            };
            if shared.closed.load(Ordering::Acquire) {
                return Err(sqlx::Error::PoolClosed);
            }
            shared.start_housekeeping();
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, slot.fill(deadline)).await {
                Ok(Ok(())) => Ok(slot),
                Ok(Err(error)) => Err(error),
                Err(_) => Err(sqlx::Error::PoolTimedOut),
            }
        })
    }

    /// Closes the pool: later acquires fail with `PoolClosed`; waits for the connections in use
    /// to come back, then closes every connection.
    pub(crate) async fn close(&self) {
        let shared = &self.shared;
        shared.closed.store(true, Ordering::Release);
        // Every permit is free only when every checked-out connection came back (and was
        // closed, the pool being closed).
        if let Ok(all) = shared
            .permits
            .acquire_many(shared.config.max_connections)
            .await
        {
            drop(all);
        }
        shared.permits.close();
        let idle = std::mem::take(&mut *shared.idle());
        for idle in idle {
            shared.size.fetch_sub(1, Ordering::Relaxed);
            let _ = idle.conn.close().await;
        }
    }
}

impl<B: SqlxBackend> fmt::Debug for Pool<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = &self.shared;
        f.debug_struct("Pool")
            .field("backend", &B::BACKEND)
            .field("max", &shared.config.max_connections)
            .field("size", &shared.size.load(Ordering::Relaxed))
            .field("idle", &shared.idle().len())
            .field("closed", &shared.closed.load(Ordering::Relaxed))
            .finish()
    }
}

impl<B: SqlxBackend> Shared<B> {
    fn idle(&self) -> MutexGuard<'_, Vec<Idle<B>>> {
        // Nothing panics while holding the lock; a poisoned list is still a valid list.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn expired(&self, opened: Instant) -> bool {
        self.max_lifetime
            .is_some_and(|lifetime| opened.elapsed() >= lifetime)
    }

    fn idle_expired(&self, idle: &Idle<B>) -> bool {
        self.expired(idle.opened)
            || self
                .config
                .idle_timeout
                .is_some_and(|timeout| idle.since.elapsed() >= timeout)
    }

    /// Whether an idle connection should be pinged before it is handed out.
    fn needs_ping(&self, idle: &Idle<B>) -> bool {
        match self.config.pre_ping {
            PrePing::Never => false,
            PrePing::Always => true,
            PrePing::IdleLongerThan(threshold) => {
                idle.since.elapsed() > threshold || self.health.suspects(idle.opened.elapsed())
            }
        }
    }

    fn release(&self, conn: RawConn<B>, opened: Instant) {
        self.idle().push(Idle {
            conn,
            opened,
            since: Instant::now(),
        });
    }

    /// Closes a connection the pool no longer keeps: politely when it is healthy (a server logs
    /// an abrupt disconnect), by dropping its socket when it is not.
    fn discard(&self, conn: RawConn<B>, healthy: bool) {
        self.size.fetch_sub(1, Ordering::Relaxed);
        if let Ok(runtime) = Handle::try_current() {
            runtime.spawn(async move {
                let _ = if healthy {
                    conn.close().await
                } else {
                    conn.close_hard().await
                };
            });
        }
    }

    /// Opens a connection, retrying while the server refuses (it may be starting up); the
    /// caller's timeout ends the retries.
    async fn open(&self, deadline: Instant) -> Result<RawConn<B>, sqlx::Error> {
        let mut backoff = Duration::from_millis(10);
        let max_backoff = deadline.saturating_duration_since(Instant::now()) / 5;
        loop {
            match self.connect.connect().await {
                Ok(conn) => {
                    self.size.fetch_add(1, Ordering::Relaxed);
                    return Ok(conn);
                }
                Err(error) if refused_for_now(&error) => {}
                Err(error) => return Err(error),
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(max_backoff.max(backoff));
        }
    }

    /// Starts the task that closes expired idle connections and keeps `min_connections` open,
    /// once, from the first acquire (a runtime exists only from then on).
    fn start_housekeeping(self: &Arc<Self>) {
        let config = &self.config;
        let needed = config.idle_timeout.is_some()
            || self.max_lifetime.is_some()
            || config.min_connections > 0;
        if !needed || self.housekeeping.swap(true, Ordering::Relaxed) {
            return;
        }
        let period = [config.idle_timeout, self.max_lifetime]
            .into_iter()
            .flatten()
            .fold(MAINTENANCE_PERIOD, Duration::min);
        if let Ok(runtime) = Handle::try_current() {
            runtime.spawn(housekeeping(Arc::downgrade(self), period));
        }
    }

    /// Closes idle connections past `idle_timeout` (keeping `min_connections`) or past their
    /// lifetime.
    fn reap(&self) {
        let expired: Vec<Idle<B>> = {
            let mut idle = self.idle();
            let mut spare = self
                .size
                .load(Ordering::Relaxed)
                .saturating_sub(self.config.min_connections);
            let mut kept = Vec::with_capacity(idle.len());
            let mut expired = Vec::new();
            for entry in idle.drain(..) {
                let too_old = self.expired(entry.opened);
                if too_old || (spare > 0 && self.idle_expired(&entry)) {
                    spare = spare.saturating_sub(1);
                    expired.push(entry);
                } else {
                    kept.push(entry);
                }
            }
            *idle = kept;
            expired
        };
        for entry in expired {
            self.discard(entry.conn, true);
        }
    }

    /// Opens connections until `min_connections` are open, as far as free slots allow.
    async fn top_up(self: &Arc<Self>) {
        while self.size.load(Ordering::Relaxed) < self.config.min_connections {
            let Ok(permit) = self.permits.clone().try_acquire_owned() else {
                return;
            };
            let deadline = Instant::now() + self.config.acquire_timeout;
            match tokio::time::timeout(self.config.acquire_timeout, self.open(deadline)).await {
                Ok(Ok(conn)) => self.release(conn, Instant::now()),
                Ok(Err(error)) => {
                    tracing::debug!(%error, "could not open a connection to keep min_connections");
                    return;
                }
                Err(_) => return,
            }
            drop(permit);
        }
    }
}

/// The pool's housekeeping loop; it ends when the pool is dropped or closed.
async fn housekeeping<B: SqlxBackend>(pool: Weak<Shared<B>>, period: Duration) {
    loop {
        {
            let Some(shared) = pool.upgrade() else {
                return;
            };
            if shared.closed.load(Ordering::Acquire) {
                return;
            }
            shared.reap();
            shared.top_up().await;
        }
        tokio::time::sleep(period).await;
    }
}

/// Whether a failed connect is worth retrying until the acquire timeout: the server refused
/// the connection or said it cannot accept one yet (starting up, too many connections).
fn refused_for_now(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(io) => io.kind() == std::io::ErrorKind::ConnectionRefused,
        sqlx::Error::Database(db) => db.is_transient_in_connect_phase(),
        _ => false,
    }
}

/// A checked-out connection. Dropped, it goes back to the pool as the module comment says:
/// as it is when its work finished, rolled back when a transaction is open, closed when a
/// statement was abandoned midway or the connection died.
pub(crate) struct Pooled<B: SqlxBackend> {
    /// Always `Some` once `acquire` returns it; `None` only while acquiring and in `drop`.
    conn: Option<RawConn<B>>,
    opened: Instant,
    /// A statement was sent and its outcome not yet seen.
    busy: bool,
    in_transaction: bool,
    broken: bool,
    /// Handed to a rollback task that has not finished: if that task is dropped (its runtime
    /// shutting down), the connection is closed rather than handed to another task.
    resetting: bool,
    shared: Arc<Shared<B>>,
    permit: Option<OwnedSemaphorePermit>,
}

impl<B: SqlxBackend> Pooled<B> {
    fn empty(shared: Arc<Shared<B>>, permit: OwnedSemaphorePermit) -> Self {
        Pooled {
            conn: None,
            opened: Instant::now(),
            busy: false,
            in_transaction: false,
            broken: false,
            resetting: false,
            shared,
            permit: Some(permit),
        }
    }

    /// Takes the most recently used idle connection if it can be used as it is; `false` when
    /// there is none or it needs a ping or closing first (it is then left for [`fill`](Self::fill)).
    fn take_ready_idle(&mut self) -> bool {
        let mut idle = self.shared.idle();
        match idle.last() {
            Some(last) if !self.shared.idle_expired(last) && !self.shared.needs_ping(last) => {}
            _ => return false,
        }
        if let Some(entry) = idle.pop() {
            self.opened = entry.opened;
            self.conn = Some(entry.conn);
            return true;
        }
        false
    }

    /// Fills this slot with a usable connection: an idle one, pinged first where needed, or
    /// a new one.
    async fn fill(&mut self, deadline: Instant) -> Result<(), sqlx::Error> {
        loop {
            let Some(entry) = self.shared.idle().pop() else {
                break;
            };
            if self.shared.idle_expired(&entry) {
                self.shared.discard(entry.conn, true);
                continue;
            }
            let ping = self.shared.needs_ping(&entry);
            self.opened = entry.opened;
            self.conn = Some(entry.conn);
            if !ping {
                return Ok(());
            }
            let result = self.connection().ping().await;
            self.finish(&result);
            if result.is_ok() {
                return Ok(());
            }
            // Dead: close it and try the next one.
            if let Some(conn) = self.conn.take() {
                self.shared.discard(conn, false);
            }
            self.broken = false;
        }
        let conn = self.shared.open(deadline).await?;
        self.opened = Instant::now();
        self.conn = Some(conn);
        Ok(())
    }

    /// The connection, marked busy until [`finish`](Self::finish) sees the outcome: if the
    /// caller's future is dropped in between, the connection is not reused as it is.
    pub(crate) fn start(&mut self) -> &mut RawConn<B> {
        self.busy = true;
        self.connection()
    }

    fn connection(&mut self) -> &mut RawConn<B> {
        match &mut self.conn {
            Some(conn) => conn,
            None => unreachable!("a checked-out connection is present until it is dropped"),
        }
    }

    /// Records how the operation begun with [`start`](Self::start) ended. An error without
    /// an sqlx cause (a row that did not decode) means the rows were abandoned midway, so the
    /// connection stays marked busy; a lost connection is marked broken.
    pub(crate) fn finish<T, E: super::SqlxCause>(&mut self, result: &Result<T, E>) {
        match result {
            Ok(_) => self.busy = false,
            Err(error) => match error.sqlx_cause() {
                Some(cause) if is_connection_lost(cause) => self.broken = true,
                Some(_) => self.busy = false,
                None => {}
            },
        }
    }

    /// Notes that a transaction is open (after BEGIN) or ended (after COMMIT or ROLLBACK).
    pub(crate) fn set_in_transaction(&mut self, open: bool) {
        self.in_transaction = open;
    }

    /// Rolls back whatever the connection was left in, then lets `drop` put it back (or close
    /// it, if the rollback failed).
    async fn reset(mut self) {
        let rollback = self.shared.rollback;
        self.busy = true;
        let result = rollback(self.connection()).await;
        // SQLite refuses ROLLBACK when no transaction is open: that too says it is clean.
        self.resetting = false;
        if result.is_ok() || B::REUSABLE_AFTER_CANCEL {
            self.busy = false;
            self.in_transaction = false;
        } else {
            self.broken = true;
        }
    }
}

impl<B: SqlxBackend> fmt::Debug for Pooled<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pooled")
            .field("backend", &B::BACKEND)
            .field("in_transaction", &self.in_transaction)
            .finish_non_exhaustive()
    }
}

impl<B: SqlxBackend> Drop for Pooled<B> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        let shared = &self.shared;
        let abandoned = self.busy && !B::REUSABLE_AFTER_CANCEL;
        if self.broken || abandoned || self.resetting {
            shared.discard(conn, false);
        } else if shared.closed.load(Ordering::Acquire) || shared.expired(self.opened) {
            // Closing the connection also ends any transaction it has open.
            shared.discard(conn, true);
        } else if self.busy || self.in_transaction {
            match Handle::try_current() {
                Ok(runtime) => {
                    // The task keeps the permit until the connection is back, so the pool
                    // never holds more connections than its maximum.
                    let guard = Pooled {
                        conn: Some(conn),
                        opened: self.opened,
                        busy: self.busy,
                        in_transaction: self.in_transaction,
                        broken: false,
                        resetting: true,
                        shared: shared.clone(),
                        permit: self.permit.take(),
                    };
                    runtime.spawn(guard.reset());
                }
                Err(_) => shared.discard(conn, false),
            }
        } else {
            shared.release(conn, self.opened);
        }
        // The permit is released after this body: the connection is idle before a waiter wakes.
    }
}
