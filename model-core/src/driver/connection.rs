//! A connection checked out of a bind's pool, of whichever backend, and the few things a
//! statement does on it. Every statement of the crate ends up here, whether it runs alone on
//! the pool or inside a transaction ([`Target`](super::Target) chooses the connection). This
//! enum is the seam where another executor (a native SQLite one) adds a variant.

use super::error::DriverError;
use super::executed::Executed;
use super::sink::RowSink;
use super::sqlx_driver::{self, Pooled, run};
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
    Sqlite(Pooled<sqlx_driver::SqliteBackend>),
    #[cfg(feature = "postgres")]
    Postgres(Pooled<sqlx_driver::PgBackend>),
    #[cfg(feature = "mysql")]
    MySql(Pooled<sqlx_driver::MySqlBackend>),
}

/// Runs `$call` with `$conn` bound to the backend's own connection.
macro_rules! on_backend {
    ($connection:expr, $conn:ident => $call:expr) => {
        match $connection {
            #[cfg(feature = "sqlite")]
            Connection::Sqlite($conn) => $call,
            #[cfg(feature = "postgres")]
            Connection::Postgres($conn) => $call,
            #[cfg(feature = "mysql")]
            Connection::MySql($conn) => $call,
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
        on_backend!(self, conn => run::execute(conn, sql, args).await)
    }

    /// Runs a query, handing each row to `sink` as it arrives.
    pub(crate) async fn fetch_into(
        &mut self,
        sql: &str,
        args: &[Value],
        sink: &mut dyn RowSink,
    ) -> Result<(), DriverError> {
        on_backend!(self, conn => run::fetch_into(conn, sql, args, sink).await)
    }

    /// Runs a statement returning one integer in its first row's first column.
    pub(crate) async fn fetch_i64(
        &mut self,
        sql: &str,
        args: &[Value],
    ) -> Result<i64, sqlx::Error> {
        on_backend!(self, conn => run::fetch_i64(conn, sql, args).await)
    }

    /// Runs a query returning one text column, e.g. a catalog listing.
    pub(crate) async fn fetch_strings(&mut self, sql: &str) -> Result<Vec<String>, sqlx::Error> {
        on_backend!(self, conn => run::fetch_strings(conn, sql).await)
    }

    /// Runs DDL text, one statement or several, unprepared.
    pub(crate) async fn run_unprepared(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        on_backend!(self, conn => run::unprepared(conn, sql).await)
    }

    /// Ends the open transaction; it counts as ended only when that succeeded, so a
    /// connection whose COMMIT failed is rolled back before reuse.
    pub(crate) async fn end_transaction(&mut self, outcome: Outcome) -> Result<(), sqlx::Error> {
        on_backend!(self, conn => run::end_transaction(conn, outcome.sql()).await)
    }
}
