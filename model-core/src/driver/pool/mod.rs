//! The connection pool of one bind.
//!
//! sqlx's own `Pool` pings every connection it takes back, to flush whatever a dropped future
//! may have left behind: one more round trip per statement, which made a one-row lookup on
//! PostgreSQL 1.7× slower than the same lookup on a single connection (see bench/HISTORY.md).
//! This pool knows how each connection was left ([`State`]), so it puts a connection whose
//! work finished straight back, and repairs or closes only the others:
//! - a transaction left open (a session dropped without commit, a panic) is rolled back by a
//!   spawned task before the connection is reused, so its locks are released at once;
//! - work abandoned midway (a cancelled future at any await point: a statement, a ping, a
//!   COMMIT; a row that failed to decode) leaves a server connection in an unknown protocol
//!   state, so that connection is closed. SQLite's connections recover from it (and an
//!   in-memory database lives only as long as its connection), so those are rolled back and
//!   kept;
//! - a connection found dead is closed.
//!
//! Cancel-safe by construction: every use of a connection goes through [`Pooled::begin_statement`],
//! which marks it [`State::Working`] before the first await, and only [`Pooled::end_statement`], run
//! once the outcome is seen, marks it clean again. A connection dropped in between is never
//! handed out again as it is, and a checked-out connection whose earlier work was abandoned
//! refuses the next statement (it would read the abandoned statement's answer as its own).
//!
//! Idle connections are reused last in, first out: a busy pool keeps using its warmest
//! connections and the spare ones age out through `idle_timeout`. A connection idle for
//! nearly as long as its server allows (learned when it opened: MySQL's `wait_timeout`,
//! PostgreSQL's `idle_session_timeout`) is closed rather than handed out, since the server
//! closes it at that limit and the next statement on it would fail. A connection is pinged before
//! use only as [`PrePing`] says: when it sat idle past the threshold, or when the bind's
//! [`Health`] saw connections die since it was opened.
//!
//! What a connection is (opening, pinging, rolling back, closing) comes from a [`Manager`]:
//! sqlx's connections in the drivers, a scripted fake in this module's tests.

mod settings;
#[cfg(test)]
mod tests;

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use tokio::runtime::Handle;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError};
use tokio::task::JoinHandle;

use super::error::SqlxCause;
use super::health::{Health, is_connection_lost};
pub use settings::{PoolConfig, PrePing};

/// The longest a pool's housekeeping sleeps between rounds.
const MAINTENANCE_PERIOD: Duration = Duration::from_secs(60);

/// What the pool needs of one kind of connection.
pub(crate) trait Manager: Send + Sync + 'static {
    /// An open connection.
    type Conn: Send + 'static;
    /// Whether a connection whose work was abandoned midway can be used again once rolled
    /// back. Server protocols are left mid-message, so not by default.
    const REUSABLE_AFTER_CANCEL: bool = false;
    /// Opens a connection, with the longest the server lets it sit idle before closing it
    /// (MySQL's `wait_timeout`, PostgreSQL's `idle_session_timeout`), when it has a limit.
    fn connect(
        &self,
    ) -> impl Future<Output = Result<(Self::Conn, Option<Duration>), sqlx::Error>> + Send + '_;
    /// Checks that a connection still answers.
    fn ping(conn: &mut Self::Conn) -> impl Future<Output = Result<(), sqlx::Error>> + Send + '_;
    /// Rolls back whatever transaction the connection has open.
    fn rollback<'c>(&self, conn: &'c mut Self::Conn) -> BoxFuture<'c, Result<(), sqlx::Error>>;
    /// Closes a connection: politely when `healthy` (a server logs an abrupt disconnect), by
    /// dropping its socket when not.
    fn close(conn: Self::Conn, healthy: bool) -> impl Future<Output = ()> + Send + 'static;
}

/// How a checked-out connection was left; what the pool does with it when it comes back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    /// No work in flight, no transaction: goes back to the idle list as it is.
    Clean,
    /// Between statements of an open transaction: rolled back before reuse.
    InTransaction,
    /// Work was sent (a statement, a ping, COMMIT) and its outcome not seen yet. Left in this
    /// state, the work was abandoned: the connection is closed (or, where
    /// [`Manager::REUSABLE_AFTER_CANCEL`], rolled back) and refuses further statements.
    Working {
        /// Whether a transaction was open when the work began.
        in_transaction: bool,
    },
    /// Dead, or in a state that cannot be known: closed.
    Broken,
    /// With a task that rolls it back; closed if that task is dropped before it finishes.
    Resetting,
}

