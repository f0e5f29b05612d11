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
//!   remembered, and from then on runs off the worker. Schema changes (DDL scripts) always
//!   run off the worker.
//!
//! "Off the worker" is a blocking thread (`spawn_blocking`); a read's rows are copied there and
//! decoded on the caller's thread. The caller's task keeps running meanwhile, so a timeout
//! around it can fire: a caller dropped while its statement runs off the worker interrupts
//! that statement (`sqlite3_interrupt`), which then ends as if it had not run (SQLite undoes an
//! interrupted write). Statements remembered as long are kept per connection, at most
//! [`SLOW_KEPT`] of them.
//!
//! The connection sits behind a mutex so a blocking thread can borrow it. Only one statement
//! uses it at a time (the pool lends it to one caller), so on the caller's thread the lock is
//! never contended. A caller dropped while its statement runs on a blocking thread leaves the
//! connection marked busy; the pool rolls it back once that thread lets go of it, before anyone
//! else gets it.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::runtime::Handle;

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

/// An open SQLite connection.
pub(crate) struct SqliteConn {
    db: Arc<Mutex<rusqlite::Connection>>,
    watch: Arc<Watch>,
    /// Statements that ran past the budget on the caller's thread.
    slow: Vec<Box<str>>,
    busy_timeout: Duration,
}

impl std::fmt::Debug for SqliteConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteConn")
            .field("slow", &self.slow.len())
            .finish_non_exhaustive()
    }
}

/// The connection behind `db`, whatever a panic while it was held left (SQLite resets a
/// statement whose rows were dropped, so the connection itself is sound).
fn lock(db: &Mutex<rusqlite::Connection>) -> MutexGuard<'_, rusqlite::Connection> {
    db.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `work` with SQLite's own lock wait set to `timeout`: off the worker, waiting in SQLite
/// holds no one up.
fn waiting<R>(db: &rusqlite::Connection, timeout: Duration, work: impl FnOnce() -> R) -> R {
    let _ = db.busy_timeout(timeout);
    let result = work();
    let _ = db.busy_timeout(Duration::ZERO);
    result
}

/// Runs `work` on a blocking thread, so the caller's task and its runtime go on meanwhile
/// (without a runtime, here: there is nothing to hold up). Dropped before it is done, the
/// statement running there is interrupted.
async fn off_worker<R: Send + 'static>(
    db: &Arc<Mutex<rusqlite::Connection>>,
    work: impl FnOnce(&rusqlite::Connection) -> R + Send + 'static,
) -> Result<R, sqlx::Error> {
    if Handle::try_current().is_err() {
        return Ok(work(&lock(db)));
    }
    let mut interrupt = InterruptOnDrop(Some(lock(db).get_interrupt_handle()));
    let db = db.clone();
    let result = tokio::task::spawn_blocking(move || work(&lock(&db)))
        .await
        .map_err(crashed);
    interrupt.0 = None;
    result
}

/// Interrupts the statement running off the worker if its caller is dropped first.
struct InterruptOnDrop(Option<rusqlite::InterruptHandle>);

impl Drop for InterruptOnDrop {
    fn drop(&mut self) {
        if let Some(handle) = self.0.take() {
            handle.interrupt();
        }
    }
}

/// The error of a blocking thread that did not finish (a panic in it).
fn crashed(error: tokio::task::JoinError) -> sqlx::Error {
    sqlx::Error::Protocol(format!(
        "the thread running a SQLite statement stopped: {error}"
    ))
}

/// Counts the pauses of one statement at a locked database.
struct LockWait {
    deadline: Instant,
    tried: usize,
}

impl LockWait {
    fn new(timeout: Duration) -> LockWait {
        LockWait {
            deadline: Instant::now() + timeout,
            tried: 0,
        }
    }

