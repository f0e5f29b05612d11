//! Running statements: one driver per backend behind the [`Driver`] trait, and the [`Engine`]
//! enum that picks one per bind at run time. This is the only place that matches on the
//! backend to execute anything; the query, schema and session code call `Engine` and never
//! see sqlx. A faster SQLite executor slots in as another `Driver` variant without touching them.
//!
//! The three sqlx backends share one generic driver ([`SqlxDriver`]); each backend module
//! supplies what differs ([`SqlxBackend`]: connect options, binding of values) and implements
//! [`RowReader`](crate::RowReader) for its row type, through which every model decodes.
//! Each backend is a cargo feature (`sqlite`, `postgres`, `mysql`); `absent` refuses the URLs
//! of the ones left out, so a one-backend build links only that backend's driver.

#[cfg(not(all(feature = "sqlite", feature = "postgres", feature = "mysql")))]
mod absent;
mod health;
#[cfg(feature = "mysql")]
mod mysql;
mod pool;
#[cfg(feature = "postgres")]
mod postgres;
mod sink;
#[cfg(feature = "sqlite")]
mod sqlite;

/// Whether this build has `backend`'s driver; if not, says which cargo feature adds it.
pub(crate) fn compiled(backend: Backend) -> Result<(), String> {
    match backend {
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => Ok(()),
        #[cfg(feature = "postgres")]
        Backend::Postgres => Ok(()),
        #[cfg(feature = "mysql")]
        Backend::MySql => Ok(()),
        #[cfg(not(all(feature = "sqlite", feature = "postgres", feature = "mysql")))]
        other => Err(absent::not_compiled(other)),
    }
}

#[cfg(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")))]
compile_error!(
    "model-core needs at least one backend: enable its `sqlite`, `postgres` or `mysql` feature"
);

use std::fmt;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use sqlx::{Connection, Database, Executor, IntoArguments, Row};

use crate::dialect::Dialect;
use crate::model::ColumnGroup;
use crate::record::Instrument;
use crate::row::{DecodeError, RowReader};
use crate::url::{Backend, DatabaseUrl};
use crate::value::Value;
use health::{Health, is_connection_lost};
use pool::sqlx_manager::RawConn;
use pool::{Pool, SqlxManager};
pub use pool::{PoolConfig, PrePing};

/// A checked-out sqlx connection of backend `B`.
type Pooled<B> = pool::Pooled<SqlxManager<B>>;
use sink::Collect;
pub(crate) use sink::{Expect, RowSink};

/// What a backend reports about a constraint violation, before the models fill in the rest.
#[derive(Debug, Default)]
pub(crate) struct Reported {
    pub constraint: Option<String>,
    pub table: Option<String>,
    pub columns: Vec<String>,
}

/// What the backend of `error` reports about the constraint it names.
pub(crate) fn reported_violation(error: &(dyn sqlx::error::DatabaseError + 'static)) -> Reported {
    #[cfg(feature = "postgres")]
    if let Some(error) = error.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        return postgres::violation(error);
    }
    #[cfg(feature = "mysql")]
    if let Some(error) = error.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        return mysql::violation(error);
    }
    #[cfg(feature = "sqlite")]
    if let Some(error) = error.try_downcast_ref::<sqlx::sqlite::SqliteError>() {
        return sqlite::violation(error);
    }
    Reported::default()
}

/// The backend's own explanation beyond its message, where it gives one (PostgreSQL's
/// DETAIL: `Key (username)=(ann) already exists.`).
pub(crate) fn error_detail<'a>(
    error: &'a (dyn sqlx::error::DatabaseError + 'static),
) -> Option<&'a str> {
    #[cfg(feature = "postgres")]
    if let Some(error) = error.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        return error.detail();
    }
    let _ = error;
    None
}

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

/// The sqlx error inside a driver's error, if there is one.
trait SqlxCause {
    fn sqlx_cause(&self) -> Option<&sqlx::Error>;
}

impl SqlxCause for sqlx::Error {
    fn sqlx_cause(&self) -> Option<&sqlx::Error> {
        Some(self)
    }
}

impl SqlxCause for DriverError {
    fn sqlx_cause(&self) -> Option<&sqlx::Error> {
        match self {
            DriverError::Sql(error) => Some(error),
            DriverError::Decode(_) => None,
        }
    }
}

impl SqlxCause for ScriptError {
    fn sqlx_cause(&self) -> Option<&sqlx::Error> {
        Some(&self.source)
    }
}

/// Whether a failed read may be run again: its connection died, so it never took effect.
fn lost<T, E: SqlxCause>(result: &Result<T, E>) -> bool {
    matches!(result, Err(e) if e.sqlx_cause().is_some_and(is_connection_lost))
}

/// What a write reported.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Executed {
    /// Rows inserted, updated or deleted.
    pub rows_affected: u64,
    /// The id generated by the last insert, where the backend reports it (SQLite, MySQL).
    pub last_insert_id: Option<i64>,
}

