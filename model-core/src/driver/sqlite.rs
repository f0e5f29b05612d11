//! SQLite through sqlx. An in-memory database lives in a single connection that is never
//! closed: each new connection to `sqlite::memory:` would see its own empty database.

use std::str::FromStr;

use sqlx::Arguments as _;
use sqlx::sqlite::{Sqlite, SqliteArguments, SqliteConnectOptions, SqliteRow};

use super::{SqlxBackend, row_reader};
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
        let mut out = SqliteArguments::default();
        for value in args {
            let added = match value {
                Value::Null(_) => out.add(None::<i64>),
                Value::Bool(v) => out.add(*v),
                Value::SmallInt(v) => out.add(*v),
                Value::Int(v) => out.add(*v),
                Value::BigInt(v) => out.add(*v),
                Value::Real(v) => out.add(*v),
                Value::Double(v) => out.add(*v),
                Value::Text(v) => out.add(v.clone()),
                Value::Blob(v) => out.add(v.clone()),
                #[cfg(feature = "chrono")]
                Value::Timestamp(v) => out.add(*v),
                #[cfg(feature = "chrono")]
                Value::TimestampTz(v) => out.add(*v),
                #[cfg(feature = "chrono")]
                Value::Date(v) => out.add(*v),
                #[cfg(feature = "uuid")]
                Value::Uuid(v) => out.add(*v),
                #[cfg(feature = "json")]
                Value::Json(v) => out.add(sqlx::types::Json(v.clone())),
            };
            added.map_err(sqlx::Error::Encode)?;
        }
        Ok(out)
    }
}
