//! The pool of one bind, of whichever backend its URL named: the one place that matches on
//! the backend to get a connection, plain or with a transaction begun.

use std::sync::Arc;

use super::PoolConfig;
use super::connection::Connection;
use super::health::Health;
#[cfg(feature = "sqlite")]
use super::sqlite::SqliteDriver;
#[cfg(any(feature = "postgres", feature = "mysql"))]
use super::sqlx_driver::{self, SqlxDriver};
use crate::dialect::Dialect;
use crate::transaction_options::TransactionOptions;
use crate::url::{Backend, DatabaseUrl};

/// The pool, of whichever backend the bind's URL named.
#[derive(Debug)]
pub(crate) enum BackendPool {
    #[cfg(feature = "sqlite")]
    Sqlite(SqliteDriver),
    #[cfg(feature = "postgres")]
    Postgres(SqlxDriver<sqlx_driver::PgBackend>),
    #[cfg(feature = "mysql")]
    MySql(SqlxDriver<sqlx_driver::MySqlBackend>),
}

/// Runs `$call` with `$pool` bound to the backend's own pool; with `connection`, wraps the
/// connection it gives in a [`Connection`].
macro_rules! on_pool {
    ($engine:expr, $pool:ident => $call:expr) => {
        match $engine {
            #[cfg(feature = "sqlite")]
            BackendPool::Sqlite($pool) => $call,
            #[cfg(feature = "postgres")]
            BackendPool::Postgres($pool) => $call,
            #[cfg(feature = "mysql")]
            BackendPool::MySql($pool) => $call,
        }
    };
    ($engine:expr, $pool:ident => $call:expr, connection) => {
        match $engine {
            #[cfg(feature = "sqlite")]
            BackendPool::Sqlite($pool) => $call.map(Connection::Sqlite),
            #[cfg(feature = "postgres")]
            BackendPool::Postgres($pool) => $call.map(Connection::Postgres),
            #[cfg(feature = "mysql")]
            BackendPool::MySql($pool) => $call.map(Connection::MySql),
        }
    };
}

impl BackendPool {
    /// Builds the pool for `url`; connections open lazily, on first use.
    pub(crate) fn connect(
        backend: Backend,
        url: &DatabaseUrl,
        config: &PoolConfig,
        health: &Arc<Health>,
    ) -> Result<BackendPool, sqlx::Error> {
        let pool = match backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite => {
                BackendPool::Sqlite(SqliteDriver::connect_lazy(url, config, health)?)
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres => {
                BackendPool::Postgres(SqlxDriver::connect_lazy(url, config, health)?)
            }
            #[cfg(feature = "mysql")]
            Backend::MySql => BackendPool::MySql(SqlxDriver::connect_lazy(url, config, health)?),
            #[cfg(not(all(feature = "sqlite", feature = "postgres", feature = "mysql")))]
            other => {
                return Err(sqlx::Error::Configuration(
                    super::absent::not_compiled(other).into(),
                ));
            }
        };
        Ok(pool)
    }

    pub(crate) fn dialect(&self) -> &'static dyn Dialect {
        on_pool!(self, pool => pool.dialect())
    }

    /// A connection of the pool, for one statement.
    pub(crate) async fn acquire(&self) -> Result<Connection, sqlx::Error> {
        on_pool!(self, pool => pool.acquire().await, connection)
    }

    /// A connection of the pool with a transaction begun on it with `options` (not reported: the caller
    /// reports what it sends in it).
    pub(crate) async fn begin(
        &self,
        options: &TransactionOptions,
    ) -> Result<Connection, sqlx::Error> {
        on_pool!(self, pool => pool.begin(options).await, connection)
    }

    /// Closes every connection of the pool.
    pub(crate) async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }

    /// Has every connection open now closed when next returned or handed out.
    pub(crate) fn retire_connections(&self) {
        on_pool!(self, pool => pool.retire_connections())
    }
}