/// A failed DDL script: where it failed, and why.
#[derive(Debug)]
pub(crate) struct ScriptError {
    pub stage: ScriptStage,
    pub source: sqlx::Error,
}

/// Where a DDL script failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ScriptStage {
    /// Getting a connection or beginning the transaction: no statement ran.
    Connecting,
    /// The statement at this index.
    Statement(usize),
    /// Committing, after every statement ran.
    Committing,
}

/// Write statements (text and bound values) handed to a driver one at a time.
pub(crate) type Statements<'a> = dyn Iterator<Item = (String, Vec<Value>)> + Send + 'a;

/// How statements run on one backend.
pub(crate) trait Driver: Send + Sync {
    /// The SQL dialect of this backend.
    fn dialect(&self) -> &'static dyn Dialect;

    /// Runs a query, handing each row to `sink` as it arrives.
    async fn fetch_into(
        &self,
        sql: &str,
        args: &[Value],
        sink: &mut dyn RowSink,
    ) -> Result<(), DriverError>;

    /// Runs one write statement, its values handed over (a backend that keeps bound text, as
    /// SQLite does, takes it without copying).
    async fn execute(&self, sql: &str, args: Vec<Value>) -> Result<Executed, sqlx::Error>;

    /// Runs write statements in order in one transaction: all of them or none. Each is taken
    /// from `statements` when the previous one is done.
    async fn execute_all(&self, statements: &mut Statements<'_>) -> Result<u64, sqlx::Error>;

    /// Runs a query returning one integer (a count), from its first row.
    async fn fetch_i64(&self, sql: &str, args: &[Value]) -> Result<i64, sqlx::Error>;

    /// Runs a query returning one text column, e.g. a catalog listing.
    async fn fetch_strings(&self, sql: &str) -> Result<Vec<String>, sqlx::Error>;

    /// Runs statements in order, in one transaction when `transactional`; stops at the first
    /// failure (rolling the transaction back). A transactional script of several statements
    /// goes to the server as one string, in one round trip.
    async fn run_script(
        &self,
        statements: &[String],
        transactional: bool,
    ) -> Result<(), ScriptError>;

    /// Closes every connection of the pool.
    async fn close(&self);
}

/// An open transaction on one bind: a connection checked out of the pool with BEGIN run on
/// it. Dropped without `commit` or `rollback`, it is rolled back before the connection is
/// reused (see [`pool`]).
pub(crate) struct EngineTx {
    kind: TxKind,
    label: Arc<str>,
    instrument: Arc<Instrument>,
    health: Arc<Health>,
}

enum TxKind {
    #[cfg(feature = "sqlite")]
    Sqlite(Pooled<sqlite::SqliteBackend>),
    #[cfg(feature = "postgres")]
    Postgres(Pooled<postgres::PgBackend>),
    #[cfg(feature = "mysql")]
    MySql(Pooled<mysql::MySqlBackend>),
}

impl fmt::Debug for EngineTx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EngineTx(bind {})", self.label)
    }
}

macro_rules! dispatch_tx {
    ($tx:expr, $conn:ident => $call:expr) => {
        match $tx {
            #[cfg(feature = "sqlite")]
            TxKind::Sqlite($conn) => $call,
            #[cfg(feature = "postgres")]
            TxKind::Postgres($conn) => $call,
            #[cfg(feature = "mysql")]
            TxKind::MySql($conn) => $call,
        }
    };
}

/// Hands each row to `sink` as it arrives, so the raw rows are never all held at once (as
/// `fetch_all` would) and each is decoded while its bytes are still in cache.
async fn feed_rows<B: SqlxBackend>(
    mut rows: impl futures_util::Stream<Item = Result<<B::Db as Database>::Row, sqlx::Error>> + Unpin,
    sink: &mut dyn RowSink,
) -> Result<(), DriverError> {
    use futures_util::TryStreamExt;
    while let Some(row) = rows.try_next().await? {
        sink.accept(&row).map_err(DriverError::Decode)?;
    }
    Ok(())
}

/// Times `$call` (an expression returning a `Result`), echoes/records it, and tells the
/// bind's [`Health`] when it found its connection dead. With `owned $args`, the call takes
/// the values, and a copy is kept for the record only when something watches.
macro_rules! watched {
    (@finish $engine:expr, $started:ident, $sql:expr, $args:expr, $call:expr) => {{
        let result = $call;
        observed(
            &$engine.instrument,
            &$engine.health,
            &$engine.label,
            $started,
            $sql,
            $args,
            &result,
        );
        result
    }};
    ($engine:expr, $sql:expr, owned $args:ident, $call:expr) => {{
        let started = $engine.instrument.start();
        let kept = started.as_ref().map(|_| $args.clone());
        watched!(@finish $engine, started, $sql, kept.as_deref().unwrap_or_default(), $call)
    }};
    ($engine:expr, $sql:expr, $args:expr, $call:expr) => {{
        let started = $engine.instrument.start();
        watched!(@finish $engine, started, $sql, $args, $call)
    }};
}

