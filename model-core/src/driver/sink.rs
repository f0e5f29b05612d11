//! Handing rows to the code that decodes them. The code that runs a statement and streams its
//! rows is compiled once per backend, inside this crate; only a [`RowSink`] (a few lines) is
//! compiled for each model, which keeps what every `#[derive(Model)]` struct adds to a user's
//! build small.

#[cfg(feature = "mysql")]
use sqlx::mysql::MySqlRow;
#[cfg(feature = "postgres")]
use sqlx::postgres::PgRow;
#[cfg(feature = "sqlite")]
use sqlx::sqlite::SqliteRow;

use crate::model::ColumnGroup;
use crate::row::DecodeError;

/// Receives the rows of one query, each as its backend's own row type.
pub(crate) trait RowSink: Send {
    #[cfg(feature = "sqlite")]
    fn sqlite(&mut self, row: &SqliteRow) -> Result<(), DecodeError>;
    #[cfg(feature = "postgres")]
    fn postgres(&mut self, row: &PgRow) -> Result<(), DecodeError>;
    #[cfg(feature = "mysql")]
    fn mysql(&mut self, row: &MySqlRow) -> Result<(), DecodeError>;
    /// Forgets the rows received so far, before a read is run again.
    fn clear(&mut self);
}

/// Decodes every row into `M`, by position, and keeps it.
pub(crate) struct Collect<M>(pub(crate) Vec<M>);

impl<M: ColumnGroup> RowSink for Collect<M> {
    #[cfg(feature = "sqlite")]
    fn sqlite(&mut self, row: &SqliteRow) -> Result<(), DecodeError> {
        self.0.push(M::decode_at(row, 0)?);
        Ok(())
    }

    #[cfg(feature = "postgres")]
    fn postgres(&mut self, row: &PgRow) -> Result<(), DecodeError> {
        self.0.push(M::decode_at(row, 0)?);
        Ok(())
    }

    #[cfg(feature = "mysql")]
    fn mysql(&mut self, row: &MySqlRow) -> Result<(), DecodeError> {
        self.0.push(M::decode_at(row, 0)?);
        Ok(())
    }

    fn clear(&mut self) {
        self.0.clear();
    }
}
