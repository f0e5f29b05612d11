//! Running statements: one driver per backend behind the [`Driver`] trait, and the [`Engine`]
//! enum that picks one per bind at run time. This is the only place that matches on the
//! backend to execute anything; the query, schema and session code call `Engine` and never
//! see sqlx. A faster SQLite executor slots in as another `Driver` variant without touching them.
//!
//! The three sqlx backends share one generic driver ([`SqlxDriver`]); each backend module
//! supplies what differs ([`SqlxBackend`]: connect options, binding of values) and its
//! `*Field` trait, the sqlx decoding bounds that [`FieldType`](crate::FieldType) requires.

mod mysql;
mod postgres;
mod sqlite;

use std::fmt;

use sqlx::{Connection, Database, Executor, IntoArguments, Pool, Row};

pub use mysql::MySqlField;
pub use postgres::PgField;
pub use sqlite::SqliteField;

use crate::config::{PoolConfig, PrePing};
use crate::dialect::Dialect;
use crate::model::ColumnGroup;
use crate::row::{DecodeError, RowReader};
use crate::url::{Backend, DatabaseUrl};
use crate::value::Value;

/// What a driver can fail with: the database's error, or a row that does not decode.
#[derive(Debug)]
pub(crate) enum DriverError {
    Sql(sqlx::Error),
    Decode(DecodeError),
}

impl From<sqlx::Error> for DriverError {
    fn from(error: sqlx::Error) -> Self {
        DriverError::Sql(error)
    }
}

/// A failed DDL script: which statement failed, and why.
#[derive(Debug)]
pub(crate) struct ScriptError {
    pub statement: usize,
    pub source: sqlx::Error,
}

/// How statements run on one backend.
pub(crate) trait Driver: Send + Sync {
    /// The SQL dialect of this backend.
    fn dialect(&self) -> &'static dyn Dialect;

    /// Runs a query and decodes every row into `M`.
    async fn fetch_all<M: ColumnGroup>(
        &self,
        sql: &str,
        args: &[Value],
    ) -> Result<Vec<M>, DriverError>;

    /// Runs a query returning one integer (a count), from its first row.
    async fn fetch_i64(&self, sql: &str, args: &[Value]) -> Result<i64, sqlx::Error>;

    /// Runs a query returning one text column, e.g. a catalog listing.
    async fn fetch_strings(&self, sql: &str) -> Result<Vec<String>, sqlx::Error>;

    /// Runs statements in order, in one transaction when `transactional`; stops at the first
    /// failure (rolling the transaction back).
    async fn run_script(
        &self,
        statements: &[String],
        transactional: bool,
    ) -> Result<(), ScriptError>;

    /// Closes every connection of the pool.
    async fn close(&self);
}

/// The driver of one bind.
#[derive(Debug)]
pub(crate) enum Engine {
    Sqlite(SqlxDriver<sqlite::SqliteBackend>),
    Postgres(SqlxDriver<postgres::PgBackend>),
    MySql(SqlxDriver<mysql::MySqlBackend>),
}

macro_rules! dispatch {
    ($engine:expr, $driver:ident => $call:expr) => {
        match $engine {
            Engine::Sqlite($driver) => $call,
            Engine::Postgres($driver) => $call,
            Engine::MySql($driver) => $call,
        }
    };
}

impl Engine {
    /// Builds the pool for `url`; connections open lazily, on first use.
    pub(crate) fn connect_lazy(
        backend: Backend,
        url: &DatabaseUrl,
        pool: &PoolConfig,
    ) -> Result<Engine, sqlx::Error> {
        Ok(match backend {
            Backend::Sqlite => Engine::Sqlite(SqlxDriver::connect_lazy(url, pool)?),
            Backend::Postgres => Engine::Postgres(SqlxDriver::connect_lazy(url, pool)?),
            Backend::MySql => Engine::MySql(SqlxDriver::connect_lazy(url, pool)?),
        })
    }

