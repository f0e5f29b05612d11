//! SQLite, run on the calling task's thread through rusqlite: a statement is a function call
//! into SQLite, with no worker thread, channel or copy between the caller and its rows (sqlx's
//! SQLite driver sends every statement and row across a channel to a thread of its own, which
//! cost 5× rusqlite on a lookup by key). Statements that would hold the caller's thread too
//! long (a lock wait, a long read or write, DDL) go elsewhere, by the rule `conn` states.
//!
//! The pool is the crate's own (`pool`), as for the servers; this module is its [`Manager`]
//! for SQLite connections ([`SqliteManager`]) and the statements run on them ([`run`]). A
//! connection whose caller was dropped midway is rolled back and kept: a statement on the
//! caller's thread cannot be cut (there is no await inside it), and one off the worker
//! finishes before the rollback takes the connection. An in-memory database lives in its one
//! connection, which the pool keeps for as long as it lives.

mod conn;
#[cfg(feature = "chrono")]
mod datetime;
mod error;
mod options;
pub(crate) mod run;
mod statement;
mod value;
mod watch;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;

pub(crate) use conn::SqliteConn;
pub(crate) use error::{SqliteError, violation};
pub(crate) use options::SqliteOptions;

use super::PoolConfig;
use super::PrePing;
use super::health::Health;
use super::pool::{self, Manager, Pool};
use crate::dialect::{Dialect, SqliteDialect};
use crate::transaction_options::TransactionOptions;
use crate::url::{Backend, DatabaseUrl};

/// A checked-out SQLite connection.
pub(crate) type Pooled = pool::Pooled<SqliteManager>;

/// Opens SQLite connections with the options read from a bind's URL.
pub(crate) struct SqliteManager {
    options: SqliteOptions,
}

impl Manager for SqliteManager {
    type Conn = SqliteConn;
    /// A statement on the caller's thread cannot be cut midway, and one off the worker
    /// finishes before the pool's rollback gets the connection; and an in-memory database
    /// lives only in its connection.
    const REUSABLE_AFTER_CANCEL: bool = true;

    async fn connect(&self) -> Result<(SqliteConn, Option<Duration>), sqlx::Error> {
        // Opening a file (and setting its journal mode) touches the disk and may wait for a
        // lock: done on a blocking thread.
        let options = self.options.clone();
        let db = tokio::task::spawn_blocking(move || options.open())
            .await
            .map_err(|e| sqlx::Error::Protocol(format!("opening a SQLite database: {e}")))??;
        let conn = SqliteConn::new(db, self.options.busy_timeout, self.options.offload_after)?;
        Ok((conn, None))
    }

    async fn ping(_conn: &mut SqliteConn) -> Result<(), sqlx::Error> {
        Ok(())
    }

    fn rollback<'c>(&self, conn: &'c mut SqliteConn) -> BoxFuture<'c, Result<(), sqlx::Error>> {
        Box::pin(conn::roll_back(conn.shared()))
    }

    fn close(conn: SqliteConn, _healthy: bool) -> impl Future<Output = ()> + Send + 'static {
        // Closing a WAL database checkpoints it: not on the caller's thread.
        let db = conn.shared();
        drop(conn);
        async move {
            let guard = db.lock_owned().await;
            let _ = tokio::task::spawn_blocking(move || drop(guard)).await;
        }
    }
}

/// The pool of one SQLite bind.
pub(crate) struct SqliteDriver {
    pool: Pool<SqliteManager>,
}

impl fmt::Debug for SqliteDriver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteDriver")
            .field("pool", &self.pool)
            .finish()
    }
}

impl SqliteDriver {
    /// The pool for `url`, opening connections lazily. There is no server to go away, so no
    /// pinging; and an in-memory database keeps its one connection for as long as the pool
    /// lives.
    pub(crate) fn connect_lazy(
        url: &DatabaseUrl,
        config: &PoolConfig,
        health: &Arc<Health>,
    ) -> Result<SqliteDriver, sqlx::Error> {
        let options = SqliteOptions::parse(url)?;
        let mut config = config.clone().pre_ping(PrePing::Never);
        if options.in_memory {
            config = config
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .recycle(None);
        }
        Ok(SqliteDriver {
            pool: Pool::new(
                SqliteManager { options },
                config.clone(),
                config.recycle_for(Backend::Sqlite),
                health.clone(),
            ),
        })
    }

    /// A transaction begun the dialect's way (`BEGIN IMMEDIATE` for a session that writes).
    pub(crate) async fn begin(&self, options: &TransactionOptions) -> Result<Pooled, sqlx::Error> {
        let text = SqliteDialect.begin_with(options).join("; ");
        let mut conn = self.pool.acquire().await?;
        run::unprepared(&mut conn, &text).await?;
        conn.set_in_transaction(true);
        Ok(conn)
    }

    /// A connection of the pool.
    pub(crate) async fn acquire(&self) -> Result<Pooled, sqlx::Error> {
        self.pool.acquire().await
    }

    /// SQLite's dialect.
    pub(crate) fn dialect(&self) -> &'static dyn Dialect {
        &SqliteDialect
    }

    /// Closes every connection of the pool.
    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }

    /// Nothing to do: a SQLite connection notices a schema changed under it and prepares
    /// its statements again, and it caches no type ids; closing one could destroy an
    /// in-memory database that it alone keeps alive.
    pub(crate) fn retire_connections(&self) {}
}
