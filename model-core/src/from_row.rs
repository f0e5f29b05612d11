//! `FromRow`: what a result row can be read into. Models and column groups read their columns
//! by position; `#[derive(FromRow)]` structs read theirs by name (or by position), and are
//! never tables: nothing registers them and `create_all` never sees them. A column type reads
//! the first column (a count, a sum), a tuple one column each, in order.

use crate::column_type::ColumnType;
use crate::field::FieldType;
use crate::row::{DecodeError, RowReader};

/// A type a result row is read into: a model, a `#[derive(FromRow)]` struct, a column type (the
/// row's first column) or a tuple of field types (the first columns, in order). What
/// [`Database::fetch_as`](crate::Database::fetch_as) returns.
#[diagnostic::on_unimplemented(
    message = "a result row cannot be read into `{Self}`",
    label = "not a row type",
    note = "rows are read into models, `#[derive(FromRow)]` structs, column types (one column) \
            and tuples of column types"
)]
pub trait FromRow: Sized + Send + 'static {
    /// Reads the row.
    fn from_row(row: &dyn RowReader) -> Result<Self, DecodeError>;
}

impl<T: ColumnType> FromRow for T {
    fn from_row(row: &dyn RowReader) -> Result<Self, DecodeError> {
        <T as FieldType>::read_from(row, 0)
    }
}

impl<T: ColumnType> FromRow for Option<T> {
    fn from_row(row: &dyn RowReader) -> Result<Self, DecodeError> {
        <Option<T> as FieldType>::read_from(row, 0)
    }
}

macro_rules! tuple_rows {
    ($(($($t:ident $i:tt),+))*) => {$(
        impl<$($t: FieldType),+> FromRow for ($($t,)+) {
            fn from_row(row: &dyn RowReader) -> Result<Self, DecodeError> {
                Ok(($($t::read_from(row, $i)?,)+))
            }
        }
    )*};
}

tuple_rows! {
    (A 0)
    (A 0, B 1)
    (A 0, B 1, C 2)
    (A 0, B 1, C 2, D 3)
    (A 0, B 1, C 2, D 3, E 4)
    (A 0, B 1, C 2, D 3, E 4, F 5)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7)
}
