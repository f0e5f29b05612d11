//! The traits `#[derive(Model)]` and `#[derive(ColumnGroup)]` implement, and the typed column
//! handles they generate.

use std::fmt;
use std::marker::PhantomData;

use crate::meta::{ColumnDef, Table};
use crate::row::{DecodeError, RowReader};
use crate::value::Value;

/// A set of columns read from and written to consecutive positions of a row. Every model is
/// one; `#[derive(ColumnGroup)]` makes reusable ones to `#[column(flatten)]` into models.
pub trait ColumnGroup: Sized + Send + Sync + Unpin + 'static {
    /// The columns, in declaration order.
    const COLUMNS: &'static [ColumnDef];
    /// Reads the struct from `row`, its first column at position `offset`.
    fn decode_at(row: &dyn RowReader, offset: usize) -> Result<Self, DecodeError>;
    /// Appends one bound value per column, in column order.
    fn push_values(&self, out: &mut Vec<Value>);
    /// The value of the column at `position` (in [`COLUMNS`](Self::COLUMNS) order), as bound;
    /// `None` past the last column. What relationship loading reads keys with; the derives
    /// read the one field instead of every column.
    fn column_value(&self, position: usize) -> Option<Value> {
        let mut values = Vec::with_capacity(Self::COLUMNS.len());
        self.push_values(&mut values);
        (position < values.len()).then(|| values.swap_remove(position))
    }
}

/// A struct mapped to a table. Derive it: `#[derive(Model)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a model",
    label = "a model's table or column is needed here",
    note = "derive `Model` on it; a column group (`#[derive(ColumnGroup)]`) has no table of its own"
)]
pub trait Model: ColumnGroup {
    /// The table metadata, built at compile time.
    const TABLE: &'static Table;
    /// The one-to-many relationships declared with `cascade = "delete"`: deleting a row
    /// deletes the rows they hold first. Not public API.
    #[doc(hidden)]
    const DELETE_CASCADES: &'static [crate::meta::Cascade] = &[];
}

/// `Self` has the columns of `G`: every model has its own, and a model that flattens a
/// `ColumnGroup` has the group's. Lets a group's column handles (`BaseModel::ID`) build
/// conditions on the models that flatten it. Implemented by the derives.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no columns of `{G}`",
    label = "this condition or ordering uses a column of `{G}`",
    note = "a query on `{Self}` can use the columns of `{Self}` and of the column groups it flattens"
)]
pub trait Contains<G> {}

/// Every model has the "columns" of `()`: what `count()` counts over any of them.
impl<M: Model> Contains<()> for M {}

/// A typed handle on one column of `M`, such as `User::USERNAME`: the query builder uses it to
/// check at compile time that a column is compared with values of its own type `T`.
pub struct Column<M, T> {
    name: &'static str,
    position: usize,
    _marker: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Column<M, T> {
    pub(crate) const fn new(name: &'static str, position: usize) -> Self {
        Column {
            name,
            position,
            _marker: PhantomData,
        }
    }
    /// The column name.
    pub const fn name(&self) -> &'static str {
        self.name
    }
    /// The column's position among `M`'s columns.
    pub const fn position(&self) -> usize {
        self.position
    }
}

impl<M: ColumnGroup, T> Column<M, T> {
    /// The column's metadata.
    pub fn def(&self) -> &'static ColumnDef {
        &M::COLUMNS[self.position]
    }
}

impl<M, T> Clone for Column<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M, T> Copy for Column<M, T> {}

impl<M, T> PartialEq for Column<M, T> {
    fn eq(&self, other: &Self) -> bool {
        self.position == other.position && self.name == other.name
    }
}
impl<M, T> Eq for Column<M, T> {}

impl<M, T> std::hash::Hash for Column<M, T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
        self.position.hash(state);
    }
}

impl<M, T> fmt::Debug for Column<M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Column")
            .field("model", &std::any::type_name::<M>())
            .field("name", &self.name)
            .field("position", &self.position)
            .finish()
    }
}

/// One column of model `M`, whatever its type: what [`Database::update_columns`] takes.
/// Made from a column handle with `.into()`: `[User::LAST_SEEN.into(), User::ABOUT_ME.into()]`.
///
/// [`Database::update_columns`]: crate::Database::update_columns
pub struct ColumnRef<M> {
    name: &'static str,
    _model: PhantomData<fn() -> M>,
}

impl<M> ColumnRef<M> {
    /// The column name.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl<G, T, M: Contains<G>> From<Column<G, T>> for ColumnRef<M> {
    fn from(column: Column<G, T>) -> Self {
        ColumnRef {
            name: column.name(),
            _model: PhantomData,
        }
    }
}

impl<M> Clone for ColumnRef<M> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M> Copy for ColumnRef<M> {}

impl<M> fmt::Debug for ColumnRef<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ColumnRef({})", self.name)
    }
}