/// The end of [`watched!`]: tells `health` about a dead connection, echoes/records the statement.
fn observed<T, E: SqlxCause>(
    instrument: &Instrument,
    health: &Health,
    label: &str,
    started: Option<crate::record::Started>,
    sql: &str,
    args: &[Value],
    result: &Result<T, E>,
) {
    if let Err(error) = result
        && let Some(error) = error.sqlx_cause()
    {
        health.observe(error);
    }
    instrument.finish(started, label, sql, args, result.is_ok());
}

impl EngineTx {
    pub(crate) async fn execute(
        &mut self,
        sql: &str,
        args: Vec<Value>,
    ) -> Result<Executed, sqlx::Error> {
        watched!(
            self,
            sql,
            owned args,
            dispatch_tx!(&mut self.kind, conn => run_execute(conn, sql, args).await)
        )
    }

    pub(crate) async fn fetch_into(
        &mut self,
        sql: &str,
        args: &[Value],
        sink: &mut dyn RowSink,
    ) -> Result<(), DriverError> {
        watched!(
            self,
            sql,
            args,
            dispatch_tx!(&mut self.kind, conn => run_fetch_into(conn, sql, args, sink).await)
        )
    }

    pub(crate) async fn fetch_i64(
        &mut self,
        sql: &str,
        args: &[Value],
    ) -> Result<i64, sqlx::Error> {
        watched!(
            self,
            sql,
            args,
            dispatch_tx!(&mut self.kind, conn => run_fetch_i64(conn, sql, args).await)
        )
    }

    pub(crate) async fn commit(mut self) -> Result<(), sqlx::Error> {
        watched!(
            self,
            "COMMIT",
            &[],
            dispatch_tx!(&mut self.kind, conn => end_transaction(conn, "COMMIT").await)
        )
    }

    pub(crate) async fn rollback(mut self) -> Result<(), sqlx::Error> {
        let started = self.instrument.start();
        let result = dispatch_tx!(&mut self.kind, conn => end_transaction(conn, "ROLLBACK").await);
        self.instrument
            .finish(started, &self.label, "ROLLBACK", &[], result.is_ok());
        result
    }
}

/// Where a statement runs: on the pool (autocommit) or inside a session's transaction.
pub(crate) enum Conn<'a> {
    Pool(&'a Engine),
    Tx(&'a mut EngineTx),
}

impl Conn<'_> {
    pub(crate) async fn execute(
        &mut self,
        sql: &str,
        args: Vec<Value>,
    ) -> Result<Executed, sqlx::Error> {
        match self {
            Conn::Pool(engine) => engine.execute(sql, args).await,
            Conn::Tx(tx) => tx.execute(sql, args).await,
        }
    }

    /// Runs a query and decodes the rows `expect`ed into `M`.
    pub(crate) async fn fetch_all<M: ColumnGroup>(
        &mut self,
        sql: &str,
        args: &[Value],
        expect: Expect,
    ) -> Result<Vec<M>, DriverError> {
        let mut rows = Collect::new(expect);
        self.fetch_into(sql, args, &mut rows).await?;
        Ok(rows.rows)
    }

    /// Runs a query and hands its rows to `sink`.
    pub(crate) async fn fetch_into(
        &mut self,
        sql: &str,
        args: &[Value],
        sink: &mut dyn RowSink,
    ) -> Result<(), DriverError> {
        match self {
            Conn::Pool(engine) => engine.fetch_into(sql, args, sink).await,
            Conn::Tx(tx) => tx.fetch_into(sql, args, sink).await,
        }
    }

    /// Runs a statement returning one integer (e.g. `INSERT ... RETURNING id`); never retried,
    /// as it may write.
    pub(crate) async fn fetch_i64(
        &mut self,
        sql: &str,
        args: &[Value],
    ) -> Result<i64, sqlx::Error> {
        match self {
            Conn::Pool(engine) => engine.fetch_i64_once(sql, args).await,
            Conn::Tx(tx) => tx.fetch_i64(sql, args).await,
        }
    }
}

/// The driver of one bind, with the bind's label and the database's echo/record switches: every
/// statement of the crate runs through here or through [`EngineTx`].
#[derive(Debug)]
pub(crate) struct Engine {
    kind: Kind,
    label: Arc<str>,
    instrument: Arc<Instrument>,
    health: Arc<Health>,
}

#[derive(Debug)]
enum Kind {
    #[cfg(feature = "sqlite")]
    Sqlite(SqlxDriver<sqlite::SqliteBackend>),
    #[cfg(feature = "postgres")]
    Postgres(SqlxDriver<postgres::PgBackend>),
    #[cfg(feature = "mysql")]
    MySql(SqlxDriver<mysql::MySqlBackend>),
}

