//! SQLite's errors as the rest of the crate reads a database error: an [`SqliteError`] inside
//! `sqlx::Error::Database`, with the extended result code as its code and the constraint kind
//! read from it, so violations, messages and retries work as on the other backends.

use std::borrow::Cow;
use std::fmt;

use rusqlite::ffi;
use sqlx::error::{DatabaseError, ErrorKind};

use crate::driver::Reported;

/// An error SQLite returned: its extended result code and message.
#[derive(Debug)]
pub(crate) struct SqliteError {
    code: i32,
    message: String,
}

impl fmt::Display for SqliteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SqliteError {}

impl DatabaseError for SqliteError {
    fn message(&self) -> &str {
        &self.message
    }

    /// The extended result code, as sqlx's SQLite driver reported it (`2067` for a UNIQUE
    /// constraint).
    fn code(&self) -> Option<Cow<'_, str>> {
        Some(self.code.to_string().into())
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        match self.code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                ErrorKind::UniqueViolation
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => ErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}

/// `error` as the crate's database error.
pub(crate) fn from_rusqlite(error: rusqlite::Error) -> sqlx::Error {
    match error {
        rusqlite::Error::SqliteFailure(failure, message) => {
            let message = message.unwrap_or_else(|| failure.to_string());
            sqlx::Error::Database(Box::new(SqliteError {
                code: failure.extended_code,
                message,
            }))
        }
        rusqlite::Error::InvalidParameterCount(given, wanted) => sqlx::Error::InvalidArgument(
            format!("the statement has {wanted} parameters but {given} values were given"),
        ),
        rusqlite::Error::MultipleStatement => sqlx::Error::InvalidArgument(
            "one statement was expected, the SQL holds several (run them one at a time)".to_owned(),
        ),
        rusqlite::Error::Utf8Error(_, e) => sqlx::Error::Decode(Box::new(e)),
        other => sqlx::Error::AnyDriverError(Box::new(other)),
    }
}

/// The extended result code of an error SQLite returned.
pub(super) fn code_of(error: &sqlx::Error) -> Option<i32> {
    match error {
        sqlx::Error::Database(db) => db.try_downcast_ref::<SqliteError>().map(|e| e.code),
        _ => None,
    }
}

/// Whether SQLite refused for a lock another connection holds, so running the statement again
/// later may succeed (not a stale WAL snapshot, which no wait cures; not a table locked within
/// this connection).
pub(super) fn is_busy(error: &sqlx::Error) -> bool {
    code_of(error)
        .is_some_and(|code| code != ffi::SQLITE_BUSY_SNAPSHOT && code & 0xff == ffi::SQLITE_BUSY)
}

/// Whether the statement was stopped by the time budget of the caller's thread.
pub(super) fn is_interrupted(error: &sqlx::Error) -> bool {
    code_of(error).is_some_and(|code| code & 0xff == ffi::SQLITE_INTERRUPT)
}

/// What SQLite reports about a violated constraint, read from its message:
/// `UNIQUE constraint failed: user.a, user.b`, `NOT NULL constraint failed: user.name`,
/// `CHECK constraint failed: positive_price`; `FOREIGN KEY constraint failed` names nothing.
pub(crate) fn violation(error: &SqliteError) -> Reported {
    let mut reported = Reported::default();
    let Some((head, rest)) = error.message.split_once(" constraint failed: ") else {
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