    pub(crate) fn dialect(&self) -> &'static dyn Dialect {
        dispatch!(self, d => d.dialect())
    }

    pub(crate) async fn fetch_all<M: ColumnGroup>(
        &self,
        sql: &str,
        args: &[Value],
    ) -> Result<Vec<M>, DriverError> {
        dispatch!(self, d => d.fetch_all(sql, args).await)
    }

    pub(crate) async fn fetch_i64(&self, sql: &str, args: &[Value]) -> Result<i64, sqlx::Error> {
        dispatch!(self, d => d.fetch_i64(sql, args).await)
    }

    pub(crate) async fn fetch_strings(&self, sql: &str) -> Result<Vec<String>, sqlx::Error> {
        dispatch!(self, d => d.fetch_strings(sql).await)
    }

    pub(crate) async fn run_script(
        &self,
        statements: &[String],
        transactional: bool,
    ) -> Result<(), ScriptError> {
        dispatch!(self, d => d.run_script(statements, transactional).await)
    }

    pub(crate) async fn close(&self) {
        dispatch!(self, d => d.close().await)
    }
}

/// What one sqlx backend brings to [`SqlxDriver`].
pub(crate) trait SqlxBackend: Send + Sync + 'static {
    /// The sqlx database.
    type Db: Database;
    /// Which backend this is.
    const BACKEND: Backend;
    /// Its SQL dialect.
    const DIALECT: &'static dyn Dialect;
    /// Connect options parsed from the URL.
    fn connect_options(
        url: &DatabaseUrl,
    ) -> Result<<<Self::Db as Database>::Connection as Connection>::Options, sqlx::Error>;
    /// Pool settings adjusted to the backend (SQLite: no pinging, one connection in memory).
    fn adjust_pool(config: PoolConfig, _url: &DatabaseUrl) -> PoolConfig {
        config
    }
    /// The values bound as sqlx arguments.
    fn arguments(args: &[Value]) -> Result<<Self::Db as Database>::Arguments, sqlx::Error>;
}

/// A pool of one sqlx backend.
pub(crate) struct SqlxDriver<B: SqlxBackend> {
    pool: Pool<B::Db>,
}

impl<B: SqlxBackend> fmt::Debug for SqlxDriver<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlxDriver")
            .field("backend", &B::BACKEND)
            .field("size", &self.pool.size())
            .field("idle", &self.pool.num_idle())
            .finish()
    }
}

impl<B: SqlxBackend> SqlxDriver<B> {
    fn connect_lazy(url: &DatabaseUrl, config: &PoolConfig) -> Result<Self, sqlx::Error> {
        let connect = B::connect_options(url)?;
        let config = B::adjust_pool(config.clone(), url);
        let mut options = sqlx::pool::PoolOptions::<B::Db>::new()
            .max_connections(config.max_connections)
            .min_connections(config.min_connections)
            .acquire_timeout(config.acquire_timeout)
            .idle_timeout(config.idle_timeout)
            .max_lifetime(config.recycle_for(B::BACKEND))
            // sqlx's own test pings on every acquire, doubling the cost of a one-row query;
            // the hook below pings only where the connection may have gone stale.
            .test_before_acquire(false);
        match config.pre_ping {
            PrePing::Never => {}
            PrePing::Always => options = options.test_before_acquire(true),
            PrePing::IdleLongerThan(threshold) => {
                // A failed ping makes sqlx discard the connection and hand out (or open) another.
                options = options.before_acquire(move |conn, meta| {
                    Box::pin(async move {
                        if meta.idle_for > threshold {
                            conn.ping().await?;
                        }
                        Ok(true)
                    })
                });
            }
        }
        Ok(SqlxDriver {
            pool: options.connect_lazy_with(connect),
        })
    }
}

