//! Handing rows to the code that decodes them. The code that runs a statement and streams its
//! rows is compiled once per backend, inside this crate; only a [`RowSink`] (a few lines, the
//! same for every backend) is compiled for each model, which keeps what every
//! `#[derive(Model)]` struct adds to a user's build small.

use std::collections::HashMap;

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

/// A sink decoding each row with `decode`.
pub(crate) fn collect<M, F>(wanted: RowCount, decode: F) -> Collect<M, F>
where
    F: FnMut(&dyn RowReader) -> Result<M, DecodeError> + Send,
{
    Collect {
        rows: Vec::new(),
        wanted,
        decode,
    }
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

/// A sink for rows of any row type; a failed column is named as the result names it. The
/// columns' names are indexed once, from the first row, for row types that read by name.
pub(crate) fn rows<R: FromRow>(
    wanted: RowCount,
) -> Collect<R, impl FnMut(&dyn RowReader) -> Result<R, DecodeError> + Send> {
    let mut names: Option<HashMap<String, usize>> = None;
    Collect {
        rows: Vec::new(),
        wanted,
        decode: move |row: &dyn RowReader| {
            let names = names.get_or_insert_with(|| {
                let mut names = HashMap::new();
                for i in 0..row.column_count() {
                    if let Some(name) = row.column_name(i) {
                        names.entry(name.to_owned()).or_insert(i);
                    }
                }
                names
            });
            R::from_row(&Named { row, names }).map_err(|e| {
                let name = row.column_name(e.index());
                e.with_column(name)
            })
        },
    }
}

/// A row whose columns are found by name through an index built once per result.
struct Named<'r> {
    row: &'r dyn RowReader,
    names: &'r HashMap<String, usize>,
}

impl RowReader for Named<'_> {
    fn value(
        &self,
        index: usize,
        ty: crate::sql_type::SqlType,
        nullable: bool,
    ) -> Result<crate::value::Value, DecodeError> {
        self.row.value(index, ty, nullable)
    }

    fn column_count(&self) -> usize {
        self.row.column_count()
    }

    fn column_name(&self, index: usize) -> Option<&str> {
        self.row.column_name(index)
    }

    fn index_of(&self, name: &str) -> Result<usize, DecodeError> {
        match self.names.get(name) {
            Some(&index) => Ok(index),
            None => self.row.index_of(name),
        }
    }
}

impl<M: Send, F: FnMut(&dyn RowReader) -> Result<M, DecodeError> + Send> RowSink for Collect<M, F> {
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
