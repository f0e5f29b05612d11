//! A connection checked out of a bind's pool, of whichever backend, and the few things a
//! statement does on it. Every statement of the crate ends up here, whether it runs alone on
//! the pool or inside a transaction ([`Target`](super::Target) chooses the connection): SQLite's
//! to the native executor (`sqlite`), the servers' to sqlx's (`sqlx_driver`).

use super::error::DriverError;
use super::executed::Executed;
use super::sink::RowSink;
#[cfg(feature = "sqlite")]
use super::sqlite;
#[cfg(any(feature = "postgres", feature = "mysql"))]
use super::sqlx_driver::{self, Pooled};
use crate::value::Value;

/// How a transaction ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Commit,
    Rollback,
}

impl Outcome {
    pub(crate) fn sql(self) -> &'static str {
        match self {
            Outcome::Commit => "COMMIT",
            Outcome::Rollback => "ROLLBACK",
        }
    }
}

/// A checked-out connection. Dropped, it goes back to its pool, rolled back first when a
/// transaction is open on it (see `pool`).
#[derive(Debug)]
pub(crate) enum Connection {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlite::Pooled),
    #[cfg(feature = "postgres")]
    Postgres(Pooled<sqlx_driver::PgBackend>),
    #[cfg(feature = "mysql")]
    MySql(Pooled<sqlx_driver::MySqlBackend>),
}

/// Runs `$function` of the backend's driver (`sqlite::run` or `sqlx_driver::run`) with the
/// backend's own connection first, then `$args`.
macro_rules! on_backend {
    ($connection:expr, $function:ident($($args:expr),*)) => {
        match $connection {
            #[cfg(feature = "sqlite")]
            Connection::Sqlite(conn) => sqlite::run::$function(conn, $($args),*).await,
            #[cfg(feature = "postgres")]
            Connection::Postgres(conn) => sqlx_driver::run::$function(conn, $($args),*).await,
            #[cfg(feature = "mysql")]
            Connection::MySql(conn) => sqlx_driver::run::$function(conn, $($args),*).await,
        }
    };
}

impl Connection {
    /// Runs one write statement, its values handed over (a backend that keeps bound text, as
    /// SQLite does, takes it without copying).
    pub(crate) async fn execute(
        &mut self,
        sql: &str,
        args: Vec<Value>,
    ) -> Result<Executed, sqlx::Error> {
        on_backend!(self, execute(sql, args))
    }

    /// Runs a query, handing each row to `sink` as it arrives.
    pub(crate) async fn fetch_into(
        &mut self,
        sql: &str,
        args: &[Value],
        sink: &mut dyn RowSink,
    ) -> Result<(), DriverError> {
        on_backend!(self, fetch_into(sql, args, sink))
    }

    /// Runs a statement returning one integer in its first row's first column.
    pub(crate) async fn fetch_i64(
        &mut self,
        sql: &str,
        args: &[Value],
    ) -> Result<i64, sqlx::Error> {
        on_backend!(self, fetch_i64(sql, args))
    }

    /// Runs a query returning one text column, e.g. a catalog listing.
    pub(crate) async fn fetch_strings(&mut self, sql: &str) -> Result<Vec<String>, sqlx::Error> {
        on_backend!(self, fetch_strings(sql))
    }

    /// Runs DDL text, one statement or several, unprepared.
    pub(crate) async fn run_unprepared(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        on_backend!(self, unprepared(sql))
    }

    /// Ends the open transaction; it counts as ended only when that succeeded, so a
    /// connection whose COMMIT failed is rolled back before reuse.
    pub(crate) async fn end_transaction(&mut self, outcome: Outcome) -> Result<(), sqlx::Error> {
        on_backend!(self, end_transaction(outcome.sql()))
    }
}