macro_rules! dispatch {
    ($engine:expr, $driver:ident => $call:expr) => {
        match &$engine.kind {
            #[cfg(feature = "sqlite")]
            Kind::Sqlite($driver) => $call,
            #[cfg(feature = "postgres")]
            Kind::Postgres($driver) => $call,
            #[cfg(feature = "mysql")]
            Kind::MySql($driver) => $call,
        }
    };
}

impl Engine {
    /// Builds the pool for `url`; connections open lazily, on first use.
    pub(crate) fn connect_lazy(
        backend: Backend,
        url: &DatabaseUrl,
        pool: &PoolConfig,
        label: &str,
        instrument: Arc<Instrument>,
    ) -> Result<Engine, sqlx::Error> {
        let health = Arc::new(Health::new());
        let kind = match backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite => Kind::Sqlite(SqlxDriver::connect_lazy(url, pool, &health)?),
            #[cfg(feature = "postgres")]
            Backend::Postgres => Kind::Postgres(SqlxDriver::connect_lazy(url, pool, &health)?),
            #[cfg(feature = "mysql")]
            Backend::MySql => Kind::MySql(SqlxDriver::connect_lazy(url, pool, &health)?),
            #[cfg(not(all(feature = "sqlite", feature = "postgres", feature = "mysql")))]
            other => {
                return Err(sqlx::Error::Configuration(
                    absent::not_compiled(other).into(),
                ));
            }
        };
        Ok(Engine {
            kind,
            label: label.into(),
            instrument,
            health,
        })
    }

    pub(crate) fn dialect(&self) -> &'static dyn Dialect {
        dispatch!(self, d => d.dialect())
    }

    /// Runs a `SELECT` and decodes every row into `M`; runs it once more on another connection
    /// when the first one turned out dead (a read that never reached the server is safe to
    /// repeat).
    pub(crate) async fn read_all<M: ColumnGroup>(
        &self,
        sql: &str,
        args: &[Value],
        expect: Expect,
    ) -> Result<Vec<M>, DriverError> {
        let mut rows = Collect::new(expect);
        self.read_into(sql, args, &mut rows).await?;
        Ok(rows.rows)
    }

    async fn fetch_into(
        &self,
        sql: &str,
        args: &[Value],
        sink: &mut dyn RowSink,
    ) -> Result<(), DriverError> {
        watched!(
            self,
            sql,
            args,
            dispatch!(self, d => d.fetch_into(sql, args, sink).await)
        )
    }

    async fn read_into(
        &self,
        sql: &str,
        args: &[Value],
        sink: &mut dyn RowSink,
    ) -> Result<(), DriverError> {
        let result = self.fetch_into(sql, args, sink).await;
        if lost(&result) {
            sink.clear();
            return self.fetch_into(sql, args, sink).await;
        }
        result
    }

    /// Runs a `SELECT` returning one integer (a count); retried like [`read_all`](Self::read_all).
    pub(crate) async fn fetch_i64(&self, sql: &str, args: &[Value]) -> Result<i64, sqlx::Error> {
        let result = self.fetch_i64_once(sql, args).await;
        if lost(&result) {
            return self.fetch_i64_once(sql, args).await;
        }
        result
    }

    /// Runs a statement returning one integer, once.
    pub(crate) async fn fetch_i64_once(
        &self,
        sql: &str,
        args: &[Value],
    ) -> Result<i64, sqlx::Error> {
        watched!(
            self,
            sql,
            args,
            dispatch!(self, d => d.fetch_i64(sql, args).await)
        )
    }

    pub(crate) async fn execute(
        &self,
        sql: &str,
        args: Vec<Value>,
    ) -> Result<Executed, sqlx::Error> {
        watched!(
            self,
            sql,
            owned args,
            dispatch!(self, d => d.execute(sql, args).await)
        )
    }

    /// Statements of one transaction, recorded as one entry (SQL joined by `;`).
    pub(crate) async fn execute_all(
        &self,
        statements: &mut Statements<'_>,
    ) -> Result<u64, sqlx::Error> {
        let started = self.instrument.start();
        // What the record shows: each statement as it is handed over.
        let mut kept = started.as_ref().map(|_| (Vec::new(), Vec::new()));
        let mut recorded = statements.inspect(|(sql, args)| {
            if let Some((texts, values)) = kept.as_mut() {
                texts.push(sql.clone());
                values.extend(args.iter().cloned());
            }
        });
        let result = dispatch!(self, d => d.execute_all(&mut recorded).await);
        if let Some((texts, args)) = kept {
            let sql = texts.join(";\n");
            self.instrument
                .finish(started, &self.label, &sql, &args, result.is_ok());
        }
        result
    }

    /// Runs a catalog query returning one text column; retried like [`read_all`](Self::read_all).
    pub(crate) async fn fetch_strings(&self, sql: &str) -> Result<Vec<String>, sqlx::Error> {
        let once = || async {
            watched!(
                self,
                sql,
                &[],
                dispatch!(self, d => d.fetch_strings(sql).await)
            )
        };
        let result = once().await;
        if lost(&result) {
            return once().await;
        }
        result
    }

    /// A DDL script, recorded as one entry (statements joined by `;`).
    pub(crate) async fn run_script(
        &self,
        statements: &[String],
        transactional: bool,
    ) -> Result<(), ScriptError> {
        let started = self.instrument.start();
        let result = dispatch!(self, d => d.run_script(statements, transactional).await);
        if started.is_some() {
            self.instrument.finish(
                started,
                &self.label,
                &statements.join(";\n"),
                &[],
                result.is_ok(),
            );
        }
        result
    }

    pub(crate) async fn close(&self) {
        dispatch!(self, d => d.close().await)
    }

    /// Opens a transaction on a pooled connection.
    pub(crate) async fn begin(&self) -> Result<EngineTx, sqlx::Error> {
        let started = self.instrument.start();
        let kind = match &self.kind {
            #[cfg(feature = "sqlite")]
            Kind::Sqlite(d) => d.begin().await.map(TxKind::Sqlite),
            #[cfg(feature = "postgres")]
            Kind::Postgres(d) => d.begin().await.map(TxKind::Postgres),
            #[cfg(feature = "mysql")]
            Kind::MySql(d) => d.begin().await.map(TxKind::MySql),
        };
        if let Err(error) = &kind {
            self.health.observe(error);
        }
        self.instrument
            .finish(started, &self.label, "BEGIN", &[], kind.is_ok());
        Ok(EngineTx {
            kind: kind?,
            label: self.label.clone(),
            instrument: self.instrument.clone(),
            health: self.health.clone(),
        })
    }
}

