//! One SQLite connection and the rule for where its statements run.
//!
//! A statement runs on the calling task's thread, like a plain function call: no thread hop,
//! no channel, no row copied. Three kinds of statement would hold that thread (a Tokio worker
//! everyone's tasks share) for too long, so they go elsewhere:
//! - **Waiting for a lock.** SQLite is told never to wait on the caller's thread (its own
//!   `busy_timeout` is 0). A statement that finds the database locked by another connection is
//!   run again after an async pause (1, 2, 5, 10, ... 100 ms, as SQLite's own wait does), so
//!   other tasks run meanwhile, until the URL's `busy_timeout` (5 s by default) has passed;
//!   then it fails with SQLite's "database is locked".
//! - **A long read.** A read still running after the budget (the URL's `offload_after`, 10 ms
//!   by default, timed from inside SQLite) is stopped, the rows it handed over are forgotten,
//!   and it runs again off the worker.
//! - **A long write.** A write is never cut midway; one that took longer than the budget is
//!   remembered, and from then on runs off the worker. A remembered statement that runs there
//!   in under half the budget is forgotten, and comes back to the caller's thread. Schema changes (DDL scripts) always
//!   run off the worker.
//!
//! "Off the worker" is a blocking thread (`spawn_blocking`); a read's rows are copied there and
//! decoded on the caller's thread. The caller's task keeps running meanwhile, so a timeout
//! around it can fire: a caller dropped while its statement runs off the worker interrupts
//! that statement (`sqlite3_interrupt`), which then ends as if it had not run (SQLite undoes an
//! interrupted write). Statements remembered as long are kept per connection, at most
//! [`SLOW_KEPT`] of them.
//!
//! A statement that meets a lock is tried again only where SQLite itself would wait: outside a
//! transaction, or for a COMMIT. Inside a transaction that already read, SQLite answers "busy"
//! at once to break a deadlock with a writer that waits for that read to end; waiting there
//! would keep the deadlock until one side's timeout, so the error is returned at once. SQL text
//! of several statements without values is never tried again (its first statements may have
//! run): it runs off the worker, where SQLite waits for locks itself.
//!
//! The connection sits behind an async mutex so a blocking thread can own it while it works.
//! Only one caller uses it at a time (the pool lends it to one), so on the caller's thread the
//! lock is free. A caller dropped while its statement waits for or runs on a blocking thread
//! leaves the connection marked busy; the statement is skipped if it has not started, and
//! interrupted if it has; the pool's rollback takes the lock after that thread has let go of
//! it, and before anyone else gets the connection.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::runtime::Handle;
use tokio::sync::{Mutex, MutexGuard, OwnedMutexGuard};

use super::error::{from_rusqlite, is_busy, is_interrupted};
use super::statement;
use super::value::Materialized;
use super::watch::Watch;
use crate::driver::DriverError;
use crate::driver::executed::Executed;
use crate::driver::sink::RowSink;
use crate::value::Value;

/// How many long statements a connection remembers.
const SLOW_KEPT: usize = 64;

/// The pauses between attempts at a locked database, in milliseconds; the last repeats.
const PAUSES_MS: [u64; 12] = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];

/// The shared handle of one rusqlite connection.
pub(super) type Shared = Arc<Mutex<rusqlite::Connection>>;

/// An open SQLite connection.
pub(crate) struct SqliteConn {
    db: Shared,
    watch: Arc<Watch>,
    /// Statements that ran past the budget on the caller's thread.
    slow: Vec<Box<str>>,
    busy_timeout: Duration,
    budget: Duration,
}

impl std::fmt::Debug for SqliteConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteConn")
            .field("slow", &self.slow.len())
            .finish_non_exhaustive()
    }
}

/// Sets SQLite's own lock wait on a connection for as long as it lives (off the worker,
/// waiting in SQLite holds no one up), and back to none when dropped, panics included.
struct Waiting<'c>(&'c rusqlite::Connection);

impl<'c> Waiting<'c> {
    fn new(db: &'c rusqlite::Connection, timeout: Duration) -> Self {
        let _ = db.busy_timeout(timeout);
        Waiting(db)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let _ = self.0.busy_timeout(Duration::ZERO);
    }
}

