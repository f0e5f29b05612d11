//! Primary key values for `get`: one value for a single-column key, a tuple for a composite
//! one. Integers are converted to the key column's width when they fit, so `get(&db, 5)` works
//! on an `i64` key.

use super::node::Node;
use crate::field::FieldType;
use crate::meta::Table;
use crate::sql_type::SqlType;
use crate::value::Value;

/// A primary key value: a column value, or a tuple of them for a composite key.
pub trait IntoKey {
    /// The values, in key column order.
    fn into_key(self) -> Vec<Value>;
}

/// One value of a key: any column type, or a `&str` for a string column.
pub trait KeyPart {
    /// The bound value.
    fn into_key_value(self) -> Value;
}

impl<T: FieldType> KeyPart for T {
    fn into_key_value(self) -> Value {
        self.into_value()
    }
}

impl KeyPart for &str {
    fn into_key_value(self) -> Value {
        Value::Text(self.to_owned())
    }
}

impl<T: KeyPart> IntoKey for T {
    fn into_key(self) -> Vec<Value> {
        vec![self.into_key_value()]
    }
}

macro_rules! tuple_keys {
    ($(($($t:ident $i:tt),+))*) => {$(
        impl<$($t: KeyPart),+> IntoKey for ($($t,)+) {
            fn into_key(self) -> Vec<Value> {
                vec![$(self.$i.into_key_value()),+]
            }
        }
    )*};
}

tuple_keys! {
    (A 0, B 1)
    (A 0, B 1, C 2)
    (A 0, B 1, C 2, D 3)
}

/// `values` matched against `table`'s primary key columns: the right count, each value of the
/// column's type (integers narrowed or widened when the value fits), in key column order.
pub(crate) fn key_values(table: &Table, values: Vec<Value>) -> Result<Vec<Value>, String> {
    let count = table.primary_key().count();
    if count != values.len() {
        return Err(format!(
            "the primary key has {count} column(s) ({}), and {} value(s) were given",
            table
                .primary_key()
                .map(|c| c.name())
                .collect::<Vec<_>>()
                .join(", "),
            values.len()
        ));
    }
    table
        .primary_key()
        .zip(values)
        .map(|(column, value)| {
            let ty = column.sql_type();
            convert(value, ty).map_err(|v| {
                format!(
                    "key column \"{}\" is {ty:?}, and the value given is {v:?}",
                    column.name()
                )
            })
        })
        .collect()
}

/// One `column = value` condition per primary key column of `table`, in key order.
pub(crate) fn key_conditions(table: &Table, values: Vec<Value>) -> Vec<Node> {
    table
        .primary_key()
        .zip(values)
        .map(|(column, value)| Node::Compare {
            column: column.name(),
            op: "=",
            value,
        })
        .collect()
}

pub(crate) fn convert(value: Value, ty: SqlType) -> Result<Value, Value> {
    let int = match value {
        Value::SmallInt(v) => i64::from(v),
        Value::Int(v) => i64::from(v),
        Value::BigInt(v) => v,
        other => {
            return if other.sql_type() == Some(ty) {
                Ok(other)
            } else {
                Err(other)
            };
        }
    };
    let converted = match ty {
        SqlType::SmallInt => i16::try_from(int).ok().map(Value::SmallInt),
        SqlType::Integer => i32::try_from(int).ok().map(Value::Int),
        SqlType::BigInt => Some(Value::BigInt(int)),
        _ => None,
    };
    converted.ok_or(Value::BigInt(int))
}
