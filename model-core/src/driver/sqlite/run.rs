//! The statements of [`Connection`](crate::driver::connection::Connection) on a checked-out
//! SQLite connection: each marks the connection busy before it starts and clean once its
//! outcome is seen (`Pooled::begin_statement` / `end_statement`), as every driver does, so a
//! caller dropped while a statement waits (for a lock, or on a blocking thread) never leaves a
//! connection that looks ready.

use super::Pooled;
use crate::driver::DriverError;
use crate::driver::executed::Executed;
use crate::driver::sink::{self, RowCount, RowSink};
use crate::sql_type::SqlType;
use crate::value::Value;

/// Runs one write statement.
pub(crate) async fn execute(
    conn: &mut Pooled,
    sql: &str,
    args: Vec<Value>,
) -> Result<Executed, sqlx::Error> {
    let result = conn.begin_statement()?.execute(sql, args).await;
    conn.end_statement(&result);
    result
}

/// Runs a query, handing each row to `sink`.
pub(crate) async fn fetch_into(
    conn: &mut Pooled,
    sql: &str,
    args: &[Value],
    sink: &mut dyn RowSink,
) -> Result<(), DriverError> {
    let result = conn.begin_statement()?.fetch_into(sql, args, sink).await;
    conn.end_statement(&result);
    result
}

/// Runs a statement returning one integer in its first row's first column.
pub(crate) async fn fetch_i64(
    conn: &mut Pooled,
    sql: &str,
    args: &[Value],
) -> Result<i64, sqlx::Error> {
    let mut first = sink::collect(RowCount::AtMostOne, |row| {
        row.value(0, SqlType::BigInt, false)
    });
    fetch_into(conn, sql, args, &mut first)
        .await
        .map_err(into_sqlx)?;
    match first.rows.pop() {
        Some(Value::BigInt(n)) => Ok(n),
        _ => Err(sqlx::Error::RowNotFound),
    }
}

/// Runs a query returning one text column, e.g. a catalog listing.
pub(crate) async fn fetch_strings(
    conn: &mut Pooled,
    sql: &str,
) -> Result<Vec<String>, sqlx::Error> {
    let mut texts = sink::collect(RowCount::All, |row| row.value(0, SqlType::Text, false));
    fetch_into(conn, sql, &[], &mut texts)
        .await
        .map_err(into_sqlx)?;
    Ok(texts
        .rows
        .into_iter()
        .filter_map(|value| match value {
            Value::Text(text) => Some(text),
            _ => None,
        })
        .collect())
}

/// Runs SQL text without values: DDL, one statement or several, or a transaction's control.
pub(crate) async fn unprepared(conn: &mut Pooled, sql: &str) -> Result<(), sqlx::Error> {
    let result = conn.begin_statement()?.run_script(sql).await;
    conn.end_statement(&result);
    result
}

/// Runs COMMIT or ROLLBACK; the transaction counts as ended only when it succeeded, so a
/// connection whose COMMIT failed is rolled back before reuse.
pub(crate) async fn end_transaction(
    conn: &mut Pooled,
    sql: &'static str,
) -> Result<(), sqlx::Error> {
    unprepared(conn, sql).await?;
    conn.set_in_transaction(false);
    Ok(())
}

/// A decode failure of a one-column answer as a database error, as sqlx reported it.
fn into_sqlx(error: DriverError) -> sqlx::Error {
    match error {
        DriverError::Sql(error) => error,
        DriverError::Decode(error) => sqlx::Error::Decode(error.into_source()),
    }
}