/// The error of a statement sent on a connection whose earlier work was abandoned.
fn abandoned() -> sqlx::Error {
    sqlx::Error::Protocol(
        "an earlier statement on this connection was cancelled or abandoned before it \
         finished, so the transaction cannot go on; it is rolled back"
            .into(),
    )
}

/// A pool of connections to one database.
pub(crate) struct Pool<M: Manager> {
    shared: Arc<PoolCore<M>>,
}

/// What the pool, its checked-out connections and its housekeeping task share.
struct PoolCore<M: Manager> {
    manager: M,
    config: PoolConfig,
    max_lifetime: Option<Duration>,
    /// One permit per connection that may be checked out; idle connections hold none.
    permits: Arc<Semaphore>,
    /// Connections not in use, the most recently returned last.
    idle: Mutex<Vec<Idle<M>>>,
    /// Open connections, idle or checked out.
    size: AtomicU32,
    closed: AtomicBool,
    /// When the pool was made: the origin of `retired_before`.
    born: Instant,
    /// Connections opened before this many nanoseconds after `born` are closed rather than
    /// reused (0: none): set after DDL that changed what connections cache about the schema.
    retired_before: AtomicU64,
    /// The housekeeping task, started by the first acquire that needs it and started again
    /// when the runtime it ran on has shut down.
    housekeeping: Mutex<Option<JoinHandle<()>>>,
    health: Arc<Health>,
}

struct Idle<M: Manager> {
    conn: M::Conn,
    opened: Instant,
    since: Instant,
    /// How long the server lets this connection sit idle.
    server_idle_limit: Option<Duration>,
}

/// Nanoseconds from `born` to `at` (an instant after it), saturated.
fn nanos_since(born: Instant, at: Instant) -> u64 {
    u64::try_from(at.saturating_duration_since(born).as_nanos()).unwrap_or(u64::MAX)
}

/// How long before the server's idle limit a connection stops being handed out: a quarter of
/// the limit, at most 5 s, so a statement sent just before the limit is not cut off.
fn within_server_limit(limit: Duration) -> Duration {
    limit - (limit / 4).min(Duration::from_secs(5))
}

impl<M: Manager> Pool<M> {
    /// A pool that opens connections on first use. `max_lifetime` is the recycle age in force
    /// for the backend; `health` is the bind's record of lost connections.
    pub(crate) fn new(
        manager: M,
        config: PoolConfig,
        max_lifetime: Option<Duration>,
        health: Arc<Health>,
    ) -> Self {
        Pool {
            shared: Arc::new(PoolCore {
                manager,
                max_lifetime,
                permits: Arc::new(Semaphore::new(config.max_connections as usize)),
                config,
                idle: Mutex::new(Vec::new()),
                size: AtomicU32::new(0),
                closed: AtomicBool::new(false),
                born: Instant::now(),
                retired_before: AtomicU64::new(0),
                housekeeping: Mutex::new(None),
                health,
            }),
        }
    }

