//! What running a statement can fail with, and what the drivers read out of a failure: whether
//! the connection was lost (so a read may be run again), which constraint a violation names,
//! the server's detail, where a DDL script stopped.

use super::health::is_connection_lost;
use crate::row::DecodeError;

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
        return super::sqlx_driver::postgres::violation(error);
    }
    #[cfg(feature = "mysql")]
    if let Some(error) = error.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        return super::sqlx_driver::mysql::violation(error);
    }
    #[cfg(feature = "sqlite")]
    if let Some(error) = error.try_downcast_ref::<super::sqlite::SqliteError>() {
        return super::sqlite::violation(error);
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
pub(crate) trait SqlxCause {
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
pub(crate) fn lost_connection<T, E: SqlxCause>(result: &Result<T, E>) -> bool {
    matches!(result, Err(e) if e.sqlx_cause().is_some_and(is_connection_lost))
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
