//! Running one statement on a checked-out sqlx connection, generic over the backend: the
//! connection is marked busy before the first await and clean only once the statement is
//! done (`Pooled::begin_statement` / `end_statement`), so a statement cut midway never leaves
//! a connection that looks ready.

use futures_util::future::BoxFuture;
use sqlx::{Executor, IntoArguments, Row};

use super::manager::RawConn;
use super::{Pooled, SqlxBackend};
use crate::driver::error::DriverError;
use crate::driver::executed::Executed;
use crate::driver::sink::{RowCount, RowSink};
use crate::value::Value;

/// A statement with its arguments, as sqlx runs it.
macro_rules! statement {
    ($sql:expr, $args:expr) => {
        sqlx::query_with::<B::Db, _>(sqlx::AssertSqlSafe($sql), B::arguments($args)?)
    };
}

/// Runs one write statement on a checked-out connection.
pub(crate) async fn execute<B: SqlxBackend>(
    conn: &mut Pooled<B>,
    sql: &str,
    args: Vec<Value>,
) -> Result<Executed, sqlx::Error>
where
    for<'c> &'c mut RawConn<B>: Executor<'c, Database = B::Db>,
    for<'a> <B::Db as sqlx::Database>::Arguments: IntoArguments<B::Db>,
{
    let statement =
        sqlx::query_with::<B::Db, _>(sqlx::AssertSqlSafe(sql), B::arguments_owned(args)?);
    let result = statement.execute(conn.begin_statement()?).await;
    conn.end_statement(&result);
    Ok(B::executed(&result?))
}

/// Runs a query on a checked-out connection, handing each row to `sink`.
pub(crate) async fn fetch_into<B: SqlxBackend>(
    conn: &mut Pooled<B>,
    sql: &str,
    args: &[Value],
    sink: &mut dyn RowSink,
) -> Result<(), DriverError>
where
    for<'c> &'c mut RawConn<B>: Executor<'c, Database = B::Db>,
    for<'a> <B::Db as sqlx::Database>::Arguments: IntoArguments<B::Db>,
{
    let statement = statement!(sql, args);
    let result = match sink.wanted() {
        RowCount::All => feed_rows::<B>(statement.fetch(conn.begin_statement()?), sink).await,
        RowCount::AtMostOne => match statement.fetch_optional(conn.begin_statement()?).await {
            Ok(Some(row)) => sink.accept(&row).map_err(DriverError::Decode),
            Ok(None) => Ok(()),
            Err(error) => Err(error.into()),
        },
    };
    conn.end_statement(&result);
    result
}

/// Runs a statement returning one integer in its first row's first column.
pub(crate) async fn fetch_i64<B: SqlxBackend>(
    conn: &mut Pooled<B>,
    sql: &str,
    args: &[Value],
) -> Result<i64, sqlx::Error>
where
    for<'c> &'c mut RawConn<B>: Executor<'c, Database = B::Db>,
    for<'a> <B::Db as sqlx::Database>::Arguments: IntoArguments<B::Db>,
    i64: for<'r> sqlx::Decode<'r, B::Db> + sqlx::Type<B::Db>,
    usize: sqlx::ColumnIndex<<B::Db as sqlx::Database>::Row>,
{
    let statement = statement!(sql, args);
    let result = statement.fetch_one(conn.begin_statement()?).await;
    conn.end_statement(&result);
    result?.try_get::<i64, usize>(0)
}

/// Runs a statement without arguments (BEGIN, DDL) on a checked-out connection.
pub(crate) async fn plain<B: SqlxBackend>(
    conn: &mut Pooled<B>,
    sql: &str,
) -> Result<(), sqlx::Error>
where
    for<'c> &'c mut RawConn<B>: Executor<'c, Database = B::Db>,
{
    let result = conn
        .begin_statement()?
        .execute(sqlx::AssertSqlSafe(sql))
        .await;
    conn.end_statement(&result);
    result.map(drop)
}