    /// A connection for one operation or transaction: an idle one (pinged first if it may have
    /// gone stale) or a new one. Waits up to `acquire_timeout` for a free slot, then fails with
    /// `PoolTimedOut`. A connection that cannot be opened fails at once with the reason (a
    /// refused connection, a wrong password), as SQLAlchemy's pool does; only a server that
    /// says it is starting up is waited for, within the same timeout.
    pub(crate) async fn acquire(&self) -> Result<Pooled<M>, sqlx::Error> {
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
        slot: Option<Pooled<M>>,
    ) -> BoxFuture<'_, Result<Pooled<M>, sqlx::Error>> {
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
            match tokio::time::timeout(left, slot.obtain(deadline)).await {
                Ok(Ok(())) => Ok(slot),
                Ok(Err(error)) => Err(error),
                Err(_) => Err(sqlx::Error::PoolTimedOut),
            }
        })
    }

    /// Retires every connection open now: each is closed when it is next returned or handed
    /// out, and the pool opens new ones. For DDL that changes what a connection caches about
    /// the schema (PostgreSQL's type ids, looked up once per connection by name). SQLite's
    /// connections need it never, so a SQLite-only build has no caller.
    #[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
    pub(crate) fn retire_connections(&self) {
        let now = nanos_since(self.shared.born, Instant::now()).max(1);
        self.shared.retired_before.fetch_max(now, Ordering::AcqRel);
    }

    #[cfg(any(feature = "postgres", feature = "mysql"))]
    /// Tells the bind's [`Health`] that a connection was found dead, so connections as old are
    /// pinged before use for a while.
    pub(crate) fn saw_lost_connection(&self, error: &sqlx::Error) {
        self.shared.health.observe(error);
    }

    /// Closes the pool: later acquires fail with `PoolClosed`. Waits up to the acquire timeout
    /// for the connections in use to come back, then closes every idle connection; one that
    /// comes back later is closed as it comes (a session held forever cannot make `close`
    /// wait forever).
    pub(crate) async fn close(&self) {
        let shared = &self.shared;
        shared.closed.store(true, Ordering::Release);
        // Every permit is free only when every checked-out connection came back (and was
        // closed, the pool being closed).
        let all = shared.permits.acquire_many(shared.config.max_connections);
        if let Ok(Ok(all)) = tokio::time::timeout(shared.config.acquire_timeout, all).await {
            drop(all);
        }
        shared.permits.close();
        let idle = std::mem::take(&mut *shared.idle());
        for idle in idle {
            shared.size.fetch_sub(1, Ordering::Relaxed);
            M::close(idle.conn, true).await;
        }
        if let Some(task) = shared.housekeeping_task().take() {
            task.abort();
        }
    }
}

impl<M: Manager> fmt::Debug for Pool<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = &self.shared;
        f.debug_struct("Pool")
            .field("max", &shared.config.max_connections)
            .field("size", &shared.size.load(Ordering::Relaxed))
            .field("idle", &shared.idle().len())
            .field("closed", &shared.closed.load(Ordering::Relaxed))
            .finish()
    }
}

impl<M: Manager> PoolCore<M> {
    fn idle(&self) -> MutexGuard<'_, Vec<Idle<M>>> {
        // Nothing panics while holding the lock; a poisoned list is still a valid list.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn housekeeping_task(&self) -> MutexGuard<'_, Option<JoinHandle<()>>> {
        self.housekeeping
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn expired(&self, opened: Instant) -> bool {
        self.max_lifetime
            .is_some_and(|lifetime| opened.elapsed() >= lifetime)
            || self.retired(opened)
    }

    /// Whether a connection opened at `opened` was open when the pool's connections were last
    /// retired.
    fn retired(&self, opened: Instant) -> bool {
        let before = self.retired_before.load(Ordering::Acquire);
        before > 0 && nanos_since(self.born, opened) < before
    }

    fn idle_expired(&self, idle: &Idle<M>) -> bool {
        let idle_for = idle.since.elapsed();
        self.expired(idle.opened)
            || self
                .config
                .idle_timeout
                .is_some_and(|timeout| idle_for >= timeout)
            || idle
                .server_idle_limit
                .is_some_and(|limit| idle_for >= within_server_limit(limit))
    }

    /// Whether an idle connection should be pinged before it is handed out.
    fn needs_ping(&self, idle: &Idle<M>) -> bool {
        match self.config.pre_ping {
            PrePing::Never => false,
            PrePing::Always => true,
            PrePing::IdleLongerThan(threshold) => {
                idle.since.elapsed() > threshold || self.health.suspects(idle.opened.elapsed())
            }
        }
    }

    fn release(&self, conn: M::Conn, opened: Instant, server_idle_limit: Option<Duration>) {
        self.idle().push(Idle {
            conn,
            opened,
            since: Instant::now(),
            server_idle_limit,
        });
    }

    /// Closes a connection the pool no longer keeps, in a task of its own (see
    /// [`Manager::close`]); without a runtime its socket is simply dropped.
    fn discard(&self, conn: M::Conn, healthy: bool) {
        self.size.fetch_sub(1, Ordering::Relaxed);
        if let Ok(runtime) = Handle::try_current() {
            runtime.spawn(M::close(conn, healthy));
        }
    }