impl<B: SqlxBackend> Driver for SqlxDriver<B>
where
    for<'c> &'c mut <B::Db as Database>::Connection: Executor<'c, Database = B::Db>,
    for<'a> <B::Db as Database>::Arguments: IntoArguments<B::Db>,
    <B::Db as Database>::Row: RowReader,
    String: for<'r> sqlx::Decode<'r, B::Db> + sqlx::Type<B::Db>,
    i64: for<'r> sqlx::Decode<'r, B::Db> + sqlx::Type<B::Db>,
    usize: sqlx::ColumnIndex<<B::Db as Database>::Row>,
{
    fn dialect(&self) -> &'static dyn Dialect {
        B::DIALECT
    }

    async fn fetch_all<M: ColumnGroup>(
        &self,
        sql: &str,
        args: &[Value],
    ) -> Result<Vec<M>, DriverError> {
        let arguments = B::arguments(args)?;
        let rows = sqlx::query_with::<B::Db, _>(sqlx::AssertSqlSafe(sql), arguments)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| M::decode_at(row, 0).map_err(DriverError::Decode))
            .collect()
    }

    async fn fetch_i64(&self, sql: &str, args: &[Value]) -> Result<i64, sqlx::Error> {
        let arguments = B::arguments(args)?;
        let row = sqlx::query_with::<B::Db, _>(sqlx::AssertSqlSafe(sql), arguments)
            .fetch_one(&self.pool)
            .await?;
        row.try_get::<i64, usize>(0)
    }

    async fn fetch_strings(&self, sql: &str) -> Result<Vec<String>, sqlx::Error> {
        let rows = sqlx::query::<B::Db>(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| row.try_get::<String, usize>(0))
            .collect()
    }

    async fn run_script(
        &self,
        statements: &[String],
        transactional: bool,
    ) -> Result<(), ScriptError> {
        let fail = |statement| move |source| ScriptError { statement, source };
        if transactional {
            let mut tx = self.pool.begin().await.map_err(fail(0))?;
            for (i, sql) in statements.iter().enumerate() {
                if let Err(source) = tx.execute(sqlx::AssertSqlSafe(sql.as_str())).await {
                    // Dropping `tx` would roll back too; doing it here surfaces the rollback.
                    let _ = tx.rollback().await;
                    return Err(ScriptError {
                        statement: i,
                        source,
                    });
                }
            }
            tx.commit().await.map_err(fail(statements.len()))
        } else {
            let mut conn = self.pool.acquire().await.map_err(fail(0))?;
            for (i, sql) in statements.iter().enumerate() {
                conn.execute(sqlx::AssertSqlSafe(sql.as_str()))
                    .await
                    .map_err(fail(i))?;
            }
            Ok(())
        }
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

/// The body of `SqlxBackend::arguments`: every [`Value`] bound as the sqlx type it holds. The
/// backends differ only in how a NULL is bound, which the caller gives as `|out, ty| expr`.
macro_rules! bind_values {
    ($arguments:ty, $values:expr, |$out:ident, $ty:pat_param| $null:expr) => {{
        use crate::value::Value;
        use sqlx::Arguments as _;
        let mut $out = <$arguments>::default();
        for value in $values {
            let added = match value {
                Value::Null($ty) => $null,
                Value::Bool(v) => $out.add(*v),
                Value::SmallInt(v) => $out.add(*v),
                Value::Int(v) => $out.add(*v),
                Value::BigInt(v) => $out.add(*v),
                Value::Real(v) => $out.add(*v),
                Value::Double(v) => $out.add(*v),
                Value::Text(v) => $out.add(v.as_str()),
                Value::Blob(v) => $out.add(v.as_slice()),
                #[cfg(feature = "chrono")]
                Value::Timestamp(v) => $out.add(*v),
                #[cfg(feature = "chrono")]
                Value::TimestampTz(v) => $out.add(*v),
                #[cfg(feature = "chrono")]
                Value::Date(v) => $out.add(*v),
                #[cfg(feature = "uuid")]
                Value::Uuid(v) => $out.add(*v),
                #[cfg(feature = "json")]
                Value::Json(v) => $out.add(sqlx::types::Json(v)),
            };
            added.map_err(sqlx::Error::Encode)?;
        }
        Ok($out)
    }};
}
use bind_values;

/// `RowReader` for a sqlx row type: decode by position through the backend's `*Field` bounds.
macro_rules! row_reader {
    ($row:ty) => {
        impl crate::row::RowReader for $row {
            fn read<T: crate::field::FieldType>(
                &self,
                index: usize,
            ) -> Result<T, crate::row::DecodeError> {
                sqlx::Row::try_get::<T, usize>(self, index)
                    .map_err(|e| crate::row::DecodeError::new(index, e))
            }
        }
    };
}
use row_reader;
