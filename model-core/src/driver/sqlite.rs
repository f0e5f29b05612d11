//! SQLite through sqlx. An in-memory database lives in a single connection that is never
//! closed: each new connection to `sqlite::memory:` would see its own empty database.

use std::str::FromStr;

use sqlx::sqlite::{Sqlite, SqliteArguments, SqliteConnectOptions, SqliteQueryResult, SqliteRow};

use super::{Executed, SqlxBackend, bind_values, row_reader};
use crate::config::{PoolConfig, PrePing};
use crate::dialect::{Dialect, SqliteDialect};
use crate::url::{Backend, DatabaseUrl};
use crate::value::Value;

/// The decoding bounds SQLite needs of a field type (implemented for every type sqlx decodes).
pub trait SqliteField: for<'r> sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite> {}
impl<T> SqliteField for T where T: for<'r> sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite> {}

row_reader!(SqliteRow);

#[derive(Debug)]
pub(crate) struct SqliteBackend;

impl SqlxBackend for SqliteBackend {
    type Db = Sqlite;
    const BACKEND: Backend = Backend::Sqlite;
    const DIALECT: &'static dyn Dialect = &SqliteDialect;

    fn connect_options(url: &DatabaseUrl) -> Result<SqliteConnectOptions, sqlx::Error> {
        Ok(SqliteConnectOptions::from_str(url.expose())?
            // A file that does not exist yet is created, as Flask-SQLAlchemy does.
            .create_if_missing(true)
            .foreign_keys(true))
    }

    /// There is no server to go away, so no pinging; and an in-memory database must keep its
    /// one connection for as long as the pool lives.
    fn adjust_pool(config: PoolConfig, url: &DatabaseUrl) -> PoolConfig {
        let config = config.pre_ping(PrePing::Never);
        let lower = url.expose().to_ascii_lowercase();
        if lower.contains(":memory:") || lower.contains("mode=memory") {
            config
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .recycle(None)
        } else {
            config
        }
    }

    fn arguments(args: &[Value]) -> Result<SqliteArguments, sqlx::Error> {
        bind_values!(SqliteArguments, args, |out, _| out.add(None::<i64>))
    }

    fn executed(result: &SqliteQueryResult) -> Executed {
        Executed {
            rows_affected: result.rows_affected(),
            last_insert_id: Some(result.last_insert_rowid()),
        }
    }
}