    /// Waits before the next attempt; `false` once the timeout has passed.
    async fn pause(&mut self) -> bool {
        let left = self.deadline.saturating_duration_since(Instant::now());
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
        })
    }

    /// The connection, for work of the pool's own (a rollback, a close).
    pub(super) fn shared(&self) -> Arc<Mutex<rusqlite::Connection>> {
        self.db.clone()
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

    /// Runs one write statement.
    pub(crate) async fn execute(
        &mut self,
        sql: &str,
        args: Vec<Value>,
    ) -> Result<Executed, sqlx::Error> {
        let mut wait = LockWait::new(self.busy_timeout);
        while !self.is_slow(sql) {
            let result = statement::execute(&lock(&self.db), sql, &args, Some(&self.watch));
            if self.watch.finish() {
                self.remember_slow(sql);
            }
            match result {
                Err(error) if is_busy(&error) => {
                    if !wait.pause().await {
                        return Err(error);
                    }
                }
                Err(error) if is_interrupted(&error) && self.is_slow(sql) => break,
                other => return other,
            }
        }
        let (timeout, sql) = (self.busy_timeout, sql.to_owned());
        off_worker(&self.db, move |db| {
            waiting(db, timeout, || statement::execute(db, &sql, &args, None))
        })
        .await?
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
            let result = statement::query(
                &lock(&self.db),
                sql,
                args,
                wanted,
                Some(&self.watch),
                &mut |row| sink.accept(row).map_err(DriverError::Decode),
            );
            let slow = self.watch.finish();
            if slow {
                self.remember_slow(sql);
            }
            match &result {
                Err(DriverError::Sql(error)) if is_busy(error) => {
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
        let timeout = self.busy_timeout;
        let (sql, args) = (sql.to_owned(), args.to_vec());
        let kept = off_worker(&self.db, move |db| {
            let mut kept = Materialized::default();
            let mut keep = |row: &rusqlite::Row<'_>| {
                kept.push(row)
                    .map_err(|e| DriverError::Sql(from_rusqlite(e)))
            };
            waiting(db, timeout, || {
                statement::query(db, &sql, &args, wanted, None, &mut keep)
            })
            .map(|()| kept)
        })
        .await
        .map_err(DriverError::Sql)??;
        for row in kept.rows() {
            sink.accept(&row).map_err(DriverError::Decode)?;
        }
        Ok(())
    }

    /// Runs SQL text without values: a transaction's BEGIN, COMMIT, ROLLBACK or savepoint on
    /// the caller's thread (waiting for a lock as a statement does), anything else (schema
    /// changes) off the worker.
    pub(crate) async fn run_script(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        if !is_transaction_control(sql) {
            let (timeout, sql) = (self.busy_timeout, sql.to_owned());
            return off_worker(&self.db, move |db| {
                waiting(db, timeout, || statement::batch(db, &sql))
            })
            .await?;
        }
        let mut wait = LockWait::new(self.busy_timeout);
        loop {
            let result = statement::batch(&lock(&self.db), sql);
            match result {
                Err(error) if is_busy(&error) => {
                    if !wait.pause().await {
                        return Err(error);
                    }
                }
                other => return other,
            }
        }
    }
}

/// Whether `sql` begins, ends or marks a point in a transaction.
fn is_transaction_control(sql: &str) -> bool {
    let head = sql.trim_start();
    let word = head
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("");
    ["BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"]
        .iter()
        .any(|control| word.eq_ignore_ascii_case(control))
}

/// Rolls back whatever transaction `db` has open (the pool's repair of a connection given
/// back mid-transaction or mid-statement); off the worker, since a blocking thread may still
/// hold the connection.
pub(super) async fn roll_back(db: Arc<Mutex<rusqlite::Connection>>) -> Result<(), sqlx::Error> {
    let work = move || {
        let db = lock(&db);
        if db.is_autocommit() {
            return Ok(());
        }
        statement::batch(&db, "ROLLBACK")
    };
    match Handle::try_current() {
        Ok(_) => tokio::task::spawn_blocking(work).await.map_err(crashed)?,
        Err(_) => work(),
    }
}