/// Runs DDL text, one or several statements, unprepared: sqlx would otherwise keep each
/// statement of a `create_all` in the connection's statement cache, evicting the queries that
/// are run again.
pub(crate) async fn unprepared<B: SqlxBackend>(
    conn: &mut Pooled<B>,
    sql: &str,
) -> Result<(), sqlx::Error>
where
    for<'c> &'c mut RawConn<B>: Executor<'c, Database = B::Db>,
{
    let result = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(conn.begin_statement()?)
        .await;
    conn.end_statement(&result);
    result.map(drop)
}

/// Runs COMMIT or ROLLBACK; the transaction counts as ended only when it succeeded, so a
/// connection whose COMMIT failed is rolled back before reuse.
pub(crate) async fn end_transaction<B: SqlxBackend>(
    conn: &mut Pooled<B>,
    sql: &'static str,
) -> Result<(), sqlx::Error>
where
    for<'c> &'c mut RawConn<B>: Executor<'c, Database = B::Db>,
{
    plain(conn, sql).await?;
    conn.set_in_transaction(false);
    Ok(())
}

/// The pool's way to roll back a connection it gets back with a transaction open.
pub(crate) fn rollback<B: SqlxBackend>(
    conn: &mut RawConn<B>,
) -> BoxFuture<'_, Result<(), sqlx::Error>>
where
    for<'c> &'c mut RawConn<B>: Executor<'c, Database = B::Db>,
{
    Box::pin(async move { conn.execute("ROLLBACK").await.map(drop) })
}

/// How long the server of a new connection lets it sit idle, in milliseconds from
/// [`SqlxBackend::IDLE_LIMIT_MS`]; `None` when it has no limit (0) or the backend none.
pub(crate) fn server_idle_limit<B: SqlxBackend>(
    conn: &mut RawConn<B>,
) -> BoxFuture<'_, Result<Option<std::time::Duration>, sqlx::Error>>
where
    for<'c> &'c mut RawConn<B>: Executor<'c, Database = B::Db>,
    for<'a> <B::Db as sqlx::Database>::Arguments: IntoArguments<B::Db>,
    i64: for<'r> sqlx::Decode<'r, B::Db> + sqlx::Type<B::Db>,
    usize: sqlx::ColumnIndex<<B::Db as sqlx::Database>::Row>,
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

/// Hands each row to `sink` as it arrives, so the raw rows are never all held at once (as
/// `fetch_all` would) and each is decoded while its bytes are still in cache.
async fn feed_rows<B: SqlxBackend>(
    mut rows: impl futures_util::Stream<Item = Result<<B::Db as sqlx::Database>::Row, sqlx::Error>>
    + Unpin,
    sink: &mut dyn RowSink,
) -> Result<(), DriverError> {
    use futures_util::TryStreamExt;
    while let Some(row) = rows.try_next().await? {
        sink.accept(&row).map_err(DriverError::Decode)?;
    }
    Ok(())
}

/// Runs a query returning one text column, e.g. a catalog listing.
pub(crate) async fn fetch_strings<B: SqlxBackend>(
    conn: &mut Pooled<B>,
    sql: &str,
) -> Result<Vec<String>, sqlx::Error>
where
    for<'c> &'c mut RawConn<B>: Executor<'c, Database = B::Db>,
    for<'a> <B::Db as sqlx::Database>::Arguments: IntoArguments<B::Db>,
    String: for<'r> sqlx::Decode<'r, B::Db> + sqlx::Type<B::Db>,
    usize: sqlx::ColumnIndex<<B::Db as sqlx::Database>::Row>,
{
    let result = sqlx::query::<B::Db>(sqlx::AssertSqlSafe(sql))
        .fetch_all(conn.begin_statement()?)
        .await;
    conn.end_statement(&result);
    result?
        .iter()
        .map(|row| row.try_get::<String, usize>(0))
        .collect()
}