/// The error of a statement whose caller was gone before it started.
fn skipped() -> sqlx::Error {
    sqlx::Error::Protocol("the caller was dropped before the statement started".to_owned())
}

/// The error of a blocking thread that did not finish (a panic in it).
fn crashed(error: tokio::task::JoinError) -> sqlx::Error {
    sqlx::Error::Protocol(format!(
        "the thread running a SQLite statement stopped: {error}"
    ))
}

/// Runs `work` on a blocking thread that owns the connection, so the caller's task and its
/// runtime go on meanwhile (without a runtime, here: there is nothing to hold up). SQLite waits
/// up to `timeout` for locks there. Dropped before it is done, the statement is skipped if it
/// has not started and interrupted if it has.
async fn off_worker<R: Send + 'static>(
    db: &Shared,
    watch: &Watch,
    timeout: Duration,
    work: impl FnOnce(&rusqlite::Connection) -> R + Send + 'static,
) -> Result<R, sqlx::Error> {
    watch.finish();
    let guard: OwnedMutexGuard<rusqlite::Connection> = db.clone().lock_owned().await;
    if Handle::try_current().is_err() {
        let _waiting = Waiting::new(&guard, timeout);
        return Ok(work(&guard));
    }
    let cancel = CancelOnDrop {
        handle: Some(guard.get_interrupt_handle()),
        cancelled: Arc::new(AtomicBool::new(false)),
    };
    let cancelled = cancel.cancelled.clone();
    let result = tokio::task::spawn_blocking(move || {
        if cancelled.load(Ordering::Acquire) {
            return Err(skipped());
        }
        let _waiting = Waiting::new(&guard, timeout);
        Ok(work(&guard))
    })
    .await;
    cancel.disarm();
    result.map_err(crashed)?
}

/// Cancels the statement sent off the worker if its caller is dropped first: skipped if it has
/// not started, interrupted if it runs.
struct CancelOnDrop {
    handle: Option<rusqlite::InterruptHandle>,
    cancelled: Arc<AtomicBool>,
}

impl CancelOnDrop {
    fn disarm(mut self) {
        self.handle = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            self.cancelled.store(true, Ordering::Release);
            handle.interrupt();
        }
    }
}

/// Counts the pauses of one statement at a locked database. The timeout runs from the first
/// time the lock is met, as SQLite's own `busy_timeout` does; a statement that meets no lock
/// (nearly all of them) reads no clock for it.
struct LockWait {
    timeout: Duration,
    deadline: Option<Instant>,
    tried: usize,
}

impl LockWait {
    fn new(timeout: Duration) -> LockWait {
        LockWait {
            timeout,
            deadline: None,
            tried: 0,
        }
    }

    /// Waits before the next attempt; `false` once the timeout has passed.
    async fn pause(&mut self) -> bool {
        let now = Instant::now();
        let deadline = *self.deadline.get_or_insert(now + self.timeout);
        let left = deadline.saturating_duration_since(now);
        if left.is_zero() {
            return false;
        }
        let step = PAUSES_MS[self.tried.min(PAUSES_MS.len() - 1)];
        self.tried += 1;
        let pause = Duration::from_millis(step).min(left);
        if Handle::try_current().is_ok() {
            tokio::time::sleep(pause).await;
        } else {
            std::thread::sleep(pause);
        }
        true
    }
}

/// One attempt on the caller's thread: what it returned, whether SQLite would wait for the
/// lock it met (no transaction open before it, or a COMMIT), and whether it ran long.
struct Attempt<T> {
    result: T,
    may_wait: bool,
    slow: bool,
}

impl SqliteConn {
    /// Wraps an open connection whose statements may wait `busy_timeout` for a lock and hold
    /// the caller's thread for `budget`.
    pub(super) fn new(
        db: rusqlite::Connection,
        busy_timeout: Duration,
        budget: Duration,
    ) -> Result<SqliteConn, sqlx::Error> {
        let watch = Watch::install(&db, budget).map_err(from_rusqlite)?;
        Ok(SqliteConn {
            db: Arc::new(Mutex::new(db)),
            watch,
            slow: Vec::new(),
            busy_timeout,
            budget,
        })
    }