/// What one sqlx backend brings to [`SqlxDriver`].
pub(crate) trait SqlxBackend: Send + Sync + 'static {
    /// The sqlx database, whose rows every model decodes through.
    type Db: Database<Row: RowReader>;
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
    ) -> Result<<<Self::Db as Database>::Connection as Connection>::Options, sqlx::Error>;
    /// Pool settings adjusted to the backend (SQLite: no pinging, one connection in memory).
    fn adjust_pool(config: PoolConfig, _url: &DatabaseUrl) -> PoolConfig {
        config
    }
    /// The values bound as sqlx arguments.
    fn arguments(args: &[Value]) -> Result<<Self::Db as Database>::Arguments, sqlx::Error>;
    /// The same, taking the values: a backend whose arguments own their text (SQLite) moves
    /// it instead of copying it.
    fn arguments_owned(args: Vec<Value>) -> Result<<Self::Db as Database>::Arguments, sqlx::Error> {
        Self::arguments(&args)
    }
    /// What a write reported (sqlx has no common trait for it).
    fn executed(result: &<Self::Db as Database>::QueryResult) -> Executed;
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

/// A statement with its arguments, as sqlx runs it.
macro_rules! statement {
    ($sql:expr, $args:expr) => {
        sqlx::query_with::<B::Db, _>(sqlx::AssertSqlSafe($sql), B::arguments($args)?)
    };
}

/// Runs one write statement on a checked-out connection.
async fn run_execute<B: SqlxBackend>(
    conn: &mut Pooled<B>,
    sql: &str,
    args: Vec<Value>,
) -> Result<Executed, sqlx::Error>
where
    for<'c> &'c mut RawConn<B>: Executor<'c, Database = B::Db>,
    for<'a> <B::Db as Database>::Arguments: IntoArguments<B::Db>,
{
    let statement =
        sqlx::query_with::<B::Db, _>(sqlx::AssertSqlSafe(sql), B::arguments_owned(args)?);
    let result = statement.execute(conn.start()?).await;
    conn.finish(&result);
    Ok(B::executed(&result?))
}

/// Runs a query on a checked-out connection, handing each row to `sink`.
async fn run_fetch_into<B: SqlxBackend>(
    conn: &mut Pooled<B>,
    sql: &str,
    args: &[Value],
    sink: &mut dyn RowSink,
) -> Result<(), DriverError>
where
    for<'c> &'c mut RawConn<B>: Executor<'c, Database = B::Db>,
    for<'a> <B::Db as Database>::Arguments: IntoArguments<B::Db>,
{
    let statement = statement!(sql, args);
    let result = match sink.expect() {
        Expect::Rows => feed_rows::<B>(statement.fetch(conn.start()?), sink).await,
        Expect::AtMostOne => match statement.fetch_optional(conn.start()?).await {
            Ok(Some(row)) => sink.accept(&row).map_err(DriverError::Decode),
            Ok(None) => Ok(()),
            Err(error) => Err(error.into()),
        },
    };
    conn.finish(&result);
    result
}

