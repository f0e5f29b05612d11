//! SQLite through sqlx. An in-memory database lives in a single connection that is never
//! closed: each new connection to `sqlite::memory:` would see its own empty database.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    Sqlite, SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqliteQueryResult, SqliteRow,
    SqliteSynchronous,
};

use super::{Executed, SqlxBackend, bind_value, bind_values, no_array_parameters, row_reader};
use crate::dialect::{Dialect, SqliteDialect};
use crate::driver::{PoolConfig, PrePing};
use crate::url::{Backend, DatabaseUrl};
use crate::value::Value;

row_reader!(SqliteRow, decimal: decimal_from_text);

#[derive(Debug)]
pub(crate) struct SqliteBackend;

impl SqlxBackend for SqliteBackend {
    type Db = Sqlite;
    const BACKEND: Backend = Backend::Sqlite;
    /// sqlx runs each SQLite statement on the connection's worker thread, which resets it when
    /// its rows are no longer wanted; and an in-memory database lives only in its connection.
    const REUSABLE_AFTER_CANCEL: bool = true;
    fn dialect(_url: &DatabaseUrl) -> &'static dyn Dialect {
        &SqliteDialect
    }

    fn connect_options(url: &DatabaseUrl) -> Result<SqliteConnectOptions, sqlx::Error> {
        let (rest, pragmas) = split_pragmas(url.expose());
        let mut options = SqliteConnectOptions::from_str(&rest)?
            // A file that does not exist yet is created, as Flask-SQLAlchemy does.
            .create_if_missing(true)
            .foreign_keys(true);
        for (key, value) in pragmas {
            options = apply_pragma(options, key, value)?;
        }
        Ok(options)
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
        refuse_nan(args)?;
        bind_values!(
            SqliteArguments,
            args,
            null: |out, _| out.add(None::<i64>),
            array: |_, _| Err(no_array_parameters("SQLite")),
            label: |_, label| out.add(*label),
            decimal: |v| out.add(v.to_string()),
        )
    }

    /// sqlx's SQLite arguments own their text and blobs (a borrowed `&str` is copied into a
    /// new `String`), so handed-over values are moved in.
    fn arguments_owned(args: Vec<Value>) -> Result<SqliteArguments, sqlx::Error> {
        use sqlx::Arguments as _;
        refuse_nan(&args)?;
        let mut out = SqliteArguments::default();
        for value in args {
            let added = match value {
                Value::Text(text) => out.add(text),
                Value::Blob(bytes) => out.add(bytes),
                other => bind_value!(
                    out, &other,
                    null: |_| out.add(None::<i64>),
                    array: |_, _| Err(no_array_parameters("SQLite")),
                    label: |_, label| out.add(*label),
                    decimal: |v| out.add(v.to_string()),
                ),
            };
            added.map_err(sqlx::Error::Encode)?;
        }
        Ok(out)
    }

    fn executed(result: &SqliteQueryResult) -> Executed {
        Executed {
            rows_affected: result.rows_affected(),
            last_insert_id: Some(result.last_insert_rowid()),
        }
    }
}

/// A decimal column's value as SQLite keeps it (an INTEGER or REAL under NUMERIC affinity, or
/// the text of a wider one), read through its text form, which is exact for both.
#[cfg(feature = "decimal")]
fn decimal_from_text(
    row: &SqliteRow,
    index: usize,
    nullable: bool,
) -> Result<Value, crate::row::DecodeError> {
    use crate::row::DecodeError;
    let text: Option<String> =
        sqlx::Row::try_get_unchecked(row, index).map_err(|e| DecodeError::new(index, e))?;
    let Some(text) = text else {
        return if nullable {
            Ok(Value::Null(crate::sql_type::SqlType::Decimal))
        } else {
            Err(DecodeError::new(
                index,
                "unexpected NULL in a NOT NULL decimal column",
            ))
        };
    };
    let text = text.trim();
    rust_decimal::Decimal::from_str_exact(text)
        .or_else(|_| rust_decimal::Decimal::from_scientific(text))
        .map(Value::Decimal)
        .map_err(|e| {
            DecodeError::new(
                index,
                format!("the stored value {text:?} is not a decimal: {e}"),
            )
        })
}