    /// The connection, for work of the pool's own (a rollback, a close).
    pub(super) fn shared(&self) -> Shared {
        self.db.clone()
    }

    /// The connection, for a statement on the caller's thread: free, since the pool lends it
    /// to one caller and its repair takes it only before lending it again.
    async fn lock(&self) -> MutexGuard<'_, rusqlite::Connection> {
        match self.db.try_lock() {
            Ok(guard) => guard,
            Err(_) => self.db.lock().await,
        }
    }

    /// Runs `work` once on the caller's thread, timed by the watch and by the clock (a
    /// commit's disk writes come after SQLite's last step, which the watch does not see).
    async fn attempt<T>(
        &mut self,
        sql: &str,
        work: impl FnOnce(&rusqlite::Connection, &Watch) -> T,
    ) -> Attempt<T> {
        let db = self.lock().await;
        let may_wait = db.is_autocommit() || is_commit(sql);
        let started = Instant::now();
        let result = work(&db, &self.watch);
        let slow = self.watch.finish() | (started.elapsed() > self.budget);
        drop(db);
        if slow {
            self.remember_slow(sql);
        }
        Attempt {
            result,
            may_wait,
            slow,
        }
    }

    fn is_slow(&self, sql: &str) -> bool {
        !self.slow.is_empty()
            && self
                .slow
                .iter()
                .any(|known| known.len() == sql.len() && **known == *sql)
    }

    fn remember_slow(&mut self, sql: &str) {
        if self.is_slow(sql) {
            return;
        }
        if self.slow.len() == SLOW_KEPT {
            self.slow.remove(0);
        }
        self.slow.push(sql.into());
    }

    /// Forgets that `sql` is long when its run off the worker took under half the budget (the
    /// table shrank, the cache was cold the first time), so it runs on the caller's thread
    /// again instead of paying the trip to a blocking thread for good.
    fn reconsider(&mut self, sql: &str, took: Duration) {
        if took < self.budget / 2 {
            self.slow.retain(|known| **known != *sql);
        }
    }

    /// Runs one write statement; SQL text of several statements runs as a script, off the
    /// worker.
    pub(crate) async fn execute(
        &mut self,
        sql: &str,
        args: Vec<Value>,
    ) -> Result<Executed, sqlx::Error> {
        let timeout = self.busy_timeout;
        if args.is_empty() && statement::may_hold_several(sql) {
            let sql = sql.to_owned();
            return off_worker(&self.db, &self.watch, timeout, move |db| {
                statement::script(db, &sql)
            })
            .await?;
        }
        let mut wait = LockWait::new(timeout);
        while !self.is_slow(sql) {
            let Attempt {
                result, may_wait, ..
            } = self
                .attempt(sql, |db, watch| {
                    statement::execute(db, sql, &args, Some(watch))
                })
                .await;
            match result {
                Err(error) if is_busy(&error) && may_wait => {
                    if !wait.pause().await {
                        return Err(error);
                    }
                }
                Err(error) if is_interrupted(&error) && self.is_slow(sql) => break,
                other => return other,
            }
        }
        let started = Instant::now();
        let owned = sql.to_owned();
        let result = off_worker(&self.db, &self.watch, timeout, move |db| {
            statement::execute(db, &owned, &args, None)
        })
        .await?;
        self.reconsider(sql, started.elapsed());
        result
    }

    /// Runs a query, handing its rows to `sink`.
    pub(crate) async fn fetch_into(
        &mut self,
        sql: &str,
        args: &[Value],
        sink: &mut dyn RowSink,
    ) -> Result<(), DriverError> {
        let wanted = sink.wanted();
        let mut wait = LockWait::new(self.busy_timeout);
        while !self.is_slow(sql) {
            let Attempt {
                result,
                may_wait,
                slow,
            } = self
                .attempt(sql, |db, watch| {
                    statement::query(db, sql, args, wanted, Some(watch), &mut |row| {
                        sink.accept(row).map_err(DriverError::Decode)
                    })
                })
                .await;
            match &result {
                Err(DriverError::Sql(error)) if is_busy(error) && may_wait => {
                    if !wait.pause().await {
                        return result;
                    }
                }
                Err(DriverError::Sql(error)) if slow && is_interrupted(error) => break,
                _ => return result,
            }
            sink.clear();
        }
        sink.clear();
        self.fetch_off_worker(sql, args, sink).await
    }

    /// A read run off the worker: its rows are copied on a blocking thread and decoded here.
    async fn fetch_off_worker(
        &mut self,
        sql: &str,
        args: &[Value],
        sink: &mut dyn RowSink,
    ) -> Result<(), DriverError> {
        let wanted = sink.wanted();
        let started = Instant::now();
        let (owned, args) = (sql.to_owned(), args.to_vec());
        let kept = off_worker(&self.db, &self.watch, self.busy_timeout, move |db| {
            let mut kept = Materialized::default();
            let mut keep = |row: &rusqlite::Row<'_>| {
                kept.push(row)
                    .map_err(|e| DriverError::Sql(from_rusqlite(e)))
            };
            statement::query(db, &owned, &args, wanted, None, &mut keep).map(|()| kept)
        })
        .await
        .map_err(DriverError::Sql)??;
        self.reconsider(sql, started.elapsed());
        for row in kept.rows() {
            sink.accept(&row).map_err(DriverError::Decode)?;
        }
        Ok(())
    }

    /// Runs SQL text without values: a transaction's BEGIN, COMMIT, ROLLBACK or savepoint on
    /// the caller's thread (waiting for a lock as a statement does) unless it ran long before,
    /// anything else (schema changes) off the worker.
    pub(crate) async fn run_script(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        let timeout = self.busy_timeout;
        if !is_transaction_control(sql) || self.is_slow(sql) {
            let sql = sql.to_owned();
            return off_worker(&self.db, &self.watch, timeout, move |db| {
                statement::batch(db, &sql)
            })
            .await?;
        }
        let mut wait = LockWait::new(timeout);
        loop {
            let Attempt {
                result, may_wait, ..
            } = self.attempt(sql, |db, _| statement::batch(db, sql)).await;
            match result {
                Err(error) if is_busy(&error) && may_wait => {
                    if !wait.pause().await {
                        return Err(error);
                    }
                }
                other => return other,
            }
        }
    }
}

