//! Handing rows to the code that decodes them. The code that runs a statement and streams its
//! rows is compiled once per backend, inside this crate; only a [`RowSink`] (a few lines, the
//! same for every backend) is compiled for each model, which keeps what every
//! `#[derive(Model)]` struct adds to a user's build small.

use crate::from_row::FromRow;
use crate::model::ColumnGroup;
use crate::row::{DecodeError, RowReader};

/// How many rows the caller of a query wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowCount {
    /// Every row the statement returns.
    All,
    /// At most one (`LIMIT 1`, `INSERT ... RETURNING`): the driver may stop reading after it.
    AtMostOne,
}

impl RowCount {
    /// What a query with this `LIMIT` returns.
    pub(crate) fn for_limit(limit: Option<u64>) -> RowCount {
        if limit == Some(1) {
            RowCount::AtMostOne
        } else {
            RowCount::All
        }
    }
}

/// Receives the rows of one query.
pub(crate) trait RowSink: Send {
    /// How many rows it wants.
    fn wanted(&self) -> RowCount;
    /// Decodes and keeps one row.
    fn accept(&mut self, row: &dyn RowReader) -> Result<(), DecodeError>;
    /// Forgets the rows received so far, before a read is run again.
    fn clear(&mut self);
}

/// Decodes every row with `decode` (a closure, called directly) and keeps it.
pub(crate) struct Collect<M, F> {
    pub(crate) rows: Vec<M>,
    wanted: RowCount,
    decode: F,
}

/// A sink for the rows of a model or column group, read by position.
pub(crate) fn models<M: ColumnGroup>(
    wanted: RowCount,
) -> Collect<M, impl Fn(&dyn RowReader) -> Result<M, DecodeError> + Send> {
    Collect {
        rows: Vec::new(),
        wanted,
        decode: |row: &dyn RowReader| M::decode_at(row, 0),
    }
}

/// A sink for rows of any row type; a failed column is named as the result names it.
pub(crate) fn rows<R: FromRow>(
    wanted: RowCount,
) -> Collect<R, impl Fn(&dyn RowReader) -> Result<R, DecodeError> + Send> {
    Collect {
        rows: Vec::new(),
        wanted,
        decode: |row: &dyn RowReader| {
            R::from_row(row).map_err(|e| {
                let name = row.column_name(e.index());
                e.with_column(name)
            })
        },
    }
}

impl<M: Send, F: Fn(&dyn RowReader) -> Result<M, DecodeError> + Send> RowSink for Collect<M, F> {
    fn wanted(&self) -> RowCount {
        self.wanted
    }

    fn accept(&mut self, row: &dyn RowReader) -> Result<(), DecodeError> {
        self.rows.push((self.decode)(row)?);
        Ok(())
    }

    fn clear(&mut self) {
        self.rows.clear();
    }
}