/// SQLite binds NaN as NULL: refused, rather than a NOT NULL error that points elsewhere, or
/// a nullable column that silently reads back None.
fn refuse_nan(args: &[Value]) -> Result<(), sqlx::Error> {
    if args.iter().any(Value::is_nan) {
        return Err(sqlx::Error::Encode(
            "SQLite cannot store or compare NaN (it would become NULL)".into(),
        ));
    }
    Ok(())
}

/// Query parameters that set a per-connection pragma. sqlx's URL parser refuses them, but they
/// belong in the URL: a deployment switches a file database to WAL by changing `DATABASE_URL`.
const PRAGMA_PARAMS: [&str; 3] = ["journal_mode", "synchronous", "busy_timeout"];

/// Splits the pragma parameters off a SQLite URL; the rest goes to sqlx unchanged.
fn split_pragmas(url: &str) -> (String, Vec<(&str, &str)>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_owned(), Vec::new());
    };
    let mut kept = Vec::new();
    let mut pragmas = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if PRAGMA_PARAMS.contains(&key) {
            pragmas.push((key, value));
        } else {
            kept.push(pair);
        }
    }
    let rest = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    (rest, pragmas)
}

fn apply_pragma(
    options: SqliteConnectOptions,
    key: &str,
    value: &str,
) -> Result<SqliteConnectOptions, sqlx::Error> {
    let invalid = |expected: &str| {
        sqlx::Error::Configuration(
            format!("invalid value {value:?} for `{key}` in the SQLite URL; expected {expected}")
                .into(),
        )
    };
    Ok(match key {
        "journal_mode" => options.journal_mode(
            SqliteJournalMode::from_str(value)
                .map_err(|_| invalid("delete, truncate, persist, memory, wal or off"))?,
        ),
        "synchronous" => options.synchronous(
            SqliteSynchronous::from_str(value)
                .map_err(|_| invalid("off, normal, full or extra"))?,
        ),
        _ => options.busy_timeout(Duration::from_millis(
            value
                .parse()
                .map_err(|_| invalid("a number of milliseconds"))?,
        )),
    })
}

/// What SQLite reports about a violated constraint, read from its message:
/// `UNIQUE constraint failed: user.a, user.b`, `NOT NULL constraint failed: user.name`,
/// `CHECK constraint failed: positive_price`; `FOREIGN KEY constraint failed` names nothing.
pub(crate) fn violation(error: &sqlx::sqlite::SqliteError) -> crate::driver::Reported {
    use sqlx::error::DatabaseError;
    let message = error.message();
    let mut reported = crate::driver::Reported::default();
    let Some((head, rest)) = message.split_once(" constraint failed: ") else {
        return reported;
    };
    if head == "CHECK" {
        reported.constraint = Some(rest.to_owned());
        return reported;
    }
    for qualified in rest.split(", ") {
        if let Some((table, column)) = qualified.split_once('.') {
            reported.table = Some(table.to_owned());
            reported.columns.push(column.to_owned());
        }
    }
    reported
}

#[cfg(test)]
mod tests {
    use super::split_pragmas;

    #[test]
    fn pragma_parameters_are_split_off_and_the_rest_kept() {
        assert_eq!(
            split_pragmas("sqlite://app.db?mode=rwc&journal_mode=wal&synchronous=normal"),
            (
                "sqlite://app.db?mode=rwc".to_owned(),
                vec![("journal_mode", "wal"), ("synchronous", "normal")]
            )
        );
        assert_eq!(
            split_pragmas("sqlite::memory:"),
            ("sqlite::memory:".to_owned(), vec![])
        );
        assert_eq!(
            split_pragmas("sqlite://a.db?busy_timeout=250"),
            ("sqlite://a.db".to_owned(), vec![("busy_timeout", "250")])
        );
    }
}