/// Runs a statement returning one integer in its first row's first column.
async fn run_fetch_i64<B: SqlxBackend>(
    conn: &mut Pooled<B>,
    sql: &str,
    args: &[Value],
) -> Result<i64, sqlx::Error>
where
    for<'c> &'c mut RawConn<B>: Executor<'c, Database = B::Db>,
    for<'a> <B::Db as Database>::Arguments: IntoArguments<B::Db>,
    i64: for<'r> sqlx::Decode<'r, B::Db> + sqlx::Type<B::Db>,
    usize: sqlx::ColumnIndex<<B::Db as Database>::Row>,
{
    let statement = statement!(sql, args);
    let result = statement.fetch_one(conn.start()?).await;
    conn.finish(&result);
    result?.try_get::<i64, usize>(0)
}

/// Runs a statement without arguments (BEGIN, DDL) on a checked-out connection.
async fn run_plain<B: SqlxBackend>(conn: &mut Pooled<B>, sql: &str) -> Result<(), sqlx::Error>
where
    for<'c> &'c mut RawConn<B>: Executor<'c, Database = B::Db>,
{
    let result = conn.start()?.execute(sqlx::AssertSqlSafe(sql)).await;
    conn.finish(&result);
    result.map(drop)
}

/// Runs DDL text, one or several statements, unprepared: sqlx would otherwise keep each
/// statement of a `create_all` in the connection's statement cache, evicting the queries that
/// are run again.
async fn run_raw<B: SqlxBackend>(
    conn: &mut Pooled<B>,
    sql: impl sqlx::SqlSafeStr,
) -> Result<(), sqlx::Error>
where
    for<'c> &'c mut RawConn<B>: Executor<'c, Database = B::Db>,
{
    let result = sqlx::raw_sql(sql).execute(conn.start()?).await;
    conn.finish(&result);
    result.map(drop)
}

/// Runs COMMIT or ROLLBACK; the transaction counts as ended only when it succeeded, so a
/// connection whose COMMIT failed is rolled back before reuse.
async fn end_transaction<B: SqlxBackend>(
    conn: &mut Pooled<B>,
    sql: &'static str,
) -> Result<(), sqlx::Error>
where
    for<'c> &'c mut RawConn<B>: Executor<'c, Database = B::Db>,
{
    run_plain(conn, sql).await?;
    conn.set_in_transaction(false);
    Ok(())
}

/// The pool's way to roll back a connection it gets back with a transaction open.
fn rollback<B: SqlxBackend>(conn: &mut RawConn<B>) -> BoxFuture<'_, Result<(), sqlx::Error>>
where
    for<'c> &'c mut RawConn<B>: Executor<'c, Database = B::Db>,
{
    Box::pin(async move { conn.execute("ROLLBACK").await.map(drop) })
}

/// How long the server of a new connection lets it sit idle, in milliseconds from
/// [`SqlxBackend::IDLE_LIMIT_MS`]; `None` when it has no limit (0) or the backend none.
fn server_idle_limit<B: SqlxBackend>(
    conn: &mut RawConn<B>,
) -> BoxFuture<'_, Result<Option<std::time::Duration>, sqlx::Error>>
where
    for<'c> &'c mut RawConn<B>: Executor<'c, Database = B::Db>,
    for<'a> <B::Db as Database>::Arguments: IntoArguments<B::Db>,
    i64: for<'r> sqlx::Decode<'r, B::Db> + sqlx::Type<B::Db>,
    usize: sqlx::ColumnIndex<<B::Db as Database>::Row>,
{
    Box::pin(async move {
        let Some(sql) = B::IDLE_LIMIT_MS else {
            return Ok(None);
        };
        let row = sqlx::query::<B::Db>(sqlx::AssertSqlSafe(sql))
            .fetch_optional(conn)
            .await?;
        let ms = match row {
            Some(row) => row.try_get::<Option<i64>, usize>(0)?,
            None => None,
        };
        Ok(ms
            .and_then(|ms| u64::try_from(ms).ok())
            .filter(|ms| *ms > 0)
            .map(std::time::Duration::from_millis))
    })
}

