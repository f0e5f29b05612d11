//! Handing rows to the code that decodes them. The code that runs a statement and streams its
//! rows is compiled once per backend, inside this crate; only a [`RowSink`] (a few lines, the
//! same for every backend) is compiled for each model, which keeps what every
//! `#[derive(Model)]` struct adds to a user's build small.

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

/// Decodes every row into `M`, by position, and keeps it.
pub(crate) struct Collect<M> {
    pub(crate) rows: Vec<M>,
    wanted: RowCount,
}

impl<M> Collect<M> {
    pub(crate) fn new(wanted: RowCount) -> Self {
        Collect {
            rows: Vec::new(),
            wanted,
        }
    }
}

impl<M: ColumnGroup> RowSink for Collect<M> {
    fn wanted(&self) -> RowCount {
        self.wanted
    }

    fn accept(&mut self, row: &dyn RowReader) -> Result<(), DecodeError> {
        self.rows.push(M::decode_at(row, 0)?);
        Ok(())
    }

    fn clear(&mut self) {
        self.rows.clear();
    }
}