/// The first word of `sql`, upper or lower case.
fn first_word(sql: &str) -> &str {
    sql.trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("")
}

/// Whether `sql` begins, ends or marks a point in a transaction.
fn is_transaction_control(sql: &str) -> bool {
    let word = first_word(sql);
    ["BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"]
        .iter()
        .any(|control| word.eq_ignore_ascii_case(control))
}

/// Whether `sql` commits the open transaction (SQLite waits for locks at a COMMIT).
fn is_commit(sql: &str) -> bool {
    let word = first_word(sql);
    word.eq_ignore_ascii_case("COMMIT") || word.eq_ignore_ascii_case("END")
}

/// Rolls back whatever transaction `db` has open (the pool's repair of a connection given
/// back mid-transaction or mid-statement), once any statement still running off the worker
/// has let go of the connection. Fails when the transaction is still open after it, so the
/// pool closes the connection instead of lending it with the transaction open.
pub(super) async fn roll_back(db: Shared) -> Result<(), sqlx::Error> {
    let guard = db.lock_owned().await;
    let work = move || {
        if guard.is_autocommit() {
            return Ok(());
        }
        let result = statement::batch(&guard, "ROLLBACK");
        if guard.is_autocommit() {
            return Ok(());
        }
        result.and(Err(sqlx::Error::Protocol(
            "the transaction stayed open after ROLLBACK".to_owned(),
        )))
    };
    match Handle::try_current() {
        Ok(_) => tokio::task::spawn_blocking(work).await.map_err(crashed)?,
        Err(_) => work(),
    }
}