impl<B: SqlxBackend> SqlxDriver<B>
where
    for<'c> &'c mut RawConn<B>: Executor<'c, Database = B::Db>,
    for<'a> <B::Db as Database>::Arguments: IntoArguments<B::Db>,
    i64: for<'r> sqlx::Decode<'r, B::Db> + sqlx::Type<B::Db>,
    usize: sqlx::ColumnIndex<<B::Db as Database>::Row>,
{
    fn connect_lazy(
        url: &DatabaseUrl,
        config: &PoolConfig,
        health: &Arc<Health>,
    ) -> Result<Self, sqlx::Error> {
        let connect = B::connect_options(url)?;
        let config = B::adjust_pool(config.clone(), url);
        Ok(SqlxDriver {
            pool: Pool::new(
                SqlxManager::new(connect, rollback::<B>, server_idle_limit::<B>),
                config.clone(),
                config.recycle_for(B::BACKEND),
                health.clone(),
            ),
            dialect: B::dialect(url),
        })
    }

    /// Runs a transactional script as one multi-statement string: one round trip (one
    /// hand-off to SQLite's worker thread) instead of one per statement, which is most of what
    /// `create_all` of many small tables costs when the server is near. `Ok(false)` when the
    /// script failed and was rolled back: sqlx does not say which statement of a string
    /// failed, so the caller runs the statements again one by one to name it.
    async fn run_batch(&self, statements: &[String]) -> Result<bool, ScriptError> {
        let mut conn = self.begin().await.map_err(|source| ScriptError {
            stage: ScriptStage::Connecting,
            source,
        })?;
        if run_raw(&mut conn, sqlx::AssertSqlSafe(statements.join(";\n")))
            .await
            .is_err()
        {
            // A failed ROLLBACK leaves the connection marked in a transaction, so the pool
            // rolls it back or closes it; the statement-by-statement run uses another.
            let _ = end_transaction(&mut conn, "ROLLBACK").await;
            return Ok(false);
        }
        end_transaction(&mut conn, "COMMIT")
            .await
            .map_err(|source| ScriptError {
                stage: ScriptStage::Committing,
                source,
            })?;
        Ok(true)
    }

    /// A transaction on a pooled connection, opened the backend's way. BEGIN changes nothing,
    /// so when its connection turns out dead (closed by the server while idle) it is run
    /// again, once, on another connection.
    async fn begin(&self) -> Result<Pooled<B>, sqlx::Error> {
        let begin = self.dialect.begin_transaction();
        let mut conn = self.pool.acquire().await?;
        if let Err(error) = run_plain(&mut conn, begin).await {
            if !is_connection_lost(&error) {
                return Err(error);
            }
            self.pool.saw_lost_connection(&error);
            drop(conn);
            conn = self.pool.acquire().await?;
            run_plain(&mut conn, begin).await?;
        }
        conn.set_in_transaction(true);
        Ok(conn)
    }
}

