//! Reading rows into structs: generated `decode_at` code asks a [`RowReader`] for each column by
//! position, so a model's rows are decoded without looking columns up by name; a
//! `#[derive(FromRow)]` struct finds its columns by name first ([`RowReader::index_of`]).
//!
//! The reader is a trait object, implemented once per backend inside this crate. A model's decoder is therefore one function however many backends are compiled in,
//! and the per-type decoding of each backend is compiled once, here, not once per model.

use std::error::Error as StdError;
use std::fmt;

use crate::sql_type::SqlType;
use crate::value::Value;

/// A row of a result set, read by column position. Implemented by each backend's row type.
pub trait RowReader {
    /// The value at `index` (0-based), decoded as a column of type `ty`: the [`Value`] variant
    /// of that type, or `Value::Null(ty)` for a NULL when `nullable` (a NULL is an error
    /// otherwise).
    fn value(&self, index: usize, ty: SqlType, nullable: bool) -> Result<Value, DecodeError>;

    /// How many columns the row has (0 when the reader does not say; then no column is found
    /// by name).
    fn column_count(&self) -> usize {
        0
    }

    /// The name of the column at `index`, as the result names it, if the reader knows it.
    fn column_name(&self, index: usize) -> Option<&str> {
        let _ = index;
        None
    }

    /// The position of the first column named `name`; an error naming the columns there are
    /// when none is.
    fn index_of(&self, name: &str) -> Result<usize, DecodeError> {
        (0..self.column_count())
            .find(|&i| self.column_name(i) == Some(name))
            .ok_or_else(|| {
                let names: Vec<&str> = (0..self.column_count())
                    .filter_map(|i| self.column_name(i))
                    .collect();
                DecodeError::missing(name, &names)
            })
    }
}

/// A column value that could not be decoded into its field. The driver turns it into
/// [`Error::Decode`](crate::Error::Decode), which names the model, table, column and bind.
#[derive(Debug)]
pub struct DecodeError {
    index: usize,
    /// The column's name, when the row was read by name (or the reader knew it).
    column: Option<String>,
    source: Box<dyn StdError + Send + Sync>,
}

impl DecodeError {
    /// A decode failure of the column at `index`.
    pub fn new(index: usize, source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        DecodeError {
            index,
            column: None,
            source: source.into(),
        }
    }
    /// The row has no column named `name`; `present` are the names it has.
    pub fn missing(name: &str, present: &[&str]) -> Self {
        DecodeError {
            index: usize::MAX,
            column: Some(name.to_owned()),
            source: format!(
                "the result has no column named \"{name}\"; its columns are {}",
                present
                    .iter()
                    .map(|n| format!("\"{n}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
            .into(),
        }
    }
    /// This error with the name of its column, if it has none yet.
    pub fn with_column(mut self, name: Option<&str>) -> Self {
        if self.column.is_none() {
            self.column = name.map(str::to_owned);
        }
        self
    }
    /// The name of the column, when known.
    pub fn column(&self) -> Option<&str> {
        self.column.as_deref()
    }
    /// Not public API. Used by the code a failed derive leaves behind.
    #[doc(hidden)]
    pub fn invalid_model() -> Self {
        DecodeError::new(0, "the model's derive failed to compile")
    }
    /// The position of the column in the row.
    pub fn index(&self) -> usize {
        self.index
    }
    /// Takes the underlying error.
    pub fn into_source(self) -> Box<dyn StdError + Send + Sync> {
        self.source
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(name) => write!(f, "column \"{name}\": {}", self.source),
            None => write!(f, "column {}: {}", self.index, self.source),
        }
    }
}

impl StdError for DecodeError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}
