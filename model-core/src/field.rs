//! `FieldType`: the types a model field may have. Every [`ColumnType`] is one, and so is an
//! `Option` of one (a nullable column); the user implements `ColumnType`, never this. Generated
//! code reads and writes fields through it, and the query builder compares a column with values
//! of its [`FieldType::Compare`] type.

use crate::column_type::{ColumnType, ValueError};
use crate::row::{DecodeError, RowReader};
use crate::sql_type::SqlType;
use crate::value::Value;

/// A type a model field can have: a [`ColumnType`], `Option<T>` of one (a nullable column), or
/// [`Auto<T>`](crate::Auto) of either (a field an insert may leave to the column's default).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in a model column",
    label = "`{Self}` is not a column type",
    note = "column types: i8, i16, i32, i64, u8, u16, u32, f32, f64, bool, String, Vec<u8>, chrono's \
            NaiveDateTime, DateTime<Utc>, NaiveDate and NaiveTime, uuid::Uuid, serde_json::Value, \
            Json<T>, rust_decimal::Decimal, the `time` crate's types (feature `time`), and \
            Option<T> of each; u64, u128 and usize are not, as SQLite and PostgreSQL hold at most \
            an i64",
    note = "for your own enum or newtype, `#[derive(ColumnType)]` on it; for another type, \
            implement `model_core::ColumnType` by hand",
    note = "to keep the field out of the table, mark it `#[column(skip)]`; for a group of columns, \
            derive `ColumnGroup` on its type and mark the field `#[column(flatten)]`"
)]
pub trait FieldType: Sized + Send + Sync + 'static {
    /// The type values of this column are compared with: `Self`, or `T` for `Option<T>`
    /// (`Column<_, Option<String>>::eq("x")`; NULL is tested with `is_null`).
    type Compare: FieldType;
    /// The built-in type whose column options the field takes (see [`ColumnType::Base`]).
    type Base: ColumnType;
    /// The column type.
    const SQL_TYPE: SqlType;
    /// Whether the column is nullable (the type is an `Option`).
    const NULLABLE: bool;
    /// Whether the field can be left unset for the column's default (an [`Auto`](crate::Auto)).
    const AUTO: bool = false;
    /// The value to bind, borrowed from the field.
    fn to_value(&self) -> Value;
    /// The value to bind, taking the field.
    fn into_value(self) -> Value;
    /// The field's value out of a decoded column value.
    fn from_value(value: Value) -> Result<Self, ValueError>;

    /// Reads a value of this type from column `index` of `row`: what generated `decode_at`
    /// code calls for each column.
    fn read_from(row: &dyn RowReader, index: usize) -> Result<Self, DecodeError> {
        let value = row.value(index, Self::SQL_TYPE, Self::NULLABLE)?;
        Self::from_value(value).map_err(|error| DecodeError::new(index, error))
    }
}

impl<T: ColumnType> FieldType for T {
    type Compare = T;
    type Base = T::Base;
    const SQL_TYPE: SqlType = T::SQL_TYPE;
    const NULLABLE: bool = false;
    fn to_value(&self) -> Value {
        ColumnType::to_value(self)
    }
    fn into_value(self) -> Value {
        ColumnType::into_value(self)
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        <T as ColumnType>::from_value(value)
    }
}

impl<T: ColumnType> FieldType for Option<T> {
    type Compare = T;
    type Base = T::Base;
    const SQL_TYPE: SqlType = T::SQL_TYPE;
    const NULLABLE: bool = true;
    fn to_value(&self) -> Value {
        match self {
            Some(value) => value.to_value(),
            None => Value::Null(T::SQL_TYPE),
        }
    }
    fn into_value(self) -> Value {
        match self {
            Some(value) => value.into_value(),
            None => Value::Null(T::SQL_TYPE),
        }
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Null(_) => Ok(None),
            other => <T as ColumnType>::from_value(other).map(Some),
        }
    }
}

/// Every field value converts into a [`Value`], so conditions and raw SQL take plain Rust values.
impl<T: FieldType> From<T> for Value {
    fn from(value: T) -> Self {
        value.into_value()
    }
}

/// A field that is not an `Option`: the only kind a primary key may be.
#[diagnostic::on_unimplemented(
    message = "a primary key column cannot be nullable, and this field is `{Self}`",
    label = "primary keys are NOT NULL",
    note = "use the inner type (e.g. `i64` rather than `Option<i64>`), or remove `primary_key`"
)]
pub trait NotNullField {}
impl<T: ColumnType> NotNullField for T {}
impl<T: NotNullField + FieldType> NotNullField for crate::auto::Auto<T> {}

/// Fields that can count a row's versions: non-null integers.
#[diagnostic::on_unimplemented(
    message = "a `version` column counts updates and must be a non-null integer, and this field is `{Self}`",
    label = "`version` makes every update check and bump this counter",
    note = "make the field an `i32` or `i64`, or remove `version`"
)]
pub trait VersionField {}
impl<T: ColumnType> VersionField for T where T::Base: crate::column_type::IntegerField {}