impl<B: SqlxBackend> Driver for SqlxDriver<B>
where
    for<'c> &'c mut RawConn<B>: Executor<'c, Database = B::Db>,
    for<'a> <B::Db as Database>::Arguments: IntoArguments<B::Db>,
    String: for<'r> sqlx::Decode<'r, B::Db> + sqlx::Type<B::Db>,
    i64: for<'r> sqlx::Decode<'r, B::Db> + sqlx::Type<B::Db>,
    usize: sqlx::ColumnIndex<<B::Db as Database>::Row>,
{
    fn dialect(&self) -> &'static dyn Dialect {
        self.dialect
    }

    async fn fetch_into(
        &self,
        sql: &str,
        args: &[Value],
        sink: &mut dyn RowSink,
    ) -> Result<(), DriverError> {
        let mut conn = self.pool.acquire().await?;
        run_fetch_into(&mut conn, sql, args, sink).await
    }

    async fn execute(&self, sql: &str, args: Vec<Value>) -> Result<Executed, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        run_execute(&mut conn, sql, args).await
    }

    async fn execute_all(&self, statements: &mut Statements<'_>) -> Result<u64, sqlx::Error> {
        let mut conn = self.begin().await?;
        let mut affected = 0;
        for (sql, args) in statements {
            match run_execute(&mut conn, &sql, args).await {
                Ok(executed) => affected += executed.rows_affected,
                Err(error) => {
                    // Roll back here rather than leave it to the pool, so the caller sees the
                    // transaction gone when the error arrives.
                    let _ = end_transaction(&mut conn, "ROLLBACK").await;
                    return Err(error);
                }
            }
        }
        end_transaction(&mut conn, "COMMIT").await?;
        Ok(affected)
    }

    async fn fetch_i64(&self, sql: &str, args: &[Value]) -> Result<i64, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        run_fetch_i64(&mut conn, sql, args).await
    }

    async fn fetch_strings(&self, sql: &str) -> Result<Vec<String>, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        let result = sqlx::query::<B::Db>(sqlx::AssertSqlSafe(sql))
            .fetch_all(conn.start()?)
            .await;
        conn.finish(&result);
        result?
            .iter()
            .map(|row| row.try_get::<String, usize>(0))
            .collect()
    }

    async fn run_script(
        &self,
        statements: &[String],
        transactional: bool,
    ) -> Result<(), ScriptError> {
        let fail = |stage| move |source| ScriptError { stage, source };
        if transactional && statements.len() > 1 && self.run_batch(statements).await? {
            return Ok(());
        }
        let mut conn = if transactional {
            self.begin().await
        } else {
            self.pool.acquire().await
        }
        .map_err(fail(ScriptStage::Connecting))?;
        for (i, sql) in statements.iter().enumerate() {
            if let Err(source) = run_raw(&mut conn, sqlx::AssertSqlSafe(sql.as_str())).await {
                if transactional {
                    // Dropping the connection would roll back too; here the caller sees it done.
                    let _ = end_transaction(&mut conn, "ROLLBACK").await;
                }
                return Err(fail(ScriptStage::Statement(i))(source));
            }
        }
        if transactional {
            end_transaction(&mut conn, "COMMIT")
                .await
                .map_err(fail(ScriptStage::Committing))?;
        }
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

/// Binds one borrowed [`Value`] (`$value: &Value`) to `$out` as the sqlx type it holds; the
/// backends differ only in how a NULL is bound, which the caller gives as `|ty| expr`, and in
/// how an array is (`|ty, elements| expr`; PostgreSQL alone has array parameters).
macro_rules! bind_value {
    ($out:ident, $value:expr, |$ty:pat_param| $null:expr, |$aty:pat_param, $elements:pat_param| $array:expr) => {{
        use crate::value::Value;
        use sqlx::Arguments as _;
        match $value {
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
            Value::Array($aty, $elements) => $array,
        }
    }};
}
use bind_value;

/// The body of `SqlxBackend::arguments`: every [`Value`] of `$values` (a slice) bound with
/// [`bind_value!`].
macro_rules! bind_values {
    ($arguments:ty, $values:expr, |$out:ident, $ty:pat_param| $null:expr, |$aty:pat_param, $elements:pat_param| $array:expr) => {{
        let mut $out = <$arguments>::default();
        for value in $values {
            crate::driver::bind_value!($out, value, |$ty| $null, |$aty, $elements| $array)
                .map_err(sqlx::Error::Encode)?;
        }
        Ok($out)
    }};
}
use bind_values;

/// The error of binding a [`Value::Array`] on a backend without array parameters.
#[cfg(any(feature = "sqlite", feature = "mysql"))]
fn no_array_parameters(backend: &str) -> sqlx::error::BoxDynError {
    format!(
        "{backend} has no array parameters: a Value::Array binds only on PostgreSQL (list the \
         values instead, e.g. with `is_in`)"
    )
    .into()
}

/// `RowReader` for a sqlx row type: the column at `index` decoded by sqlx as the Rust type of
/// its [`SqlType`](crate::SqlType), as an `Option` when nullable, so each backend applies its
/// own type rules and NULL checks.
macro_rules! row_reader {
    ($row:ty) => {
        impl crate::row::RowReader for $row {
            fn value(
                &self,
                index: usize,
                ty: crate::sql_type::SqlType,
                nullable: bool,
            ) -> Result<crate::value::Value, crate::row::DecodeError> {
                use crate::sql_type::SqlType;
                use crate::value::Value;

                fn get<T>(
                    row: &$row,
                    index: usize,
                    ty: SqlType,
                    nullable: bool,
                    wrap: fn(T) -> Value,
                ) -> Result<Value, crate::row::DecodeError>
                where
                    T: for<'r> sqlx::Decode<'r, <$row as sqlx::Row>::Database>
                        + sqlx::Type<<$row as sqlx::Row>::Database>,
                {
                    let value = if nullable {
                        sqlx::Row::try_get::<Option<T>, usize>(row, index)
                            .map(|v| v.map_or(Value::Null(ty), wrap))
                    } else {
                        sqlx::Row::try_get::<T, usize>(row, index).map(wrap)
                    };
                    value.map_err(|e| crate::row::DecodeError::new(index, e))
                }

                match ty {
                    SqlType::SmallInt => get(self, index, ty, nullable, Value::SmallInt),
                    SqlType::Integer => get(self, index, ty, nullable, Value::Int),
                    SqlType::BigInt => get(self, index, ty, nullable, Value::BigInt),
                    SqlType::Real => get(self, index, ty, nullable, Value::Real),
                    SqlType::Double => get(self, index, ty, nullable, Value::Double),
                    SqlType::Boolean => get(self, index, ty, nullable, Value::Bool),
                    SqlType::Text => get(self, index, ty, nullable, Value::Text),
                    SqlType::Blob => get(self, index, ty, nullable, Value::Blob),
                    #[cfg(feature = "chrono")]
                    SqlType::Timestamp => get(self, index, ty, nullable, Value::Timestamp),
                    #[cfg(feature = "chrono")]
                    SqlType::TimestampTz => get(self, index, ty, nullable, Value::TimestampTz),
                    #[cfg(feature = "chrono")]
                    SqlType::Date => get(self, index, ty, nullable, Value::Date),
                    #[cfg(feature = "uuid")]
                    SqlType::Uuid => get(self, index, ty, nullable, Value::Uuid),
                    #[cfg(feature = "json")]
                    SqlType::Json => get(self, index, ty, nullable, Value::Json),
                    // No field type maps to a column type whose feature is off.
                    #[allow(unreachable_patterns)]
                    other => Err(crate::row::DecodeError::new(
                        index,
                        format!("{other:?} columns need model-core's matching cargo feature"),
                    )),
                }
            }
        }
    };
}
use row_reader;