    /// Opens a connection. A server that says it cannot accept one yet (starting up, too many
    /// connections) is retried until `deadline`; any other failure, a refused connection
    /// included, is returned at once, so an unreachable server is reported with its cause
    /// instead of after the whole acquire timeout.
    async fn open(&self, deadline: Instant) -> Result<(M::Conn, Option<Duration>), sqlx::Error> {
        let mut backoff = Duration::from_millis(10);
        let max_backoff = deadline.saturating_duration_since(Instant::now()) / 5;
        loop {
            match self.manager.connect().await {
                Ok(conn) => {
                    self.size.fetch_add(1, Ordering::Relaxed);
                    return Ok(conn);
                }
                Err(error) if not_yet(&error) && Instant::now() < deadline => {}
                Err(error) => return Err(error),
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(max_backoff.max(backoff));
        }
    }

    /// Starts the task that closes expired idle connections and keeps `min_connections` open:
    /// from the first acquire (a runtime exists only from then on), and again from an acquire
    /// on another runtime once the one it ran on has shut down (a task cannot outlive its
    /// runtime).
    fn start_housekeeping(self: &Arc<Self>) {
        let config = &self.config;
        let needed = config.idle_timeout.is_some()
            || self.max_lifetime.is_some()
            || config.min_connections > 0;
        if !needed {
            return;
        }
        let mut task = self.housekeeping_task();
        if task.as_ref().is_some_and(|task| !task.is_finished()) {
            return;
        }
        let period = [config.idle_timeout, self.max_lifetime]
            .into_iter()
            .flatten()
            .fold(MAINTENANCE_PERIOD, Duration::min);
        if let Ok(runtime) = Handle::try_current() {
            *task = Some(runtime.spawn(housekeeping(Arc::downgrade(self), period)));
        }
    }

    /// Closes idle connections past `idle_timeout` (keeping `min_connections`) or past their
    /// lifetime.
    fn reap(&self) {
        let expired: Vec<Idle<M>> = {
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
                Ok(Ok((conn, limit))) => self.release(conn, Instant::now(), limit),
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
async fn housekeeping<M: Manager>(pool: Weak<PoolCore<M>>, period: Duration) {
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

/// Whether a failed connect is worth retrying until the acquire timeout: the server answered
/// that it cannot accept a connection yet (starting up, too many connections).
fn not_yet(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(db) => db.is_transient_in_connect_phase(),
        _ => false,
    }
}

/// A checked-out connection. Dropped, it goes back to the pool as its [`State`] says.
pub(crate) struct Pooled<M: Manager> {
    /// Always `Some` once `acquire` returns it; `None` only while acquiring and in `drop`.
    conn: Option<M::Conn>,
    opened: Instant,
    server_idle_limit: Option<Duration>,
    state: State,
    shared: Arc<PoolCore<M>>,
    permit: Option<OwnedSemaphorePermit>,
}

impl<M: Manager> Pooled<M> {
    fn empty(shared: Arc<PoolCore<M>>, permit: OwnedSemaphorePermit) -> Self {
        Pooled {
            conn: None,
            opened: Instant::now(),
            server_idle_limit: None,
            state: State::Clean,
            shared,
            permit: Some(permit),
        }
    }

    /// Takes the most recently used idle connection if it can be used as it is; `false` when
    /// there is none or it needs a ping or closing first (it is then left for [`obtain`](Self::obtain)).
    fn take_ready_idle(&mut self) -> bool {
        let mut idle = self.shared.idle();
        match idle.last() {
            Some(last) if !self.shared.idle_expired(last) && !self.shared.needs_ping(last) => {}
            _ => return false,
        }
        if let Some(entry) = idle.pop() {
            self.opened = entry.opened;
            self.server_idle_limit = entry.server_idle_limit;
            self.conn = Some(entry.conn);
            return true;
        }
        false
    }

    /// Puts a usable connection in this slot: an idle one, pinged first where needed, or
    /// a new one.
    async fn obtain(&mut self, deadline: Instant) -> Result<(), sqlx::Error> {
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
            self.server_idle_limit = entry.server_idle_limit;
            self.conn = Some(entry.conn);
            self.state = State::Clean;
            if !ping {
                return Ok(());
            }
            // Like a statement: dropped during the ping, the connection holds an answer no one
            // read, and is closed rather than handed out.
            let result = M::ping(self.begin_statement()?).await;
            self.end_statement(&result);
            if result.is_ok() {
                return Ok(());
            }
            // Dead: close it and try the next one.
            if let Some(conn) = self.conn.take() {
                self.shared.discard(conn, false);
            }
        }
        let (conn, limit) = self.shared.open(deadline).await?;
        self.opened = Instant::now();
        self.server_idle_limit = limit;
        self.conn = Some(conn);
        self.state = State::Clean;
        Ok(())
    }

    /// The connection for one piece of work, marked [`State::Working`] until
    /// [`end_statement`](Self::end_statement) sees the outcome: if the caller's future is dropped in between,
    /// the connection is not reused as it is. Refused when earlier work on it was abandoned.
    pub(crate) fn begin_statement(&mut self) -> Result<&mut M::Conn, sqlx::Error> {
        let in_transaction = match self.state {
            State::Clean => false,
            State::InTransaction => true,
            State::Working { .. } | State::Broken | State::Resetting => return Err(abandoned()),
        };
        let Some(conn) = self.conn.as_mut() else {
            return Err(abandoned());
        };
        self.state = State::Working { in_transaction };
        Ok(conn)
    }

    /// Records how the work begun with [`begin_statement`](Self::begin_statement) ended. An error without an sqlx
    /// cause (a row that did not decode) means the rows were abandoned midway, so the
    /// connection stays [`State::Working`]; a lost connection is [`State::Broken`].
    pub(crate) fn end_statement<T, E: SqlxCause>(&mut self, result: &Result<T, E>) {
        let State::Working { in_transaction } = self.state else {
            return;
        };
        let done = if in_transaction {
            State::InTransaction
        } else {
            State::Clean
        };
        match result {
            Ok(_) => self.state = done,
            Err(error) => match error.sqlx_cause() {
                Some(cause) if is_connection_lost(cause) => self.state = State::Broken,
                Some(_) => self.state = done,
                None => {}
            },
        }
    }

    /// Notes that a transaction is open (after BEGIN) or ended (after COMMIT or ROLLBACK).
    pub(crate) fn set_in_transaction(&mut self, open: bool) {
        self.state = match self.state {
            State::Clean | State::InTransaction if open => State::InTransaction,
            State::Clean | State::InTransaction => State::Clean,
            other => other,
        };
    }

    /// How the connection stands now.
    #[cfg(test)]
    pub(crate) fn state(&self) -> State {
        self.state
    }

    /// Rolls back whatever the connection was left in, then lets `drop` put it back (or close
    /// it, if the rollback failed).
    async fn reset(mut self) {
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        let result = self.shared.manager.rollback(conn).await;
        // A connection whose rollback failed may still have its transaction open: closed, so
        // no one's writes go into it.
        self.state = if result.is_ok() {
            State::Clean
        } else {
            State::Broken
        };
    }
}

impl<M: Manager> fmt::Debug for Pooled<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pooled")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl<M: Manager> Drop for Pooled<M> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        let shared = &self.shared;
        let needs_reset = match self.state {
            State::Clean => false,
            State::InTransaction => true,
            State::Working { .. } if M::REUSABLE_AFTER_CANCEL => true,
            State::Working { .. } | State::Broken | State::Resetting => {
                shared.discard(conn, false);
                return;
            }
        };
        if shared.closed.load(Ordering::Acquire) || shared.expired(self.opened) {
            // Closing the connection also ends any transaction it has open.
            shared.discard(conn, true);
        } else if needs_reset {
            match Handle::try_current() {
                Ok(runtime) => {
                    // The task keeps the permit until the connection is back, so the pool
                    // never holds more connections than its maximum.
                    let guard = Pooled {
                        conn: Some(conn),
                        opened: self.opened,
                        server_idle_limit: self.server_idle_limit,
                        state: State::Resetting,
                        shared: shared.clone(),
                        permit: self.permit.take(),
                    };
                    runtime.spawn(guard.reset());
                }
                Err(_) => shared.discard(conn, false),
            }
        } else {
            shared.release(conn, self.opened, self.server_idle_limit);
        }
        // The permit is released after this body: the connection is idle before a waiter wakes.
    }
}
