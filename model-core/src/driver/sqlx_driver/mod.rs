//! The driver built on sqlx, for PostgreSQL and MySQL/MariaDB: one generic pool and
//! statement runner ([`SqlxDriver`], [`run`]), and per backend what differs ([`SqlxBackend`]:
//! connect options, the binding of values, what a write reports), with the backend's
//! [`RowReader`], through which every model decodes. Each backend is a cargo feature
//! (`postgres`, `mysql`); SQLite has a driver of its own (`driver::sqlite`).

mod bind;
pub(crate) mod manager;
#[cfg(feature = "mysql")]
pub(crate) mod mysql;
#[cfg(feature = "postgres")]
pub(crate) mod postgres;
mod row;
pub(crate) mod run;

use std::fmt;

use sqlx::{Connection, Executor, IntoArguments};

use super::PoolConfig;
use super::executed::Executed;
use super::health::{Health, is_connection_lost};
use super::pool::{self, Pool};
use crate::dialect::Dialect;
#[cfg(feature = "mysql")]
pub(crate) use crate::driver::binding::no_array_parameters;
use crate::row::RowReader;
use crate::transaction_options::TransactionOptions;
use crate::url::{Backend, DatabaseUrl};
use crate::value::Value;
pub(crate) use bind::{bind_value, bind_values};
use manager::{RawConn, SqlxManager};
#[cfg(feature = "mysql")]
pub(crate) use mysql::MySqlBackend;
#[cfg(feature = "postgres")]
pub(crate) use postgres::PgBackend;
pub(crate) use row::row_reader;

use std::sync::Arc;

/// A checked-out sqlx connection of backend `B`.
pub(crate) type Pooled<B> = pool::Pooled<SqlxManager<B>>;

/// What one sqlx backend brings to [`SqlxDriver`].
pub(crate) trait SqlxBackend: Send + Sync + 'static {
    /// The sqlx database, whose rows every model decodes through.
    type Db: sqlx::Database<Row: RowReader>;
    /// Which backend this is.
    const BACKEND: Backend;
    /// Whether a connection whose statement was abandoned midway (a cancelled future, rows
    /// left unread) can be used again once rolled back. Server protocols are left mid-message,
    /// so not by default.
    const REUSABLE_AFTER_CANCEL: bool = false;
    /// A query returning, in milliseconds, how long the server lets a connection sit idle
    /// before closing it (0 or no row: no limit).
    const IDLE_LIMIT_MS: Option<&'static str> = None;
    /// Its SQL dialect, which the URL may refine (`mariadb:`).
    fn dialect(url: &DatabaseUrl) -> &'static dyn Dialect;
    /// Connect options parsed from the URL.
    fn connect_options(
        url: &DatabaseUrl,
    ) -> Result<<<Self::Db as sqlx::Database>::Connection as Connection>::Options, sqlx::Error>;
    /// Pool settings adjusted to the backend (SQLite: no pinging, one connection in memory).
    fn adjust_pool(config: PoolConfig, _url: &DatabaseUrl) -> PoolConfig {
        config
    }
    /// The values bound as sqlx arguments.
    fn arguments(args: &[Value]) -> Result<<Self::Db as sqlx::Database>::Arguments, sqlx::Error>;
    /// The same, taking the values: a backend whose arguments own their text (SQLite) moves
    /// it instead of copying it.
    fn arguments_owned(
        args: Vec<Value>,
    ) -> Result<<Self::Db as sqlx::Database>::Arguments, sqlx::Error> {
        Self::arguments(&args)
    }
    /// What a write reported (sqlx has no common trait for it).
    fn executed(result: &<Self::Db as sqlx::Database>::QueryResult) -> Executed;
}

/// The pool of one sqlx backend.
pub(crate) struct SqlxDriver<B: SqlxBackend> {
    pool: Pool<SqlxManager<B>>,
    dialect: &'static dyn Dialect,
}

impl<B: SqlxBackend> fmt::Debug for SqlxDriver<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlxDriver")
            .field("pool", &self.pool)
            .finish()
    }
}

impl<B: SqlxBackend> SqlxDriver<B>
where
    for<'c> &'c mut RawConn<B>: Executor<'c, Database = B::Db>,
    for<'a> <B::Db as sqlx::Database>::Arguments: IntoArguments<B::Db>,
    i64: for<'r> sqlx::Decode<'r, B::Db> + sqlx::Type<B::Db>,
    usize: sqlx::ColumnIndex<<B::Db as sqlx::Database>::Row>,
{
    /// The pool for `url`, opening connections lazily, with the dialect the URL selects.
    pub(crate) fn connect_lazy(
        url: &DatabaseUrl,
        config: &PoolConfig,
        health: &Arc<Health>,
    ) -> Result<Self, sqlx::Error> {
        let connect = B::connect_options(url)?;
        let config = B::adjust_pool(config.clone(), url);
        Ok(SqlxDriver {
            pool: Pool::new(
                SqlxManager::new(connect, run::rollback::<B>, run::server_idle_limit::<B>),
                config.clone(),
                config.recycle_for(B::BACKEND),
                health.clone(),
            ),
            dialect: B::dialect(url),
        })
    }

    /// A transaction on a pooled connection, opened the backend's way with `options`: its
    /// statements (MySQL's `SET TRANSACTION` and `BEGIN`) go as one unprepared text, in one
    /// round trip, with nothing between them that could take the isolation level meant for
    /// the transaction. That changes nothing until the transaction is open, so when its
    /// connection turns out dead (closed by the server while idle) it is run again, once, on
    /// another connection.
    pub(crate) async fn begin(
        &self,
        options: &TransactionOptions,
    ) -> Result<Pooled<B>, sqlx::Error> {
        let statements = self.dialect.begin_with(options);
        let text = match statements.as_slice() {
            [one] => one.clone(),
            several => several.join("; ").into(),
        };
        let mut conn = self.pool.acquire().await?;
        let mut result = run::unprepared(&mut conn, &text).await;
        if let Err(error) = &result
            && is_connection_lost(error)
        {
            self.pool.saw_lost_connection(error);
            drop(conn);
            conn = self.pool.acquire().await?;
            result = run::unprepared(&mut conn, &text).await;
        }
        if result.is_err() && statements.len() > 1 {
            // Part of it may have run: rolled back before the connection is reused.
            conn.set_in_transaction(true);
        }
        result?;
        conn.set_in_transaction(true);
        Ok(conn)
    }

    /// A connection of the pool.
    pub(crate) async fn acquire(&self) -> Result<Pooled<B>, sqlx::Error> {
        self.pool.acquire().await
    }

    /// The dialect of the URL the pool was built for.
    pub(crate) fn dialect(&self) -> &'static dyn Dialect {
        self.dialect
    }

    /// Closes every connection of the pool.
    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }

    /// Has every connection open now closed when next returned or handed out.
    pub(crate) fn retire_connections(&self) {
        self.pool.retire_connections();
    }
}
